"""Small charts drawn on the server as inline SVG (no script, nothing fetched): a bar per day, or a line.

The functions compute the geometry; dashboard/_chart.html draws it. Coordinates are strings with one
decimal, so the template never localises a number into the markup.
"""

import datetime as dt
from dataclasses import dataclass, field

WIDTH, HEIGHT = 360, 150
LEFT, RIGHT, TOP, BOTTOM = 30, 6, 8, 18  # margins: the y labels on the left, the dates below


@dataclass(frozen=True)
class Point:
    day: dt.date
    value: int
    url: str = ""


@dataclass
class Mark:
    """A bar (x, y, width, height) or a dot (x, y) with its value, its date and the list it opens."""

    x: str
    y: str
    value: int
    day: dt.date
    url: str = ""
    width: str = ""
    height: str = ""

    @property
    def label(self) -> str:
        return self.day.isoformat()


@dataclass
class Tick:
    position: str
    label: str


@dataclass
class Chart:
    key: str
    title: str
    kind: str  # "bars" or "line"
    marks: list[Mark]
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    line: str = ""  # the path of a line chart
    width: int = WIDTH
    height: int = HEIGHT
    plot: dict = field(default_factory=dict)  # left, right, top, bottom of the plotting area


def _f(value: float) -> str:
    return f"{value:.1f}"


def nice_ceiling(value: int) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50… at or above `value` (at least 1): the top of the scale."""
    step = 1
    while True:
        for m in (1, 2, 5):
            if step * m >= value:
                return step * m
        step *= 10


def _frame(points: list[Point]) -> tuple[int, float, float, float, float]:
    top = nice_ceiling(max((p.value for p in points), default=0))
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(points), 1)
    return top, plot_w, plot_h, slot, HEIGHT - BOTTOM


def _ticks(points: list[Point], top: int, plot_h: float, slot: float) -> tuple[list[Tick], list[Tick]]:
    base = HEIGHT - BOTTOM
    y_ticks = [Tick(_f(base - plot_h * v / top), str(v)) for v in sorted({0, top // 2 if top % 2 == 0 else 0, top})]
    n = len(points)
    shown = sorted(range(n - 1, -1, -7))  # a date a week, back from the last day
    x_ticks = [Tick(_f(LEFT + slot * (i + 0.5)), points[i].day.strftime("%m-%d")) for i in shown]
    return y_ticks, x_ticks


def bars_chart(points: list[Point], *, key: str, title: str) -> Chart:
    """A bar per point (a day), each linking to its list."""
    top, _plot_w, plot_h, slot, base = _frame(points)
    marks = []
    for i, p in enumerate(points):
        h = plot_h * p.value / top
        marks.append(Mark(x=_f(LEFT + slot * i + slot * 0.1), y=_f(base - h), width=_f(slot * 0.8),
                          height=_f(h), value=p.value, day=p.day, url=p.url))
    y_ticks, x_ticks = _ticks(points, top, plot_h, slot)
    return Chart(key=key, title=title, kind="bars", marks=marks, y_ticks=y_ticks, x_ticks=x_ticks,
                 plot={"left": LEFT, "right": WIDTH - RIGHT, "top": TOP, "bottom": base})


def line_chart(points: list[Point], *, key: str, title: str) -> Chart:
    """A line through the points (one a day), a dot on each."""
    top, _plot_w, plot_h, slot, base = _frame(points)
    marks = [Mark(x=_f(LEFT + slot * (i + 0.5)), y=_f(base - plot_h * p.value / top), value=p.value, day=p.day,
                  url=p.url) for i, p in enumerate(points)]
    line = " ".join(f"{'M' if i == 0 else 'L'}{m.x},{m.y}" for i, m in enumerate(marks))
    y_ticks, x_ticks = _ticks(points, top, plot_h, slot)
    return Chart(key=key, title=title, kind="line", marks=marks, y_ticks=y_ticks, x_ticks=x_ticks, line=line,
                 plot={"left": LEFT, "right": WIDTH - RIGHT, "top": TOP, "bottom": base})
