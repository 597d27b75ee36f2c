"""Importing people: a 1,000,000-row CSV through people_import vs. raw sqlite3 executemany of the same rows.

A deterministic CSV in the layout of a street's 台账 (序号, 现居住地址, 联系电话, a birth date written as ISO, 1990/3/5,
1990年3月5日 or an Excel serial number; valid resident IDs, names, phones some with +86, addresses, 20 grids under 5
communities of one street) is imported by a street officer through the real path: every row checked with person_clean (in
worker processes), grid scope, repeated documents and people registered elsewhere, and written in one
transaction. Then, in the same run, the rows it wrote are inserted again into an empty copy of the
person table (same indexes, kept up to date row by row) with plain sqlite3 executemany: the floor of
a Python import that does not touch the indexes. BENCH_PEOPLE sets the size (default 1,000,000).
Peak memory is the peak resident set size (getrusage ru_maxrss) of this process and, separately, of the
largest worker process, read right after the import and before the raw insert loads its rows.
"""

import os
import re
import resource
import sqlite3
import time
from pathlib import Path

from django.db import connection
from django.test import override_settings

from accounts.models import Membership, User
from accounts.roles import Role
from core.db import is_sqlite
from core.fields import SEPARATOR
from core.pagination import keyset_page
from orgunits.models import OrgUnit
from persons.generator.people_csv import people_csv_write
from persons.importing import import_job_progress, people_import
from persons.importing.readers import workers_available
from persons.importing.write import SQLITE_CACHE_MB, SQLITE_SORT_CACHE_MB
from persons.models import ImportJob, Person
from persons.selectors import PersonFilter, persons_filtered

SIZE = int(os.environ.get("BENCH_PEOPLE", "1000000"))
COMMUNITIES, GRIDS = 5, 4
ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
RAW_CACHE_MB = 128  # the reference keeps the pragmas it was first measured with


def _unit(code, name, kind, parent=None):
    return OrgUnit.objects.create(code=code, name=name, kind=kind, parent=parent, source="local",
                                  path=(parent.path if parent else "") + code + SEPARATOR,
                                  depth=(parent.depth + 1) if parent else 1)


def _units() -> tuple[OrgUnit, list[OrgUnit], User]:
    """湖南省 > 娄底市 > 娄星区 > 长青街道 > 5 communities × 4 grids, and the street's officer."""
    province = _unit("430000", "湖南省", "province")
    city = _unit("431300", "娄底市", "prefecture", province)
    county = _unit("431302", "娄星区", "county", city)
    street = _unit("431302004", "长青街道", "township", county)
    grids = []
    for c in range(1, COMMUNITIES + 1):
        community = _unit(f"431302004{c:03d}", f"长青{c}社区", "community", street)
        grids += [_unit(f"{community.code}-{g:02d}", f"{community.name}第{g}网格", "grid", community)
                  for g in range(1, GRIDS + 1)]
    officer = User.objects.create_user(username="bench_officer", password="Bench-password-2020")
    Membership.objects.create(user=officer, role=Role.STREET_OFFICER, unit=street, unit_path=street.path)
    return street, grids, officer


def _peak_mb(who=resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # kilobytes on Linux


def _raw_insert(db_path: str, *, indexes_after: bool) -> tuple[int, float]:
    """Insert the imported rows again into an empty copy of the table with plain executemany, in one
    transaction: into the table with all its indexes (RAW_CACHE_MB of page cache, the import's setting when
    it kept them), or (`indexes_after`) into the table with its unique index only, the secondary indexes
    created after the rows, with the import's cache sizes: what people_import does for a large load."""
    raw = sqlite3.connect(db_path, isolation_level=None)
    raw.execute("PRAGMA journal_mode=WAL")
    raw.execute("PRAGMA synchronous=NORMAL")
    raw.execute("PRAGMA foreign_keys=ON")
    raw.execute(f"PRAGMA cache_size = {-1024 * (SQLITE_CACHE_MB if indexes_after else RAW_CACHE_MB)}")
    table = Person._meta.db_table
    schema = [sql for (sql,) in raw.execute("SELECT sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL "
                                             "ORDER BY type DESC", [table])]
    schema = [re.sub(r'INDEX "([^"]+)"', r'INDEX "\1_raw"', sql.replace(f'"{table}"', f'"{table}_raw"'))
              for sql in schema]
    later = [sql for sql in schema if sql.startswith("CREATE INDEX")] if indexes_after else []
    raw.execute(f'DROP TABLE IF EXISTS "{table}_raw"')
    for sql in schema:  # the table first ("table" sorts after "index" descending), then each index
        if sql not in later:
            raw.execute(sql)
    columns = [f.column for f in Person._meta.concrete_fields if not f.primary_key]
    listed = ", ".join(f'"{c}"' for c in columns)
    rows = raw.execute(f'SELECT {listed} FROM "{table}" ORDER BY id').fetchall()
    started = time.perf_counter()
    raw.execute("BEGIN IMMEDIATE")
    raw.executemany(f'INSERT INTO "{table}_raw" ({listed}) VALUES ({", ".join("?" * len(columns))})', rows)
    if later:
        raw.execute(f"PRAGMA cache_size = {-1024 * SQLITE_SORT_CACHE_MB}")
    for sql in later:
        raw.execute(sql)
    raw.execute("COMMIT")
    elapsed = time.perf_counter() - started
    raw.execute(f'DROP TABLE "{table}_raw"')
    raw.close()
    return len(rows), elapsed


def main():
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    street, grids, officer = _units()
    path = BENCH_DIR / f"people-{SIZE}.csv"
    started = time.perf_counter()
    people_csv_write(path, SIZE, grids)
    print(f"   {path.relative_to(ROOT)}: {SIZE:,} rows, {path.stat().st_size / 2**20:.0f} MB "
          f"(written in {time.perf_counter() - started:.1f} s)")

    marks = {}

    def progress(phase, done, total):
        marks["rows"] = time.perf_counter()
        if done // 200_000 != marks.get("shown", 0):
            marks["shown"] = done // 200_000
            print(f"   … {phase} {done:,} rows ({marks['rows'] - started:.1f} s)")
        if "seen" not in marks and done >= SIZE // 2:  # what the job's page shows now (published once a second)
            marks["seen"] = import_job_progress(ImportJob.objects.get(pk=job.pk))

    try:
        with override_settings(MEDIA_ROOT=str(BENCH_DIR)):
            job = ImportJob.objects.create(unit=street, unit_path=street.path, file=path.name, filename=path.name,
                                           created_by=officer)
            started = time.perf_counter()
            people_import(job=job, progress=progress)
            elapsed = time.perf_counter() - started
    finally:
        path.unlink(missing_ok=True)  # regenerated on every run; 90 MB at full size
    peak, worker_peak = _peak_mb(), _peak_mb(resource.RUSAGE_CHILDREN)
    job.refresh_from_db()
    assert job.state == ImportJob.State.DONE and job.created == SIZE, (job.state, job.message)
    ours = SIZE / elapsed
    rows = marks["rows"] - started
    workers = workers_available()
    print(f"   people_import: {elapsed:.1f} s, {ours:,.0f} rows/s (rows checked and written {rows:.1f} s, with "
          f"{workers} worker processes checking; indexes, statistics and commit {elapsed - rows:.1f} s)")
    print(f"   halfway, the job's page showed {marks['seen'][0]:,} of {marks['seen'][1]:,} rows processed")
    print(f"   peak RSS (ru_maxrss): this process {peak:.0f} MB, largest worker {worker_peak:.0f} MB, "
          f"together at most {peak + workers * worker_peak:.0f} MB")
    community = grids[0].parent
    page_ms = time.perf_counter()
    page = keyset_page(persons_filtered(officer, PersonFilter(unit=community)).select_related("grid"),
                       order=("unit_path", "id"), cursor=None, size=50)
    print(f"   then the list's first page of {community.name} ({len(page.items)} people): "
          f"{(time.perf_counter() - page_ms) * 1000:.0f} ms")
    if not is_sqlite():
        print("   raw executemany reference: SQLite only")
        return
    count, raw_elapsed = _raw_insert(connection.settings_dict["NAME"], indexes_after=False)
    raw_rate = count / raw_elapsed
    print(f"   raw sqlite3 executemany (same rows, empty copy of the table, same indexes kept up to date, "
          f"{RAW_CACHE_MB} MB cache): {raw_elapsed:.1f} s, {raw_rate:,.0f} rows/s")
    count, bulk_elapsed = _raw_insert(connection.settings_dict["NAME"], indexes_after=True)
    bulk_rate = count / bulk_elapsed
    print(f"   raw sqlite3 executemany, secondary indexes created after the rows (as the import does): "
          f"{bulk_elapsed:.1f} s, {bulk_rate:,.0f} rows/s")
    total_peak = peak + workers * worker_peak
    print(f"   ours / raw: {ours / raw_rate:.2f} (goal ≥ 0.25), ours / raw with indexes after: {ours / bulk_rate:.2f}; "
          f"≥ 20,000 rows/s: {'yes' if ours >= 20000 else 'NO'}; "
          f"peak < 500 MB: {'yes' if total_peak < 500 else 'NO'} ({total_peak:.0f} MB, all processes)")
