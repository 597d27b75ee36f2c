"""The manual cells of a report read back from a workbook in the exported layout (reports.exporting)."""

import datetime as dt
import math
import re
import unicodedata
from decimal import Decimal

from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from core.actors import Actor
from core.errors import DomainError
from core.tabular import XLSX, Limits, clip, date_for_reader, sheet_rows, table_inspect, workbook_open
from reports.exporting import HEADER_UNIT, TOTAL, sheet_title
from reports.models import Form, FormVersion, Submission
from reports.services import submission_manual_set

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UPLOAD_ROWS = 5000  # a form's rows are units: a few hundred at most
# The lines above the table that name the unit and the day, and the first line below it.
_UNIT_LABEL = re.compile(r"填报单位[:：]\s*(.*?)\s*(?:统计时间|$)")
_DAY_LABEL = re.compile(r"统计时间[:：]\s*(\d{4})(?:-(\d{1,2})-(\d{1,2})|年(\d{1,2})月(\d{1,2})日)")
_FOOTER_START = "填报人"


def _text(value) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", str(value))).strip() if value is not None else ""


def _sheet_day(text: str) -> dt.date | None:
    """The day a 统计时间 line names (2020年5月21日, or 2020-05-21 as older files wrote it)."""
    found = _DAY_LABEL.search(text)
    if not found:
        return None
    year, month, day = int(found[1]), int(found[2] or found[4]), int(found[3] or found[5])
    try:
        return dt.date(year, month, day)
    except ValueError:
        return dt.date.min


def _sheet_for(workbook, form: Form, table):
    by_title = {ws.title: ws for ws in workbook.worksheets}
    if sheet_title(form) in by_title:
        return by_title[sheet_title(form)]
    name = _text(form.name_zh)
    for ws in workbook.worksheets:
        _line, first = next(sheet_rows(ws, table), (1, ()))
        if first and (_text(first[0]) == name or _text(first[0]).startswith(name + "（")):
            return ws
    if len(workbook.worksheets) == 1:
        return workbook.worksheets[0]
    raise DomainError("no_sheet", _("The workbook has no sheet for %(form)s.") % {"form": form.name_zh})


def _cell_name(line: int, column: int) -> str:
    return f"{get_column_letter(column)}{line}"


def _header(rows: list[tuple[int, tuple]], version: FormVersion) -> tuple[int, int, dict[int, str]]:
    """(header row, column of the row names, {column: column key}) of the sheet's table, among its first 30
    rows; columns are counted from 1."""
    names: dict[str, str] = {}
    for column in version.columns:
        for label in (column.get("label_zh"), column.get("label_en"), column["key"]):
            if label:
                names.setdefault(_text(label).lower(), column["key"])
    best: tuple[int, int, dict[int, str]] = (0, 0, {})
    for line, cells in rows[:30]:
        found = {i: names[_text(v).lower()] for i, v in enumerate(cells, start=1)
                 if v is not None and _text(v).lower() in names}
        if len(set(found.values())) > len(set(best[2].values())):
            left = [i for i, v in enumerate(cells, start=1) if i < min(found) and _text(v)]
            named = [i for i in left if _text(cells[i - 1]) == HEADER_UNIT]
            label_col = (named or left)[-1] if left else 1
            best = (line, label_col, found)
    return best


def _number(value) -> float | None:
    """The cell as a number; None when empty; ValueError when it is not a number."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise ValueError
    number = float(_text(value).replace(",", "")) if isinstance(value, str) else float(value)
    if not math.isfinite(number):
        raise ValueError
    return number


def manual_cells_from_xlsx(*, submission: Submission, data: bytes, by: Actor, lock_version: int | None = None,
                           name: str = "") -> dict:
    """Read the manual cells of `submission` from a workbook in the exported layout and save them.

    1. Find the form's sheet (by its name or title) and its header row (the row naming the most columns).
    2. Check the unit and the day on the line above it, when present.
    3. Read each row down to 合计: its name or code is a row unit, its manual columns numbers.
    4. Save through submission_manual_set (which recomputes the draft); importing the same cells
       again changes nothing. Returns {row unit code: {column key: number}}.
    Every mistake is named by its cell, e.g. "F7"; nothing is saved unless the whole sheet is right."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise DomainError("file_too_large", _("The file is larger than %(mb)d MB.")
                          % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)})
    table = table_inspect(data, name=name or _("the workbook"), limits=Limits.configured(rows=MAX_UPLOAD_ROWS))
    if table.kind != XLSX:
        raise DomainError("unreadable_file", _("This file is not an Excel workbook (.xlsx)."))
    with workbook_open(table) as workbook:
        sheet = _sheet_for(workbook, submission.form, table)
        title, lines = sheet.title, list(sheet_rows(sheet, table))
    version = submission.version
    header_row, label_col, keys = _header(lines, version)
    manual_keys = {c["key"] for c in version.columns if c["kind"] == "manual"}
    manual_cols = {col: key for col, key in sorted(keys.items()) if key in manual_keys}
    if not header_row:
        raise DomainError("no_header", _("No row of the sheet %(sheet)s names the report's columns.")
                          % {"sheet": title})
    if not manual_cols:
        labels = "、".join(c["label_zh"] for c in version.columns if c["kind"] == "manual")
        raise DomainError("no_manual_columns", _("The sheet %(sheet)s has no column to fill in by hand (%(labels)s).")
                          % {"sheet": title, "labels": labels or "—"})

    errors: dict[str, list[str]] = {}
    for line, cells in lines[:header_row - 1]:
        for column, value in enumerate(cells, start=1):
            text = _text(value)
            day = _sheet_day(text)
            if day and day != submission.day:
                errors.setdefault(_cell_name(line, column), []).append(
                    _("This sheet is for %(sheet_day)s; the report is for %(day)s.")
                    % {"sheet_day": date_for_reader(day), "day": date_for_reader(submission.day)})
            unit = _UNIT_LABEL.search(text)
            if unit and _text(unit.group(1)) != _text(submission.unit.name):
                errors.setdefault(_cell_name(line, column), []).append(
                    _("This sheet is for %(sheet_unit)s; the report is for %(unit)s.")
                    % {"sheet_unit": clip(unit.group(1)), "unit": submission.unit.name})

    rows = submission.values.get("rows", [])
    row_codes = {_text(r["name"]): r["unit"] for r in rows} | {_text(r["unit"]): r["unit"] for r in rows}
    values: dict[str, dict] = {}
    cells_of: dict[str, str] = {}
    seen: dict[str, str] = {}
    for line, cells in lines[header_row:]:
        name = _text(cells[label_col - 1]) if len(cells) >= label_col else ""
        if not name:
            continue
        if name == TOTAL or name.startswith(_FOOTER_START):
            break
        where = _cell_name(line, label_col)
        code = row_codes.get(name)
        if code is None:
            errors.setdefault(where, []).append(_("“%(name)s” is not a row of this report.") % {"name": clip(name)})
            continue
        if code in seen:
            errors.setdefault(where, []).append(
                _("%(name)s appears twice (also in %(cell)s).") % {"name": name, "cell": seen[code]})
            continue
        seen[code] = where
        for column, key in manual_cols.items():
            value = cells[column - 1] if column <= len(cells) else None
            try:
                number = _number(value)
            except (TypeError, ValueError):
                errors.setdefault(_cell_name(line, column), []).append(
                    _("“%(v)s” is not a number.") % {"v": clip(value)})
                continue
            if number is None:
                continue
            if number < 0:
                errors.setdefault(_cell_name(line, column), []).append(_("A count cannot be negative."))
                continue
            values.setdefault(code, {})[key] = int(number) if number.is_integer() else number
            cells_of[f"{code}.{key}"] = _cell_name(line, column)
    if errors:
        raise DomainError("invalid_workbook", _("The sheet %(sheet)s cannot be imported; correct the cells marked.")
                          % {"sheet": title}, fields=errors)
    if not values:
        raise DomainError("nothing_to_import", _("The sheet %(sheet)s has no manual cell filled in.")
                          % {"sheet": title})

    editable = submission.state in (Submission.State.DRAFT, Submission.State.RETURNED)
    unchanged = all(submission.manual.get(code, {}).get(key) == value
                    for code, cells in values.items() for key, value in cells.items())
    if editable and unchanged:
        return values
    try:
        submission_manual_set(submission=submission, values=values, lock_version=lock_version, by=by)
    except DomainError as exc:
        exc.fields = {cells_of.get(k, k): v for k, v in exc.fields.items()}
        raise
    return values

