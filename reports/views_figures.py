"""The catalog of figures: every figure with its definition in words, one figure for a unit and a day with what it
counts (the list every figure on the home page opens), and the form managers' editor."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts import access
from accounts.roles import FORMS_MANAGE, REPORTS_VIEW
from core.pages import page_day, page_form_post
from reports import catalog, selectors
from reports.definitions import definition
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


@login_required
def figure_detail(request, key: str):
    """One figure for a unit and a day: its value at the day's statistical time point, its definition, its parts
    and what it counts (the people, cases or communities), as the home page shows it."""
    figure = catalog.figure_get(key)
    if figure is None:
        raise Http404
    day = page_day(request)
    count = selectors.figure_count(user=request.user, figure=figure, unit_code=request.GET.get("unit", "").strip(),
                                   day=day)
    page = Paginator(count.opened, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    shown = count.source.members_rows(list(page.object_list), user=request.user)
    return render(request, "reports/figure.html", {
        "figure": figure, "definition": definition(figure.expression), "unit": count.unit, "day": day,
        "at": count.at, "value": count.value, "hidden": count.value - len(count.opened), "page": page,
        "members": [{"id": i, **shown[i]} for i in page.object_list if i in shown], "parts": count.parts,
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
