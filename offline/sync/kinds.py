"""Each kind of queued write applied through the service its page calls (never a copy of it): an arrival, a health
check, a status change, a follow-up result, a task's completion. Each returns the write's outcome, or raises
Conflict (the object changed on the server since the phone read it), DomainError (refused by the service) or
OutOfReach (an object not in the caller's scope, or none)."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _

from accounts.access import Scope
from accounts.roles import TRACING_EDIT
from core.errors import DomainError
from persons import selectors as person_selectors
from persons import services as person_services
from persons.arrivals import ArrivalKnown, arrival_register, quarantine_site_chosen
from persons.disclosure import Disclosure
from persons.models import ManagementStatus, Person, StatusEpisode
from tracing import selectors as tracing_selectors
from tracing import services as tracing_services
from tracing.models import FollowUp, Task


class OutOfReach(Exception):
    """An object named by a write is not in the caller's scope, or does not exist: answered alike."""


class Conflict(Exception):
    def __init__(self, conflict: dict):
        super().__init__("conflict")
        self.conflict = conflict


@dataclass
class Outcome:
    """What an applied write did: kept with its key, so that a duplicate answers the same."""

    object: dict | None
    person: int | None
    notices: list[str]

    def as_dict(self) -> dict:
        return {"object": self.object, "person": self.person, "notices": [str(n) for n in self.notices]}


@dataclass
class Context:
    """The caller and their scopes, read once per sync."""

    by: Any
    persons: Scope  # persons.edit
    tracing: Scope  # tracing.edit


def _text(value) -> str:
    return "" if value is None else str(value)


def _symptoms(data: dict) -> list[str]:
    return [s for s in (data.get("symptoms") or []) if s]


def arrival(ctx: Context, *, data: dict, at: dt.datetime, person: Person | None, seen: dict | None,
            resolve: str | None) -> Outcome:
    """persons.arrivals.arrival_register; a document on file in the caller's units is a conflict to resolve
    (resending with `person` = that person and `seen.version`)."""
    fields = {k: ("" if v is None else v) for k, v in data.items() if k not in ("follow_up", "task", "result",
                                                                                "note")}
    version = (seen or {}).get("version") if person is not None else None
    try:
        done = arrival_register(data=fields, by=ctx.by, person_id=person.pk if person else None, version=version)
    except ArrivalKnown as known:
        on_file = known.person
        shown = Disclosure(ctx.by).show(on_file)
        status = person_selectors.status_as_of(on_file)
        raise Conflict({"field": "arrival",
                        "mine": {"name": _text(data.get("name")), "doc": _text(data.get("doc_number")),
                                 "grid": _text(data.get("grid")), "status": _text(data.get("status"))},
                        "server": {"name": on_file.name, "doc": shown.doc_number, "grid_name": shown.grid_name,
                                   "status": status.status.name if status else ""},
                        "seen": {"person": on_file.pk, "version": on_file.version}}) from None
    except DomainError as error:
        if error.code == "conflict":  # the person changed since the worker confirmed: show them again
            current = Person.objects.get(pk=person.pk)
            raise Conflict({"field": "arrival", "mine": {"name": _text(data.get("name"))},
                            "server": {"name": current.name}, "seen": {"person": current.pk,
                                                                       "version": current.version}}) from None
        raise
    return Outcome(object={"type": "person", "id": done.person.pk}, person=done.person.pk,
                   notices=list(done.notices))


def check(ctx: Context, *, data: dict, at: dt.datetime, person: Person, **_ignored) -> Outcome:
    """persons.services.health_check_record, dated when it was typed (the fever rule applied here again)."""
    done = person_services.health_check_record(person=person, checked_at=at, temperature=data.get("temperature"),
                                               symptoms=_symptoms(data), result=data.get("result") or None,
                                               note=_text(data.get("note")), by=ctx.by)
    return Outcome(object={"type": "check", "id": done.pk}, person=person.pk, notices=list(done.notices))


def status(ctx: Context, *, data: dict, at: dt.datetime, person: Person, seen: dict | None,
           resolve: str | None) -> Outcome:
    """persons.services.status_set from when it was typed; a conflict when the person's open status is no longer
    the one the phone read (unless the worker chose theirs)."""
    code = _text(data.get("status")).strip()
    chosen = ManagementStatus.objects.filter(code=code).first()
    if chosen is None:
        message = _("Unknown management status %(v)s.") % {"v": code}
        raise DomainError("unknown_status", message, fields={"status": [message]})
    site = quarantine_site_chosen(ctx.by, data["site"]) if data.get("site") not in (None, "") else None
    Person.objects.select_for_update().filter(pk=person.pk).first()  # no status change slips in between
    current = StatusEpisode.objects.filter(person=person, end__isnull=True).select_related("status").first()
    seen_episode = (seen or {}).get("episode")
    if resolve != "mine" and (current.pk if current else None) != seen_episode:
        raise Conflict({"field": "status", "mine": chosen.name, "server": current.status.name if current else "",
                        "seen": {"episode": current.pk if current else None,
                                 "status": current.status.code if current else None}})
    start = max(at, current.start) if current is not None else at
    episode = person_services.status_set(person=person, status=chosen, start=start, site=site,
                                         note=_text(data.get("note")), by=ctx.by)
    return Outcome(object={"type": "status", "id": episode.pk}, person=person.pk, notices=[])


def _in_reach(ctx: Context, get_for_user, value):
    """The tracing object `value` names through its `<object>_get_for_user`, when it is in the caller's reach for
    tracing and the line list alike; OutOfReach otherwise, whether or not it exists."""
    try:
        found = get_for_user(ctx.by, int(value), perm=TRACING_EDIT)
    except (Http404, TypeError, ValueError):
        raise OutOfReach from None
    if not ctx.persons.covers(found.unit_path):
        raise OutOfReach
    return found


def follow_up_of(ctx: Context, data: dict) -> FollowUp:
    """The follow-up a result names (`follow_up`), or OutOfReach."""
    return _in_reach(ctx, tracing_selectors.follow_up_get_for_user, data.get("follow_up"))


def task_of(ctx: Context, data: dict) -> Task:
    """The task a completion names (`task`), or OutOfReach."""
    return _in_reach(ctx, tracing_selectors.task_get_for_user, data.get("task"))


def result(ctx: Context, *, data: dict, at: dt.datetime, follow_up, **_ignored) -> Outcome:
    """tracing.services.follow_up_result_record, dated when it was typed."""
    done = tracing_services.follow_up_result_record(
        follow_up=follow_up, result=data.get("result") or "", temperature=data.get("temperature"),
        symptoms=_symptoms(data), note=_text(data.get("note")), checked_at=at, by=ctx.by)
    return Outcome(object={"type": "check", "id": done.pk}, person=follow_up.person_id,
                   notices=list(getattr(done, "notices", [])))


def _task_said(status: str, result: str) -> str:
    label = str(Task.Status(status).label) if status in Task.Status.values else status
    return f"{label}：{result}" if result else label


def task(ctx: Context, *, data: dict, at: dt.datetime, task: Task, seen: dict | None, resolve: str | None,
         **_ignored) -> Outcome:
    """tracing.services.task_update with the version the phone read (none when the worker chose theirs); a
    conflict when the task changed since."""
    wanted, said = _text(data.get("status")), _text(data.get("result")).strip()
    if wanted not in (Task.Status.DONE, Task.Status.NOT_POSSIBLE):
        message = _("Mark the task done or not possible.")
        raise DomainError("invalid_task", message, fields={"status": [message]})
    version = None if resolve == "mine" else (seen or {}).get("version")

    def clash(current: Task) -> Conflict:
        return Conflict({"field": "task", "mine": _task_said(wanted, said),
                         "server": _task_said(current.status, current.result), "seen": {"version": current.version}})

    if version is not None and version != task.version:
        raise clash(task)
    try:
        done = tracing_services.task_update(task=task, data={"status": wanted, "result": said}, version=version,
                                            by=ctx.by)
    except DomainError as error:
        if error.code == "conflict":
            raise clash(Task.objects.get(pk=task.pk)) from None
        raise
    return Outcome(object={"type": "task", "id": done.pk}, person=done.person_id, notices=[])


APPLY = {"arrival": arrival, "check": check, "status": status, "result": result, "task": task}
