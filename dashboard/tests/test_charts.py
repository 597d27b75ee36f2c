"""The server-drawn charts: the scale's top, the bars' and the line's geometry, the dates shown."""

import datetime as dt

from dashboard.charts import BOTTOM, HEIGHT, TOP, Point, bars_chart, line_chart, nice_ceiling

DAYS = [dt.date(2020, 5, 1) + dt.timedelta(days=i) for i in range(30)]


def test_scale_tops_are_round():
    assert [nice_ceiling(v) for v in (0, 1, 2, 3, 7, 10, 11, 49, 51, 999)] == [1, 1, 2, 5, 10, 10, 20, 50, 100, 1000]


def test_bars_rise_in_proportion_from_the_base():
    chart = bars_chart([Point(d, i, f"/x/{d}") for i, d in enumerate(DAYS)], key="k", title="t")
    base = HEIGHT - BOTTOM
    assert len(chart.marks) == 30 and chart.marks[0].height == "0.0"
    tallest = chart.marks[-1]  # 29 of a scale topped at 50
    assert abs(float(tallest.height) - (base - TOP) * 29 / 50) < 0.1
    assert abs(float(tallest.y) + float(tallest.height) - base) < 0.1
    assert [t.label for t in chart.y_ticks] == ["0", "25", "50"]
    assert [t.label for t in chart.x_ticks] == ["05-02", "05-09", "05-16", "05-23", "05-30"]
    assert tallest.url == "/x/2020-05-30" and tallest.label == "2020-05-30"


def test_a_line_goes_through_every_day():
    chart = line_chart([Point(d, 3) for d in DAYS], key="k", title="t")
    assert chart.line.startswith("M") and chart.line.count("L") == 29
    assert len({m.y for m in chart.marks}) == 1
    empty = line_chart([Point(d, 0) for d in DAYS[:1]], key="k", title="t")
    assert [t.label for t in empty.y_ticks] == ["0", "1"] and empty.marks[0].y == f"{HEIGHT - BOTTOM:.1f}"
