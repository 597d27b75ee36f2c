"""Every benchmark at a tiny size, so that none rots: each runs through benchmarks/run.py, in a process of its own
as `make bench` runs it, on a copy of one database migrated for the run (a SQLite file, or a PostgreSQL database
beside the suite's when the suite runs on PostgreSQL), and must finish and print its figures. The figures at these
sizes mean nothing; that the code still runs end to end does."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent.parent
BENCHMARKS = sorted(p.stem for p in (ROOT / "benchmarks").glob("bench_*.py"))
PEOPLE = {"BENCH_PEOPLE": "300", "BENCH_GRIDS": "40", "BENCH_PLANTED": "6", "BENCH_SAMPLES": "3",
          "BENCH_FOLLOW_UPS": "60"}
# Each benchmark's environment at a tiny size (its BENCH_* variables, see its docstring).
TINY: dict[str, dict[str, str]] = {
    "bench_checkpoint_readings": {"BENCH_READINGS": "120", "BENCH_BATCH": "30", "BENCH_SENDERS": "2",
                                  "BENCH_STORED": "300", "BENCH_CHECKPOINTS": "6", "BENCH_SAMPLES": "3"},
    "bench_cluster": {"BENCH_REPLICA_URL": "none", "BENCH_PEOPLE": "200", "BENCH_LOAD_USERS": "2",  # no replica here
                      "BENCH_LOAD_SECONDS": "2", "BENCH_LOAD_THINK": "0.2", "BENCH_CLUSTER_WORKERS": "1",
                      "BENCH_CLUSTER_IMPORT_ROWS": "50", "BENCH_CLUSTER_NOTIFICATIONS": "2"},
    "bench_dashboard": PEOPLE,
    "bench_declarations": {"BENCH_DECLARATIONS": "12", "BENCH_POSTERS": "3", "BENCH_CLIENTS": "2",
                           "BENCH_POSTER_LIMIT": "10"},
    "bench_duplicates": PEOPLE,
    "bench_legal_search": {"BENCH_ENTRIES": "200"},
    "bench_offline_sync": {"BENCH_WRITES": "40"},
    "bench_load": {"BENCH_LOAD_USERS": "2", "BENCH_LOAD_SECONDS": "2", "BENCH_PEOPLE": "200", "BENCH_LOAD_THINK": "0.2",
                   "BENCH_LOAD_WORKERS": "1", "BENCH_LOAD_REFERENCE_SECONDS": "1"},
    "bench_partitions": {"BENCH_EVENTS": "2000", "BENCH_CHECKPOINTS": "3", "BENCH_SAMPLES": "3"},
    "bench_orgunit_subtree": {"BENCH_DIVISIONS": "431300", "BENCH_COMMUNITIES_PER_TOWNSHIP": "1",
                              "BENCH_GRIDS_PER_COMMUNITY": "1", "BENCH_SAMPLES": "3"},
    "bench_person_export": PEOPLE,
    "bench_person_import": {"BENCH_PEOPLE": "200"},
    "bench_person_list": PEOPLE,
    "bench_replica_share": {"BENCH_REPLICA_URL": "none", "BENCH_PEOPLE": "200", "BENCH_ROUNDS": "1"},
    "bench_province": {**PEOPLE, "BENCH_RUNS": "1"},
    "bench_reports": {**PEOPLE, "BENCH_RUNS": "1"},
    "bench_supplies": {"BENCH_LINES": "400", "BENCH_SAMPLES": "8"},  # the five largest places and three more
    "bench_tracing": {**PEOPLE, "BENCH_EXPOSURES": "400", "BENCH_FOLLOW_UPS": "40"},
    "bench_volunteer_roster": {"BENCH_VOLUNTEERS": "300", "BENCH_SHIFTS": "100", "BENCH_SAMPLES": "3"},  # a day has 216 places
}
SECONDS = 300  # one benchmark at its tiny size takes seconds; this is the bound of a hung one


def _environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BENCH_")}
    env.update(SECRET_KEY=secrets.token_urlsafe(50), DJANGO_SETTINGS_MODULE="fangkong.settings", DEBUG="0", **extra)
    return env


@pytest.fixture(scope="module")
def template():
    """(BENCH_* variables naming the template and the benchmarks' database): one database migrated for the run."""
    bench_dir = ROOT / "var" / "bench"
    bench_dir.mkdir(parents=True, exist_ok=True)
    if connection.vendor == "postgresql":
        yield from _postgresql_template()
        return
    path = bench_dir / f"smoke-template-{os.getpid()}.sqlite3"
    _migrate(f"sqlite:///{path}")
    try:
        yield {"BENCH_TEMPLATE": str(path)}
    finally:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


def _postgresql_template():
    import psycopg
    from psycopg import sql
    from psycopg.conninfo import make_conninfo

    settings = connection.settings_dict
    base = settings["NAME"].removeprefix("test_")
    names = {"template": f"{base}_bench_template", "smoke": f"{base}_bench_smoke"}
    params = {"host": settings["HOST"] or "", "port": str(settings["PORT"] or ""), "user": settings["USER"] or "",
              "password": settings["PASSWORD"] or ""}
    server = make_conninfo(dbname="postgres", **{k: v for k, v in params.items() if v})

    def url(name):
        credentials = params["user"] + (f":{params['password']}" if params["password"] else "")
        return f"postgres://{credentials}@{params['host']}:{params['port'] or 5432}/{name}"

    def drop_all():
        with psycopg.connect(server, autocommit=True) as admin:
            for name in names.values():
                admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))

    drop_all()
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(names["template"])))
    try:
        _migrate(url(names["template"]))
        yield {"BENCH_TEMPLATE": names["template"], "BENCH_DATABASE_URL": url(names["smoke"])}
    finally:
        drop_all()


def _migrate(url: str) -> None:
    subprocess.run([sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, check=True,
                   env=_environment(DATABASE_URL=url), timeout=SECONDS)


def test_every_benchmark_has_a_tiny_size():
    assert sorted(TINY) == BENCHMARKS


@pytest.mark.benchmark_smoke
@pytest.mark.parametrize("name", BENCHMARKS)
def test_the_benchmark_runs_to_its_figures_at_a_tiny_size(name, template):
    done = subprocess.run([sys.executable, "benchmarks/run.py", name], cwd=ROOT, capture_output=True, text=True,
                          env=_environment(**template, **TINY[name]), timeout=SECONDS)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-4000:]
    assert f"== {name}:" in done.stdout, output[-4000:]
    assert re.search(r"^   \(\d+\.\d s\)$", done.stdout, re.M), output[-4000:]  # run.py's closing line: main() returned
    figures = done.stdout.split(f"== {name}:", 1)[1]
    assert re.search(r"\d", figures.split("\n", 1)[1]), output[-4000:]
