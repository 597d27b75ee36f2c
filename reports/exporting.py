"""Report files: the day's forms of a unit as one xlsx workbook in the layout officials use, one report
as CSV, DHIS2 dataValueSets JSON keyed by codes; and the manual cells read back from an exported
workbook. Every export is audited.

Values come from the submission when there is one (as the report page shows them; submitted and
approved values are frozen), otherwise they are computed live from the line list.
"""

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass
from numbers import Number

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from core.audit import audit_record
from core.errors import DomainError
from core.tabular import (
    CSV,
    XLSX,
    Limits,
    clip,
    sheet_rows,
    table_bytes,
    table_inspect,
    workbook_bytes,
    workbook_new,
    workbook_open,
)
from orgunits.models import OrgUnit
from reports.engine import table_compute
from reports.models import Form, FormVersion, Submission
from reports.services import submission_manual_set

# The words of the official layout. The sheet goes to the office above, which reads the form in
# Chinese whatever language the exporter's screen is in, so these follow the form (like its
# name_zh and label_zh), not the user's language; the import below looks for the same words.
UNIT_LINE = "填报单位：{unit}    统计时间：{day} {cutoff}"
FOOTER = "填报人：{preparer}    审核人：{reviewer}    填报日期：{date}"
HEADER_UNIT = "单位"
TOTAL = "合计"
_UNIT_LABEL = re.compile(r"填报单位[:：]\s*(.*?)\s*(?:统计时间|$)")
_DAY_LABEL = re.compile(r"统计时间[:：]\s*(\d{4}-\d{2}-\d{2})")
_FOOTER_START = "填报人"

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UPLOAD_ROWS = 5000  # a form's rows are units: a few hundred at most
FONT_NAME = "宋体"
_THIN = Side(style="thin")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class ReportValues:
    """One form's table for a unit and a day, as exported."""

    form: Form
    version: FormVersion
    rows: list[dict]  # {"unit": code, "name", "cells": {key: value}}
    total: dict
    submission: Submission | None


def forms_for_day(*, unit: OrgUnit, day: dt.date) -> list[Form]:
    """The active forms units of `unit`'s kind submit, with criteria in force on `day`."""
    forms = Form.objects.filter(active=True, unit_kind=unit.kind, versions__effective_from__lte=day).distinct()
    return list(forms.order_by("order", "code"))


def report_values(*, form: Form, unit: OrgUnit, day: dt.date, submission: Submission | None = None) -> ReportValues:
    """The values of `form` for `unit` and `day`: the submission's if there is one, else computed live."""
    if submission is not None and submission.values.get("rows") is not None:
        return ReportValues(form=form, version=submission.version, rows=submission.values["rows"],
                            total=submission.values.get("total", {}), submission=submission)
    table = table_compute(form=form, unit=unit, day=day, manual=submission.manual if submission else None)
    return ReportValues(form=form, version=table.version, rows=table.rows, total=table.total, submission=submission)


def day_values(*, unit: OrgUnit, day: dt.date) -> list[ReportValues]:
    """Every form of `unit` for `day`, in form order; a DomainError if none applies."""
    forms = forms_for_day(unit=unit, day=day)
    if not forms:
        raise DomainError("no_forms", _("No report form applies to %(unit)s on %(day)s.")
                          % {"unit": unit.name, "day": day.isoformat()}, status=404)
    submissions = {s.form_id: s for s in Submission.objects.filter(unit=unit, day=day, form__in=forms)
                   .select_related("version", "submitted_by", "reviewed_by")}
    return [report_values(form=f, unit=unit, day=day, submission=submissions.get(f.pk)) for f in forms]


# ---- xlsx -----------------------------------------------------------------------------------------------

def cutoff_text(form: Form) -> str:
    """The cut-off as a clock time; 1440 minutes is 24:00."""
    return f"{form.cutoff_minutes // 60:02d}:{form.cutoff_minutes % 60:02d}"


def sheet_title(form: Form) -> str:
    """The sheet name for a form: its Chinese name without the characters Excel refuses, at most 31 long."""
    name = re.sub(r"[\[\]:*?/\\]", "", form.name_zh).strip("'") or form.code
    return name[:31]


def _display_width(text) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text if text is not None else ""))


def _person_name(user) -> str:
    return (user.full_name or user.get_username()) if user is not None else ""


def _local_date(moment: dt.datetime | None) -> dt.date:
    return timezone.localtime(moment).date() if moment else timezone.localdate()


def _sheet_write(sheet, values: ReportValues, *, unit: OrgUnit, day: dt.date, user) -> None:
    columns = values.version.columns
    width = len(columns) + 1
    last = get_column_letter(width)
    title_font, bold = Font(name=FONT_NAME, size=16, bold=True), Font(name=FONT_NAME, size=11, bold=True)
    plain = Font(name=FONT_NAME, size=11)

    sheet.append([values.form.name_zh])
    sheet.merge_cells(f"A1:{last}1")
    sheet["A1"].font, sheet["A1"].alignment = title_font, Alignment(horizontal="center", vertical="center")
    sheet.row_dimensions[1].height = 32

    sheet.append([UNIT_LINE.format(unit=unit.name, day=day.isoformat(), cutoff=cutoff_text(values.form))])
    sheet.merge_cells(f"A2:{last}2")
    sheet["A2"].font, sheet["A2"].alignment = plain, Alignment(horizontal="left", vertical="center")

    sheet.append([HEADER_UNIT, *[c["label_zh"] for c in columns]])
    header_row = 3
    for cell in sheet[header_row]:
        cell.font, cell.border = bold, _BOX
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)

    body = [(r["name"], r["cells"]) for r in values.rows] + [(TOTAL, values.total)]
    for index, (name, cells) in enumerate(body):
        sheet.append([name, *[cells.get(c["key"]) for c in columns]])
        row = header_row + 1 + index
        is_total = index == len(body) - 1
        sheet.row_dimensions[row].height = 20
        for cell in sheet[row]:
            cell.border, cell.font = _BOX, bold if is_total else plain
            cell.alignment = Alignment(horizontal="left" if cell.column == 1 else "center", vertical="center")
            if cell.column > 1 and isinstance(cell.value, int):
                cell.number_format = "0"

    submission = values.submission
    submitted = submission is not None and submission.submitted_by_id and submission.state in (
        Submission.State.SUBMITTED, Submission.State.APPROVED)
    preparer = submission.submitted_by if submitted else user
    reviewer = submission.reviewed_by if submission and submission.state == Submission.State.APPROVED else None
    footer_row = header_row + len(body) + 1
    sheet.cell(row=footer_row, column=1, value=FOOTER.format(
        preparer=_person_name(preparer), reviewer=_person_name(reviewer),
        date=_local_date(submission.submitted_at if submitted else None).isoformat()))
    sheet.merge_cells(f"A{footer_row}:{last}{footer_row}")
    sheet.cell(row=footer_row, column=1).font = plain

    sheet.column_dimensions["A"].width = max(_display_width(name) for name, _cells in body) + 4
    for i, column in enumerate(columns, start=2):
        longest_number = max((_display_width(cells.get(column["key"])) for _n, cells in body), default=1)
        sheet.column_dimensions[get_column_letter(i)].width = min(max(_display_width(column["label_zh"]) + 2,
                                                                      longest_number + 2, 8), 24)
    sheet.row_dimensions[header_row].height = 36 if any(_display_width(c["label_zh"]) > 22 for c in columns) else 22

    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True


def workbook_for_day(*, unit: OrgUnit, day: dt.date, user) -> bytes:
    """An xlsx workbook with one sheet per form of `unit` for `day`, in the official layout."""
    reports = day_values(unit=unit, day=day)
    workbook = workbook_new()
    used: set[str] = set()
    for values in reports:
        title, n = sheet_title(values.form), 2
        while title in used:
            suffix = f"({n})"
            title, n = sheet_title(values.form)[: 31 - len(suffix)] + suffix, n + 1
        used.add(title)
        _sheet_write(workbook.create_sheet(title), values, unit=unit, day=day, user=user)
    workbook.properties.title = f"{unit.name} {day.isoformat()}"
    workbook.properties.creator = _person_name(user) or "Fangkong"
    data = workbook_bytes(workbook)
    audit_record(actor=user, action="export", object_type="reports.submission",
                 object_repr=f"{unit.name} {day.isoformat()} xlsx", unit_path=unit.path,
                 after={"format": "xlsx", "unit": unit.code, "day": day.isoformat(),
                        "forms": [v.form.code for v in reports],
                        "submissions": {v.form.code: v.submission.pk for v in reports if v.submission}})
    return data


# ---- csv ------------------------------------------------------------------------------------------------

def csv_for_submission(submission: Submission, *, user=None) -> bytes:
    """One report as CSV (UTF-8 with a BOM, which Excel needs): a row per row unit, then the total."""
    english = (translation.get_language() or "").startswith("en")
    columns = submission.version.columns
    values = report_values(form=submission.form, unit=submission.unit, day=submission.day, submission=submission)
    header = [_("unit code"), _("unit"), *[c["label_en" if english else "label_zh"] for c in columns]]
    rows = [[row["unit"], row["name"], *[_csv_cell(row["cells"].get(c["key"])) for c in columns]]
            for row in values.rows]
    rows.append([submission.unit.code, _("total"), *[_csv_cell(values.total.get(c["key"])) for c in columns]])
    data = table_bytes(header=header, rows=rows, kind=CSV)
    audit_record(actor=user, action="export", obj=submission, unit_path=submission.unit_path,
                 after={"format": "csv", "state": submission.state, "revision": submission.revision})
    return data


def _csv_cell(value):
    """A figure as the file holds it: a number (12, not 12.0), text when it is not one."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _number_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# ---- DHIS2 dataValueSets ----------------------------------------------------------------------------------

def dhis2_period(form: Form, day: dt.date) -> str:
    """The DHIS2 period of the report ending `day`: yyyyMMdd (daily), yyyyWn (ISO week), yyyyMM (monthly)."""
    if form.period == Form.Period.WEEKLY:
        year, week, _weekday = day.isocalendar()
        return f"{year}W{week}"
    if form.period == Form.Period.MONTHLY:
        return day.strftime("%Y%m")
    return day.strftime("%Y%m%d")


def data_value_sets(*, unit: OrgUnit, day: dt.date, user=None) -> dict:
    """The day's reports of `unit` as a DHIS2 dataValueSets document identified by codes.

    dataElement is "<form code>.<column key>", orgUnit the row unit's code, and the total goes under
    the submitting unit's code. The receiving system imports it with idScheme=CODE (POST
    /api/dataValueSets?idScheme=CODE); empty manual cells are left out."""
    reports = day_values(unit=unit, day=day)
    now = timezone.localtime()
    data_values = []
    for values in reports:
        submission = values.submission
        if submission is not None and submission.submitted_by is not None:
            stored_by = submission.submitted_by.get_username()
        else:
            stored_by = user.get_username() if user is not None else "fangkong"
        moments = [m for m in (submission.computed_at, submission.submitted_at, submission.reviewed_at)
                   if m is not None] if submission is not None else []
        last_updated = timezone.localtime(max(moments)) if moments else now
        period = dhis2_period(values.form, day)
        targets = [(r["unit"], r["cells"]) for r in values.rows]
        if unit.code not in {code for code, _cells in targets}:
            targets.append((unit.code, values.total))
        for org_unit, cells in targets:
            for column in values.version.columns:
                value = cells.get(column["key"])
                if value is None:
                    continue
                data_values.append({
                    "dataElement": f"{values.form.code}.{column['key']}", "period": period, "orgUnit": org_unit,
                    "value": _number_text(value), "storedBy": stored_by,
                    "lastUpdated": last_updated.isoformat(timespec="seconds")})
    audit_record(actor=user, action="export", object_type="reports.submission",
                 object_repr=f"{unit.name} {day.isoformat()} dataValueSets", unit_path=unit.path,
                 after={"format": "dhis2", "unit": unit.code, "day": day.isoformat(),
                        "forms": [v.form.code for v in reports], "values": len(data_values)})
    return {"dataValues": data_values}


# ---- manual cells from xlsx -----------------------------------------------------------------------------

def _text(value) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", str(value))).strip() if value is not None else ""


def _sheet_for(workbook, form: Form, table):
    by_title = {ws.title: ws for ws in workbook.worksheets}
    if sheet_title(form) in by_title:
        return by_title[sheet_title(form)]
    for ws in workbook.worksheets:
        _line, first = next(sheet_rows(ws, table), (1, ()))
        if first and _text(first[0]) == _text(form.name_zh):
            return ws
    if len(workbook.worksheets) == 1:
        return workbook.worksheets[0]
    raise DomainError("no_sheet", _("The workbook has no sheet for %(form)s.") % {"form": form.name_zh})


def _cell_name(line: int, column: int) -> str:
    return f"{get_column_letter(column)}{line}"


def _header(rows: list[tuple[int, tuple]], version: FormVersion) -> tuple[int, int, dict[int, str]]:
    """(header row, column of the row names, {column: column key}) of the sheet's table, among its first 30
    rows; columns are counted from 1."""
    names = {}
    for column in version.columns:
        for label in (column.get("label_zh"), column.get("label_en"), column["key"]):
            if label:
                names.setdefault(_text(label).lower(), column["key"])
    best = (0, 0, {})
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
    if isinstance(value, bool) or not isinstance(value, Number | str):
        raise ValueError
    number = float(_text(value).replace(",", "")) if isinstance(value, str) else float(value)
    if not math.isfinite(number):
        raise ValueError
    return number


def manual_cells_from_xlsx(*, submission: Submission, data: bytes, by, lock_version: int | None = None,
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
            day = _DAY_LABEL.search(text)
            if day and day.group(1) != submission.day.isoformat():
                errors.setdefault(_cell_name(line, column), []).append(
                    _("This sheet is for %(sheet_day)s; the report is for %(day)s.")
                    % {"sheet_day": day.group(1), "day": submission.day.isoformat()})
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

