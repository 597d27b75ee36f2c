"""Reads of the legal app: calls in scope (callers masked for lists), campaign totals."""

import datetime as dt

from django.db.models import Count, Sum
from django.http import Http404

from accounts.access import scope_for
from accounts.roles import LEGAL_CALLS
from legal.models import HotlineCall, PublicityActivity
from persons.identity import mask_phone


def mask_name(name: str) -> str:
    """张** for 张三丰: the surname kept."""
    return name[:1] + "*" * (len(name) - 1) if name else ""


def caller_masked(call: HotlineCall) -> str:
    return " ".join(x for x in (mask_name(call.caller_name), mask_phone(call.caller_phone) if call.caller_phone
                                else "") if x)


def calls_for_user(user):
    return HotlineCall.objects.filter(scope_for(user, LEGAL_CALLS).q("unit_path"))


def call_get_for_user(user, pk: int) -> HotlineCall:
    call = calls_for_user(user).filter(pk=pk).select_related("unit", "lawyer").first()
    if call is None:
        raise Http404
    return call


def activity_totals(*, under: str, first: dt.date | None, last: dt.date | None) -> list[dict]:
    """Per kind of activity in the subtree `under` and the range: the number of records and the total quantity."""
    rows = PublicityActivity.objects.filter(unit_path__under=under)
    if first:
        rows = rows.filter(day__gte=first)
    if last:
        rows = rows.filter(day__lte=last)
    totals = {k: v for k, *v in rows.values_list("kind").annotate(n=Count("id"), total=Sum("quantity"))
              .values_list("kind", "n", "total")}
    return [{"kind": kind, "label": str(label), "records": totals.get(kind, (0, 0))[0],
             "total": totals.get(kind, (0, 0))[1] or 0} for kind, label in PublicityActivity.Kind.choices]
