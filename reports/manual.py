"""Manual cells, the facts a report holds that the line list does not (涉及小区数): reading what is typed, and
the cells still blank when the report is submitted. Messages name a cell by its row unit and its column's label;
the `fields` of an error are keyed "<row unit code>.<column key>" for programs (the API, the Excel import) and
are shown on the page next to the cell they concern, never by their key."""

import unicodedata

from django.utils import translation
from django.utils.translation import gettext as _

from core.errors import DomainError
from reports.models import Submission

NONE_WORDS = {"无", "没有", "零", "無"}  # typed for none: stored as 0, as a count of none is
MAX_DIGITS = 9


def cell_key(row: str, column: str) -> str:
    return f"{row}.{column}"


def value_read(value) -> int | None:
    """A manual cell as typed: a whole number of 0 or more (full-width digits too), 无 (or 0) for none; None when
    blank. ValueError for anything else."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise ValueError(value)
        number = int(value)
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip()
        if not text:
            return None
        if text in NONE_WORDS:
            return 0
        if not (text.isascii() and text.isdigit()) or len(text.lstrip("0")) > MAX_DIGITS:
            raise ValueError(value)
        number = int(text)
    if number < 0 or number >= 10**MAX_DIGITS:
        raise ValueError(value)
    return number


def expected() -> str:
    return _("Fill in a whole number of 0 or more, e.g. 2; 0 or 无 when there are none.")


def _labels(submission: Submission) -> dict[str, str]:
    english = (translation.get_language() or "").startswith("en")
    return {c["key"]: c.get("label_en" if english else "label_zh") or c["key"] for c in submission.version.columns}


def _names(submission: Submission) -> dict[str, str]:
    return {r["unit"]: r["name"] for r in submission.values.get("rows", [])}


def cell_name(submission: Submission, row: str, column: str) -> str:
    """A cell as people name it: 三元社区·涉及小区数."""
    return f"{_names(submission).get(row, submission.unit.name)}·{_labels(submission).get(column, '')}"


def manual_read(submission: Submission, values: dict) -> dict[str, dict[str, int | None]]:
    """The typed cells ({row code: {column key: value}}) read: {row: {key: number, or None to clear}}; a mistake
    refuses them all, each cell's reason under its key and the message naming every wrong cell with what was
    typed."""
    manual_keys = {c["key"] for c in submission.version.columns if c["kind"] == "manual"}
    rows = set(_names(submission))
    clean: dict[str, dict[str, int | None]] = {}
    errors: dict[str, list[str]] = {}
    wrong: list[str] = []
    for row, cells in (values or {}).items():
        for key, value in (cells or {}).items():
            if row not in rows or key not in manual_keys:
                errors.setdefault(cell_key(row, key), []).append(_("Not a manual cell of this report."))
                continue
            try:
                clean.setdefault(row, {})[key] = value_read(value)
            except ValueError:
                errors.setdefault(cell_key(row, key), []).append(expected())
                wrong.append(_("%(cell)s (“%(typed)s”)") % {"cell": cell_name(submission, row, key),
                                                            "typed": str(value)[:20]})
    if errors:
        message = (_("Not a whole number of 0 or more: %(cells)s. %(expected)s")
                   % {"cells": "、".join(wrong), "expected": expected()} if wrong
                   else _("Some cells are not manual cells of this report."))
        raise DomainError("invalid_cells", message, fields=errors)
    return clean


def manual_merge(stored: dict, clean: dict) -> dict:
    """The stored manual cells with the typed ones applied (None clears a cell)."""
    merged = {row: dict(cells) for row, cells in (stored or {}).items()}
    for row, cells in clean.items():
        for key, value in cells.items():
            if value is None:
                merged.get(row, {}).pop(key, None)
            else:
                merged.setdefault(row, {})[key] = value
    return {row: cells for row, cells in merged.items() if cells}


def blank_refuse(submission: Submission) -> None:
    """Refuse to submit a report with a manual cell left blank (0 or 无 is an answer, blank is not), naming each."""
    manual_keys = [c["key"] for c in submission.version.columns if c["kind"] == "manual"]
    blank = [(r["unit"], key) for r in submission.values.get("rows", []) for key in manual_keys
             if r["cells"].get(key) in (None, "")]
    if not blank:
        return
    raise DomainError(
        "manual_blank", _("Fill in %(cells)s before submitting: 0 or 无 when there are none.")
        % {"cells": "、".join(cell_name(submission, row, key) for row, key in blank)},
        fields={cell_key(row, key): [_("Required: a whole number, 0 or 无 when there are none.")]
                for row, key in blank})
