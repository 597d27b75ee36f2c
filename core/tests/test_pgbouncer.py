"""The application's critical paths through a real PgBouncer in transaction mode with a small pool, several
processes at once (marker `pgbouncer`; run when FANGKONG_TEST_PGBOUNCER_URL names the pooler, as .ci/run does).

FANGKONG_TEST_PGBOUNCER_URL is postgres://user@host:port/NAME of the pooler, which passes NAME on to the
PostgreSQL server that DATABASE_URL names; the test makes the database NAME there afresh and migrates it
directly (migrations go to PostgreSQL itself, README), then every process of the application (core/tests/
pgbouncer_process.py) goes through the pooler with DATABASE_POOLED=1. Between the steps this test reads the
database directly, to see what the pooler hides: locks and temporary tables left on server connections.
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
POOLER = os.environ.get("FANGKONG_TEST_PGBOUNCER_URL", "").strip()
DIRECT = os.environ.get("DATABASE_URL", "").strip()

pytestmark = [
    pytest.mark.pgbouncer,
    pytest.mark.skipif(not POOLER, reason="FANGKONG_TEST_PGBOUNCER_URL is not set (the URL of a PgBouncer in "
                                          "transaction mode in front of DATABASE_URL's server; .ci/run starts one)"),
    pytest.mark.skipif(bool(POOLER) and DIRECT.split(":", 1)[0] not in ("postgres", "postgresql"),
                       reason="DATABASE_URL must name the PostgreSQL server behind FANGKONG_TEST_PGBOUNCER_URL"),
]
TIMEOUT = 120  # seconds for a process or a queue to finish


def _name() -> str:
    return urlsplit(POOLER).path.lstrip("/")


def _direct_url(name: str) -> str:
    return urlunsplit(urlsplit(DIRECT)._replace(path="/" + name))


def _sql(query: str, params=()) -> list[tuple]:
    """`query` on the database itself, not through the pooler."""
    import psycopg

    with psycopg.connect(_direct_url(_name()), autocommit=True) as conn:
        return conn.execute(query, params).fetchall()


@pytest.fixture(scope="module")
def pooled(tmp_path_factory):
    """The environment of a process behind the pooler, on a freshly migrated database holding the street."""
    import psycopg
    from psycopg import sql

    name = _name()
    with psycopg.connect(_direct_url("postgres"), autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    media = tmp_path_factory.mktemp("pooled-media")
    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_REPLICA_URLS",)}
    base.update(TASKS_RUN_INLINE="0", DEBUG="0", HTTPS_ONLY="0", PYTHONUNBUFFERED="1", PGB_MEDIA_ROOT=str(media))
    migrate = subprocess.run([sys.executable, "manage.py", "migrate", "--no-input"], cwd=ROOT, capture_output=True,
                             text=True, timeout=600, env={**base, "DATABASE_URL": _direct_url(name)})
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr
    env = {**base, "DATABASE_URL": POOLER, "DATABASE_POOLED": "1"}
    setup = json.loads(_run(env, "setup").stdout)
    env["PGB_DOCS"] = json.dumps(setup["docs"])
    yield env
    with psycopg.connect(_direct_url("postgres"), autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _run(env: dict, *args: str) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "core.tests.pgbouncer_process", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=TIMEOUT)
    assert proc.returncode == 0, f"{args}: exit {proc.returncode}\n{proc.stdout}\n{proc.stderr[-4000:]}"
    return proc


def _start(env: dict, log: Path, *args: str) -> subprocess.Popen:
    with open(log, "ab") as out:
        return subprocess.Popen([sys.executable, "-m", "core.tests.pgbouncer_process", *args], cwd=ROOT, env=env,
                                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)


def _until(condition, what: str, logs=()):
    deadline = time.monotonic() + TIMEOUT
    while not (value := condition()):
        if time.monotonic() > deadline:
            tails = "\n".join(f"--- {log}\n{log.read_text(errors='replace')[-3000:]}" for log in logs)
            pytest.fail(f"{what}: not within {TIMEOUT} s\n{tails}")
        time.sleep(0.1)
    return value


HERE = "database = (SELECT oid FROM pg_database WHERE datname = current_database())"  # pg_locks is the cluster's


def _nothing_left_on_server_connections() -> None:
    """What the pooler would hand the next client: no advisory lock, no temporary table."""
    assert _sql(f"SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND {HERE}") == [(0,)]
    assert _sql("SELECT count(*) FROM pg_class WHERE relpersistence = 't'") == [(0,)]


def test_two_workers_behind_the_pooler_run_each_task_once_and_an_import_queued_twice_once(pooled, tmp_path):
    job = int(_run(pooled, "import-job", "3000").stdout)
    logs = [tmp_path / "worker-1.log", tmp_path / "worker-2.log"]
    workers = [_start(pooled, log, "worker") for log in logs]
    try:
        _until(lambda: all("Starting worker" in log.read_text(errors="replace") for log in logs if log.exists())
               and all(log.exists() for log in logs), "both workers polling", logs)
        _run(pooled, "enqueue", str(job))
        finished = ("SUCCESSFUL", "FAILED")
        _until(lambda: _sql("SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status <> ALL(%s)",
                            [list(finished)]) == [(0,)], "the queue done", logs)
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            worker.wait(timeout=30)
    results = _sql("SELECT task_path, status, worker_ids FROM django_tasks_database_dbtaskresult")
    assert len(results) == 22 and {status for _path, status, _ids in results} == {"SUCCESSFUL"}
    assert all(len(ids) == 1 for _path, _status, ids in results)  # each task claimed by one worker, once
    assert len({ids[0] for _path, _status, ids in results}) == 2  # and both workers took some
    # The job queued twice was started by both workers at once: one ran it, the other found its claim held.
    said = "".join(log.read_text(errors="replace") for log in logs)
    assert said.count(f"import job {job} is being run by another process") == 1, said[-3000:]
    assert _sql("SELECT state, processed_rows FROM persons_importjob WHERE id = %s", [job]) == [("done", 3000)]
    assert _sql("SELECT count(*) FROM persons_person") == [(3300,)]
    _nothing_left_on_server_connections()


def test_a_scheduled_command_fired_twice_at_once_behind_the_pooler_runs_once(pooled, tmp_path):
    logs = [tmp_path / "cron-1.log", tmp_path / "cron-2.log"]
    runs = [_start(pooled, log, "scheduled", "tracing_daily") for log in logs]
    assert [run.wait(timeout=TIMEOUT) for run in runs] == [0, 0]  # both exit 0
    said = sorted(log.read_text(errors="replace") for log in logs)
    assert [("skipped" in text, "tasks" in text) for text in said] == [(False, True), (True, False)], said

    # A run killed while it holds the lock (SIGKILL: no code of it runs) leaves nothing held behind the pooler.
    killed = _start(pooled, tmp_path / "killed.log", "scheduled", "tracing_daily")
    _until(lambda: _sql(f"SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND {HERE}") == [(1,)],
           "the lock taken", [tmp_path / "killed.log"])
    killed.send_signal(signal.SIGKILL)
    killed.wait(timeout=10)
    _until(lambda: _sql(f"SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND {HERE}") == [(0,)], "the lock gone")
    assert "tasks" in _run(pooled, "scheduled", "tracing_daily").stdout  # the next run is not kept out
    _nothing_left_on_server_connections()


def test_readings_sent_by_several_devices_at_once_behind_the_pooler_are_stored_once(pooled, tmp_path):
    logs = [tmp_path / f"ingest-{start}.log" for start in (0, 100, 200, 300)]
    runs = [_start(pooled, log, "ingest", str(start)) for start, log in zip((0, 100, 200, 300), logs, strict=True)]
    assert [run.wait(timeout=TIMEOUT) for run in runs] == [0, 0, 0, 0], [log.read_text() for log in logs]
    answers = [json.loads(line) for log in logs for line in log.read_text().splitlines() if line.startswith("{")]
    assert len(answers) == 16 and {tuple(a["reasons"]) for a in answers} == {()}
    # Events 0 … 499, each sent by one or two of them; a pair stored by another batch between a batch's look-up
    # and its insert is answered accepted to both (readings_ingest), and stored once.
    assert sum(a["accepted"] + a["duplicates"] for a in answers) == 800
    assert sum(a["accepted"] for a in answers) >= 500
    assert _sql("SELECT count(*), count(DISTINCT event_id) FROM checkpoints_reading") == [(500, 500)]
    _nothing_left_on_server_connections()  # the staging table went with each batch's transaction


def test_a_report_is_computed_and_recomputed_behind_the_pooler(pooled):
    first = json.loads(_run(pooled, "report").stdout)
    assert "confirmed" in first
    assert json.loads(_run(pooled, "report").stdout) == first
    assert _sql("SELECT count(*) FROM reports_submission") == [(1,)]
    _nothing_left_on_server_connections()
