"""The form editor: the list of forms, a form's settings (period, cut-off, due time, rows, roll-up), and a
new version of its criteria (口径) from a date, edited as columns and rules. Saving a version parses every
indicator and rule; a mistake is shown on its line with its position."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import access
from accounts.roles import FORMS_MANAGE, REPORTS_VIEW
from core.errors import DomainError
from core.pages import page_form_post
from reports import services
from reports.forms import ColumnFormSet, FormSettingsForm, RuleFormSet, VersionForm
from reports.models import Form


@login_required
def form_list(request):
    access.require(request.user, REPORTS_VIEW)
    return render(request, "reports/form_list.html", {
        "forms": Form.objects.visible_in(access.scope_for(request.user, REPORTS_VIEW))
        .prefetch_related("versions").order_by("order", "code"),
        "can_manage": access.has_perm(request.user, FORMS_MANAGE)})


@login_required
def form_new(request):
    access.require(request.user, FORMS_MANAGE)
    settings_form = FormSettingsForm(request.POST or None, instance=Form())
    if request.method == "POST":
        posted = page_form_post(request, settings_form, lambda d: services.form_settings_save(
            form=Form(), data={k: d[k] for k in settings_form.fields}, by=request.user),
            done=_("Form created; now give it its first version."), on_form=True)
        if posted:
            return redirect("reports:form_edit", code=posted.result.code)
    return render(request, "reports/form_edit.html", {"settings_form": settings_form, "form": None})


@login_required
def form_edit(request, code: str):
    """Settings (part=settings) or a new version (part=version), each saved on its own."""
    access.require(request.user, FORMS_MANAGE)
    form = Form.objects.filter(code=code).first()
    if form is None:
        raise Http404
    latest = form.versions.order_by("-effective_from").first()
    part = request.POST.get("part") if request.method == "POST" else None
    settings_form = FormSettingsForm(request.POST if part == "settings" else None, instance=form)
    version_form = VersionForm(request.POST if part == "version" else None,
                               initial={"effective_from": timezone.localdate()})
    columns = ColumnFormSet(request.POST if part == "version" else None, prefix="col",
                            initial=[_column_initial(c) for c in latest.columns] if latest else None)
    rules = RuleFormSet(request.POST if part == "version" else None, prefix="rule",
                        initial=[_rule_initial(r) for r in latest.rules] if latest else None)
    if part == "settings" and page_form_post(request, settings_form, lambda d: services.form_settings_save(
            form=form, data={k: d[k] for k in settings_form.fields}, by=request.user), done=_("Settings saved."),
            on_form=True):
        return redirect("reports:form_edit", code=form.code)
    if part == "version" and version_form.is_valid() and columns.is_valid() and rules.is_valid():
        kept_columns = [f for f in columns.forms if (f.has_changed() or f.initial) and not _deleted(f)]
        kept_rules = [f for f in rules.forms if (f.has_changed() or f.initial) and not _deleted(f)]
        try:
            services.form_version_create(
                form=form, effective_from=version_form.cleaned_data["effective_from"],
                columns=[f.column() for f in kept_columns], rules=[f.rule() for f in kept_rules],
                note=version_form.cleaned_data["note"], by=request.user)
        except DomainError as exc:
            _errors_place(exc, version_form, kept_columns, kept_rules)
        else:
            messages.success(request, _("Version saved; reports from %(d)s on are computed under it.")
                             % {"d": version_form.cleaned_data["effective_from"].isoformat()})
            return redirect("reports:versions", code=form.code)
    return render(request, "reports/form_edit.html", {
        "form": form, "latest": latest, "settings_form": settings_form, "version_form": version_form,
        "columns": columns, "rules": rules})


def _deleted(form) -> bool:
    return bool(form.cleaned_data.get("DELETE"))


def _column_initial(column: dict) -> dict:
    return {k: column.get(k, "") for k in ("key", "figure", "label_zh", "label_en", "kind", "expression")}


def _rule_initial(rule: dict) -> dict:
    return {"importance": "error", "missing": "skip", **rule}


def _errors_place(exc: DomainError, version_form, columns: list, rules: list) -> None:
    """Put each error of a refused version on the line it concerns: a column by key, a rule by number."""
    by_key = {f.cleaned_data["key"]: f for f in columns}
    placed = False
    for name, problems in exc.fields.items():
        for problem in problems:
            if name in by_key:
                field = "expression" if by_key[name].cleaned_data["kind"] == "indicator" else "kind"
                by_key[name].add_error(field, problem)
                placed = True
            elif name.startswith("rule ") and name[5:].isdigit() and int(name[5:]) <= len(rules):
                rules[int(name[5:]) - 1].add_error(None, problem)
                placed = True
            else:
                version_form.add_error(None, problem)  # a key is for programs, not for people
                placed = True
    if not placed or not exc.fields:
        version_form.add_error(None, str(exc.message))
