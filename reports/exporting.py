"""Report files: the day's forms of a unit as one xlsx workbook in the layout officials use, one report
as CSV, DHIS2 dataValueSets JSON keyed by codes (reports.workbook_import reads manual cells back from
the workbook). Every export is audited.

Values come from the submission when there is one (as the report page shows them; submitted and
approved values are frozen), otherwise they are computed live from the line list. Every file says
which: a sheet or file of a report that is not submitted says so and names no submitter.
"""

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from core.audit import audit_record
from core.errors import DomainError
from core.tabular import (
    CSV,
    date_for_reader,
    date_zh,
    table_bytes,
    workbook_bytes,
    workbook_new,
)
from orgunits.models import OrgUnit
from reports.engine import table_compute
from reports.expressions import ExpressionError, parse
from reports.facts import source_for
from reports.models import Form, FormVersion, Submission

# The words of the official layout. The sheet goes to the office above, which reads the form in
# Chinese whatever language the exporter's screen is in, so these follow the form (like its
# name_zh and label_zh), not the user's language; the import below looks for the same words.
UNIT_LINE = "填报单位：{unit}    统计时间：{day} {cutoff}"
MEASURE_LINE = "单位：{unit}"
PREPARER_LINE = "填报人：{name}    填报日期：{date}"
REVIEWER_LINE = "审核人：{name}    审核日期：{date}"
PHONE_LINE = "联系电话：{phone}"
HEAD_LINE = "单位负责人：{blank}（签字）"
BLANK = "__________"  # a line to write on, on the printed sheet
AWAITING_REVIEW = "待审核"
# What a sheet that is not (or not yet) submitted says in its title row, and the line below it.
NOT_COMPUTED, DRAFT, RETURNED = "未计算，未上报", "草稿，未上报", "已退回"
TITLE_MARK = "{title}（{mark}）"
NOT_COMPUTED_NOTE = "本表尚未计算和上报，数字为{date} {time}导出时按人员台账实时统计，仅供核对。"
DRAFT_NOTE = "本表为草稿，尚未上报，数字为{date} {time}计算的结果。"
RETURNED_NOTE = "本表已于{date}被退回，尚未重新上报。退回意见：{comment}"
HEADER_UNIT = "单位"
TOTAL = "合计"
FONT_NAME = "宋体"
_THIN = Side(style="thin")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


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
    forms = Form.objects.for_unit(unit).filter(unit_kind=unit.kind, versions__effective_from__lte=day).distinct()
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


def _local(moment: dt.datetime) -> tuple[str, str]:
    """A moment as the sheet writes it: (2020年5月21日, 16:30)."""
    local = timezone.localtime(moment)
    return date_zh(local.date()), local.strftime("%H:%M")


@dataclass
class SheetState:
    """What a sheet says of its report: a mark for the title, a note, the submitter, the reviewer."""

    mark: str = ""
    note: str = ""
    preparer: str = BLANK
    prepared_on: str = BLANK
    reviewer: str = BLANK
    reviewed_on: str = BLANK
    phone: str = BLANK


def sheet_state(submission: Submission | None, *, now: dt.datetime) -> SheetState:
    """The sheet's account of its report: only a submitted or approved report names its submitter (with their
    phone) and, once approved, its reviewer; the others say in their title that they are not submitted."""
    if submission is None or submission.values.get("rows") is None:
        date, time = _local(now)
        return SheetState(mark=NOT_COMPUTED, note=NOT_COMPUTED_NOTE.format(date=date, time=time))
    if submission.state == Submission.State.DRAFT:
        date, time = _local(submission.computed_at or now)
        return SheetState(mark=DRAFT, note=DRAFT_NOTE.format(date=date, time=time))
    if submission.state == Submission.State.RETURNED:
        date = _local(submission.reviewed_at or now)[0]
        return SheetState(mark=RETURNED, note=RETURNED_NOTE.format(date=date, comment=submission.review_comment or "—"))
    by = submission.submitted_by
    state = SheetState(preparer=_person_name(by) or BLANK, phone=(by.phone if by is not None else "") or BLANK,
                       prepared_on=_local(submission.submitted_at)[0] if submission.submitted_at else BLANK,
                       reviewer=AWAITING_REVIEW)
    if submission.state == Submission.State.APPROVED:
        state.reviewer = _person_name(submission.reviewed_by) or BLANK
        state.reviewed_on = _local(submission.reviewed_at)[0] if submission.reviewed_at else BLANK
    return state


def measure_line(version: FormVersion) -> str:
    """The unit-of-measure line: the unit most columns count in (人), then each column counted in another."""
    units = {}
    for column in version.columns:
        if column["kind"] == "indicator":
            try:
                units[column["label_zh"]] = source_for(parse(column["expression"])).unit_zh
            except ExpressionError:
                continue
    known = [u for u in units.values() if u]
    if not known:
        return MEASURE_LINE.format(unit="人")
    main = max(dict.fromkeys(known), key=known.count)
    others = "；".join(f"{label}：{u}" for label, u in units.items() if u and u != main)
    return MEASURE_LINE.format(unit=main) + (f"（{others}）" if others else "")


def _line(sheet, row: int, last: str, text: str, font, *, align: str = "left") -> None:
    """One line of text across the table's width."""
    sheet.cell(row=row, column=1, value=text).font = font
    sheet.cell(row=row, column=1).alignment = Alignment(horizontal=align, vertical="center", wrap_text=True)
    sheet.merge_cells(f"A{row}:{last}{row}")


def _sheet_write(sheet, values: ReportValues, *, unit: OrgUnit, day: dt.date, now: dt.datetime) -> None:
    columns = values.version.columns
    width = len(columns) + 1
    last = get_column_letter(width)
    title_font, bold = Font(name=FONT_NAME, size=16, bold=True), Font(name=FONT_NAME, size=11, bold=True)
    plain = Font(name=FONT_NAME, size=11)
    state = sheet_state(values.submission, now=now)

    title = TITLE_MARK.format(title=values.form.name_zh, mark=state.mark) if state.mark else values.form.name_zh
    _line(sheet, 1, last, title, title_font, align="center")
    sheet.row_dimensions[1].height = 32
    row = 2
    if state.note:
        _line(sheet, row, last, state.note, Font(name=FONT_NAME, size=11, bold=True, color="C00000"))
        sheet.row_dimensions[row].height = 20 * max(1, math.ceil(_display_width(state.note) / (8 * width + 20)))
        row += 1
    _line(sheet, row, last, UNIT_LINE.format(unit=unit.name, day=date_zh(day), cutoff=cutoff_text(values.form)), plain)
    _line(sheet, row + 1, last, measure_line(values.version), plain, align="right")

    header_row = row + 2
    sheet.append([HEADER_UNIT, *[c["label_zh"] for c in columns]])
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

    footer = [PREPARER_LINE.format(name=state.preparer, date=state.prepared_on),
              REVIEWER_LINE.format(name=state.reviewer, date=state.reviewed_on),
              PHONE_LINE.format(phone=state.phone), HEAD_LINE.format(blank=BLANK)]
    for offset, text in enumerate(footer, start=header_row + len(body) + 1):
        _line(sheet, offset, last, text, plain)
        sheet.row_dimensions[offset].height = 22

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
    now = timezone.now()
    used: set[str] = set()
    for values in reports:
        title, n = sheet_title(values.form), 2
        while title in used:
            suffix = f"({n})"
            title, n = sheet_title(values.form)[: 31 - len(suffix)] + suffix, n + 1
        used.add(title)
        _sheet_write(workbook.create_sheet(title), values, unit=unit, day=day, now=now)
    workbook.properties.title = f"{unit.name} {date_zh(day)}"
    workbook.properties.creator = _person_name(user) or "Fangkong"
    data = workbook_bytes(workbook)
    audit_record(actor=user, action="export", object_type="reports.submission",
                 object_repr=f"{unit.name} {day.isoformat()} xlsx", unit_path=unit.path,
                 after={"format": "xlsx", "unit": unit.code, "day": day.isoformat(),
                        "forms": [v.form.code for v in reports],
                        "submissions": {v.form.code: v.submission.pk for v in reports if v.submission}})
    return data


def workbook_filename(*, unit: OrgUnit, day: dt.date) -> tuple[str, str]:
    """The day's workbook's file name, and its ASCII fallback: 长青街道-2020年5月21日-报表.xlsx."""
    return f"{unit.name}-{date_zh(day)}-报表.xlsx", f"reports-{unit.code}-{day.isoformat()}.xlsx"


# ---- csv ------------------------------------------------------------------------------------------------

CSV_TYPE = "text/csv; charset=utf-8"


def csv_filename(submission: Submission) -> tuple[str, str]:
    """A report's CSV file name, and its ASCII fallback: 长青街道-2020年5月21日-确诊病例及涉及小区情况日报.csv."""
    return (f"{submission.unit.name}-{date_for_reader(submission.day)}-{submission.form.name}.csv",
            f"{submission.form.code}-{submission.unit.code}-{submission.day.isoformat()}.csv")


def csv_for_submission(submission: Submission, *, user=None) -> bytes:
    """One report as CSV (UTF-8 with a BOM, which Excel needs): a row per row unit, then the total."""
    english = (translation.get_language() or "").startswith("en")
    columns = submission.version.columns
    values = report_values(form=submission.form, unit=submission.unit, day=submission.day, submission=submission)
    header = [_("unit code"), _("unit"), *[c["label_en" if english else "label_zh"] for c in columns]]
    rows = [[row["unit"], row["name"], *[_csv_cell(row["cells"].get(c["key"])) for c in columns]]
            for row in values.rows]
    rows.append([submission.unit.code, _("total"), *[_csv_cell(values.total.get(c["key"])) for c in columns]])
    rows += [[], [state_sentence(submission, now=timezone.now())]]
    data = table_bytes(header=header, rows=rows, kind=CSV)
    audit_record(actor=user, action="export", obj=submission, unit_path=submission.unit_path,
                 after={"format": "csv", "state": submission.state, "revision": submission.revision})
    return data


def state_sentence(submission: Submission, *, now: dt.datetime) -> str:
    """Where a report stands, in the reader's language, for the line below a file's table: whether it is
    submitted, and by whom and when; the time its figures were computed when it is not."""
    def day(moment):
        return date_for_reader(timezone.localtime(moment or now).date())

    def clock(moment):
        return timezone.localtime(moment or now).strftime("%H:%M")

    if submission.values.get("rows") is None:
        return _("Not computed and not submitted: the figures were counted from the line list on %(day)s at "
                 "%(time)s, when the file was made.") % {"day": day(now), "time": clock(now)}
    if submission.state == Submission.State.DRAFT:
        return _("Draft, not submitted: the figures were computed on %(day)s at %(time)s.") % {
            "day": day(submission.computed_at), "time": clock(submission.computed_at)}
    if submission.state == Submission.State.RETURNED:
        return _("Returned on %(day)s and not submitted again; reason: %(comment)s") % {
            "day": day(submission.reviewed_at), "comment": submission.review_comment or "—"}
    submitted = {"name": _person_name(submission.submitted_by) or "—", "day": day(submission.submitted_at)}
    if submission.state == Submission.State.SUBMITTED:
        return _("Submitted by %(name)s on %(day)s; awaiting review.") % submitted
    return _("Submitted by %(name)s on %(day)s; approved by %(reviewer)s on %(reviewed)s.") % {
        **submitted, "reviewer": _person_name(submission.reviewed_by) or "—", "reviewed": day(submission.reviewed_at)}


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
    /api/dataValueSets?idScheme=CODE); empty manual cells are left out. The values of a report that is not
    submitted carry a comment saying so (未计算，未上报, 草稿，未上报, 已退回), as its sheet's title does."""
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
        mark = sheet_state(submission, now=now).mark
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
                    "lastUpdated": last_updated.isoformat(timespec="seconds"), **({"comment": mark} if mark else {})})
    audit_record(actor=user, action="export", object_type="reports.submission",
                 object_repr=f"{unit.name} {day.isoformat()} dataValueSets", unit_path=unit.path,
                 after={"format": "dhis2", "unit": unit.code, "day": day.isoformat(),
                        "forms": [v.form.code for v in reports], "values": len(data_values)})
    return {"dataValues": data_values}
