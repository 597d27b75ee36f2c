"""Check 8, Benford's law on the first digits of money received and paid (Nigrini's conformity ranges);
the test itself is used by the audit page's digit table too."""

import datetime as dt
import math
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.access import Scope
from supplies.checks.base import Finding, Params, V, check, live, payments
from supplies.models import Item, VoucherLine
from supplies.selectors import Total

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
    received = (live(VoucherLine.objects.filter(scope.q(), occurred_on__gte=start, occurred_on__lte=end,
                                                kind=V.RECEIPT, item__kind=Item.Kind.MONEY, quantity__gt=0))
                .values("voucher", "occurred_on").annotate(amount=Total()).order_by())
    paid = payments(scope, start, end)
    return [(r["voucher"], r["occurred_on"], r["amount"]) for r in list(received) + list(paid)]


@check(8, gettext_lazy("Benford first-digit test"),
       gettext_lazy("First digits of money received and paid against Benford's law; the mean absolute deviation "
                    "rated by Nigrini's thresholds."))
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
