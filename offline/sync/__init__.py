"""The sync of a phone's queued writes: each applied exactly once, in order per person (the protocol:
offline.api).

1. The keys already applied (and the arrivals later writes refer to) are read in one query up front.
2. Each write, in list order, is its own transaction: its key is claimed first (SyncedWrite, unique key), then the
   service its page calls writes it; a conflict or a refusal undoes both, so resending the key re-evaluates it.
   A second sync of the same key running at the same time waits on the unique index, then answers duplicate.
3. Once a write of a person (or of a person registered offline, `person_ref`) is not applied, the later writes of
   the same person in the request are held, not applied.
4. One audit entry records the sync: who, which device, how many writes and how each ended.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.access import scope_for
from accounts.roles import PERSONS_EDIT, TRACING_EDIT
from core.audit import audit_record
from core.clock import aware
from core.errors import DomainError
from core.models import AuditEntry
from offline.models import Device, SyncedWrite
from offline.selectors import persons_in_scope
from offline.sync.kinds import APPLY, Conflict, Context, Outcome, OutOfReach, follow_up_of, task_of
from persons.access_log import common_path
from persons.models import Person

MAX_WRITES = 500
KINDS = tuple(APPLY)
APPLIED, CONFLICT, REFUSED, HELD = "applied", "conflict", "refused", "held"


@dataclass
class Result:
    """The answer for one write, in the order sent."""

    key: str
    state: str
    duplicate: bool = False
    message: str = ""
    fields: dict[str, list[str]] = field(default_factory=dict)
    conflict: dict | None = None
    object: dict | None = None
    person: int | None = None
    notices: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"key": self.key, "state": self.state, "duplicate": self.duplicate, "message": self.message,
                "fields": self.fields, "conflict": self.conflict, "object": self.object, "person": self.person,
                "notices": self.notices}


def out_of_reach_message() -> str:
    """One refusal for any object not in the caller's area, whether it exists or not."""
    return _("What this record names is not in your area, or no longer exists: it cannot be sent.")


def _held() -> Result:
    return Result(key="", state=HELD, message=_("Waiting for this person's earlier record to be dealt with."))


def _from_stored(key: str, stored: SyncedWrite) -> Result:
    outcome = stored.outcome or {}
    return Result(key=key, state=APPLIED, duplicate=True, object=outcome.get("object"),
                  person=outcome.get("person"), notices=list(outcome.get("notices") or []))


class _Duplicate(Exception):
    pass


def _get(write: Any, name: str):
    return write.get(name) if isinstance(write, dict) else getattr(write, name, None)


def _data(write) -> dict:
    data = _get(write, "data") or {}
    if not isinstance(data, dict):
        data = data.dict() if hasattr(data, "dict") else dict(data)
    return {k: v for k, v in data.items() if v is not None}


def sync_apply(*, device: Device, writes: list, by) -> list[Result]:
    """Apply a phone's queued writes (dicts or offline.schemas.OfflineWriteIn) as `by`, the device's user;
    return one Result per write, in the order given (see the module's steps)."""
    writes = list(writes)[:MAX_WRITES]
    keys = [str(_get(w, "key")) for w in writes]
    refs = [str(r) for w in writes if (r := _get(w, "person_ref"))]
    stored = {s.key: s for s in SyncedWrite.objects.filter(key__in=list(dict.fromkeys(keys + refs)))}
    ctx = Context(by=by, persons=scope_for(by, PERSONS_EDIT), tracing=scope_for(by, TRACING_EDIT))
    people = persons_in_scope(by, [p for w in writes if isinstance(p := _get(w, "person"), int)])
    # person_ref (an arrival's key) -> the person it registered, from earlier syncs and from this one
    registered = {k: s.outcome.get("person") for k, s in stored.items()
                  if s.kind == "arrival" and s.user_id == by.pk and (s.outcome or {}).get("person")}
    blocked_people: set[int] = set()
    blocked_refs: set[str] = set()
    results = []
    for key, write in zip(keys, writes, strict=True):
        result = _one(ctx, device, key, write, stored=stored, people=people, registered=registered,
                      blocked_people=blocked_people, blocked_refs=blocked_refs)
        result.key = key
        results.append(result)
    _audit(device, by, results)
    return results


def _one(ctx: Context, device: Device, key: str, write, *, stored: dict, people: dict, registered: dict,
         blocked_people: set, blocked_refs: set) -> Result:
    kind = _get(write, "kind")
    ref = str(_get(write, "person_ref")) if _get(write, "person_ref") else None
    person_id = _get(write, "person")
    previous = stored.get(key)
    if previous is not None:
        if previous.user_id != ctx.by.pk or previous.kind != kind:
            return Result(key=key, state=REFUSED, message=_("This record's key was already used for another "
                                                            "record: it cannot be sent."))
        result = _from_stored(key, previous)
        if kind == "arrival" and result.person:
            registered[key] = result.person
        return result
    if kind not in APPLY:
        return Result(key=key, state=REFUSED, message=_("Unknown kind of record."))
    if ref is not None and person_id is None:
        if ref in blocked_refs or ref not in registered:
            if kind == "arrival":
                blocked_refs.add(key)
            return _held()
        person_id = registered[ref]
        if person_id not in people:
            people.update(persons_in_scope(ctx.by, [person_id]))
    if person_id is not None and person_id in blocked_people:
        return _held()

    def block():
        if person_id is not None:
            blocked_people.add(person_id)
        if kind == "arrival":
            blocked_refs.add(key)

    try:
        person = None
        if person_id is not None:
            person = people.get(person_id)
            if person is None:
                raise OutOfReach
        elif kind not in ("arrival", "result", "task"):
            raise OutOfReach
        data = _data(write)
        extra: dict[str, Any] = {}
        if kind == "result":
            extra["follow_up"] = follow_up_of(ctx, data)
            if person is not None and extra["follow_up"].person_id != person.pk:
                raise OutOfReach
            person_id = extra["follow_up"].person_id
        elif kind == "task":
            extra["task"] = task_of(ctx, data)
            person_id = person_id if person_id is not None else extra["task"].person_id
        if person_id is not None and person_id in blocked_people:
            return _held()
        at = _get(write, "at")
        at = aware(dt.datetime.fromisoformat(at) if isinstance(at, str) else at) or timezone.now()
        outcome = _apply(ctx, device, key, kind, write, data=data, at=at, person=person, extra=extra)
    except _Duplicate:
        return _from_stored(key, SyncedWrite.objects.get(key=key))
    except Conflict as conflict:
        block()
        return Result(key=key, state=CONFLICT, message=_("Changed on the server since this device read it: "
                                                         "choose which to keep."), conflict=conflict.conflict)
    except OutOfReach:
        block()
        return Result(key=key, state=REFUSED, message=out_of_reach_message())
    except DomainError as error:
        block()
        said = error.as_dict()
        return Result(key=key, state=REFUSED, message=said["message"], fields=said["fields"])
    if kind == "arrival" and outcome.person:
        registered[key] = outcome.person
        people.update(persons_in_scope(ctx.by, [outcome.person]))
    return Result(key=key, state=APPLIED, object=outcome.object, person=outcome.person,
                  notices=[str(n) for n in outcome.notices])


def _apply(ctx: Context, device: Device, key: str, kind: str, write, *, data: dict, at: dt.datetime,
           person: Person | None, extra: dict) -> Outcome:
    """One write in its own transaction: the key claimed first (a concurrent claim of it waits here, then fails as
    a duplicate), then the service, then what it did kept with the key."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                claim = SyncedWrite.objects.create(key=key, device=device, user=ctx.by, kind=kind,
                                                   person_id=person.pk if person else None)
        except IntegrityError:
            raise _Duplicate from None
        outcome = APPLY[kind](ctx, data=data, at=at, person=person, seen=_get(write, "seen"),
                              resolve=_get(write, "resolve"), **extra)
        SyncedWrite.objects.filter(pk=claim.pk).update(person_id=outcome.person, outcome=outcome.as_dict())
    return outcome


def _audit(device: Device, by, results: list[Result]) -> None:
    counts = {"writes": len(results), "applied": sum(r.state == APPLIED and not r.duplicate for r in results),
              "duplicates": sum(r.duplicate for r in results),
              "conflicts": sum(r.state == CONFLICT for r in results),
              "refused": sum(r.state == REFUSED for r in results), "held": sum(r.state == HELD for r in results)}
    paths = scope_for(by, PERSONS_EDIT).paths
    with transaction.atomic():
        audit_record(actor=by, action=AuditEntry.Action.SYNC, obj=device, unit_path=common_path(paths) if paths else "",
                     after=counts, note=device.label or gettext_noop("a device for offline work"))
        Device.objects.filter(pk=device.pk).update(last_seen=timezone.now())
