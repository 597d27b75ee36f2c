"""Pages of the administrative tree: browse within scope, add communities and grids, import, sites."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import access
from accounts.roles import ORGUNITS_MANAGE, ORGUNITS_VIEW
from core.forms import choices_set
from core.pages import page_form_post
from orgunits import selectors, services
from orgunits.forms import SiteForm, UnitCreateForm, UnitImportForm, UnitRenameForm
from orgunits.models import CHILD_KINDS, LOCAL_KINDS


@login_required
def tree(request):
    """The top units of the user's scope, and a search box."""
    scope = access.require(request.user, ORGUNITS_VIEW)
    q = request.GET.get("q", "")
    results = selectors.units_search(scope, q=q) if q else None
    template = "orgunits/_search_results.html" if request.htmx else "orgunits/tree.html"
    return render(request, template, {"roots": selectors.scope_roots(scope), "q": q, "results": results})


@login_required
def unit_detail(request, code: str):
    unit = access.unit_get_for_user(request.user, code, perm=ORGUNITS_VIEW)
    scope = access.scope_for(request.user, ORGUNITS_VIEW)
    can_manage = access.scope_for(request.user, ORGUNITS_MANAGE).covers(unit.path)
    addable = [k for k in CHILD_KINDS[unit.kind] if k in LOCAL_KINDS]
    create_form = UnitCreateForm(initial={"kind": addable[0] if addable else None})
    choices_set(create_form, "kind", [(k.value, k.label) for k in addable])
    return render(request, "orgunits/unit_detail.html", {
        "unit": unit,
        "ancestors": [a for a in selectors.unit_ancestors(unit) if scope.covers(a.path)],
        "children": selectors.unit_children(unit),
        "sites": selectors.sites_of(unit),
        "can_manage": can_manage,
        "can_add_child": can_manage and bool(addable),
        "create_form": create_form,
        "rename_form": UnitRenameForm(initial={"name": unit.name}),
        "site_form": SiteForm(),
    })


@login_required
@require_POST
def unit_child_create(request, code: str):
    parent = access.unit_get_for_user(request.user, code, perm=ORGUNITS_MANAGE)
    form = UnitCreateForm(request.POST)
    addable = [k for k in CHILD_KINDS[parent.kind] if k in LOCAL_KINDS]
    choices_set(form, "kind", [(k.value, k.label) for k in addable])
    if page_form_post(request, form, lambda d: services.unit_create(parent=parent, by=request.user, **d),
                      done=lambda unit: _("%(name)s is added.") % {"name": unit.name}, on_form=True):
        return redirect("orgunits:detail", code=parent.code)
    return render(request, "orgunits/unit_form.html", {"unit": parent, "form": form, "title": _("Add a unit")})


@login_required
@require_POST
def unit_rename(request, code: str):
    unit = access.unit_get_for_user(request.user, code, perm=ORGUNITS_MANAGE)
    form = UnitRenameForm(request.POST)
    if page_form_post(request, form, lambda d: services.unit_rename(unit=unit, name=d["name"], by=request.user),
                      on_form=True):
        return redirect("orgunits:detail", code=unit.code)
    return render(request, "orgunits/unit_form.html", {"unit": unit, "form": form, "title": _("Rename")})


@login_required
def unit_import(request, code: str):
    """Import communities and grids under this unit from CSV, with row-level errors."""
    unit = access.unit_get_for_user(request.user, code, perm=ORGUNITS_MANAGE)
    manage_scope = access.scope_for(request.user, ORGUNITS_MANAGE)
    form = UnitImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST":
        result = page_form_post(request, form, lambda d: services.units_import_below(
            unit=unit, covers=manage_scope.covers, data=d["file"].read(), name=d["file"].name, by=request.user,
            keep_valid=d["keep_valid"]), done="", on_form=True).result
    return render(request, "orgunits/unit_import.html", {"unit": unit, "form": form, "result": result})


@login_required
@require_POST
def site_create(request, code: str):
    unit = access.unit_get_for_user(request.user, code, perm=ORGUNITS_MANAGE)
    form = SiteForm(request.POST)
    if page_form_post(request, form, lambda d: services.site_create(unit=unit, by=request.user, **d),
                      done=lambda site: _("%(name)s is added.") % {"name": site.name}, on_form=True):
        return redirect("orgunits:detail", code=unit.code)
    return render(request, "orgunits/unit_form.html", {"unit": unit, "form": form, "title": _("Add a site")})


@login_required
def site_detail(request, pk: int):
    site = access.site_get_for_user(request.user, pk, perm=ORGUNITS_VIEW)
    can_manage = access.scope_for(request.user, ORGUNITS_MANAGE).covers(site.unit_path)
    form = SiteForm(request.POST or None, initial={"kind": site.kind, "name": site.name, "address": site.address,
                                                   "contact_phone": site.contact_phone})
    if request.method == "POST":
        if not can_manage:
            raise Http404
        if page_form_post(request, form, lambda d: services.site_update(site=site, data=d, by=request.user),
                          on_form=True):
            return redirect("sites:site_detail", pk=site.pk)
    return render(request, "orgunits/site_detail.html", {"site": site, "form": form, "can_manage": can_manage})
