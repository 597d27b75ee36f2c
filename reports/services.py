"""Writes of the report engine: forms and versions from data, drafts, manual cells, submission,
review. Every write audited; approved data is locked; each submission keeps its earlier versions."""

import datetime as dt
import json
import re
from pathlib import Path

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.actors import Actor
from core.audit import audit_record
from core.errors import DomainError
from core.replica_health import read_position
from core.replicas import PRIMARY, heavy_reads, in_transaction, read_alias, replica_aliases
from orgunits.models import OrgUnit
from reports.catalog import catalog_file_figures, columns_resolve, figures_seed, row_clean
from reports.computations import (
    computation_changes,
    computation_get,
    computation_keep,
    computations_prune,
    value_text,
)
from reports.engine import (
    expression_check,
    previous_period_end,
    rolled_up,
    rule_side_read,
    rules_check,
    table_compute,
)
from reports.expressions import ExpressionError
from reports.manual import blank_refuse, manual_merge, manual_read
from reports.models import Computation, Form, FormVersion, Submission, SubmissionRevision
from reports.notices import reviewed_notify, submitted_notify

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
        if not column.get("figure") and not all((column.get(k) or "").strip() for k in ("label_zh", "label_en")):
            errors.setdefault(key, []).append(_("A column without a figure needs its labels."))
    return errors


RULE_OPS = ("=", "!=", "<", "<=", ">", ">=", "pair", "exclusive")
_NAME = re.compile(r"(previous\.)?([A-Za-z_][A-Za-z0-9_]*)")


def rules_check_spec(rules: list[dict], columns: list[dict]) -> dict[str, list[str]]:
    """Errors per rule (keyed "rule N", from 1): a known operator, sides that read, names that are columns."""
    keys = {c.get("key") for c in columns}
    errors: dict[str, list[str]] = {}
    for number, rule in enumerate(rules, 1):
        problems = errors.setdefault(f"rule {number}", [])
        op = rule.get("op")
        if op not in RULE_OPS:
            problems.append(_("Unknown operator %(op)s; use one of %(ops)s.") % {"op": op, "ops": " ".join(RULE_OPS)})
            continue
        if rule.get("importance", "error") not in ("error", "warning"):
            problems.append(_("Importance is error or warning."))
        if rule.get("missing", "skip") not in ("skip", "zero"):
            problems.append(_("A missing value is skipped or counted as zero."))
        for side in ("left", "right"):
            text = str(rule.get(side) or "").strip()
            if not text:
                problems.append(_("The %(side)s side is empty.") % {"side": _side_name(side)})
                continue
            if op in ("pair", "exclusive"):
                if text not in keys:
                    problems.append(_("%(name)s is not a column of this version.") % {"name": text})
                continue
            try:
                rule_side_read(text, {k: 0 for k in keys}, {k: 0 for k in keys})
            except ValueError as exc:
                problems.append(str(exc))
                continue
            for prefix, name in _NAME.findall(text):
                if name not in keys:
                    problems.append(_("%(name)s is not a column of this version.") % {"name": prefix + name})
        if not problems:
            del errors[f"rule {number}"]
    return errors


def _side_name(side: str) -> str:
    return _("left") if side == "left" else _("right")


def form_settings_save(*, form: Form, data: dict, by: Actor) -> Form:
    """Create or change a form's settings (period, cut-off, due time, rows, roll-up); audited."""
    if data.get("requested_days"):  # dates or their ISO text, once each, in order
        data = {**data, "requested_days": sorted({str(d) for d in data["requested_days"]})}
    before = {k: getattr(form, k) for k in data} if form.pk else None
    if data.get("higher_levels", form.higher_levels) == Form.HigherLevels.CHILDREN and \
            data.get("rows", form.rows) != Form.Rows.CHILDREN:
        raise DomainError("invalid_form", _("A report rolled up from the units below needs one row per unit below."),
                          fields={"higher_levels": [_("Choose one row per unit below, or compute it directly.")]})
    if data.get("period", form.period) == Form.Period.AD_HOC and not data.get("requested_days", form.requested_days):
        raise DomainError("invalid_form", _("An ad hoc form needs the days it is asked for."),
                          fields={"requested_days": [_("Give at least one day.")]})
    with transaction.atomic():
        for key, value in data.items():
            setattr(form, key, value)
        row_clean(form, code="invalid_form", message=_("The form cannot be saved."))
        form.save()
        audit_record(actor=by, action="update" if before else "create", obj=form, before=before,
                     after={k: getattr(form, k) for k in data})
    return form


def _clean_spec(spec: dict, *, kept=(), defaults: dict | None = None) -> dict:
    """A column or rule as stored: text stripped; empty optional entries and default values left out, so the
    same criteria typed on the page or sent to the API compare equal."""
    out = {}
    for key, value in spec.items():
        value = value.strip() if isinstance(value, str) else value
        if (value in ("", None) and key not in kept) or (defaults and key in defaults and value == defaults[key]):
            continue
        out[key] = value
    return out


def form_version_create(*, form: Form, effective_from: dt.date, columns: list[dict], rules: list[dict],
                        note: str, by: Actor) -> FormVersion:
    """New criteria (口径) for `form` from `effective_from`; reports before that date keep the old ones."""
    columns = [_clean_spec(c, kept=("expression",) if c.get("kind") == "indicator" else ()) for c in columns]
    columns = columns_resolve(columns)  # a column naming a figure of the catalog keeps its expression as of now
    rules = [_clean_spec(r, defaults={"missing": "skip"}) for r in rules]
    errors = {**columns_check(columns), **rules_check_spec(rules, columns)}
    if errors:
        raise DomainError("invalid_version", _("The form version cannot be saved."), fields=errors)
    if Submission.objects.filter(form=form, day__gte=effective_from,
                                 state__in=[Submission.State.SUBMITTED, Submission.State.APPROVED]).exists():
        raise DomainError("submitted_after", _("Reports on or after %(d)s were already submitted under the old "
                                               "criteria; choose a later date.") % {"d": effective_from})
    with transaction.atomic():
        version, _created = FormVersion.objects.update_or_create(
            form=form, effective_from=effective_from,
            defaults={"columns": columns, "rules": rules, "note": note, "created_by": by})
        audit_record(actor=by, action="create", obj=version, after={"columns": columns, "rules": rules, "note": note})
    return version


def forms_seed(*, path: Path = DEFAULT_FORMS, by: Actor = None, dry_run: bool = False) -> int:
    """Create or update the forms and versions described in a JSON file; returns how many versions changed.

    With `dry_run` nothing is written: every version is checked (indicators against their sources, rules
    against the columns) and a mistake is raised naming the form, the date and the column or rule. Seeding
    does not check the sources: a version may count an additional field an administrator adds later."""
    data = json.loads(path.read_text("utf-8"))
    if dry_run:
        _forms_check(data)
        return 0
    changed = 0
    with transaction.atomic():
        if any(c.get("figure") for spec in data["forms"] for v in spec["versions"] for c in v["columns"]):
            figures_seed(by=by)  # the figures the columns name, from the catalog's file
        for spec in data["forms"]:
            form, _created = Form.objects.update_or_create(code=spec["code"], defaults={
                k: spec[k] for k in ("name_zh", "name_en", "period", "cutoff_minutes", "due_minutes", "rows",
                                     "unit_kind", "order")})
            for v in spec["versions"]:
                day = dt.date.fromisoformat(v["effective_from"])
                columns = columns_resolve(v["columns"])
                current = FormVersion.objects.filter(form=form, effective_from=day).first()
                if current and current.columns == columns and current.rules == v.get("rules", []):
                    continue
                FormVersion.objects.update_or_create(form=form, effective_from=day, defaults={
                    "columns": columns, "rules": v.get("rules", []), "note": v.get("note", "")})
                changed += 1
        if changed:
            audit_record(actor=by, action="update", object_type="reports.form", object_repr=path.name,
                         after={"versions_changed": changed})
    return changed


def _forms_check(data: dict) -> None:
    errors: dict[str, list[str]] = {}
    for spec in data["forms"]:
        for version in spec["versions"]:
            where = f"{spec['code']} @ {version['effective_from']}"
            try:
                columns = columns_resolve(version["columns"], figures=catalog_file_figures())
            except DomainError as exc:
                errors.update({f"{where} · {key}": messages for key, messages in exc.fields.items()})
                continue
            checked = {**columns_check(columns), **rules_check_spec(version.get("rules", []), columns)}
            errors.update({f"{where} · {key}": messages for key, messages in checked.items() if messages})
    if errors:
        raise DomainError("invalid_forms", "; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()),
                          fields=errors)


def _previous(form: Form, unit: OrgUnit, day: dt.date) -> tuple[dict | None, dict | None]:
    """The previous period's total and rows, from its submission or else computed."""
    prev_day = previous_period_end(form, day)
    if prev_day is None:
        return None, None
    previous = Submission.objects.filter(form=form, unit=unit, day=prev_day).first()
    if previous is not None and previous.values:
        return previous.values.get("total"), {r["unit"]: r["cells"] for r in previous.values.get("rows", [])}
    try:
        table = table_compute(form=form, unit=unit, day=prev_day)
    except DomainError:
        return None, None
    return table.total, {r["unit"]: r["cells"] for r in table.rows}


def submission_compute(*, form: Form, unit: OrgUnit, day: dt.date, by: Actor) -> Submission:
    """Compute (or recompute) the draft for `unit` and `day`, keeping the manual cells typed so far."""
    try:
        return _submission_compute(form=form, unit=unit, day=day, by=by)
    except IntegrityError:
        # Two first computations at once: both found no draft, and the other one's was saved first. Computed
        # again, this one now locks that draft and recomputes it, as any recomputation does.
        if not Submission.objects.filter(form=form, unit=unit, day=day).exists():
            raise
        return _submission_compute(form=form, unit=unit, day=day, by=by)


def _submission_compute(*, form: Form, unit: OrgUnit, day: dt.date, by: Actor, manual: dict | None = None) -> Submission:
    """The draft recomputed (with `manual` as its manual cells when given) under a new lock version, kept with
    the items behind each cell (reports.computations), with the WAL position of the data counted.

    With replicas, outside a transaction, the counting is done first, before the draft is locked: on a replica when one may
    serve that has replayed at least the draft's last position (core.replicas), so a recomputation never counts
    older data than the officer saw; inside one (a submission), on the primary."""
    counted = (_count_ahead(form=form, unit=unit, day=day, manual=manual)
               if replica_aliases() and not in_transaction() else None)
    with transaction.atomic():
        submission = Submission.objects.select_for_update().filter(form=form, unit=unit, day=day).first()
        if submission is not None:
            submission.form, submission.unit = form, unit  # read already: its name (the audit's) and the answer's
        if submission is not None and submission.state in (Submission.State.SUBMITTED, Submission.State.APPROVED):
            raise DomainError("locked", _("This report is %(state)s; it can no longer be recomputed.")
                              % {"state": submission.get_state_display()}, status=409)
        if manual is None:
            manual = submission.manual if submission else {}
        if counted is not None and counted[2] == manual:
            table, position = counted[0], counted[1]
        else:  # counted with other manual cells than the draft's, typed meanwhile: counted again, here
            table = table_compute(form=form, unit=unit, day=day, manual=manual, members=True)
            position = read_position(PRIMARY)
        prev_total, prev_rows = _previous(form, unit, day)
        values = {"rows": table.rows, "total": table.total, "cutoff": table.window.cutoff.isoformat(),
                  "due": table.due.isoformat()}
        issues = rules_check(table.version, table.rows, table.total, prev_total, prev_rows)
        issues += [{"row": m["unit"], "row_name": m["name"], "importance": "warning", "rule": "submitted",
                    "message": _("%(unit)s has not submitted this report yet; its row is empty.") % {"unit": m["name"]}}
                   for m in table.missing]
        if submission is None:
            submission = Submission(form=form, unit=unit, unit_path=unit.path, day=day)
        submission.version, submission.manual = table.version, manual
        submission.values, submission.issues, submission.computed_at = values, issues, timezone.now()
        submission.data_lsn = position
        submission.lock_version += 1
        submission.save()
        computation_keep(submission=submission, table=table, by=by)
        audit_record(actor=by, action="update", obj=submission, unit_path=unit.path,
                     after={"total": table.total, "issues": len(issues)}, note=gettext_noop("computed"))
    return submission


def _count_ahead(*, form: Form, unit: OrgUnit, day: dt.date, manual: dict | None):
    """(the table, the WAL position of what it counted, the manual cells it was counted with), counted before the
    draft is locked, on a replica at least as new as the draft's position when one may serve."""
    draft = Submission.objects.filter(form=form, unit=unit, day=day).only("manual", "data_lsn", "state").first()
    if draft is not None and draft.state in (Submission.State.SUBMITTED, Submission.State.APPROVED):
        return None  # refused under the lock
    if manual is None:
        manual = draft.manual if draft else {}
    with heavy_reads(min_lsn=draft.data_lsn if draft else None):
        alias = read_alias()
        table = table_compute(form=form, unit=unit, day=day, manual=manual, members=True)
        return table, read_position(alias), manual


def _manual_editable(submission: Submission) -> None:
    if rolled_up(submission.form, submission.unit):
        raise DomainError("rolled_up", _("This report is rolled up from the reports its units submitted; correct "
                                         "a value in the unit's own report."), status=409)


def _manual_apply(current: Submission, clean: dict, by: Actor) -> dict:
    """The locked draft's manual cells with the typed ones applied, the change audited."""
    merged = manual_merge(current.manual, clean)
    if merged != current.manual:
        audit_record(actor=by, action="update", obj=current, unit_path=current.unit_path,
                     before={"manual": current.manual}, after={"manual": merged})
    return merged


def submission_manual_set(*, submission: Submission, values: dict, lock_version: int | None, by: Actor) -> Submission:
    """Type the manual cells ({row unit code: {column key: a whole number, 无 or 0 for none, blank to clear}}) and
    recompute the draft, in one transaction: cells stored without the values computed from them would show the
    old figures beside the new cells. A mistake refuses them all and saves nothing (reports.manual)."""
    _manual_editable(submission)
    clean = manual_read(submission, values)
    with transaction.atomic():
        current = Submission.objects.select_for_update().get(pk=submission.pk)
        if lock_version is not None and current.lock_version != lock_version:
            raise DomainError("conflict", _("Someone else changed this report after you opened it; reload it."),
                              status=409)
        if current.state in (Submission.State.SUBMITTED, Submission.State.APPROVED):
            raise DomainError("locked", _("This report is %(state)s; it can no longer be changed.")
                              % {"state": current.get_state_display()}, status=409)
        return _submission_compute(form=current.form, unit=current.unit, day=current.day, by=by,
                                   manual=_manual_apply(current, clean, by))


class NumbersChanged(DomainError):
    """The numbers of a report changed since the version its submitter saw: nothing was submitted. `changes` are
    the changed cells (reports.computations.CellChange), `lock_version` the version now shown, to confirm with."""

    def __init__(self, *, changes: list | None, lock_version: int):
        message = (_("The numbers changed since you opened this report, so it was not submitted. Check the changes, "
                     "then submit again to confirm.") if changes is not None else
                   _("This report was recomputed since you opened it, so it was not submitted. Check the numbers as "
                     "they are now, then submit again to confirm."))
        super().__init__("numbers_changed", message, status=409,
                         fields={f"{c.row}.{c.column}": [f"{value_text(c.old)} → {value_text(c.new)}"]
                                 for c in changes or []})
        self.changes, self.lock_version = changes or [], lock_version


def submission_submit(*, submission: Submission, explanation: str = "", seen_version: int | None = None,
                      manual: dict | None = None, by: Actor) -> Submission:
    """Submit the numbers the submitter saw, and only those:
    1. cells typed with the submission (`manual`) are read; a mistake refuses everything;
    2. the draft is recomputed now, with them;
    3. when any cell differs from the computation the submitter saw (`seen_version`; by default the lock version
       of `submission` as the caller read it), the new computation stays the draft and NumbersChanged names each
       changed cell: nothing is submitted until it is confirmed with the new version;
    4. a blank manual cell, an error, or a warning without explanation refuses it;
    5. the values are frozen as a revision and the reviewers are told."""
    seen_version = submission.lock_version if seen_version is None else seen_version
    clean = {}
    if manual:
        _manual_editable(submission)
        clean = manual_read(submission, manual)
    typed = {(row, key) for row, cells in clean.items() for key in cells}
    typed |= {("__total__", key) for _row, key in typed}  # a typed column's total follows what was typed
    with transaction.atomic():
        current = Submission.objects.select_for_update().get(pk=submission.pk)
        if current.state in (Submission.State.SUBMITTED, Submission.State.APPROVED):
            raise DomainError("locked", _("This report is %(state)s; it can no longer be changed.")
                              % {"state": current.get_state_display()}, status=409)
        seen = computation_get(current, seen_version)
        if seen is None and seen_version == current.lock_version and current.computed_at is not None:
            seen = Computation(values=current.values, computed_at=current.computed_at)  # computed before they were kept
        current = _submission_compute(form=current.form, unit=current.unit, day=current.day, by=by,
                                      manual=_manual_apply(current, clean, by) if clean else None)
        now = computation_get(current, current.lock_version)
        changes = (computation_changes(seen=seen, now=now, columns=current.version.columns, user=by, skip=typed)
                   if seen is not None and now is not None else None)
    if changes is None or changes:
        raise NumbersChanged(changes=changes, lock_version=current.lock_version)
    blank_refuse(current)
    errors = [i for i in current.issues if i["importance"] == "error"]
    warnings = [i for i in current.issues if i["importance"] == "warning"]
    if errors:
        raise DomainError("validation_failed", _("The report has %(n)d error(s); correct the data first: %(list)s")
                          % {"n": len(errors), "list": "；".join(i["message"] for i in errors)}, status=400)
    if warnings and not explanation.strip():
        raise DomainError("explanation_needed", _("Explain the warnings before submitting: %(list)s")
                          % {"list": "；".join(i["message"] for i in warnings)},
                          fields={"explanation": [_("Required when there are warnings.")]})
    with transaction.atomic():
        current = Submission.objects.select_for_update().get(pk=current.pk)
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
        computations_prune(current)
        submitted_notify(current)
    return current


def submission_review(*, submission: Submission, approve: bool, comment: str = "", by: Actor) -> Submission:
    """The level above approves (locking the data) or returns the report with a comment; the submitter is told."""
    if submission.state != Submission.State.SUBMITTED:
        raise DomainError("not_submitted", _("Only a submitted report can be reviewed."), status=409)
    if not approve and not comment.strip():
        raise DomainError("comment_needed", _("Say why the report is returned."),
                          fields={"comment": [_("Required when returning a report.")]})
    with transaction.atomic():
        current = Submission.objects.select_for_update().get(pk=submission.pk)
        if current.state != Submission.State.SUBMITTED:  # reviewed meanwhile
            raise DomainError("not_submitted", _("Only a submitted report can be reviewed."), status=409)
        current.state = Submission.State.APPROVED if approve else Submission.State.RETURNED
        current.reviewed_at, current.reviewed_by, current.review_comment = timezone.now(), by, comment.strip()
        current.save()
        SubmissionRevision.objects.create(submission=current, revision=current.revision, state=current.state,
                                          values=current.values, manual=current.manual, comment=comment, by=by)
        audit_record(actor=by, action="update", obj=current, unit_path=current.unit_path,
                     after={"state": current.state, "comment": comment})
        if approve:
            computations_prune(current)
        reviewed_notify(current)
    return current
