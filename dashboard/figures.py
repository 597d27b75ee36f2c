"""The home page's figures from the catalog (reports.catalog): people and cases, computed through the report engine
for a unit and a day at the day's statistical time point, under the catalog's full labels — the numbers the forms
give under the same labels. Each opens the list of what it counts (reports' figure page). The trends draw two of
them back over the days, each day read at its own statistical time point.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from core.clock import day_moment, day_start
from dashboard.charts import Chart, Point, bars_chart, line_chart
from orgunits.models import OrgUnit
from persons.selectors import people_arrived_by_period, people_status_changes_by_period
from reports import catalog
from reports.definitions import definitions, parsed
from reports.engine import indicators_counts
from reports.expressions import Predicate
from reports.facts import Window

if TYPE_CHECKING:  # the catalog's figures, as reports.catalog hands them over
    from reports.models import Figure

TREND_DAYS = 30
ONE_DAY = dt.timedelta(days=1)
PEOPLE_MANAGED, PEOPLE_NEW = "people.managed", "people.new"  # the figures the trends draw


@dataclass
class ShownFigure:
    """A catalog figure on the home page: its value, the list it opens, and its parts shown under it."""

    key: str
    label: str
    value: int | float
    url: str
    definition: str = ""
    share: float = 0.0
    parts: list["ShownFigure"] = field(default_factory=list)
    overlap: bool = False  # the parts may overlap: each at most the whole, not summing to it


def figure_url(key: str, *, unit: OrgUnit, day: dt.date) -> str:
    return reverse("reports:figure", args=[key]) + "?" + urlencode({"unit": unit.code, "day": day.isoformat()})


def _shares(figures: list[ShownFigure]) -> list[ShownFigure]:
    top = max((f.value for f in figures), default=0)
    for f in figures:
        f.share = round(100 * f.value / top, 1) if top else 0.0
    return figures


def home_figures(*, unit: OrgUnit, day: dt.date, window: Window, homes: tuple[str, ...]) -> dict[str, list]:
    """The catalog's figures placed on the home page in `homes`, by place, each with its parts when the catalog
    shows them there; all counted in one call of the engine (figures of one source and shape share a query)."""
    figures = [f for f in catalog.figures_all() if f.home in homes]
    parts = catalog.figures_by_key({p for f in figures if f.home_parts for p in f.parts})
    counted = list({f.key: f for f in [*figures, *parts.values()]}.values())
    values = catalog.figures_values(counted, unit=unit, window=window)
    texts = dict(zip([f.key for f in counted], definitions([f.expression for f in counted]), strict=True))

    def shown(f: "Figure", with_parts: bool) -> ShownFigure:
        return ShownFigure(f.key, f.label, values[f.key], figure_url(f.key, unit=unit, day=day),
                           definition=texts[f.key], overlap=f.parts_overlap,
                           parts=_shares([shown(parts[p], False) for p in f.parts if p in parts]) if with_parts else [])

    out = {home: [] for home in homes}
    for f in figures:
        out[f.home].append(shown(f, f.home_parts))
    return {home: _shares(items) for home, items in out.items()}


# -- the trends ----------------------------------------------------------------------------------------------------

def _single(figure: "Figure | None", name: str, when: str) -> list[str] | None:
    """The codes of a figure counted by one condition "name in (…)" with the time sense `when`, else None."""
    if figure is None:
        return None
    condition = parsed(figure.expression).condition
    if (isinstance(condition, Predicate) and condition.name == name and condition.op in ("=", "in")
            and condition.when.kind == when):
        return [str(v) for v in condition.values]
    return None


def _engine_by_day(figure: "Figure", *, unit: OrgUnit, days: list[dt.date], last: Window) -> dict[dt.date, int]:
    """A figure counted day by day through the engine (a figure of another shape than the trends know)."""
    out = {}
    for d in days:
        window = last if d == days[-1] else catalog.day_window(d)
        out[d] = sum(indicators_counts([figure.expression], window=window, under=unit.path)[0].values())
    return out


def trends(*, unit: OrgUnit, day: dt.date, window: Window, new_value: int, managed_value: int) -> tuple[Chart, Chart]:
    """全部人员·今日新增 and 全部人员·正在管理 over the TREND_DAYS up to `day`, each day at its statistical time
    point: two queries over the window's episodes, a conditional count per day (compared in SQL, no per-row
    function), the managed line going back from the day's count."""
    minutes = round((window.period_start + dt.timedelta(days=1) - day_start(day)).total_seconds() / 60)
    first = day - dt.timedelta(days=TREND_DAYS - 1)
    days = [first + dt.timedelta(days=i) for i in range(TREND_DAYS)]
    figures = catalog.figures_by_key([PEOPLE_NEW, PEOPLE_MANAGED])
    new_figure, managed_figure = figures.get(PEOPLE_NEW), figures.get(PEOPLE_MANAGED)

    points = [day_moment(d, minutes=minutes) for d in [first - ONE_DAY, *days]]  # each day's point, and the one before
    codes = _single(new_figure, "category", "started_in_period")
    if codes is not None:  # people who came into the categories in each day's period: [previous point, point)
        arrived = dict(zip(days, people_arrived_by_period(under=unit.path, categories=codes, points=points,
                                                          until=window.cutoff), strict=True))
    else:
        arrived = _engine_by_day(new_figure, unit=unit, days=days, last=window) if new_figure else {}
    arrived[day] = new_value  # the day's own figure, as the page shows it

    codes = _single(managed_figure, "status", "now")
    if codes is not None:  # held at each point: going back from the day's count, (previous point, point]
        changes = people_status_changes_by_period(under=unit.path, statuses=codes, points=points[1:],
                                                  until=window.cutoff)
        managed, count = {}, managed_value
        for i in range(len(days) - 1, -1, -1):
            managed[days[i]] = count
            if i:
                started, ended = changes[i - 1]
                count += ended - started
    else:
        managed = _engine_by_day(managed_figure, unit=unit, days=days, last=window) if managed_figure else {}
    per_day = _("%(label)s, each day at its statistical time point")
    return (bars_chart([Point(d, arrived.get(d, 0), figure_url(PEOPLE_NEW, unit=unit, day=d)) for d in days],
                       key="arrivals", title=per_day % {"label": new_figure.label if new_figure else ""}),
            line_chart([Point(d, managed.get(d, 0)) for d in days], key="managed",
                       title=per_day % {"label": managed_figure.label if managed_figure else ""}))
