"""The sync of a phone's queued writes (offline.sync.sync_apply, through POST /api/offline/sync): exactly once, in
order per person, conflicts shown with both values, refusals with their reason in Chinese, scope on every object
a write names, one audit entry per sync."""

import datetime as dt
import json
import re
import threading
import uuid

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import User
from core.models import AuditEntry
from offline.models import Device, SyncedWrite
from offline.sync import sync_apply
from offline.tests.conftest import managed, write
from persons import services as person_services
from persons.models import HealthCheck, ManagementStatus, Person, StatusEpisode
from persons.tests.conftest import resident_id
from tracing import services as tracing_services
from tracing.models import FollowUp, Task


def _episode(person) -> StatusEpisode:
    return StatusEpisode.objects.get(person=person, end__isnull=True)


def _arrival(name: str, seq: int, grid, **more) -> dict:
    return {"name": name, "doc_type": "resident_id", "doc_number": resident_id(seq=seq), "grid": grid.code,
            "category": "hubei", "status": "home_quarantine", "temperature": "36.6", **more}


def _follow_up(person) -> FollowUp:
    source = managed(f"{person.name}的病例", 900 + person.pk % 99, person.grid)
    tracing_services.case_register(person=source, classification="confirmed", by=None)
    tracing_services.contact_add(source=source, by=None, person_data={
        "doc_type": "resident_id", "doc_number": person.doc_number, "name": person.name, "grid": person.grid.code},
        exposure_data={"last_contact": timezone.localdate() - dt.timedelta(days=1)})
    return FollowUp.objects.get(person=person, state=FollowUp.State.ACTIVE)


def _task(person) -> Task:
    return tracing_services.task_create(kind="verify", person=person, due_at=timezone.now() + dt.timedelta(hours=3),
                                        by=None)


def _typed_out(text: str, value: int) -> str:
    return re.sub(rf"(?<![\d-]){value}(?![\d-])", "<typed>", text)


def _counts() -> dict:
    return {"checks": HealthCheck.objects.count(), "episodes": StatusEpisode.objects.count(),
            "people": Person.objects.count(), "synced": SyncedWrite.objects.count(),
            "audit": AuditEntry.objects.exclude(action=AuditEntry.Action.SYNC).count(),
            "tasks": list(Task.objects.order_by("pk").values_list("pk", "status", "version"))}


# -- exactly once ---------------------------------------------------------------------------------------------

def test_the_same_batch_sent_twice_changes_nothing_the_second_time(cast, world, phone_of):
    phone = phone_of(cast.grid_a_worker)
    task = _task(world.a)
    batch = [write("check", person=world.a.pk, temperature="36.5"),
             write("status", person=world.a2.pk, seen={"episode": _episode(world.a2).pk}, status="home_monitoring"),
             write("task", seen={"version": task.version}, task=task.pk, status="done", result="已核实"),
             write("arrival", **_arrival("王五", 301, cast.grid_a))]
    first = phone.sync(batch).json()
    assert [r["state"] for r in first["results"]] == ["applied"] * 4
    assert first["applied"] == 4 and not any(r["duplicate"] for r in first["results"])
    after_first = _counts()

    second = phone.sync(batch).json()
    assert _counts() == after_first  # no check, episode, person, task change or audit entry again
    assert [(r["state"], r["duplicate"]) for r in second["results"]] == [("applied", True)] * 4
    for once, again in zip(first["results"], second["results"], strict=True):
        assert (again["key"], again["object"], again["person"], again["notices"]) == (
            once["key"], once["object"], once["person"], once["notices"])  # answered as the first time


def test_the_same_key_twice_in_one_batch_is_applied_once_and_answered_duplicate(cast, world, phone_of):
    """The second claim of the key meets the unique index (as a concurrent sync would) and is a duplicate."""
    phone = phone_of(cast.grid_a_worker)
    again = write("check", person=world.a.pk, temperature="36.5")
    results = phone.sync([again, again]).json()["results"]
    assert [(r["state"], r["duplicate"]) for r in results] == [("applied", False), ("applied", True)]
    assert results[1]["object"] == results[0]["object"]
    assert HealthCheck.objects.filter(person=world.a).count() == 1


def test_a_conflict_or_refusal_is_not_kept_so_the_same_key_is_evaluated_again(cast, world, phone_of):
    phone = phone_of(cast.grid_a_worker)
    fixed = write("check", person=world.a.pk, temperature="50")
    assert phone.sync([fixed]).json()["results"][0]["state"] == "refused"
    assert not SyncedWrite.objects.exists()
    fixed["data"]["temperature"] = "36.8"  # the worker corrected the reading in the queue
    assert phone.sync([fixed]).json()["results"][0]["state"] == "applied"


# -- order per person ---------------------------------------------------------------------------------------------

def test_writes_of_a_person_after_one_not_applied_are_held_others_go_on(cast, world, phone_of):
    phone = phone_of(cast.grid_a_worker)
    results = phone.sync([write("check", person=world.a.pk, temperature="50"),
                          write("check", person=world.a.pk, temperature="36.5"),
                          write("check", person=world.a2.pk, temperature="36.5")]).json()["results"]
    assert [r["state"] for r in results] == ["refused", "held", "applied"]
    assert results[1]["message"] == "等待此人前一条记录处理。"
    assert not HealthCheck.objects.filter(person=world.a).exists()


def test_a_person_registered_offline_is_found_by_the_key_of_their_arrival(cast, world, phone_of):
    phone = phone_of(cast.grid_a_worker)
    arrival = write("arrival", **_arrival("赵六", 302, cast.grid_a))
    first = phone.sync([arrival, write("check", person_ref=arrival["key"], temperature="36.7")]).json()["results"]
    person = Person.objects.get(doc_number=resident_id(seq=302))
    assert [r["state"] for r in first] == ["applied", "applied"]
    assert first[0]["person"] == person.pk and first[0]["object"] == {"type": "person", "id": person.pk}
    later = phone.sync([write("check", person_ref=arrival["key"], temperature="36.4")]).json()["results"]  # next day
    assert later[0]["state"] == "applied" and later[0]["person"] == person.pk
    assert HealthCheck.objects.filter(person=person).count() == 3  # the arrival's own check and the two


def test_writes_about_a_person_whose_arrival_was_not_applied_are_held(cast, world, phone_of):
    phone = phone_of(cast.grid_a_worker)
    arrival = write("arrival", **_arrival("赵六", 302, cast.grid_a, category=""))  # no category: refused
    results = phone.sync([arrival, write("check", person_ref=arrival["key"], temperature="36.7")]).json()["results"]
    assert [r["state"] for r in results] == ["refused", "held"]
    assert results[0]["fields"]["category"] == ["请选择人员类别。"]


# -- conflicts ----------------------------------------------------------------------------------------------------

def test_a_status_changed_on_the_server_is_a_conflict_with_both_values_until_the_worker_keeps_theirs(
        cast, world, phone_of):
    phone = phone_of(cast.grid_a_worker)
    read = _episode(world.a)
    person_services.status_set(person=world.a, status=ManagementStatus.objects.get(code="hospital"),
                               by=cast.community_a_worker)
    mine = write("status", person=world.a.pk, seen={"episode": read.pk, "status": "home_quarantine"},
                 status="home_monitoring")
    result = phone.sync([mine]).json()["results"][0]
    current = _episode(world.a)
    assert result["state"] == "conflict"
    assert result["conflict"] == {"field": "status", "mine": "居家健康监测", "server": current.status.name,
                                  "seen": {"episode": current.pk, "status": current.status.code}}
    assert current.status.code == "hospital"  # never overwritten silently

    mine["resolve"] = "mine"
    assert phone.sync([mine]).json()["results"][0]["state"] == "applied"
    assert _episode(world.a).status.code == "home_monitoring"


def test_a_task_changed_on_the_server_is_a_conflict(cast, world, phone_of):
    phone = phone_of(cast.grid_a_worker)
    task = _task(world.a)
    read = task.version
    tracing_services.task_update(task=task, data={"status": "in_progress", "result": "已电话联系"}, version=read,
                                 by=cast.community_a_worker)
    mine = write("task", seen={"version": read}, task=task.pk, status="done", result="已上门核实")
    result = phone.sync([mine]).json()["results"][0]
    assert result["state"] == "conflict"
    assert result["conflict"]["mine"] == "已完成：已上门核实"
    assert result["conflict"]["server"] == "进行中：已电话联系"
    assert result["conflict"]["seen"] == {"version": read + 1}
    mine["resolve"] = "mine"
    assert phone.sync([mine]).json()["results"][0]["state"] == "applied"
    task.refresh_from_db()
    assert (task.status, task.result) == ("done", "已上门核实")


def test_an_arrival_of_a_document_on_file_is_a_conflict_until_the_worker_confirms_the_person(cast, world, phone_of):
    phone = phone_of(cast.grid_a_worker)
    typed = write("arrival", **_arrival("张三", 101, cast.grid_a))  # 张三's document: already registered
    result = phone.sync([typed]).json()["results"][0]
    assert result["state"] == "conflict"
    conflict = result["conflict"]
    assert conflict["server"]["name"] == "张三" and conflict["server"]["doc"] != world.a.doc_number  # masked
    assert conflict["server"]["status"] == "居家隔离" and conflict["mine"]["name"] == "张三"
    assert conflict["seen"] == {"person": world.a.pk, "version": world.a.version}
    confirmed = {**typed, "person": conflict["seen"]["person"], "seen": {"version": conflict["seen"]["version"]},
                 "resolve": "mine"}
    result = phone.sync([confirmed]).json()["results"][0]
    assert result["state"] == "applied" and result["person"] == world.a.pk
    assert Person.objects.filter(doc_number=world.a.doc_number).count() == 1


# -- refusals and the fever rule ------------------------------------------------------------------------------

def test_a_refusal_carries_the_services_reason_and_fields_in_chinese(cast, world, phone_of):
    phone = phone_of(cast.grid_a_worker)
    result = phone.sync([write("check", person=world.a.pk, temperature="45")]).json()["results"][0]
    assert result["state"] == "refused"
    assert result["message"] == "无法保存健康监测记录。"
    assert result["fields"]["temperature"] == ["45.0 °C 超出 34–43 °C 的实际范围，请重新测量。"]


def test_the_fever_rule_is_applied_again_on_the_server(cast, world, phone_of):
    """A phone that sent 38.5 °C as "seen, well" gets a fever recorded, the notice, and the grid's recheck task."""
    phone = phone_of(cast.grid_a_worker)
    result = phone.sync([write("check", person=world.a.pk, temperature="38.5", result="well")]).json()["results"][0]
    check = HealthCheck.objects.get(person=world.a)
    assert (check.flagged, check.result, check.symptoms) == (True, "symptoms", ["fever"])
    assert any("发热" in n for n in result["notices"])
    assert Task.objects.filter(person=world.a, kind=Task.Kind.FEVER).exists()


def test_a_follow_up_result_is_recorded_and_its_days_task_closed(cast, world, phone_of):
    fu = _follow_up(world.a2)
    tracing_services.tasks_generate_daily(day=timezone.localdate())
    phone = phone_of(cast.grid_a_worker)
    result = phone.sync([write("result", follow_up=fu.pk, result="well", temperature="36.4")]).json()["results"][0]
    assert result["state"] == "applied" and result["person"] == world.a2.pk
    assert Task.objects.get(follow_up=fu, day=timezone.localdate()).status == "done"


def test_a_result_for_an_ended_follow_up_is_refused_with_the_services_reason(cast, world, phone_of):
    fu = _follow_up(world.a2)
    tracing_services.follow_up_end(follow_up=fu, state=FollowUp.State.STOPPED, reason="转院", by=None)
    phone = phone_of(cast.grid_a_worker)
    result = phone.sync([write("result", follow_up=fu.pk, result="well", temperature="36.4")]).json()["results"][0]
    assert (result["state"], result["message"]) == ("refused", "此随访已结束。")


# -- scope ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("what", ["person", "follow_up", "task", "site"])
def test_grid_worker_cannot_sync_a_write_naming_an_object_of_community_b(cast, world, phone_of, what):
    """Community B's object is answered exactly as one that does not exist, naming nothing of B's."""
    from orgunits.models import Site

    hotel_b = Site.objects.create(unit=cast.community_b, unit_path=cast.community_b.path, kind="quarantine_hotel",
                                  name="月塘隔离酒店")
    objects = {"person": world.b.pk, "follow_up": _follow_up(world.b).pk, "task": _task(world.b).pk,
               "site": hotel_b.pk}

    def send(value):
        if what == "person":
            return write("check", person=value, temperature="36.5", key="00000000-0000-4000-8000-000000000001")
        if what == "site":
            return write("status", person=world.a.pk, seen={"episode": _episode(world.a).pk},
                         status="central_quarantine", site=value, key="00000000-0000-4000-8000-000000000001")
        kind = {"follow_up": "result", "task": "task"}[what]
        return write(kind, **{what: value}, result="well" if what == "follow_up" else "done", temperature="36.5",
                     status="done", key="00000000-0000-4000-8000-000000000001")

    phone = phone_of(cast.grid_a_worker)
    before = _counts()
    said_b = json.dumps(phone.sync([send(objects[what])]).json(), ensure_ascii=False)
    said_missing = json.dumps(phone.sync([send(987654321)]).json(), ensure_ascii=False)
    assert _counts() == before
    assert json.loads(said_b)["results"][0]["state"] == "refused"
    assert _typed_out(said_b, objects[what]) == _typed_out(said_missing, 987654321)
    assert "月塘" not in said_b


def test_community_b_s_worker_reaches_the_same_objects(cast, world, phone_of, grid_b_worker):
    """The refusals above are the scope's: B's own grid worker sends the same writes."""
    fu, task = _follow_up(world.b), _task(world.b)
    phone = phone_of(grid_b_worker)
    results = phone.sync([write("check", person=world.b.pk, temperature="36.5"),
                          write("result", follow_up=fu.pk, result="well", temperature="36.5"),
                          write("task", task=task.pk, seen={"version": task.version}, status="done")]).json()
    assert [r["state"] for r in results["results"]] == ["applied"] * 3


# -- the audit log --------------------------------------------------------------------------------------------

def test_each_sync_is_one_audit_entry_with_its_counts(cast, world, phone_of):
    phone = phone_of(cast.grid_a_worker)
    applied = write("check", person=world.a.pk, temperature="36.5")
    phone.sync([applied])
    phone.sync([applied, write("check", person=world.b.pk, temperature="36.5"),
                write("check", person=world.a2.pk, temperature="50"),
                write("check", person=world.a2.pk, temperature="36.5")])
    entries = list(AuditEntry.objects.filter(action=AuditEntry.Action.SYNC).order_by("id"))
    assert len(entries) == 2
    device = Device.objects.get(user=cast.grid_a_worker)
    last = entries[-1]
    assert (last.actor, last.object_type, last.object_id) == (cast.grid_a_worker, "offline.device", str(device.pk))
    assert last.after == {"writes": 4, "applied": 0, "duplicates": 1, "conflicts": 0, "refused": 2, "held": 1}
    assert last.note == device.label and last.unit_path == cast.grid_a.path


def test_sync_apply_is_the_service_the_api_calls(cast, world):
    """Called directly (the benchmark does), the service answers the same shape."""
    device = Device.objects.create(user=cast.grid_a_worker, key=str(uuid.uuid4()), token_hash="x")
    results = sync_apply(device=device, writes=[write("check", person=world.a.pk, temperature="36.5")],
                         by=cast.grid_a_worker)
    assert results[0].as_dict()["state"] == "applied"


@pytest.fixture
def _triggers_back_on(django_db_blocker):
    """After the flush that ends a committing test, the session's triggers are on again for the tests after it."""
    yield
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = DEFAULT")


@pytest.fixture
def committing(_triggers_back_on, django_db_serialized_rollback, transactional_db):
    """Each sync commits as in production. Afterwards the database is emptied; the flush's session skips the
    triggers, since the append-only tables refuse TRUNCATE (as core/tests/test_notifications.py does)."""
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="two writers at once: PostgreSQL's row locks")
def test_two_syncs_of_the_same_queue_at_once_apply_each_write_once(committing, cast, world):
    """The phone resent its queue while the first sync was still running: each key is claimed by one sync, the
    other waits on the unique index and answers duplicate."""
    device = Device.objects.create(user=cast.grid_a_worker, key=str(uuid.uuid4()), token_hash="x")
    batch = [write("check", person=p.pk, temperature="36.5") for p in (world.a, world.a2) for _ in range(10)]
    start, answers = threading.Barrier(2), []

    def send():
        try:
            start.wait()
            answers.append(sync_apply(device=device, writes=batch, by=User.objects.get(pk=cast.grid_a_worker.pk)))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 2
    for first, second in zip(*answers, strict=True):
        assert {first.state, second.state} == {"applied"}
        assert sorted([first.duplicate, second.duplicate]) == [False, True]
        assert first.object == second.object
    assert HealthCheck.objects.count() == len(batch) == SyncedWrite.objects.count()
