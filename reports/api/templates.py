"""A county's template through the API as on its pages (reports.views_templates): the list and the upload, a
template with what was understood of each sheet, a sheet read again, the columns' choices, the form it becomes,
the jump a new version makes explained, and the day's report in the template. The same services and selectors
(reports.layouts), the same scope: 404 outside it."""

import datetime as dt

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import File, Form, Router, Status, UploadedFile

from accounts import access
from accounts.roles import REPORTS_TEMPLATES, REPORTS_VIEW
from core.tabular import XLSX_TYPE, attachment
from reports.jumps import jump_explain
from reports.layouts import selectors, services
from reports.layouts.schemas import (
    ColumnChoiceIn,
    FormMadeOut,
    FormMakeIn,
    JumpOut,
    SheetReadIn,
    TemplateOut,
    TemplateSummaryOut,
)
from reports.models import ReportTemplate

router = Router(tags=["reports"])

LISTED = 50  # as the page lists them: the latest first


def _template_out(template: ReportTemplate) -> dict:
    versions = list(template.versions.select_related("form").order_by("effective_from", "pk"))
    return {"id": template.pk, "name": template.name, "unit": template.unit.code, "unit_name": template.unit.name,
            "created_at": template.created_at,
            "sheets": [{"sheet": item["sheet"], "layout": services.template_layout(template, item["sheet"]).as_json(),
                        "proposals": template.proposals.get(item["sheet"], []),
                        "versions": [{"form": v.form.code, "version_id": v.pk, "effective_from": v.effective_from}
                                     for v in versions if v.template_sheet == item["sheet"]]}
                       for item in template.layouts]}


@router.get("/reports/templates", response=list[TemplateSummaryOut], url_name="report_template_list",
            summary="The county templates uploaded for the units in the caller's scope, the latest first")
def report_template_list(request: HttpRequest):
    templates = selectors.templates_for_user(request.user)[:LISTED]
    return [{"id": t.pk, "name": t.name, "unit": t.unit.code, "unit_name": t.unit.name, "created_at": t.created_at,
             "sheets": [item["sheet"] for item in t.layouts]} for t in templates]


@router.post("/reports/templates", response={201: TemplateOut}, url_name="report_template_upload",
             summary="Upload a county's template (.xlsx, or .xls) as received: what was understood of each sheet and "
                     "a proposal for each of its indicators")
def report_template_upload(request: HttpRequest, file: File[UploadedFile], unit: Form[str | None] = None):
    """For `unit` (a code; the top of the caller's scope by default). A file that holds no report table, holds
    macros or is too large is refused saying why, nothing kept."""
    target = access.unit_or_top_for_user(request.user, unit, perm=REPORTS_TEMPLATES)
    template = services.template_upload(content=services.template_content(file), name=file.name or "",
                                        unit=target, by=access.request_user(request))
    return Status(201, _template_out(template))


@router.get("/reports/templates/{template_id}", response=TemplateOut, url_name="report_template_get",
            summary="A template: each sheet's table as understood, its indicators' proposals and the forms made "
                    "from it")
def report_template_get(request: HttpRequest, template_id: int):
    return _template_out(selectors.template_get_for_user(request.user, template_id))


@router.post("/reports/templates/{template_id}/sheets/{sheet}/read", response=TemplateOut,
             url_name="report_template_sheet_read",
             summary="Read a sheet again with the header lines and direction given (where the reading guessed wrong); "
                     "its proposals are made again")
def report_template_sheet_read(request: HttpRequest, template_id: int, sheet: str, payload: SheetReadIn):
    template = selectors.template_get_for_user(request.user, template_id)
    template = services.template_sheet_reread(template=template, sheet=sheet, header=(
        payload.header_first, payload.header_last), across=payload.across, by=access.request_user(request))
    return _template_out(template)


@router.put("/reports/templates/{template_id}/sheets/{sheet}/columns", response=TemplateOut,
            url_name="report_template_columns_save",
            summary="Choose what each indicator of a sheet counts: a catalog figure, an indicator or a column typed "
                    "by hand; a column that cannot be used so is named (c<index>) and nothing is saved")
def report_template_columns_save(request: HttpRequest, template_id: int, sheet: str, payload: list[ColumnChoiceIn]):
    template = selectors.template_get_for_user(request.user, template_id)
    choices = {c.index: {k: v for k, v in c.dict(exclude={"index"}).items() if v is not None} for c in payload}
    template = services.template_choices_save(template=template, sheet=sheet, choices=choices,
                                              by=access.request_user(request))
    return _template_out(template)


@router.post("/reports/templates/{template_id}/sheets/{sheet}/forms", response={201: FormMadeOut},
             url_name="report_template_form_make",
             summary="Make a sheet a form's criteria from a date: a new version of a form the caller may change, or "
                     "a new form of the template's unit")
def report_template_form_make(request: HttpRequest, template_id: int, sheet: str, payload: FormMakeIn):
    """`form`, when given, is one of the forms the template's page offers the caller (404 for any other)."""
    template = selectors.template_get_for_user(request.user, template_id)
    form = None
    if payload.form:
        form = {f.code: f for f in selectors.forms_to_version(request.user, template)}.get(payload.form)
        if form is None:
            raise Http404
    version = services.template_form_make(template=template, sheet=sheet, form=form,
                                          effective_from=payload.effective_from, name=payload.name,
                                          by=access.request_user(request))
    return Status(201, {"form": version.form.code, "version_id": version.pk,
                        "effective_from": version.effective_from})


@router.get("/reports/forms/{code}/versions/{version_id}/jump", response=JumpOut, url_name="report_version_jump",
            summary="A version's columns over the last 14 days beside the version in force before it, for a unit, "
                    "with who entered or left each number that differs and by which rule")
def report_version_jump(request: HttpRequest, code: str, version_id: int, unit: str | None = None):
    """Up to today, or up to the day before the version starts when it starts later (as its page)."""
    version = selectors.version_for_jump(request.user, code, version_id)
    target = access.unit_or_top_for_user(request.user, unit, perm=REPORTS_VIEW)
    day = selectors.jump_day(version)
    jumps = jump_explain(form=version.form, columns=version.columns, unit=target, day=day, user=request.user)
    return {"form": version.form.code, "version_id": version.pk, "effective_from": version.effective_from,
            "unit": target.code, "day": day,
            "columns": [{"key": j.key, "label": j.label, "state": j.state, "day": j.day,
                         "days": [{"day": d, "before": b, "now": n} for d, b, n in j.days],
                         "groups": [{"rule": g.rule, "entered": g.entered, "count": g.count, "rows": g.rows}
                                    for g in j.groups]} for j in jumps]}


@router.get("/reports/templates/{template_id}/day.xlsx", url_name="report_template_day",
            summary="A unit's reports of a day written into the template, as its page downloads them")
def report_template_day(request: HttpRequest, template_id: int, unit: str | None = None,
                        day: dt.date | None = None):
    """`unit` a code (the top of the caller's scope by default), `day` today by default."""
    template, target = selectors.template_day_for_user(request.user, template_id, unit)
    day = day or timezone.localdate()
    data = services.template_workbook(template=template, unit=target, day=day, user=request.user)
    name, fallback = services.template_day_filename(template=template, unit=target, day=day)
    return attachment(HttpResponse(data, content_type=XLSX_TYPE), name, fallback=fallback)
