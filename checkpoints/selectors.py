"""Reads of the checkpoints app: the scoped access functions (out of scope: 404), the gate's lists, the
live alerts, an incident's timeline, a team's roster."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.http import Http404
from django.utils import timezone

from accounts.access import Scope, scope_for
from accounts.roles import CHECKPOINTS_VIEW, PERSONS_VIEW, Role
from checkpoints.access import SiteScope, site_scope
from checkpoints.models import (
    Alert,
    Checkpoint,
    Device,
    Incident,
    IncidentStep,
    MemberSuspension,
    Passage,
    Reading,
    Station,
    Suspension,
    Team,
    TeamMember,
)
from core.clock import day_bounds, days_bounds
from orgunits.models import Site
from persons.identity import normalize_doc_number
from persons.models import Person

CHECKPOINT_SITE_KINDS = (Site.Kind.CHECKPOINT, Site.Kind.ENTERPRISE)
LIVE_HOURS = 12  # closed alerts stay on the live list this long


def _get(qs: QuerySet, user, pk, perm: str):
    obj = qs.filter(pk=pk).first()
    if obj is None or not site_scope(user, perm).covers(obj.unit_path, obj.site_id):
        raise Http404
    return obj


def checkpoint_get_for_user(user, pk: int, *, perm: str = CHECKPOINTS_VIEW) -> Checkpoint:
    """The checkpoint `pk` if it lies in the user's scope for `perm`, else 404."""
    return _get(Checkpoint.objects.select_related("site"), user, pk, perm)


def site_get_for_user(user, pk: int, *, perm: str = CHECKPOINTS_VIEW) -> Site:
    """The community checkpoint or enterprise `pk` if in the user's scope for `perm`, else 404."""
    site = Site.objects.filter(pk=pk, kind__in=CHECKPOINT_SITE_KINDS).select_related("unit").first()
    if site is None or not site_scope(user, perm).covers(site.unit_path, site.pk):
        raise Http404
    return site


def alert_get_for_user(user, pk: int, *, perm: str = CHECKPOINTS_VIEW) -> Alert:
    return _get(Alert.objects.select_related("checkpoint__site", "person", "reading", "recheck", "incident"),
                user, pk, perm)


def incident_get_for_user(user, pk: int, *, perm: str = CHECKPOINTS_VIEW) -> Incident:
    return _get(Incident.objects.select_related("alert__reading", "alert__recheck", "checkpoint", "site", "person",
                                                "team"), user, pk, perm)


def team_get_for_user(user, pk: int, *, perm: str = CHECKPOINTS_VIEW) -> Team:
    return _get(Team.objects.select_related("site"), user, pk, perm)


def member_get_for_user(user, pk: int, *, perm: str = CHECKPOINTS_VIEW) -> TeamMember:
    return _get(TeamMember.objects.select_related("person", "team"), user, pk, perm)


def device_get_for_user(user, pk: int, *, perm: str = CHECKPOINTS_VIEW) -> Device:
    return _get(Device.objects.select_related("checkpoint"), user, pk, perm)


def station_get_for_user(user, pk: int, *, perm: str = CHECKPOINTS_VIEW) -> Station:
    return _get(Station.objects.select_related("site", "user"), user, pk, perm)


# -- lists -------------------------------------------------------------------------------------------------

def sites_in_scope(scope: SiteScope) -> QuerySet[Site]:
    """Community checkpoints and enterprises in scope, with their checkpoints."""
    return (Site.objects.filter(scope.q(site_field="pk"), kind__in=CHECKPOINT_SITE_KINDS)
            .prefetch_related("checkpoints").order_by("unit_path", "name"))


def checkpoints_in_scope(scope: SiteScope) -> QuerySet[Checkpoint]:
    return Checkpoint.objects.filter(scope.q()).select_related("site").order_by("unit_path", "site__name", "name")


def passages_of_day(checkpoint: Checkpoint, day: dt.date, *, limit: int | None = None) -> QuerySet[Passage]:
    """The passages of a checkpoint on a local day, latest first."""
    start, end = day_bounds(day)
    qs = (Passage.objects.filter(checkpoint=checkpoint, at__gte=start, at__lt=end)
          .select_related("person", "reading").order_by("-at", "-id"))
    return qs[:limit] if limit else qs


def passage_counts(checkpoint: Checkpoint, day: dt.date) -> dict[str, int]:
    start, end = day_bounds(day)
    rows = (Passage.objects.filter(checkpoint=checkpoint, at__gte=start, at__lt=end).order_by()
            .values("direction").annotate(n=Count("id")))
    counts = {"in": 0, "out": 0}
    counts.update({r["direction"]: r["n"] for r in rows})
    return counts


def readings_of_day(checkpoint: Checkpoint, day: dt.date, *, limit: int | None = None) -> QuerySet[Reading]:
    start, end = day_bounds(day)
    qs = (Reading.objects.filter(checkpoint=checkpoint, taken_at__gte=start, taken_at__lt=end)
          .select_related("person", "alert").order_by("-taken_at", "-id"))
    return qs[:limit] if limit else qs


def alerts_live(scope: SiteScope, *, checkpoint: Checkpoint | None = None,
                now: dt.datetime | None = None) -> list[Alert]:
    """Alerts waiting for their recheck, then those closed in the last hours; newest first."""
    now = now or timezone.now()
    qs = Alert.objects.filter(scope.q()).filter(Q(state=Alert.State.OPEN) |
                                                Q(closed_at__gte=now - dt.timedelta(hours=LIVE_HOURS)))
    if checkpoint is not None:
        qs = qs.filter(checkpoint=checkpoint)
    alerts = list(qs.select_related("checkpoint__site", "person", "recheck", "incident").order_by("-raised_at")[:50])
    alerts.sort(key=lambda a: (a.state != Alert.State.OPEN, -a.raised_at.timestamp()))
    return alerts


def alerts_raised(scope: SiteScope, *, first: dt.date, last: dt.date | None = None, under: str = "",
                  state: str = "") -> QuerySet[Alert]:
    """The fever alerts in scope raised from local day `first` to `last` (the same day by default), under the
    path `under` and in `state` if given."""
    start, end = days_bounds(first, last or first)
    qs = Alert.objects.filter(scope.q(), raised_at__gte=start, raised_at__lt=end)
    if under:
        qs = qs.filter(unit_path__under=under)
    if state:
        qs = qs.filter(state=state)
    return qs


def alerts_of_day(scope: SiteScope, day: dt.date, *, under: str = "", state: str = "",
                  limit: int = 500) -> list[Alert]:
    """The duty page's list of a day: the alerts in scope raised on `day` under the path `under`, in `state` when it is
    one (else every state), newest first."""
    state = state if state in Alert.State.values else ""
    return list(alerts_raised(scope, first=day, under=under, state=state)
                .select_related("checkpoint__site", "person", "recheck").order_by("-raised_at", "-id")[:limit])


def incidents_in_scope(scope: SiteScope, *, open_only: bool = True, under: str = "") -> QuerySet[Incident]:
    qs = Incident.objects.filter(scope.q()).select_related("alert", "checkpoint__site", "person", "team")
    if open_only:
        qs = qs.filter(state=Incident.State.OPEN)
    if under:
        qs = qs.filter(unit_path__under=under)
    return qs.order_by("-started_at")


def incident_timeline(incident: Incident) -> list[IncidentStep]:
    return list(incident.steps.select_related("by").order_by("at", "id"))


def site_checkpoints(site: Site) -> QuerySet[Checkpoint]:
    """A site's checkpoints by name, each with its devices."""
    return site.checkpoints.prefetch_related("devices").order_by("name")


def teams_of(site: Site) -> list[Team]:
    """A site's teams, each with `current` (open roster count) and `suspension` (the open one, or None)."""
    teams = list(Team.objects.filter(site=site).annotate(
        current=Count("members", filter=Q(members__left_at__isnull=True))).order_by("name"))
    open_ = {s.team_id: s for s in Suspension.objects.filter(team__in=teams, end__isnull=True)}
    for team in teams:
        team.suspension = open_.get(team.pk)
    return teams


def team_roster(team: Team) -> list[TeamMember]:
    """The team's current members, each with `suspended` (the open MemberSuspension, or None)."""
    members = list(TeamMember.objects.filter(team=team, left_at__isnull=True).select_related("person")
                   .order_by("joined_at", "id"))
    marks = {m.member_id: m for m in MemberSuspension.objects.filter(member__in=members, end__isnull=True)}
    for m in members:
        m.suspended = marks.get(m.pk)
    return members


def suspensions_of(team: Team) -> list[Suspension]:
    return list(team.suspensions.select_related("incident", "started_by", "ended_by").prefetch_related(
        "members__person").order_by("-start"))


def stations_of(site: Site) -> list[Station]:
    return list(site.stations.filter(end__isnull=True).select_related("user").order_by("start"))


def gate_people_search(user, checkpoint: Checkpoint, q: str, *, limit: int = 10) -> list[Person]:
    """People to pick at a gate: the enterprise's roster, then people in the user's line-list scope, by
    name, pinyin initials or the end of the badge or document number."""
    q = (q or "").strip()
    if not q:
        return []
    initials = q.lower() if q.isascii() and q.isalpha() else ""
    roster = TeamMember.objects.filter(site_id=checkpoint.site_id, left_at__isnull=True)
    match = Q(person__name__contains=q) | Q(badge=q.upper())
    if initials:
        match |= Q(person__name_initials__startswith=initials)
    people = [m.person for m in roster.filter(match).select_related("person")[:limit]]
    if len(people) < limit:
        scope = scope_for(user, PERSONS_VIEW)
        if not scope.empty:
            found = Q(name__startswith=q)
            if initials:
                found |= Q(name_initials__startswith=initials)
            if len(q) >= 4 and q.isalnum() and q.isascii():
                found |= Q(doc_tail=q.upper()[-4:], doc_number__endswith=q.upper())
            more = Person.objects.filter(scope.q()).filter(found)
            seen = {p.pk for p in people}
            people += [p for p in more.exclude(pk__in=seen)[: limit - len(people)]]
    return people


# -- whom a gate may name ---------------------------------------------------------------------------------------
# A person named at a gate (by id, badge or document number) is looked up through the scope of whoever names
# them: the people on the site's roster (its active team members), and those whose unit lies in
# `person_reach`. Anyone else is answered exactly as someone who does not exist.

def person_reach(*, by=None, device: Device | None = None) -> Scope:
    """The subtrees of people an actor may name at a gate besides the site's roster: a device, its site's unit;
    a user, their line-list (persons.view) scope; the system (`by=None`, no device), everyone."""
    if device is not None:
        return Scope((device.unit_path,))
    if by is None:
        return Scope(None)
    return scope_for(by, PERSONS_VIEW)


def person_reachable(person: Person, *, site_id: int, by=None, device: Device | None = None) -> bool:
    """Whether the actor may name `person` at the site `site_id` (see person_reach)."""
    if person_reach(by=by, device=device).covers(person.unit_path):
        return True
    return TeamMember.objects.filter(site_id=site_id, person=person, left_at__isnull=True).exists()


def people_reachable(pairs: set[tuple[int, int]], paths: dict[int, str], reach: Scope) -> set[tuple[int, int]]:
    """Of the (site, person) pairs, those the actor may name, in one query: the person's unit (`paths`) lies in
    `reach`, or the person is on the site's roster."""
    reachable = {(site, pid) for site, pid in pairs if pid in paths and reach.covers(paths[pid])}
    rest = pairs - reachable
    if rest:
        rostered = set(TeamMember.objects.filter(
            site_id__in={site for site, _pid in rest}, person_id__in={pid for _site, pid in rest},
            left_at__isnull=True).values_list("site_id", "person_id"))
        reachable |= rest & rostered
    return reachable


def person_pickable(user, checkpoint: Checkpoint, person_id: int) -> Person:
    """A person the user may pick at this gate: on the enterprise's roster or in their line-list scope (else
    404, as for an id nobody has)."""
    person = Person.objects.filter(pk=person_id).first()
    if person is None or not person_reachable(person, site_id=checkpoint.site_id, by=user):
        raise Http404
    return person


def person_by_document(user, number: str, *, name: str = "") -> Person | None:
    """The registered person with the document number `number` within the user's line-list scope; outside it,
    only when `name` is the name registered with that number (the worker shows their ID card at the enterprise,
    so the pair discloses nothing the card does not). None otherwise, as for a number nobody has."""
    number = normalize_doc_number(number)
    if not number:
        return None
    person = Person.objects.filter(doc_type__in=Person.DocType.values, doc_number=number).first()
    if person is None or scope_for(user, PERSONS_VIEW).covers(person.unit_path):
        return person
    return person if _same_name(person.name, name) else None


def _same_name(registered: str, typed: str) -> bool:
    return bool(typed.strip()) and "".join(registered.split()) == "".join(typed.split())


def liaison_for_site(site: Site, username: str):
    """The active account `username` holding a liaison role whose subtree holds the site (None otherwise, whether
    the account does not exist or is not such a liaison)."""
    from accounts.models import User

    username = (username or "").strip()
    if not username:
        return None
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None or not any(m.role == Role.LIAISON and site.unit_path.startswith(m.unit_path)
                               for m in user.memberships.all()):
        return None
    return user


# -- the dashboard's figures -------------------------------------------------------------------------------

@dataclass
class CheckpointFigures:
    by_state: list[tuple[str, str, int]]  # the alerts raised on the day: (state, label, count), every state
    per_day: dict[dt.date, int]  # the alerts raised each local day of the range
    incidents: int  # emergency plans in progress now


def checkpoint_figures(*, scope: SiteScope, unit, day: dt.date, first: dt.date) -> CheckpointFigures:
    """Fever alerts under the unit in `scope` raised on `day` by state (as they stand now) and per local day from
    `first` to `day`, and the emergency plans in progress: one GROUP BY each."""
    states = dict(alerts_raised(scope, first=day, under=unit.path).order_by()
                  .values("state").annotate(n=Count("id")).values_list("state", "n"))
    per_day = dict(alerts_raised(scope, first=first, last=day, under=unit.path).order_by()
                   .annotate(d=TruncDate("raised_at", tzinfo=timezone.get_current_timezone()))
                   .values("d").annotate(n=Count("id")).values_list("d", "n"))
    return CheckpointFigures(by_state=[(value, label, states.get(value, 0)) for value, label in Alert.State.choices],
                             per_day=per_day,
                             incidents=incidents_in_scope(scope, under=unit.path).order_by().count())

