"""Run every benchmarks/bench_*.py (or those named on the command line) and print their figures.

Each benchmark works on its own database: a fresh SQLite file under var/bench/, or the PostgreSQL
database named by BENCH_DATABASE_URL. Data comes from the project's deterministic generators.
"""

import importlib
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(argv: list[str]) -> int:
    names = argv or sorted(p.stem for p in Path(__file__).parent.glob("bench_*.py"))
    bench_dir = ROOT / "var" / "bench"
    bench_dir.mkdir(parents=True, exist_ok=True)
    db_file = bench_dir / f"bench-{os.getpid()}.sqlite3"  # one per run: runs may overlap
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{db_file}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangkong.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
    try:
        for name in names:
            module = importlib.import_module(f"benchmarks.{name}")
            print(f"\n== {name}: {(module.__doc__ or '').strip().splitlines()[0]}")
            started = time.perf_counter()
            module.main()
            print(f"   ({time.perf_counter() - started:.1f} s)")
    finally:
        connection.close()
        for suffix in ("", "-wal", "-shm"):
            Path(str(db_file) + suffix).unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
