"""Dates as street and community sheets write them.

Besides what persons.validation.parse_date reads (2020-03-05, 2020/3/5, 2020.03.05, 2020年3月5日, 20200305, a date
and time), a sheet saved as CSV from Excel holds serial numbers (43920 is 2020-03-31), and a 台账 kept within one
year writes 3月27日 or 3-27 without it: such a date takes the year the importer confirmed, by default the most
common year of the file's other dates, and is refused when no year is known.
"""

import datetime as dt
import re
from collections import Counter

from django.utils.translation import gettext as _

from core.timebounds import out_of_range
from persons.identity import half_width
from persons.validation import parse_date

EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 1 is 1900-01-01 (Excel counts a 29 February 1900 that never was)
_SERIAL = re.compile(r"\d{5}(\.\d+)?")  # 10000–99999: 1927-05-18 to 2173-10-14
_NO_YEAR = re.compile(r"(\d{1,2})\s*(?:月|[-/.])\s*(\d{1,2})\s*[日号]?")
_TIME = re.compile(r"\s+\d{1,2}[:时].*$|T\d.*$")


def _text(value) -> str:
    return half_width(str(value)).strip()


def year_missing(value) -> bool:
    """Whether a cell is a date without its year (3月27日, 3-27)."""
    if value is None or isinstance(value, dt.date):
        return False
    return _NO_YEAR.fullmatch(_TIME.sub("", _text(value))) is not None


def _plain(text: str) -> dt.date | None:
    """The common spellings read without regular expressions (a million-row file has a date on every row):
    2020-03-05, 2020/3/5, 2020.3.5 and a serial number; None for anything else."""
    try:
        if len(text) == 10 and text[4] == "-" and text[7] == "-":
            return dt.date.fromisoformat(text)
        if text.isdigit():
            return EXCEL_EPOCH + dt.timedelta(days=int(text)) if len(text) == 5 else None
        for sep in "/.-":
            if text.count(sep) == 2:
                y, m, d = text.split(sep)
                return dt.date(int(y), int(m), int(d)) if len(y) == 4 else None
    except ValueError:
        return None
    return None


def date_cell(value, year: int | None) -> dt.date:
    """The date a cell holds; ValueError with the reason (in the active language) when it holds none."""
    if isinstance(value, dt.date):
        return parse_date(value)
    if value.__class__ is str and value.isascii():
        day = _plain(value.strip())
        if day is not None and out_of_range(day) is None:
            return day
    text = _TIME.sub("", _text(value))
    if _SERIAL.fullmatch(text):
        return parse_date(EXCEL_EPOCH + dt.timedelta(days=int(float(text))))
    found = _NO_YEAR.fullmatch(text)
    if found:
        if year is None:
            raise ValueError(_("%(v)s has no year, and none is known: give the year of such dates on the upload "
                               "page (the file has no other dates to take it from).") % {"v": value})
        try:
            return parse_date(dt.date(year, int(found[1]), int(found[2])))
        except ValueError:
            raise ValueError(_("%(v)s is not a date in %(year)d.") % {"v": value, "year": year}) from None
    return parse_date(text)


def years_counted(values) -> tuple[Counter, bool]:
    """(how many of `values` fall in each year, whether any lacks its year)."""
    years, missing = Counter(), False
    for value in values:
        if value in (None, ""):
            continue
        if year_missing(value):
            missing = True
            continue
        try:
            years[date_cell(value, None).year] += 1
        except ValueError:
            pass
    return years, missing
