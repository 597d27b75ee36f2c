"""Reads, and who may see what. Three ways in: the civilisation office (volunteers.office over the subtree
where a civilised unit is registered) sees the unit and its people; a unit's coordinators see their own
unit; the sites' staff (volunteers.view over the site) see the needs and who is on duty there. A volunteer
who is a user sees their own assignments. Everything else answers 404."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from accounts.access import scope_for
from accounts.roles import VOLUNTEERS_COORDINATE, VOLUNTEERS_OFFICE, VOLUNTEERS_VIEW
from volunteers.models import Assignment, CivilisedUnit, Commendation, Need, Slot, Volunteer

# -- civilised units and their people -----------------------------------------------------------------


def _coordinated_ids(user) -> list[int]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, "_fk_coordinated", None)
    if cached is None:
        cached = list(CivilisedUnit.objects.filter(coordinators=user).values_list("pk", flat=True))
        user._fk_coordinated = cached
    return cached


def orgs_for_user(user) -> QuerySet[CivilisedUnit]:
    """The civilised units the user manages: registered in their office scope, or coordinated by them."""
    return CivilisedUnit.objects.filter(scope_for(user, VOLUNTEERS_OFFICE).q() | Q(pk__in=_coordinated_ids(user)))


def org_get_for_user(user, pk: int) -> CivilisedUnit:
    org = orgs_for_user(user).filter(pk=pk).first()
    if org is None:
        raise Http404
    return org


def office_covers(user, org: CivilisedUnit) -> bool:
    """Whether the user acts for the civilisation office over the unit (appoints coordinators, commends)."""
    return scope_for(user, VOLUNTEERS_OFFICE).covers(org.unit_path)


def volunteers_for_user(user) -> QuerySet[Volunteer]:
    return Volunteer.objects.filter(scope_for(user, VOLUNTEERS_OFFICE).q() | Q(org_id__in=_coordinated_ids(user)))


def volunteer_get_for_user(user, pk: int) -> Volunteer:
    """The person `pk` if the user manages their unit, or is them; else 404."""
    person = Volunteer.objects.filter(pk=pk).select_related("org", "user").first()
    if person is None:
        raise Http404
    if person.user_id is not None and person.user_id == getattr(user, "pk", None):
        return person
    if not volunteers_for_user(user).filter(pk=pk).exists():
        raise Http404
    return person


def volunteers_signable(user) -> QuerySet[Volunteer]:
    """Whom the user may sign up or assign: the people they manage, and themselves."""
    own = Q(user=user) if getattr(user, "is_authenticated", False) else Q(pk__in=[])
    return Volunteer.objects.filter(
        (scope_for(user, VOLUNTEERS_OFFICE).q() | Q(org_id__in=_coordinated_ids(user)) | own), active=True)


# -- needs and slots ------------------------------------------------------------------------------------


def _need_q(user) -> Q:
    """Needs visible to the user: at sites in their view scope, or (to coordinators and volunteers) under
    the area where their civilised units are registered."""
    paths = list(CivilisedUnit.objects.filter(pk__in=_coordinated_ids(user)).values_list("unit_path", flat=True))
    own = getattr(getattr(user, "volunteer", None), "unit_path", None) if user.is_authenticated else None
    if own:
        paths.append(own)
    q = scope_for(user, VOLUNTEERS_VIEW).q() | scope_for(user, VOLUNTEERS_OFFICE).q()
    for p in set(paths):
        q |= Q(unit_path__under=p)
    return q


def needs_for_user(user) -> QuerySet[Need]:
    return Need.objects.filter(_need_q(user)).select_related("site")


def need_get_for_user(user, pk: int, *, write: bool = False) -> Need:
    """The need `pk` if visible (write: the user coordinates its site or acts for the office), else 404."""
    need = needs_for_user(user).filter(pk=pk).first()
    if need is None:
        raise Http404
    if write and not (scope_for(user, VOLUNTEERS_COORDINATE).covers(need.unit_path)
                      or scope_for(user, VOLUNTEERS_OFFICE).covers(need.unit_path)):
        raise Http404
    return need


def slot_get_for_user(user, pk: int) -> Slot:
    slot = Slot.objects.filter(pk=pk, need__in=needs_for_user(user)).select_related("need__site").first()
    if slot is None:
        raise Http404
    return slot


@dataclass
class SlotView:
    slot: Slot
    confirmed: list[Assignment] = field(default_factory=list)
    waiting: list[Assignment] = field(default_factory=list)

    @property
    def free(self) -> int:
        return max(0, self.slot.need.people - len(self.confirmed))


def need_slots(need: Need, *, user) -> list[SlotView]:
    """The need's slots with their sign-up lists in order (names of people the user may not manage are
    shown to the site's staff, who see who is on duty; to others only the counts matter)."""
    views = {s.pk: SlotView(s) for s in need.slots.select_related("need").order_by("start", "id")}
    rows = (Assignment.objects.filter(slot__need=need).exclude(state=Assignment.State.CANCELLED)
            .select_related("volunteer", "org").order_by("signed_up_at", "id"))
    for a in rows:
        target = views[a.slot_id].confirmed if a.state == Assignment.State.CONFIRMED else views[a.slot_id].waiting
        target.append(a)
    return list(views.values())


# -- assignments ----------------------------------------------------------------------------------------


def assignment_get_for_user(user, pk: int, *, check_in: bool = False) -> Assignment:
    """The assignment `pk` if the user is its volunteer, manages them, or sees the site (check_in: the
    volunteer themself or the site's coordinators); else 404."""
    a = Assignment.objects.filter(pk=pk).select_related("volunteer", "site", "need", "slot", "org").first()
    if a is None:
        raise Http404
    own = a.volunteer.user_id is not None and a.volunteer.user_id == getattr(user, "pk", None)
    if check_in:
        ok = own or scope_for(user, VOLUNTEERS_COORDINATE).covers(a.unit_path)
    else:
        ok = (own or scope_for(user, VOLUNTEERS_VIEW).covers(a.unit_path)
              or scope_for(user, VOLUNTEERS_OFFICE).covers(a.org_path) or a.org_id in _coordinated_ids(user))
    if not ok:
        raise Http404
    return a


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(day, dt.time()))
    return start, timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time()))


def roster(site, day: dt.date) -> list[Assignment]:
    """Who is on duty at `site` on `day` (confirmed shifts and stays overlapping the day), by start."""
    start, end = _day_bounds(day)
    return list(Assignment.objects.filter(site=site, state=Assignment.State.CONFIRMED, start__lt=end, end__gt=start)
                .select_related("volunteer", "org", "need").order_by("start", "volunteer__name"))


def my_assignments(user, *, day: dt.date) -> list[Assignment]:
    """The signed-in volunteer's confirmed and waiting assignments overlapping `day` (and stays)."""
    start, end = _day_bounds(day)
    return list(Assignment.objects.filter(volunteer__user=user, start__lt=end, end__gt=start)
                .exclude(state=Assignment.State.CANCELLED).select_related("site", "need", "volunteer")
                .order_by("start"))


def person_assignments(person: Volunteer) -> list[Assignment]:
    return list(person.assignments.exclude(state=Assignment.State.CANCELLED)
                .select_related("site", "need").order_by("-start")[:500])


def no_shows(orgs: QuerySet[CivilisedUnit], *, now: dt.datetime | None = None) -> list[Assignment]:
    """Confirmed shifts (not stays) that ended without a check-in: flagged to the unit's coordinator."""
    now = now or timezone.now()
    return list(Assignment.objects.filter(org__in=orgs, state=Assignment.State.CONFIRMED, stationed=False,
                                          end__lte=now, checked_in_at__isnull=True)
                .select_related("volunteer", "site", "org").order_by("-start")[:200])


# -- service records and the contribution tally -----------------------------------------------------------


def stationed_days(a_start: dt.datetime, a_end: dt.datetime, cutoff: dt.datetime) -> int:
    """Days stationed up to the cut-off: local calendar days from the start to the end (or the cut-off)."""
    end = min(a_end, cutoff)
    if end <= a_start:
        return 0
    return max(0, (timezone.localtime(end).date() - timezone.localtime(a_start).date()).days)


def donations_by_org(orgs: list[CivilisedUnit], *, until: dt.date | None = None) -> dict[int, object]:
    """Yuan given per civilised unit: donations whose donor's name begins with the unit's name (the ledger
    keeps donors by name, e.g. 娄底市审计局干部职工; it has no link to civilised units)."""
    from supplies.models import Donation

    out = {}
    for org in orgs:
        rows = Donation.objects.filter(donor__name__startswith=org.name)
        if until is not None:
            rows = rows.filter(received_on__lte=until)
        out[org.pk] = rows.aggregate(n=Sum("amount"))["n"] or 0
    return out


def tally(orgs: QuerySet[CivilisedUnit], *, cutoff: dt.datetime | None = None) -> list[dict]:
    """Per civilised unit: people mobilised, hours served, stationed person-days, yuan donated and
    commendations up to the cut-off, ranked (most people, then hours, then days)."""
    cutoff = cutoff or timezone.now()
    orgs = list(orgs)
    ids = [o.pk for o in orgs]
    confirmed = Assignment.objects.filter(org_id__in=ids, state=Assignment.State.CONFIRMED, start__lt=cutoff)
    people = dict(confirmed.order_by().values("org_id").annotate(n=Count("volunteer", distinct=True))
                  .values_list("org_id", "n"))
    minutes = dict(confirmed.filter(checked_out_at__lte=cutoff).order_by().values("org_id")
                   .annotate(n=Sum("minutes")).values_list("org_id", "n"))
    days: dict[int, int] = {}
    for org_id, start, end in confirmed.filter(stationed=True).values_list("org_id", "start", "end"):
        days[org_id] = days.get(org_id, 0) + stationed_days(start, end, cutoff)
    commended = dict(Commendation.objects.filter(org_id__in=ids, given_on__lte=timezone.localtime(cutoff).date())
                     .order_by().values("org_id").annotate(n=Count("pk")).values_list("org_id", "n"))
    money = donations_by_org(orgs, until=timezone.localtime(cutoff).date())
    rows = [{"org": o, "people": people.get(o.pk, 0), "hours": round((minutes.get(o.pk) or 0) / 60, 1),
             "stationed_days": days.get(o.pk, 0), "donations": money.get(o.pk, 0),
             "commendations": commended.get(o.pk, 0)} for o in orgs]
    rows.sort(key=lambda r: (-r["people"], -r["hours"], -r["stationed_days"], r["org"].name))
    for i, r in enumerate(rows, 1):
        r["rank"] = i
    return rows


def person_hours(person: Volunteer) -> dict:
    """A person's service record: hours served, shifts done, days stationed."""
    done = person.assignments.filter(state=Assignment.State.CONFIRMED)
    now = timezone.now()
    return {
        "hours": round((done.aggregate(n=Sum("minutes"))["n"] or 0) / 60, 1),
        "shifts": done.filter(checked_out_at__isnull=False).count(),
        "stationed_days": sum(stationed_days(s, e, now) for s, e in
                              done.filter(stationed=True).values_list("start", "end")),
    }


def site_hours(site_ids: list[int]) -> dict[int, float]:
    """Hours served per site."""
    rows = (Assignment.objects.filter(site_id__in=site_ids, state=Assignment.State.CONFIRMED).order_by()
            .values("site_id").annotate(n=Sum("minutes")).values_list("site_id", "n"))
    return {site_id: round((n or 0) / 60, 1) for site_id, n in rows}


def commendations_of(org: CivilisedUnit) -> QuerySet[Commendation]:
    return org.commendations.select_related("volunteer")
