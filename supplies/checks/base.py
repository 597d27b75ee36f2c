"""What every audit check shares: the parameters, the finding, the registry with its `check` decorator,
and the reads several checks make (lines of vouchers that stand, the receipts of gifts, money paid out)."""

import datetime as dt
import difflib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.utils.functional import Promise

from accounts.access import Scope
from core.db import is_postgresql
from supplies.models import Donation, Item, Location, Voucher, VoucherLine
from supplies.selectors import Total

K = Location.Kind
V = Voucher.Kind
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


CheckFunction = Callable[[Scope, dt.date, dt.date, Params], list[Finding]]


@dataclass(frozen=True)
class Check:
    """A named check: its function's docstring documents it for developers, `description` for auditors;
    `number` is its place in the audit (the page, the export and the API list the checks in that order)."""

    code: str
    title: Promise
    description: Promise
    function: CheckFunction
    number: int = 0


CHECKS: list[Check] = []  # in the audit's order; filled by @check as the family modules are imported


def check(number: int, title: Promise, description: Promise) -> Callable[[CheckFunction], CheckFunction]:
    """Register the decorated function as the audit's check `number`, its code the function's name (the
    code its findings carry). Two checks with one number or one code are a programming error."""

    def register(function: CheckFunction) -> CheckFunction:
        if any(c.number == number or c.code == function.__name__ for c in CHECKS):
            raise ValueError(f"audit check {number} {function.__name__} is registered twice")
        CHECKS.append(Check(function.__name__, title, description, function, number))
        CHECKS.sort(key=lambda c: c.number)
        return function

    return register


def live(qs):
    """Lines of vouchers that stand: neither reversals nor reversed. On PostgreSQL the reversed vouchers are
    read once (NOT IN a subquery, a hashed set): it estimates a LEFT JOIN … IS NULL at one row and then joins
    the rest by nested loops over every line (minutes at a million lines). SQLite keeps the outer join, which
    lets it read the lines in one pass (with NOT IN or NOT EXISTS it goes through them place by place)."""
    qs = qs.exclude(kind=V.REVERSAL)
    if is_postgresql():
        return qs.exclude(voucher_id__in=Voucher.objects.filter(reverses__isnull=False).values("reverses_id"))
    return qs.filter(voucher__reversed_by__isnull=True)


def receipts_of(donation_ids) -> dict[int, list[int]]:
    """The receipt vouchers of each of these gifts, in voucher order."""
    out: dict[int, list[int]] = defaultdict(list)
    for voucher_id, donation_id in (Voucher.objects.filter(kind=V.RECEIPT, donation_id__in=donation_ids)
                                    .order_by("id").values_list("id", "donation_id")):
        out[donation_id].append(voucher_id)
    return out


def donations_in(scope: Scope, start: dt.date, end: dt.date):
    return Donation.objects.filter(scope.q(), received_on__gte=start, received_on__lte=end)


def item_label(row: dict) -> str:
    """The item of a row of values() with item__name and item__spec, as the findings name it."""
    return f"{row['item__name']} {row['item__spec']}".strip()


def name_key(name: str) -> str:
    """A name reduced for comparison: full-width folded, lower case, no spaces or punctuation."""
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", name or "").lower())


def names_alike(a: str, b: str, ratio: float) -> bool:
    a, b = name_key(a), name_key(b)
    return a == b or (bool(a) and bool(b) and difflib.SequenceMatcher(None, a, b).ratio() >= ratio)


def payments(scope: Scope, start: dt.date, end: dt.date):
    """Money paid out per voucher: purchases (to the supplier) and disbursements (to a unit or a person),
    with whom it went to and the document number."""
    lines = live(VoucherLine.objects.filter(scope.q(), occurred_on__gte=start, occurred_on__lte=end,
                                            kind__in=[V.PURCHASE, V.DISTRIBUTION], item__kind=Item.Kind.MONEY,
                                            quantity__gt=0))
    return (lines.values("voucher", "occurred_on", "kind", "voucher__counterparty", "voucher__document",
                         "location__name").annotate(amount=Total()).order_by("occurred_on", "voucher"))


def payee(row: dict) -> str:
    """Whom a row of `payments` went to: the voucher's counterparty, else the place."""
    return row["voucher__counterparty"] or row["location__name"]
