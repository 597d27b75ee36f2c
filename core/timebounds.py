"""The dates and times Fangkong takes from users: from 1900 to 2100, the one bound every entry point applies.

A date such as 0001-01-01 or 9999-12-31 is a typing mistake or an attack, never a fact of the outbreak, and it
breaks the code that handles it: shifting 9999-12-31 23:59 UTC to local time (UTC+8) overflows Python's dates,
and a date of year 1 at local midnight lies before year 1 in UTC. Every date or time a user sends is checked
here — by the API for every parameter and body field (fangkong.api), by every form field that reads one
(core.apps), by the indicator language (reports.expressions) — and services check what their domain adds (a
task due within a year, a health check no earlier than its person came under management). Years are whole
here, so that a time zone shift of up to a day stays inside Python's range and both databases'.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.errors import DomainError

EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2100, 12, 31)


def out_of_range(value) -> str | None:
    """The reason a date or datetime from a user cannot be taken (outside EARLIEST..LATEST), or None."""
    if isinstance(value, dt.date) and not EARLIEST.year <= value.year <= LATEST.year:
        return _("The date %(value)s is not valid: dates run from %(first)s to %(last)s.") % {
            "value": f"{value.year:04d}-{value.month:02d}-{value.day:02d}",
            "first": EARLIEST.isoformat(), "last": LATEST.isoformat()}
    return None


def date_validate(value) -> None:
    """A form field's validator: ValidationError for a date or datetime outside the range."""
    reason = out_of_range(value)
    if reason:
        raise ValidationError(reason, code="date_out_of_range")


def dates_check(values: dict, *, code: str = "invalid_date") -> None:
    """For services: DomainError naming each field (the keys of `values`) whose date is outside the range."""
    fields = {name: [reason] for name, reason in ((n, out_of_range(v)) for n, v in values.items()) if reason}
    if fields:
        raise DomainError(code, next(iter(fields.values()))[0], fields=fields)


def day_parse(text: str | None) -> dt.date | None:
    """The day a page is asked for (?day=2020-05-21): a date typed as YYYY-MM-DD within the years allowed, else
    None, and the page shows its default day."""
    try:
        day = dt.date.fromisoformat((text or "").strip())
    except ValueError:
        return None
    return None if out_of_range(day) else day
