"""The catalog of figures: every figure with its definition in words, one figure for a unit and a day with what it
counts (the list every figure on the home page opens), and the form managers' editor."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import access
from accounts.access import scope_for
from accounts.roles import FORMS_MANAGE, REPORTS_VIEW
from core.pages import page_day, page_form_post
from orgunits.models import OrgUnit
from orgunits.selectors import scope_roots
from reports import catalog
from reports.definitions import definition
from reports.expressions import parse
from reports.facts import source_for
from reports.forms import FigureForm
from reports.models import Figure

ROWS_PER_PAGE = 200


@login_required
def figure_list(request):
    """The vocabulary: every figure, its full and column labels, its definition (the expression for managers)."""
    access.require(request.user, REPORTS_VIEW)
    figures = catalog.figures_all()
    return render(request, "reports/figures.html", {
        "figures": [(f, definition(f.expression)) for f in figures],
        "can_manage": access.has_perm(request.user, FORMS_MANAGE)})


def _unit_for(user, code: str, perms: tuple[str, ...]) -> OrgUnit:
    """The unit `code` when one of `perms` covers it (404 otherwise); without a code, the top of the first scope."""
    scopes = [scope_for(user, perm) for perm in perms]
    if code:
        unit = OrgUnit.objects.filter(code=code).first()
        if unit is None or not any(s.covers(unit.path) for s in scopes):
            raise Http404
        return unit
    for scope in scopes:
        if not scope.empty:
            return scope_roots(scope)[0]
    raise Http404


@login_required
def figure_detail(request, key: str):
    """One figure for a unit and a day: its value at the day's statistical time point, its definition, its parts
    and what it counts (the people, cases or communities), as the home page shows it."""
    figure = catalog.figure_get(key)
    if figure is None:
        raise Http404
    indicator = parse(figure.expression)
    source = source_for(indicator)
    unit = _unit_for(request.user, request.GET.get("unit", "").strip(), (source.view_permission, REPORTS_VIEW))
    day = page_day(request)
    window = catalog.day_window(day)
    ids = source.members(indicator, window=window, under=unit.path)
    opened = source.members_open(ids, user=request.user)
    page = Paginator(opened, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    shown = source.members_rows(list(page.object_list), user=request.user)
    parts = list(catalog.figures_by_key(figure.parts).values())
    values = catalog.figures_values(parts, unit=unit, window=window) if parts else {}
    return render(request, "reports/figure.html", {
        "figure": figure, "definition": definition(figure.expression), "unit": unit, "day": day,
        "at": min(window.cutoff, timezone.now()),
        "value": len(ids), "hidden": len(ids) - len(opened), "page": page,
        "members": [{"id": i, **shown[i]} for i in page.object_list if i in shown],
        "parts": [(p, values.get(p.key, 0)) for p in sorted(parts, key=lambda p: figure.parts.index(p.key))],
        "can_manage": access.has_perm(request.user, FORMS_MANAGE)})


@login_required
def figure_edit(request, key: str = ""):
    """Create (no key) or change a figure; a change that forms in force still count otherwise is pointed out."""
    access.require(request.user, FORMS_MANAGE)
    figure = Figure() if not key else catalog.figure_get(key)
    if figure is None:
        raise Http404
    form = FigureForm(request.POST or None, instance=figure)
    if request.method == "POST":
        posted = page_form_post(request, form, lambda _d: catalog.figure_save(
            figure=Figure.objects.filter(pk=figure.pk).first() or Figure(), data=form.data_for_save(),
            by=request.user), done=_("Figure saved."), on_form=True)
        if posted:
            return redirect("reports:figure_edit", key=posted.result.key)
    return render(request, "reports/figure_edit.html", {
        "form": form, "figure": figure if figure.pk else None,
        "definition": definition(figure.expression) if figure.pk else "",
        "otherwise": catalog.versions_counting_otherwise(figure) if figure.pk else []})
