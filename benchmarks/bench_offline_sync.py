"""A phone's queue of 500 writes synced at once (offline.sync.sync_apply), exactly once.

One grid worker's grid holds the generator's people (persons.generator, a fixed seed), each under home quarantine
since three days ago, some under follow-up as close contacts, some with a task to verify given to the worker. The
queue of BENCH_WRITES (default 500) writes is a grid worker's day typed offline: mostly health checks (one in fifty
a fever, whose rule and recheck task apply on the server), status changes, follow-up results, task completions and
a few arrivals. Two identical halves of the grid's people take the same shape of queue, so that:
1. Reference, same run: the first half's writes applied by calling the services directly (arrival_register,
   health_check_record, status_set, follow_up_result_record, task_update), no sync layer.
2. The second half's writes applied through sync_apply: every write must be applied. Target < 10 s on 2 cores.
3. The same sync again: every write answered a duplicate, and nothing changes (the rows of checks, status
   episodes, people, tasks, synced writes and the audit log but for the sync's own entry are counted before and
   after).
"""

import datetime as dt
import os
import time
import uuid

from django.db.models import Count
from django.utils import timezone

from accounts.models import Membership, User
from accounts.roles import Role
from core.models import AuditEntry
from offline.models import Device, SyncedWrite
from offline.sync import APPLIED, sync_apply
from orgunits.models import OrgUnit
from orgunits.services import divisions_load, unit_create
from persons import services as person_services
from persons.arrivals import arrival_register
from persons.generator import people_generate
from persons.models import Category, HealthCheck, ManagementStatus, Person, StatusEpisode
from tracing import services as tracing_services
from tracing.models import FollowUp, Task

WRITES = int(os.environ.get("BENCH_WRITES", "500"))
SEED = 20200521
TARGET_S = 10
STREET = "431302004"  # 长青街道


def _mix(n: int) -> dict[str, int]:
    """How many writes of each kind a queue of `n` holds: mostly checks."""
    mix = {"arrival": max(1, n // 50), "result": max(1, n // 20), "task": max(1, n // 20),
           "status": max(1, n // 12)}
    mix["check"] = n - sum(mix.values())
    return mix


def _resident_id(seq: int) -> str:
    from stdnum.cn import ric

    body = f"43130219310101{seq % 1000:03d}"  # born 1931: none of the generator's people
    return body + ric.calc_check_digit(body + "0")


def _setup(mix: dict[str, int]):
    divisions_load(root_code="431300")
    street = OrgUnit.objects.get(code=STREET)
    community = unit_create(parent=street, code=STREET + "903", name="离线基准社区", kind=OrgUnit.Kind.COMMUNITY,
                            by=None)
    grid = unit_create(parent=community, code=community.code + "-01", name="离线基准网格", kind=OrgUnit.Kind.GRID,
                       by=None)
    worker = User.objects.create_user(username="offline_bench", password="Bench-password-2020", full_name="离线网格员")
    Membership.objects.create(user=worker, role=Role.GRID_WORKER, unit=grid, unit_path=grid.path)
    managed = max(mix["check"] // 2, mix["status"], 20)
    half = managed + mix["result"] + mix["task"]
    people_generate(units=[grid], count=2 * half, seed=SEED)
    people = list(Person.objects.filter(grid=grid).order_by("id"))[:2 * half]
    assert len(people) == 2 * half, f"the generator made {len(people)} people, not {2 * half}"
    # Everyone under home quarantine since three days ago (set-based: the setting, not the measure).
    now = timezone.now()
    start = now - dt.timedelta(days=3)
    StatusEpisode.objects.filter(person__in=people, end__isnull=True).update(end=start)
    home = ManagementStatus.objects.get(code="home_quarantine")
    StatusEpisode.objects.bulk_create([StatusEpisode(person=p, status=home, start=start, unit_path=p.unit_path,
                                                     planned_end=start + dt.timedelta(days=14)) for p in people])
    close = Category.objects.get(code="close_contact")
    halves = []
    for side in range(2):
        mine = people[side * half:(side + 1) * half]
        checked, contacts, tasked = (mine[:managed], mine[managed:managed + mix["result"]],
                                     mine[managed + mix["result"]:])
        follow_ups = [tracing_services.follow_up_open_or_extend(person=p, category=close, by=None,
                                                                last_exposure=timezone.localdate() - dt.timedelta(1))
                      for p in contacts]
        tasks = [tracing_services.task_create(kind="verify", person=p, due_at=now + dt.timedelta(hours=3), by=None)
                 for p in tasked]
        halves.append((checked, follow_ups, tasks))
    tracing_services.tasks_generate_daily(day=timezone.localdate())
    device = Device.objects.create(user=worker, key=str(uuid.uuid4()), token_hash="-", label="基准手机")
    return grid, worker, device, halves


def _queue(grid: OrgUnit, mix: dict[str, int], checked: list[Person], follow_ups: list[FollowUp], tasks: list[Task],
           *, first_seq: int) -> list[dict]:
    """One half's queue, in the order a worker's day would type it (times a few minutes apart, all before now)."""
    at = timezone.now() - dt.timedelta(hours=2)
    writes: list[dict] = []

    def add(kind: str, **fields) -> None:
        writes.append({"key": str(uuid.uuid4()), "kind": kind, "at": at + dt.timedelta(seconds=len(writes) * 10),
                       "person": None, "person_ref": None, "seen": None, "resolve": None, **fields})

    for i in range(mix["arrival"]):
        add("arrival", data={"name": f"来人{i}", "doc_type": "resident_id", "doc_number": _resident_id(first_seq + i),
                             "grid": grid.code, "category": "hubei", "origin": "420100", "status": "home_quarantine",
                             "temperature": "36.6", "phone": f"1380000{first_seq + i:04d}"})
    for i in range(mix["check"]):
        person = checked[i % len(checked)]
        fever = i % 50 == 49
        add("check", person=person.pk, data={"temperature": "38.2" if fever else f"36.{i % 8}",
                                             "symptoms": ["cough"] if fever else [], "note": "入户"})
    open_episodes = dict(StatusEpisode.objects.filter(person__in=checked, end__isnull=True)
                         .values_list("person_id", "pk"))
    for person in checked[:mix["status"]]:
        add("status", person=person.pk, seen={"episode": open_episodes[person.pk], "status": "home_quarantine"},
            data={"status": "home_monitoring", "note": "转居家健康监测"})
    for fu in follow_ups:
        add("result", data={"follow_up": fu.pk, "result": "well", "temperature": "36.5"})
    for task in tasks:
        add("task", seen={"version": task.version}, data={"task": task.pk, "status": "done", "result": "已核实"})
    return writes


def _direct(writes: list[dict], worker) -> None:
    """The reference: each write through its service, without the sync layer."""
    home_monitoring = ManagementStatus.objects.get(code="home_monitoring")
    for w in writes:
        data = w["data"]
        if w["kind"] == "arrival":
            arrival_register(data=data, by=worker)
            continue
        if w["kind"] == "check":
            person_services.health_check_record(person=Person.objects.get(pk=w["person"]), checked_at=w["at"],
                                                temperature=data["temperature"], symptoms=data["symptoms"],
                                                note=data["note"], by=worker)
        elif w["kind"] == "status":
            person_services.status_set(person=Person.objects.get(pk=w["person"]), status=home_monitoring,
                                       start=w["at"], note=data["note"], by=worker)
        elif w["kind"] == "result":
            tracing_services.follow_up_result_record(follow_up=FollowUp.objects.get(pk=data["follow_up"]),
                                                     result="well", temperature=data["temperature"],
                                                     checked_at=w["at"], by=worker)
        elif w["kind"] == "task":
            tracing_services.task_update(task=Task.objects.get(pk=data["task"]), data={
                "status": "done", "result": data["result"]}, version=w["seen"]["version"], by=worker)


def _counts() -> dict:
    return {"checks": HealthCheck.objects.count(), "episodes": StatusEpisode.objects.count(),
            "people": Person.objects.count(), "synced": SyncedWrite.objects.count(),
            "tasks done": Task.objects.filter(status="done").count(),
            "audit": AuditEntry.objects.exclude(action=AuditEntry.Action.SYNC).count()}


def main() -> None:
    mix = _mix(WRITES)
    grid, worker, device, halves = _setup(mix)
    reference_writes = _queue(grid, mix, *halves[0], first_seq=1)
    synced_writes = _queue(grid, mix, *halves[1], first_seq=500)
    print(f"   a queue of {len(synced_writes)} writes: " + ", ".join(f"{n} {kind}" for kind, n in mix.items()))

    started = time.perf_counter()
    _direct(reference_writes, worker)
    reference = time.perf_counter() - started
    print(f"   reference: the same writes through the services directly    {reference:6.2f} s")

    started = time.perf_counter()
    results = sync_apply(device=device, writes=synced_writes, by=worker)
    first = time.perf_counter() - started
    states: dict[str, int] = {}
    for r in results:
        states[r.state] = states.get(r.state, 0) + 1
    print(f"   sync_apply of the queue                                     {first:6.2f} s "
          f"({first / reference:.2f}× the reference); {states}")
    assert states == {APPLIED: len(synced_writes)}, [r.as_dict() for r in results if r.state != APPLIED][:3]

    before = _counts()
    started = time.perf_counter()
    again = sync_apply(device=device, writes=synced_writes, by=worker)
    second = time.perf_counter() - started
    after = _counts()
    duplicates = sum(r.duplicate for r in again)
    print(f"   the same sync again                                         {second:6.2f} s; "
          f"{duplicates} answered duplicate, rows {'unchanged' if after == before else 'CHANGED'}: {after}")
    assert after == before and duplicates == len(synced_writes)
    fevers = HealthCheck.objects.filter(flagged=True, person__grid=grid).aggregate(n=Count("id"))["n"]
    print(f"   fevers recorded (rule applied on the server): {fevers}")
    print(f"   target < {TARGET_S} s for {len(synced_writes)} writes: {'met' if first < TARGET_S else 'NOT met'}")
