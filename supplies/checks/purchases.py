"""Checks 9–10, purchases: prices far above the reference, purchases split to stay under the approval
limit."""

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import DecimalField, ExpressionWrapper, F, OuterRef, Subquery
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.access import Scope
from supplies.checks.base import Finding, Params, V, check, item_label, live, name_key, payee, payments
from supplies.models import NEGATIVE_ALLOWED, Item, ItemPrice, VoucherLine
from supplies.services.common import number_text

# -- 9. prices ------------------------------------------------------------------------------------------------------

@check(9, gettext_lazy("Prices far above the reference"),
       gettext_lazy("Goods bought at a unit price above the ratio times the reference price of the day."))
def price_above_reference(scope: Scope, start: dt.date, end: dt.date, params: Params) -> list[Finding]:
    """Goods bought at a unit price far above the reference price in force on the day (more than the
    ratio, 1.5 times by default)."""
    reference = Subquery(ItemPrice.objects.filter(item=OuterRef("item"), valid_from__lte=OuterRef("occurred_on"))
                         .order_by("-valid_from").values("price")[:1], output_field=DecimalField(**{
                             "max_digits": 16, "decimal_places": 2}))
    limit = ExpressionWrapper(F("reference") * F("quantity") * params.price_ratio,
                              output_field=DecimalField(max_digits=30, decimal_places=6))
    rows = (live(VoucherLine.objects.filter(scope.q(), occurred_on__gte=start, occurred_on__lte=end,
                                            kind=V.PURCHASE, item__kind=Item.Kind.GOODS, quantity__gt=0, value__gt=0))
            .exclude(location__kind__in=NEGATIVE_ALLOWED)
            .annotate(reference=reference).filter(reference__isnull=False).annotate(limit=limit)
            .filter(value__gt=F("limit"))
            .values("voucher", "occurred_on", "quantity", "value", "reference", "location__name", "item__name",
                    "item__spec", "item__unit").order_by("occurred_on", "voucher"))
    out = []
    for r in rows:
        unit_price = (r["value"] / r["quantity"]).quantize(Decimal("0.01"))
        out.append(Finding("price_above_reference", [r["voucher"]],
                           _("Bought at %(price)s yuan per %(unit)s, %(times)s times the reference price of "
                             "%(reference)s.") % {"price": number_text(unit_price), "unit": r["item__unit"],
                                                   "times": f"{unit_price / r['reference']:.1f}",
                                                   "reference": number_text(r["reference"])},
                           day=r["occurred_on"], location=r["location__name"],
                           item=item_label(r), amount=r["value"]))
    return out


# -- 10. split purchases ---------------------------------------------------------------------------------------------

@check(10, gettext_lazy("Purchases split under the approval limit"),
       gettext_lazy("Purchases from one supplier within a few days, each under the approval limit, together "
                    "over it."))
def split_purchases(scope: Scope, start: dt.date, end: dt.date, params: Params) -> list[Finding]:
    """Purchases from one supplier within a few days (7 by default), each under the approval limit and
    together over it: a purchase split to stay under the limit."""
    window, limit = dt.timedelta(days=params.split_days), params.approval_limit
    by_supplier: dict[str, list[dict]] = defaultdict(list)
    for r in payments(scope, start, end):
        if r["kind"] == V.PURCHASE and r["amount"] < limit:
            by_supplier[name_key(payee(r))].append(r)
    out = []
    for rows in by_supplier.values():
        rows.sort(key=lambda r: (r["occurred_on"], r["voucher"]))
        clusters: list[list[dict]] = []
        j = 0
        for i in range(len(rows)):
            while rows[i]["occurred_on"] - rows[j]["occurred_on"] > window:
                j += 1
            group = rows[j:i + 1]
            if len(group) > 1 and sum(r["amount"] for r in group) >= limit:
                if clusters and clusters[-1][-1]["voucher"] in {r["voucher"] for r in group}:
                    clusters[-1].extend(r for r in group if r not in clusters[-1])
                else:
                    clusters.append(list(group))
        for group in clusters:
            total = sum(r["amount"] for r in group)
            out.append(Finding("split_purchases", [r["voucher"] for r in group],
                               _("%(n)s purchases from %(supplier)s between %(first)s and %(last)s, each under the "
                                 "approval limit of %(limit)s yuan, together %(total)s yuan.")
                               % {"n": len(group), "supplier": payee(group[0]), "first": group[0]["occurred_on"],
                                  "last": group[-1]["occurred_on"], "limit": number_text(limit), "total": number_text(total)},
                               day=group[-1]["occurred_on"], location=payee(group[0]), amount=total))
    return out
