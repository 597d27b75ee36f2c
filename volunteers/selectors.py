"""Reads, and who may see what. Three ways in: the civilisation office (volunteers.office over the subtree
where a civilised unit is registered) sees the unit and its people; a unit's coordinators see their own
unit; the sites' staff (volunteers.view over the site) see the needs and who is on duty there. A volunteer
who is a user sees their own assignments. Everything else answers 404."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Sum, Value, When
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Least, Round, TruncDate
from django.http import Http404
from django.utils import timezone

from accounts.access import scope_for, users_addressable
from accounts.models import User
from accounts.roles import VOLUNTEERS_COORDINATE, VOLUNTEERS_OFFICE, VOLUNTEERS_VIEW
from core.clock import day_bounds
from orgunits.models import OrgUnit, Site
from supplies.selectors import donations_received_by
from volunteers.models import SHIFT_MAX, Assignment, CivilisedUnit, Commendation, Need, Slot, Volunteer

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


def office_home_unit(user) -> OrgUnit | None:
    """Where the civilisation office registers a civilised unit: the topmost unit of its scope (the city)."""
    return OrgUnit.objects.filter(scope_for(user, VOLUNTEERS_OFFICE).q("path")).order_by("depth").first()


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


def accounts_nameable(user) -> QuerySet[User]:
    """The accounts `user` may name for the civilised units they manage (a person's login, a coordinator):
    those holding a membership inside their office scope, themself, and logins holding no membership that
    belong to no other civilised unit (as its coordinator or one of its people). Any other account answers as
    one that does not exist (DESIGN invariant 8)."""
    others = CivilisedUnit.objects.exclude(pk__in=orgs_for_user(user).values("pk"))
    free = (User.objects.filter(memberships__isnull=True).exclude(coordinated_units__in=others)
            .exclude(volunteer__org__in=others).values("pk"))
    return User.objects.filter(Q(pk__in=users_addressable(user, VOLUNTEERS_OFFICE).values("pk")) | Q(pk__in=free),
                               is_active=True)


def account_nameable(user, username: str) -> User | None:
    """The account with this user name among accounts_nameable(user), or None."""
    return accounts_nameable(user).filter(username=(username or "").strip()).first() if username else None


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


def assignment_cancellable_by(user, a: Assignment) -> bool:
    """Whether the user may cancel `a`: it is their own shift, or that of one of the people they manage."""
    return volunteers_signable(user).filter(pk=a.volunteer_id).exists()


def assignments_swappable_by(user, a: Assignment, b: Assignment) -> bool:
    """Whether the user may swap the people of `a` and `b`: they coordinate both sites, or manage both people."""
    coordinate = scope_for(user, VOLUNTEERS_COORDINATE)
    if coordinate.covers(a.unit_path) and coordinate.covers(b.unit_path):
        return True
    return volunteers_for_user(user).filter(pk__in=[a.volunteer_id, b.volunteer_id]).count() == 2


def _on_duty(rows: QuerySet[Assignment], day: dt.date) -> tuple[QuerySet[Assignment], QuerySet[Assignment]]:
    """The confirmed shifts and the confirmed stays among `rows` that overlap `day`, as two queries that each
    read one index range: a shift starts at most SHIFT_MAX before the day; a stay may start weeks before."""
    start, end = day_bounds(day)
    on = rows.filter(state=Assignment.State.CONFIRMED, start__lt=end, end__gt=start)
    return on.filter(stationed=False, start__gte=start - SHIFT_MAX), on.filter(stationed=True)


def roster(site, day: dt.date) -> list[Assignment]:
    """Who is on duty at `site` on `day` (confirmed shifts and stays overlapping the day), by start."""
    found = [a for part in _on_duty(Assignment.objects.filter(site=site), day)
             for a in part.select_related("volunteer", "org", "need").order_by()]
    found.sort(key=lambda a: (a.start, a.volunteer.name, a.pk))
    return found


class RosterRow(NamedTuple):
    pk: int
    site_id: int
    site: str
    start: dt.datetime
    end: dt.datetime
    stationed: bool
    name: str
    org: str
    post: str
    progress: int  # NOT_IN, IN or OUT


NOT_IN, IN, OUT = 0, 1, 2
_PROGRESS = Case(When(checked_out_at__isnull=False, then=Value(OUT)), When(checked_in_at__isnull=False, then=Value(IN)),
                 default=Value(NOT_IN), output_field=IntegerField())


AREA_ROSTER_LIMIT = 5000  # people on an area's roster (page and API); a larger area is opened community by community


def area_roster(unit: OrgUnit, day: dt.date, *, limit: int) -> list[RosterRow] | None:
    """Who is on duty on `day` at every site under `unit` (a street, a community), by site, start and name,
    and whether they checked in and out; None if more than `limit` are. Plain rows for a page that lists a few
    thousand: the people's rows carry only what differs between them (times, posts and site names come from
    their slots and sites, read once; check-in as a state, not as times to convert)."""
    sites = Site.objects.filter(unit_path__under=unit.path).values("pk")
    found = []
    for part, stationed in zip(_on_duty(Assignment.objects.filter(site_id__in=sites), day), (False, True),
                               strict=True):
        rows = list(part.order_by().annotate(progress=_PROGRESS).values_list(
            "pk", "site_id", "slot_id", "volunteer__name", "org__name", "progress")[:limit + 1 - len(found)])
        found.extend((r, stationed) for r in rows)
        if len(found) > limit:
            return None
    slots = {pk: (start, end, post) for pk, start, end, post in Slot.objects.filter(
        pk__in={r[2] for r, _s in found}).values_list("pk", "start", "end", "need__post")}
    names = dict(Site.objects.filter(pk__in={r[1] for r, _s in found}).values_list("pk", "name"))
    out = [RosterRow(pk, site_id, names[site_id], *slots[slot_id][:2], stationed, name, org, slots[slot_id][2],
                     progress)
           for (pk, site_id, slot_id, name, org, progress), stationed in found]
    out.sort(key=lambda r: (r.site, r.site_id, r.start, r.name, r.pk))
    return out


def my_assignments(user, *, day: dt.date) -> list[Assignment]:
    """The signed-in volunteer's confirmed and waiting assignments overlapping `day` (and stays)."""
    start, end = day_bounds(day)
    return list(Assignment.objects.filter(volunteer__user=user, start__lt=end, end__gt=start)
                .exclude(state=Assignment.State.CANCELLED).select_related("site", "need", "volunteer")
                .order_by("start"))


def my_upcoming(user, *, after: dt.datetime, limit: int = 50) -> list[Assignment]:
    """The signed-in volunteer's confirmed and waiting assignments starting at or after `after`, soonest first."""
    return list(Assignment.objects.filter(volunteer__user=user, start__gte=after)
                .exclude(state=Assignment.State.CANCELLED).select_related("site", "need").order_by("start")[:limit])


def person_assignments(person: Volunteer) -> list[Assignment]:
    return list(person.assignments.exclude(state=Assignment.State.CANCELLED)
                .select_related("site", "need", "volunteer", "org").order_by("-start")[:500])


def no_shows(orgs: QuerySet[CivilisedUnit], *, now: dt.datetime | None = None) -> list[Assignment]:
    """Confirmed shifts (not stays) that ended without a check-in: flagged to the unit's coordinator."""
    now = now or timezone.now()
    return list(Assignment.objects.filter(org__in=orgs, state=Assignment.State.CONFIRMED, stationed=False,
                                          end__lte=now, checked_in_at__isnull=True)
                .select_related("volunteer", "site", "org").order_by("-start")[:200])


# -- service records and the contribution tally -----------------------------------------------------------


def stay_span(cutoff: dt.datetime) -> CombinedExpression:
    """Days stationed, for rows that started before the cut-off: the local calendar days from a stay's start to
    its end or the cut-off (12 Feb 08:00 to 10 Apr 08:00 is 58), as a duration to add up with Sum."""
    tz = timezone.get_current_timezone()
    return TruncDate(Least("end", Value(cutoff)), tzinfo=tz) - TruncDate("start", tzinfo=tz)


def _days(span: dt.timedelta | None) -> int:
    return span.days if span else 0


def stationed_days_by(rows: QuerySet[Assignment], key: str, *, cutoff: dt.datetime) -> dict:
    """Person-days stationed up to the cut-off per value of `key` (org_id, org_path…), for the confirmed stays
    among `rows`: one GROUP BY."""
    stays = rows.filter(state=Assignment.State.CONFIRMED, stationed=True, start__lt=cutoff)
    return {k: _days(span) for k, span in stays.order_by().values(key).annotate(span=Sum(stay_span(cutoff)))
            .values_list(key, "span")}


def _yuan(value) -> int | Decimal:
    """An amount of yuan as people write it: 58200, or 58200.50."""
    amount = Decimal(value or 0).quantize(Decimal("0.01"))
    return int(amount) if amount == amount.to_integral_value() else amount


def donations_by_org(org_ids: list[int], *, until: dt.date | None = None) -> dict[int, int | Decimal]:
    """Yuan given per civilised unit by the donors linked to it on the supplies ledger (money, and the declared
    value of goods), received up to `until`: one GROUP BY over the donations joined through the link."""
    rows = donations_received_by(key="civilised_unit_link__org_id",
                                 donors={"civilised_unit_link__org_id__in": org_ids}, until=until)
    return {org_id: _yuan(n) for org_id, n in rows.items()}


def tally(orgs: QuerySet[CivilisedUnit], *, cutoff: dt.datetime | None = None) -> list[dict]:
    """Per civilised unit: people mobilised, hours served, stationed person-days, yuan donated and
    commendations up to the cut-off, ranked (most people, then hours, then days)."""
    cutoff = cutoff or timezone.now()
    orgs = list(orgs)
    ids = [o.pk for o in orgs]
    mine = Assignment.objects.filter(org_id__in=ids)
    confirmed = mine.filter(state=Assignment.State.CONFIRMED, start__lt=cutoff)
    people = dict(confirmed.order_by().values("org_id").annotate(n=Count("volunteer", distinct=True))
                  .values_list("org_id", "n"))
    minutes = dict(confirmed.filter(checked_out_at__lte=cutoff).order_by().values("org_id")
                   .annotate(n=Sum("minutes")).values_list("org_id", "n"))
    days = stationed_days_by(mine, "org_id", cutoff=cutoff)
    day = timezone.localtime(cutoff).date()
    commended = dict(Commendation.objects.filter(org_id__in=ids, given_on__lte=day)
                     .order_by().values("org_id").annotate(n=Count("pk")).values_list("org_id", "n"))
    money = donations_by_org(ids, until=day)
    rows = [{"org": o, "people": people.get(o.pk, 0), "hours": round((minutes.get(o.pk) or 0) / 60, 1),
             "stationed_days": days.get(o.pk, 0), "donations": money.get(o.pk, 0),
             "commendations": commended.get(o.pk, 0)} for o in orgs]
    rows.sort(key=lambda r: (-r["people"], -r["hours"], -r["stationed_days"], r["org"].name))
    for i, r in enumerate(rows, 1):
        r["rank"] = i
    return rows


@dataclass
class Duties:
    """Duties done of one post type: shifts checked out and their hours, stays begun and their days."""

    post: str
    label: str
    shifts: int = 0
    hours: float = 0.0
    stays: int = 0
    stationed_days: int = 0


def duties_done(rows: QuerySet[Assignment], *, cutoff: dt.datetime | None = None) -> list[Duties]:
    """The errands and duties done among `rows` (a person's or a unit's assignments) up to the cut-off, per
    post type in the order of the post types: one GROUP BY."""
    cutoff = cutoff or timezone.now()
    shift = Q(stationed=False, checked_out_at__lte=cutoff)
    stay = Q(stationed=True)
    found = {r["need__post"]: r for r in (
        rows.filter(state=Assignment.State.CONFIRMED, start__lt=cutoff).order_by().values("need__post")
        .annotate(shifts=Count("pk", filter=shift), minutes=Sum("minutes", filter=shift),
                  stays=Count("pk", filter=stay), span=Sum(stay_span(cutoff), filter=stay)))}
    out = []
    for post, label in Need.Post.choices:
        r = found.get(post)
        if r and (r["shifts"] or r["stays"]):
            out.append(Duties(post=post, label=str(label), shifts=r["shifts"], hours=round((r["minutes"] or 0) / 60, 1),
                              stays=r["stays"], stationed_days=_days(r["span"])))
    return out


def person_hours(person: Volunteer) -> dict:
    """A person's service record: hours served, shifts done, days stationed (totals of duties_done)."""
    duties = duties_done(person.assignments.all())
    return {"hours": round(sum(d.hours for d in duties), 1), "shifts": sum(d.shifts for d in duties),
            "stationed_days": sum(d.stationed_days for d in duties)}


def site_hours(site_ids: list[int]) -> dict[int, float]:
    """Hours served per site."""
    rows = (Assignment.objects.filter(site_id__in=site_ids, state=Assignment.State.CONFIRMED).order_by()
            .values("site_id").annotate(n=Sum("minutes")).values_list("site_id", "n"))
    return {site_id: round((n or 0) / 60, 1) for site_id, n in rows}


def org_donors(org: CivilisedUnit) -> list:
    """The donors linked to the unit, each with `given`: the yuan received from them so far (one GROUP BY)."""
    donors = list(org.donors.annotate(given=Round(Sum("donations__amount"), 2)).order_by("name", "pk"))
    for d in donors:
        d.given = _yuan(d.given)
    return donors


def commendations_of(org: CivilisedUnit) -> QuerySet[Commendation]:
    return org.commendations.select_related("volunteer")
