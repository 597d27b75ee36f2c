"""The home page: who the user is, the roles held and the part of the tree each covers."""

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import render

from accounts import access
from orgunits.models import OrgUnit
from orgunits.selectors import path_names


@login_required
def home(request):
    memberships = access.memberships_of(request.user)
    names = path_names([m.unit_path for m in memberships if m.unit_id])
    rows = []
    for m in memberships:
        counts = {}
        if m.unit_id:
            counts = dict(OrgUnit.objects.filter(path__under=m.unit_path).values_list("kind")
                          .annotate(n=Count("id")).values_list("kind", "n"))
        rows.append({"membership": m, "breadcrumb": names.get(m.unit_path, ""),
                     "counts": [(OrgUnit.Kind(k).label, counts[k]) for k in OrgUnit.Kind.values if counts.get(k)]})
    return render(request, "dashboard/home.html", {"rows": rows})
