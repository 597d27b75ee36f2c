"""Durations read as people say them: the two largest units of days, hours and minutes, in the reader's language."""

import datetime as dt

from django.template import Context, Template
from django.utils import translation

from core.durations import duration_text


def test_durations_in_days_hours_and_minutes():
    with translation.override("zh-hans"):
        assert duration_text(57352 * 60 + 7) == "2389 天 16 小时"  # days and hours; minutes left out
        assert duration_text(48 * 60) == "2 天"
        assert duration_text(115) == "1 小时 55 分钟"
        assert duration_text(-125) == "2 小时 5 分钟"  # overdue: the sign is the sentence's
        assert duration_text(0) == "0 分钟"
        assert duration_text(dt.timedelta(days=1, minutes=3)) == "1 天"
    with translation.override("en"):
        assert duration_text(115) == "1 h 55 min"


def test_templates_show_minutes_through_the_duration_filter():
    with translation.override("zh-hans"):
        rendered = Template("{% load durations %}{{ m|duration }}|{{ none|duration }}").render(
            Context({"m": 3 * 24 * 60 + 60, "none": None}))
    assert rendered == "3 天 1 小时|"
