"""Whole-database backups made with each database's own consistent mechanism, and their restore.

SQLite: the online backup API copies one consistent snapshot while the server keeps writing (WAL mode) into
a self-contained database file. PostgreSQL: `pg_dump --format=custom` under a snapshot exported by this
process, restored by `pg_restore --clean --if-exists --single-transaction` (all or nothing). Either way the
file holds everything the database holds: triggers (the append-only ledger and audit log), SQLite's FTS5
index, PostgreSQL's generated columns and GIN indexes. Beside each file a manifest (PATH.json) records the
vendor, size, SHA-256, the migrations applied and every table's row count, taken in the same snapshot; a
restore checks the file against it first and the restored database against it afterwards.
"""

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

if TYPE_CHECKING:
    from django.db.backends.postgresql.base import DatabaseWrapper as PgDatabaseWrapper

MANIFEST_FORMAT = "fangkong-backup"
MANIFEST_VERSION = 1
SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"  # pg_dump's custom (and directory TOC) format
PLAIN_SQL_MARKER = b"-- PostgreSQL database dump"
SUFFIX = {"sqlite": ".sqlite3", "postgresql": ".pgdump"}
VENDOR_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
WITH_ARTICLE = {"sqlite": "an SQLite", "postgresql": "a PostgreSQL"}
CHUNK = 1 << 20
# libpq's environment variables for the connection OPTIONS that DATABASE_URL may carry (?sslmode=require …).
PG_OPTION_ENV = {"sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT", "sslcert": "PGSSLCERT",
                 "sslkey": "PGSSLKEY", "sslcrl": "PGSSLCRL", "connect_timeout": "PGCONNECT_TIMEOUT",
                 "service": "PGSERVICE", "passfile": "PGPASSFILE", "application_name": "PGAPPNAME",
                 "target_session_attrs": "PGTARGETSESSIONATTRS", "options": "PGOPTIONS"}


class BackupError(Exception):
    """A backup or restore was refused or failed; the message says why and what to do."""


@dataclass
class Backup:
    """A backup file written, with what its manifest records."""

    path: Path
    manifest_path: Path
    vendor: str
    size: int
    sha256: str
    counts: dict[str, int]
    migrations: list[str]


@dataclass
class BackupFile:
    """A backup file examined before a restore."""

    path: Path
    vendor: str
    size: int
    sha256: str
    manifest: dict | None
    notes: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int] | None:
        return self.manifest["counts"] if self.manifest else None


@dataclass
class Restored:
    """What the quick check found in the restored database."""

    counts: dict[str, int]
    counts_differ: dict[str, tuple[int, int]]  # table: (in the backup, now)
    unapplied: list[str]  # migrations of the code the restored database has not run
    unknown: list[str]  # migrations recorded in the restored database that the code does not have
    extra_tables: list[str]  # tables not in the backup, left as they were


# ---- backup ------------------------------------------------------------------------------------------------

def backup_default_path(*, vendor: str) -> Path:
    """BACKUP_DIR/fangkong-YYYYmmdd-HHMMSS.<sqlite3|pgdump>, in local time."""
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    return Path(settings.BACKUP_DIR) / f"fangkong-{stamp}{SUFFIX[vendor]}"


def manifest_path_of(path: Path) -> Path:
    return path.with_name(path.name + ".json")


def database_backup(*, path: Path | None = None, using: str = DEFAULT_DB_ALIAS) -> Backup:
    """Write a consistent copy of the whole database to `path` (default: a new file in BACKUP_DIR), and its
    manifest beside it. Nothing is left under the final name unless both are complete."""
    conn = connections[using]
    vendor = _vendor(conn)
    if conn.in_atomic_block:
        raise BackupError("cannot back up inside a transaction: the copy must hold committed data only")
    path = Path(path) if path else backup_default_path(vendor=vendor)
    if path.is_dir():
        path = path / backup_default_path(vendor=vendor).name
    manifest_path = manifest_path_of(path)
    for existing in (path, manifest_path):
        if existing.exists():
            raise BackupError(f"{existing} already exists; a backup never overwrites a file, choose another path")
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = path.with_name(f".{path.name}.partial")
    partial_manifest = manifest_path.with_name(f".{manifest_path.name}.partial")
    placed = []
    try:
        _create_private(partial)
        if vendor == "sqlite":
            counts, migrations, server_version = _sqlite_backup(conn, partial)
        else:
            counts, migrations, server_version = _pg_backup(conn, partial)
        size, digest = partial.stat().st_size, file_sha256(partial)
        manifest = {
            "format": MANIFEST_FORMAT, "version": MANIFEST_VERSION, "vendor": vendor, "file": path.name,
            "size": size, "sha256": digest, "created": timezone.localtime().isoformat(timespec="seconds"),
            "database": database_label(conn), "server_version": server_version,
            "migrations": migrations, "counts": counts,
        }
        _create_private(partial_manifest)
        partial_manifest.write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        for source, final in ((partial, path), (partial_manifest, manifest_path)):
            try:
                os.link(source, final)  # unlike a rename, never replaces a file that appeared meanwhile
            except FileExistsError:
                raise BackupError(f"{final} already exists; a backup never overwrites a file") from None
            placed.append(final)
    except BaseException:
        for final in placed:
            final.unlink(missing_ok=True)
        raise
    finally:
        partial.unlink(missing_ok=True)
        partial_manifest.unlink(missing_ok=True)
    return Backup(path=path, manifest_path=manifest_path, vendor=vendor, size=size, sha256=digest,
                  counts=counts, migrations=migrations)


def _sqlite_backup(conn, target_path: Path) -> tuple[dict[str, int], list[str], str]:
    """Copy every page in one step (a single read snapshot, so writers in WAL mode carry on), then make the
    copy a self-contained file (no -wal beside it) and check it."""
    conn.ensure_connection()
    target = sqlite3.connect(target_path)
    try:
        conn.connection.backup(target)
        target.execute("PRAGMA journal_mode=DELETE")
        _sqlite_quick_check(target, target_path)
        tables = _table_names(conn)
        present = {row[0] for row in target.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        counts = _counts(target.cursor(), [t for t in tables if t in present], quote=conn.ops.quote_name)
        migrations = _migrations_in(target.cursor()) if "django_migrations" in present else []
    finally:
        target.close()
    return counts, migrations, sqlite3.sqlite_version


def _pg_backup(conn, target_path: Path) -> tuple[dict[str, int], list[str], str]:
    """Export a snapshot, dump it with pg_dump and count the rows in it, so file and manifest agree."""
    major = conn.pg_version // 10000
    pg_dump = _pg_tool("pg_dump", major)
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        command = [str(pg_dump), "--format=custom", "--no-password", f"--snapshot={snapshot}",
                   f"--file={target_path}", f"--dbname={_conninfo(conn)}"]
        _run(command, env=_pg_env(conn), what="pg_dump")
        counts = _counts(cursor, _table_names(conn), quote=conn.ops.quote_name)
        migrations = _migrations_in(cursor)
        cursor.execute("SHOW server_version")
        server_version = cursor.fetchone()[0].split()[0]
    return counts, migrations, server_version


# ---- restore -----------------------------------------------------------------------------------------------

def backup_examine(*, path: Path, using: str = DEFAULT_DB_ALIAS) -> BackupFile:
    """Check that `path` is a backup this database can take: the same vendor, intact (checksum, the
    vendor's own check), and made by code that knows every migration it records. Changes nothing."""
    conn = connections[using]
    vendor = _vendor(conn)
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path}: no such file")
    file_vendor = backup_vendor(path)
    if file_vendor != vendor:
        raise BackupError(f"{path} is {WITH_ARTICLE[file_vendor]} backup, but this database "
                          f"({database_label(conn)}) is {VENDOR_NAMES[vendor]}: restore it into "
                          f"{WITH_ARTICLE[file_vendor]} database (DATABASE_URL)")
    size, digest = path.stat().st_size, file_sha256(path)
    found = BackupFile(path=path, vendor=vendor, size=size, sha256=digest, manifest=_manifest_read(path))
    if found.manifest is None:
        found.notes.append(f"no manifest ({manifest_path_of(path).name}): checksum and row counts not verified")
    else:
        expected = found.manifest
        if expected["vendor"] != vendor:
            raise BackupError(f"{manifest_path_of(path)} describes a backup of {expected['vendor']}, "
                              f"but {path.name} is {WITH_ARTICLE[vendor]} one")
        if (expected["size"], expected["sha256"]) != (size, digest):
            raise BackupError(f"{path} is damaged or changed since it was made: its SHA-256 is {digest}, "
                              f"the manifest records {expected['sha256']} ({expected['size']:,} bytes, now "
                              f"{size:,}); nothing was restored")
    if vendor == "sqlite":
        migrations = _sqlite_file_examine(path)
    else:  # the archive's migrations are known only from its manifest, short of restoring it
        _pg_archive_examine(path, major=cast("PgDatabaseWrapper", conn).pg_version // 10000)
        migrations = found.manifest["migrations"] if found.manifest else []
    known = {f"{app}.{name}" for app, name in MigrationExecutor(conn).loader.disk_migrations}
    unknown = sorted(set(migrations) - known)
    if unknown:
        raise BackupError(f"{path} was made by a newer version of Fangkong: it records migrations this code "
                          f"does not have ({', '.join(unknown[:5])}{' …' if len(unknown) > 5 else ''}); "
                          "restore it with that version")
    return found


def database_restore(*, backup: BackupFile, using: str = DEFAULT_DB_ALIAS) -> Restored:
    """Replace every table of the database with the backup's (examined by `backup_examine`), then check the
    result: row counts against the manifest, migrations against the code."""
    conn = connections[using]
    if conn.in_atomic_block:
        raise BackupError("cannot restore inside a transaction")
    if backup.vendor == "sqlite":
        _sqlite_restore(conn, backup.path)
    else:
        _pg_restore(conn, backup.path)
    return _restored_check(conn, backup)


def _sqlite_restore(conn, path: Path) -> None:
    """Copy the backup's pages over the live database through its own connection: one write transaction,
    so other connections see either the old database or the restored one."""
    source = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        conn.ensure_connection()
        try:
            source.backup(conn.connection)
        except sqlite3.Error as exc:
            raise BackupError(f"SQLite could not restore {path}: {exc}; nothing was changed") from None
    finally:
        source.close()


def _pg_restore(conn, path: Path) -> None:
    """The backup's script (pg_restore --clean) run by psql in one transaction: objects of the backup are dropped
    and recreated, or nothing changes. The script goes through psql rather than pg_restore's own connection to
    leave out one kind of statement: dropping a partition's primary key (the event tables, core.partitions), which
    PostgreSQL refuses as inherited; dropping the partition drops it."""
    major = conn.pg_version // 10000
    pg_restore, psql = _pg_tool("pg_restore", major), _pg_tool("psql", major)
    env = _pg_env(conn)
    listing = _run([str(pg_restore), "--list", str(path)], env=env, what="pg_restore --list")
    partitions = {parts[6] for line in listing.splitlines()
                  if " TABLE ATTACH " in line and len(parts := line.split()) >= 8}  # id; 0 0 TABLE ATTACH schema name owner
    conn.close()  # no session of this process holds a lock or a cached plan on the tables dropped
    script = subprocess.Popen([str(pg_restore), "--clean", "--if-exists", "--no-owner", "--file=-", str(path)],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    runner = subprocess.Popen([str(psql), "--single-transaction", "--no-psqlrc", "--quiet", "--no-password",
                               "--set=ON_ERROR_STOP=1", f"--dbname={_conninfo(conn)}"],
                              env=env, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert script.stdout is not None and runner.stdin is not None
    try:
        for line in script.stdout:
            if not _inherited_drop(line, partitions):
                runner.stdin.write(line)
        runner.stdin.close()
    except BrokenPipeError:  # psql stopped at an error: its message says which
        script.kill()
    errors = runner.stderr.read().decode(errors="replace") if runner.stderr else ""
    script_errors = script.stderr.read().decode(errors="replace") if script.stderr else ""
    if script.wait() != 0 or runner.wait() != 0:
        message = (errors or script_errors).strip().splitlines()
        raise BackupError("pg_restore failed (one transaction: nothing was changed): "
                          + (" | ".join(message[-5:]) or "exit status"))


_DROP_CONSTRAINT = re.compile(rb"ALTER TABLE IF EXISTS ONLY [\w\"]+\.\"?(\w+)\"? DROP CONSTRAINT IF EXISTS ")


def _inherited_drop(line: bytes, partitions: set[str]) -> bool:
    """Whether the script's `line` drops a constraint of one of `partitions` (inherited from its table)."""
    match = _DROP_CONSTRAINT.match(line)
    return match is not None and match[1].decode() in partitions


def _restored_check(conn, backup: BackupFile) -> Restored:
    tables = _table_names(conn)
    with conn.cursor() as cursor:
        counts = _counts(cursor, tables, quote=conn.ops.quote_name)
    expected = backup.counts or {}
    differ = {t: (n, counts.get(t, 0)) for t, n in expected.items() if counts.get(t, 0) != n}
    extra = sorted(set(counts) - set(expected)) if backup.counts is not None else []
    executor = MigrationExecutor(conn)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    unapplied = [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]
    recorded = {f"{app}.{name}" for app, name in executor.loader.applied_migrations}
    known = {f"{app}.{name}" for app, name in executor.loader.disk_migrations}
    return Restored(counts=counts, counts_differ=differ, unapplied=unapplied, unknown=sorted(recorded - known),
                    extra_tables=extra)


def _sqlite_file_examine(path: Path) -> list[str]:
    """Open the file read-only, run SQLite's quick check, return the migrations it records."""
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise BackupError(f"{path}: SQLite cannot open it: {exc}") from None
    try:
        _sqlite_quick_check(db, path)
        names = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "django_migrations" not in names:
            raise BackupError(f"{path} is an SQLite database but not Fangkong's: it has no django_migrations table")
        return _migrations_in(db.cursor())
    except sqlite3.Error as exc:
        raise BackupError(f"{path}: SQLite cannot read it: {exc}") from None
    finally:
        db.close()


def _pg_archive_examine(path: Path, *, major: int) -> None:
    """Read the archive's table of contents with pg_restore --list (a damaged archive fails here, before
    anything is dropped) and check it is a Fangkong database."""
    listing = _run([str(_pg_tool("pg_restore", major)), "--list", str(path)], env=dict(os.environ),
                   what="pg_restore --list")
    if not re.search(r"\bTABLE DATA \S+ django_migrations\b", listing):
        raise BackupError(f"{path} is a PostgreSQL archive but not of Fangkong's database: "
                          "it has no django_migrations table")


# ---- helpers -----------------------------------------------------------------------------------------------

def backup_vendor(path: Path) -> str:
    """The vendor whose backup `path` is, from its first bytes."""
    with open(path, "rb") as f:
        head = f.read(64)
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PGDUMP_MAGIC):
        return "postgresql"
    if PLAIN_SQL_MARKER in head or head.lstrip().startswith(b"--"):
        raise BackupError(f"{path} is a plain-SQL dump, not a backup made by db_backup: load it with psql, "
                          "or make a backup with `manage.py db_backup`")
    raise BackupError(f"{path} is not a backup made by db_backup: neither an SQLite database nor a "
                      "pg_dump custom-format archive")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def database_label(conn) -> str:
    """Which database this is, for messages (never the password)."""
    s = conn.settings_dict
    if conn.vendor == "sqlite":
        return str(s["NAME"])
    return f"{s['NAME']} on {s.get('HOST') or 'the local socket'}:{s.get('PORT') or 5432}"


def _vendor(conn) -> str:
    if conn.vendor not in SUFFIX:
        raise BackupError(f"backups of {conn.vendor} databases are not supported (SQLite and PostgreSQL are)")
    return conn.vendor


def _create_private(path: Path) -> None:
    """Create `path` empty, readable by its owner only (a backup holds everyone's personal data)."""
    path.unlink(missing_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _manifest_read(path: Path) -> dict | None:
    manifest_path = manifest_path_of(path)
    if not manifest_path.exists():
        return None
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"{manifest_path}: cannot read the manifest: {exc}") from None
    required = {"format", "version", "vendor", "size", "sha256", "migrations", "counts"}
    if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST_FORMAT or required - set(manifest):
        raise BackupError(f"{manifest_path} is not a db_backup manifest; move it away to restore without one")
    if manifest["version"] > MANIFEST_VERSION:
        raise BackupError(f"{manifest_path}: manifest version {manifest['version']} is newer than this code reads")
    return manifest


def _sqlite_quick_check(db: sqlite3.Connection, path: Path) -> None:
    problems = [row[0] for row in db.execute("PRAGMA quick_check")]
    if problems != ["ok"]:
        raise BackupError(f"{path} fails SQLite's integrity check: {'; '.join(problems[:3])}")


def _table_names(conn) -> list[str]:
    """The tables of the installed models that exist in the database, sorted."""
    return sorted(conn.introspection.django_table_names(only_existing=True, include_views=False))


def _counts(cursor, tables: list[str], *, quote) -> dict[str, int]:
    """Every table's row count, in one statement."""
    if not tables:
        return {}
    sql = " UNION ALL ".join(f"SELECT %s, COUNT(*) FROM {quote(t)}" for t in tables)
    if isinstance(cursor, sqlite3.Cursor):
        sql = sql.replace("%s", "?")
    cursor.execute(sql, tables)
    return {name: count for name, count in cursor.fetchall()}


def _migrations_in(cursor) -> list[str]:
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    return [f"{app}.{name}" for app, name in cursor.fetchall()]


def _conninfo(conn) -> str:
    """A libpq connection string naming just the database (the rest goes through the environment)."""
    name = str(conn.settings_dict["NAME"]).replace("\\", "\\\\").replace("'", "\\'")
    return f"dbname='{name}'"


def _pg_env(conn) -> dict[str, str]:
    """The environment for pg_dump and pg_restore: the server, user and password of DATABASES."""
    s = conn.settings_dict
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if s.get(key):
            env[var] = str(s[key])
    for option, var in PG_OPTION_ENV.items():
        if s.get("OPTIONS", {}).get(option) not in (None, ""):
            env[var] = str(s["OPTIONS"][option])
    return env


def _pg_tool(name: str, server_major: int) -> Path:
    """The `name` binary of the server's major version (Debian's /usr/lib/postgresql/N/bin), else the one on
    PATH or the newest installed, provided it is not older than the server."""
    candidates = [Path(f"/usr/lib/postgresql/{server_major}/bin/{name}")]
    if on_path := shutil.which(name):
        candidates.append(Path(on_path))
    candidates += sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True)
    found = []
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            major = _tool_major(candidate)
            if major is not None and major >= server_major:
                return candidate
            found.append(f"{candidate} ({major})")
    older = f"; found only older ones: {', '.join(found)}" if found else ""
    raise BackupError(f"{name} for PostgreSQL {server_major} not found{older}: install postgresql-client-"
                      f"{server_major} (or a newer client) or put its bin directory on PATH")


def _tool_major(binary: Path) -> int | None:
    try:
        out = subprocess.run([str(binary), "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"\)\s+(\d+)", out)
    return int(match.group(1)) if match else None


def _run(command: list[str], *, env: dict[str, str], what: str, failed: str = "") -> str:
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        message = (result.stderr or result.stdout).strip().splitlines()
        tail = " | ".join(message[-5:]) or f"exit status {result.returncode}"
        raise BackupError(f"{what} failed{failed}: {tail}")
    return result.stdout


def when(manifest: dict | None) -> str:
    """The manifest's creation time for messages, or '?'."""
    if not manifest or not manifest.get("created"):
        return "?"
    try:
        return timezone.localtime(dt.datetime.fromisoformat(manifest["created"])).strftime("%Y-%m-%d %H:%M:%S %z")
    except ValueError:
        return manifest["created"]
