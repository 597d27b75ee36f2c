"""Templates and the forms they may become, as far as the user's scope reaches (404 outside it)."""

from django.http import Http404

from accounts.access import has_perm, require, scope_for
from accounts.roles import FORMS_MANAGE, REPORTS_TEMPLATES
from reports.models import Form, ReportTemplate


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
