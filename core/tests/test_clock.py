"""Every app takes local days from core.clock: a day runs from its local midnight to the next, in Shanghai (no
daylight saving time) and in a zone that changes its clocks, even at midnight."""

import datetime as dt
import re
from pathlib import Path

import pytest
import time_machine
from django.test import override_settings
from django.utils import timezone

from core import clock

ROOT = Path(__file__).resolve().parents[2]
UTC = dt.UTC


def _utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def _hours(bounds: tuple[dt.datetime, dt.datetime]) -> float:
    start, end = bounds  # in UTC: between two times of one zone Python subtracts the wall clock's readings
    return (end.astimezone(UTC) - start.astimezone(UTC)).total_seconds() / 3600


def test_a_shanghai_day_runs_from_its_midnight_at_utc_plus_8_to_the_next():
    start, end = clock.day_bounds(dt.date(2020, 5, 21))
    assert (start, end) == (_utc(2020, 5, 20, 16), _utc(2020, 5, 21, 16))
    assert start.tzinfo is not None and timezone.localtime(start).time() == dt.time()
    assert clock.day_start(dt.date(2020, 5, 21)) == start


def test_days_bounds_hold_both_the_first_and_the_last_day():
    assert clock.days_bounds(dt.date(2020, 5, 1), dt.date(2020, 5, 31)) == (_utc(2020, 4, 30, 16), _utc(2020, 5, 31, 16))
    assert clock.days_bounds(dt.date(2020, 5, 21), dt.date(2020, 5, 21)) == clock.day_bounds(dt.date(2020, 5, 21))


@override_settings(TIME_ZONE="Europe/Berlin")
def test_a_day_lasts_23_hours_when_the_clocks_go_forward_and_25_when_they_go_back():
    assert _hours(clock.day_bounds(dt.date(2020, 3, 29))) == 23
    assert _hours(clock.day_bounds(dt.date(2020, 10, 25))) == 25
    assert _hours(clock.day_bounds(dt.date(2020, 5, 21))) == 24
    assert clock.day_start(dt.date(2020, 3, 29)) == _utc(2020, 3, 28, 23)  # still winter time at midnight
    assert clock.day_start(dt.date(2020, 3, 30)) == _utc(2020, 3, 29, 22)
    assert clock.local_at(dt.date(2020, 3, 29), dt.time(8)) == _utc(2020, 3, 29, 6)  # 08:00 on the wall clock


@override_settings(TIME_ZONE="America/Havana")
def test_a_day_whose_midnight_is_skipped_begins_when_the_clocks_jump():
    """Havana went from 00:00 to 01:00 on 12 March 2023: that day began at 05:00 UTC and lasted 23 hours."""
    start, end = clock.day_bounds(dt.date(2023, 3, 12))
    # (an aware 00:00 that the clocks skip equals no time of another zone: compared in UTC)
    assert start.astimezone(UTC) == _utc(2023, 3, 12, 5) and _hours((start, end)) == 23
    assert clock.day_bounds(dt.date(2023, 3, 11))[1].astimezone(UTC) == start.astimezone(UTC)  # the days meet
    assert timezone.localtime(start.astimezone(UTC)).time() == dt.time(1)
    assert clock.first_day_from(start) == dt.date(2023, 3, 12)
    assert clock.last_day_before(start) == dt.date(2023, 3, 11)


def _moments(first: dt.datetime, hours: int):
    return [first + dt.timedelta(minutes=30 * n) for n in range(2 * hours)]


@pytest.mark.parametrize("zone, first", [
    ("Asia/Shanghai", _utc(2020, 5, 19)), ("Europe/Berlin", _utc(2020, 3, 27)), ("Europe/Berlin", _utc(2020, 10, 23)),
    ("America/Havana", _utc(2023, 3, 10)), ("America/Havana", _utc(2023, 11, 3))])
def test_first_day_from_and_last_day_before_find_the_days_beginning_around_a_moment(zone, first):
    with override_settings(TIME_ZONE=zone):
        days = [first.date() + dt.timedelta(days=n) for n in range(-2, 8)]
        for moment in _moments(first, 96):
            assert clock.first_day_from(moment) == min(d for d in days if clock.day_start(d) >= moment), moment
            assert clock.last_day_before(moment) == max(d for d in days if clock.day_start(d) < moment), moment
            start, end = clock.day_bounds(timezone.localdate(moment))
            assert start <= moment < end  # the moment's local day holds it


def test_in_shanghai_the_day_finders_agree_with_reading_the_wall_clock():
    """The expression the report engine's fact sources used before core.clock, on every half hour of two days."""
    for moment in _moments(_utc(2020, 5, 19, 15), 48):
        local = timezone.localtime(moment)
        assert clock.first_day_from(moment) == (local.date() if local.time() == dt.time()
                                                else local.date() + dt.timedelta(days=1))
        assert clock.last_day_before(moment) == (local.date() if local.time() > dt.time()
                                                 else local.date() - dt.timedelta(days=1))


def test_aware_reads_a_date_as_its_midnight_and_a_naive_time_as_local():
    assert clock.aware(None) is None
    assert clock.aware(dt.date(2020, 5, 21)) == _utc(2020, 5, 20, 16)
    assert clock.aware(dt.datetime(2020, 5, 21, 9, 30)) == _utc(2020, 5, 21, 1, 30)
    moment = _utc(2020, 5, 21, 9, 30)
    assert clock.aware(moment) is moment


def test_today_is_the_local_date_not_the_utc_one():
    with time_machine.travel(_utc(2020, 5, 20, 17), tick=False):  # 01:00 on 21 May in Shanghai
        assert clock.today() == dt.date(2020, 5, 21)
    with override_settings(TIME_ZONE="America/Havana"), time_machine.travel(_utc(2020, 5, 21, 3), tick=False):
        assert clock.today() == dt.date(2020, 5, 20)


MIDNIGHT_BY_HAND = re.compile(
    r"combine\([^()]*(?:\([^()]*\))?[^()]*,\s*(?:dt\.|datetime\.)?time\(\)"  # combine(day, time()) …
    r"|replace\(hour=0, minute=0"  # … localtime().replace(hour=0, …)
    r"|def (?:_midnight|day_start|_day_bounds)\b")


def test_no_module_outside_core_clock_computes_local_midnight_by_hand():
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        parts = relative.split("/")
        if parts[0].startswith(".") or "migrations" in parts or "tests" in parts or relative == "core/clock.py":
            continue
        found += [f"{relative}:{n}" for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                  if MIDNIGHT_BY_HAND.search(line)]
    assert found == [], "use core.clock (day_start, day_bounds, local_at …): " + ", ".join(found)
