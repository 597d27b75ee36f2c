"""Report endpoints, the officer's day through the API: what is due, compute, fill in, submit, review,
drill down, and the day's DHIS2 dataValueSets. Same services, selectors and scope as the pages."""

import datetime as dt

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Status, UploadedFile

from accounts import access
from accounts.roles import REPORTS_REVIEW, REPORTS_SUBMIT, REPORTS_VIEW
from core.errors import DomainError
from core.tabular import XLSX_TYPE, attachment
from reports import board, exporting, selectors, services, workbook_import
from reports.api.definitions import router as definitions_router
from reports.api.templates import router as templates_router
from reports.engine import window_for
from reports.models import Submission
from reports.schemas import (
    BoardOut,
    CellMovesOut,
    CellOut,
    ComputeIn,
    DataValueSetOut,
    DueOut,
    ManualIn,
    RatesOut,
    ReconcileOut,
    ReviewIn,
    ReviewQueueOut,
    SubmissionOut,
    SubmitChangedOut,
    SubmitIn,
)

router = Router(tags=["reports"])
router.add_router("", definitions_router)
router.add_router("", templates_router)

_EDITABLE = (Submission.State.DRAFT, Submission.State.RETURNED)


def _name(user) -> str | None:
    return (user.full_name or user.get_username()) if user is not None else None


def _out(request, submission: Submission) -> dict:
    english = (translation.get_language() or "").startswith("en")
    window, due = window_for(submission.form, submission.day)
    values = submission.values or {}
    return {
        "id": submission.pk, "form": submission.form.code, "form_name": submission.form.name,
        "version_from": submission.version.effective_from, "unit": submission.unit.code,
        "unit_name": submission.unit.name, "day": submission.day, "state": submission.state,
        "state_label": submission.get_state_display(), "revision": submission.revision,
        "lock_version": submission.lock_version,
        "columns": [{"key": c["key"], "label": c["label_en"] if english else c["label_zh"], "kind": c["kind"]}
                    for c in submission.version.columns],
        "rows": [{"unit": r["unit"], "name": r["name"], "cells": r["cells"]} for r in values.get("rows", [])],
        "total": values.get("total", {}), "issues": submission.issues, "explanation": submission.explanation,
        "cutoff": window.cutoff, "due": due, "computed_at": submission.computed_at,
        "submitted_at": submission.submitted_at, "submitted_by": _name(submission.submitted_by),
        "reviewed_at": submission.reviewed_at, "reviewed_by": _name(submission.reviewed_by),
        "review_comment": submission.review_comment,
        "can_submit": submission.state in _EDITABLE
        and access.scope_for(request.user, REPORTS_SUBMIT).covers(submission.unit_path),
        "can_review": submission.state == Submission.State.SUBMITTED and selectors.may_review(request.user, submission),
    }


@router.get("/reports/due", response=list[DueOut], summary="The forms due on a day for the caller's units")
def report_due_list(request: HttpRequest, day: dt.date | None = None):
    """Each form the caller submits on `day` (default today), its state and the minutes left until it is due."""
    access.require(request.user, REPORTS_VIEW)
    day = day or timezone.localdate()
    out = []
    for due in selectors.reports_due(request.user, day=day):
        s = due.submission
        issues = s.issues if s else []
        out.append({"form": due.form.code, "form_name": due.form.name, "unit": due.unit.code,
                    "unit_name": due.unit.name, "day": day, "submission_id": s.pk if s else None,
                    "state": s.state if s else None, "state_label": s.get_state_display() if s else None,
                    "errors": sum(1 for i in issues if i["importance"] == "error"),
                    "warnings": sum(1 for i in issues if i["importance"] == "warning"),
                    "due": due.due, "minutes_left": due.minutes_left, "late": bool(due.late),
                    "submitted_at": s.submitted_at if s else None})
    return out


@router.get("/reports/review-queue", response=ReviewQueueOut, url_name="report_review_queue",
            summary="The submitted reports waiting for the caller's review, the longest waiting first")
def report_review_queue(request: HttpRequest):
    """As the officer's day lists them for a reviewer: those of the units below the caller's reports.review scope."""
    access.require(request.user, REPORTS_VIEW)
    queue = selectors.review_queue(request.user)
    return {"count": queue.count,
            "per_form": [{"form": f.code, "form_name": f.name, "count": n} for f, n in queue.per_form],
            "items": [{"submission_id": w.submission.pk, "form": w.submission.form.code,
                       "form_name": w.submission.form.name, "unit": w.submission.unit.code,
                       "unit_name": w.submission.unit.name, "day": w.submission.day,
                       "submitted_at": w.submission.submitted_at, "submitted_by": _name(w.submission.submitted_by),
                       "minutes": w.minutes} for w in queue.items]}


@router.post("/reports/forms/{code}/compute", response=SubmissionOut,
             summary="Compute (or recompute) the draft of a form for a unit and a day")
def report_compute(request: HttpRequest, code: str, payload: ComputeIn):
    form = selectors.form_get(code, request.user)
    unit = access.unit_get_for_user(request.user, payload.unit, perm=REPORTS_SUBMIT)
    submission = services.submission_compute(form=form, unit=unit, day=payload.day, by=access.request_user(request))
    return _out(request, submission)


@router.get("/reports/submissions/{submission_id}", response=SubmissionOut, summary="A report with its cells")
def report_submission_get(request: HttpRequest, submission_id: int):
    return _out(request, selectors.submission_get_for_user(request.user, submission_id))


@router.post("/reports/submissions/{submission_id}/manual", response=SubmissionOut,
             summary="Type the manual cells of a draft and recompute it")
def report_manual_set(request: HttpRequest, submission_id: int, payload: ManualIn):
    """`lock_version` is the one read with the report: if someone changed it since, the answer is 409."""
    submission = selectors.submission_get_for_user(request.user, submission_id, perm=REPORTS_SUBMIT)
    submission = services.submission_manual_set(submission=submission, values=payload.values,
                                                lock_version=payload.lock_version, by=access.request_user(request))
    return _out(request, submission)


@router.post("/reports/submissions/{submission_id}/manual-workbook", response=SubmissionOut,
             url_name="report_manual_workbook",
             summary="Fill the manual cells of a draft from a workbook in the exported layout (day.xlsx) and recompute "
                     "it; every mistake is named by its cell and nothing is saved")
def report_manual_workbook(request: HttpRequest, submission_id: int, file: File[UploadedFile | None] = None,
                           lock_version: Form[int | None] = None):
    """As the report's page imports it (reports.workbook_import); `lock_version`, when given, is the one read
    with the report: if someone changed it since, the answer is 409."""
    submission = selectors.submission_get_for_user(request.user, submission_id, perm=REPORTS_SUBMIT)
    if file is None:
        message = _("Choose the xlsx file to import.")
        raise DomainError("no_file", message, fields={"file": [message]})
    workbook_import.manual_cells_from_xlsx(submission=submission, data=file.read(), by=access.request_user(request),
                                           name=file.name or "", lock_version=lock_version or None)
    return _out(request, selectors.submission_get_for_user(request.user, submission_id, perm=REPORTS_SUBMIT))


@router.post("/reports/submissions/{submission_id}/submit", response={200: SubmissionOut, 409: SubmitChangedOut},
             summary="Submit the numbers the caller saw (errors and blank manual cells block it; warnings need an "
                     "explanation; changed numbers answer 409 with each changed cell)")
def report_submit(request: HttpRequest, submission_id: int, payload: SubmitIn):
    """The report is recomputed; if a cell differs from the version `lock_version` the caller read, nothing is
    submitted: the answer is 409 with each changed cell (old → new, and who entered or left its count), and the
    new `lock_version` to submit with once the caller has seen them."""
    submission = selectors.submission_get_for_user(request.user, submission_id, perm=REPORTS_SUBMIT)
    try:
        submission = services.submission_submit(submission=submission, explanation=payload.explanation,
                                                seen_version=payload.lock_version, manual=payload.values,
                                                by=access.request_user(request))
    except services.NumbersChanged as exc:
        return Status(409, {**exc.as_dict(), "lock_version": exc.lock_version,
                            "changes": [c.as_dict() for c in exc.changes]})
    return _out(request, submission)


@router.post("/reports/submissions/{submission_id}/review", response=SubmissionOut,
             summary="Approve or return a submitted report (the level above the unit)")
def report_review(request: HttpRequest, submission_id: int, payload: ReviewIn):
    submission = selectors.submission_get_for_user(request.user, submission_id, perm=REPORTS_REVIEW)
    if not selectors.may_review(request.user, submission):
        raise Http404
    submission = services.submission_review(submission=submission, approve=payload.approve,
                                            comment=payload.comment, by=access.request_user(request))
    return _out(request, submission)


@router.get("/reports/submissions/{submission_id}/cells/{row}/{column}", response=CellOut,
            summary="The ids of the people counted in one cell that the caller may open (row: a unit code or "
                    "__total__); the others counted in `hidden`")
def report_cell(request: HttpRequest, submission_id: int, row: str, column: str):
    drill = _drill_down(request, submission_id, row, column)
    return {"submission_id": submission_id, "row": row, "column": column, "count": drill.count,
            "hidden": drill.hidden, "ids": sorted(drill.ids)}


def _drill_down(request: HttpRequest, submission_id: int, row: str, column: str) -> selectors.CellDrillDown:
    """One cell of a report in the caller's scope (404 outside it), as the caller may see it."""
    submission = selectors.submission_get_for_user(request.user, submission_id)
    return selectors.cell_drill_down(user=request.user, submission=submission, row=row, column=column)


@router.get("/reports/submissions/{submission_id}/cells/{row}/{column}/moves", response=CellMovesOut,
            url_name="report_cell_moves",
            summary="Who entered or left one cell's count since the previous period (ids the caller may open, the "
                    "others null), with the reason")
def report_cell_moves(request: HttpRequest, submission_id: int, row: str, column: str):
    drill = _drill_down(request, submission_id, row, column)
    return {"submission_id": submission_id, "row": row, "column": column, "criteria_changed": drill.criteria_changed,
            **{side: [{"id": shown["id"] if shown else None, "reason": reason} for shown, reason in moves]
               for side, moves in (("entered", drill.entered), ("left", drill.left))}}


@router.get("/reports/datavaluesets", response=DataValueSetOut,
            summary="The day's reports of a unit as DHIS2 dataValueSets (codes as identifiers)")
def report_data_value_sets(request: HttpRequest, unit: str, day: dt.date | None = None):
    """Import into a DHIS2-style system with `POST /api/dataValueSets?idScheme=CODE`."""
    target = access.unit_get_for_user(request.user, unit, perm=REPORTS_VIEW)
    return exporting.data_value_sets(unit=target, day=day or timezone.localdate(), user=request.user)


# ---- the files of the report pages: a report as CSV, a unit's day as the official workbook -----------------------

def _download(content: bytes, content_type: str, names: tuple[str, str]) -> HttpResponse:
    return attachment(HttpResponse(content, content_type=content_type), names[0], fallback=names[1])


@router.get("/reports/submissions/{submission_id}/export.csv", url_name="report_submission_csv",
            summary="A report as CSV (UTF-8 with a BOM), as its page downloads it")
def report_submission_csv(request: HttpRequest, submission_id: int):
    submission = selectors.submission_get_for_user(request.user, submission_id)
    return _download(exporting.csv_for_submission(submission, user=request.user), exporting.CSV_TYPE,
                     exporting.csv_filename(submission))


@router.get("/reports/day.xlsx", url_name="report_day_workbook",
            summary="The day's forms of a unit, a sheet each in the official layout, as the report pages download them")
def report_day_workbook(request: HttpRequest, unit: str, day: dt.date | None = None):
    target = access.unit_get_for_user(request.user, unit, perm=REPORTS_VIEW)
    day = day or timezone.localdate()
    return _download(exporting.workbook_for_day(unit=target, day=day, user=request.user), XLSX_TYPE,
                     exporting.workbook_filename(unit=target, day=day))


# ---- many units: the timeliness board, the rates, the reconciliation --------------------------------------------

@router.get("/reports/board", response=BoardOut,
            summary="Which units at or below a unit have submitted a day's reports, and the time left")
def report_board(request: HttpRequest, unit: str | None = None, day: dt.date | None = None):
    target = access.unit_or_top_for_user(request.user, unit, perm=REPORTS_VIEW)
    day_board = board.board_day(unit=target, day=day or timezone.localdate())
    return {"unit": target.code, "day": day_board.day, "forms": [f.code for f in day_board.forms],
            "counts": day_board.counts, "truncated": day_board.truncated,
            "rows": [{"unit": r.unit.code, "unit_name": r.unit.name, "cells": [
                {"form": c.form.code, "status": c.status, "due": c.due, "minutes_left": c.minutes_left,
                 "submission_id": c.submission.pk if c.submission else None,
                 "state": c.submission.state if c.submission else None,
                 "submitted_at": c.submission.submitted_at if c.submission else None,
                 "minutes_late": c.minutes_late} for c in r.cells if c is not None]} for r in day_board.rows]}


def _rate(rate) -> dict:
    return {"expected": rate.expected, "submitted": rate.submitted, "on_time": rate.on_time}


@router.get("/reports/rates", response=RatesOut,
            summary="Completeness and on-time rates of the units at or below a unit over a range of days")
def report_rates(request: HttpRequest, unit: str | None = None, first: dt.date | None = None,
                 last: dt.date | None = None):
    target = access.unit_or_top_for_user(request.user, unit, perm=REPORTS_VIEW)
    last = last or timezone.localdate()
    first = first or last - dt.timedelta(days=6)
    if first > last or (last - first).days + 1 > board.MAX_RANGE_DAYS:
        raise DomainError("invalid_range", _("Choose a range of at most %(n)d days that starts on or before its "
                                             "end.") % {"n": board.MAX_RANGE_DAYS},
                          fields={"first": [_("Not a valid range.")]})
    rates = board.board_rates(unit=target, first=first, last=last)
    codes = [f.code for f in rates.forms]
    return {"unit": target.code, "first": first, "last": last, "total": _rate(rates.total),
            "per_form": {c: _rate(r) for c, r in zip(codes, rates.per_form, strict=True)},
            "truncated": rates.truncated,
            "rows": [{"unit": r.unit.code, "unit_name": r.unit.name, "total": _rate(r.total),
                      "per_form": {c: _rate(x) for c, x in zip(codes, r.rates, strict=True) if x is not None}}
                     for r in rates.rows]}


@router.get("/reports/reconcile", response=ReconcileOut,
            summary="One report cell by cell: computed now, the children's submitted values, the unit's own")
def report_reconcile(request: HttpRequest, unit: str, form: str, day: dt.date | None = None):
    target = access.unit_get_for_user(request.user, unit, perm=REPORTS_VIEW)
    rec = board.reconcile(form=selectors.form_get(form, request.user), unit=target, day=day or timezone.localdate())
    return {"form": rec.form.code, "unit": target.code, "day": rec.day, "differences": rec.differences,
            "rows": [{"unit": r.code, "name": r.name, "cells": [
                {"key": c.key, "computed": c.computed, "children": c.children, "submitted": c.submitted,
                 "differs": c.differs} for c in r.cells]} for r in rec.rows],
            "history": [{"at": h.entry.at, "actor": _name(h.entry.actor), "submission_id": h.submission.pk,
                         "unit": h.submission.unit.code, "changes": [list(map(_plain, ch)) for ch in h.changes]}
                        for h in rec.history]}


def _plain(value):
    return value if value is None or isinstance(value, (int, float, bool)) else str(value)
