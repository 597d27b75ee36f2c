"""Crash safety: the process doing the work is killed (SIGKILL) in the middle of a large import and of a report
computation; nothing is half written, the job says what happened, and the work can be done again.

The background worker (`manage.py db_worker`) and the web server (`manage.py runserver`) run as separate
processes (core/tests/crash_process.py) on a throwaway copy of the migrated test database, which this test
reads and writes too: a file made with SQLite's backup API, or on PostgreSQL a database made with the test
database as its template (running `migrate` for each test would take a minute).
"""

import datetime as dt
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from contextlib import closing, contextmanager
from pathlib import Path

import pytest
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import connections
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks_db.models import DBTaskResult

from accounts.models import Membership, User
from accounts.roles import Role
from accounts.services import token_create
from core.fields import SEPARATOR
from core.models import AuditEntry
from orgunits.models import OrgUnit
from persons.generator import people_generate
from persons.generator.people_csv import people_csv_write
from persons.importing import import_job_create, import_job_get_for_user, import_job_progress, people_import
from persons.importing.running import job_claim
from persons.models import Category, ImportJob, Person
from persons.services import category_assign, person_register
from persons.tests.conftest import resident_id
from reports import services as reports_services
from reports.engine import table_compute
from reports.models import Form, Submission
from reports.services import forms_seed, submission_manual_set

pytestmark = pytest.mark.django_db  # the test database is only copied: its transaction stays empty

ROOT = Path(__file__).resolve().parents[2]
# At 100,000 rows the import runs in a worker process beside the writer, and on SQLite it drops the person
# table's secondary indexes inside its transaction (write.REBUILD_FROM): the kill has to leave them in place.
ROWS = 100_000
DAY = dt.date(2020, 3, 1)
START_TIMEOUT = 60  # seconds for a process to start and reach the point where it is killed


# -- the throwaway database the processes share -----------------------------------------------------------

@pytest.fixture(scope="module")
def pristine_database(django_db_setup, django_db_blocker, tmp_path_factory):
    """(connection settings, name) of a copy of the migrated test database, made before a test opens a
    transaction on it (PostgreSQL copies a database only while nobody is connected to it)."""
    with django_db_blocker.unblock():
        original = connections["default"]
        params = dict(original.settings_dict)
        if original.vendor == "postgresql":
            name = f"{params['NAME']}_pristine"[:63]
            original.close()
            _pg_copy(params, params["NAME"], name)
        else:
            name = str(tmp_path_factory.mktemp("crash") / "pristine.sqlite3")
            original.ensure_connection()
            _sqlite_copy(original.connection, name)
    yield params, name
    if params["ENGINE"].endswith("postgresql"):
        with _pg_admin(params) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def shared_database(pristine_database, db, tmp_path):
    """DATABASE_URL of a fresh copy of the migrated test database, which this test's own queries use too."""
    params, pristine = pristine_database
    postgresql = params["ENGINE"].endswith("postgresql")
    if postgresql:
        name = f"{params['NAME']}_crash"[:63]
        _pg_copy(params, pristine, name)
        url = "postgres://{user}:{password}@{host}:{port}/{name}".format(
            user=params["USER"], password=params["PASSWORD"], host=params["HOST"] or "localhost",
            port=params["PORT"] or 5432, name=name)
    else:
        name = str(tmp_path / "crash.sqlite3")
        with closing(sqlite3.connect(pristine)) as source:
            _sqlite_copy(source, name)
        url = f"sqlite:///{name}"
    original = connections["default"]
    own = original.__class__({**params, "NAME": name}, "default")
    connections["default"] = own
    try:
        yield url
    finally:
        own.close()
        connections["default"] = original
        if postgresql:
            with _pg_admin(params) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _sqlite_copy(source, name: str) -> None:
    with closing(sqlite3.connect(name)) as target:
        source.backup(target)


def _pg_copy(params: dict, template: str, name: str) -> None:
    with _pg_admin(params) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')


def _pg_admin(params: dict):
    import psycopg

    return psycopg.connect(dbname="postgres", user=params["USER"], password=params["PASSWORD"] or None,
                           host=params["HOST"] or None, port=params["PORT"] or None, autocommit=True)


@pytest.fixture
def env(shared_database, settings, tmp_path):
    """The environment of the processes: the shared database and media folder, tasks queued in the database."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    return dict(os.environ, DATABASE_URL=shared_database, CRASH_MEDIA_ROOT=settings.MEDIA_ROOT,
                TASKS_RUN_INLINE="0", DEBUG="0", PYTHONUNBUFFERED="1")


def _unit(code, name, kind, parent=None):
    return OrgUnit.objects.create(code=code, name=name, kind=kind, parent=parent, source="local",
                                  path=(parent.path if parent else "") + code + SEPARATOR,
                                  depth=(parent.depth + 1) if parent else 1)


@pytest.fixture
def street(shared_database):
    """长青街道 with two communities of one grid each, and its information officer."""
    county = _unit("431302", "娄星区", OrgUnit.Kind.COUNTY)
    street = _unit("431302004", "长青街道", OrgUnit.Kind.TOWNSHIP, county)
    grids = []
    for n, name in ((1, "三元社区"), (3, "月塘社区")):
        community = _unit(f"431302004{n:03d}", name, OrgUnit.Kind.COMMUNITY, street)
        grids.append(_unit(f"{community.code}-01", f"{name}第一网格", OrgUnit.Kind.GRID, community))
    officer = User.objects.create_user(username="crash_officer", password="Test-password-2020", full_name="贺英")
    Membership.objects.create(user=officer, role=Role.STREET_OFFICER, unit=street, unit_path=street.path)
    street.grids, street.officer = grids, officer
    return street


# -- the processes ----------------------------------------------------------------------------------------------

def _start(env: dict, log: Path, *args: str) -> subprocess.Popen:
    with open(log, "ab") as out:
        return subprocess.Popen([sys.executable, "-m", "core.tests.crash_process", *args], cwd=ROOT, env=env,
                                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)


def _children(pid: int) -> list[int]:
    """The processes `pid` started (the import's worker processes, multiprocessing's resource tracker)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _kill(proc: subprocess.Popen) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL


def _until(condition, *, timeout: float, what: str, log: Path | None = None):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
            pytest.fail(f"{what}: not within {timeout} s\n{tail}")
        time.sleep(0.02)


# -- the import ---------------------------------------------------------------------------------------------------

def _person_indexes() -> set[str]:
    with connections["default"].cursor() as cursor:
        return set(connections["default"].introspection.get_constraints(cursor, Person._meta.db_table))


def _import(street, path: Path, *, start: bool = True) -> ImportJob:
    with path.open("rb") as f:
        return import_job_create(unit=street, uploaded_file=File(f, name=path.name), filename=path.name,
                                 by=street.officer, start=start)


def test_a_job_left_running_by_a_dead_process_says_so_when_looked_at(cast, client_for, settings, tmp_path):
    """No process holds the job's claim: its page and the API show it failed, its task too; a job whose
    process is alive stays running."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    officer = cast.street_officer
    jobs = [ImportJob.objects.create(unit=cast.street, unit_path=cast.street.path, filename=f"{n}.csv",
                                     file=ContentFile(b"x", name=f"{n}.csv"), created_by=officer,
                                     state=ImportJob.State.RUNNING, total_rows=1000, processed_rows=400)
            for n in ("dead", "alive", "api")]
    dead, alive, api = jobs
    task = DBTaskResult.objects.create(status="RUNNING", args_kwargs={"args": [dead.pk], "kwargs": {}},
                                       task_path="persons.tasks.person_import_run", backend_name="default",
                                       run_after=dead.created_at, exception_class_path="", traceback="")
    client = client_for(officer)
    with job_claim(alive):
        page = client.get(reverse("persons:import_progress", args=[dead.pk])).content.decode()
        running = client.get(reverse("persons:import_progress", args=[alive.pk])).content.decode()
        answer = client.get(f"/api/person-imports/{api.pk}").json()
    with translation.override("zh-hans"):
        message = _("The import was interrupted (the server stopped while it ran) and wrote nothing. "
                    "Import the file again.")
    assert message in page and "<progress" not in page
    assert '<progress max="1000" value="400">' in running
    assert answer["state"] == "failed" and answer["message"] == message
    for job, state in ((dead, ImportJob.State.FAILED), (alive, ImportJob.State.RUNNING), (api, ImportJob.State.FAILED)):
        job.refresh_from_db()
        assert job.state == state
    task.refresh_from_db()
    assert task.status == "FAILED" and task.exception_class_path.endswith("ImportInterrupted")


def test_an_import_killed_midway_writes_nothing_and_can_be_run_again(street, env, tmp_path):
    csv_path = tmp_path / "people.csv"
    people_csv_write(csv_path, ROWS, street.grids)
    indexes = _person_indexes()
    job = _import(street, csv_path)
    log = tmp_path / "worker.log"
    worker = _start(env, log, "worker")
    children = []
    try:
        def midway():
            current = ImportJob.objects.get(pk=job.pk)
            done, total = import_job_progress(current)
            if current.state not in (ImportJob.State.PENDING, ImportJob.State.RUNNING):
                pytest.fail(f"the import ended ({current.state}: {current.message}) before it could be killed")
            return current.state == ImportJob.State.RUNNING and 0 < done < total and (done, total)

        # Rows are being written: a batch is written before the count that says so is published.
        done, total = _until(midway, timeout=START_TIMEOUT, what="the import writing rows", log=log)
        children = _children(worker.pid)
        _kill(worker)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    try:
        # The worker process checking rows beside the writer ends with it.
        assert children, "the import ran without its worker process: raise ROWS"
        _until(lambda: not any(_alive(pid) for pid in children), timeout=10, what="the import's processes ending")
    finally:
        for pid in children:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)

    # Nothing was written, and the person table keeps its indexes.
    assert 0 < done < total == ROWS
    assert Person.objects.count() == 0
    assert _person_indexes() == indexes
    assert not AuditEntry.objects.filter(object_type="persons.importjob").exists()

    # The job says it was interrupted (as soon as the database has seen the connection go), and so does its task.
    def failed():
        current = import_job_get_for_user(street.officer, job.pk)
        return current.state == ImportJob.State.FAILED and current
    interrupted = _until(failed, timeout=15, what="the interrupted job marked failed")
    with translation.override("zh-hans"):  # the language of the officer who uploaded the file
        assert interrupted.get_state_display() == "失败"
        assert interrupted.message == _("The import was interrupted (the server stopped while it ran) and wrote "
                                        "nothing. Import the file again.")
    assert interrupted.finished_at is not None
    assert [t.status for t in DBTaskResult.objects.all()] == ["FAILED"]

    # The file imported again (run here, as `manage.py persons_import` runs it): every row, once.
    again = _import(street, csv_path, start=False)
    people_import(job=again)
    again.refresh_from_db()
    assert again.state == ImportJob.State.DONE, (again.state, again.message)
    assert again.created == ROWS and again.updated == 0 and again.error_rows == 0
    assert Person.objects.count() == ROWS
    assert Person.objects.values("doc_type", "doc_number").distinct().count() == ROWS
    assert _person_indexes() == indexes
    job.refresh_from_db()
    assert job.state == ImportJob.State.FAILED  # the interrupted one stays as it ended


# -- the report computation ---------------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Server:
    def __init__(self, base: str, key: str):
        self.base, self.key = base, key

    def post(self, path: str, body: dict) -> tuple[int, dict]:
        request = urllib.request.Request(self.base + path, data=json.dumps(body).encode(), method="POST", headers={
            "Authorization": f"Bearer {self.key}", "Content-Type": "application/json"})
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # 127.0.0.1 never via a proxy
        try:
            with opener.open(request, timeout=60) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"{}")

    def post_unanswered(self, path: str, body: dict) -> None:
        """Send a request whose answer never comes (the server is killed while it works on it)."""
        def send():
            try:
                self.post(path, body)
            except (OSError, ValueError):
                pass
        threading.Thread(target=send, daemon=True).start()


@contextmanager
def _server(env: dict, tmp_path: Path, key: str, *, pause_after: int | None):
    """The web server; with `pause_after`, the computation after that many stops before its commit.
    Yields (server, kill), kill() waiting for the pause and then killing the server."""
    port, log = _free_port(), tmp_path / "server.log"
    pause = tmp_path / f"paused-{port}"
    proc = _start({**env, **({"PAUSE_FILE": str(pause), "PAUSE_AFTER": str(pause_after)}
                             if pause_after is not None else {})}, log, "server", str(port))
    server = _Server(f"http://127.0.0.1:{port}", key)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def serving():
        if proc.poll() is not None:
            pytest.fail(f"the server ended with {proc.returncode}\n{log.read_text(errors='replace')[-3000:]}")
        try:
            request = urllib.request.Request(server.base + "/api/me", headers={"Authorization": f"Bearer {key}"})
            with opener.open(request, timeout=5) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def kill():
        _until(pause.exists, timeout=START_TIMEOUT, what="the computation paused before its commit", log=log)
        _kill(proc)

    try:
        _until(serving, timeout=START_TIMEOUT, what="the server answering", log=log)
        yield server, kill
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _stored(form, unit) -> dict | None:
    submission = Submission.objects.filter(form=form, unit=unit, day=DAY).first()
    return submission and {"values": submission.values, "manual": submission.manual, "issues": submission.issues,
                           "lock_version": submission.lock_version, "computed_at": submission.computed_at}


def test_a_report_computation_killed_midway_stores_nothing_and_can_be_run_again(street, env, tmp_path):
    forms_seed()
    people_generate(units=street.grids, count=500, seed=20200301, analyze=False)
    form = Form.objects.get(code="confirmed_daily")  # its version of 1 January has a manual cell, compounds
    key = token_create(user=street.officer, name="crash")[1]
    compute = (f"/api/reports/forms/{form.code}/compute", {"unit": street.code, "day": DAY.isoformat()})
    entries = AuditEntry.objects.filter(object_type="reports.submission")
    community = street.grids[0].parent

    # Killed in the first computation, after its draft and audit entry were written: no draft.
    with _server(env, tmp_path, key, pause_after=0) as (server, kill):
        server.post_unanswered(*compute)
        kill()
    assert _stored(form, street) is None and not entries.exists()

    with _server(env, tmp_path, key, pause_after=1) as (server, kill):
        # Computed again: the draft holds what the engine computes.
        status, draft = server.post(*compute)
        assert status == 200, draft
        expected = table_compute(form=form, unit=street, day=DAY)
        assert draft["total"] == expected.total
        before = _stored(form, street)
        assert before["values"]["total"] == expected.total and before["lock_version"] == draft["lock_version"]
        assert entries.count() == 1

        # A new case, then a manual cell typed: killed in the recomputation that follows the cell.
        person = person_register(data={"name": "新病例", "doc_number": resident_id(seq=901),
                                       "grid": street.grids[0].code}, by=None)
        category_assign(person=person, category=Category.objects.get(code="confirmed"), start=DAY, by=None)
        server.post_unanswered(f"/api/reports/submissions/{draft['id']}/manual", {
            "values": {community.code: {"compounds": 2}}, "lock_version": before["lock_version"]})
        kill()
    # Neither the cell nor the recomputed values were stored: the draft is as it was.
    assert _stored(form, street) == before and entries.count() == 1

    # Typed again: stored, and computed with the new case (the service the endpoint calls, in this process).
    submission = Submission.objects.get(form=form, unit=street, day=DAY)
    submission_manual_set(submission=submission, values={community.code: {"compounds": 2}},
                          lock_version=before["lock_version"], by=street.officer)
    after = _stored(form, street)
    assert after["manual"] == {community.code: {"compounds": 2}} and after["lock_version"] == before["lock_version"] + 1
    assert after["values"]["total"]["compounds"] == (before["values"]["total"].get("compounds") or 0) + 2
    assert after["values"]["total"]["confirmed"] == before["values"]["total"]["confirmed"] + 1
    assert entries.count() == 3  # the first computation, the cell, the computation with it


# -- found by the load benchmark: two first computations of the same report at once ---------------------------------

def test_two_officers_computing_a_report_first_at_once_both_get_the_draft(street, monkeypatch):
    """Both find no draft and both write one (PostgreSQL lets them; SQLite's writers queue): the second to
    commit computes again over the first one's draft instead of failing on the unique (form, unit, day)."""
    forms_seed()
    form = Form.objects.get(code="hubei_wuhan_daily")
    own = connections["default"]
    both_computing = threading.Barrier(2, timeout=3)

    def table_compute_together(**kwargs):
        try:
            both_computing.wait()  # each has looked for the draft and found none (SQLite: the second waits)
        except threading.BrokenBarrierError:
            pass
        return table_compute(**kwargs)

    monkeypatch.setattr(reports_services, "table_compute", table_compute_together)
    answers, failures = [], []

    def officer():
        connections["default"] = own.__class__(own.settings_dict, "default")  # this thread's own connection
        try:
            answers.append(reports_services.submission_compute(form=form, unit=street, day=DAY, by=street.officer))
        except Exception as exc:  # reported below
            failures.append(exc)
        finally:
            connections["default"].close()

    threads = [threading.Thread(target=officer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures
    assert len(answers) == 2 and answers[0].pk == answers[1].pk
    draft = Submission.objects.get(form=form, unit=street, day=DAY)
    assert draft.lock_version == 3  # computed twice
    assert AuditEntry.objects.filter(object_type="reports.submission", object_id=str(draft.pk)).count() == 2
