"""The locks that keep a second process out on every server (core.locks): taken once, seen held, gone with
the block or with the process, and never session state a transaction-mode pooler would break."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from core.locks import lock_held, lock_hold

ROOT = Path(__file__).resolve().parents[2]

HOLDER = """
import os, sys, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangkong.settings")
import django
django.setup()
from pathlib import Path
from core.locks import lock_hold
with lock_hold("test.killed", 7, file=Path(sys.argv[1])) as taken:
    print("taken" if taken else "refused", flush=True)
    time.sleep(600)
"""


def _url() -> str:
    """DATABASE_URL of the test database (PostgreSQL) for another process; SQLite: the default, unused."""
    params = connection.settings_dict
    if connection.vendor != "postgresql":
        return ""
    return "postgres://{u}:{p}@{h}:{port}/{n}".format(u=params["USER"], p=params["PASSWORD"] or "",
                                                     h=params["HOST"] or "localhost", port=params["PORT"] or 5432,
                                                     n=params["NAME"])


def test_a_lock_held_keeps_a_second_holder_out_until_the_block_ends(db, tmp_path):
    file = tmp_path / "one.lock"
    with lock_hold("test.lock", 1, file=file) as first:
        assert first is True
        assert lock_held("test.lock", 1, file=file) is True
        with lock_hold("test.lock", 1, file=file) as second:
            assert second is False
        with lock_hold("test.lock", 2, file=tmp_path / "two.lock") as other:
            assert other is True  # another lock's name
    assert lock_held("test.lock", 1, file=file) is False
    with lock_hold("test.lock", 1, file=file) as again:
        assert again is True


def test_a_lock_without_a_file_is_named_by_the_database_and_the_lock(db):
    with lock_hold("scheduled:test_command") as first:
        with lock_hold("scheduled:test_command") as second:
            assert (first, second) == (True, False)
        assert lock_held("scheduled:test_command") is True
    assert lock_held("scheduled:test_command") is False


def test_a_killed_process_s_lock_is_free_at_once(db, tmp_path):
    """SIGKILL: no code of the process runs, and nothing has to expire: the lock goes with the process."""
    file = tmp_path / "killed.lock"
    env = {**os.environ, "DATABASE_URL": _url()} if _url() else {k: v for k, v in os.environ.items()
                                                                 if k != "DATABASE_URL"}
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(file)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout.readline().strip() == "taken"
        assert lock_held("test.killed", 7, file=file) is True
        with lock_hold("test.killed", 7, file=file) as taken:
            assert taken is False
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    deadline = time.monotonic() + 10
    while lock_held("test.killed", 7, file=file) and time.monotonic() < deadline:
        time.sleep(0.05)  # PostgreSQL notices the closed socket a moment later
    with lock_hold("test.killed", 7, file=file) as taken:
        assert taken is True


@pytest.mark.skipif("os.environ.get('DATABASE_URL', '').split(':')[0] not in ('postgres', 'postgresql')",
                    reason="PostgreSQL's advisory locks")
def test_a_lock_is_held_by_a_transaction_and_leaves_no_session_state_behind(db):
    """Behind PgBouncer in transaction mode a session lock would stay with a server connection other clients
    get next: the lock is transaction-scoped (its holder's transaction is open while it is held), and once
    released no session of the database holds an advisory lock or sits in a transaction."""
    with lock_hold("test.transaction", 3):
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                           "WHERE l.locktype = 'advisory' AND a.state = 'idle in transaction' "
                           "AND a.datname = current_database()")
            assert cursor.fetchone()[0] == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid <> pg_backend_pid()")
        assert cursor.fetchone()[0] == 0
