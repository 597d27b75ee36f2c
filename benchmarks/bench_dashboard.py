"""The situation dashboard at city scale: the home page of a district's command centre over 1,000,000 people.

The population is bench_person_list's (the same generator and seed; BENCH_PEOPLE to shrink): 1,000,000
people with their histories over January–June 2020 under 娄星区. Beside it, 2,000 confirmed cases (one per 500 people when fewer) and BENCH_FOLLOW_UPS
(100,000) contacts under follow-up today, set-based through bench_tracing's helpers. A command-centre user of
娄星区 (every section of the page) GETs "/" through Django's test Client, SAMPLES times each, after warming:
for 2020-05-21 (inside the histories: every day of the trends has arrivals and changes) and for today (the
default; today's follow-up results are read too). Reference, same run, interleaved: the people section's three
GROUP BYs (categories held, statuses held, arrivals in the day's period, at the day's statistical time point)
written by hand in SQL, asserted equal to the page's figures of one category or one status. Printed too: the
queries the page issues and the slowest of them, and the time of the lists the people section's figures open (each
figure's page: what it counts, for the county and the day). Target: p95 < 1 s for the page.
"""

import datetime as dt
import os
import time

from django.db import connection
from django.test import Client, override_settings
from django.utils import timezone

from accounts.models import Membership, User
from accounts.roles import Role
from benchmarks.bench_person_list import COUNTY, analyzed, population
from benchmarks.timing import line, percentile, timed
from core.db import prefix_match
from dashboard.selectors import dashboard_for_user
from orgunits.models import OrgUnit
from persons.models import Category, ManagementStatus, Person
from reports.catalog import day_window, figures_seed
from tracing.models import Case, FollowUp

DAY = dt.date(2020, 5, 21)
SAMPLES = int(os.environ.get("BENCH_SAMPLES", "30"))
WARM = 3
TARGET_P95_MS = 1000
SLOWEST_SHOWN = 5
SETTINGS = {"ALLOWED_HOSTS": ["testserver"], "STORAGES": {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}}


def _tracing_rows(people: int) -> None:
    """Cases and follow-ups as bench_tracing writes them."""
    from benchmarks import bench_tracing

    started = time.perf_counter()
    bench_tracing._numbered_people(people)
    cases = bench_tracing._cases(people, min(bench_tracing.CASES, max(people // 500, 1)), timezone.now())
    follow_ups = bench_tracing._follow_ups(people, timezone.localdate(), timezone.now())
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_people")
        for model in (Case, FollowUp):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    print(f"   {len(cases):,} cases and {follow_ups:,} contacts under follow-up written in "
          f"{time.perf_counter() - started:.0f} s")


def _reference(county_path: str, day: dt.date) -> dict[str, dict[int, int]]:
    """The people section's figures of one category or one status, written by hand: held at the day's statistical
    time point, and begun in its period."""
    op, pattern = prefix_match(county_path)
    adapt = connection.ops.adapt_datetimefield_value
    window = day_window(day)
    at, start = adapt(window.cutoff), adapt(window.period_start)
    held = """SELECT e.{key}, COUNT(DISTINCT e.person_id) FROM persons_{table} e
              WHERE e.unit_path {op} %s AND e.start <= %s AND (e."end" IS NULL OR e."end" > %s)
              GROUP BY e.{key}"""
    arrived = f"""SELECT e.category_id, COUNT(DISTINCT e.person_id) FROM persons_categoryepisode e
                  WHERE e.unit_path {op} %s AND e.start >= %s AND e.start < %s AND NOT e.continued
                  GROUP BY e.category_id"""
    out = {}
    with connection.cursor() as cursor:
        for name, sql, params in (
                ("category", held.format(key="category_id", table="categoryepisode", op=op),
                 [pattern, at, at]),
                ("status", held.format(key="status_id", table="statusepisode", op=op), [pattern, at, at]),
                ("arrived", arrived, [pattern, start, at])):
            cursor.execute(sql, params)
            out[name] = dict(cursor.fetchall())
    return out


def _page_figures(dashboard) -> dict[str, dict[int, int]]:
    """The page's figures counted by one category or one status (…registered, …new, people.<status>), by its id."""
    categories = dict(Category.objects.values_list("code", "pk"))
    statuses = dict(ManagementStatus.objects.values_list("code", "pk"))
    shown = {f.key: f.value for f in [*dashboard.people.figures, *dashboard.people.new]
             for f in [f, *f.parts]}
    out: dict[str, dict[int, int]] = {"category": {}, "status": {}, "arrived": {}}
    for key, value in shown.items():
        population, measure = key.split(".", 1)
        if population == "people" and measure in statuses:
            out["status"][statuses[measure]] = value
        elif population in categories and measure in ("registered", "new"):
            out["category" if measure == "registered" else "arrived"][categories[population]] = value
    return out


def _reference_of(reference: dict, page: dict) -> dict:
    """The reference's counts for the ids the page shows (absent: none counted)."""
    return {name: {pk: reference[name].get(pk, 0) for pk in ids} for name, ids in page.items()}


def main():
    _streets, _stats = population()
    analyzed()
    county = OrgUnit.objects.get(code=COUNTY)
    people = Person.objects.count()
    prepare(people)
    measure(county, people=people)


def prepare(people: int) -> None:
    """The figures' catalog and the tracing rows the page shows."""
    figures_seed()  # the catalog the people and cases sections show (no forms: the reports board stays as it was)
    _tracing_rows(people)


def measure(county: OrgUnit, *, people: int, samples: int = SAMPLES) -> dict[str, float]:
    """The page of a command-centre user of `county` (any unit), beside the hand SQL, printed; returns the worst
    p95 of the page ("worst", ms) and the hand SQL's p95 ("reference", ms)."""
    user = User.objects.create(username=f"bench-dashboard-{county.code}", full_name=f"{county.name}指挥部")
    Membership.objects.create(user=user, role=Role.COMMAND, unit=county, unit_path=county.path)
    client = Client()
    client.force_login(user)
    urls = {"2020-05-21": f"/?day={DAY.isoformat()}", "today": "/"}
    timings: dict[str, list[float]] = {name: [] for name in urls}
    reference: list[float] = []
    with override_settings(**SETTINGS):
        for url in urls.values():
            for _n in range(WARM):
                response = client.get(url, secure=True)
                assert response.status_code == 200, (url, response.status_code)
        day = dashboard_for_user(user, unit=county, day=DAY)  # what the view renders
        page_figures = _page_figures(day)
        assert page_figures == _reference_of(_reference(county.path, DAY), page_figures), "the page and the SQL differ"
        captured: list[tuple[float, str]] = []

        def log(execute, sql, params, many, context):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                captured.append(((time.perf_counter() - started) * 1000, sql))

        with connection.execute_wrapper(log):  # kept across the reconnections of the request cycle
            page_ms, _response = timed(lambda: client.get(urls["today"], secure=True))
        section = day.people  # each figure's list once, for the day's page (what it counts, a page of it)
        drill = {}
        for figure in [f for f in [*section.figures, *section.new] for f in [f, *f.parts]]:
            client.get(figure.url, secure=True)
            drill[figure.url], response = timed(lambda: client.get(figure.url, secure=True))  # noqa: B023
            assert response.status_code == 200, figure.url
        for _n in range(samples):
            for name, url in urls.items():
                ms, response = timed(lambda: client.get(url, secure=True))  # noqa: B023
                assert response.status_code == 200
                timings[name].append(ms)
            reference.append(timed(lambda: _reference(county.path, DAY))[0])

    shown = {f.key: f.value for f in [*day.people.figures, *day.people.new]}
    print(f"   {people:,} people under {county.name}; on {DAY}: {shown.get('people.managed', 0):,} under management, "
          f"{shown.get('people.new', 0):,} came into a category in the period, "
          f"{len(shown)} figures of the catalog on the people section")
    line(f"dashboard page for {DAY} (Client GET, command user)", timings["2020-05-21"])
    line("dashboard page for today", timings["today"])
    line("  reference: the people section's 3 GROUP BYs as hand SQL", reference)
    queries = sorted(captured, reverse=True)
    print(f"   one page for today: {page_ms:.0f} ms, {len(queries)} queries taking {sum(ms for ms, _sql in queries):.0f} ms"
          " on the request's connection (not those run at once beside them, core.reads_at_once); the slowest:")
    for ms, sql in queries[:SLOWEST_SHOWN]:
        print(f"     {ms:7.1f} ms  {sql[:150]}")
    line(f"the people section's {len(drill)} lists (drill-down, first page)", list(drill.values()))
    slowest = max(drill, key=drill.get)
    print(f"     slowest: {slowest} ({drill[slowest]:.0f} ms)")
    worst = max(percentile(values, 95) for values in timings.values())
    print(f"   target p95 < {TARGET_P95_MS} ms ({connection.vendor}): {'met' if worst < TARGET_P95_MS else 'NOT MET'} "
          f"(worst p95 {worst:.1f} ms)")
    return {"worst": worst, "reference": percentile(reference, 95)}
