"""Templates and the forms they may become, as far as the user's scope reaches (404 outside it)."""

import datetime as dt

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.access import has_perm, require, scope_for, unit_or_top_for_user
from accounts.roles import FORMS_MANAGE, REPORTS_TEMPLATES, REPORTS_VIEW
from orgunits.models import OrgUnit
from reports import selectors
from reports.models import Form, FormVersion, ReportTemplate


def templates_for_user(user):
    return ReportTemplate.objects.filter(require(user, REPORTS_TEMPLATES).q("unit_path")).select_related("unit")


def template_get_for_user(user, pk: int) -> ReportTemplate:
    """The template `pk` if its unit lies in the user's scope, else 404 (to those who may manage none, too)."""
    template = ReportTemplate.objects.filter(scope_for(user, REPORTS_TEMPLATES).q("unit_path"), pk=pk).first()
    if template is None:
        raise Http404
    return template


def forms_to_version(user, template: ReportTemplate) -> list[Form]:
    """The forms the template may give a new version: those made for a unit in the user's scope that the
    template's unit reports, and (form managers) every form of everyone."""
    scope = scope_for(user, REPORTS_TEMPLATES)
    forms = Form.objects.for_unit(template.unit).order_by("order", "code")
    return [f for f in forms if (f.owner_id and scope.covers(f.owner_path)) or
            (f.owner_id is None and has_perm(user, FORMS_MANAGE))]


def template_for_export(user, pk: int, unit) -> ReportTemplate:
    """The template `pk` to write `unit`'s day in (the unit already in the user's REPORTS_VIEW scope): one the
    user may manage, or one a form that `unit` reports was made from (what a reviewer of that report may read)."""
    template = ReportTemplate.objects.filter(pk=pk).first()
    if template is None:
        raise Http404
    if scope_for(user, REPORTS_TEMPLATES).covers(template.unit_path):
        return template
    if any(v.form.applies_to(unit) for v in template.versions.select_related("form")):
        return template
    raise Http404


def template_day_for_user(user, pk: int, unit_code: str | None) -> tuple[ReportTemplate, OrgUnit]:
    """The template `pk` to write the day of the unit `unit_code` in (the top of the user's REPORTS_VIEW scope
    without one): 404 to whoever may read no report, as outside the scope (it is an object's file)."""
    if not has_perm(user, REPORTS_VIEW):
        raise Http404
    unit = unit_or_top_for_user(user, unit_code, perm=REPORTS_VIEW)
    return template_for_export(user, pk, unit), unit


def version_for_jump(user, code: str, pk: int) -> FormVersion:
    """The version `pk` of the form `code`, to whoever reads reports (403 to others, 404 for no such one)."""
    require(user, REPORTS_VIEW)
    return get_object_or_404(selectors.form_get(code, user).versions.select_related("form", "template"), pk=pk)


def jump_day(version: FormVersion) -> dt.date:
    """The last day a version's jump is computed to: today, or the day before the version starts when it starts
    later (the days it will be compared over are the old version's)."""
    return min(timezone.localdate(), version.effective_from - dt.timedelta(days=1))
