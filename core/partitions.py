"""Event tables range-partitioned by month on PostgreSQL: how a table becomes one, how months are added ahead, and
how retention removes whole months.

The tables that only grow — readings, passages, health checks, the audit log, notifications — are partitioned
by their time column with PostgreSQL's declarative partitioning (`PARTITION BY RANGE`), one partition a month
named `<table>_pYYYYMM`, and a default partition `<table>_default` for rows of a month that has none (a
backdated entry, an imported history). Months are in the project's TIME_ZONE. Why:

- the hot month's table and indexes are a month's size, and stay in memory while old months stay on disk;
- queries bounded in time read only their months (partition pruning);
- retention detaches and drops a month in an instant, where deleting its rows would write every row twice
  (WAL and the dead tuples vacuum must then clean).

What PostgreSQL asks in return, and how the project answers:

- Every unique index must contain the partition key: the primary key is (id, time) while Django knows `id`
  alone — still unique, drawn from the table's own sequence; a reading's device and event are unique with
  its time (a device resends an event with its time).
- A foreign key can only reference a unique key, so references *into* these tables (an alert's reading, a
  delivery's notification, a disclosure's audit entry, a self-report's health check) are declared
  `db_constraint=False`: Django's on_delete still applies to every delete through the ORM, and retention
  treats each reference by its rule (`Reference`): the referring rows are deleted, their link is cleared, or
  the referenced rows are kept (moved to the default partition when their month is dropped).
- The audit log's append-only trigger lets retention move or remove rows only inside a transaction that set
  `fangkong.moving_rows` (set_config, transaction-local).

On SQLite (one machine) there are no partitions; retention deletes the same rows, with the same reference rules.
The tables and their rules are listed in fangkong/event_tables.py; `manage.py partitions_maintain` (daily)
creates the months ahead and applies retention.
"""

import contextlib
import dataclasses
import datetime as dt
import re
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.db import connection, transaction

from core import db
from core.clock import day_start
from core.clock import today as clock_today

MOVING_ROWS = "fangkong.moving_rows"
_MONTH_NAME = re.compile(r"_p(\d{4})(\d{2})$")


@dataclasses.dataclass(frozen=True)
class Reference:
    """Rows of `table` naming a row of an event table in `column`, and what retention does to them when that row
    goes: "delete" them, "clear" the link (a nullable column), or "keep" the referenced row."""

    table: str
    column: str
    rule: str

    def __post_init__(self):
        if self.rule not in ("delete", "clear", "keep"):
            raise ValueError(f"unknown retention rule {self.rule!r}")


@dataclasses.dataclass(frozen=True)
class EventTable:
    table: str
    column: str  # the time column: a date or a timestamp with time zone
    is_date: bool = False
    references: tuple[Reference, ...] = ()


@dataclasses.dataclass
class Maintenance:
    """What one table's maintenance did (or, in a dry run, would do)."""

    table: str
    created: list[str] = dataclasses.field(default_factory=list)
    moved_rows: int = 0
    dropped: list[str] = dataclasses.field(default_factory=list)
    deleted_rows: int = 0
    kept_rows: int = 0


# -- months -------------------------------------------------------------------------------------------------

def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_add(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def retention_cutoff(months: int, *, today: dt.date) -> dt.date | None:
    """The first day kept when `months` whole months are kept before the current one (None: 0 keeps all)."""
    return month_add(month_start(today), -months) if months else None


def _bound_value(event: EventTable, month: dt.date) -> dt.date | dt.datetime:
    """A month's first day, or its first instant (local midnight) for a timestamp column."""
    return month if event.is_date else day_start(month)


def _bound(event: EventTable, month: dt.date) -> str:
    """_bound_value as an SQL literal (partition bounds take no parameters)."""
    return f"'{_bound_value(event, month).isoformat()}'"


def partition_name(table: str, month: dt.date) -> str:
    return f"{table}_p{month:%Y%m}"


def default_name(table: str) -> str:
    return f"{table}_default"


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


# -- PostgreSQL: what exists --------------------------------------------------------------------------------

def is_partitioned(table: str, conn=None) -> bool:
    """Whether `table` is a partitioned table (always False on SQLite)."""
    conn = conn or connection
    if not db.is_postgresql(conn):
        return False
    with conn.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
                       "WHERE c.relname = %s AND c.relnamespace = current_schema()::regnamespace)", [table])
        return cursor.fetchone()[0]


def months_partitioned(table: str) -> list[dt.date]:
    """The months that have a partition of their own, oldest first."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                       "WHERE i.inhparent = %s::regclass", [table])
        names = [row[0] for row in cursor.fetchall()]
    months = []
    for name in names:
        match = _MONTH_NAME.search(name)
        if match and name == partition_name(table, dt.date(int(match[1]), int(match[2]), 1)):
            months.append(dt.date(int(match[1]), int(match[2]), 1))
    return sorted(months)


def _months_in(cursor, event: EventTable, source: str, where: str = "TRUE", params=()) -> list[dt.date]:
    """The months of the rows of `source` (local months for a timestamp)."""
    column = _q(event.column)
    local = column if event.is_date else f"({column} AT TIME ZONE %s)"
    zone = [] if event.is_date else [settings.TIME_ZONE]
    cursor.execute(f"SELECT DISTINCT date_trunc('month', {local})::date FROM {_q(source)} WHERE {where}",
                   [*zone, *params])
    return sorted(row[0] for row in cursor.fetchall())


# -- PostgreSQL: turning a table into a partitioned one (migrations) ----------------------------------------

def partition_table(schema_editor, event: EventTable, *, ahead: int = 3) -> None:
    """Migration step: rebuild `event.table` as a table partitioned by month on its time column, with its rows,
    indexes, check and foreign-key constraints and triggers, a default partition, a partition for every month
    that has rows, and the months from the last to `ahead` after the current one. Nothing on SQLite."""
    conn = schema_editor.connection
    if db.is_postgresql(conn) and not is_partitioned(event.table, conn):
        _rebuild(conn, event, partitioned=True, ahead=ahead)


def unpartition_table(schema_editor, event: EventTable) -> None:
    """Migration step back: `event.table` rebuilt as one plain table with its rows. Nothing on SQLite."""
    conn = schema_editor.connection
    if db.is_postgresql(conn) and is_partitioned(event.table, conn):
        _rebuild(conn, event, partitioned=False, ahead=0)


def _rebuild(conn, event: EventTable, *, partitioned: bool, ahead: int) -> None:
    table, old, column = event.table, f"{event.table}_rebuilt", event.column
    quote = conn.ops.quote_name
    with conn.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {quote(table)} RENAME TO {quote(old)}")
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = %s "
                       "AND indexname <> %s", [old, f"{table}_pkey"])
        indexes = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                       "WHERE conrelid = %s::regclass AND contype = 'f'", [old])
        foreign_keys = cursor.fetchall()
        cursor.execute("SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = %s::regclass "
                       "AND NOT tgisinternal", [old])
        triggers = [row[0] for row in cursor.fetchall()]
        how = f" PARTITION BY RANGE ({quote(column)})" if partitioned else ""
        cursor.execute(f"CREATE TABLE {quote(table)} (LIKE {quote(old)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS "
                       f"INCLUDING STORAGE){how}")
        cursor.execute(f"ALTER TABLE {quote(table)} ALTER COLUMN id DROP DEFAULT")  # the old table's sequence
        if partitioned:
            cursor.execute(f"CREATE TABLE {quote(default_name(table))} PARTITION OF {quote(table)} DEFAULT")
            current = month_start(clock_today())
            wanted = set(_months_in(cursor, event, old)) | {month_add(current, n) for n in range(-1, ahead + 1)}
            for month in sorted(wanted):
                cursor.execute(f"CREATE TABLE {quote(partition_name(table, month))} PARTITION OF {quote(table)} "
                               f"FOR VALUES FROM ({_bound(event, month)}) TO ({_bound(event, month_add(month, 1))})")
        cursor.execute(f"INSERT INTO {quote(table)} SELECT * FROM {quote(old)}")
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {quote(old)}")
        last_id = cursor.fetchone()[0]
        cursor.execute(f"DROP TABLE {quote(old)}")  # with its partitions, and the sequence its id owned
        sequence = f"{table}_id_seq"
        cursor.execute(f"CREATE SEQUENCE {quote(sequence)} AS bigint OWNED BY {quote(table)}.id")
        cursor.execute("SELECT setval(%s, %s, %s)", [sequence, max(last_id, 1), last_id > 0])
        cursor.execute(f"ALTER TABLE {quote(table)} ALTER COLUMN id SET DEFAULT nextval('{sequence}'::regclass)")
        key = f"id, {quote(column)}" if partitioned else "id"
        cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(table + '_pkey')} PRIMARY KEY ({key})")
        renamed = re.compile(rf"\bON (ONLY )?((\w+)\.)?{re.escape(old)}\b")
        for definition in indexes:
            cursor.execute(renamed.sub(lambda m: f"ON {m[2] or ''}{table}", definition, count=1))
        for name, definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")
        for definition in triggers:
            cursor.execute(renamed.sub(lambda m: f"ON {m[2] or ''}{table}", definition, count=1))


# -- maintenance: months ahead, retention --------------------------------------------------------------------

def maintain(event: EventTable, *, today: dt.date, ahead: int, keep_months: int,
             dry_run: bool = False) -> Maintenance:
    """Create `event.table`'s partitions up to `ahead` months after today's (moving in any rows the default
    partition holds for them, and giving a month of its own to each month with rows there), then apply
    retention: keep `keep_months` whole months before the current one (0 keeps everything). One transaction;
    in a dry run nothing is changed and the figures say what would be."""
    done = Maintenance(event.table)
    cutoff = retention_cutoff(keep_months, today=today)
    with transaction.atomic():
        if dry_run:
            sid = transaction.savepoint()
        with connection.cursor() as cursor:
            if db.is_postgresql():
                cursor.execute("SELECT set_config(%s, 'on', true)", [MOVING_ROWS])
                # Deferred foreign-key checks pending in the transaction would forbid dropping a partition.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            if is_partitioned(event.table):
                _months_ahead(cursor, event, today=today, ahead=ahead, cutoff=cutoff, done=done)
                if cutoff is not None:
                    _drop_months(cursor, event, cutoff=cutoff, done=done)
            if cutoff is not None:
                source = default_name(event.table) if is_partitioned(event.table) else event.table
                _delete_before(cursor, event, source, cutoff=cutoff, done=done)
            if db.is_postgresql():
                cursor.execute("SELECT set_config(%s, 'off', true)", [MOVING_ROWS])
        if dry_run:
            transaction.savepoint_rollback(sid)
    return done


def months_create(event: EventTable, first: dt.date, last: dt.date) -> list[str]:
    """PostgreSQL: a partition for every month from `first`'s to `last`'s that has none (rows waiting in the
    default partition moved in), before a bulk load of those months; nothing on SQLite. The names created."""
    done = Maintenance(event.table)
    if is_partitioned(event.table):
        span = (last.year * 12 + last.month) - (first.year * 12 + first.month)
        with transaction.atomic(), connection.cursor() as cursor:
            _months_ahead(cursor, event, today=first, ahead=max(span, 0), cutoff=None, done=done)
    return done.created


def _months_ahead(cursor, event: EventTable, *, today, ahead, cutoff, done) -> None:
    have = set(months_partitioned(event.table))
    default = default_name(event.table)
    in_default = set(_months_in(cursor, event, default))
    wanted = {month_add(month_start(today), n) for n in range(0, ahead + 1)} | in_default
    for month in sorted(wanted - have):
        if cutoff is not None and month < cutoff:
            continue  # rows of a month past retention are deleted, not given a partition
        name, lower, upper = partition_name(event.table, month), _bound(event, month), _bound(event, month_add(month, 1))
        if month not in in_default:
            cursor.execute(f"CREATE TABLE {_q(name)} PARTITION OF {_q(event.table)} "
                           f"FOR VALUES FROM ({lower}) TO ({upper})")
        else:
            # A partition cannot be created over rows the default partition holds: they move into a table
            # made like the parent, which is then attached (its indexes and constraints are built on attach).
            column = _q(event.column)
            cursor.execute(f"CREATE TABLE {_q(name)} (LIKE {_q(event.table)} INCLUDING DEFAULTS "
                           "INCLUDING CONSTRAINTS INCLUDING STORAGE)")
            cursor.execute(f"WITH moved AS (DELETE FROM {_q(default)} WHERE {column} >= {lower} AND {column} < "
                           f"{upper} RETURNING *) INSERT INTO {_q(name)} SELECT * FROM moved")
            done.moved_rows += cursor.rowcount
            cursor.execute(f"ALTER TABLE {_q(event.table)} ATTACH PARTITION {_q(name)} "
                           f"FOR VALUES FROM ({lower}) TO ({upper})")
        done.created.append(name)


def _drop_months(cursor, event: EventTable, *, cutoff: dt.date, done: Maintenance) -> None:
    """Each month wholly before `cutoff`: the references' rules applied, its rows referenced by a kept reference
    set aside, the partition detached and dropped, the rows set aside put back (they land in the default
    partition, their month having none now)."""
    for month in months_partitioned(event.table):
        if month_add(month, 1) > cutoff:
            continue
        name = partition_name(event.table, month)
        _apply_references(cursor, event, f"SELECT id FROM {_q(name)}", [])
        kept = _kept_rows(event)
        cursor.execute(f"SELECT count(*) FROM {_q(name)}")
        gone = cursor.fetchone()[0]
        if kept:
            cursor.execute(f"CREATE TEMPORARY TABLE fk_kept ON COMMIT DROP AS SELECT * FROM {_q(name)} WHERE {kept}")
            done.kept_rows += cursor.rowcount
            gone -= cursor.rowcount
        cursor.execute(f"ALTER TABLE {_q(event.table)} DETACH PARTITION {_q(name)}")
        cursor.execute(f"DROP TABLE {_q(name)}")
        if kept:
            cursor.execute(f"INSERT INTO {_q(event.table)} SELECT * FROM fk_kept")
            cursor.execute("DROP TABLE fk_kept")
        done.deleted_rows += gone
        done.dropped.append(name)


def _delete_before(cursor, event: EventTable, source: str, *, cutoff: dt.date, done: Maintenance) -> None:
    """The rows of `source` (the default partition, or SQLite's table) before `cutoff` deleted, but those a
    kept reference names; SQLite's triggers (the audit log's append-only ones) are lifted for the statement."""
    column = _q(event.column)
    where, params = f"{column} < %s", [_bound_value(event, cutoff)]
    _apply_references(cursor, event, f"SELECT id FROM {_q(source)} WHERE {where}", params)
    kept = _kept_rows(event)
    condition = f"{where} AND NOT ({kept})" if kept else where
    with _sqlite_triggers_lifted(cursor, source):
        cursor.execute(f"DELETE FROM {_q(source)} WHERE {condition}", params)
        done.deleted_rows += cursor.rowcount


def _apply_references(cursor, event: EventTable, ids_sql: str, params: list) -> None:
    for ref in event.references:
        if ref.rule == "delete":
            cursor.execute(f"DELETE FROM {_q(ref.table)} WHERE {_q(ref.column)} IN ({ids_sql})", params)
        elif ref.rule == "clear":
            cursor.execute(f"UPDATE {_q(ref.table)} SET {_q(ref.column)} = NULL WHERE {_q(ref.column)} IN ({ids_sql})",
                           params)


def _kept_rows(event: EventTable) -> str:
    """A condition true of the rows a kept reference names ('' when the table has none)."""
    kept = [f"id IN (SELECT {_q(ref.column)} FROM {_q(ref.table)} WHERE {_q(ref.column)} IS NOT NULL)"
            for ref in event.references if ref.rule == "keep"]
    return " OR ".join(kept)


@contextlib.contextmanager
def _sqlite_triggers_lifted(cursor, table: str) -> Iterator[None]:
    """SQLite: the table's triggers dropped for the block and created again from their own text, inside the
    caller's transaction (SQLite's DDL is transactional). PostgreSQL's audit trigger reads MOVING_ROWS instead."""
    saved: list[tuple[str, str]] = []
    if db.is_sqlite():
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [table])
        saved = cursor.fetchall()
        for name, _sql in saved:
            cursor.execute(f"DROP TRIGGER {_q(name)}")
    yield
    for _name, sql in saved:
        cursor.execute(sql)


def maintain_all(tables: Iterable[EventTable], *, today: dt.date, ahead: int, keep: dict[str, int],
                 dry_run: bool = False) -> list[Maintenance]:
    return [maintain(event, today=today, ahead=ahead, keep_months=keep.get(event.table, 0), dry_run=dry_run)
            for event in tables]
