"""The person list page at city scale: one community filtered by category, keyset-paginated, as a street officer.

1,000,000 people (BENCH_PEOPLE to shrink) with their histories over ~3,000 grids in ~300 communities under
the seven streets of 娄星区, from the deterministic generator (with a few hundred planted duplicates, which
bench_duplicates looks for). For 100 seeded random communities, the officer of the community's street runs
what the page runs — persons_filtered(user, PersonFilter(unit=community, category="hubei")) ordered by
(unit_path, id) through core.pagination.keyset_page, 50 a page — for the first page and for the page
reached by following up to 20 cursors; the same filter as hand-written SQL is the reference measured in
the same run. No COUNT(*) may be issued. Target: p95 < 150 ms.
"""

import math
import os
import random
import statistics
import time

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Membership, User
from accounts.roles import Role
from benchmarks.timing import line, percentile, timed
from core.db import prefix_match
from core.pagination import keyset_page
from orgunits.models import OrgUnit
from orgunits.services import divisions_load
from persons.generator import GenerateStats, grids_ensure, people_generate, statistics_refresh
from persons.models import Category, Person
from persons.selectors import PersonFilter, persons_filtered, with_current_state

PEOPLE = int(os.environ.get("BENCH_PEOPLE", "1000000"))
GRIDS = int(os.environ.get("BENCH_GRIDS", "3000"))
GRIDS_PER_COMMUNITY = 10
PLANTED_DUPLICATES = int(os.environ.get("BENCH_PLANTED", "300"))
SEED = 20200521
SAMPLES = int(os.environ.get("BENCH_SAMPLES", "100"))
DEEP = 20  # cursors followed
TARGET_P95_MS = 150
COUNTY = "431302"  # 娄星区

_population: dict = {}


def population() -> tuple[list[OrgUnit], GenerateStats]:
    """The streets of 娄星区 with ~3,000 grids and PEOPLE people; built once per process."""
    if _population:
        return _population["streets"], _population["stats"]
    divisions_load(root_code="431300")
    county = OrgUnit.objects.get(code=COUNTY)
    streets = list(OrgUnit.objects.filter(parent=county, kind=OrgUnit.Kind.TOWNSHIP, name__endswith="街道")
                   .order_by("code"))
    if Person.objects.filter(unit_path__under=county.path).exists():
        raise SystemExit("   the benchmark database already holds people under 娄星区: use a fresh database")
    per_street = math.ceil(GRIDS / len(streets) / GRIDS_PER_COMMUNITY) * GRIDS_PER_COMMUNITY
    grids = [g for s in streets for g in grids_ensure(parent=s, grids=per_street, per_community=GRIDS_PER_COMMUNITY)]
    communities = OrgUnit.objects.filter(path__under=county.path, kind=OrgUnit.Kind.COMMUNITY).count()
    started = time.perf_counter()
    last = [0.0]

    def progress(done, total):
        if time.perf_counter() - last[0] > 15 or done == total:
            last[0] = time.perf_counter()
            print(f"   … {done:,}/{total:,} people ({time.perf_counter() - started:.0f} s)", flush=True)

    stats = people_generate(units=grids, count=PEOPLE, seed=SEED, duplicates=PLANTED_DUPLICATES, analyze=False,
                            progress=progress)
    print(f"   generated {stats.people:,} people in {stats.households:,} households over {len(grids):,} grids, "
          f"{communities} communities, {len(streets)} streets: {stats.category_episodes:,} category episodes, "
          f"{stats.status_episodes:,} status episodes, {stats.health_checks:,} health checks "
          f"in {stats.seconds:.0f} s ({stats.people / max(stats.seconds, 0.1):,.0f} people/s)")
    _population.update(streets=streets, stats=stats, analyzed=False)
    return streets, stats


def analyzed() -> None:
    if not _population.get("analyzed"):
        started = time.perf_counter()
        statistics_refresh()
        _population["analyzed"] = True
        print(f"   ANALYZE of the line-list tables: {time.perf_counter() - started:.1f} s")


def _officers(streets: list[OrgUnit]) -> dict[str, User]:
    """One street information officer per street (scope: that street), and a superuser for comparison."""
    officers = {}
    for street in streets:
        user = User.objects.create(username=f"bench-{street.code}", full_name=f"{street.name}信息员")
        Membership.objects.create(user=user, role=Role.STREET_OFFICER, unit=street, unit_path=street.path)
        officers[street.path] = user
    officers["*"] = User.objects.create(username="bench-admin", is_superuser=True, is_staff=True)
    return officers


def _page(user, community, *, category: str, cursor: str | None):
    qs = persons_filtered(user, PersonFilter(unit=community, category=category)).select_related("grid")
    return keyset_page(qs, order=("unit_path", "id"), cursor=cursor, size=50)


def _hand_sql(community_path: str, street_path: str, category_id: int, now, after: tuple | None) -> list:
    """The reference: the same rows written by hand (category id known, no ORM)."""
    (op, street), (_op, community) = prefix_match(street_path), prefix_match(community_path)
    keyset, params = "", [street, community, category_id, now, now]
    if after:
        keyset = "AND (p.unit_path > %s OR (p.unit_path = %s AND p.id > %s))"
        params += [after[0], after[0], after[1]]
    sql = f"""SELECT p.*, g.code, g.name FROM persons_person p JOIN orgunits_orgunit g ON g.id = p.grid_id
              WHERE p.unit_path {op} %s AND p.unit_path {op} %s
                AND EXISTS (SELECT 1 FROM persons_categoryepisode e WHERE e.person_id = p.id
                            AND e.category_id = %s AND e.start <= %s AND (e."end" IS NULL OR e."end" > %s))
                {keyset}
              ORDER BY p.unit_path, p.id LIMIT 51"""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def main():
    streets, _stats = population()
    measure(streets)


def measure(streets: list[OrgUnit], *, samples: int = SAMPLES) -> dict[str, float]:
    """The figures over `samples` seeded random communities of `streets` (each street's officer its own), printed;
    returns the worst p95 of the officer's pages ("worst") and the hand SQL's first-page p95 ("reference")."""
    officers = _officers(streets)
    rng = random.Random(SEED)
    communities = list(OrgUnit.objects.filter(parent__in=streets, kind=OrgUnit.Kind.COMMUNITY).order_by("path"))
    sample = rng.sample(communities, min(samples, len(communities)))
    street_of = {c.pk: c.path.rsplit("/", 2)[0] + "/" for c in communities}

    # What a deployment that never refreshed its statistics sees (one community).
    probe = sample[0]
    ms, page = timed(lambda: _page(officers[street_of[probe.pk]], probe, category="hubei", cursor=None))
    print(f"   without planner statistics, first page of one community: {ms:,.0f} ms ({len(page.items)} rows)")
    analyzed()

    hubei = Category.objects.get(code="hubei").pk
    first, deep, full_page, deep_all, ref_first, ref_deep, admin_first = [], [], [], [], [], [], []
    depths, rows = [], []
    for c in sample[:5]:  # warm the caches
        _page(officers[street_of[c.pk]], c, category="hubei", cursor=None)
    with CaptureQueriesContext(connection) as captured:
        for community in sample:
            officer = officers[street_of[community.pk]]
            ms, page = timed(lambda: _page(officer, community, category="hubei", cursor=None))  # noqa: B023
            first.append(ms)
            rows.append(len(page.items))
            ms_state, _ = timed(lambda: with_current_state(page.items))  # noqa: B023
            full_page.append(ms + ms_state)
            now = timezone.now()
            ms_ref, ref_rows = timed(lambda: _hand_sql(community.path, street_of[community.pk], hubei, now, None))  # noqa: B023
            ref_first.append(ms_ref)
            assert [r[0] for r in ref_rows[:50]] == [p.pk for p in page.items], community.code
            # Follow up to DEEP cursors; time the last page reached, and the same depth unfiltered.
            cursor, depth, last_ms, last = page.next_cursor, 0, ms, page
            while cursor and depth < DEEP:
                last_ms, last = timed(lambda: _page(officer, community, category="hubei", cursor=cursor))  # noqa: B023
                cursor, depth = last.next_cursor, depth + 1
            deep.append(last_ms)
            depths.append(depth)
            if depth:
                after = (last.items[0].unit_path, last.items[0].pk - 1) if last.items else None
                ms_ref, _ = timed(lambda: _hand_sql(community.path, street_of[community.pk], hubei, now, after))  # noqa: B023
                ref_deep.append(ms_ref)
            cursor = None
            for _n in range(DEEP + 1):
                ms_all, page_all = timed(lambda: _page(officer, community, category="", cursor=cursor))  # noqa: B023
                cursor = page_all.next_cursor
                if not cursor:
                    break
            deep_all.append(ms_all)
            admin_first.append(timed(lambda: _page(officers["*"], community, category="hubei", cursor=None))[0])  # noqa: B023
    counts = [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"].upper()]
    assert not counts, f"a COUNT was issued: {counts[0][:200]}"

    holding = Person.objects.filter(category_episodes__category_id=hubei, category_episodes__end__isnull=True)
    print(f"   {len(sample)} communities, {statistics.mean(rows):.0f} rows on the first page on average "
          f"({holding.count():,} people hold 涉鄂 now)")
    line("first page, street officer (ORM, keyset_page)", first)
    line("  … with the page's current-state queries", full_page)
    line("  reference: the same query as hand SQL", ref_first)
    line(f"last page within {DEEP} cursors (reached depth {min(depths)}–{max(depths)})", deep)
    if ref_deep:
        line("  reference: hand SQL at that page", ref_deep)
    line(f"unfiltered community list, page {DEEP + 1}", deep_all)
    line("first page, superuser (no scope filter)", admin_first)
    print(f"   queries captured: {len(captured.captured_queries):,}, COUNT(*) among them: {len(counts)}")
    worst = max(percentile(first, 95), percentile(deep, 95), percentile(full_page, 95))
    print(f"   target p95 < {TARGET_P95_MS} ms: {'met' if worst < TARGET_P95_MS else 'NOT MET'} "
          f"(worst p95 {worst:.1f} ms)")
    return {"worst": worst, "reference": percentile(ref_first, 95)}
