"""The supplies ledger at city scale: a location's balances, and every audit check over a year.

1,000,000 ledger lines (BENCH_LINES to shrink) over a year of 娄星区's streets — gifts of money and goods,
transfers from the Red Cross's warehouse to the streets', distributions to communities, hospitals and
enterprises, consumption, purchases, disbursements, write-offs — from the deterministic generator
(supplies.generator), with irregularities planted at known rates. Measured: for 100 seeded random
locations, the largest ones always among them, what the location page runs — the balances per item, one
GROUP BY answered from line_balance_idx (target p95 < 200 ms) — and the same per lot; then all audit checks
over the year as an auditor of the county (target < 30 s), each check timed. References measured in the same
run: the balances as hand-written SQL, and one pass over the year's lines in scope (COUNT and SUM), the
floor under any check that reads them all.
"""

import os
import random
import time
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Sum

from accounts.access import Scope
from benchmarks.timing import line, percentile, progress_printer, timed
from orgunits.models import OrgUnit
from orgunits.services import divisions_load
from persons.generator import grids_ensure
from supplies.checks import CHECKS, Params, audit_run
from supplies.generator import ledger_generate, ledger_statistics_refresh
from supplies.models import Location, VoucherLine
from supplies.selectors import location_balance_totals, location_balances

LINES = int(os.environ.get("BENCH_LINES", "1000000"))
SEED = 20200521
SAMPLES = int(os.environ.get("BENCH_SAMPLES", "100"))
COUNTY = "431302"  # 娄星区
TARGET_BALANCE_P95_MS = 200
TARGET_AUDIT_S = 30


def _hand_balances(location_id: int) -> dict[int, Decimal]:
    """The reference: a location's balances per item as hand-written SQL."""
    table = connection.ops.quote_name(VoucherLine._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT item_id, ROUND(SUM(quantity), 3) FROM {table} WHERE location_id = %s "
                       "GROUP BY item_id", [location_id])
        return {item: Decimal(str(total)).quantize(Decimal("0.001")) for item, total in cursor.fetchall()}


def _one_pass(scope: Scope, start, end) -> tuple[int, Decimal]:
    """The reference for the checks: the year's lines in scope read once."""
    found = VoucherLine.objects.filter(scope.q(), occurred_on__gte=start, occurred_on__lte=end).aggregate(
        n=Count("id"), total=Sum("quantity"))
    return found["n"], found["total"]


def ledger() -> OrgUnit:
    divisions_load(root_code="431300")
    county = OrgUnit.objects.get(code=COUNTY)
    if VoucherLine.objects.filter(unit_path__under=county.path).exists():
        raise SystemExit("   the benchmark database already holds a ledger under 娄星区: use a fresh database")
    streets = list(OrgUnit.objects.filter(parent=county, kind=OrgUnit.Kind.TOWNSHIP).order_by("code"))
    for street in streets:
        grids_ensure(parent=street, grids=60, per_community=5)  # a dozen communities per street
    progress = progress_printer("lines")
    stats = ledger_generate(root=county, lines=LINES, seed=SEED, progress=progress)
    print(f"   generated {stats.lines:,} lines in {stats.vouchers:,} vouchers, {stats.donations:,} donations, "
          f"{stats.requests:,} requests over {len(streets)} streets in {stats.seconds:.0f} s "
          f"({stats.lines / max(stats.seconds, 0.1):,.0f} lines/s)")
    started = time.perf_counter()
    ledger_statistics_refresh()
    print(f"   ANALYZE: {time.perf_counter() - started:.1f} s")
    return county


def main():
    county = ledger()
    rng = random.Random(SEED)
    sizes = dict(VoucherLine.objects.values("location").annotate(n=Count("id")).values_list("location", "n"))
    locations = list(Location.objects.filter(pk__in=list(sizes)).order_by("pk"))
    largest = sorted(locations, key=lambda loc: -sizes[loc.pk])[:5]
    sample = largest + rng.sample(locations, min(SAMPLES - len(largest), len(locations)))
    biggest = largest[0]
    print(f"   {len(locations)} locations with lines; the largest, {biggest.name} ({biggest.get_kind_display()}), "
          f"holds {sizes[biggest.pk]:,} lines")

    for loc in sample[:5]:  # warm the caches
        location_balance_totals(loc.pk)
    totals, per_lot, big, reference = [], [], [], []
    for loc in sample:
        ms, rows = timed(lambda: location_balance_totals(loc.pk))  # noqa: B023
        totals.append(ms)
        if loc in largest:
            big.append(ms)
        ms, hand = timed(lambda: _hand_balances(loc.pk))  # noqa: B023
        reference.append(ms)
        assert {i: q for i, q in hand.items() if q} == {i: q for i, q in rows.items() if q}, loc.pk
        per_lot.append(timed(lambda: location_balances(loc, lots=True))[0])  # noqa: B023
    line(f"balances of a location ({len(sample)} locations)", totals)
    line("  the five largest locations", big)
    line("  reference: the same GROUP BY as hand SQL", reference)
    line("  per gift (the location page, with names)", per_lot)

    scope = Scope((county.path,))
    start, end = min(VoucherLine.objects.values_list("occurred_on", flat=True).order_by("occurred_on")[:1]), \
        max(VoucherLine.objects.values_list("occurred_on", flat=True).order_by("-occurred_on")[:1])
    params = Params()
    ms, (count, _sum) = timed(lambda: _one_pass(scope, start, end))
    print(f"   reference: one pass over the year's {count:,} lines in scope (COUNT, SUM): {ms / 1000:.2f} s")
    total_started = time.perf_counter()
    for check in CHECKS:
        ms, [(_check, findings)] = timed(
            lambda: audit_run(scope=scope, start=start, end=end, params=params, only=[check.code]))  # noqa: B023
        print(f"   {check.code:<28} {ms / 1000:7.2f} s   {len(findings):>6,} findings")
    audit_s = time.perf_counter() - total_started
    print(f"   all checks over {start} – {end}: {audit_s:.1f} s")

    worst = percentile(totals, 95)
    print(f"   target balances p95 < {TARGET_BALANCE_P95_MS} ms: {'met' if worst < TARGET_BALANCE_P95_MS else 'NOT MET'} "
          f"({worst:.1f} ms); target all checks < {TARGET_AUDIT_S} s: "
          f"{'met' if audit_s < TARGET_AUDIT_S else 'NOT MET'} ({audit_s:.1f} s)")
