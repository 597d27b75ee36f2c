"""A length of time as people say it: 2 天 3 小时, 5 小时 20 分钟, 12 分钟 (the two largest units that are not zero),
in the current language. Boards, queues and countdowns show durations through here, never as raw minutes."""

import datetime as dt

from django.utils.translation import gettext as _


def _days(n: int) -> str:
    return _("%(n)d d") % {"n": n}


def _hours(n: int) -> str:
    return _("%(n)d h") % {"n": n}


def _minutes(n: int) -> str:
    return _("%(n)d min") % {"n": n}


def duration_text(value: int | float | dt.timedelta) -> str:
    """`value` (minutes, or a timedelta; its sign is ignored) in days and hours, hours and minutes, or minutes."""
    minutes = int(abs(value.total_seconds() if isinstance(value, dt.timedelta) else value * 60) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        parts = [_days(days)] + ([_hours(hours)] if hours else [])
    elif hours:
        parts = [_hours(hours)] + ([_minutes(minutes)] if minutes else [])
    else:
        parts = [_minutes(minutes)]
    return _("%(first)s %(second)s") % {"first": parts[0], "second": parts[1]} if len(parts) == 2 else parts[0]
