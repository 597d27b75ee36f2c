"""Checks 11–12, deliveries against needs: the specification asked for, and asked for at all."""

import datetime as dt

from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.access import Scope
from supplies.checks.base import Finding, K, Params, V, check, item_label, live
from supplies.models import DESTINATION_KINDS, Item, VoucherLine
from supplies.selectors import Total
from supplies.services.common import number_text

# -- 11, 12. deliveries against needs ------------------------------------------------------------------------------------

@check(11, gettext_lazy("Delivered spec differs from the request"),
       gettext_lazy("Goods delivered against a request in another specification (KN95 where N95 was asked)."))
def spec_mismatch(scope: Scope, start: dt.date, end: dt.date, params: Params) -> list[Finding]:
    """Goods delivered against a request with a specification other than the one requested (KN95 delivered
    where N95 was asked for)."""
    rows = (live(VoucherLine.objects.filter(scope.q(), occurred_on__gte=start, occurred_on__lte=end,
                                            kind=V.DISTRIBUTION, voucher__request__isnull=False, quantity__gt=0,
                                            item__kind=Item.Kind.GOODS, location__kind__in=DESTINATION_KINDS))
            .exclude(item__spec_key=F("voucher__request__spec_key"))
            .values("voucher", "occurred_on", "location__name", "item__name", "item__spec", "item__unit",
                    "voucher__request__spec", "voucher__request__item__name")
            .annotate(total=Total()).order_by("occurred_on", "voucher"))
    return [Finding("spec_mismatch", [r["voucher"]],
                    _("%(place)s asked for %(requested)s and received %(quantity)s %(unit)s of %(delivered)s.")
                    % {"place": r["location__name"],
                       "requested": f"{r['voucher__request__item__name']} {r['voucher__request__spec']}".strip(),
                       "quantity": number_text(r["total"]), "unit": r["item__unit"],
                       "delivered": item_label(r)},
                    day=r["occurred_on"], location=r["location__name"],
                    item=item_label(r), amount=r["total"]) for r in rows]


@check(12, gettext_lazy("Deliveries no one asked for"),
       gettext_lazy("Goods sent to a hospital against no request."))
def unrequested_deliveries(scope: Scope, start: dt.date, end: dt.date, params: Params) -> list[Finding]:
    """Goods sent to a hospital that had not asked for them (delivered against no request)."""
    rows = (live(VoucherLine.objects.filter(scope.q(), occurred_on__gte=start, occurred_on__lte=end,
                                            kind=V.DISTRIBUTION, voucher__request__isnull=True, quantity__gt=0,
                                            item__kind=Item.Kind.GOODS, location__kind=K.HOSPITAL))
            .values("voucher", "occurred_on", "location__name", "item__name", "item__spec", "item__unit")
            .annotate(total=Total()).order_by("occurred_on", "voucher"))
    return [Finding("unrequested_deliveries", [r["voucher"]],
                    _("%(quantity)s %(unit)s of %(item)s sent to %(place)s, which had not asked for them.")
                    % {"quantity": number_text(r["total"]), "unit": r["item__unit"],
                       "item": item_label(r), "place": r["location__name"]},
                    day=r["occurred_on"], location=r["location__name"],
                    item=item_label(r), amount=r["total"]) for r in rows]
