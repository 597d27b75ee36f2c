"""The situation dashboard at city scale: the home page of a district's command centre over 1,000,000 people.

The population is bench_person_list's (the same generator and seed; BENCH_PEOPLE to shrink): 1,000,000
people with their histories over January–June 2020 under 娄星区. Beside it, 2,000 confirmed cases (one per 500 people when fewer) and BENCH_FOLLOW_UPS
(100,000) contacts under follow-up today, set-based through bench_tracing's helpers. A command-centre user of
娄星区 (every section of the page) GETs "/" through Django's test Client, SAMPLES times each, after warming:
for 2020-05-21 (inside the histories: every day of the trends has arrivals and changes) and for today (the
default; today's follow-up results are read too). Reference, same run, interleaved: the people section's three
GROUP BYs (categories held, statuses held, arrivals on the day) written by hand in SQL, asserted equal to the
page's figures. Printed too: the queries the page issues and the slowest of them, and the time of the lists the
people section's figures open (the persons list filtered by the county and a category, a status or the day's
arrivals). Target: p95 < 1 s for the page.
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
from dashboard.selectors import dashboard_for_user
from orgunits.models import OrgUnit
from persons.models import Category, ManagementStatus, Person
from persons.selectors import as_of_day
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
    """The people section's figures written by hand: categories and statuses held at the day's end, arrivals."""
    sqlite = connection.vendor == "sqlite"
    op, wild = ("GLOB", "*") if sqlite else ("LIKE", "%")
    adapt = connection.ops.adapt_datetimefield_value
    at = adapt(as_of_day(day))
    start = adapt(timezone.make_aware(dt.datetime.combine(day, dt.time())))
    end = adapt(timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time())))
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
                 [county_path + wild, at, at]),
                ("status", held.format(key="status_id", table="statusepisode", op=op), [county_path + wild, at, at]),
                ("arrived", arrived, [county_path + wild, start, end])):
            cursor.execute(sql, params)
            out[name] = dict(cursor.fetchall())
    return out


def _page_figures(dashboard) -> dict[str, dict[int, int]]:
    categories = dict(Category.objects.values_list("code", "pk"))
    statuses = dict(ManagementStatus.objects.values_list("code", "pk"))
    people = dashboard.people

    def ids(figures, prefix, codes):
        return {codes[f.key.removeprefix(prefix)]: f.value for f in figures if f.value}

    return {"category": ids(people.by_category, "category.", categories),
            "status": ids(people.by_status, "status.", statuses),
            "arrived": ids(people.arrived_by_category, "arrived.", categories)}


def main():
    _streets, _stats = population()
    analyzed()
    county = OrgUnit.objects.get(code=COUNTY)
    people = Person.objects.count()
    _tracing_rows(people)
    user = User.objects.create(username="bench-dashboard-louxing", full_name="娄星区指挥部")
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
        assert _page_figures(day) == _reference(county.path, DAY), "the page and the SQL differ"
        captured: list[tuple[float, str]] = []

        def log(execute, sql, params, many, context):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                captured.append(((time.perf_counter() - started) * 1000, sql))

        with connection.execute_wrapper(log):  # kept across the reconnections of the request cycle
            page_ms, _response = timed(lambda: client.get(urls["today"], secure=True))
        section = day.people  # each figure's list once, for the day's page (the persons list, keyset-paginated)
        drill = {}
        for figure in [section.arrived, *section.arrived_by_category, *section.by_category, *section.by_status]:
            client.get(figure.url, secure=True)
            drill[figure.url], response = timed(lambda: client.get(figure.url, secure=True))  # noqa: B023
            assert response.status_code == 200, figure.url
        for _n in range(SAMPLES):
            for name, url in urls.items():
                ms, response = timed(lambda: client.get(url, secure=True))  # noqa: B023
                assert response.status_code == 200
                timings[name].append(ms)
            reference.append(timed(lambda: _reference(county.path, DAY))[0])

    print(f"   {people:,} people under 娄星区; on {DAY}: {day.people.managed:,} under management, "
          f"{day.people.arrived.value:,} came into a category, "
          f"{sum(f.value for f in day.people.by_category):,} category holdings")
    line(f"dashboard page for {DAY} (Client GET, county user)", timings["2020-05-21"])
    line("dashboard page for today", timings["today"])
    line("  reference: the people section's 3 GROUP BYs as hand SQL", reference)
    queries = sorted(captured, reverse=True)
    print(f"   one page for today: {page_ms:.0f} ms, {len(queries)} queries taking {sum(ms for ms, _sql in queries):.0f} ms;"
          f" the slowest:")
    for ms, sql in queries[:SLOWEST_SHOWN]:
        print(f"     {ms:7.1f} ms  {sql[:150]}")
    line(f"the people section's {len(drill)} lists (drill-down, first page)", list(drill.values()))
    slowest = max(drill, key=drill.get)
    print(f"     slowest: {slowest} ({drill[slowest]:.0f} ms)")
    worst = max(percentile(values, 95) for values in timings.values())
    print(f"   target p95 < {TARGET_P95_MS} ms ({connection.vendor}): {'met' if worst < TARGET_P95_MS else 'NOT MET'} "
          f"(worst p95 {worst:.1f} ms)")
