"""Checks 1–3, each gift accounted for: what was declared was booked and all of it reached someone, nothing
stockpiled, a receipt issued in time."""

import datetime as dt

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.access import Scope
from core.replicas import read_connection
from supplies.checks.base import Finding, K, Params, check, donations_in, receipts_of
from supplies.models import (
    DESTINATION_KINDS,
    HOLDING_KINDS,
    Donation,
    DonationLine,
    Item,
    Location,
    VoucherLine,
)
from supplies.selectors import Total, donation_accounts
from supplies.services.common import number_text

# -- 1. accounting per donation --------------------------------------------------------------------------

@check(1, gettext_lazy("Received = distributed + on hand + losses"),
       gettext_lazy("Per donation and item: the quantity on the receipt was booked as received, and all of it "
                    "was distributed, spent, is on hand or was written off."))
def donations_accounted(scope: Scope, start: dt.date, end: dt.date, params: Params) -> list[Finding]:
    """Per donation and item, what the receipt declares was booked as received, and everything received
    is distributed, spent, on hand or lost (received = distributed + on hand + losses)."""
    donations = donations_in(scope, start, end)
    flagged = _unbalanced(donations)
    accounts = donation_accounts(flagged)
    receipts = receipts_of(flagged)
    items = Item.objects.in_bulk({i for _d, i in accounts})
    days = dict(Donation.objects.filter(pk__in=flagged).values_list("pk", "received_on"))
    out = []
    for (donation_id, item_id), a in sorted(accounts.items()):
        item = items[item_id]
        if a.declared != a.received:
            message = _("Declared %(declared)s %(unit)s of %(item)s, booked as received %(received)s.") % {
                "declared": number_text(a.declared), "received": number_text(a.received), "unit": item.unit, "item": item}
        elif a.received != a.accounted:
            message = _("Received %(received)s %(unit)s of %(item)s; distributed %(delivered)s, spent %(spent)s, "
                        "on hand %(on_hand)s, lost %(lost)s.") % {
                "received": number_text(a.received), "delivered": number_text(a.delivered), "spent": number_text(a.spent),
                "on_hand": number_text(a.on_hand), "lost": number_text(a.lost), "unit": item.unit, "item": item}
        else:
            continue
        out.append(Finding("donations_accounted", receipts.get(donation_id, []), message, day=days.get(donation_id),
                           donation_id=donation_id, item=str(item), amount=a.declared - a.received))
    return out


def _unbalanced(donations) -> list[int]:
    """The donations with an item whose declared, received and accounted-for quantities disagree: one
    GROUP BY over their declared lines and ledger lines together, only those rows returned (a year's gifts
    are tens of thousands; the ones to explain, a handful)."""
    quote = connection.ops.quote_name
    ids_sql, ids_params = donations.order_by().values("pk").query.sql_with_params()
    accounted = [K.SUPPLIERS, *DESTINATION_KINDS, *HOLDING_KINDS, K.LOST]
    kinds = ", ".join(["%s"] * len(accounted))
    sql = f"""
        SELECT DISTINCT d FROM (
            SELECT donation_id AS d, item_id AS i, quantity AS declared, 0 AS received, 0 AS accounted
            FROM {quote(DonationLine._meta.db_table)} WHERE donation_id IN ({ids_sql})
            UNION ALL
            SELECT l.donation_id, l.item_id, 0,
                   CASE WHEN p.kind = %s THEN -l.quantity ELSE 0 END,
                   CASE WHEN p.kind IN ({kinds}) THEN l.quantity ELSE 0 END
            FROM {quote(VoucherLine._meta.db_table)} l JOIN {quote(Location._meta.db_table)} p ON p.id = l.location_id
            WHERE l.donation_id IN ({ids_sql})
        ) account
        GROUP BY d, i
        HAVING ROUND(SUM(declared) - SUM(received), 3) <> 0 OR ROUND(SUM(received) - SUM(accounted), 3) <> 0"""
    with read_connection().cursor() as cursor:
        cursor.execute(sql, [*ids_params, K.DONORS, *accounted, *ids_params])
        return sorted(d for (d,) in cursor.fetchall())


# -- 2. held undistributed --------------------------------------------------------------------------------

@check(2, gettext_lazy("Held undistributed"),
       gettext_lazy("Gifts partly still in a warehouse or account more than N days after they arrived."))
def held_undistributed(scope: Scope, start: dt.date, end: dt.date, params: Params) -> list[Finding]:
    """Gifts of which some was still on hand (warehouse, fund account, in transit) more than N days after
    they were received, as of the end of the range."""
    latest = end - dt.timedelta(days=params.hold_days)
    donations = donations_in(scope, start, min(end, latest))
    rows = (VoucherLine.objects.filter(donation__in=donations.values("pk"), location__kind__in=HOLDING_KINDS,
                                       occurred_on__lte=end)
            .values("donation", "donation__received_on", "item").annotate(total=Total()).order_by())
    rows = [r for r in rows if r["total"] > 0]
    receipts = receipts_of(donations.values("pk"))  # one query: there are findings for most gifts
    items = {pk: (item.unit, str(item)) for pk, item in Item.objects.in_bulk({r["item"] for r in rows}).items()}
    message = _("%(quantity)s %(unit)s of %(item)s still on hand %(days)s days after receipt.")
    out = []
    for r in sorted(rows, key=lambda r: (r["donation__received_on"], r["donation"], r["item"])):
        (unit, item), held = items[r["item"]], (end - r["donation__received_on"]).days
        out.append(Finding("held_undistributed", receipts.get(r["donation"], []),
                           message % {"quantity": number_text(r["total"]), "unit": unit, "item": item, "days": held},
                           day=r["donation__received_on"], donation_id=r["donation"], item=item, amount=r["total"]))
    return out


# -- 3. receipts not issued ---------------------------------------------------------------------------------

@check(3, gettext_lazy("Receipts not issued in time"),
       gettext_lazy("Gifts whose receipt was not issued within N days."))
def receipts_late(scope: Scope, start: dt.date, end: dt.date, params: Params) -> list[Finding]:
    """Gifts whose receipt (收据) was not issued within N days of receiving them."""
    as_of = min(end, timezone.localdate())
    limit = dt.timedelta(days=params.receipt_days)
    late = []
    for pk, received_on, number, issued in (donations_in(scope, start, end).order_by("received_on", "id")
                                            .values_list("pk", "received_on", "receipt_number", "receipt_date")):
        if issued is None and as_of - received_on > limit:
            late.append((pk, received_on, _("No receipt issued %(days)s days after the gift.")
                         % {"days": (as_of - received_on).days}))
        elif issued is not None and issued - received_on > limit:
            late.append((pk, received_on, _("Receipt %(number)s issued %(days)s days after the gift.")
                         % {"number": number, "days": (issued - received_on).days}))
    receipts = receipts_of([pk for pk, _d, _m in late])
    return [Finding("receipts_late", receipts.get(pk, []), message, day=day, donation_id=pk)
            for pk, day, message in late]
