"""The communities where confirmed cases stayed, day by day (what form 5 counts)."""

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from accounts import access
from accounts.roles import TRACING_VIEW
from core.pages import page_day
from tracing import selectors
from tracing.views.common import disclosure


@login_required
def stays(request):
    """Per day, the communities where confirmed cases stayed (what form 5 counts), with who and where."""
    scope = access.require(request.user, TRACING_VIEW)
    last = page_day(request, "until")
    first = page_day(request, "from", default=last - dt.timedelta(6))
    if (last - first).days > 60 or last < first:
        first = last - dt.timedelta(6)
    unit = None
    if request.GET.get("unit"):
        unit = access.unit_get_for_user(request.user, request.GET["unit"].strip(), perm=TRACING_VIEW)
    roots = [unit.path] if unit else (list(scope.paths) if not scope.everything else [""])
    days = []
    for root in roots:
        for entry in selectors.stay_communities_by_day(under=root, first_day=first, last_day=last):
            existing = next((d for d in days if d["day"] == entry["day"]), None)
            if existing is None:
                days.append(entry)
            else:
                existing["communities"].extend(entry["communities"])
    days.sort(key=lambda d: d["day"], reverse=True)
    shown = disclosure(request)
    for d in days:
        for entry in d["communities"]:
            entry["people"] = shown.show_all(entry["people"].values())
    return render(request, "tracing/stays.html", {"days": days, "first": first, "last": last, "unit": unit})
