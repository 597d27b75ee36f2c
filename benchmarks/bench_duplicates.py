"""The probable-duplicate scan over the whole line list: 1,000,000 people, a few hundred planted duplicates.

The population is bench_person_list's (the same generator and seed): generated
with 300 deliberate second records — same name and phone, same name and birth date, passport numbers one
character apart. persons.duplicates.duplicates_scan over everything must finish in under 60 s and find
every planted pair; pairs it finds beyond them are people who happen to share a name with a phone or
birth date (a real line list has them too). A street officer's scan is timed as well.
"""

import statistics
import time
from collections import Counter

from accounts.access import Scope
from benchmarks.bench_person_list import analyzed, population
from persons.duplicates import duplicates_scan

TARGET_S = 60
REASON_OF_KIND = {"name_phone": "name_phone", "name_birth": "name_birth", "passport_near": "doc_one_apart"}


def main():
    streets, stats = population()
    analyzed()
    planted = {(a, b): kind for a, b, kind in stats.planted}

    started = time.perf_counter()
    pairs = duplicates_scan(Scope(None))
    seconds = time.perf_counter() - started
    found = {(p.low_id, p.high_id): p.reason for p in pairs}

    hits = {pair: kind for pair, kind in planted.items() if pair in found}
    print(f"   whole line list ({stats.people:,} people): {seconds:.1f} s, {len(pairs):,} probable pairs")
    print(f"   planted {len(planted)}, found {len(hits)}; by kind (found/planted):")
    planted_kinds, hit_kinds = Counter(planted.values()), Counter(hits.values())
    for kind in sorted(planted_kinds):
        mismatched = sum(1 for pair, k in hits.items() if k == kind and found[pair] != REASON_OF_KIND[kind])
        print(f"     {kind:<14} {hit_kinds[kind]:>4}/{planted_kinds[kind]:<4}"
              + (f" ({mismatched} under another reason)" if mismatched else ""))
    extra = Counter(reason for pair, reason in found.items() if pair not in planted)
    print("   found beyond the planted pairs (chance namesakes): "
          + (", ".join(f"{reason} {n:,}" for reason, n in sorted(extra.items())) or "none"))
    missed = [pair for pair in planted if pair not in found]
    if missed:
        print(f"   MISSED {len(missed)}, e.g. {missed[:5]}")

    street_seconds = []
    for street in streets:
        started = time.perf_counter()
        duplicates_scan(Scope((street.path,)))
        street_seconds.append(time.perf_counter() - started)
    print(f"   one street ({stats.people // len(streets):,} people): median {statistics.median(street_seconds):.1f} s, "
          f"max {max(street_seconds):.1f} s over {len(streets)} streets")
    print(f"   target < {TARGET_S} s for the whole list: {'met' if seconds < TARGET_S else 'NOT MET'}; "
          f"every planted pair found: {'yes' if not missed else 'NO'}")
