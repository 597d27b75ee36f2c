"""Reads of the situation dashboard: a unit's subtree on a day, one set-based aggregate per figure.

Every figure is counted through the owning app's scoped selectors (or its rows filtered by the user's scope
for that app's permission) and carries the link to the list behind it, filtered the same way. A section is
shown only to users whose scope for its permission covers the unit. Figures about a state (follow-up, tasks,
alerts waiting, requests) are as they stand now; those about a day read that day (now while it lasts).
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from functools import reduce
from operator import or_
from urllib.parse import urlencode

from django.db.models import Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import Scope, scope_for
from accounts.roles import CHECKPOINTS_VIEW, PERSONS_VIEW, REPORTS_VIEW, SUPPLIES_VIEW, TRACING_VIEW
from checkpoints import selectors as checkpoint_selectors
from checkpoints.access import site_scope
from core.fields import paths_minimal
from dashboard.charts import Chart, Point, bars_chart
from dashboard.figures import PEOPLE_MANAGED, PEOPLE_NEW, ShownFigure, home_figures, trends
from orgunits.models import OrgUnit
from orgunits.selectors import scope_roots, unit_ancestors
from persons import selectors as persons_selectors
from persons.selectors import as_of_day
from reports import board, catalog
from reports import selectors as report_selectors
from reports.definitions import memo_scope
from reports.facts import Window
from reports.selectors import HOME_CASES, HOME_NEW, HOME_PEOPLE
from supplies import selectors as supply_selectors
from supplies.selectors import SupplyRow
from tracing import selectors as tracing_selectors

TREND_DAYS = 30
RATE_DAYS = 7  # the report rates' range, up to the day
UNIT_CHOICES = 500  # units offered by the picker
LEVELS_OFFERED = 1  # the picker offers each scope root and this many levels below it, and the unit's own way
COMMUNITIES_LISTED = 30
LOCATIONS_LISTED = 30
SECTION_PERMISSIONS = (PERSONS_VIEW, TRACING_VIEW, CHECKPOINTS_VIEW, REPORTS_VIEW, SUPPLIES_VIEW)
COMPOUNDS = "confirmed.compounds"  # shown with the communities it counts


@dataclass
class Figure:
    """A number and the list behind it; `share` (0–100) sizes its bar against the largest of its group."""

    key: str
    label: str
    value: int | Decimal
    url: str = ""
    share: float = 0.0


def _url(name: str, **params) -> str:
    query = urlencode({k.rstrip("_"): v for k, v in params.items() if v not in ("", None)})
    return reverse(name) + (f"?{query}" if query else "")


def _shares(figures: list[Figure]) -> list[Figure]:
    top = max((f.value for f in figures), default=0)
    for f in figures:
        f.share = round(100 * f.value / top, 1) if top else 0.0
    return figures


def _days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


# -- where the dashboard looks -----------------------------------------------------------------------------

def dashboard_scope(user) -> Scope:
    """The subtrees the dashboard may show: wherever the user holds the permission of one of its sections."""
    paths: list[str] = []
    for perm in SECTION_PERMISSIONS:
        scope = scope_for(user, perm)
        if scope.everything:
            return Scope(None)
        paths.extend(scope.paths)
    return Scope(tuple(paths_minimal(paths)))


def dashboard_unit_for_user(user, code: str = "") -> OrgUnit:
    """The unit `code` if the dashboard may show it to the user (else 404); without a code, the top of the
    user's scope."""
    scope = dashboard_scope(user)
    if code:
        unit = OrgUnit.objects.filter(code=code).first()
        if unit is None or not scope.covers(unit.path):
            raise Http404
        return unit
    roots = scope_roots(scope) if not scope.empty else []
    if not roots:
        raise Http404
    return roots[0]


@dataclass
class Place:
    """The unit shown, the way up to the top of the scope, the way down, and the picker's choices."""

    unit: OrgUnit
    ancestors: list[OrgUnit]
    children: list[OrgUnit]
    choices: list[tuple[OrgUnit, str]]  # (unit, the indent showing its level)


def place_for_user(user, unit: OrgUnit) -> Place:
    scope = dashboard_scope(user)
    roots = scope_roots(scope)
    offered = reduce(or_, (Q(path__under=r.path, depth__lte=r.depth + LEVELS_OFFERED) for r in roots), Q(pk__in=[]))
    units = list(OrgUnit.objects.filter(offered).order_by("path")[:UNIT_CHOICES])
    ancestors = unit_ancestors(unit, scope.covers)
    children = list(unit.children.order_by("code")[:UNIT_CHOICES])
    units = sorted({u.pk: u for u in [*units, *ancestors, unit, *children]}.values(), key=lambda u: u.path)
    low = min((u.depth for u in units), default=0)
    return Place(unit=unit, ancestors=ancestors, children=children,
                 choices=[(u, "— " * (u.depth - low)) for u in units])


# -- people (figures of the catalog) --------------------------------------------------------------------------------

@dataclass
class PeopleFigures:
    at: dt.datetime  # the day's statistical time point (or now, while it is ahead)
    figures: list[ShownFigure]  # the people card: 全部人员·正在管理 and its parts first, then each population
    new: list[ShownFigure]  # 全部人员·今日新增 and the populations' new
    arrivals_chart: Chart
    managed_chart: Chart


def people_figures(user, *, unit: OrgUnit, day: dt.date, window: Window) -> PeopleFigures:
    """The catalog's people figures for the unit's subtree on `day`, read in the day's `window` (the user's people
    scope covers the unit, so the subtree is what they may see), and the two trends."""
    shown = home_figures(unit=unit, day=day, window=window, homes=(HOME_PEOPLE, HOME_NEW))
    people, new = shown[HOME_PEOPLE], shown[HOME_NEW]
    managed = next((f.value for f in people if f.key == PEOPLE_MANAGED), 0)
    arrivals_chart, managed_chart = trends(unit=unit, day=day, window=window, managed_value=managed,
                                           new_value=next((f.value for f in new if f.key == PEOPLE_NEW), 0))
    return PeopleFigures(at=min(window.cutoff, timezone.now()), figures=people, new=new, arrivals_chart=arrivals_chart,
                         managed_chart=managed_chart)


# -- contact tracing -------------------------------------------------------------------------------------------

@dataclass
class TracingFigures:
    cases: list[ShownFigure]  # the catalog's cases figures (流调病例·…)
    stayed: list[ShownFigure]  # 确诊病例·涉及小区数: the communities where confirmed cases stayed in the day's period
    communities: list[Figure]  # those communities, each with the people who stayed
    follow_ups: list[Figure]
    seen: list[Figure]  # today only: under follow-up with a result seen today, and not yet
    tasks: list[Figure]


def tracing_figures(user, *, unit: OrgUnit, day: dt.date, window: Window) -> TracingFigures:
    """Cases by classification and the communities where confirmed cases stayed (the catalog's figures, at the
    day's statistical time point, what form 5 counts), follow-up by state (now), and the open tasks."""
    cases = home_figures(unit=unit, day=day, window=window, homes=(HOME_CASES,))[HOME_CASES]
    counts = tracing_selectors.tracing_figures(scope=scope_for(user, TRACING_VIEW), unit=unit, day=day,
                                               window=window)
    # the communities 确诊病例·涉及小区数 counts, each with the people who stayed there in the period
    around = {"from_": (day - dt.timedelta(days=1)).isoformat(), "until": day.isoformat()}
    communities = _shares([Figure(f"stayed.{u.code}", u.name, n, _url("tracing:stays", unit=u.code, **around))
                           for u, n in counts.stayed])
    stayed = [f for f in cases if f.key == COMPOUNDS]
    cases = [f for f in cases if f.key != COMPOUNDS]
    follow_ups = _shares([Figure(f"follow_ups.{value}", label, n,
                                 _url("tracing:follow_ups", state=value, unit=unit.code))
                          for value, label, n in counts.follow_ups])
    seen = []
    if counts.seen is not None:
        seen_n, unseen_n = counts.seen
        seen = [Figure("follow_ups.unseen", _("not seen today"), unseen_n,
                       _url("tracing:follow_ups", state=counts.active, unit=unit.code, seen="0")),
                Figure("follow_ups.seen", _("seen today"), seen_n,
                       _url("tracing:follow_ups", state=counts.active, unit=unit.code, seen="1"))]
    tasks = _shares([
        *(Figure(f"tasks.{value}", label, n, _url("tracing:tasks", status=value, unit=unit.code))
          for value, label, n in counts.tasks),
        Figure("tasks.overdue", _("overdue"), counts.overdue, _url("tracing:tasks", overdue="1", unit=unit.code))])
    return TracingFigures(cases=cases, stayed=stayed, communities=communities[:COMMUNITIES_LISTED],
                          follow_ups=follow_ups, seen=seen, tasks=tasks)


# -- checkpoints -----------------------------------------------------------------------------------------------

@dataclass
class CheckpointFigures:
    """The fever section: the gates' alerts and, for readers of the line list, the fevers at home health checks."""

    alerts: Figure  # raised on the day
    alerts_by_state: list[Figure]
    incidents: Figure  # emergency plans in progress now
    alerts_chart: Chart
    home_fevers: Figure | None = None  # people with a fever at the day's home health checks (persons.view)


def checkpoint_figures(user, *, unit: OrgUnit, day: dt.date) -> CheckpointFigures:
    """Fever alerts raised on `day` by state (as they stand now), per day over the trend, and the emergency
    plans in progress. A liaison counts only the enterprises they are stationed at, as on their own pages."""
    first = day - dt.timedelta(days=TREND_DAYS - 1)
    counts = checkpoint_selectors.checkpoint_figures(scope=site_scope(user, CHECKPOINTS_VIEW), unit=unit, day=day,
                                                     first=first)
    on_day = {"unit": unit.code, "day": day.isoformat()}
    home = scope_for(user, PERSONS_VIEW)
    return CheckpointFigures(
        home_fevers=home_fevers_figure(home, unit=unit, day=day) if home.covers(unit.path) else None,
        alerts=Figure("alerts", _("fever alerts raised"), sum(n for _v, _l, n in counts.by_state),
                      _url("checkpoints:index", **on_day)),
        alerts_by_state=_shares([Figure(f"alerts.{value}", label, n,
                                        _url("checkpoints:index", state=value, **on_day))
                                 for value, label, n in counts.by_state]),
        incidents=Figure("incidents", _("emergency plans in progress"), counts.incidents,
                         _url("checkpoints:index", unit=unit.code) + "#incidents"),
        alerts_chart=bars_chart([Point(d, counts.per_day.get(d, 0), _url("checkpoints:index", unit=unit.code,
                                                                         day=d.isoformat()))
                                 for d in _days(first, day)], key="alerts", title=_("Fever alerts per day")))


def home_fevers_figure(scope: Scope, *, unit: OrgUnit, day: dt.date) -> Figure:
    """The people whose home health check on `day` was at or above the fever threshold, under the unit (one
    COUNT DISTINCT over the day's flagged checks in the line-list scope), opening the list of those checks."""
    people = persons_selectors.people_figures(scope=scope, unit=unit, day=day)["fevers"]
    return Figure("fevers.home", _("people with a fever at the home health check"), people,
                  _url("persons:fevers", unit=unit.code, day=day.isoformat()))


# -- reports ----------------------------------------------------------------------------------------------------

@dataclass
class ReportFigures:
    board: list[Figure]  # the day's reports: on time, late, still due, missing
    completeness: float | None
    on_time_rate: float | None
    rates_url: str
    first: dt.date


def report_figures(*, unit: OrgUnit, day: dt.date) -> ReportFigures:
    """The day's timeliness board of the unit and the rates over the RATE_DAYS up to the day."""
    first = day - dt.timedelta(days=RATE_DAYS - 1)
    counts = report_selectors.report_figures(unit=unit, day=day, first=first)
    labels = {board.ON_TIME: _("on time"), board.LATE: _("late"), board.PENDING: _("not yet due"),
              board.MISSING: _("missing")}
    return ReportFigures(
        board=_shares([Figure(f"reports.{status}", label, counts.board.get(status, 0),
                              _url("reports:board", unit=unit.code, day=day.isoformat()))
                       for status, label in labels.items()]),
        completeness=counts.completeness, on_time_rate=counts.on_time_rate,
        rates_url=_url("reports:board", unit=unit.code, day=day.isoformat(), from_=first.isoformat(),
                       to=day.isoformat()),
        first=first)


# -- supplies ----------------------------------------------------------------------------------------------------

@dataclass
class SupplyFigures:
    items: list[SupplyRow]
    locations: list[tuple]  # (place, what it holds: [(item, quantity)], its page)
    requests: list[Figure]


def supply_figures(user, *, unit: OrgUnit, day: dt.date) -> SupplyFigures:
    """What the warehouses, fund accounts and goods in transit under the unit hold at the end of `day`
    (one GROUP BY over their ledger lines), and the needs awaiting approval or not yet fully delivered."""
    counts = supply_selectors.supply_figures(scope=scope_for(user, SUPPLIES_VIEW), unit=unit, day=day)
    locations = [(place, held, reverse("supplies:location", args=[place.pk])) for place, held in counts.locations]
    submitted, approved = counts.states
    figures = [Figure("requests.submitted", _("awaiting approval"), counts.submitted,
                      _url("supplies:requests", state=submitted, unit=unit.code)),
               Figure("requests.outstanding", _("approved, not yet fully delivered"), counts.outstanding,
                      _url("supplies:requests", state=approved, outstanding="1", unit=unit.code))]
    return SupplyFigures(items=counts.items, locations=locations[:LOCATIONS_LISTED], requests=_shares(figures))


# -- the whole page --------------------------------------------------------------------------------------------

@dataclass
class Dashboard:
    unit: OrgUnit
    day: dt.date
    at: dt.datetime
    today: bool
    trend_days: int = TREND_DAYS
    people: PeopleFigures | None = None
    tracing: TracingFigures | None = None
    checkpoints: CheckpointFigures | None = None
    reports: ReportFigures | None = None
    supplies: SupplyFigures | None = None
    shown: list[str] = field(default_factory=list)


def dashboard_for_user(user, *, unit: OrgUnit, day: dt.date) -> Dashboard:
    """The sections the user may see for `unit` on `day` (a section needs its permission over the unit)."""
    with memo_scope():  # the catalog's trees, codes and names read once for the page
        return _dashboard(user, unit=unit, day=day)


def _dashboard(user, *, unit: OrgUnit, day: dt.date) -> Dashboard:
    at = as_of_day(day)
    page = Dashboard(unit=unit, day=day, at=at, today=day == timezone.localdate())
    covers = {perm: scope_for(user, perm).covers(unit.path) for perm in SECTION_PERMISSIONS}
    window = catalog.day_window(day)  # the day's statistical time point: people and cases as the forms count them
    if covers[PERSONS_VIEW]:
        page.people = people_figures(user, unit=unit, day=day, window=window)
    if covers[TRACING_VIEW]:
        page.tracing = tracing_figures(user, unit=unit, day=day, window=window)
    if covers[CHECKPOINTS_VIEW]:
        page.checkpoints = checkpoint_figures(user, unit=unit, day=day)
    if covers[REPORTS_VIEW]:
        page.reports = report_figures(unit=unit, day=day)
    if covers[SUPPLIES_VIEW]:
        page.supplies = supply_figures(user, unit=unit, day=day)
    page.shown = [name for name in ("people", "tracing", "checkpoints", "reports", "supplies")
                  if getattr(page, name) is not None]
    return page
