"""Province scale: 10,000,000 people over one county-rich city tree, the person list, the five forms, drill-down, dashboard.

湖南省 with one of its cities, 邵阳市 (12 county-level divisions, 202 townships), loaded from the official
divisions, and ≈30,000 grids (BENCH_GRIDS) in communities of 10 spread over every township of the city
(persons.generator.grids_ensure); 10,000,000 people (BENCH_PEOPLE to shrink) with their histories over them from
the deterministic generator (bench_person_list's seed), built once; the 2020 events then given their monthly
partitions (PostgreSQL), as the demo does. Measured on that one population with the city-scale benchmarks' own
functions, each printed with the reference it measures in the same run (hand SQL):

- the person list (bench_person_list.measure): a community filtered by category, keyset pages, no COUNT, over
  BENCH_SAMPLES communities, each township's officer; goal p95 < 150 ms;
- all five forms for every unit of the province (bench_reports.forms_every_unit), BENCH_RUNS runs; goal < 10 s;
- drill-down (bench_reports.drill_down) on the five submissions of STREETS seeded townships and the province's
  total; goal p95 < 300 ms;
- the dashboard of the province's command centre (bench_dashboard.measure); goal p95 < 1 s.

Meant for PostgreSQL (BENCH_DATABASE_URL); it runs on SQLite too, small. The generator's speed decides what size
fits: it prints people/s, and the generation's time beside the figures.
"""

import os
import random
import time

from django.conf import settings
from django.utils import timezone

from benchmarks import bench_dashboard, bench_person_list, bench_reports
from benchmarks.timing import progress_printer
from core.partitions import maintain_all
from fangkong.event_tables import EVENT_TABLES
from orgunits.models import OrgUnit
from orgunits.services import divisions_load
from persons.generator import grids_ensure, people_generate
from persons.models import Person
from reports.services import forms_seed

PEOPLE = int(os.environ.get("BENCH_PEOPLE", "10000000"))
GRIDS = int(os.environ.get("BENCH_GRIDS", "30000"))
SAMPLES = int(os.environ.get("BENCH_SAMPLES", "100"))
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
GRIDS_PER_COMMUNITY = 10
PROVINCE = "430000"  # 湖南省
CITY = "430500"  # 邵阳市: the province's city with the most county-level divisions and townships
STREETS = 7  # townships whose five submissions are drilled into, as many as bench_reports' streets of 娄星区
SEED = bench_person_list.SEED
GOALS = {"list": 150.0, "forms": 10.0, "drill": 300.0, "dashboard": 1000.0}  # ms, s, ms, ms


def population() -> tuple[OrgUnit, list[OrgUnit], dict[str, float]]:
    """(the province, the city's townships, the generation's figures): the tree and PEOPLE people, built once."""
    divisions_load(root_code=CITY)
    province, city = OrgUnit.objects.get(code=PROVINCE), OrgUnit.objects.get(code=CITY)
    if Person.objects.filter(unit_path__under=province.path).exists():
        raise SystemExit(f"   the benchmark database already holds people under {province.name}: use a fresh database")
    started = time.perf_counter()
    grids = grids_ensure(parent=city, grids=GRIDS, per_community=GRIDS_PER_COMMUNITY)
    townships = list(OrgUnit.objects.filter(path__under=city.path, kind=OrgUnit.Kind.TOWNSHIP).order_by("path"))
    counties = OrgUnit.objects.filter(parent=city).count()
    tree_s = time.perf_counter() - started
    stats = people_generate(units=grids, count=PEOPLE, seed=SEED, analyze=False,
                            progress=progress_printer("people"))
    started = time.perf_counter()
    maintain_all(EVENT_TABLES, today=timezone.localdate(), ahead=settings.PARTITIONS_AHEAD_MONTHS, keep={})
    partitions_s = time.perf_counter() - started
    rate = stats.people / max(stats.seconds, 0.1)
    print(f"   {city.name}: {counties} county-level divisions, {len(townships)} townships, {len(grids):,} grids "
          f"({tree_s:.1f} s); generated {stats.people:,} people in {stats.households:,} households, "
          f"{stats.category_episodes:,} category episodes, {stats.status_episodes:,} status episodes, "
          f"{stats.health_checks:,} health checks in {stats.seconds:.0f} s ({rate:,.0f} people/s); "
          f"the events' monthly partitions in {partitions_s:.1f} s", flush=True)
    return province, townships, {"generate": stats.seconds, "rate": rate, "people": stats.people}


def main():
    province, townships, generation = population()
    figures = {}

    print(f"\n   -- the person list: {min(SAMPLES, len(townships) * 10)} communities of {len(townships)} townships",
          flush=True)
    listing = bench_person_list.measure(townships, samples=SAMPLES)
    figures["list"] = (listing["worst"], listing["reference"])

    print(f"\n   -- the five forms for every unit of {province.name}", flush=True)
    forms_seed()
    forms = bench_reports._forms()
    reports = bench_reports.forms_every_unit(province, forms, people=generation["people"], runs=RUNS,
                                             target_s=GOALS["forms"])
    figures["forms"] = (reports["total"], reports["reference"])
    busy = [t for t in townships if OrgUnit.objects.filter(parent=t).exists()]
    streets = sorted(random.Random(SEED).sample(busy, min(STREETS, len(busy))), key=lambda t: t.path)
    print(f"\n   -- drill-down: {len(streets)} townships' submissions and {province.name}'s total", flush=True)
    drill = bench_reports.drill_down(province, streets, forms, reports["per_unit"], samples=SAMPLES)
    figures["drill"] = (drill["worst"], None)

    print(f"\n   -- the dashboard of {province.name}'s command centre", flush=True)
    people = generation["people"]
    bench_dashboard.prepare(people)
    dashboard = bench_dashboard.measure(province, people=people, samples=min(SAMPLES, bench_dashboard.SAMPLES))
    figures["dashboard"] = (dashboard["worst"], dashboard["reference"])

    print(f"\n   province scale: {people:,} people over {len(townships)} townships, generated in "
          f"{generation['generate']:.0f} s ({generation['rate']:,.0f} people/s)")
    rows = (("list", "person list p95", "ms", "hand SQL, first page p95"),
            ("forms", "all five forms for every unit", "s", "hand GROUP BY SQL"),
            ("drill", "drill-down p95", "ms", None),  # bench_reports measures no reference for it
            ("dashboard", f"dashboard of {province.name} p95", "ms", "the people section's hand SQL p95"))
    for key, label, unit, reference in rows:
        value, ref = figures[key]
        goal = GOALS[key]
        digits = 2 if unit == "s" else 1
        against = f"   ({reference}: {ref:,.{digits}f} {unit})" if reference and ref is not None else ""
        print(f"   {label:<34} {value:9,.{digits}f} {unit:<2}  goal < {goal:,.0f} {unit}: "
              f"{'met' if value < goal else 'NOT MET'}{against}")
