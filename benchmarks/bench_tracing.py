"""Contact tracing at city scale: a case's contacts to depth 2 over 5,000,000 exposures, and the day's follow-up tasks for 100,000 contacts.

The population is bench_person_list's (1,000,000 people over ~3,000 grids of 娄星区, BENCH_PEOPLE to shrink;
the same generator and seed). On it, generated set-based inside the database (one
INSERT … SELECT over a numbered series per table; row n's people, dates and setting are fixed functions of
n, so every run writes the same rows):
- 2,000 confirmed cases (one per 500 people when fewer), each the source of 50 close contacts;
- 5,000,000 exposures in all (BENCH_EXPOSURES; five per person): besides the cases' contacts, every person
  exposes about five others (contacts of contacts), pairs repeated or of one person dropped;
- a grid worker for every grid, and 100,000 contacts under follow-up today (BENCH_FOLLOW_UPS).
Measured:
1. For 100 seeded random cases, tracing.selectors.contacts_to_depth(person, depth=2) — one recursive query —
   p50/p95 (target on PostgreSQL: p95 < 200 ms; SQLite's figure is printed too). Reference, same run: the
   same traversal as one ORM query per level, which must return the same people; and the case page's
   case_contacts (both levels with their people and follow-ups).
2. tracing.services.tasks_generate_daily for today: one task per follow-up, each given to the grid's worker
   (target < 30 s), and run again (it must create nothing). Reference, same run: the same tasks for the next
   day written from Python — follow-ups read with their grid, assignee from a dict, bulk_create 5,000 at a
   time — rolled back. Then the whole daily run for the next day (missed checks of the day before,
   completions, the tasks) for comparison.
"""

import datetime as dt
import os
import random
import statistics
import time

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Membership, User
from accounts.roles import Role
from benchmarks.bench_person_list import analyzed, population
from benchmarks.timing import line, percentile, timed
from core.db import is_sqlite, numbered_series, sqlite_cache
from orgunits.models import OrgUnit
from persons.models import Category, Person
from tracing.models import Case, Exposure, FollowUp, Task
from tracing.selectors import case_contacts, contacts_to_depth
from tracing.services.periodic import tracing_daily
from tracing.services.tasks import daily_due_at, tasks_generate_daily

EXPOSURES = int(os.environ.get("BENCH_EXPOSURES", "5000000"))
FOLLOW_UPS = int(os.environ.get("BENCH_FOLLOW_UPS", "100000"))
CASES = 2000
CONTACTS_PER_CASE = 50
SAMPLES = int(os.environ.get("BENCH_SAMPLES", "100"))
SEED = 20200123
TARGET_DEPTH2_P95_MS = 200
TARGET_DAILY_S = 30
PRIME = 2147483647  # 2^31 - 1: (n * a + b) mod PRIME mod N scatters n over N
SETTINGS = ["household", "workplace", "transport", "gathering", "healthcare", "other"]
PROXIMITIES = ["physical", "close", "same_room", "same_place"]
CERTAINTIES = ["high", "medium", "low"]


def _choice(values: list[str], n: str) -> str:
    """SQL picking one of `values` by the integer expression `n`."""
    whens = " ".join(f"WHEN {i} THEN '{v}'" for i, v in enumerate(values[:-1]))
    return f"CASE ({n}) %% {len(values)} {whens} ELSE '{values[-1]}' END"


def _day(expression: str) -> str:
    """SQL for the date 2020-01-20 plus `expression` days."""
    if is_sqlite():
        return f"date(julianday('2020-01-20') + ({expression}))"
    return f"(DATE '2020-01-20' + CAST({expression} AS integer))"


def _numbered_people(count: int) -> None:
    """The temporary table bench_people(n, person_id, unit_path, grid_id): the people numbered 0 … count - 1."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE bench_people (n bigint PRIMARY KEY, person_id bigint, "
                       "unit_path varchar(255), grid_id bigint)")
        cursor.execute("INSERT INTO bench_people (n, person_id, unit_path, grid_id) "
                       "SELECT ROW_NUMBER() OVER (ORDER BY id) - 1, id, unit_path, grid_id FROM persons_person")
        cursor.execute("ANALYZE bench_people")


def _cases(people: int, count: int, now) -> list[Case]:
    """`count` confirmed cases: person number c · 7919 mod N for c = 0 … count - 1 (distinct: N is no multiple
    of the prime 7919)."""
    numbers = [(c * 7919) % people for c in range(count)]
    with connection.cursor() as cursor:
        cursor.execute("SELECT n, person_id, unit_path FROM bench_people")
        by_number = {n: (pid, path) for n, pid, path in cursor.fetchall()}
    Case.objects.bulk_create([
        Case(person_id=by_number[n][0], unit_path=by_number[n][1], classification=Case.Classification.CONFIRMED,
             classification_method=Case.Method.MANUAL, classified_at=now, label=f"基准第{c + 1}例",
             confirmed_date=now.date()) for c, n in enumerate(numbers)], batch_size=1000)
    return list(Case.objects.select_related("person").order_by("id"))


def _exposures(people: int, cases: int, now) -> int:
    """EXPOSURES edges: the cases' contacts first (edge i < cases · 50: source case i // 50), then every person in
    turn exposing about five others; pairs already written (and self-pairs) are skipped."""
    case_edges = cases * CONTACTS_PER_CASE
    source = (f"CASE WHEN g.i < {case_edges} THEN (g.i / {CONTACTS_PER_CASE}) * 7919 %% {people} "
              f"ELSE (g.i - {case_edges}) * {people} / {max(EXPOSURES - case_edges, 1)} END")
    exposed = f"(g.i * 2654435761 + 12345) %% {PRIME} %% {people}"
    last = _day("(g.i * 37) %% 150")
    first = _day("(g.i * 37) %% 150 - g.i %% 5")
    table = connection.ops.quote_name(Exposure._meta.db_table)
    sql = f"""
        INSERT INTO {table} (source_id, exposed_id, degree, first_contact, last_contact, setting, proximity,
                             certainty, note, unit_path, created_at, updated_at)
        SELECT s.person_id, x.person_id, CASE WHEN g.i < {case_edges} THEN 1 ELSE 2 END, {first}, {last},
               {_choice(SETTINGS, "g.i * 7")}, {_choice(PROXIMITIES, "g.i * 11")}, {_choice(CERTAINTIES, "g.i * 13")},
               '', x.unit_path, %s, %s
        FROM {numbered_series()}
        JOIN bench_people s ON s.n = {source}
        JOIN bench_people x ON x.n = {exposed}
        WHERE s.person_id <> x.person_id
        ON CONFLICT DO NOTHING"""
    stamp = connection.ops.adapt_datetimefield_value(now)
    # 1 GB of SQLite cache while loading: the indexes stay in memory
    with transaction.atomic(), sqlite_cache(megabytes=1024), connection.cursor() as cursor:
        cursor.execute(sql, [stamp, stamp, EXPOSURES])
        written = cursor.rowcount
    return written


def _grid_workers(county: OrgUnit) -> int:
    """A grid worker (网格员) for every grid under the county: the default assignee of its people's tasks."""
    grids = list(OrgUnit.objects.filter(path__under=county.path, kind=OrgUnit.Kind.GRID).order_by("path"))
    User.objects.bulk_create([User(username=f"bench-grid-{g.code}", full_name=f"{g.name}网格员") for g in grids],
                             batch_size=1000)
    users = dict(User.objects.filter(username__startswith="bench-grid-").values_list("username", "pk"))
    Membership.objects.bulk_create([Membership(user_id=users[f"bench-grid-{g.code}"], role=Role.GRID_WORKER,
                                               unit=g, unit_path=g.path) for g in grids], batch_size=1000)
    return len(grids)


def _follow_ups(people: int, today: dt.date, now) -> int:
    """FOLLOW_UPS close contacts under follow-up today: person number (k · 1000003 + 17) mod N (distinct), the
    last exposure k mod 14 + 1 days ago, the window 14 days from it."""
    sqlite = is_sqlite()
    category = Category.objects.get(code="close_contact")
    table = connection.ops.quote_name(FollowUp._meta.db_table)
    if sqlite:
        start = "date(%s, '-' || (g.i %% 14) || ' days')"
        last = "date(%s, '-' || (g.i %% 14 + 1) || ' days')"
        end = "date(%s, '+' || (13 - g.i %% 14) || ' days')"
    else:
        start, last, end = ("(%s::date - CAST(g.i %% 14 AS integer))",
                            "(%s::date - CAST(g.i %% 14 + 1 AS integer))",
                            "(%s::date + CAST(13 - g.i %% 14 AS integer))")
    sql = f"""
        INSERT INTO {table} (person_id, unit_path, category_id, state, start, last_exposure, "end", end_manual,
                             missed_days, created_at)
        SELECT p.person_id, p.unit_path, %s, 'active', {start}, {last}, {end}, false, 0, %s
        FROM {numbered_series()}
        JOIN bench_people p ON p.n = (g.i * 1000003 + 17) %% {people}"""
    day = today.isoformat() if sqlite else today
    stamp = connection.ops.adapt_datetimefield_value(now)
    params = [category.pk, day, day, day, stamp]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [*params, FOLLOW_UPS])
        return cursor.rowcount


def _reference_by_level(person_id: int) -> list[tuple[int, int]]:
    """The reference traversal: one ORM query per level."""
    first = set(Exposure.objects.filter(source_id=person_id).values_list("exposed_id", flat=True))
    second = set(Exposure.objects.filter(source_id__in=first).values_list("exposed_id", flat=True))
    first.discard(person_id)
    second -= first | {person_id}
    return [(p, 1) for p in sorted(first)] + [(p, 2) for p in sorted(second)]


def _reference_tasks(day: dt.date) -> int:
    """The reference task generation, written from Python (the caller rolls it back)."""
    workers = dict(Membership.objects.filter(role=Role.GRID_WORKER).order_by("-id").values_list("unit_id", "user_id"))
    due_at, created = daily_due_at(day), 0
    rows = (FollowUp.objects.filter(state=FollowUp.State.ACTIVE, start__lte=day, end__gte=day)
            .values_list("pk", "person_id", "unit_path", "person__grid_id"))
    batch = []
    for pk, person_id, path, grid_id in rows.iterator(chunk_size=5000):
        batch.append(Task(kind=Task.Kind.FOLLOW_UP, person_id=person_id, follow_up_id=pk, day=day, unit_path=path,
                          due_at=due_at, assignee_id=workers.get(grid_id)))
        if len(batch) == 5000:
            created += len(Task.objects.bulk_create(batch, ignore_conflicts=True))
            batch = []
    created += len(Task.objects.bulk_create(batch, ignore_conflicts=True))
    return created


def _analyze() -> None:
    with connection.cursor() as cursor:
        for model in (Exposure, Case, FollowUp, Task, Membership, User):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def main():
    streets, stats = population()
    analyzed()
    county = OrgUnit.objects.get(code="431302")
    people = Person.objects.count()
    now, today = timezone.now(), timezone.localdate()
    started = time.perf_counter()
    _numbered_people(people)
    cases = _cases(people, min(CASES, max(people // 500, SAMPLES)), now)
    written = _exposures(people, len(cases), now)
    exposures_s = time.perf_counter() - started
    grids = _grid_workers(county)
    follow_ups = _follow_ups(people, today, now)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_people")
    _analyze()
    print(f"   {len(cases):,} cases; {written:,} exposures written in {exposures_s:.0f} s "
          f"({written / max(exposures_s, 0.1):,.0f}/s); {grids:,} grid workers; {follow_ups:,} contacts under "
          f"follow-up ({time.perf_counter() - started:.0f} s in all, with ANALYZE)")

    # 1. Contacts to depth 2.
    rng = random.Random(SEED)
    sample = rng.sample(cases, min(SAMPLES, len(cases)))
    admin = User.objects.create(username="bench-tracing-admin", is_superuser=True, is_staff=True)
    for case in sample[:5]:  # warm the caches
        contacts_to_depth([case.person_id], depth=2)
    cte, by_level, page, reached = [], [], [], []
    for case in sample:
        ms, found = timed(lambda: contacts_to_depth([case.person_id], depth=2))  # noqa: B023
        cte.append(ms)
        reached.append(len(found))
        ms, reference = timed(lambda: _reference_by_level(case.person_id))  # noqa: B023
        by_level.append(ms)
        assert sorted(found) == sorted(reference), case.pk
        page.append(timed(lambda: case_contacts(admin, case))[0])  # noqa: B023
    print(f"   {len(sample)} cases: {statistics.mean(reached):.0f} people within 2 steps on average "
          f"({min(reached)}–{max(reached)})")
    line("contacts to depth 2 (contacts_to_depth, one query)", cte)
    line("  reference: one ORM query per level", by_level)
    line("  the case page's contacts (case_contacts)", page)

    # 2. The day's follow-up tasks.
    seconds, created = timed(lambda: tasks_generate_daily(day=today))
    seconds /= 1000
    assigned = Task.objects.filter(day=today, kind=Task.Kind.FOLLOW_UP, assignee__isnull=False).count()
    print(f"   daily follow-up tasks for {today}: {created:,} created in {seconds:.1f} s "
          f"({created / max(seconds, 0.001):,.0f}/s), {assigned:,} given to a grid worker")
    again_ms, again = timed(lambda: tasks_generate_daily(day=today))
    print(f"   run again: {again} created in {again_ms / 1000:.1f} s")
    tomorrow = today + dt.timedelta(days=1)
    with transaction.atomic():
        ms, reference = timed(lambda: _reference_tasks(tomorrow))
        transaction.set_rollback(True)
    print(f"   reference: the same tasks from Python with bulk_create: {reference:,} in {ms / 1000:.1f} s (rolled back)")
    with transaction.atomic():
        ms, result = timed(lambda: tracing_daily(day=tomorrow))
        transaction.set_rollback(True)
    print(f"   the whole daily run for {tomorrow} (missed checks, completions, tasks): {ms / 1000:.1f} s "
          f"{result} (rolled back)")

    worst = percentile(cte, 95)
    print(f"   target depth-2 p95 < {TARGET_DEPTH2_P95_MS} ms ({connection.vendor}): "
          f"{'met' if worst < TARGET_DEPTH2_P95_MS else 'NOT MET'} ({worst:.1f} ms); target daily tasks < "
          f"{TARGET_DAILY_S} s: {'met' if seconds < TARGET_DAILY_S else 'NOT MET'} ({seconds:.1f} s)")
