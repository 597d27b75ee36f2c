"""Fangkong behind PgBouncer in transaction mode: DATABASE_POOLED turns off what a pooler breaks (server-side
cursors, prepared statements), and no code keeps state in a database session, which the pooler hands to other
clients between transactions (core/tests/test_pgbouncer.py runs the critical paths through a real PgBouncer)."""

import re
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from core.env import env_database

ROOT = Path(__file__).resolve().parents[2]


def test_a_pooled_database_uses_no_server_side_cursor_and_no_prepared_statement(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://fangkong:secret@127.0.0.1:6432/fangkong")
    monkeypatch.setenv("DATABASE_POOLED", "1")
    config = env_database("/unused.sqlite3")
    assert config["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert config["OPTIONS"]["prepare_threshold"] is None
    assert config["CONN_MAX_AGE"] == 60  # client connections to the pooler are kept, as to the server
    monkeypatch.delenv("DATABASE_POOLED")
    assert not env_database("/unused.sqlite3").get("DISABLE_SERVER_SIDE_CURSORS")  # the default as before


def test_pooling_an_sqlite_database_stops_start_up_naming_the_variable(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/db.sqlite3")
    monkeypatch.setenv("DATABASE_POOLED", "1")
    with pytest.raises(ImproperlyConfigured, match="DATABASE_POOLED"):
        env_database("/unused.sqlite3")


@pytest.mark.skipif("os.environ.get('DATABASE_URL', '').split(':')[0] not in ('postgres', 'postgresql')",
                    reason="the progress of a PostgreSQL import goes through a second connection")
def test_an_import_s_published_progress_leaves_no_setting_on_its_connection(cast):
    """The progress board's lock timeout is its transaction's: a session's setting would stay with a server
    connection the pooler gives other clients."""
    from persons.importing.progress import ProgressBoard
    from persons.models import ImportJob

    job = ImportJob.objects.create(unit=cast.community_a, unit_path=cast.community_a.path, filename="名单.csv",
                                   created_by=cast.street_officer)
    board = ProgressBoard(job)
    board.live = True  # as outside a transaction (the test's own holds the job's row unseen by others)
    try:
        board.publish(1, 2, final=True)
        assert board.live is True  # published, not given up
        with board.other.cursor() as cursor:
            cursor.execute("SHOW lock_timeout")
            assert cursor.fetchone()[0] == "0"
    finally:
        board.close()


# SQL that keeps state in a session rather than a transaction: a pooler in transaction mode hands the session's
# next transaction to another server connection, and this one's state to another client.
SESSION_STATE = {
    "a session-level advisory lock": re.compile(r"pg_(try_)?advisory_lock(_shared)?\s*\(|pg_advisory_unlock",
                                                re.IGNORECASE),
    "SET without LOCAL (use set_config(name, value, true) or SET LOCAL)": re.compile(
        r"[\"']\s*SET\s+(SESSION\s+)?(ROLE|TIME\s+ZONE|SESSION\s+AUTHORIZATION|[a-z_]*(timeout|mem|path|cost|enable_"
        r"|jit|isolation|application_name|synchronous_commit|datestyle|constraint_exclusion)[a-z_]*)\s*(=|TO\b|\s)",
        re.IGNORECASE),
    "LISTEN / NOTIFY": re.compile(r"[\"']\s*(LISTEN|NOTIFY|UNLISTEN)\s", re.IGNORECASE),
    "a temporary table kept past its transaction (use ON COMMIT DROP)":
        re.compile(r"CREATE\s+TEMP(ORARY)?\s+TABLE(?![^\"']*ON COMMIT DROP)", re.IGNORECASE),
    "a cursor kept past its transaction": re.compile(r"DECLARE\s[^\"']*\bWITH\s+HOLD\b"),
}
# The benchmarks fill their own database (BENCH_DATABASE_URL) on PostgreSQL directly, never through a pooler: their
# temporary tables live in the session that makes them, as migrations' and db_restore's work does (README).
NOT_POOLED = ("benchmarks/",)


def test_no_code_keeps_state_in_a_database_session():
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if (relative.startswith((".venv/", "var/", "build/")) or "/migrations/" in relative
                or "/tests/" in relative or relative.startswith(NOT_POOLED)):
            continue
        text = path.read_text(encoding="utf-8")
        for what, pattern in SESSION_STATE.items():
            for match in pattern.finditer(text):
                found.append(f"{relative}:{text.count(chr(10), 0, match.start()) + 1}: {what}")
    assert found == [], "\n".join(found)
