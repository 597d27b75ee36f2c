"""A street's duty roster: 5,000 volunteers and 50,000 shifts in a month, the street's and each site's roster page.

BENCH_VOLUNTEERS people (5,000) of about fifty civilised units take BENCH_SHIFTS confirmed shifts (50,000) in
February 2020 at the checkpoints of 长青街道's communities (three in each of a dozen), from the deterministic
generator (volunteers.generator); ten cadres are stationed at five enterprises for weeks. Shifts up to 24
February are checked in and out (a few no-shows), later ones not yet. Measured as a street information officer
through the test client, the pages as served: for BENCH_SAMPLES seeded random days of the month the street's
roster (every site of the street on that day, some 1,700 people) and, for as many random (site, day) pairs, the
site's roster with its check-in and swap forms. References measured in the same run: the queries alone
(volunteers.selectors.area_roster and roster) and, on SQLite (in process), the CPU time of the street's page,
which other work on a shared machine does not inflate. Target: the street's roster page p95 < 150 ms.
"""

import datetime as dt
import os
import random
import statistics
import time

from django.db import connection
from django.test import Client, override_settings
from django.utils import timezone

from accounts.models import Membership, User
from accounts.roles import Role
from benchmarks.timing import line, percentile, progress_printer, timed
from core.db import runs_in_process
from orgunits.models import OrgUnit, Site
from orgunits.services import divisions_load
from persons.generator import grids_ensure
from volunteers.generator import teams_generate, teams_statistics_refresh
from volunteers.models import Assignment
from volunteers.selectors import area_roster, roster

VOLUNTEERS = int(os.environ.get("BENCH_VOLUNTEERS", "5000"))
SHIFTS = int(os.environ.get("BENCH_SHIFTS", "50000"))
SAMPLES = int(os.environ.get("BENCH_SAMPLES", "100"))
SEED = 20200521
STREET = "431302004"  # 长青街道
MONTH = dt.date(2020, 2, 1)
TARGET_P95_MS = 150


def _street() -> OrgUnit:
    divisions_load(root_code="431300")
    street = OrgUnit.objects.get(code=STREET)
    if Assignment.objects.filter(unit_path__under=street.path).exists():
        raise SystemExit("   the benchmark database already holds shifts under 长青街道: use a fresh database")
    grids_ensure(parent=street, grids=60, per_community=5)  # a dozen communities
    tz = timezone.get_current_timezone()
    progress = progress_printer("shifts")
    stats = teams_generate(street=street, volunteers=VOLUNTEERS, shifts=SHIFTS, month=MONTH, seed=SEED,
                           checked_until=dt.datetime(2020, 2, 24, 12, tzinfo=tz), progress=progress)
    print(f"   generated {stats.units} civilised units, {stats.volunteers:,} volunteers, {stats.shifts:,} shifts "
          f"({stats.waiting:,} more on waiting lists) in {stats.slots:,} slots of {stats.needs} needs at "
          f"{stats.sites} sites, {stats.stays} stays, in {stats.seconds:.1f} s")
    started = time.perf_counter()
    teams_statistics_refresh()
    print(f"   ANALYZE: {time.perf_counter() - started:.1f} s")
    return street


def _officer(street: OrgUnit) -> User:
    user = User.objects.create(username=f"bench-roster-{street.code}", full_name=f"{street.name}信息员")
    Membership.objects.create(user=user, role=Role.STREET_OFFICER, unit=street, unit_path=street.path)
    return user


def main():
    street = _street()
    officer = _officer(street)
    rng = random.Random(SEED)
    days = [MONTH + dt.timedelta(days=n) for n in range(29)]
    sites = list(Site.objects.filter(unit_path__under=street.path).order_by("pk"))
    street_days = [rng.choice(days) for _n in range(SAMPLES)]
    site_days = [(rng.choice(sites), rng.choice(days)) for _n in range(SAMPLES)]

    client = Client()
    client.force_login(officer)
    timings: dict[str, list[float]] = {"street": [], "street_cpu": [], "street_query": [], "site": [],
                                       "site_query": []}
    rows_seen, site_rows = [], []
    with override_settings(ALLOWED_HOSTS=["testserver"], STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}):
        for day in street_days[:3]:  # warm the templates and caches
            client.get(f"/volunteers/areas/{street.code}/roster/?day={day}", secure=True)
            client.get(f"/volunteers/sites/{sites[0].pk}/roster/?day={day}", secure=True)
        executed = []
        with connection.execute_wrapper(lambda execute, sql, *args: executed.append(sql) or execute(sql, *args)):
            client.get(f"/volunteers/areas/{street.code}/roster/?day={street_days[0]}", secure=True)
        for day in street_days:
            started, cpu = time.perf_counter(), time.process_time()
            response = client.get(f"/volunteers/areas/{street.code}/roster/?day={day}", secure=True)
            timings["street"].append((time.perf_counter() - started) * 1000)
            timings["street_cpu"].append((time.process_time() - cpu) * 1000)
            assert response.status_code == 200, response.status_code
            ms, rows = timed(lambda: area_roster(street, day, limit=5000))  # noqa: B023
            timings["street_query"].append(ms)
            shown = response.content.count(b"data-assignment=")
            assert shown == len(rows), (day, shown, len(rows))
            rows_seen.append(shown)
        for site, day in site_days:
            started = time.perf_counter()
            response = client.get(f"/volunteers/sites/{site.pk}/roster/?day={day}", secure=True)
            timings["site"].append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code
            ms, rows = timed(lambda: roster(site, day))  # noqa: B023
            timings["site_query"].append(ms)
            site_rows.append(len(rows))

    print(f"   street roster: {statistics.mean(rows_seen):,.0f} people on duty a day on average "
          f"({min(rows_seen):,}–{max(rows_seen):,}), {len(executed)} queries a page")
    line(f"street roster page ({len(street_days)} days)", timings["street"])
    line("  reference: the query alone (selectors.area_roster)", timings["street_query"])
    if runs_in_process():  # the database's CPU time is the page's own
        line("  CPU time of the page (this process, no waiting)", timings["street_cpu"])
    print(f"   site roster: {statistics.mean(site_rows):,.0f} people on duty a day on average "
          f"({min(site_rows)}–{max(site_rows)})")
    line(f"site roster page ({len(site_days)} sites and days)", timings["site"])
    line("  reference: the query alone (selectors.roster)", timings["site_query"])
    worst = percentile(timings["street"], 95)
    print(f"   target street roster page p95 < {TARGET_P95_MS} ms: {'met' if worst < TARGET_P95_MS else 'NOT MET'} "
          f"({worst:.1f} ms); site roster page p95 {percentile(timings['site'], 95):.1f} ms")
