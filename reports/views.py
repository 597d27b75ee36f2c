"""Report pages: the officer's day, a report with its drill-down, submission and review, versions,
the indicator preview."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import access
from accounts.roles import (
    FORMS_MANAGE,
    REPORTS_REVIEW,
    REPORTS_SUBMIT,
    REPORTS_VIEW,
)
from core.errors import DomainError
from core.pages import page_day, page_error
from core.replicas import heavy_reads
from core.timebounds import day_parse
from reports import catalog, selectors, services
from reports.computations import changes_since, value_text
from reports.expressions import ExpressionError
from reports.forms import IndicatorPreviewForm, ReviewForm, SubmitForm
from reports.models import Submission


@login_required
def today(request):
    """The officer's day: every form due for their units, its state and the time left; and for a reviewer, the
    reports waiting for their review."""
    access.require(request.user, REPORTS_VIEW)
    day = page_day(request)
    return render(request, "reports/today.html", {"day": day, "due": selectors.reports_due(request.user, day=day),
                                                  "can_submit": access.has_perm(request.user, REPORTS_SUBMIT),
                                                  "review_queue": selectors.review_queue(request.user),
                                                  "reviewer": access.has_perm(request.user, REPORTS_REVIEW)})


@login_required
@require_POST
def compute(request, code: str):
    """Compute (or recompute) a draft for a unit and a day, then open it."""
    form = selectors.form_get(code, request.user)
    unit = access.unit_get_for_user(request.user, request.POST.get("unit", ""), perm=REPORTS_SUBMIT)
    day = day_parse(request.POST.get("day"))
    if day is None:
        raise Http404
    try:
        submission = services.submission_compute(form=form, unit=unit, day=day, by=request.user)
    except DomainError as exc:
        page_error(request, exc)
        return redirect(f"/reports/?day={day.isoformat()}")
    return redirect("reports:submission", pk=submission.pk)


def _submission_context(request, submission: Submission) -> dict:
    can_submit = access.scope_for(request.user, REPORTS_SUBMIT).covers(submission.unit_path)
    can_review = selectors.may_review(request.user, submission)
    columns = catalog.columns_explained(submission.version.columns)  # labels, full labels, definitions
    return {
        "s": submission, "columns": columns, "rows": submission.values.get("rows", []),
        "total": submission.values.get("total", {}),
        "errors": [i for i in submission.issues if i["importance"] == "error"],
        "warnings": [i for i in submission.issues if i["importance"] == "warning"],
        "can_submit": can_submit and submission.state in (Submission.State.DRAFT, Submission.State.RETURNED),
        "can_review": can_review and submission.state == Submission.State.SUBMITTED,
        "manual_keys": [c["key"] for c in columns if c["kind"] == "manual"],
        "submit_form": SubmitForm(), "review_form": ReviewForm(),
        "revisions": submission.revisions.select_related("by"),
        "can_manage": access.has_perm(request.user, FORMS_MANAGE),
        "typed": {}, "cell_errors": {}, "changes": None, "changed": {},
    }


@login_required
def submission_detail(request, pk: int):
    submission = selectors.submission_get_for_user(request.user, pk)
    return render(request, "reports/submission.html", _submission_context(request, submission))


def _typed(request) -> dict[str, dict]:
    """The manual cells as the page posted them ({row: {key: text}})."""
    values: dict[str, dict] = {}
    for name, value in request.POST.items():
        if name.startswith("cell:") and name.count(":") >= 2:
            _prefix, row, key = name.split(":", 2)
            values.setdefault(row, {})[key] = value.strip()
    return values


def _seen(request) -> int | None:
    text = request.POST.get("lock_version") or ""
    return int(text) if text.isdigit() and len(text) < 10 else None


def _changes_text(changes) -> str:
    return "；".join(f"{c.row_name}·{c.label} {value_text(c.old)} → {value_text(c.new)}" for c in changes)


def _refused(request, submission: Submission, exc: DomainError) -> HttpResponse:
    """The report page again, as it was posted: typed cells kept with each one's reason beside it, the submit and
    review forms' reasons beside their fields, the changed numbers listed; the rest of the error without keys."""
    submission = selectors.submission_get_for_user(request.user, submission.pk)
    context = _submission_context(request, submission)
    typed = _typed(request)
    context["typed"] = {f"{row}.{key}": value for row, cells in typed.items() for key, value in cells.items()}
    placed: set[str] = set()
    if isinstance(exc, services.NumbersChanged):
        context["changes"] = exc.changes
        context["changed"] = {f"{c.row}.{c.column}": c for c in exc.changes}
        placed.update(exc.fields)
    cells = {f"{r['unit']}.{k}" for r in context["rows"] for k in context["manual_keys"]}
    for name, reasons in exc.fields.items():
        if name in cells and name not in placed:
            context["cell_errors"][name] = [str(r) for r in reasons]
            placed.add(name)
    for form_name, form_class in (("submit_form", SubmitForm), ("review_form", ReviewForm)):
        form = form_class(request.POST)
        form.is_valid()
        for name, reasons in exc.fields.items():
            if name in form.fields:
                for reason in reasons:
                    form.add_error(name, str(reason))
                placed.add(name)
        context[form_name] = form
    if isinstance(exc, services.NumbersChanged):
        context["changes_message"] = exc.message  # the list of changes says the rest
    else:
        rest = DomainError(exc.code, exc.message, fields={k: v for k, v in exc.fields.items() if k not in placed})
        page_error(request, rest)
    return render(request, "reports/submission.html", context, status=exc.status)


@login_required
@require_POST
def submission_action(request, pk: int):
    """Manual cells, recompute, submit, approve or return: one POST endpoint, one service each. What the page
    showed comes back with it (its lock version, the typed cells): a refusal shows the page again as posted, and
    numbers that changed since it was shown are listed, never submitted unseen."""
    action = request.POST.get("action")
    perm = REPORTS_REVIEW if action in ("approve", "return") else REPORTS_SUBMIT
    submission = selectors.submission_get_for_user(request.user, pk, perm=perm)
    seen = _seen(request)
    try:
        if action in ("manual", "recompute"):
            typed = _typed(request)
            if typed:
                after = services.submission_manual_set(submission=submission, values=typed, lock_version=seen,
                                                       by=request.user)
                messages.success(request, _("Saved and recomputed."))
            else:
                after = services.submission_compute(form=submission.form, unit=submission.unit, day=submission.day,
                                                    by=request.user)
                messages.success(request, _("Recomputed from the line list."))
            changes = changes_since(submission=after, lock_version=seen, user=request.user)
            if changes:
                messages.warning(request, _("Changed since you opened the report: %(changes)s")
                                 % {"changes": _changes_text(changes)})
        elif action == "submit":
            services.submission_submit(submission=submission, explanation=request.POST.get("explanation", ""),
                                       seen_version=seen if seen is not None else -1, manual=_typed(request),
                                       by=request.user)
            messages.success(request, _("Submitted."))
        elif action in ("approve", "return"):
            if not selectors.may_review(request.user, submission):
                raise Http404
            services.submission_review(submission=submission, approve=action == "approve",
                                       comment=request.POST.get("comment", ""), by=request.user)
            messages.success(request, _("Approved.") if action == "approve" else _("Returned."))
        else:
            raise Http404
    except DomainError as exc:
        return _refused(request, submission, exc)
    return redirect("reports:submission", pk=submission.pk)


@login_required
@heavy_reads()  # the drill-down
def cell(request, pk: int, row: str, column: str):
    """The people behind one number, and who entered or left it since the previous period (as the API gives
    them: reports.selectors.cell_drill_down)."""
    submission = selectors.submission_get_for_user(request.user, pk)
    drill = selectors.cell_drill_down(user=request.user, submission=submission, row=row, column=column)
    [spec] = catalog.columns_explained([selectors.indicator_column(submission, column)])
    return render(request, "reports/cell.html", {
        "s": submission, "spec": spec, "row": row, "count": drill.count,
        "can_manage": access.has_perm(request.user, FORMS_MANAGE),
        "members": drill.members, "hidden": drill.hidden, "more": len(drill.ids) - len(drill.members),
        "entered": drill.entered, "left": drill.left, "criteria_changed": drill.criteria_changed,
    })


@login_required
def form_versions(request, code: str):
    """A form's versions, and what changed between two of them."""
    access.require(request.user, REPORTS_VIEW)
    form = selectors.form_get(code, request.user)
    explained = selectors.form_versions_explained(form)
    return render(request, "reports/versions.html", {"form": form, "versions": explained.versions,
                                                     "diffs": explained.diffs,
                                                     "can_manage": access.has_perm(request.user, FORMS_MANAGE)})


@login_required
def indicator_preview(request):
    """Try an indicator: its mistakes with their position, or its value and a sample of the people."""
    access.require(request.user, REPORTS_VIEW)
    form = IndicatorPreviewForm(request.GET or None)
    result = None
    if form.is_valid():
        data = form.cleaned_data
        unit = access.unit_get_for_user(request.user, data["unit"], perm=REPORTS_VIEW) if data["unit"] else None
        try:
            preview = selectors.indicator_preview(user=request.user, expression=data["expression"], unit=unit,
                                                  day=data["day"] or timezone.localdate())
            result = {"value": preview.value, "sample": preview.sample, "cutoff": preview.cutoff,
                      "definition": preview.definition}
        except ExpressionError as exc:
            result = {"error": str(exc), "position": exc.position}
    return render(request, "reports/indicator.html", {"form": form, "result": result,
                                                      "can_manage": access.has_perm(request.user, FORMS_MANAGE)})

