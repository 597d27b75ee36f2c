"""Writes of the report engine: forms and versions from data, drafts, manual cells, submission,
review. Every write audited; approved data is locked; each submission keeps its earlier versions."""

import datetime as dt
import json
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.audit import audit_record
from core.errors import DomainError
from orgunits.models import OrgUnit
from reports.engine import expression_check, rules_check, table_compute
from reports.expressions import ExpressionError
from reports.models import Form, FormVersion, Submission, SubmissionRevision

DEFAULT_FORMS = Path(__file__).parent / "defaults" / "street_daily_forms.json"


def columns_check(columns: list[dict]) -> dict[str, list[str]]:
    """Errors per column of a version: indicator expressions are parsed and checked by their source."""
    errors: dict[str, list[str]] = {}
    keys = set()
    for column in columns:
        key = column.get("key", "")
        if not key or key in keys:
            errors.setdefault(key or "?", []).append(_("Each column needs its own key."))
        keys.add(key)
        if column.get("kind") == "indicator":
            try:
                expression_check(column.get("expression", ""))
            except ExpressionError as exc:
                errors.setdefault(key, []).append(str(exc))
        elif column.get("kind") != "manual":
            errors.setdefault(key, []).append(_("A column is an indicator or a manual entry."))
    return errors


def form_version_create(*, form: Form, effective_from: dt.date, columns: list[dict], rules: list[dict],
                        note: str, by) -> FormVersion:
    """New criteria (口径) for `form` from `effective_from`; reports before that date keep the old ones."""
    errors = columns_check(columns)
    if errors:
        raise DomainError("invalid_version", _("The form version cannot be saved."), fields=errors)
    if Submission.objects.filter(form=form, day__gte=effective_from,
                                 state__in=[Submission.State.SUBMITTED, Submission.State.APPROVED]).exists():
        raise DomainError("submitted_after", _("Reports on or after %(d)s were already submitted under the old "
                                               "criteria; choose a later date.") % {"d": effective_from})
    with transaction.atomic():
        version, _created = FormVersion.objects.update_or_create(
            form=form, effective_from=effective_from,
            defaults={"columns": columns, "rules": rules, "note": note[:300], "created_by": by})
        audit_record(actor=by, action="create", obj=version, after={"columns": columns, "rules": rules, "note": note})
    return version


def forms_seed(*, path: Path = DEFAULT_FORMS, by=None) -> int:
    """Create or update the forms and versions described in a JSON file; returns how many versions changed."""
    data = json.loads(path.read_text("utf-8"))
    changed = 0
    with transaction.atomic():
        for spec in data["forms"]:
            form, _created = Form.objects.update_or_create(code=spec["code"], defaults={
                k: spec[k] for k in ("name_zh", "name_en", "period", "cutoff_minutes", "due_minutes", "rows",
                                     "unit_kind", "order")})
            for v in spec["versions"]:
                day = dt.date.fromisoformat(v["effective_from"])
                current = FormVersion.objects.filter(form=form, effective_from=day).first()
                if current and current.columns == v["columns"] and current.rules == v.get("rules", []):
                    continue
                FormVersion.objects.update_or_create(form=form, effective_from=day, defaults={
                    "columns": v["columns"], "rules": v.get("rules", []), "note": v.get("note", "")})
                changed += 1
        if changed:
            audit_record(actor=by, action="update", object_type="reports.form", object_repr=path.name,
                         after={"versions_changed": changed})
    return changed


def _previous(form: Form, unit: OrgUnit, day: dt.date) -> tuple[dict | None, dict | None]:
    """The previous period's total and rows, from its submission or else computed."""
    prev_day = day - dt.timedelta(days=1)
    previous = Submission.objects.filter(form=form, unit=unit, day=prev_day).first()
    if previous is not None and previous.values:
        return previous.values.get("total"), {r["unit"]: r["cells"] for r in previous.values.get("rows", [])}
    try:
        table = table_compute(form=form, unit=unit, day=prev_day)
    except DomainError:
        return None, None
    return table.total, {r["unit"]: r["cells"] for r in table.rows}


def submission_compute(*, form: Form, unit: OrgUnit, day: dt.date, by) -> Submission:
    """Compute (or recompute) the draft for `unit` and `day`, keeping the manual cells typed so far."""
    with transaction.atomic():
        submission = Submission.objects.select_for_update().filter(form=form, unit=unit, day=day).first()
        if submission is not None and submission.state in (Submission.State.SUBMITTED, Submission.State.APPROVED):
            raise DomainError("locked", _("This report is %(state)s; it can no longer be recomputed.")
                              % {"state": submission.get_state_display()}, status=409)
        manual = submission.manual if submission else {}
        table = table_compute(form=form, unit=unit, day=day, manual=manual)
        prev_total, prev_rows = _previous(form, unit, day)
        values = {"rows": table.rows, "total": table.total, "cutoff": table.window.cutoff.isoformat(),
                  "due": table.due.isoformat()}
        issues = rules_check(table.version, table.rows, table.total, prev_total, prev_rows)
        if submission is None:
            submission = Submission(form=form, unit=unit, unit_path=unit.path, day=day)
        submission.version = table.version
        submission.values, submission.issues, submission.computed_at = values, issues, timezone.now()
        submission.lock_version += 1
        submission.save()
        audit_record(actor=by, action="update", obj=submission, unit_path=unit.path,
                     after={"total": table.total, "issues": len(issues)}, note=gettext_noop("computed"))
    return submission


def submission_manual_set(*, submission: Submission, values: dict, lock_version: int | None, by) -> Submission:
    """Type the manual cells ({row unit code: {column key: number}}) and recompute the draft."""
    manual_keys = {c["key"] for c in submission.version.columns if c["kind"] == "manual"}
    rows = {r["unit"] for r in submission.values.get("rows", [])}
    clean: dict[str, dict] = {}
    errors: dict[str, list[str]] = {}
    for row, cells in values.items():
        for key, value in cells.items():
            if row not in rows or key not in manual_keys:
                errors.setdefault(f"{row}.{key}", []).append(_("Not a manual cell of this report."))
                continue
            if value in ("", None):
                continue
            try:
                number = float(value)
            except (TypeError, ValueError):
                errors.setdefault(f"{row}.{key}", []).append(_("%(v)s is not a number.") % {"v": value})
                continue
            if number < 0:
                errors.setdefault(f"{row}.{key}", []).append(_("A count cannot be negative."))
                continue
            clean.setdefault(row, {})[key] = int(number) if number.is_integer() else number
    if errors:
        raise DomainError("invalid_cells", _("Some cells are not valid."), fields=errors)
    with transaction.atomic():
        current = Submission.objects.select_for_update().get(pk=submission.pk)
        if lock_version is not None and current.lock_version != lock_version:
            raise DomainError("conflict", _("Someone else changed this report after you opened it; reload it."),
                              status=409)
        if current.state in (Submission.State.SUBMITTED, Submission.State.APPROVED):
            raise DomainError("locked", _("This report is %(state)s; it can no longer be changed.")
                              % {"state": current.get_state_display()}, status=409)
        before = current.manual
        current.manual = {**current.manual, **clean}
        current.save(update_fields=["manual"])
        audit_record(actor=by, action="update", obj=current, unit_path=current.unit_path, before={"manual": before},
                     after={"manual": current.manual})
    return submission_compute(form=current.form, unit=current.unit, day=current.day, by=by)


def submission_submit(*, submission: Submission, explanation: str = "", by) -> Submission:
    """Submit a computed report: errors block it, warnings need an explanation; the values are frozen."""
    submission = submission_compute(form=submission.form, unit=submission.unit, day=submission.day, by=by)
    errors = [i for i in submission.issues if i["importance"] == "error"]
    warnings = [i for i in submission.issues if i["importance"] == "warning"]
    if errors:
        raise DomainError("validation_failed", _("The report has %(n)d error(s); correct the data first: %(list)s")
                          % {"n": len(errors), "list": "；".join(i["message"] for i in errors)}, status=400)
    if warnings and not explanation.strip():
        raise DomainError("explanation_needed", _("Explain the warnings before submitting: %(list)s")
                          % {"list": "；".join(i["message"] for i in warnings)},
                          fields={"explanation": [_("Required when there are warnings.")]})
    with transaction.atomic():
        current = Submission.objects.select_for_update().get(pk=submission.pk)
        current.state = Submission.State.SUBMITTED
        current.explanation = explanation.strip()
        current.submitted_at, current.submitted_by = timezone.now(), by
        current.revision += 1
        current.save()
        SubmissionRevision.objects.create(submission=current, revision=current.revision, state=current.state,
                                          values=current.values, manual=current.manual, comment=current.explanation,
                                          by=by)
        audit_record(actor=by, action="update", obj=current, unit_path=current.unit_path,
                     after={"state": current.state, "revision": current.revision, "total": current.values["total"]})
    return current


def submission_review(*, submission: Submission, approve: bool, comment: str = "", by) -> Submission:
    """The level above approves (locking the data) or returns the report with a comment."""
    if submission.state != Submission.State.SUBMITTED:
        raise DomainError("not_submitted", _("Only a submitted report can be reviewed."), status=409)
    if not approve and not comment.strip():
        raise DomainError("comment_needed", _("Say why the report is returned."),
                          fields={"comment": [_("Required when returning a report.")]})
    with transaction.atomic():
        current = Submission.objects.select_for_update().get(pk=submission.pk)
        current.state = Submission.State.APPROVED if approve else Submission.State.RETURNED
        current.reviewed_at, current.reviewed_by, current.review_comment = timezone.now(), by, comment.strip()
        current.save()
        SubmissionRevision.objects.create(submission=current, revision=current.revision, state=current.state,
                                          values=current.values, manual=current.manual, comment=comment, by=by)
        audit_record(actor=by, action="update", obj=current, unit_path=current.unit_path,
                     after={"state": current.state, "comment": comment})
    return current


