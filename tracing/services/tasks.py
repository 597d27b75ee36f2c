"""Tasks: create and update them, generate the day's follow-up tasks in one statement, escalate overdue
urgent ones to the street officer."""

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import DateTimeField, Exists, F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.access import scope_for, users_addressable
from accounts.models import Membership, User
from accounts.roles import TRACING_EDIT, TRACING_TASKS, TRACING_VIEW, Role
from core.audit import audit_record, snapshot
from core.clock import local_at
from core.errors import DomainError
from core.notifications import notify
from core.timebounds import out_of_range
from orgunits.models import OrgUnit
from persons.models import Person
from tracing.models import FollowUp, Task

TASK_AUDIT_FIELDS = ["kind", "priority", "status", "title", "person", "follow_up", "day", "due_at", "assignee",
                     "escalated_to", "escalated_at", "result", "done_at"]


# -- who does the work ------------------------------------------------------------------------------

def _first_member(role: str, unit_ref):
    return Subquery(Membership.objects.filter(role=role, unit_id=unit_ref, user__is_active=True)
                    .order_by("id").values("user_id")[:1])


def assignee_default_expression(grid_ref: str, community_ref: str):
    """SQL for the default assignee of a row whose person's grid (and its community) are referenced:
    the grid's worker (网格员), else a worker of the community."""
    return Coalesce(_first_member(Role.GRID_WORKER, OuterRef(grid_ref)),
                    _first_member(Role.COMMUNITY_WORKER, OuterRef(community_ref)))


def assignee_default(person: Person | None = None, *, unit: OrgUnit | None = None) -> User | None:
    """The grid worker responsible for the person's grid (or the unit), else a worker of its community."""
    unit = person.grid if person is not None else unit
    if unit is None:
        return None
    for role, unit_id in ((Role.GRID_WORKER, unit.pk), (Role.COMMUNITY_WORKER, unit.parent_id),
                          (Role.COMMUNITY_WORKER, unit.pk)):
        if unit_id is None:
            continue
        member = (Membership.objects.filter(role=role, unit_id=unit_id, user__is_active=True)
                  .select_related("user").order_by("id").first())
        if member is not None:
            return member.user
    return None


def _task_url(task: Task) -> str:
    return reverse("tracing:task_detail", args=[task.pk])


def _when(at: dt.datetime) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M")


def notify_assigned(task: Task, recipients: list[User]) -> None:
    notify(recipients=recipients, kind="task_assigned", about=task, url=_task_url(task),
           title=lambda: _("Task: %(title)s") % {"title": task_label(task)},
           body=lambda: _("Due %(due)s.") % {"due": _when(task.due_at)})


# -- create and update -------------------------------------------------------------------------------

def _users(refs: Iterable, *, by, field: str, errors: dict) -> list[User]:
    """The accounts named in a request (by id) among those `by` may name for tasks (accounts.access.
    users_addressable: an id outside them is answered as an unknown one, naming only the id); accounts the
    code itself passes are taken as they are."""
    given, ids = [], []
    for ref in refs:
        if isinstance(ref, User):
            given.append(ref)
        elif ref not in (None, ""):
            try:
                ids.append(int(ref))
            except (TypeError, ValueError):
                errors.setdefault(field, []).append(_("%(id)s is not an account's id.") % {"id": ref})
    pool = users_addressable(by, TRACING_VIEW) if by is not None else User.objects.filter(is_active=True)
    found = {u.pk: u for u in pool.filter(pk__in=ids)} if ids else {}
    for i in dict.fromkeys(ids):
        if i not in found:
            errors.setdefault(field, []).append(_("No account with the id %(id)s among the people you work with.")
                                                % {"id": i})
    users = {u.pk: u for u in [*given, *(found[i] for i in ids if i in found)]}
    return list(users.values())


def _check_people(task_path: str, *, assignee: User | None, observers: list[User], errors: dict) -> None:
    if assignee is not None and not scope_for(assignee, TRACING_EDIT).covers(task_path):
        errors.setdefault("assignee", []).append(
            _("%(user)s does not work in this unit and could not see the task.") % {"user": assignee})
    for user in observers:
        if not scope_for(user, TRACING_VIEW).covers(task_path):
            errors.setdefault("observers", []).append(
                _("%(user)s does not work in this unit and could not see the task.") % {"user": user})


TASK_HORIZON = dt.timedelta(days=366)  # tasks are the coming days' work: a due time years ahead is a typing mistake


def _due_check(due_at: dt.datetime | None, errors: dict, *, new: bool) -> None:
    """The reasons a task cannot be due at `due_at`: none given, outside core.timebounds, beyond a year from now,
    or (for a new task) already past."""
    reason = _("Give the time the task is due.") if due_at is None else out_of_range(due_at)
    if reason is None and due_at > timezone.now() + TASK_HORIZON:
        reason = _("A task is due within a year from now.")
    if reason is None and new and due_at < timezone.now() - dt.timedelta(minutes=5):
        reason = _("The due time has already passed.")
    if reason:
        errors["due_at"] = [reason]


def task_create(*, kind: str, due_at: dt.datetime, person: Person | None = None, unit: OrgUnit | None = None,
                title: str = "", priority: int = Task.Priority.NORMAL, assignee: User | int | None = None,
                observers: Iterable = (), follow_up: FollowUp | None = None, by) -> Task:
    """Create a task about a person (or a unit). Without an assignee it goes to the grid worker responsible
    for the person's grid. Giving it to someone else takes tracing.tasks over the unit. An assignee or an
    observer given by id is looked up among the people `by` works with."""
    errors: dict[str, list[str]] = {}
    if assignee is not None:
        found = _users([assignee], by=by, field="assignee", errors=errors)
        assignee = found[0] if found else None
    observers = _users(observers, by=by, field="observers", errors=errors)
    if kind not in Task.Kind.values:
        errors["kind"] = [_("Choose a task type.")]
    if priority not in Task.Priority.values:
        errors["priority"] = [_("Choose a priority.")]
    if person is None and unit is None:
        errors["person"] = [_("Name the person (or the unit) the task is about.")]
    _due_check(due_at, errors, new=True)
    title = (title or "").strip()
    if kind == Task.Kind.OTHER and not title:
        errors["title"] = [_("Say what is to be done.")]
    if len(title) > 200:
        errors["title"] = [_("At most 200 characters.")]
    path = person.unit_path if person is not None else (unit.path if unit is not None else "")
    if path and by is not None:
        if not scope_for(by, TRACING_EDIT).covers(path):
            errors["person"] = [_("Outside your scope.")]
        elif assignee is not None and assignee != by and not scope_for(by, TRACING_TASKS).covers(path):
            errors["assignee"] = [_("You may only give tasks to yourself here.")]
    if assignee is None and path and "assignee" not in errors:
        assignee = assignee_default(person, unit=unit)
    if path:
        _check_people(path, assignee=assignee, observers=observers, errors=errors)
    if errors:
        raise DomainError("invalid_task", _("The task cannot be created; correct the fields marked."),
                          fields=errors)
    with transaction.atomic():
        task = Task.objects.create(kind=kind, priority=priority, title=title, person=person, follow_up=follow_up,
                                   unit_path=path, due_at=due_at, assignee=assignee, created_by=by,
                                   day=timezone.localtime(due_at).date())
        if observers:
            task.observers.set(observers)
        audit_record(actor=by, action="create", obj=task, unit_path=path,
                     after={**snapshot(task, TASK_AUDIT_FIELDS), "observers": [u.pk for u in observers]})
        recipients = [u for u in [assignee, *observers] if u is not None and u != by]
        if recipients:
            notify_assigned(task, recipients)
    return task


def task_label(task: Task) -> str:
    """A task's one-line description: its title, or its type and the person it is about."""
    if task.title:
        return task.title
    if task.person_id:
        return f"{task.get_kind_display()} · {task.person.name}"
    return str(task.get_kind_display())


def task_may_manage(user, task: Task) -> bool:
    return scope_for(user, TRACING_TASKS).covers(task.unit_path)


def task_may_work(user, task: Task) -> bool:
    """The assignee, the officer it was escalated to, and managers of the unit may change its status."""
    return (user.pk in (task.assignee_id, task.escalated_to_id) and scope_for(user, TRACING_EDIT).covers(
        task.unit_path)) or task_may_manage(user, task)


def task_update(*, task: Task, data: Mapping[str, Any], version: int | None = None, by) -> Task:
    """Change a task. Its status and result may be changed by whoever works on it; the rest (assignee,
    observers, due time, priority, title) by those who manage tasks in its unit."""
    errors: dict[str, list[str]] = {}
    managing = by is None or task_may_manage(by, task)
    if by is not None and not task_may_work(by, task):
        raise DomainError("not_allowed", _("Only the assignee or a manager of this unit may change the task."),
                          status=403)
    managed_keys = {"assignee", "observers", "due_at", "priority", "title", "kind"} & set(data)
    if managed_keys and not managing:
        for key in managed_keys:
            errors[key] = [_("Only a manager of this unit may change this.")]
    status = data.get("status", task.status)
    if status not in Task.Status.values:
        errors["status"] = [_("Unknown status.")]
    result = str(data.get("result", task.result) or "").strip()
    if status == Task.Status.NOT_POSSIBLE and not result:
        errors["result"] = [_("Say why the task is not possible.")]
    if len(result) > 500:
        errors["result"] = [_("At most 500 characters.")]
    if "priority" in data and data["priority"] not in Task.Priority.values:
        errors["priority"] = [_("Choose a priority.")]
    if "due_at" in data:
        _due_check(data["due_at"], errors, new=False)
    assignee = task.assignee
    if "assignee" in data:
        found = _users([data["assignee"]], by=by, field="assignee", errors=errors)
        assignee = found[0] if found else None
    observers = _users(data["observers"] or [], by=by, field="observers", errors=errors) if "observers" in data \
        else None
    if not errors:
        _check_people(task.unit_path, assignee=assignee if "assignee" in data else None,
                      observers=observers or [], errors=errors)
    if errors:
        raise DomainError("invalid_task", _("The task cannot be changed; correct the fields marked."), fields=errors)
    with transaction.atomic():
        current = Task.objects.select_for_update().get(pk=task.pk)
        if version is not None and current.version != version:
            raise DomainError("conflict", _("Someone else changed this task after you opened it; reload and try "
                                            "again."), status=409)
        before = {**snapshot(current, TASK_AUDIT_FIELDS), "observers": list(
            current.observers.values_list("pk", flat=True))}
        previous_assignee = current.assignee_id
        current.status, current.result = status, result
        if status in Task.OPEN:
            current.done_at = None
        elif current.done_at is None:
            current.done_at = timezone.now()
        if managing:
            for key in ("priority", "due_at", "kind"):
                if key in data:
                    setattr(current, key, data[key])
            if "title" in data:
                current.title = (data["title"] or "").strip()
            if "assignee" in data:
                current.assignee = assignee
        current.version += 1
        current.save()
        if observers is not None and managing:
            current.observers.set(observers)
        after = {**snapshot(current, TASK_AUDIT_FIELDS), "observers": list(
            current.observers.values_list("pk", flat=True))}
        audit_record(actor=by, action="update", obj=current, unit_path=current.unit_path, before=before, after=after)
        if current.assignee_id and current.assignee_id != previous_assignee and current.assignee != by:
            notify_assigned(current, [current.assignee])
    return current


# -- the day's follow-up tasks, in one statement --------------------------------------------------------

def daily_due_at(day: dt.date) -> dt.datetime:
    return local_at(day, dt.time(settings.TRACING_DAILY_DUE_HOUR))


def tasks_generate_daily(*, day: dt.date, dry_run: bool = False, by=None) -> int:
    """Create the day's follow-up task for every follow-up active on `day` that has none yet, each given
    to the grid worker of the person's grid: one INSERT … SELECT, so 100,000 contacts cost one
    statement. Running it again creates nothing twice. Returns the number of tasks created.

    A follow-up that has its task already is skipped by the unique index on (follow-up, day), probed once
    per row: no NOT EXISTS over the task table, whose plan PostgreSQL picks from the table's statistics
    and which, planned while the table looked empty, rescans it for every follow-up (quadratic)."""
    due_at, now = daily_due_at(day), timezone.now()
    rows = FollowUp.objects.filter(state=FollowUp.State.ACTIVE, start__lte=day, end__gte=day)
    if dry_run:
        return rows.exclude(Exists(Task.objects.filter(follow_up=OuterRef("pk"), day=day,
                                                       kind=Task.Kind.FOLLOW_UP))).count()
    columns = {
        "kind": Value(Task.Kind.FOLLOW_UP), "priority": Value(int(Task.Priority.NORMAL)),
        "status": Value(Task.Status.PENDING), "title": Value(""), "person_id": F("person_id"),
        "follow_up_id": F("id"), "day": Value(day), "unit_path": F("unit_path"),
        "due_at": Value(due_at, output_field=DateTimeField()),
        "assignee_id": assignee_default_expression("person__grid_id", "person__grid__parent_id"),
        "result": Value(""), "version": Value(1), "created_at": Value(now, output_field=DateTimeField()),
        "updated_at": Value(now, output_field=DateTimeField()),
    }
    aliases = {name: f"c_{name}" for name in columns}
    select = rows.annotate(**{aliases[n]: e for n, e in columns.items()}).values_list(*aliases.values())
    sql, params = select.query.sql_with_params()
    quote = connection.ops.quote_name
    insert = (f"INSERT INTO {quote(Task._meta.db_table)} ({', '.join(quote(n) for n in columns)}) "
              f"{sql} ON CONFLICT DO NOTHING")
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(insert, params)
            created = max(cursor.rowcount, 0)
        if created:
            audit_record(actor=by, action="create", object_type="tracing.task", object_id=f"daily-{day}",
                         object_repr=gettext_noop("the day's follow-up tasks"),
                         after={"day": day.isoformat(), "created": created},
                         note=gettext_noop("daily follow-up tasks generated"))
    return created


# -- escalation ------------------------------------------------------------------------------------------

def street_officers_for(paths: Iterable[str]) -> dict[str, User]:
    """For each unit path, the street officer (街道信息员) whose unit is its nearest ancestor."""
    paths = set(paths)
    if not paths:
        return {}
    prefixes = {p[: i + 1] for p in paths for i, c in enumerate(p) if c == "/"}
    officers = (Membership.objects.filter(role=Role.STREET_OFFICER, unit_path__in=prefixes, user__is_active=True)
                .select_related("user").order_by("-unit_path", "id"))
    found: dict[str, User] = {}
    for path in paths:
        for m in officers:
            if path.startswith(m.unit_path):
                found[path] = m.user
                break
    return found


def tasks_escalate_overdue(*, now: dt.datetime | None = None, by=None) -> int:
    """Give every overdue urgent task that is still open to the street officer over its unit (the
    assignee keeps it; the officer is told and sees it among their tasks). Returns the number escalated."""
    now = now or timezone.now()
    overdue = list(Task.objects.filter(priority=Task.Priority.URGENT, status__in=Task.OPEN, due_at__lt=now,
                                       escalated_at__isnull=True).select_related("person", "assignee")[:5000])
    officers = street_officers_for(t.unit_path for t in overdue)
    escalated = 0
    for task in overdue:
        officer = officers.get(task.unit_path)
        if officer is None:
            continue
        with transaction.atomic():
            changed = Task.objects.filter(pk=task.pk, escalated_at__isnull=True, status__in=Task.OPEN).update(
                escalated_to=officer, escalated_at=now, version=F("version") + 1, updated_at=now)
            if not changed:
                continue  # done or escalated meanwhile
            audit_record(actor=by, action="update", obj=task, unit_path=task.unit_path,
                         before={"escalated_to": None},
                         after={"escalated_to": officer.pk, "escalated_at": now.isoformat()},
                         note=gettext_noop("overdue urgent task escalated to the street officer"))
            notify(recipients=[officer], kind="task_escalated", about=task, url=_task_url(task),
                   title=lambda task=task: _("Overdue: %(title)s") % {"title": task_label(task)},
                   body=lambda task=task: _("Due %(due)s, assigned to %(who)s, not done yet.") % {
                       "due": _when(task.due_at), "who": task.assignee or _("nobody")})
        escalated += 1
    return escalated


def tasks_close_for_follow_up(*, follow_up: FollowUp, from_day: dt.date, reason: str, by) -> int:
    """Close the open follow-up tasks of an ended follow-up from `from_day` on (not possible, with why);
    the caller's audit entry for ending the follow-up records how many."""
    return Task.objects.filter(follow_up=follow_up, kind=Task.Kind.FOLLOW_UP, status__in=Task.OPEN,
                               day__gte=from_day).update(status=Task.Status.NOT_POSSIBLE, result=reason[:500],
                                                         done_at=timezone.now(), version=F("version") + 1,
                                                         updated_at=timezone.now())


def tasks_done_for_check(*, follow_up: FollowUp, day: dt.date, result: str, by) -> int:
    """Mark the day's open follow-up task done once its result is recorded."""
    tasks = list(Task.objects.filter(follow_up=follow_up, kind=Task.Kind.FOLLOW_UP, day=day, status__in=Task.OPEN))
    for task in tasks:
        task.status, task.result, task.done_at = Task.Status.DONE, result[:500], timezone.now()
        task.version += 1
        task.save(update_fields=["status", "result", "done_at", "version", "updated_at"])
        audit_record(actor=by, action="update", obj=task, unit_path=task.unit_path,
                     after={"status": task.status, "result": task.result})
    return len(tasks)

