"""Run every benchmarks/bench_*.py (or those named on the command line) and print their figures.

Each benchmark runs in a process of its own on a fresh database: a new SQLite file under var/bench/, or the
PostgreSQL database named by BENCH_DATABASE_URL, emptied first (its name must contain "bench", so that no
other database is ever emptied by mistake). Data comes from the project's deterministic generators.

BENCH_TEMPLATE names a database migrated already (a SQLite file, or a PostgreSQL database on the same server): each
benchmark's database is then a copy of it instead of being migrated (benchmarks/tests/test_smoke.py runs them all
at a tiny size that way). Sizes are set by each benchmark's BENCH_* variables (see its docstring).
"""

import importlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(argv: list[str]) -> int:
    names = argv or sorted(p.stem for p in Path(__file__).parent.glob("bench_*.py"))
    if len(names) > 1:  # one process each: no generator's cache or connection outlives its benchmark
        failed = [name for name in names if subprocess.call([sys.executable, __file__, name]) != 0]
        if failed:
            print(f"\nfailed: {', '.join(failed)}")
        return 1 if failed else 0
    return _run(names[0])


def _run(name: str) -> int:
    bench_dir = ROOT / "var" / "bench"
    bench_dir.mkdir(parents=True, exist_ok=True)
    db_file = bench_dir / f"bench-{os.getpid()}.sqlite3"  # one per run: runs may overlap
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{db_file}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangkong.settings")
    template = os.environ.get("BENCH_TEMPLATE")
    if template:
        _copy_template(template, os.environ["DATABASE_URL"], db_file)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from core.db import is_postgresql

    if is_postgresql():
        if "bench" not in connection.settings_dict["NAME"]:
            raise SystemExit(f"BENCH_DATABASE_URL: {connection.settings_dict['NAME']!r} would be emptied; "
                             "name a database for the benchmarks (its name containing \"bench\")")
        if not template:
            with connection.cursor() as cursor:
                cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    if not template:
        call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
    try:
        module = importlib.import_module(f"benchmarks.{name}")
        print(f"\n== {name}: {(module.__doc__ or '').strip().splitlines()[0]}", flush=True)
        started = time.perf_counter()
        module.main()
        print(f"   ({time.perf_counter() - started:.1f} s)", flush=True)
    finally:
        connection.close()
        for suffix in ("", "-wal", "-shm"):
            Path(str(db_file) + suffix).unlink(missing_ok=True)
    return 0


def _copy_template(template: str, url: str, db_file: Path) -> None:
    """The benchmark's database made a copy of `template`, migrated already: the SQLite file copied, or the
    PostgreSQL database (its name containing "bench") dropped and created again from the template."""
    if not url.startswith("postgres"):
        shutil.copyfile(template, db_file)
        return
    import psycopg
    from psycopg import sql
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    name = conninfo_to_dict(url)["dbname"]
    if "bench" not in name:
        raise SystemExit(f"BENCH_DATABASE_URL: {name!r} would be emptied; name a database for the benchmarks "
                         "(its name containing \"bench\")")
    with psycopg.connect(make_conninfo(url, dbname="postgres"), autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template)))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
