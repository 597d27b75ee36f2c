"""Report pages over many units: the timeliness board with its rates, and the reconciliation of one report."""

import datetime as dt

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import access
from accounts.roles import AUDIT_VIEW, REPORTS_VIEW
from core.errors import DomainError
from core.pages import page_day
from core.replicas import heavy_reads
from orgunits.selectors import unit_ancestors, units_below
from reports import board, selectors


class BoardQuery(forms.Form):
    """?unit=CODE&day=&from=&to= (from and to: the range of the rates; a week up to the day by default)."""

    unit = forms.CharField(label=gettext_lazy("unit code"), required=False)
    day = forms.DateField(label=gettext_lazy("date"), required=False)
    first = forms.DateField(label=gettext_lazy("from"), required=False)
    last = forms.DateField(label=gettext_lazy("to"), required=False)

    def __init__(self, params):
        super().__init__({"unit": params.get("unit", ""), "day": params.get("day", ""),
                          "first": params.get("from", ""), "last": params.get("to", "")})

    def clean(self):
        super().clean()
        data = self.cleaned_data
        day = data.get("day") or timezone.localdate()
        last = data.get("last") or day
        first = data.get("first") or last - dt.timedelta(days=6)
        if first > last:
            raise forms.ValidationError(_("The range must start on or before its end."))
        if (last - first).days + 1 > board.MAX_RANGE_DAYS:
            raise forms.ValidationError(_("Choose a range of at most %(n)d days.") % {"n": board.MAX_RANGE_DAYS})
        return {**data, "day": day, "first": first, "last": last}


@login_required
@heavy_reads()
def board_page(request):
    """Which units at or below a unit have submitted a day's reports, on time or late, which are missing,
    and the time left; completeness and on-time rates over a range."""
    unit = access.unit_or_top_for_user(request.user, request.GET.get("unit", "").strip(), perm=REPORTS_VIEW)
    scope = access.scope_for(request.user, REPORTS_VIEW)
    query = BoardQuery(request.GET)
    if query.is_valid():
        day, first, last = query.cleaned_data["day"], query.cleaned_data["first"], query.cleaned_data["last"]
    else:
        day = timezone.localdate()
        first, last = day - dt.timedelta(days=6), day
    day_board = board.board_day(unit=unit, day=day)
    return render(request, "reports/board.html", {
        "unit": unit, "day": day, "first": first, "last": last, "query": query, "board": day_board,
        "rates": board.board_rates(unit=unit, first=first, last=last),
        "up": unit_ancestors(unit, scope.covers),
        "below": units_below(unit, [r.unit.path for r in day_board.rows]),
    })


@login_required
def reconcile_page(request):
    """One report of one unit, cell by cell: computed now, the children's submitted values, the unit's
    submitted value; the differences highlighted, and who changed what."""
    unit = access.unit_get_for_user(request.user, request.GET.get("unit", "").strip(), perm=REPORTS_VIEW)
    form = selectors.form_get(request.GET.get("form", "").strip(), request.user)
    day = page_day(request)
    try:
        rec = board.reconcile(form=form, unit=unit, day=day)
    except DomainError as exc:  # no version of the form in force that day
        return render(request, "reports/reconcile.html", {"form": form, "unit": unit, "day": day,
                                                          "error": exc.message})
    audit_scope = access.scope_for(request.user, AUDIT_VIEW)
    return render(request, "reports/reconcile.html", {
        "form": form, "unit": unit, "day": day, "rec": rec,
        "audit_links": {h.entry.pk for h in rec.history if audit_scope.covers(h.entry.unit_path)},
    })
