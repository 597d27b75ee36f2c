"""The replica's share: the heavy read mix's statements on the primary alone, then with one streaming replica.

The demo city (`manage.py demo_load`) with BENCH_PEOPLE more people (default 20,000) under 长青街道's grids. The
administrator reads the heavy read mix (benchmarks/replica_mix.py: the situation overview, the line list, the
reports' board and a street's day export, the supplies audit, a legal search) BENCH_ROUNDS times (default 10)
through gunicorn (BENCH_SHARE_WORKERS workers, default 2): first on the primary alone (no replica configured, the
reference in the same run), then with DATABASE_REPLICA_URLS naming the replica. Each server counts its own
statements (pg_stat_database, read once the application's processes have exited; pg_stat_statements is not
needed). Printed: the statements on each server in both runs, the share moved off the primary against the goal
(>= 80 %), each page's p50/p95 in both runs; then a write's own page read back at once: the lawyer writes a
knowledge entry while the replica's replay is paused, and their search lists it at once (read on the primary),
while the administrator's does not until the replica has replayed it.

BENCH_REPLICA_URL names the replica's server, a streaming replica of BENCH_DATABASE_URL's server (see
bench_cluster); BENCH_REPLICA_URL=none measures the primary alone (the smoke test's tiny run).
"""

import io
import os
import shutil
import statistics
import tempfile
import time
import uuid
from collections import defaultdict
from pathlib import Path

import requests
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from accounts.demo import DEMO_PASSWORD
from benchmarks import bench_cluster, bench_load, http_server
from benchmarks.replica_mix import (
    HEAVY_READS,
    caught_up,
    entry_create,
    found,
    signed_in,
    sql_one,
    statements,
    url_with_database,
)
from core.db import is_postgresql, tables_analyze
from orgunits.demo import DEMO_STREET
from orgunits.models import OrgUnit
from persons.generator import people_generate

PEOPLE = int(os.environ.get("BENCH_PEOPLE", "20000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "10"))
SERVER_WORKERS = int(os.environ.get("BENCH_SHARE_WORKERS", "2"))
GOAL = 0.8
ROOT, BENCH_DIR = bench_load.ROOT, bench_load.BENCH_DIR


def setup() -> None:
    started = time.perf_counter()
    call_command("demo_load", stdout=io.StringIO())
    street = OrgUnit.objects.get(code=DEMO_STREET)
    grids = list(OrgUnit.objects.filter(path__under=street.path, kind=OrgUnit.Kind.GRID).order_by("path"))
    if PEOPLE:
        people_generate(units=grids, count=PEOPLE, seed=bench_load.SEED)
    tables_analyze(vacuum=True)
    print(f"   demo city and {PEOPLE:,} more people ({time.perf_counter() - started:.0f} s)", flush=True)


def run_mix(env: dict[str, str], logs: Path, label: str, cookies, counted: tuple[str | None, str | None],
            database: str) -> tuple[int, int, dict[str, list[float]], int]:
    """ROUNDS of the heavy read mix through a gunicorn started with `env`; (statements on the primary, on the
    replica, milliseconds per page, errors)."""
    primary, replica = counted
    before = (statements(primary, database) if primary else 0, statements(replica, database) if replica else 0)
    proc, base = http_server.start(workers=SERVER_WORKERS, log=logs / f"{label}.log", env=env,
                                   options=("--timeout", "120"),
                                   ready=lambda base: requests.get(base + "/accounts/login/", timeout=5).ok)
    timings: dict[str, list[float]] = defaultdict(list)
    errors = 0
    try:
        http = requests.Session()
        http.trust_env = False
        http.cookies.update(cookies)
        for _round in range(ROUNDS):
            for path in HEAVY_READS:
                began = time.perf_counter()
                answer = http.get(base + path, timeout=120)
                timings[path].append((time.perf_counter() - began) * 1000)
                if answer.status_code != 200:
                    errors += 1
                    print(f"   error: {label} {path} answered {answer.status_code}")
    finally:
        http_server.stop(proc)  # its connections close: their statistics are flushed
    after = (statements(primary, database) if primary else 0, statements(replica, database) if replica else 0)
    return after[0] - before[0], after[1] - before[1], timings, errors


def read_back(env: dict[str, str], logs: Path, replica: str) -> list[str]:
    """The lawyer writes while the replica's replay is paused and reads it back at once; the administrator reads
    the replica. Failures, if any."""
    failures = []
    proc, base = http_server.start(workers=SERVER_WORKERS, log=logs / "read-back.log", env=env,
                                   options=("--timeout", "120"),
                                   ready=lambda base: requests.get(base + "/accounts/login/", timeout=5).ok)
    paused = False
    try:
        lawyer, admin = signed_in(base, "lawyer", DEMO_PASSWORD), signed_in(base, "admin", DEMO_PASSWORD)
        time.sleep(float(settings.READ_YOUR_WRITES_SECONDS) + 0.5)  # the sign-ins' own window over
        sql_one(replica, "SELECT pg_wal_replay_pause()")
        paused = True
        word = "rw" + uuid.uuid4().hex[:10]
        began = time.perf_counter()
        entry_create(lawyer, base, word)
        own = found(lawyer, base, word)
        took = (time.perf_counter() - began) * 1000
        other = found(admin, base, word)
        sql_one(replica, "SELECT pg_wal_replay_resume()")
        paused = False
        caught_up(bench_cluster.primary_server(), replica)
        later = found(admin, base, word)
        print(f"   a write read back by its writer at once (replica paused): {'yes' if own else 'NO'} "
              f"({took:.0f} ms from the write's request to the search's answer); another user, on the paused replica: "
              f"{'sees it' if other else 'not yet'}; once replayed: {'sees it' if later else 'NOT'}")
        if not own:
            failures.append("read-your-writes")
        if not later:
            failures.append("replayed write not seen")
    finally:
        if paused:
            sql_one(replica, "SELECT pg_wal_replay_resume()")
        http_server.stop(proc)
    return failures


def line(label: str, values: list[float]) -> str:
    p95 = bench_load._percentiles(values)[1]
    return f"{label} p50 {statistics.median(values):6.1f} p95 {p95:6.1f}"


def main():
    replica = bench_cluster.replica_server()
    setup()
    database = connection.settings_dict["NAME"]
    primary = bench_cluster.primary_server() if is_postgresql() else None
    connection.close()
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    logs = Path(tempfile.mkdtemp(prefix="replica-share-", dir=BENCH_DIR))
    static_root = logs / "static"
    bench_cluster.collectstatic(static_root)
    env = {"STATIC_ROOT": str(static_root)}
    if replica:
        bench_cluster.replica_ready(primary, replica, database)
    counted = (primary, replica)
    # The administrator signs in once (sessions are the database's); the window after the sign-in's write passes.
    proc, base = http_server.start(workers=1, log=logs / "sign-in.log", env=env,
                                   ready=lambda base: requests.get(base + "/accounts/login/", timeout=5).ok)
    try:
        cookies = signed_in(base, "admin", DEMO_PASSWORD).cookies
    finally:
        http_server.stop(proc)
    if replica:
        time.sleep(float(settings.READ_YOUR_WRITES_SECONDS) + 0.5)
    alone, _none, alone_ms, errors = run_mix(env, logs, "primary-alone", cookies, counted, database)
    failures = ["errors"] if errors else []
    print(f"   heavy read mix, {ROUNDS} rounds of {len(HEAVY_READS)} pages ({', '.join(HEAVY_READS)})")
    if not replica:
        print(f"   primary alone: {alone:,} statements" if primary else "   primary alone (statements: PostgreSQL only)")
        for path in HEAVY_READS:
            print(f"   {path:<36} {line('primary alone', alone_ms[path])} ms")
        print("   the replica's share: not measured (BENCH_REPLICA_URL=none)")
    else:
        with_replica = {**env, "DATABASE_REPLICA_URLS": url_with_database(replica, database)}
        on_primary, on_replica, replica_ms, errors = run_mix(with_replica, logs, "with-replica", cookies, counted,
                                                             database)
        if errors:
            failures.append("errors")
        moved = (alone - on_primary) / alone if alone else 0.0
        print(f"   statements: primary alone {alone:,}; with the replica {on_primary:,} on the primary and "
              f"{on_replica:,} on the replica")
        for path in HEAVY_READS:
            print(f"   {path:<36} {line('primary alone', alone_ms[path])} ms   {line('with replica', replica_ms[path])} ms")
        print(f"   goal >= {GOAL:.0%} of the mix's statements off the primary: {'met' if moved >= GOAL else 'NOT MET'} "
              f"({moved:.0%} moved)")
        failures += read_back(with_replica, logs, replica)
    if failures:
        print(f"   FAILED: {', '.join(failures)} (logs: {logs.relative_to(ROOT)})")
        raise SystemExit(1)
    shutil.rmtree(logs, ignore_errors=True)
