"""The processes test_pgbouncer.py runs through PgBouncer: `python -m core.tests.pgbouncer_process ACTION [ARG]`.

Each is the application as deployed behind the pooler (DATABASE_URL names PgBouncer, DATABASE_POOLED=1, tasks
in the database); uploads go under PGB_MEDIA_ROOT.

setup            the street (two communities of one grid each), its officer, the report forms, 300 people, an
                 enterprise with a gate and its device: prints {"street": code, "device": code, "docs": [...]}
import-job ROWS  a line-list import job of ROWS people into the street, not started: prints its id
enqueue JOB      the import job JOB queued twice (as a double click or a retry would), then 20 deliveries of the
                 outbox
worker           the background worker (db_worker, polling every 0.1 s)
scheduled NAME   `manage.py NAME`, its work taking 2 s more inside the command's lock (so two runs fired at once
                 overlap; the lock is the real one)
ingest START     readings START … START + 199 from the device, in batches of 50, each its own transaction
report           the street's confirmed_daily draft for 1 March 2020, computed: prints its total (JSON)
"""

import json
import os
import sys
import time
from pathlib import Path

DAY = "2020-03-01"


def _setup() -> dict:
    from django.db import transaction

    from accounts.models import Membership, User
    from accounts.roles import Role
    from checkpoints.models import Site
    from checkpoints.services import checkpoint_create, device_register
    from core.fields import SEPARATOR
    from orgunits.models import OrgUnit
    from persons.generator import people_generate
    from persons.models import Person
    from reports.services import forms_seed

    def unit(code, name, kind, parent=None):
        return OrgUnit.objects.create(code=code, name=name, kind=kind, parent=parent, source="local",
                                      path=(parent.path if parent else "") + code + SEPARATOR,
                                      depth=(parent.depth + 1) if parent else 1)

    with transaction.atomic():
        county = unit("431302", "娄星区", OrgUnit.Kind.COUNTY)
        street = unit("431302004", "长青街道", OrgUnit.Kind.TOWNSHIP, county)
        grids = []
        for n, name in ((1, "三元社区"), (3, "月塘社区")):
            community = unit(f"431302004{n:03d}", name, OrgUnit.Kind.COMMUNITY, street)
            grids.append(unit(f"{community.code}-01", f"{name}第一网格", OrgUnit.Kind.GRID, community))
        officer = User.objects.create_user(username="pooled_officer", password="Test-password-2020",
                                           full_name="贺英")
        Membership.objects.create(user=officer, role=Role.STREET_OFFICER, unit=street, unit_path=street.path)
        site = Site.objects.create(unit=grids[0].parent, unit_path=grids[0].parent.path, kind=Site.Kind.ENTERPRISE,
                                   name="涟钢振兴金华")
        gate = checkpoint_create(site=site, name="厂区大门", by=None)
        device, _key = device_register(checkpoint=gate, code="GATE-01", name="测温门", by=None)
    forms_seed()
    people_generate(units=grids, count=300, seed=20200301, analyze=False)
    docs = list(Person.objects.filter(unit_path__startswith=grids[0].parent.path)
                .order_by("id").values_list("doc_number", flat=True)[:20])
    return {"street": street.code, "device": device.code, "docs": docs}


def _import_job(rows: int) -> int:
    from django.core.files import File

    from orgunits.models import OrgUnit
    from persons.generator.people_csv import people_csv_write
    from persons.importing import import_job_create

    street = OrgUnit.objects.get(code="431302004")
    grids = list(OrgUnit.objects.filter(kind=OrgUnit.Kind.GRID, path__startswith=street.path).order_by("code"))
    path = Path(os.environ["PGB_MEDIA_ROOT"]) / "people.csv"
    people_csv_write(path, rows, grids)
    with path.open("rb") as f:
        job = import_job_create(unit=street, uploaded_file=File(f, name=path.name), filename=path.name,
                                by=street.memberships.get().user, start=False)
    return job.pk


def _scheduled(name: str) -> None:
    from django.core.management import call_command, get_commands, load_command_class

    command = load_command_class(get_commands()[name], name)
    work = command.run

    def slower(*args, **options):
        time.sleep(2)
        return work(*args, **options)

    command.run = slower
    call_command(command)


def _ingest(start: int) -> None:
    from django.utils import timezone

    from checkpoints.models import Device
    from checkpoints.services import readings_ingest

    device = Device.objects.get(code="GATE-01")
    docs = json.loads(os.environ["PGB_DOCS"])
    taken = (timezone.now() - timezone.timedelta(minutes=5)).isoformat()
    for batch in range(4):
        items = [{"device_id": "GATE-01", "event_id": f"e{n}", "time": taken, "doc_number": docs[n % len(docs)],
                  "temperature": "38.5" if n % 50 == 7 else "36.5"}
                 for n in range(start + 50 * batch, start + 50 * (batch + 1))]
        result = readings_ingest(items=items, device=device, by=None)
        print(json.dumps({"accepted": result.accepted, "duplicates": result.duplicates, "refused": result.refused,
                          "reasons": sorted({i.get("code", "") for i in result.items if i["status"] == "refused"})}),
              flush=True)


def _report() -> str:
    import datetime as dt

    from orgunits.models import OrgUnit
    from reports.models import Form
    from reports.services import submission_compute

    street = OrgUnit.objects.get(code="431302004")
    submission = submission_compute(form=Form.objects.get(code="confirmed_daily"), unit=street,
                                    day=dt.date.fromisoformat(DAY), by=None)
    return json.dumps(submission.values["total"], sort_keys=True)


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangkong.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.MEDIA_ROOT = os.environ["PGB_MEDIA_ROOT"]
    action = argv[0]
    if action == "setup":
        print(json.dumps(_setup()))
    elif action == "import-job":
        print(_import_job(int(argv[1])))
    elif action == "enqueue":
        from django.db import transaction

        from core.notifications.tasks import notifications_deliver_run
        from persons.tasks import person_import_run

        with transaction.atomic():
            person_import_run.enqueue(int(argv[1]))
            person_import_run.enqueue(int(argv[1]))
            for _n in range(20):
                notifications_deliver_run.enqueue()
    elif action == "worker":
        call_command("db_worker", "--no-reload", "--no-startup-delay", "--interval", "0.1", "--verbosity", "1")
    elif action == "scheduled":
        _scheduled(argv[1])
    elif action == "ingest":
        _ingest(int(argv[1]))
    elif action == "report":
        print(_report())
    else:
        raise SystemExit(f"unknown action {action!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
