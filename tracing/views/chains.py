"""Transmission chain pages: a case's graph drawn by generation, and the distribution of contacts per case
and of chain sizes over the user's units."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tracing import chains, selectors
from tracing.forms import ChainStatisticsForm


def depth_of(value) -> int:
    """The steps asked for, within bounds; the default when none or not a number."""
    try:
        return max(1, min(int(value), chains.CHAIN_DEPTH_MAX))
    except (TypeError, ValueError):
        return chains.CHAIN_DEPTH


@login_required
@require_GET
def case_chain(request, pk: int):
    """The case's part of the exposure graph as inline SVG, laid out on the server by generation."""
    case = selectors.case_get_for_user(request.user, pk)
    graph = chains.case_chain(request.user, case, depth=depth_of(request.GET.get("depth")))
    return render(request, "tracing/chain.html", {
        "case": case, "graph": graph, "node_w": chains.NODE_W, "node_h": chains.NODE_H,
        "depths": range(2, chains.CHAIN_DEPTH_MAX + 1, 2)})


@login_required
@require_GET
def chain_statistics(request):
    form = ChainStatisticsForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    stats, unit = chains.chain_statistics_for_user(request.user, unit_code=data.get("unit") or "",
                                 classification=data.get("classification") or "")
    most = {name: max([n for _k, n in pairs] + [1]) for name, pairs in (
        ("contacts", stats.contacts_per_case), ("chains", stats.chain_sizes), ("clusters", stats.cluster_sizes))}
    return render(request, "tracing/chain_statistics.html", {
        "form": form, "stats": stats, "unit": unit, "most": most})
