"""The home page: the situation dashboard of a unit's subtree on a day, then who the user is, the roles held
and the part of the tree each covers."""

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import render
from django.utils import timezone

from accounts import access
from core.replicas import heavy_reads
from dashboard import selectors
from dashboard.forms import DashboardQuery
from orgunits.models import OrgUnit
from orgunits.selectors import path_names
from reports.selectors import review_queue


def _roles(user) -> list[dict]:
    memberships = access.memberships_of(user)
    names = path_names([m.unit_path for m in memberships if m.unit_id])
    rows = []
    for m in memberships:
        counts = {}
        if m.unit_id:
            counts = dict(OrgUnit.objects.filter(path__under=m.unit_path).values_list("kind")
                          .annotate(n=Count("id")).values_list("kind", "n"))
        rows.append({"membership": m, "breadcrumb": names.get(m.unit_path, ""),
                     "counts": [(OrgUnit.Kind(k).label, counts[k]) for k in OrgUnit.Kind.values if counts.get(k)]})
    return rows


@login_required
@heavy_reads()  # the situation overview: read-only, counted on a replica when one may serve
def home(request):
    context = {"rows": _roles(request.user), "review_queue": review_queue(request.user)}  # 待审核, for reviewers
    if not selectors.dashboard_scope(request.user).empty:
        query = DashboardQuery(request.GET)
        query.is_valid()  # a bad field is shown with its error; the others still apply
        code = (query.cleaned_data.get("unit") or "").strip()
        day = query.cleaned_data.get("day") or timezone.localdate()
        unit = selectors.dashboard_unit_for_user(request.user, code)
        context.update(query=query, place=selectors.place_for_user(request.user, unit),
                       dashboard=selectors.dashboard_for_user(request.user, unit=unit, day=day))
    return render(request, "dashboard/home.html", context)
