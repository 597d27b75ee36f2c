"""Local days: the day a moment falls on, the moment a day begins, and the [start, end) bounds of days.

Fangkong counts by the local day of settings.TIME_ZONE (the current time zone: no request activates another):
a day's report, roster, log or gate list holds what happened from its local midnight up to the next one. Every
app asks here rather than combining a date with midnight itself, so that all of them agree on where a day
begins and ends, in any zone. Asia/Shanghai keeps no daylight saving time, but the code stays right where a
zone does: a day lasts 23 or 25 hours across a change, and a day whose midnight is skipped begins at the first
instant it has (a missing 00:00 is read with the offset before the change, which is the instant the clocks
jump). Moments are aware datetimes; adding hours to a day's start counts hours on the wall clock, as every
caller means ("08:00 on that day").

core.timebounds is the other half of time in core: the years a date from a user may lie in.
"""

import datetime as dt

from django.utils import timezone

DAY = dt.timedelta(days=1)


def today() -> dt.date:
    """The local date now."""
    return timezone.localdate()


def day_start(day: dt.date) -> dt.datetime:
    """The moment local `day` begins: its midnight, aware."""
    return local_at(day, dt.time())


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of local `day`: its midnight and the next day's."""
    return day_start(day), day_start(day + DAY)


def days_bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of the local days `first` to `last`, both included."""
    return day_start(first), day_start(last + DAY)


def day_moment(day: dt.date, *, minutes: int) -> dt.datetime:
    """The moment the wall clock shows `minutes` past local `day`'s midnight: a form's statistical time point
    (1440, a 24:00 cut-off, is the next midnight)."""
    return day_start(day) + dt.timedelta(minutes=minutes)


def local_at(day: dt.date, time: dt.time) -> dt.datetime:
    """The moment the wall clock shows `time` on local `day`, aware."""
    return timezone.make_aware(dt.datetime.combine(day, time))


def aware(value: dt.datetime | dt.date | None) -> dt.datetime | None:
    """A moment from a caller: an aware datetime as it is, a naive one read as local time, a date as its local
    midnight; None stays None."""
    if value is None:
        return None
    if not isinstance(value, dt.datetime):
        return day_start(value)
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def first_day_from(moment: dt.datetime) -> dt.date:
    """The first local day that begins at or after `moment`."""
    day = timezone.localdate(moment)
    return day if day_start(day) >= moment else day + DAY


def last_day_before(moment: dt.datetime) -> dt.date:
    """The last local day that begins before `moment`."""
    day = timezone.localdate(moment)
    return day if day_start(day) < moment else day - DAY


def day_of(moment: dt.datetime) -> dt.date:
    """The local day `moment` falls on."""
    return timezone.localdate(moment)
