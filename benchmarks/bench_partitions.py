"""Event tables by month: retention dropping a month against deleting its rows, and a gate's day of readings read
from the month partitions against one plain table.

BENCH_EVENTS readings (default 3,000,000) at BENCH_CHECKPOINTS gates (default 50), spread evenly over the last
BENCH_MONTHS months (default 4, the current one included), are generated set-based in the database (INSERT …
SELECT over a numbered series) into checkpoints_reading, whose months get their partitions first
(core.partitions.months_create); the reference, built in the same run, is the same rows in one plain table with
the same indexes (PostgreSQL only: on SQLite the table is plain, and only retention's delete is measured).

1. A gate's day: the readings of BENCH_SAMPLES random (gate, day) pairs (count and highest temperature), as the
   gate's log reads them; p50/p95 on both tables.
2. Retention keeping BENCH_MONTHS − 2 whole months before the current one, so that the oldest month goes:
   core.partitions.maintain (partitions detached and dropped) against `DELETE … WHERE taken_at < cutoff` on the
   plain table; the time, the rows removed, and the WAL each writes (what a streaming replica must replay).
"""

import datetime as dt
import os
import random
import time

from django.db import connection, transaction
from django.utils import timezone

from benchmarks.timing import line
from checkpoints import services as checkpoint_services
from checkpoints.models import Checkpoint, Reading
from core.clock import day_start
from core.db import is_postgresql, numbered_series
from core.partitions import maintain, month_add, month_start, months_create
from fangkong.event_tables import event_table
from orgunits.models import OrgUnit, Site
from orgunits.services import divisions_load, site_create, unit_create

EVENTS = int(os.environ.get("BENCH_EVENTS", "3000000"))
CHECKPOINTS = int(os.environ.get("BENCH_CHECKPOINTS", "50"))
MONTHS = max(int(os.environ.get("BENCH_MONTHS", "4")), 2)
SAMPLES = int(os.environ.get("BENCH_SAMPLES", "100"))
SEED = 20200301
STREET = "431302004"  # 长青街道
PLAIN = "bench_reading_plain"


def _gates() -> list[Checkpoint]:
    divisions_load(root_code="431300")
    community = unit_create(parent=OrgUnit.objects.get(code=STREET), code=STREET + "902", name="分区基准社区",
                            kind=OrgUnit.Kind.COMMUNITY, by=None)
    gates = []
    for n in range(CHECKPOINTS):
        site = site_create(unit=community, kind=Site.Kind.CHECKPOINT, name=f"卡点{n:03d}", by=None)
        gates.append(checkpoint_services.checkpoint_create(site=site, name="大门", by=None))
    return gates


def _load(gates: list[Checkpoint], first: dt.datetime, now: dt.datetime) -> None:
    """EVENTS readings, row n at gate n·k mod CHECKPOINTS and at a time rising with n from `first` to `now`."""
    quote = connection.ops.quote_name
    start, span = int(first.timestamp()), int((now - first).total_seconds()) - 60
    postgresql = is_postgresql()
    at = "to_timestamp(%s + g.i * %s / %s)" if postgresql else "datetime(%s + g.i * %s / %s, 'unixepoch')"
    temperature = ("((358 + (g.i * 40503) %% 14) / 10.0)::numeric(4, 1)" if postgresql
                   else "(358 + (g.i * 40503) %% 14) / 10.0")
    created = connection.ops.adapt_datetimefield_value(now)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE bench_gate (n integer PRIMARY KEY, checkpoint_id bigint, "
                       "site_id bigint, unit_path varchar(255))")
        cursor.executemany("INSERT INTO bench_gate VALUES (%s, %s, %s, %s)",
                           [(n, g.pk, g.site_id, g.unit_path) for n, g in enumerate(gates)])
        columns = ["checkpoint_id", "site_id", "unit_path", "taken_at", "temperature", "fever", "is_recheck",
                   "subject", "event_id", "created_at"]
        cursor.execute(
            f"INSERT INTO {quote(Reading._meta.db_table)} ({', '.join(quote(c) for c in columns)}) "
            f"SELECT c.checkpoint_id, c.site_id, c.unit_path, {at}, {temperature}, false, false, '访客', '', %s "
            f"FROM {numbered_series()} JOIN bench_gate c ON c.n = (g.i * 2654435761) %% %s",
            [start, span, EVENTS, created, EVENTS, len(gates)])
        cursor.execute("DROP TABLE bench_gate")
        if postgresql:
            cursor.execute(f"CREATE TABLE {PLAIN} (LIKE {quote(Reading._meta.db_table)} INCLUDING DEFAULTS "
                           "INCLUDING CONSTRAINTS)")
            cursor.execute(f"INSERT INTO {PLAIN} SELECT * FROM {quote(Reading._meta.db_table)}")
            cursor.execute(f"ALTER TABLE {PLAIN} ADD PRIMARY KEY (id)")
            for name, columns_ in (("checkpoint", "checkpoint_id, taken_at"), ("site", "site_id, taken_at"),
                                   ("person", "person_id, taken_at")):
                cursor.execute(f"CREATE INDEX {PLAIN}_{name} ON {PLAIN} ({columns_})")
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {quote(Reading._meta.db_table)}" + (f"; ANALYZE {PLAIN}" if postgresql else ""))


def _day_reads(gates: list[Checkpoint], first: dt.date, today: dt.date) -> None:
    rng = random.Random(SEED)
    days = (today - first).days
    pairs = [(rng.choice(gates).pk, first + dt.timedelta(days=rng.randrange(days))) for _ in range(SAMPLES)]
    tables = [Reading._meta.db_table] + ([PLAIN] if is_postgresql() else [])
    for table in tables:
        timings = []
        with connection.cursor() as cursor:
            for gate, day in pairs:
                lower = day_start(day)
                started = time.perf_counter()
                cursor.execute(f"SELECT count(*), max(temperature) FROM {connection.ops.quote_name(table)} "
                               "WHERE checkpoint_id = %s AND taken_at >= %s AND taken_at < %s",
                               [gate, lower, lower + dt.timedelta(days=1)])
                cursor.fetchone()
                timings.append((time.perf_counter() - started) * 1000)
        label = ("one plain table (reference)" if table == PLAIN else "by month (partitions)" if is_postgresql()
                 else "one table (SQLite)")
        line(f"a gate's day of readings, {label}", timings, width=54)


def _wal_position(cursor):
    cursor.execute("SELECT pg_current_wal_lsn()")
    return cursor.fetchone()[0]


def _wal_bytes(cursor, since) -> int:
    cursor.execute("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s)::bigint", [since])
    return cursor.fetchone()[0]


def _retention(today: dt.date) -> None:
    """Keep MONTHS − 2 whole months before the current one: the oldest month goes."""
    keep = MONTHS - 2
    cutoff = month_add(month_start(today), -keep)
    postgresql = is_postgresql()
    with connection.cursor() as cursor:
        since = _wal_position(cursor) if postgresql else None
        started = time.perf_counter()
        done = maintain(event_table(Reading._meta.db_table), today=today, ahead=1, keep_months=keep)
        took = time.perf_counter() - started
        wal = _wal_bytes(cursor, since) if postgresql else 0
    how = f"{len(done.dropped)} month(s) dropped" if postgresql else "rows deleted (SQLite: no partitions)"
    print(f"   retention before {cutoff}: {how}, {done.deleted_rows:,} rows gone in {took * 1000:8.1f} ms"
          + (f", WAL {wal / 1e6:8.1f} MB" if postgresql else ""))
    if not postgresql:
        return
    with transaction.atomic(), connection.cursor() as cursor:
        since = _wal_position(cursor)
        started = time.perf_counter()
        cursor.execute(f"DELETE FROM {PLAIN} WHERE taken_at < %s",
                       [day_start(cutoff)])
        deleted = cursor.rowcount
    took_plain = time.perf_counter() - started
    with connection.cursor() as cursor:
        wal_plain = _wal_bytes(cursor, since)
    print(f"   reference, DELETE on one plain table:  {deleted:,} rows gone in {took_plain * 1000:8.1f} ms, "
          f"WAL {wal_plain / 1e6:8.1f} MB")
    print(f"   dropping the month: {took_plain / max(took, 1e-6):.0f}× faster, "
          f"{wal_plain / max(wal, 1):.0f}× less WAL to replay")


def main():
    now = timezone.now()
    today = timezone.localdate(now)
    first_month = month_add(month_start(today), -(MONTHS - 1))
    first = day_start(first_month)
    gates = _gates()
    created = months_create(event_table(Reading._meta.db_table), first_month, today)
    started = time.perf_counter()
    _load(gates, first, now)
    print(f"   {EVENTS:,} readings at {len(gates)} gates over {MONTHS} months from {first_month}, "
          f"{len(created)} partition(s) created before, stored in {time.perf_counter() - started:.0f} s")
    _day_reads(gates, first_month, today)
    _retention(today)
