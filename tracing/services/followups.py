"""Follow-up of contacts (医学观察): the window from the last exposure, moved by new exposures and by hand,
missed checks, and the end of a follow-up (the daily results: results.py)."""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.audit import audit_record, snapshot
from core.clock import day_of, day_start
from core.errors import DomainError
from persons.models import Category, HealthCheck, Person
from tracing.models import FollowUp, FollowUpEvent, Task
from tracing.services.common import (
    CLOSE_CONTACT,
    SECONDARY_CONTACT,
    DatePlusDays,
    period_days,
    registry_close,
    registry_open,
)
from tracing.services.tasks import task_create, tasks_close_for_follow_up

FOLLOW_UP_AUDIT_FIELDS = ["person", "category", "state", "start", "last_exposure", "end", "end_manual",
                          "missed_days", "escalated_at", "ended_at"]
SEEN = (HealthCheck.Result.WELL, HealthCheck.Result.SYMPTOMS)


def _event(fu: FollowUp, kind: str, *, at: dt.datetime, by, old_end=None, new_end=None, reason: str = "",
           day: dt.date | None = None) -> FollowUpEvent:
    return FollowUpEvent.objects.create(follow_up=fu, kind=kind, at=at, by=by, old_end=old_end, new_end=new_end,
                                        reason=reason, day=day)


def follow_up_open_or_extend(*, person: Person, category: Category, last_exposure: dt.date,
                             at: dt.datetime | None = None, by) -> FollowUp | None:
    """Put a contact under follow-up until `last_exposure` plus the category's period, or move the end of
    the follow-up they are under when that date lies later. A close contact's category replaces a
    secondary contact's. Returns None when the window has already passed (nothing to follow up)."""
    at = at or timezone.now()
    today = day_of(at)
    with transaction.atomic():
        Person.objects.select_for_update().get(pk=person.pk)
        fu = FollowUp.objects.select_for_update().filter(person=person, state=FollowUp.State.ACTIVE).first()
        if fu is None:
            end = last_exposure + dt.timedelta(days=period_days(category))
            if end < today:
                return None
            fu = FollowUp.objects.create(person=person, unit_path=person.unit_path, category=category,
                                         start=min(today, end), last_exposure=last_exposure, end=end, created_by=by)
            _event(fu, FollowUpEvent.Kind.OPENED, at=at, by=by, new_end=end)
            registry_open(person, category.code, at=at, note=gettext_noop("contact tracing"), by=by)
            audit_record(actor=by, action="create", obj=fu, object_repr=f"{person.name} · {category.name_zh}",
                         unit_path=fu.unit_path, after=snapshot(fu, FOLLOW_UP_AUDIT_FIELDS))
            return fu
        before = snapshot(fu, FOLLOW_UP_AUDIT_FIELDS)
        if fu.category.code == SECONDARY_CONTACT and category.code == CLOSE_CONTACT:
            registry_close(person, SECONDARY_CONTACT, at=at, by=by)
            registry_open(person, CLOSE_CONTACT, at=at, note=gettext_noop("contact tracing"), by=by)
            fu.category = category
        fu.last_exposure = max(fu.last_exposure, last_exposure)
        derived = fu.last_exposure + dt.timedelta(days=period_days(fu.category))
        if derived > fu.end:
            _event(fu, FollowUpEvent.Kind.EXPOSURE, at=at, by=by, old_end=fu.end, new_end=derived)
            fu.end = derived
        fu.save()
        after = snapshot(fu, FOLLOW_UP_AUDIT_FIELDS)
        if after != before:
            audit_record(actor=by, action="update", obj=fu, unit_path=fu.unit_path, before=before, after=after,
                         note=gettext_noop("new exposure"))
    return fu


def follow_up_change(*, follow_up: FollowUp, end: dt.date, reason: str, by) -> FollowUp:
    """Set the end of an active follow-up by hand; the reason is required and kept with the change."""
    reason = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if not reason:
        errors["reason"] = [_("Say why the follow-up period changes.")]
    if end is None:
        errors["end"] = [_("Give the new last day.")]
    elif end < follow_up.start:
        errors["end"] = [_("The last day cannot lie before the first (%(d)s).") % {"d": follow_up.start}]
    if follow_up.state != FollowUp.State.ACTIVE:
        errors["end"] = [_("This follow-up has ended.")]
    if errors:
        raise DomainError("invalid_follow_up", _("The follow-up cannot be changed."), fields=errors)
    now = timezone.now()
    with transaction.atomic():
        fu = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
        before = snapshot(fu, FOLLOW_UP_AUDIT_FIELDS)
        _event(fu, FollowUpEvent.Kind.MANUAL, at=now, by=by, old_end=fu.end, new_end=end, reason=reason)
        fu.end, fu.end_manual = end, True
        fu.save(update_fields=["end", "end_manual"])
        audit_record(actor=by, action="update", obj=fu, unit_path=fu.unit_path, before=before,
                     after=snapshot(fu, FOLLOW_UP_AUDIT_FIELDS), note=reason)
    return fu


def follow_up_end(*, follow_up: FollowUp, state: str, at: dt.datetime | None = None, reason: str = "",
                  by) -> FollowUp:
    """End a follow-up (completed, became a case, stopped): the contact category ends at `at`, its open
    daily tasks from that day on are closed; the follow-up and its events stay."""
    if state not in (FollowUp.State.COMPLETED, FollowUp.State.BECAME_CASE, FollowUp.State.STOPPED):
        raise DomainError("invalid_state", _("Unknown way to end a follow-up."), fields={"state": [_("Unknown.")]})
    reason = (reason or "").strip()
    if state == FollowUp.State.STOPPED and not reason:
        raise DomainError("invalid_follow_up", _("Say why the follow-up stops."),
                          fields={"reason": [_("Say why the follow-up stops.")]})
    at = at or timezone.now()
    with transaction.atomic():
        fu = FollowUp.objects.select_for_update().select_related("category", "person").get(pk=follow_up.pk)
        if fu.state != FollowUp.State.ACTIVE:
            return fu
        before = snapshot(fu, FOLLOW_UP_AUDIT_FIELDS)
        fu.state, fu.ended_at = state, at
        fu.save(update_fields=["state", "ended_at"])
        _event(fu, state, at=at, by=by, old_end=fu.end, reason=reason)
        registry_close(fu.person, fu.category.code, at=at, by=by)
        closed = tasks_close_for_follow_up(follow_up=fu, from_day=day_of(at) if state != FollowUp.State.COMPLETED
                                           else fu.end + dt.timedelta(days=1),
                                           reason=reason or str(FollowUp.State(state).label), by=by)
        audit_record(actor=by, action="update", obj=fu, unit_path=fu.unit_path, before=before,
                     after={**snapshot(fu, FOLLOW_UP_AUDIT_FIELDS), "tasks_closed": closed}, note=reason)
    return fu


def follow_up_end_for_case(*, person: Person, at: dt.datetime, by) -> FollowUp | None:
    """The person became a case: their follow-up as a contact ends (its history stays)."""
    fu = FollowUp.objects.filter(person=person, state=FollowUp.State.ACTIVE).first()
    if fu is None:
        return None
    return follow_up_end(follow_up=fu, state=FollowUp.State.BECAME_CASE, at=at,
                         reason=gettext_noop("became a case"), by=by)


def followups_complete_due(*, day: dt.date, by=None) -> int:
    """End every active follow-up whose last day lies before `day`, at the midnight after its last day."""
    done = 0
    for fu in FollowUp.objects.filter(state=FollowUp.State.ACTIVE, end__lt=day).order_by("id").iterator(1000):
        follow_up_end(follow_up=fu, state=FollowUp.State.COMPLETED, at=day_start(fu.end + dt.timedelta(days=1)),
                      by=by)
        done += 1
    return done


def followups_missed_apply(*, day: dt.date, by=None) -> dict[str, int]:
    """The rule for a day without a result seen (no check, or a check "missed"/"unreachable"):
    1. every active follow-up covering `day` without a result seen gets one "missed" event for the day
       and its end moved by TRACING_MISSED_EXTEND_DAYS (one UPDATE; a second run changes nothing);
    2. those missed TRACING_MISSED_ESCALATE_AFTER days in a row, not escalated since, get an urgent task
       to locate the contact (which escalates to the street officer in its turn when overdue).
    Returns {"extended": n, "escalated": m}."""
    extend = max(settings.TRACING_MISSED_EXTEND_DAYS, 0)
    in_a_row = max(settings.TRACING_MISSED_ESCALATE_AFTER, 1)
    now = timezone.now()
    seen = HealthCheck.objects.filter(person=OuterRef("person_id"), check_date=day, result__in=SEEN)
    recorded = FollowUpEvent.objects.filter(follow_up=OuterRef("pk"), kind=FollowUpEvent.Kind.MISSED, day=day)
    missed = (FollowUp.objects.filter(state=FollowUp.State.ACTIVE, start__lte=day, end__gte=day)
              .exclude(Exists(seen)).exclude(Exists(recorded)))
    with transaction.atomic():
        rows = list(missed.select_for_update().values_list("id", "end"))
        ids = [i for i, _end in rows]
        for chunk in range(0, len(ids), 5000):
            part = ids[chunk:chunk + 5000]
            FollowUp.objects.filter(pk__in=part).update(end=DatePlusDays("end", extend), missed_days=F("missed_days") + 1)
            FollowUpEvent.objects.bulk_create([
                FollowUpEvent(follow_up_id=i, kind=FollowUpEvent.Kind.MISSED, at=now, day=day, old_end=end,
                              new_end=end + dt.timedelta(days=extend), by=by,
                              reason=gettext_noop("no result seen on the day"))
                for i, end in rows[chunk:chunk + 5000]], ignore_conflicts=True)
        if ids:
            audit_record(actor=by, action="update", object_type="tracing.followup", object_id=f"missed-{day}",
                         object_repr=gettext_noop("follow-ups without a result on the day"),
                         after={"day": day.isoformat(), "extended": len(ids), "days": extend},
                         note=gettext_noop("follow-up extended for a day without a result"))
    first_day = day - dt.timedelta(days=in_a_row - 1)
    streaks = (FollowUp.objects.filter(pk__in=ids)
               .filter(Q(escalated_at__isnull=True) | Q(escalated_at__lt=day_start(first_day)))
               .annotate(n=Count("events", filter=Q(events__kind=FollowUpEvent.Kind.MISSED,
                                                     events__day__gte=first_day, events__day__lte=day)))
               .filter(n__gte=in_a_row).select_related("person", "person__grid"))
    escalated = 0
    for fu in streaks:
        with transaction.atomic():
            task_create(kind=Task.Kind.LOCATE, priority=Task.Priority.URGENT, person=fu.person, follow_up=fu,
                        due_at=now + dt.timedelta(hours=2), by=None,
                        title=_("Locate %(name)s: no follow-up result for %(n)d days") % {
                            "name": fu.person.name, "n": in_a_row})
            FollowUp.objects.filter(pk=fu.pk).update(escalated_at=now)
            _event(fu, FollowUpEvent.Kind.ESCALATED, at=now, by=by,
                   reason=gettext_noop("follow-up results missed several days in a row"))
        escalated += 1
    return {"extended": len(ids), "escalated": escalated}

