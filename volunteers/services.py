"""Writes of the front-line teams, each audited: civilised units, their donors, people and coordinators, needs and
their slots, sign-up (first come, then the waiting list) and assignment, cancellation (the first on the
waiting list moves up), check-in and check-out, commendations."""

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.audit import audit_record, snapshot
from core.clock import day_start, days_bounds
from core.errors import DomainError
from orgunits.models import OrgUnit, Site
from volunteers.models import (
    SHIFT_MAX,
    Assignment,
    CivilisedUnit,
    Commendation,
    Need,
    Slot,
    UnitDonor,
    Volunteer,
)

CHECK_IN_EARLY = dt.timedelta(hours=1)  # a volunteer may check in this long before the shift starts


def org_create(*, code: str, name: str, level: str, unit: OrgUnit, by) -> CivilisedUnit:
    if CivilisedUnit.objects.filter(code=code).exists():
        raise DomainError("duplicate", _("A civilised unit with the code %(c)s exists.") % {"c": code},
                          fields={"code": [_("Already used.")]})
    with transaction.atomic():
        org = CivilisedUnit.objects.create(code=code, name=name, level=level, unit=unit, unit_path=unit.path)
        audit_record(actor=by, action="create", obj=org, unit_path=org.unit_path, after=snapshot(org))
    return org


def coordinator_add(*, org: CivilisedUnit, user, by) -> None:
    with transaction.atomic():
        org.coordinators.add(user)
        audit_record(actor=by, action="update", obj=org, unit_path=org.unit_path,
                     after={"coordinator_added": user.get_username()})


def org_donor_link(*, org: CivilisedUnit, donor, by) -> UnitDonor:
    """Link a donor of the supplies ledger to the unit it gives for (a donor gives for one unit at most)."""
    existing = UnitDonor.objects.filter(donor=donor).select_related("org").first()
    if existing is not None:
        if existing.org_id == org.pk:
            raise DomainError("duplicate", _("%(donor)s is already linked to this unit.") % {"donor": donor.name},
                              fields={"donor": [_("Already linked.")]})
        raise DomainError("duplicate", _("%(donor)s already gives for %(org)s; a donor gives for one unit only.")
                          % {"donor": donor.name, "org": existing.org.name}, fields={"donor": [_("Already linked.")]})
    try:
        with transaction.atomic():
            link = UnitDonor.objects.create(org=org, donor=donor, linked_by=by if getattr(by, "pk", None) else None)
            audit_record(actor=by, action="update", obj=org, unit_path=org.unit_path,
                         after={"donor_linked": donor.name, "donor_id": donor.pk})
    except IntegrityError:  # linked meanwhile by someone else
        raise DomainError("duplicate", _("%(donor)s is already linked to a unit.") % {"donor": donor.name},
                          fields={"donor": [_("Already linked.")]}) from None
    return link


def org_donor_unlink(*, org: CivilisedUnit, donor, by) -> None:
    with transaction.atomic():
        if not UnitDonor.objects.filter(org=org, donor=donor).delete()[0]:
            raise DomainError("not_found", _("%(donor)s is not linked to this unit.") % {"donor": donor.name})
        audit_record(actor=by, action="update", obj=org, unit_path=org.unit_path,
                     after={"donor_unlinked": donor.name, "donor_id": donor.pk})


def volunteer_add(*, org: CivilisedUnit, name: str, kind: str = Volunteer.Kind.STAFF, party_member: bool = False,
                  phone: str = "", user=None, by) -> Volunteer:
    if user is not None and Volunteer.objects.filter(user=user).exists():
        raise DomainError("duplicate", _("This user account already belongs to a volunteer."),
                          fields={"user": [_("Already used.")]})
    with transaction.atomic():
        person = Volunteer.objects.create(org=org, unit_path=org.unit_path, name=name, kind=kind,
                                          party_member=party_member, phone=phone, user=user)
        audit_record(actor=by, action="create", obj=person, unit_path=org.unit_path, after=snapshot(person))
    return person


def need_post(*, site: Site, post: str, title: str, people: int, slots: list[tuple[dt.datetime, dt.datetime]],
              requirements: str = "", by) -> Need:
    """Post a need for a site with its time slots (for a stationed post, each slot is a whole stay)."""
    if people < 1:
        raise DomainError("invalid", _("At least one person is needed."), fields={"people": [_("At least 1.")]})
    if not slots:
        raise DomainError("invalid", _("Give at least one time slot."), fields={"slots": [_("Required.")]})
    for start, end in slots:
        _slot_check(start, end, stationed=post == Need.Post.STATIONED)
    with transaction.atomic():
        need = Need.objects.create(site=site, unit_path=site.unit_path, post=post, title=title, people=people,
                                   requirements=requirements, created_by=by if getattr(by, "pk", None) else None)
        for start, end in slots:
            Slot.objects.create(need=need, unit_path=site.unit_path, start=start, end=end)
        audit_record(actor=by, action="create", obj=need, unit_path=need.unit_path,
                     after={**snapshot(need), "slots": [[s.isoformat(), e.isoformat()] for s, e in slots]})
    return need


def _slot_check(start: dt.datetime, end: dt.datetime, *, stationed: bool) -> None:
    if end <= start:
        raise DomainError("invalid", _("A time slot must end after it starts."), fields={"end": [_("Before the start.")]})
    if not stationed and end - start > SHIFT_MAX:
        raise DomainError("invalid", _("A shift lasts at most %(hours)s hours; for a stay of days or weeks post a "
                                       "stationed need.") % {"hours": int(SHIFT_MAX.total_seconds() // 3600)},
                          fields={"end": [_("Too long for a shift.")]})


def slot_add(*, need: Need, start: dt.datetime, end: dt.datetime, by) -> Slot:
    _slot_check(start, end, stationed=need.stationed)
    with transaction.atomic():
        slot = Slot.objects.create(need=need, unit_path=need.unit_path, start=start, end=end)
        audit_record(actor=by, action="create", obj=slot, unit_path=need.unit_path, after=snapshot(slot))
    return slot


def _hours_by_day(start: dt.datetime, end: dt.datetime) -> dict[dt.date, float]:
    """Hours of [start, end) falling on each local day."""
    out: dict[dt.date, float] = {}
    cursor = timezone.localtime(start)
    end = timezone.localtime(end)
    while cursor < end:
        next_midnight = day_start(cursor.date() + dt.timedelta(days=1))
        stop = min(end, next_midnight)
        out[cursor.date()] = out.get(cursor.date(), 0) + (stop - cursor).total_seconds() / 3600
        cursor = stop
    return out


def _refusal(person: Volunteer, slot: Slot, *, exclude: tuple[int, ...] = ()) -> DomainError | None:
    """Why `person` may not take `slot` (a double booking, or too many hours in a day), or None."""
    others = person.assignments.exclude(state=Assignment.State.CANCELLED).exclude(pk__in=exclude)
    clash = (others.filter(start__lt=slot.end, end__gt=slot.start).select_related("site").order_by("start").first())
    if clash is not None:
        return DomainError("double_booking", _(
            "%(name)s is already booked from %(start)s to %(end)s at %(site)s; a person cannot be in two places "
            "at once.") % {"name": person.name, "site": clash.site.name,
                           "start": timezone.localtime(clash.start).strftime("%Y-%m-%d %H:%M"),
                           "end": timezone.localtime(clash.end).strftime("%Y-%m-%d %H:%M")})
    if slot.need.stationed:
        return None  # a stay is counted in days; its hours are the enterprise's working hours
    limit = settings.VOLUNTEERS_MAX_HOURS_PER_DAY
    wanted = _hours_by_day(slot.start, slot.end)
    first, last = min(wanted), max(wanted)
    window_start, window_end = days_bounds(first, last)
    booked: dict[dt.date, float] = {}
    for start, end in others.filter(stationed=False, start__lt=window_end, end__gt=window_start).values_list(
            "start", "end"):
        for day, hours in _hours_by_day(start, end).items():
            booked[day] = booked.get(day, 0) + hours
    for day, hours in sorted(wanted.items()):
        total = booked.get(day, 0) + hours
        if total > limit + 1e-9:
            return DomainError("too_many_hours", _(
                "%(name)s would be on duty %(total)s hours on %(day)s; at most %(limit)s hours a day are allowed.")
                % {"name": person.name, "total": f"{total:g}", "day": day.isoformat(), "limit": limit})
    return None


def signup(*, slot: Slot, person: Volunteer, by, assign: bool = False) -> Assignment:
    """Put `person` on `slot`: confirmed while places are free, else on the waiting list in sign-up order.
    `assign`: the unit or the civilisation office assigns the person (recorded as such)."""
    with transaction.atomic():
        slot = Slot.objects.select_for_update().select_related("need__site").get(pk=slot.pk)
        person = Volunteer.objects.select_for_update().select_related("org").get(pk=person.pk)
        need = slot.need
        if need.closed:
            raise DomainError("need_closed", _("This need is closed."))
        if not person.active:
            raise DomainError("inactive", _("%(name)s is no longer active.") % {"name": person.name})
        if person.assignments.filter(slot=slot).exclude(state=Assignment.State.CANCELLED).exists():
            raise DomainError("double_booking", _("%(name)s is already on this time slot.") % {"name": person.name})
        refusal = _refusal(person, slot)
        if refusal is not None:
            raise refusal
        taken = slot.assignments.filter(state=Assignment.State.CONFIRMED).count()
        state = Assignment.State.CONFIRMED if taken < need.people else Assignment.State.WAITING
        a = Assignment.objects.create(
            slot=slot, need=need, site=need.site, unit_path=slot.unit_path, volunteer=person, org=person.org,
            org_path=person.org.unit_path, start=slot.start, end=slot.end, stationed=need.stationed, state=state,
            how=Assignment.How.ASSIGNED if assign else Assignment.How.SIGNUP, signed_up_at=timezone.now(),
            by=by if getattr(by, "pk", None) else None)
        audit_record(actor=by, action="create", obj=a, unit_path=a.unit_path, after=snapshot(a))
    return a


def assignment_cancel(*, assignment: Assignment, by) -> Assignment | None:
    """Cancel; if a place is freed, the first on the waiting list who can take it moves up (returned)."""
    with transaction.atomic():
        Slot.objects.select_for_update().get(pk=assignment.slot_id)
        a = Assignment.objects.select_for_update().get(pk=assignment.pk)
        if a.state == Assignment.State.CANCELLED:
            raise DomainError("cancelled", _("Already cancelled."))
        if a.checked_in_at is not None:
            raise DomainError("checked_in", _("%(name)s has already checked in.") % {"name": a.volunteer.name})
        if a.state == Assignment.State.CONFIRMED and a.end <= timezone.now():
            # The shift is over: cancelling it now would erase a no-show from the record.
            raise DomainError("ended", _("This shift ended at %(end)s; a shift that is over cannot be cancelled.")
                              % {"end": timezone.localtime(a.end).strftime("%Y-%m-%d %H:%M")})
        before = snapshot(a)
        freed = a.state == Assignment.State.CONFIRMED
        a.state = Assignment.State.CANCELLED
        a.save(update_fields=["state"])
        audit_record(actor=by, action="update", obj=a, unit_path=a.unit_path, before=before, after=snapshot(a))
        if not freed:
            return None
        slot = Slot.objects.select_related("need").get(pk=a.slot_id)
        for waiting in (slot.assignments.filter(state=Assignment.State.WAITING).select_related("volunteer")
                        .order_by("signed_up_at", "id")):
            if _refusal(waiting.volunteer, slot, exclude=(waiting.pk,)) is None:
                waiting.state = Assignment.State.CONFIRMED
                waiting.save(update_fields=["state"])
                audit_record(actor=by, action="update", obj=waiting, unit_path=waiting.unit_path,
                             after={"state": waiting.state, "moved_up_from_waiting_list": True})
                return waiting
    return None


def assignment_swap(*, first: Assignment, second: Assignment, by) -> tuple[Assignment, Assignment]:
    """Swap the people of two confirmed assignments not yet checked in (each must be free for the other's
    time, within the daily maximum); recorded as a swap on both."""
    if first.pk == second.pk:
        raise DomainError("invalid", _("Choose two different assignments."))
    with transaction.atomic():
        a, b = (Assignment.objects.select_for_update().select_related("volunteer__org", "slot__need")
                .get(pk=pk) for pk in sorted([first.pk, second.pk]))
        for x in (a, b):
            if x.state != Assignment.State.CONFIRMED or x.checked_in_at is not None:
                raise DomainError("not_swappable", _("Only confirmed shifts not yet begun can be swapped (%(name)s).")
                                  % {"name": x.volunteer.name})
        if a.volunteer_id == b.volunteer_id:
            raise DomainError("invalid", _("Both shifts are %(name)s's.") % {"name": a.volunteer.name})
        for person, slot in ((a.volunteer, b.slot), (b.volunteer, a.slot)):
            refusal = _refusal(person, slot, exclude=(a.pk, b.pk))
            if refusal is not None:
                raise refusal
        before = {"first": snapshot(a), "second": snapshot(b)}
        person_a, person_b = a.volunteer, b.volunteer
        for x, person in ((a, person_b), (b, person_a)):
            x.volunteer, x.org, x.org_path, x.how = person, person.org, person.org.unit_path, Assignment.How.SWAPPED
        # The (slot, person) uniqueness holds after the swap, not in between: park one row first.
        Assignment.objects.filter(pk=a.pk).update(state=Assignment.State.CANCELLED)
        b.save(update_fields=["volunteer", "org", "org_path", "how"])
        a.save(update_fields=["volunteer", "org", "org_path", "how", "state"])
        audit_record(actor=by, action="update", obj=a, unit_path=a.unit_path, before=before,
                     after={"first": snapshot(a), "second": snapshot(b)},
                     note=gettext_noop("two people swapped their shifts"))
    return a, b


def check_in(*, assignment: Assignment, by, at: dt.datetime | None = None) -> Assignment:
    at = at or timezone.now()
    with transaction.atomic():
        a = Assignment.objects.select_for_update().select_related("volunteer").get(pk=assignment.pk)
        if a.state != Assignment.State.CONFIRMED:
            raise DomainError("not_confirmed", _("Only a confirmed shift can be checked in."))
        if a.checked_in_at is not None:
            raise DomainError("checked_in", _("%(name)s checked in at %(t)s already.")
                              % {"name": a.volunteer.name, "t": timezone.localtime(a.checked_in_at).strftime("%H:%M")})
        if at < a.start - CHECK_IN_EARLY or at >= a.end:
            raise DomainError("outside_shift", _("Check-in is open from an hour before the shift until its end "
                                                 "(%(start)s–%(end)s).")
                              % {"start": timezone.localtime(a.start).strftime("%m-%d %H:%M"),
                                 "end": timezone.localtime(a.end).strftime("%m-%d %H:%M")})
        a.checked_in_at = at
        a.save(update_fields=["checked_in_at"])
        audit_record(actor=by, action="update", obj=a, unit_path=a.unit_path, after={"checked_in_at": at.isoformat()})
    return a


def check_out(*, assignment: Assignment, by, at: dt.datetime | None = None) -> Assignment:
    """Check out; the minutes served run from the later of check-in and the start to the earlier of
    check-out and the end (time outside the shift is not service)."""
    at = at or timezone.now()
    with transaction.atomic():
        a = Assignment.objects.select_for_update().select_related("volunteer").get(pk=assignment.pk)
        if a.checked_in_at is None:
            raise DomainError("not_checked_in", _("Check in first."))
        if a.checked_out_at is not None:
            raise DomainError("checked_out", _("%(name)s checked out already.") % {"name": a.volunteer.name})
        if at <= a.checked_in_at:
            raise DomainError("invalid", _("Check-out must come after check-in."))
        a.checked_out_at = at
        served = min(at, a.end) - max(a.checked_in_at, a.start)
        a.minutes = max(0, int(served.total_seconds() // 60))
        a.save(update_fields=["checked_out_at", "minutes"])
        audit_record(actor=by, action="update", obj=a, unit_path=a.unit_path,
                     after={"checked_out_at": at.isoformat(), "minutes": a.minutes})
    return a


def commendation_add(*, org: CivilisedUnit, title: str, story: str = "", given_on: dt.date,
                     volunteer: Volunteer | None = None, by) -> Commendation:
    if volunteer is not None and volunteer.org_id != org.pk:
        raise DomainError("invalid", _("%(name)s is not one of this unit's people.") % {"name": volunteer.name})
    with transaction.atomic():
        c = Commendation.objects.create(org=org, volunteer=volunteer, unit_path=org.unit_path, title=title,
                                        story=story, given_on=given_on,
                                        created_by=by if getattr(by, "pk", None) else None)
        audit_record(actor=by, action="create", obj=c, unit_path=org.unit_path, after=snapshot(c))
    return c
