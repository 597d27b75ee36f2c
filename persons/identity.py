"""Identity documents, phones and names: normalising what people type and checking it.

Pure functions, no database: the register form, the API and the bulk import all use them.
"""

import datetime as dt
import re
import unicodedata
from functools import lru_cache

from django.utils.translation import gettext as _
from pypinyin import Style, lazy_pinyin
from stdnum.cn import ric

_PHONE_JUNK = re.compile(r"[\s\-()]")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_RESIDENT_ID = re.compile(r"^\d{17}[\dX]$")
_OTHER_DOC = re.compile(r"^[0-9A-Z()\-]{4,32}$")
_EARLIEST_BIRTH = dt.date(1890, 1, 1)


def half_width(text: str) -> str:
    """Full-width letters, digits and punctuation to their ASCII forms (NFKC); ideographs unchanged."""
    if not text:
        return ""
    if text.isascii():  # ASCII is its own NFKC form; the import calls this millions of times
        return text
    return unicodedata.normalize("NFKC", text)


def normalize_name(raw: str) -> str:
    """A person's name: half-width, outer spaces removed, inner runs of spaces collapsed (foreign names)."""
    # half_width inlined, and str.split() in place of a regular expression (both take the same
    # characters for whitespace): the import runs this five times per row of a million-row file.
    if not raw:
        return ""
    if not raw.isascii():
        raw = unicodedata.normalize("NFKC", raw)
    return " ".join(raw.split())


def normalize_doc_number(raw: str) -> str:
    """A document number: half-width, every space removed, letters upper-case (x → X)."""
    if not raw:
        return ""
    if not raw.isascii():
        raw = unicodedata.normalize("NFKC", raw)
    return "".join(raw.split()).upper()


def resident_id_check(number: str, *, today: dt.date) -> tuple[dt.date, str]:
    """Check a normalised resident ID number and return (birth date, sex 'M'/'F').

    GB 11643: 6-digit region code, 8-digit birth date, 3-digit sequence (odd for men), check digit.
    The region code is not checked against any list: numbers keep the code they were issued under,
    so a retired code, or one newer than the birth year, is valid. Raises ValueError with the reason.
    """
    if len(number) != 18:
        raise ValueError(_("A resident ID number has 18 characters; this one has %(n)d.") % {"n": len(number)})
    if not _RESIDENT_ID.match(number):
        raise ValueError(_("A resident ID number is 17 digits followed by a digit or X."))
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValueError(_("Characters 7–14 (%(d)s) are not a valid birth date.") % {"d": number[6:14]}) from None
    if birth > today:
        raise ValueError(_("The birth date %(d)s is in the future.") % {"d": birth.isoformat()})
    if birth < _EARLIEST_BIRTH:
        raise ValueError(_("The birth date %(d)s is too early to be real.") % {"d": birth.isoformat()})
    expected = ric.calc_check_digit(number)
    if number[17] != expected:
        raise ValueError(_("The check digit is wrong (expected %(x)s): a character was mistyped.") % {"x": expected})
    return birth, ("M" if int(number[16]) % 2 else "F")


def other_doc_check(number: str) -> None:
    """Passports and permits: 4–32 letters, digits, hyphens or brackets."""
    if not _OTHER_DOC.match(number):
        raise ValueError(_("A document number is 4–32 letters, digits, hyphens or brackets."))


def normalize_phone(raw: str) -> str:
    """A mainland mobile number: half-width, spaces and hyphens removed, +86/0086 prefix dropped.

    Returns '' for empty input; raises ValueError when it is not a mobile number."""
    text = half_width(raw)
    if not text.isdigit():
        text = _PHONE_JUNK.sub("", text)
    if not text:
        return ""
    for prefix in ("+86", "0086", "86"):
        if text.startswith(prefix) and len(text) == len(prefix) + 11:
            text = text[len(prefix):]
            break
    if not _MOBILE.match(text):
        raise ValueError(_("A mobile number has 11 digits starting with 13–19, e.g. 13812345678."))
    return text


@lru_cache(maxsize=30000)
def _initial(char: str) -> str:
    if char.isascii():
        return char.lower() if char.isalnum() else ""
    letters = lazy_pinyin(char, style=Style.FIRST_LETTER, errors="ignore")
    return letters[0][:1].lower() if letters else ""


def pinyin_initials(name: str) -> str:
    """The pinyin initials of a name, e.g. 张三丰 → zsf (per character; ASCII letters kept)."""
    return "".join([_initial(c) for c in name if not c.isspace()])[:50]


def mask_doc(number: str) -> str:
    """Mask a document number for lists: first 6 and last 4 characters of an ID, fewer for short ones."""
    if len(number) >= 14:
        return number[:6] + "*" * (len(number) - 10) + number[-4:]
    if len(number) > 4:
        return number[:2] + "*" * (len(number) - 4) + number[-2:]
    return "*" * len(number)


def mask_phone(phone: str) -> str:
    """Mask a phone for lists: 138****5678."""
    return phone[:3] + "****" + phone[-4:] if len(phone) == 11 else ("*" * len(phone))
