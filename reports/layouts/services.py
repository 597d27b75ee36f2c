"""A county's template through its life: uploaded and understood, corrected by the officer, made into a form's
version from a date, and the day's report written out in it. Every write is audited.

A street officer (REPORTS_TEMPLATES) makes forms of their own unit (`Form.owner`): they apply to that unit and the
units below it only. A form manager may give an existing form of everyone a version from a template too.
"""

import dataclasses
import datetime as dt
import hashlib
import re

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import access
from accounts.roles import FORMS_MANAGE
from core.actors import Actor
from core.audit import audit_record
from core.errors import DomainError
from core.tabular import date_for_reader, date_zh, workbook_laid_out
from orgunits.models import OrgUnit
from reports.engine import expression_check, version_for
from reports.exporting import report_values, sheet_state
from reports.expressions import ExpressionError
from reports.layouts.filling import layouts_fill
from reports.layouts.opening import TEMPLATE_MAX_BYTES, template_open
from reports.layouts.proposing import FIGURE, INDICATOR, MANUAL, Proposal, proposals_make
from reports.layouts.reading import Layout, layouts_in, sheet_layout
from reports.layouts.versions import columns_from, filling_from
from reports.models import Figure, Form, FormVersion, ReportTemplate, Submission
from reports.services import form_settings_save, form_version_create

KINDS = (FIGURE, INDICATOR, MANUAL)


def _proposals(layouts: list[Layout], unit: OrgUnit) -> dict[str, list[dict]]:
    """Each sheet's proposals, read against the catalog and the columns of the forms in force for `unit` (two
    queries whatever the number of forms and sheets)."""
    forms = list(Form.objects.for_unit(unit).order_by("order", "code"))
    in_force: dict[int, FormVersion] = {}
    for version in FormVersion.objects.filter(form__in=forms, effective_from__lte=timezone.localdate()).order_by(
            "form_id", "-effective_from"):
        in_force.setdefault(version.form_id, version)
    reported = [(form.name_zh, n, c.get("expression", "")) for form in forms if form.pk in in_force
                for n, c in enumerate(in_force[form.pk].columns, start=1)]
    figures = list(Figure.objects.values_list("key", "expression"))
    return {layout.sheet: [dataclasses.asdict(p) for p in proposals_make(layout, figures=figures, reported=reported)]
            for layout in layouts}


def template_content(upload) -> bytes:
    """An uploaded file's bytes, refused before they are read when the file is larger than a template can be."""
    if upload.size > TEMPLATE_MAX_BYTES:
        message = _("%(name)s is larger than %(mb)d MB; a template is a few sheets of headers.") % {
            "name": (upload.name or "")[:40], "mb": TEMPLATE_MAX_BYTES >> 20}
        raise DomainError("template_too_large", message, fields={"file": [message]})
    return upload.read()


def template_upload(*, content: bytes, name: str, unit: OrgUnit, by: Actor) -> ReportTemplate:
    """Read the template (refused with the reason when it is none) and keep it with what was understood."""
    content = template_open(content, name=name)  # checked; an .xls made .xlsx; formulas as their values
    layouts = layouts_in(content, name=name)
    with transaction.atomic():
        template = ReportTemplate(name=name[:200], digest=hashlib.sha256(content).hexdigest(), unit=unit,
                                  unit_path=unit.path, created_by=by, layouts=[layout.as_json() for layout in layouts],
                                  proposals=_proposals(layouts, unit))
        template.file.save("template.xlsx", ContentFile(content), save=False)
        template.save()
        audit_record(actor=by, action="create", obj=template, unit_path=template.unit_path,
                     after={"name": template.name, "sheets": [layout.sheet for layout in layouts],
                            "digest": template.digest})
    return template


def template_layout(template: ReportTemplate, sheet: str) -> Layout:
    found = next((Layout.from_json(item) for item in template.layouts if item["sheet"] == sheet), None)
    if found is None:
        raise DomainError("unknown_sheet", _("The template has no report table on a sheet named %(sheet)s.")
                          % {"sheet": sheet[:31]}, status=404)
    return found


def template_sheet_reread(*, template: ReportTemplate, sheet: str, header: tuple[int, int], across: str,
                          by: Actor) -> ReportTemplate:
    """Read a sheet again with the header rows and direction the officer gives (where the reading guessed wrong);
    its proposals are made again."""
    template_layout(template, sheet)
    if not 1 <= header[0] <= header[1] <= header[0] + 10:
        raise DomainError("invalid_header", _("The header is one to ten lines: its first line, then its last."),
                          fields={"header_last": [_("Give a last line at or below the first, at most ten lines "
                                                    "further.")]})
    with template.file.open("rb") as handle:
        book = workbook_laid_out(handle.read(), values=True)
    layout = sheet_layout(book[sheet], header=header, across=across)
    if layout is None:
        raise DomainError("invalid_header", _("Lines %(a)d to %(b)d hold no column titles of indicators.")
                          % {"a": header[0], "b": header[1]}, fields={"header_first": [_("Choose other lines.")]})
    before = next(item for item in template.layouts if item["sheet"] == sheet)
    with transaction.atomic():
        template.layouts = [layout.as_json() if item["sheet"] == sheet else item for item in template.layouts]
        template.proposals = {**template.proposals, **_proposals([layout], template.unit)}
        template.save(update_fields=["layouts", "proposals"])
        audit_record(actor=by, action="update", obj=template, unit_path=template.unit_path,
                     before={"sheet": sheet, "header": before["header"], "across": before["across"]},
                     after={"sheet": sheet, "header": list(header), "across": across})
    return template


def template_choices_save(*, template: ReportTemplate, sheet: str, choices: dict[int, dict], by: Actor
                          ) -> ReportTemplate:
    """The officer's choice for each indicator: {index: {"kind", "figure", "expression", "label"}}; a figure must
    be the catalog's, an indicator's expression must count (its mistake named on its line)."""
    template_layout(template, sheet)
    figures = set(Figure.objects.values_list("key", flat=True))
    errors: dict[str, list[str]] = {f"c{i}": [_("The sheet has no indicator numbered %(n)d.") % {"n": i}]
                                    for i in set(choices) - {p["index"] for p in template.proposals[sheet]}}
    proposals = []
    for proposal in template.proposals[sheet]:
        choice = choices.get(proposal["index"], {})
        kind = choice.get("kind", proposal["kind"])
        updated = {**proposal, "kind": kind, "label": (choice.get("label") or proposal["label"]).strip()[:60],
                   "figure": choice.get("figure", proposal["figure"]) if kind == FIGURE else "",
                   "expression": choice.get("expression", proposal["expression"]) if kind == INDICATOR else ""}
        field = f"c{proposal['index']}"
        if kind not in KINDS:
            errors[field] = [_("Choose a figure, an indicator or a column typed by hand.")]
        elif kind == FIGURE and updated["figure"] not in figures:
            errors[field] = [_("Choose a figure of the catalog.")]
        elif kind == INDICATOR:
            try:
                expression_check(updated["expression"])
            except ExpressionError as exc:
                errors[field] = [str(exc)]
        proposals.append(updated)
    if errors:
        raise DomainError("invalid_choices", _("Some columns cannot be used as chosen."), fields=errors)
    with transaction.atomic():
        before = template.proposals[sheet]
        template.proposals = {**template.proposals, sheet: proposals}
        template.save(update_fields=["proposals"])
        audit_record(actor=by, action="update", obj=template, unit_path=template.unit_path,
                     before={"sheet": sheet, "proposals": before}, after={"sheet": sheet, "proposals": proposals})
    return template


def template_form_make(*, template: ReportTemplate, sheet: str, form: Form | None, effective_from: dt.date,
                       name: str = "", by: Actor) -> FormVersion:
    """The sheet's table as a version of `form` from `effective_from`, or (no form) as a new form of the
    template's unit; the version's official layout is the template's sheet."""
    layout = template_layout(template, sheet)
    proposals = [Proposal(**p) for p in template.proposals[sheet]]
    if form is not None and form.owner_id is None and not access.has_perm(by, FORMS_MANAGE):
        raise DomainError("not_allowed", _("Only a form manager may change a form everyone reports; make a form "
                                           "of your own from the template."), status=403)
    with transaction.atomic():
        if form is None:
            form = form_settings_save(form=Form(owner=template.unit, owner_path=template.unit_path), data={
                "code": _code_new(template, sheet), "name_zh": (name or layout.title or template.name)[:100],
                "name_en": f"County template: {(name or layout.title or template.name)[:120]}",
                "unit_kind": template.unit.kind}, by=by)
            old_columns: list[dict] = []
        else:
            old_columns = _columns_in_force(form, effective_from)
        version = form_version_create(
            form=form, effective_from=effective_from, columns=columns_from(proposals, old_columns=old_columns),
            rules=[], note=f"按模板《{template.name[:200]}》", by=by)
        version.template, version.template_sheet = template, sheet
        version.save(update_fields=["template", "template_sheet"])
    return version


def _code_new(template: ReportTemplate, sheet: str) -> str:
    base = f"t{template.pk}-{re.sub(r'[^a-z0-9]+', '', sheet.lower())[:20] or 'sheet'}"
    code, n = base, 2
    while Form.objects.filter(code=code).exists():
        code, n = f"{base}-{n}", n + 1
    return code


def _columns_in_force(form: Form, day: dt.date) -> list[dict]:
    try:
        return version_for(form, day).columns
    except DomainError:
        return []


def template_workbook(*, template: ReportTemplate, unit: OrgUnit, day: dt.date, user) -> bytes:
    """The template filled with the day's reports of `unit`: every sheet a form's version in force that day was
    made from; the values a submission holds, else computed live; audited as an export."""
    versions = {}
    for version in template.versions.select_related("form"):
        if version.form.active and version_for(version.form, day) == version:
            versions[version.template_sheet] = version
    if not versions:
        raise DomainError("no_forms", _("No form's criteria in force on %(day)s come from this template.")
                          % {"day": day.isoformat()}, status=404)
    submissions = {s.form_id: s for s in Submission.objects.filter(
        unit=unit, day=day, form__in=[v.form for v in versions.values()]).select_related("submitted_by",
                                                                                          "reviewed_by")}
    fillings, forms = [], []
    now = timezone.now()
    for sheet, version in versions.items():
        values = report_values(form=version.form, unit=unit, day=day, submission=submissions.get(version.form_id))
        state = sheet_state(values.submission, now=now)
        fields = {"unit": unit.name, "date": date_zh(day), "reporter": state.preparer.strip("_"),
                  "reviewer": state.reviewer.strip("_"), "phone": state.phone.strip("_")}
        layout = template_layout(template, sheet)
        fillings.append((layout, filling_from(layout, values, fields=fields, mark=state.mark)))
        forms.append(version.form.code)
    with template.file.open("rb") as handle:
        data = layouts_fill(handle.read(), fillings)
    audit_record(actor=user, action="export", obj=template, unit_path=unit.path,
                 after={"format": "template", "unit": unit.code, "day": day.isoformat(), "forms": forms})
    return data


def template_day_filename(*, template: ReportTemplate, unit: OrgUnit, day: dt.date) -> tuple[str, str]:
    """The day's workbook's file name as a reader sees it, and its ASCII fallback."""
    name = template.name.rsplit(".", 1)[0]
    return f"{unit.name}-{date_for_reader(day)}-{name}.xlsx", f"report-{unit.code}-{day.isoformat()}.xlsx"
