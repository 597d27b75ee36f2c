"""The big-data audit (大数据审计) of donated money and goods: named checks over the ledger and the
donation records, each returning the findings it flags with the vouchers behind them.

Every check takes the auditor's scope, a date range and the parameters, and reads the database with a
few set-based queries (window functions and GROUP BY; Python only walks the candidate rows they return).
Reversed vouchers and reversals are left out where a check is about what happened, not what was booked.
What the National Audit Office found in 2020 — allocation delayed, goods stockpiled, receipts not
issued, directed donations not disbursed as directed, lists not published — is what they look for.
"""

import datetime as dt
import difflib
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import reduce
from operator import or_

from django.conf import settings
from django.db import connection, transaction
from django.db.models import (
    Case,
    CharField,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    When,
    Window,
)
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.access import Scope
from supplies.models import (
    DESTINATION_KINDS,
    HOLDING_KINDS,
    NEGATIVE_ALLOWED,
    Donation,
    DonationLine,
    Item,
    ItemPrice,
    Location,
    Voucher,
    VoucherLine,
)
from supplies.selectors import Total, donation_accounts
from supplies.services.common import number_text

K = Location.Kind
V = Voucher.Kind
ZERO = Decimal("0")
TOLERANCE = Decimal("0.0005")  # half the ledger's smallest quantity: running sums on SQLite are floats


# Bounds of what an auditor may ask for: the checks' date arithmetic stays within the calendar.
EARLIEST = dt.date(1900, 1, 1)
MAX_DAYS = 3650


@dataclass(frozen=True)
class Params:
    """The thresholds of the checks (the auditor may change them on the page)."""

    hold_days: int = 30  # on hand longer than this after receipt is "held undistributed"
    receipt_days: int = 15  # a receipt is due within this many days of the gift
    duplicate_days: int = 30  # window of the fuzzy duplicate checks
    name_similarity: float = 0.85  # difflib ratio above which two names are taken for the same
    benford_min: int = 100  # fewer amounts than this: the Benford test is not run
    price_ratio: Decimal = Decimal("1.5")  # a unit price above this multiple of the reference is flagged
    approval_limit: Decimal = field(default_factory=lambda: Decimal(str(getattr(settings, "SUPPLIES_APPROVAL_LIMIT",
                                                                                "50000"))))
    split_days: int = 7  # purchases from one supplier within this many days are taken together


@dataclass
class Finding:
    """One thing a check flags: the vouchers behind it and a sentence saying what is wrong."""

    check: str
    vouchers: list[int]
    message: str
    day: dt.date | None = None
    donation_id: int | None = None
    location: str = ""
    item: str = ""
    amount: Decimal | None = None


@dataclass(frozen=True)
class Check:
    """A named check: its function's docstring documents it for developers, `description` for auditors."""

    code: str
    title: Promise
    description: Promise
    function: Callable[..., list[Finding]]


def _live(qs):
    """Lines of vouchers that stand: neither reversals nor reversed. On PostgreSQL the reversed vouchers are
    read once (NOT IN a subquery, a hashed set): it estimates a LEFT JOIN … IS NULL at one row and then joins
    the rest by nested loops over every line (minutes at a million lines). SQLite keeps the outer join, which
    lets it read the lines in one pass (with NOT IN or NOT EXISTS it goes through them place by place)."""
    qs = qs.exclude(kind=V.REVERSAL)
    if connection.vendor == "postgresql":
        return qs.exclude(voucher_id__in=Voucher.objects.filter(reverses__isnull=False).values("reverses_id"))
    return qs.filter(voucher__reversed_by__isnull=True)


def _receipts_of(donation_ids) -> dict[int, list[int]]:
    out: dict[int, list[int]] = defaultdict(list)
    for voucher_id, donation_id in (Voucher.objects.filter(kind=V.RECEIPT, donation_id__in=donation_ids)
                                    .order_by("id").values_list("id", "donation_id")):
        out[donation_id].append(voucher_id)
    return out


def _donations(scope: Scope, start: dt.date, end: dt.date):
    return Donation.objects.filter(scope.q(), received_on__gte=start, received_on__lte=end)


def name_key(name: str) -> str:
    """A name reduced for comparison: full-width folded, lower case, no spaces or punctuation."""
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", name or "").lower())


def names_alike(a: str, b: str, ratio: float) -> bool:
    a, b = name_key(a), name_key(b)
    return a == b or (bool(a) and bool(b) and difflib.SequenceMatcher(None, a, b).ratio() >= ratio)


# -- 1. accounting per donation --------------------------------------------------------------------------

def donations_accounted(scope: Scope, start: dt.date, end: dt.date, params: Params) -> list[Finding]:
    """Per donation and item, what the receipt declares was booked as received, and everything received
    is distributed, spent, on hand or lost (received = distributed + on hand + losses)."""
    donations = _donations(scope, start, end)
    flagged = _unbalanced(donations)
    accounts = donation_accounts(flagged)
    receipts = _receipts_of(flagged)
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
    with connection.cursor() as cursor:
        cursor.execute(sql, [*ids_params, K.DONORS, *accounted, *ids_params])
        return sorted(d for (d,) in cursor.fetchall())


# -- 2. held undistributed --------------------------------------------------------------------------------

def held_undistributed(scope: Scope, start: dt.date, end: dt.date, params: Params) -> list[Finding]:
    """Gifts of which some was still on hand (warehouse, fund account, in transit) more than N days after
    they were received, as of the end of the range."""
    latest = end - dt.timedelta(days=params.hold_days)
    donations = _donations(scope, start, min(end, latest))
    rows = (VoucherLine.objects.filter(donation__in=donations.values("pk"), location__kind__in=HOLDING_KINDS,
                                       occurred_on__lte=end)
            .values("donation", "donation__received_on", "item").annotate(total=Total()).order_by())
    rows = [r for r in rows if r["total"] > 0]
    receipts = _receipts_of(donations.values("pk"))  # one query: there are findings for most gifts
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

def receipts_late(scope: Scope, start: dt.date, end: dt.date, params: Params) -> list[Finding]:
    """Gifts whose receipt (收据) was not issued within N days of receiving them."""
    as_of = min(end, timezone.localdate())
    limit = dt.timedelta(days=params.receipt_days)
    late = []
    for pk, received_on, number, issued in (_donations(scope, start, end).order_by("received_on", "id")
                                            .values_list("pk", "received_on", "receipt_number", "receipt_date")):
        if issued is None and as_of - received_on > limit:
            late.append((pk, received_on, _("No receipt issued %(days)s days after the gift.")
                         % {"days": (as_of - received_on).days}))
        elif issued is not None and issued - received_on > limit:
            late.append((pk, received_on, _("Receipt %(number)s issued %(days)s days after the gift.")
                         % {"number": number, "days": (issued - received_on).days}))
    receipts = _receipts_of([pk for pk, _d, _m in late])
    return [Finding("receipts_late", receipts.get(pk, []), message, day=day, donation_id=pk)
            for pk, day, message in late]


# -- 4. directed donations used elsewhere -------------------------------------------------------------------

def directed_elsewhere(scope: Scope, start: dt.date, end: dt.date, params: Params) -> list[Finding]:
    """Goods or money of a directed gift (定向捐赠) that reached a unit outside its direction: delivered
    there, or spent on a purchase for a request from there."""
    dest = Case(When(location__kind=K.SUPPLIERS, voucher__request__isnull=False,
                     then=F("voucher__request__unit_path")), default=F("unit_path"), output_field=CharField())
    rows = (_live(VoucherLine.objects.filter(scope.q(), occurred_on__gte=start, occurred_on__lte=end,
                                             donation__directed=True, quantity__gt=0,
                                             location__kind__in=list(DESTINATION_KINDS) + [K.SUPPLIERS]))
            .annotate(dest=dest).exclude(dest__startswith=F("donation__direction_unit__path"))
            .values("voucher", "occurred_on", "donation", "donation__direction_unit__name", "location__name",
                    "item__name", "item__spec", "item__unit")
            .annotate(total=Total()).order_by("occurred_on", "voucher"))
    return [Finding("directed_elsewhere", [r["voucher"]],
                    _("%(quantity)s %(unit)s directed to %(direction)s went to %(place)s.")
                    % {"quantity": number_text(r["total"]), "unit": r["item__unit"],
                       "direction": r["donation__direction_unit__name"], "place": r["location__name"]},
                    day=r["occurred_on"], donation_id=r["donation"], location=r["location__name"],
                    item=f"{r['item__name']} {r['item__spec']}".strip(), amount=r["total"]) for r in rows]


# -- 5. distributed before booked -----------------------------------------------------------------------------

def distributed_before_booked(scope: Scope, start: dt.date, end: dt.date, params: Params) -> list[Finding]:
    """Goods given out on a date before they were booked as received there: the location's balance, in
    date order (what arrives on a day counted before what leaves), falls below zero.

    Within a day the balance rises through the arrivals and then only falls, so it is lowest at the day's
    end: the running balance of each place and item is first taken day by day (one GROUP BY, a window over
    the days), and only the places and items whose balance ends a day in the range below zero have their
    lines replayed one by one."""
    lines = VoucherLine.objects.filter(occurred_on__lte=end).exclude(location__kind__in=NEGATIVE_ALLOWED)
    # The place's path is the line's (copied when posted): filtered there, the days are summed from
    # line_card_idx alone (it carries the quantity), in its order.
    daily = (lines.filter(scope.q("location__unit_path"))
             .values(b_location=F("location_id"), b_item=F("item_id"), b_day=F("occurred_on"))
             .annotate(b_net=Sum("quantity")).order_by())
    sql, params = daily.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"""SELECT DISTINCT b_location, b_item FROM (
                               SELECT b_location, b_item, b_day,
                                      SUM(b_net) OVER (PARTITION BY b_location, b_item ORDER BY b_day) AS b_running
                               FROM ({sql}) daily) balances
                           WHERE b_running < %s AND b_day >= %s""",
                       [*params, float(-TOLERANCE), connection.ops.adapt_datefield_value(start)])
        negative = cursor.fetchall()
    if not negative:
        return []
    running = Window(Sum("quantity"), partition_by=[F("location_id"), F("item_id")],
                     order_by=[F("occurred_on").asc(), F("quantity").desc(), F("id").asc()])
    if len(negative) <= 200:
        places = reduce(or_, (Q(location_id=loc, item_id=item) for loc, item in negative))
    else:  # whole places and items (their lines still complete): SQLite refuses an OR a thousand deep
        places = Q(location_id__in={loc for loc, _item in negative}, item_id__in={i for _loc, i in negative})
    rows = (lines.filter(scope.q(), places).annotate(running=running).filter(running__lt=-TOLERANCE)
            .values("voucher", "occurred_on", "quantity", "running", "location__name", "item__name", "item__spec",
                    "item__unit"))
    out = []
    for r in sorted(rows, key=lambda r: (r["occurred_on"], r["voucher"])):
        if r["quantity"] >= 0 or r["occurred_on"] < start:
            continue
        out.append(Finding("distributed_before_booked", [r["voucher"]],
                           _("%(place)s gave out %(quantity)s %(unit)s on %(day)s before they were booked there "
                             "(balance %(balance)s).")
                           % {"place": r["location__name"], "quantity": number_text(-r["quantity"]), "unit": r["item__unit"],
                              "day": r["occurred_on"].isoformat(),
                              "balance": number_text(Decimal(str(r["running"])).quantize(Decimal("0.001")))},
                           day=r["occurred_on"], location=r["location__name"],
                           item=f"{r['item__name']} {r['item__spec']}".strip(), amount=-r["quantity"]))
    return out


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


def duplicate_donations(scope: Scope, start: dt.date, end: dt.date, params: Params) -> list[Finding]:
    """The same gift recorded twice: same donor, amount (or goods) and day — exactly — or a donor of an
    alike name with the same amount within 30 days (fuzzy)."""
    donations = _donations(scope, start - dt.timedelta(days=params.duplicate_days), end)
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
    receipts = _receipts_of({r["id"] for a, b, _e in pairs for r in (a, b)})
    out = []
    for a, b, exact in pairs:
        message = (_("Exact duplicate: %(name)s, the same gift on the same day.") if exact else
                   _("Possible duplicate: %(name)s and %(other)s, the same gift %(days)s days apart.")) % {
            "name": a["name"], "other": b["name"], "days": (b["day"] - a["day"]).days}
        amount = a["fingerprint"][1] if a["fingerprint"][0] == "money" else None
        out.append(Finding("duplicate_donations", receipts.get(a["id"], []) + receipts.get(b["id"], []), message,
                           day=b["day"], donation_id=b["id"], amount=amount))
    return out


def payments(scope: Scope, start: dt.date, end: dt.date):
    """Money paid out per voucher: purchases (to the supplier) and disbursements (to a unit or a person),
    with whom it went to and the document number."""
    lines = _live(VoucherLine.objects.filter(scope.q(), occurred_on__gte=start, occurred_on__lte=end,
                                             kind__in=[V.PURCHASE, V.DISTRIBUTION], item__kind=Item.Kind.MONEY,
                                             quantity__gt=0))
    return (lines.values("voucher", "occurred_on", "kind", "voucher__counterparty", "voucher__document",
                         "location__name").annotate(amount=Total()).order_by("occurred_on", "voucher"))


def _payee(row: dict) -> str:
    return row["voucher__counterparty"] or row["location__name"]


def duplicate_payments(scope: Scope, start: dt.date, end: dt.date, params: Params) -> list[Finding]:
    """The same payment made twice: same payee, amount and day, or the same invoice paid twice — exactly —
    or a payee of an alike name paid the same amount within 30 days (fuzzy)."""
    rows = [{"id": r["voucher"], "day": r["occurred_on"], "name": _payee(r), "document": r["voucher__document"],
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


# -- 8. Benford's law ---------------------------------------------------------------------------------------------

BENFORD = {d: math.log10(1 + 1 / d) for d in range(1, 10)}
# Nigrini's conformity ranges of the mean absolute deviation for first digits.
NIGRINI_FIRST_DIGIT = [(Decimal("0.006"), "close"), (Decimal("0.012"), "acceptable"),
                       (Decimal("0.015"), "marginal")]
CONFORMITY_LABELS = {"close": gettext_lazy("close conformity"), "acceptable": gettext_lazy("acceptable conformity"),
                     "marginal": gettext_lazy("marginally acceptable conformity"),
                     "nonconformity": gettext_lazy("nonconformity"), "too_few": gettext_lazy("too few amounts")}


@dataclass
class BenfordResult:
    n: int
    counts: dict[int, int]
    mad: float
    conformity: str
    z: dict[int, float]

    def share(self, digit: int) -> float:
        return self.counts.get(digit, 0) / self.n if self.n else 0.0


def first_digit(amount: Decimal) -> int | None:
    """The first significant digit of an amount of 10 or more (smaller amounts are left out, as Nigrini
    advises)."""
    if amount is None or amount < 10:
        return None
    return int(str(int(amount))[0])


def benford_test(amounts: list[Decimal], *, minimum: int = 100) -> BenfordResult:
    """First-digit test: observed shares against log10(1 + 1/d), the mean absolute deviation (MAD) rated by
    Nigrini's thresholds, and each digit's z statistic (with the continuity correction)."""
    digits = [d for d in (first_digit(a) for a in amounts) if d is not None]
    n, counts = len(digits), Counter(digits)
    if n == 0:
        return BenfordResult(0, {}, 0.0, "too_few", {})
    mad = sum(abs(counts.get(d, 0) / n - p) for d, p in BENFORD.items()) / 9
    z = {}
    for d, p in BENFORD.items():
        observed = counts.get(d, 0) / n
        z[d] = max(0.0, abs(observed - p) - 1 / (2 * n)) / math.sqrt(p * (1 - p) / n)
    if n < minimum:
        conformity = "too_few"
    else:
        conformity = next((label for limit, label in NIGRINI_FIRST_DIGIT if Decimal(str(mad)) <= limit),
                          "nonconformity")
    return BenfordResult(n, dict(counts), mad, conformity, z)


def money_amounts(scope: Scope, start: dt.date, end: dt.date) -> list[tuple[int, dt.date, Decimal]]:
    """(voucher, day, amount) of every money receipt and payment in the range."""
    received = (_live(VoucherLine.objects.filter(scope.q(), occurred_on__gte=start, occurred_on__lte=end,
                                                 kind=V.RECEIPT, item__kind=Item.Kind.MONEY, quantity__gt=0))
                .values("voucher", "occurred_on").annotate(amount=Total()).order_by())
    paid = payments(scope, start, end)
    return [(r["voucher"], r["occurred_on"], r["amount"]) for r in list(received) + list(paid)]


def benford_first_digit(scope: Scope, start: dt.date, end: dt.date, params: Params) -> list[Finding]:
    """Benford's law on the first digits of money received and paid: when the mean absolute deviation is
    in Nigrini's nonconformity range, the vouchers of each digit significantly over-represented (z > 1.96)."""
    amounts = money_amounts(scope, start, end)
    result = benford_test([a for _v, _d, a in amounts], minimum=params.benford_min)
    if result.conformity != "nonconformity":
        return []
    out = []
    for digit in range(1, 10):
        if result.z[digit] <= 1.96 or result.share(digit) <= BENFORD[digit]:
            continue
        vouchers = sorted({v for v, _d, a in amounts if first_digit(a) == digit})
        out.append(Finding("benford_first_digit", vouchers,
                           _("First digit %(digit)s: %(share).1f%% of %(n)s amounts where Benford expects "
                             "%(expected).1f%% (z = %(z).2f); MAD %(mad).4f, %(conformity)s.")
                           % {"digit": digit, "share": 100 * result.share(digit), "n": result.n,
                              "expected": 100 * BENFORD[digit], "z": result.z[digit], "mad": result.mad,
                              "conformity": CONFORMITY_LABELS[result.conformity]}, item=str(digit)))
    return out


# -- 9. prices ------------------------------------------------------------------------------------------------------

def price_above_reference(scope: Scope, start: dt.date, end: dt.date, params: Params) -> list[Finding]:
    """Goods bought at a unit price far above the reference price in force on the day (more than the
    ratio, 1.5 times by default)."""
    reference = Subquery(ItemPrice.objects.filter(item=OuterRef("item"), valid_from__lte=OuterRef("occurred_on"))
                         .order_by("-valid_from").values("price")[:1], output_field=DecimalField(**{
                             "max_digits": 16, "decimal_places": 2}))
    limit = ExpressionWrapper(F("reference") * F("quantity") * params.price_ratio,
                              output_field=DecimalField(max_digits=30, decimal_places=6))
    rows = (_live(VoucherLine.objects.filter(scope.q(), occurred_on__gte=start, occurred_on__lte=end,
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
                           item=f"{r['item__name']} {r['item__spec']}".strip(), amount=r["value"]))
    return out


# -- 10. split purchases ---------------------------------------------------------------------------------------------

def split_purchases(scope: Scope, start: dt.date, end: dt.date, params: Params) -> list[Finding]:
    """Purchases from one supplier within a few days (7 by default), each under the approval limit and
    together over it: a purchase split to stay under the limit."""
    window, limit = dt.timedelta(days=params.split_days), params.approval_limit
    by_supplier: dict[str, list[dict]] = defaultdict(list)
    for r in payments(scope, start, end):
        if r["kind"] == V.PURCHASE and r["amount"] < limit:
            by_supplier[name_key(_payee(r))].append(r)
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
                               % {"n": len(group), "supplier": _payee(group[0]), "first": group[0]["occurred_on"],
                                  "last": group[-1]["occurred_on"], "limit": number_text(limit), "total": number_text(total)},
                               day=group[-1]["occurred_on"], location=_payee(group[0]), amount=total))
    return out


# -- 11, 12. deliveries against needs ------------------------------------------------------------------------------------

def spec_mismatch(scope: Scope, start: dt.date, end: dt.date, params: Params) -> list[Finding]:
    """Goods delivered against a request with a specification other than the one requested (KN95 delivered
    where N95 was asked for)."""
    rows = (_live(VoucherLine.objects.filter(scope.q(), occurred_on__gte=start, occurred_on__lte=end,
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
                       "delivered": f"{r['item__name']} {r['item__spec']}".strip()},
                    day=r["occurred_on"], location=r["location__name"],
                    item=f"{r['item__name']} {r['item__spec']}".strip(), amount=r["total"]) for r in rows]


def unrequested_deliveries(scope: Scope, start: dt.date, end: dt.date, params: Params) -> list[Finding]:
    """Goods sent to a hospital that had not asked for them (delivered against no request)."""
    rows = (_live(VoucherLine.objects.filter(scope.q(), occurred_on__gte=start, occurred_on__lte=end,
                                             kind=V.DISTRIBUTION, voucher__request__isnull=True, quantity__gt=0,
                                             item__kind=Item.Kind.GOODS, location__kind=K.HOSPITAL))
            .values("voucher", "occurred_on", "location__name", "item__name", "item__spec", "item__unit")
            .annotate(total=Total()).order_by("occurred_on", "voucher"))
    return [Finding("unrequested_deliveries", [r["voucher"]],
                    _("%(quantity)s %(unit)s of %(item)s sent to %(place)s, which had not asked for them.")
                    % {"quantity": number_text(r["total"]), "unit": r["item__unit"],
                       "item": f"{r['item__name']} {r['item__spec']}".strip(), "place": r["location__name"]},
                    day=r["occurred_on"], location=r["location__name"],
                    item=f"{r['item__name']} {r['item__spec']}".strip(), amount=r["total"]) for r in rows]


CHECKS: list[Check] = [
    Check("donations_accounted", gettext_lazy("Received = distributed + on hand + losses"),
          gettext_lazy("Per donation and item: the quantity on the receipt was booked as received, and all of it "
                       "was distributed, spent, is on hand or was written off."), donations_accounted),
    Check("held_undistributed", gettext_lazy("Held undistributed"),
          gettext_lazy("Gifts partly still in a warehouse or account more than N days after they arrived."),
          held_undistributed),
    Check("receipts_late", gettext_lazy("Receipts not issued in time"),
          gettext_lazy("Gifts whose receipt was not issued within N days."), receipts_late),
    Check("directed_elsewhere", gettext_lazy("Directed donations used elsewhere"),
          gettext_lazy("Directed gifts delivered, or spent on purchases, outside the unit they were directed to."),
          directed_elsewhere),
    Check("distributed_before_booked", gettext_lazy("Distributed before booked"),
          gettext_lazy("Goods given out on a date before they were booked as received at that place."),
          distributed_before_booked),
    Check("duplicate_donations", gettext_lazy("Duplicate donations"),
          gettext_lazy("The same gift recorded twice: exactly, or an alike donor with the same gift within 30 days."),
          duplicate_donations),
    Check("duplicate_payments", gettext_lazy("Duplicate payments"),
          gettext_lazy("The same payment made twice: the same invoice, the same payee and amount on a day, or an "
                       "alike payee and the same amount within 30 days."), duplicate_payments),
    Check("benford_first_digit", gettext_lazy("Benford first-digit test"),
          gettext_lazy("First digits of money received and paid against Benford's law; the mean absolute deviation "
                       "rated by Nigrini's thresholds."), benford_first_digit),
    Check("price_above_reference", gettext_lazy("Prices far above the reference"),
          gettext_lazy("Goods bought at a unit price above the ratio times the reference price of the day."),
          price_above_reference),
    Check("split_purchases", gettext_lazy("Purchases split under the approval limit"),
          gettext_lazy("Purchases from one supplier within a few days, each under the approval limit, together "
                       "over it."), split_purchases),
    Check("spec_mismatch", gettext_lazy("Delivered spec differs from the request"),
          gettext_lazy("Goods delivered against a request in another specification (KN95 where N95 was asked)."),
          spec_mismatch),
    Check("unrequested_deliveries", gettext_lazy("Deliveries no one asked for"),
          gettext_lazy("Goods sent to a hospital against no request."), unrequested_deliveries),
]
CHECKS_BY_CODE = {c.code: c for c in CHECKS}


def audit_run(*, scope: Scope, start: dt.date, end: dt.date, params: Params | None = None,
              only: list[str] | None = None) -> list[tuple[Check, list[Finding]]]:
    """Run the checks (all, or those named in `only`) over the range; each with its findings."""
    params = params or Params()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A year's ledger grouped per gift and item is tens of MB of hash tables: at the default 4 MB
            # PostgreSQL spills them to disk in dozens of batches. Only this read-only transaction gets more.
            cursor.execute("SELECT set_config('work_mem', %s, true)", [AUDIT_WORK_MEM])
        return [(check, check.function(scope, start, end, params)) for check in CHECKS
                if only is None or check.code in only]


AUDIT_WORK_MEM = "64MB"
