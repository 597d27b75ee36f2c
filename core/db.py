"""What Fangkong asks of its database where SQLite and PostgreSQL differ, named once.

Fangkong runs on SQLite (one machine, one writer at a time, the database inside this process) and on PostgreSQL.
The ORM hides most of the difference; the raw SQL of hot paths (imports, generators, searches) and a few
locks cannot. Code outside migrations asks here — `is_postgresql()`, `rows_insert(...)`, `prefix_match(...)`,
`advisory_xact_locks(...)` — rather than comparing `connection.vendor` itself, so that what each branch does has
a name, and a third vendor would be one module's work. Every helper takes the connection to ask (default: the
default database's).
"""

import contextlib
import json
from collections.abc import Iterable, Iterator, Sequence

from django.db import connection as default_connection
from django.db.backends.base.base import BaseDatabaseWrapper

POSTGRESQL, SQLITE = "postgresql", "sqlite"


def _conn(conn: BaseDatabaseWrapper | None):
    return default_connection if conn is None else conn


def vendor(conn: BaseDatabaseWrapper | None = None) -> str:
    """The vendor of the database: "sqlite" or "postgresql"."""
    return _conn(conn).vendor


def is_postgresql(conn: BaseDatabaseWrapper | None = None) -> bool:
    return vendor(conn) == POSTGRESQL


def is_sqlite(conn: BaseDatabaseWrapper | None = None) -> bool:
    return vendor(conn) == SQLITE


def runs_in_process(conn: BaseDatabaseWrapper | None = None) -> bool:
    """Whether the database works inside this process (SQLite): its CPU time is this process's own."""
    return is_sqlite(conn)


def one_writer_at_a_time(conn: BaseDatabaseWrapper | None = None) -> bool:
    """Whether a writing transaction holds the whole database (SQLite, whose transactions begin IMMEDIATE):
    another connection can neither write nor wait on a row lock meanwhile, so what a long write publishes
    while it runs goes beside the database."""
    return is_sqlite(conn)


# -- SQL fragments ----------------------------------------------------------------------------------------

def glob_escape(text: str) -> str:
    """`text` matched literally in an SQLite GLOB pattern."""
    return "".join(f"[{c}]" if c in "*?[" else c for c in text)


def like_escape(text: str) -> str:
    """`text` matched literally in a LIKE pattern (PostgreSQL's default escape character, the backslash)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def prefix_match(prefix: str, conn: BaseDatabaseWrapper | None = None) -> tuple[str, str]:
    """(operator, pattern) for `column <operator> %s` true where the column starts with `prefix`, answered from
    the column's index: GLOB on SQLite (case-sensitive, as paths are), LIKE on PostgreSQL (paths use the C
    collation, see core.fields.PathField)."""
    if is_sqlite(conn):
        return "GLOB", glob_escape(prefix) + "*"
    return "LIKE", like_escape(prefix) + "%"


def any_of(values: Sequence, conn: BaseDatabaseWrapper | None = None) -> tuple[str, object]:
    """(SQL, parameter) for `column <SQL>` true where the column holds one of `values` (text or numbers), as one
    parameter however many values: an array on PostgreSQL, a JSON list on SQLite. A query with thousands of
    placeholders costs more to build and parse than to run."""
    if is_postgresql(conn):
        return "= ANY(%s)", list(values)
    return "IN (SELECT value FROM json_each(%s))", json.dumps(list(values))


def group_concat(column: str, conn: BaseDatabaseWrapper | None = None) -> str:
    """An aggregate: the group's values of `column` (a quoted column or expression) as text, joined by commas."""
    if is_sqlite(conn):
        return f"GROUP_CONCAT({column})"
    return f"STRING_AGG(CAST({column} AS text), ',')"


def json_text(column: str, key: str, conn: BaseDatabaseWrapper | None = None) -> str:
    """The text under `key` (a literal the caller controls, never user input) of a JSON `column`."""
    if is_postgresql(conn):
        return f"{column} ->> '{key}'"
    return f"json_extract({column}, '$.{key}')"


def numbered_series(count: str = "%s", conn: BaseDatabaseWrapper | None = None) -> str:
    """A FROM clause of the numbers g(i) = 0 … count - 1 (`count`: SQL, a placeholder by default)."""
    if is_sqlite(conn):
        return (f"(WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < {count} - 1) "
                "SELECT i FROM s) AS g")
    return f"generate_series(0::bigint, {count}::bigint - 1) AS g(i)"


def statements_together(conn: BaseDatabaseWrapper | None = None) -> bool:
    """Whether one query may carry several statements, each one's rows read in turn (cursor.nextset()): PostgreSQL
    with the client binding the parameters (psycopg's simple query protocol; Django's default). SQLite's driver runs
    one statement a call."""
    db = _conn(conn)
    return is_postgresql(db) and db.settings_dict["OPTIONS"].get("server_side_binding") is not True


# -- writing many rows ------------------------------------------------------------------------------------

def copy_available(conn: BaseDatabaseWrapper | None = None) -> bool:
    """Whether rows can be streamed in with COPY … FROM STDIN (PostgreSQL through psycopg 3)."""
    return is_postgresql(conn)


def rows_insert(cursor, table: str, columns: Sequence[str], rows: Iterable[Sequence],
                conn: BaseDatabaseWrapper | None = None) -> None:
    """Insert `rows` (values in the order of `columns`, as the driver takes them) into `table`, names unquoted:
    COPY on PostgreSQL (executemany there is a round trip per row), one prepared INSERT run per row on SQLite
    (which costs it next to nothing). `cursor` is a Django cursor of the connection."""
    db = _conn(conn)
    quote = db.ops.quote_name
    target = f"{quote(table)} ({', '.join(quote(c) for c in columns)})"
    if copy_available(db):
        with cursor.cursor.copy(f"COPY {target} FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    cursor.executemany(f"INSERT INTO {target} VALUES ({', '.join(['%s'] * len(columns))})", rows)


@contextlib.contextmanager
def sqlite_cache(*, megabytes: int, conn: BaseDatabaseWrapper | None = None) -> Iterator[None]:
    """A larger SQLite page cache for the block (index inserts at random keys otherwise thrash the default
    2 MB), restored after it; nothing on PostgreSQL, whose shared buffers are the server's."""
    db = _conn(conn)
    if not is_sqlite(db):
        yield
        return
    with db.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = {-1024 * int(megabytes)}")
    try:
        yield
    finally:
        with db.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


def tables_analyze(*tables: str, vacuum: bool = False, conn: BaseDatabaseWrapper | None = None) -> None:
    """After a bulk load, what autovacuum does in time: the planner's statistics of `tables` (unquoted names;
    none: every table). With `vacuum`, PostgreSQL also refreshes the visibility map that lets covering indexes
    answer without reading the rows (VACUUM: not inside a transaction); SQLite has no such map."""
    db = _conn(conn)
    quote = db.ops.quote_name
    listed = ", ".join(quote(t) for t in tables)
    with db.cursor() as cursor:
        if is_postgresql(db):
            if vacuum:
                cursor.execute(f"VACUUM ANALYZE {listed}" if tables else "VACUUM (ANALYZE)")
            else:
                cursor.execute(f"ANALYZE {listed}")
            return
        for statement in [f"ANALYZE {quote(t)}" for t in tables] or ["ANALYZE"]:
            cursor.execute(statement)


def index_drop_operation(table: str, indexes: Sequence[tuple[str, str, bool]]):
    """A migration's operation dropping single-column indexes of `table` that a composite index starting with the
    same column makes redundant: (name, column, text) for each, `text` if PostgreSQL also has its `_like` twin (the
    pattern index Django adds to an indexed text column). Reversed, they are made again. Only the indexes change:
    Django's own AlterField for `db_index=False` would also drop and re-add (and so re-check over every row) the
    foreign key."""
    from django.db import migrations

    def forwards(apps, schema_editor):
        db = schema_editor.connection
        for name, _column, text in indexes:
            schema_editor.execute(f"DROP INDEX IF EXISTS {db.ops.quote_name(name)}")
            if text and is_postgresql(db):
                schema_editor.execute(f"DROP INDEX IF EXISTS {db.ops.quote_name(name + '_like')}")

    def backwards(apps, schema_editor):
        db = schema_editor.connection
        quote = db.ops.quote_name
        for name, column, text in indexes:
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {quote(name)} ON {quote(table)} ({quote(column)})")
            if text and is_postgresql(db):
                schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {quote(name + '_like')} ON {quote(table)} "
                                      f"({quote(column)} varchar_pattern_ops)")

    return migrations.RunPython(forwards, backwards)


def transaction_work_mem(size: str, conn: BaseDatabaseWrapper | None = None) -> None:
    """More memory for the sorts and hash tables of the current transaction (PostgreSQL's work_mem, e.g. "64MB";
    at the default 4 MB large groupings spill to disk). Nothing on SQLite. Call it inside transaction.atomic."""
    db = _conn(conn)
    if is_postgresql(db):
        with db.cursor() as cursor:
            cursor.execute("SELECT set_config('work_mem', %s, true)", [size])


# -- locks ------------------------------------------------------------------------------------------------

def advisory_xact_locks(keys: list[int], conn: BaseDatabaseWrapper | None = None) -> None:
    """Wait for and hold, until the transaction ends, every lock named in `keys` (63-bit numbers), taken in
    ascending order in one statement, so that two transactions wanting some of the same locks cannot deadlock.
    On SQLite a writing transaction already holds the database from its beginning (IMMEDIATE): nothing to take."""
    db = _conn(conn)
    if keys and is_postgresql(db):
        with db.cursor() as cursor:  # PostgreSQL evaluates a volatile function of the select list after its sort
            cursor.execute("SELECT pg_advisory_xact_lock(k) FROM unnest(%s::bigint[]) AS k ORDER BY k",
                           [sorted(set(keys))])


def advisory_xact_lock_try(key: tuple[int, int], conn: BaseDatabaseWrapper | None = None) -> bool:
    """PostgreSQL: take, until the transaction ends, the lock named by two 31-bit numbers if it is free; whether
    it was taken. Transaction-scoped, never session-level: behind PgBouncer in transaction mode a session's
    statements may run on several server connections (core.locks holds one for a whole block)."""
    with _conn(conn).cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", list(key))
        return cursor.fetchone()[0]


def advisory_lock_held(key: tuple[int, int], conn: BaseDatabaseWrapper | None = None) -> bool:
    """PostgreSQL: whether any transaction of this database holds the lock `key` (advisory_xact_lock_try). Read
    from pg_locks rather than tried: a try would take the lock for an instant, and a process trying in that
    instant would fail."""
    with _conn(conn).cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted "
                       "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                       "AND classid = %s::int::oid AND objid = %s::int::oid AND objsubid = 2)", list(key))
        return cursor.fetchone()[0]


def path_collation(conn: BaseDatabaseWrapper | None = None) -> str | None:
    """The collation path columns need for byte order and prefix searches through their index: "C" on
    PostgreSQL (whose default collation orders by language and cannot answer LIKE 'x%' from an index); SQLite's
    default (binary) already is."""
    return "C" if is_postgresql(conn) else None
