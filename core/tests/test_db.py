"""core.db's helpers do the same thing on SQLite and PostgreSQL (run this file on both: see README): each test
asks the real database, through the SQL the helper gives, what the callers rely on."""

from pathlib import Path

import pytest
from django.db import connection, transaction

from core import db as core_db
from orgunits.models import OrgUnit

ROOT = Path(__file__).resolve().parents[2]
postgresql_only = pytest.mark.skipif(not core_db.is_postgresql(),
                                     reason="a PostgreSQL lock; SQLite's transactions hold the whole database")


@pytest.fixture
def scratch(db):
    """A temporary table scratch(n integer, word text, path varchar)."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE scratch (n integer, word text, path varchar(255))")
    yield "scratch"
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE scratch")


def _select(sql: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return [tuple(row) for row in cursor.fetchall()]


def test_exactly_one_vendor_predicate_holds_and_names_the_connection():
    assert core_db.vendor() == connection.vendor
    assert [core_db.is_sqlite(), core_db.is_postgresql()].count(True) == 1
    assert core_db.runs_in_process() == core_db.one_writer_at_a_time() == (connection.vendor == "sqlite")


def test_rows_insert_writes_every_row_with_its_values_in_column_order(scratch):
    rows = [(n, f"词{n}", None if n % 3 else f"43/{n}/") for n in range(2500)]
    with connection.cursor() as cursor:
        core_db.rows_insert(cursor, scratch, ["n", "word", "path"], rows)
    assert sorted(_select("SELECT n, word, path FROM scratch")) == rows


def test_rows_insert_of_no_rows_writes_nothing(scratch):
    with connection.cursor() as cursor:
        core_db.rows_insert(cursor, scratch, ["n"], [])
    assert _select("SELECT COUNT(*) FROM scratch") == [(0,)]


def test_prefix_match_finds_the_subtree_and_takes_wildcards_literally(scratch):
    paths = ["43/", "43/01/", "43/01/7/", "43/02/", "430/", "4a_b/", "4a_b/1/", "4aXb/", "4*/", "4%/", "4[1]/"]
    with connection.cursor() as cursor:
        core_db.rows_insert(cursor, scratch, ["n", "path"], list(enumerate(paths)))

    def under(prefix):
        op, pattern = core_db.prefix_match(prefix)
        return sorted(p for (p,) in _select(f"SELECT path FROM scratch WHERE path {op} %s", [pattern]))

    assert under("43/") == ["43/", "43/01/", "43/01/7/", "43/02/"]
    assert under("43/01/") == ["43/01/", "43/01/7/"]
    assert under("4a_b/") == ["4a_b/", "4a_b/1/"]  # "_" is no wildcard
    assert under("4*/") == ["4*/"] and under("4%/") == ["4%/"] and under("4[1]/") == ["4[1]/"]


def test_any_of_matches_the_listed_values_however_many(scratch):
    with connection.cursor() as cursor:
        core_db.rows_insert(cursor, scratch, ["n", "word"], [(n, f"w{n}") for n in range(100)])
    sql, param = core_db.any_of([f"w{n}" for n in range(0, 40_000, 7)])  # more than SQLite's placeholders
    assert sorted(n for (n,) in _select(f"SELECT n FROM scratch WHERE word {sql}", [param])) == list(range(0, 100, 7))
    sql, param = core_db.any_of([3, 5, 1000])
    assert sorted(n for (n,) in _select(f"SELECT n FROM scratch WHERE n {sql}", [param])) == [3, 5]
    sql, param = core_db.any_of([])
    assert _select(f"SELECT n FROM scratch WHERE n {sql}", [param]) == []


def test_group_concat_lists_each_groups_values_separated_by_commas(scratch):
    with connection.cursor() as cursor:
        core_db.rows_insert(cursor, scratch, ["n", "word"], [(1, "a"), (2, "a"), (3, "b")])
    found = _select(f"SELECT word, {core_db.group_concat('n')} FROM scratch GROUP BY word ORDER BY word")
    assert [(word, sorted(int(n) for n in listed.split(","))) for word, listed in found] == [("a", [1, 2]), ("b", [3])]


def test_json_text_reads_a_key_of_a_json_column(db):
    from core.models import AuditEntry

    AuditEntry.objects.create(action=AuditEntry.Action.UPDATE, object_type="test", object_id="1",
                              after={"nat_test": "阴性", "n": 3})
    table = connection.ops.quote_name(AuditEntry._meta.db_table)
    assert _select(f"SELECT {core_db.json_text('after', 'nat_test')} FROM {table}") == [("阴性",)]
    assert _select(f"SELECT {core_db.json_text('after', 'absent')} FROM {table}") == [(None,)]


def test_numbered_series_counts_from_zero_to_one_below_the_count(db):
    assert _select(f"SELECT COUNT(*), MIN(i), MAX(i), SUM(i) FROM {core_db.numbered_series()}", [1000]) == [
        (1000, 0, 999, 499500)]
    assert _select(f"SELECT COUNT(*) FROM {core_db.numbered_series('3')}") == [(3,)]


def _cache_size() -> int:
    return _select("PRAGMA cache_size")[0][0]


@pytest.mark.skipif(not core_db.is_sqlite(), reason="SQLite's page cache")
def test_sqlite_cache_is_larger_within_the_block_and_restored_after_it(db):
    before = _cache_size()
    with core_db.sqlite_cache(megabytes=64):
        assert _cache_size() == -64 * 1024
    assert _cache_size() == before


def test_sqlite_cache_is_restored_when_the_block_fails(db):
    before = _cache_size() if core_db.is_sqlite() else None
    with pytest.raises(ZeroDivisionError), core_db.sqlite_cache(megabytes=8):
        1 / 0  # noqa: B018
    assert (_cache_size() if core_db.is_sqlite() else None) == before


def _analysed(table: str) -> bool:
    if core_db.is_postgresql():
        return bool(_select("SELECT reltuples >= 0 FROM pg_class WHERE oid = %s::regclass", [table])[0][0])
    if not _select("SELECT COUNT(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")[0][0]:
        return False
    return bool(_select("SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = %s", [table])[0][0])


def _other_connection():
    """A second connection to the test database, in autocommit (outside the test's transaction)."""
    other = connection.copy()
    other.ensure_connection()
    return other


def test_tables_analyze_gives_the_planner_statistics_of_the_named_tables(cast):
    table = OrgUnit._meta.db_table
    core_db.tables_analyze(table)
    assert _analysed(table)
    core_db.tables_analyze()


@postgresql_only
def test_tables_analyze_with_vacuum_runs_outside_a_transaction(db):
    other = _other_connection()  # VACUUM refuses to run inside the test's transaction
    try:
        core_db.tables_analyze(OrgUnit._meta.db_table, vacuum=True, conn=other)
        core_db.tables_analyze(vacuum=True, conn=other)
        with other.cursor() as cursor:
            cursor.execute("SELECT last_vacuum IS NOT NULL FROM pg_stat_user_tables WHERE relname = %s",
                           [OrgUnit._meta.db_table])
            assert cursor.fetchone()[0] is True
    finally:
        other.close()


@postgresql_only
def test_transaction_work_mem_lasts_until_the_transaction_ends(db):
    other = _other_connection()
    try:
        with other.cursor() as cursor:
            cursor.execute("SHOW work_mem")
            before = cursor.fetchone()[0]
            other.set_autocommit(False)
            core_db.transaction_work_mem("64MB", conn=other)
            cursor.execute("SHOW work_mem")
            assert cursor.fetchone()[0] == "64MB" != before
            other.rollback()
            cursor.execute("SHOW work_mem")
            assert cursor.fetchone()[0] == before
    finally:
        other.close()


def test_transaction_work_mem_leaves_sqlite_alone(db):
    with transaction.atomic():
        core_db.transaction_work_mem("64MB")
        assert _select("SELECT 1") == [(1,)]


@postgresql_only
def test_advisory_transaction_locks_are_all_held_until_the_transaction_ends(db):
    keys, other = [2**40 + 9, 5, 2**40 + 9, 2**61 + 3], _other_connection()
    try:
        other.set_autocommit(False)
        core_db.advisory_xact_locks(keys, conn=other)
        held = [_select("SELECT pg_try_advisory_xact_lock(%s)", [key]) for key in sorted(set(keys))]
        assert held == [[(False,)]] * 3
        other.rollback()
        assert _select("SELECT pg_try_advisory_xact_lock(%s)", [5]) == [(True,)]
    finally:
        other.close()


@postgresql_only
def test_a_tried_advisory_lock_is_held_until_its_transaction_ends_and_seen_held_meanwhile(db):
    key, other = (12345, 67), _other_connection()
    try:
        other.set_autocommit(False)
        assert core_db.advisory_lock_held(key) is False
        assert core_db.advisory_xact_lock_try(key, conn=other) is True
        assert core_db.advisory_lock_held(key) is True
        assert core_db.advisory_xact_lock_try(key) is False  # the test's own transaction
        other.rollback()
        assert core_db.advisory_lock_held(key) is False
        assert core_db.advisory_xact_lock_try(key) is True
    finally:
        other.close()


def test_advisory_transaction_locks_on_sqlite_take_nothing(db):
    with transaction.atomic():
        core_db.advisory_xact_locks([99, 100])  # SQLite: the IMMEDIATE transaction holds the database already
        assert _select("SELECT 1") == [(1,)]


def test_path_columns_order_byte_by_byte_on_postgresql(cast):
    OrgUnit.objects.filter(pk=cast.community_b.pk).update(path=cast.street.path + "a/")
    OrgUnit.objects.filter(pk=cast.grid_b.pk).update(path=cast.street.path + "B/")
    under = list(OrgUnit.objects.filter(path__under=cast.street.path).order_by("path").values_list("path", flat=True))
    assert under[-2:] == [cast.street.path + "B/", cast.street.path + "a/"]  # "B" < "a" in bytes, not in language
    assert core_db.path_collation() == ("C" if core_db.is_postgresql() else None)


def test_no_module_outside_core_db_compares_the_database_vendor():
    """Migrations keep theirs; core.backup names vendors as data (its files' suffixes and manifest)."""
    allowed = {"core/db.py", "core/backup.py"}
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        parts = relative.split("/")
        if parts[0].startswith(".") or "migrations" in parts or "tests" in parts or relative in allowed:
            continue
        text = path.read_text(encoding="utf-8")
        found += [f"{relative}:{n}" for n, line in enumerate(text.splitlines(), 1)
                  if ".vendor ==" in line or ".vendor !=" in line]
    assert found == [], "ask core.db (is_postgresql(), rows_insert(), …) instead: " + ", ".join(found)

