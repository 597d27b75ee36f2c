"""The read replicas' state for administrators: each replica's lag and whether reads go to it."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from accounts import access
from accounts.roles import ALL
from core.replica_health import replica_describe, replicas_states


@login_required
def replica_list(request):
    """Each configured replica (core.replicas) measured now: its lag, its position, in use or skipped."""
    access.require(request.user, ALL)  # administrators only: the database servers are nobody's unit
    rows = [replica_describe(state) for state in replicas_states(fresh=True)]
    return render(request, "accounts/replicas.html", {"rows": rows, "max_lag": settings.REPLICA_MAX_LAG})
