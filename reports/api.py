"""Report endpoints, the officer's day through the API: what is due, compute, fill in, submit, review,
drill down, and the day's DHIS2 dataValueSets. Same services, selectors and scope as the pages."""

import datetime as dt

from django.http import Http404, HttpRequest
from django.utils import timezone, translation
from ninja import Router

from accounts import access
from accounts.roles import REPORTS_REVIEW, REPORTS_SUBMIT, REPORTS_VIEW
from reports import exporting, selectors, services
from reports.engine import window_for
from reports.models import Submission
from reports.schemas import (
    CellOut,
    ComputeIn,
    DataValueSetOut,
    DueOut,
    ManualIn,
    ReviewIn,
    SubmissionOut,
    SubmitIn,
)

router = Router(tags=["reports"])

_EDITABLE = (Submission.State.DRAFT, Submission.State.RETURNED)


def _parent_path(submission: Submission) -> str:
    return submission.unit.path[: -len(submission.unit.code) - 1]


def _may_review(user, submission: Submission) -> bool:
    """Reviewing is for the level above: the reviewer's scope must cover the unit's parent."""
    parent = _parent_path(submission)
    return bool(parent) and access.scope_for(user, REPORTS_REVIEW).covers(parent)


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
        "can_review": submission.state == Submission.State.SUBMITTED and _may_review(request.user, submission),
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


@router.post("/reports/forms/{code}/compute", response=SubmissionOut,
             summary="Compute (or recompute) the draft of a form for a unit and a day")
def report_compute(request: HttpRequest, code: str, payload: ComputeIn):
    form = selectors.form_get(code)
    unit = access.unit_get_for_user(request.user, payload.unit, perm=REPORTS_SUBMIT)
    submission = services.submission_compute(form=form, unit=unit, day=payload.day, by=request.user)
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
                                                lock_version=payload.lock_version, by=request.user)
    return _out(request, submission)


@router.post("/reports/submissions/{submission_id}/submit", response=SubmissionOut,
             summary="Submit a report (errors block it; warnings need an explanation)")
def report_submit(request: HttpRequest, submission_id: int, payload: SubmitIn):
    submission = selectors.submission_get_for_user(request.user, submission_id, perm=REPORTS_SUBMIT)
    submission = services.submission_submit(submission=submission, explanation=payload.explanation,
                                            by=request.user)
    return _out(request, submission)


@router.post("/reports/submissions/{submission_id}/review", response=SubmissionOut,
             summary="Approve or return a submitted report (the level above the unit)")
def report_review(request: HttpRequest, submission_id: int, payload: ReviewIn):
    submission = selectors.submission_get_for_user(request.user, submission_id, perm=REPORTS_REVIEW)
    if not _may_review(request.user, submission):
        raise Http404
    submission = services.submission_review(submission=submission, approve=payload.approve,
                                            comment=payload.comment, by=request.user)
    return _out(request, submission)


@router.get("/reports/submissions/{submission_id}/cells/{row}/{column}", response=CellOut,
            summary="The ids of the people counted in one cell (row: a unit code or __total__)")
def report_cell(request: HttpRequest, submission_id: int, row: str, column: str):
    submission = selectors.submission_get_for_user(request.user, submission_id)
    ids = sorted(selectors.cell_members(submission=submission, row=row, column=column))
    return {"submission_id": submission.pk, "row": row, "column": column, "count": len(ids), "ids": ids}


@router.get("/reports/datavaluesets", response=DataValueSetOut,
            summary="The day's reports of a unit as DHIS2 dataValueSets (codes as identifiers)")
def report_data_value_sets(request: HttpRequest, unit: str, day: dt.date | None = None):
    """Import into a DHIS2-style system with `POST /api/dataValueSets?idScheme=CODE`."""
    target = access.unit_get_for_user(request.user, unit, perm=REPORTS_VIEW)
    return exporting.data_value_sets(unit=target, day=day or timezone.localdate(), user=request.user)
