"""A fever at a home health check (居家健康监测) is work for the grid and news for the community and street: an
urgent recheck task for the person's grid worker, due within FEVER_TASK_DUE, and a notice to the workers of the
person's community and street. Once while that task is open: a recheck that is still a fever adds nothing."""

import datetime as dt

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import PERSONS_EDIT, TRACING_TASKS, Role, role_grants
from core.fields import SEPARATOR
from core.notifications import notify
from orgunits.models import OrgUnit
from persons.models import HealthCheck, Person
from tracing.models import Task
from tracing.services.tasks import street_officers_for, task_create

FEVER_TASK_DUE = dt.timedelta(hours=2)
# Told of a fever: whoever holds one of these roles at the person's community or street (not the grid worker,
# whose task it is, nor the levels above the street).
TOLD_ROLES = [r for r in Role.values if role_grants(r, PERSONS_EDIT) or role_grants(r, TRACING_TASKS)]


def fever_told(person: Person) -> list[User]:
    """The accounts told of a fever of `person`: those holding persons.edit or tracing.tasks by a role at the
    person's community or street, and the street officer over the person (the nearest, if none is at the street)."""
    parts = [p for p in person.unit_path.split(SEPARATOR) if p]
    prefixes = [SEPARATOR.join(parts[:i]) + SEPARATOR for i in range(1, len(parts) + 1)]
    units = OrgUnit.objects.filter(path__in=prefixes, kind__in=(OrgUnit.Kind.COMMUNITY, OrgUnit.Kind.TOWNSHIP))
    users = list(User.objects.filter(Q(memberships__unit__in=units.values("pk"), memberships__role__in=TOLD_ROLES),
                                     is_active=True).distinct().order_by("pk"))
    officer = street_officers_for([person.unit_path]).get(person.unit_path)
    return users + [officer] if officer is not None and officer not in users else users


def _when(at: dt.datetime) -> str:
    return timezone.localtime(at).strftime("%m-%d %H:%M")


def fever_follow_up(*, check: HealthCheck, by) -> str:
    """The hook of persons' health checks (inside the check's transaction): for a fever, the grid's urgent recheck
    task and the community's and street's notice, unless the person has an open fever task already. Returns what
    the one who recorded the check is told."""
    if not check.flagged:
        return ""
    person = Person.objects.select_for_update().get(pk=check.person_id)
    open_task = Task.objects.filter(person=person, kind=Task.Kind.FEVER, status__in=Task.OPEN).first()
    if open_task is not None:
        return _("The fever recheck task given at %(t)s is still open; nobody else was told again.") % {
            "t": _when(open_task.created_at)}
    now = timezone.now()
    task = task_create(kind=Task.Kind.FEVER, priority=Task.Priority.URGENT, person=person, due_at=now + FEVER_TASK_DUE,
                       by=None, title=_("Recheck the fever of %(name)s: %(t)s °C at the home health check of %(when)s")
                       % {"name": person.name, "t": check.temperature, "when": _when(check.checked_at)})
    told = [u for u in fever_told(person) if u.pk not in (getattr(by, "pk", None), task.assignee_id)]
    notify(recipients=told, kind="fever_at_home", about=check, url=reverse("persons:detail", args=[person.pk]),
           title=lambda: _("Fever: %(name)s, %(t)s °C at the home health check") % {
               "name": person.name, "t": check.temperature},
           body=lambda: _("Recorded at %(when)s by %(by)s; the recheck is assigned to %(who)s, due %(due)s.") % {
               "when": _when(check.checked_at), "by": by or _("the system"), "who": task.assignee or _("no one yet"),
               "due": _when(task.due_at)})
    return _("A fever recheck task went to %(who)s, due %(due)s; workers of the community and street told: "
             "%(n)d.") % {"who": task.assignee or _("no one yet"), "due": _when(task.due_at), "n": len(told)}
