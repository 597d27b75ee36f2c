"""A county's template, from its upload to the day's report in its layout: the list and the upload, a template's page
(what was understood of each sheet, the columns' choices, the form it becomes), the jump a new version makes
explained before its first report, and the day's report in the template. Scope as the report pages: 404 outside it.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts import access
from accounts.roles import FORMS_MANAGE, REPORTS_TEMPLATES, REPORTS_VIEW
from core.errors import DomainError
from core.pages import page_call, page_day, page_form_post
from core.tabular import XLSX_TYPE, attachment
from reports.jumps import jump_explain
from reports.layouts import services
from reports.layouts.forms import ColumnsForm, FormMakeForm, SheetReadForm, TemplateUploadForm
from reports.layouts.selectors import (
    forms_to_version,
    jump_day,
    template_day_for_user,
    template_get_for_user,
    templates_for_user,
    version_for_jump,
)
from reports.models import Figure
from reports.registry import sources


@login_required
def template_list(request):
    templates = templates_for_user(request.user)
    form = TemplateUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        unit = access.unit_or_top_for_user(request.user, request.POST.get("unit"), perm=REPORTS_TEMPLATES)
        posted = page_form_post(request, form, lambda d: services.template_upload(
            content=services.template_content(d["file"]), name=d["file"].name, unit=unit, by=request.user),
            done=_("Template read: check what was understood, then make it a form."), on_form=True)
        if posted:
            return redirect("reports:template", pk=posted.result.pk)
    return render(request, "reports/template_list.html", {"templates": templates[:50], "form": form})


def _sheet_forms(request, template, layout, *, posted: str | None):
    source = sources().get("people")
    figures = [(key, label) for key, label in Figure.objects.order_by("order", "key").values_list("key", "label_zh")]
    data = request.POST if posted and request.POST.get("sheet") == layout.sheet else None
    expert = access.has_perm(request.user, FORMS_MANAGE)
    return {
        "layout": layout,
        "read": SheetReadForm(data if posted == "read" else None, initial={
            "sheet": layout.sheet, "header_first": layout.header[0], "header_last": layout.header[1],
            "across": layout.across}),
        "columns": ColumnsForm(data if posted == "columns" else None, sheet=layout.sheet, expert=expert,
                               proposals=template.proposals[layout.sheet], figures=figures,
                               categories=source.value_choices("category") if source else [],
                               statuses=source.value_choices("status") if source else [],
                               custom_fields=source.value_choices("custom") if source else []),
        "make": FormMakeForm(data if posted == "make" else None, sheet=layout.sheet, title=layout.title,
                             forms_to_version=forms_to_version(request.user, template)),
        "versions": [v for v in template.versions.select_related("form") if v.template_sheet == layout.sheet],
    }


@login_required
def template_detail(request, pk: int):
    template = template_get_for_user(request.user, pk)
    posted = request.POST.get("part") if request.method == "POST" else None
    sheets = [_sheet_forms(request, template, services.template_layout(template, item["sheet"]), posted=posted)
              for item in template.layouts]
    current = next((s for s in sheets if s["layout"].sheet == request.POST.get("sheet")), None)
    if current is not None and posted == "read" and page_form_post(
            request, current["read"], lambda d: services.template_sheet_reread(
                template=template, sheet=d["sheet"], header=(d["header_first"], d["header_last"]),
                across=d["across"], by=request.user), done=_("The sheet was read again."), on_form=True):
        return redirect("reports:template", pk=template.pk)
    if current is not None and posted == "columns" and page_form_post(
            request, current["columns"], lambda d: services.template_choices_save(
                template=template, sheet=d["sheet"], choices=current["columns"].choices(), by=request.user),
            done=_("The columns' choices were saved."), on_form=True):
        return redirect("reports:template", pk=template.pk)
    if current is not None and posted == "make":
        made = page_form_post(request, current["make"], lambda d: services.template_form_make(
            template=template, sheet=d["sheet"], form=current["make"].forms_by_code.get(d["target"]),
            effective_from=d["effective_from"], name=d["name"], by=request.user),
            done=_("The form's criteria were saved: see how its numbers compare before the first report."),
            on_form=True)
        if made:
            return redirect("reports:version_jump", code=made.result.form.code, pk=made.result.pk)
    return render(request, "reports/template_detail.html", {"template": template, "sheets": sheets})


@login_required
@require_GET
def template_day(request, pk: int):
    """The day's reports of a unit (?unit=, the top of the user's scope by default; ?day=) written into the
    template."""
    template, unit = template_day_for_user(request.user, pk, request.GET.get("unit"))
    day = page_day(request, strict=True)
    if day is None:
        return HttpResponseBadRequest(_("The day is a date such as 2020-05-21."))
    try:
        data = services.template_workbook(template=template, unit=unit, day=day, user=request.user)
    except DomainError as exc:
        return HttpResponse(exc.message, status=exc.status or 400, content_type="text/plain; charset=utf-8")
    name, fallback = services.template_day_filename(template=template, unit=unit, day=day)
    return attachment(HttpResponse(data, content_type=XLSX_TYPE), name, fallback=fallback)


@login_required
def version_jump(request, code: str, pk: int):
    """A version's columns over the last 14 days beside the version in force before it, for a unit (?unit=, the
    top of the user's scope), with who entered or left each number that differs."""
    version = version_for_jump(request.user, code, pk)
    form = version.form
    unit = access.unit_or_top_for_user(request.user, request.GET.get("unit"), perm=REPORTS_VIEW)
    day = jump_day(version)
    called = page_call(request, lambda: jump_explain(form=form, columns=version.columns, unit=unit, day=day,
                                                     user=request.user), done="")
    return render(request, "reports/version_jump.html", {
        "form": form, "version": version, "unit": unit, "day": day, "jumps": called.result if called else [],
        "template": version.template})
