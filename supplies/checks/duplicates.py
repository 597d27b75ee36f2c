"""Checks 6–7, the same gift or payment recorded twice: exactly, or fuzzily (an alike name within the
window)."""

import datetime as dt
from collections import defaultdict
from collections.abc import Callable

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.access import Scope
from supplies.checks.base import (
    Finding,
    Params,
    check,
    donations_in,
    name_key,
    names_alike,
    payee,
    payments,
    receipts_of,
)
from supplies.models import Donation, DonationLine
from supplies.services.common import number_text

# -- 6, 7. duplicates -------------------------------------------------------------------------------------------

def _pairs(rows: list[dict], *, start: dt.date, params: Params, same_day_exact: Callable[[dict, dict], bool]
           ) -> list[tuple[dict, dict, bool]]:
    """Pairs of rows with the same fingerprint, alike names, within the window: (a, b, exact)."""
    window = dt.timedelta(days=params.duplicate_days)
    groups: dict[object, list[dict]] = defaultdict(list)
    for row in rows:
        groups[row["fingerprint"]].append(row)
    out = []
    for group in groups.values():
        group.sort(key=lambda r: (r["day"], r["id"]))
        for i, a in enumerate(group):
            for b in group[i + 1:]:
                if b["day"] - a["day"] > window:
                    break
                if b["day"] < start:
                    continue
                if not names_alike(a["name"], b["name"], params.name_similarity):
                    continue
                out.append((a, b, same_day_exact(a, b)))
    return out


@check(6, gettext_lazy("Duplicate donations"),
       gettext_lazy("The same gift recorded twice: exactly, or an alike donor with the same gift within 30 days."))
def duplicate_donations(scope: Scope, start: dt.date, end: dt.date, params: Params) -> list[Finding]:
    """The same gift recorded twice: same donor, amount (or goods) and day — exactly — or a donor of an
    alike name with the same amount within 30 days (fuzzy)."""
    donations = donations_in(scope, start - dt.timedelta(days=params.duplicate_days), end)
    goods = defaultdict(list)
    for donation_id, item_id, quantity in (DonationLine.objects.filter(donation__in=donations.values("pk"),
                                                                       donation__kind=Donation.Kind.GOODS)
                                           .values_list("donation_id", "item_id", "quantity")):
        goods[donation_id].append((item_id, str(quantity)))
    rows = [{"id": pk, "day": day, "name": name, "donor": donor_id,
             "fingerprint": ("money", amount) if kind == Donation.Kind.MONEY else ("goods", tuple(sorted(goods[pk])))}
            for pk, day, name, donor_id, kind, amount in donations.values_list("pk", "received_on", "donor__name",
                                                                               "donor_id", "kind", "amount")]
    pairs = _pairs(rows, start=start, params=params,
                   same_day_exact=lambda a, b: a["day"] == b["day"] and name_key(a["name"]) == name_key(b["name"]))
    receipts = receipts_of({r["id"] for a, b, _e in pairs for r in (a, b)})
    out = []
    for a, b, exact in pairs:
        message = (_("Exact duplicate: %(name)s, the same gift on the same day.") if exact else
                   _("Possible duplicate: %(name)s and %(other)s, the same gift %(days)s days apart.")) % {
            "name": a["name"], "other": b["name"], "days": (b["day"] - a["day"]).days}
        amount = a["fingerprint"][1] if a["fingerprint"][0] == "money" else None
        out.append(Finding("duplicate_donations", receipts.get(a["id"], []) + receipts.get(b["id"], []), message,
                           day=b["day"], donation_id=b["id"], amount=amount))
    return out


@check(7, gettext_lazy("Duplicate payments"),
       gettext_lazy("The same payment made twice: the same invoice, the same payee and amount on a day, or an "
                    "alike payee and the same amount within 30 days."))
def duplicate_payments(scope: Scope, start: dt.date, end: dt.date, params: Params) -> list[Finding]:
    """The same payment made twice: same payee, amount and day, or the same invoice paid twice — exactly —
    or a payee of an alike name paid the same amount within 30 days (fuzzy)."""
    rows = [{"id": r["voucher"], "day": r["occurred_on"], "name": payee(r), "document": r["voucher__document"],
             "fingerprint": r["amount"]} for r in payments(scope, start - dt.timedelta(days=params.duplicate_days), end)]
    out, seen = [], set()
    by_document = defaultdict(list)
    for row in rows:
        if row["document"].strip():
            by_document[name_key(row["document"])].append(row)
    for document_rows in by_document.values():
        if len(document_rows) > 1 and any(r["day"] >= start for r in document_rows):
            ids = [r["id"] for r in document_rows]
            seen.add(frozenset(ids))
            out.append(Finding("duplicate_payments", ids, _("Exact duplicate: document %(document)s paid %(n)s times.")
                               % {"document": document_rows[0]["document"], "n": len(ids)},
                               day=document_rows[-1]["day"], amount=document_rows[0]["fingerprint"]))
    for a, b, exact in _pairs(rows, start=start, params=params,
                              same_day_exact=lambda a, b: a["day"] == b["day"]
                              and name_key(a["name"]) == name_key(b["name"])):
        if frozenset((a["id"], b["id"])) in seen or (a["document"] and a["document"] == b["document"]):
            continue
        message = (_("Exact duplicate: %(amount)s yuan to %(name)s twice on the same day.") if exact else
                   _("Possible duplicate: %(amount)s yuan to %(name)s and to %(other)s, %(days)s days apart.")) % {
            "amount": number_text(a["fingerprint"]), "name": a["name"], "other": b["name"],
            "days": (b["day"] - a["day"]).days}
        out.append(Finding("duplicate_payments", [a["id"], b["id"]], message, day=b["day"], location=b["name"],
                           amount=a["fingerprint"]))
    return out
