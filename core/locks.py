"""Locks that keep a second process out on every server: a job's claim, a scheduled command's run.

Several app servers and background workers share one database, so such a lock is the database's, never a
process's. On PostgreSQL it is a transaction-scoped advisory lock taken by a transaction of its own, on a
connection of its own, open for as long as the block runs. A session-level lock (pg_advisory_lock) will not
do behind PgBouncer in transaction mode: a session's next transaction goes to whichever server connection is
free, so the lock would be taken on one server connection and released, or tried, on another, and stay with
that connection when the client goes. A transaction stays on its server connection until it ends, and it ends
however the process ends (killed, out of memory, switched off: the server, or the pooler, rolls back a
dropped client's transaction), so a dead process's lock goes with it at once and nothing has to expire.
The price: each lock held pins one server connection (count it in the pool's size).

On SQLite (one machine) the lock is an exclusive `flock` on a small file, which the kernel releases when the
process exits.
"""

import fcntl
import hashlib
import logging
import os
import re
import tempfile
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import DatabaseError, connection

from core.db import advisory_lock_held, advisory_xact_lock_try, is_postgresql

logger = logging.getLogger(__name__)

# Seconds a file lock is retried on SQLite: a look at whether it is held holds it shared for an instant.
FILE_LOCK_WAIT = 1.0


def lock_key(name: str, number: int = 0) -> tuple[int, int]:
    """The advisory lock's two 31-bit numbers for the lock `name` (e.g. a model's label) and `number` (an id)."""
    return zlib.crc32(name.encode()) & 0x7FFFFFFF, number % 2**31


def _default_file(name: str, number: int) -> Path:
    """The file of a lock on SQLite, named by the database (an in-memory one is this process's own) and the lock."""
    database = str(connection.settings_dict["NAME"])
    if database == ":memory:" or "mode=memory" in database:  # in-memory SQLite (the tests)
        database += f"@{os.getpid()}"
    digest = hashlib.sha256(database.encode()).hexdigest()[:16]
    label = re.sub(r"[^\w.-]+", "-", name)
    return Path(tempfile.gettempdir()) / f"fangkong-lock-{digest}-{label}-{number}.lock"


def lock_number(name: str, number: int = 0) -> int:
    """The lock (`name`, `number`) as the one 62-bit number core.db.advisory_xact_locks take."""
    high, low = lock_key(name, number)
    return high << 31 | low


@contextmanager
def lock_hold(name: str, number: int = 0, *, file: Path | None = None) -> Iterator[bool]:
    """Hold the lock (`name`, `number`) for the block, across processes and servers; yields whether it was
    taken (False: another process holds it, and nothing is held). `file`: where the SQLite lock lives (by
    default a file in the temporary folder named by the database and the lock)."""
    if is_postgresql():
        with _transaction_lock(lock_key(name, number)) as taken:
            yield taken
        return
    with _file_lock(file or _default_file(name, number)) as taken:
        yield taken


def lock_held(name: str, number: int = 0, *, file: Path | None = None) -> bool:
    """Whether a live process holds the lock (`name`, `number`)."""
    if is_postgresql():
        return advisory_lock_held(lock_key(name, number))
    return _file_locked(file or _default_file(name, number))


@contextmanager
def _transaction_lock(key: tuple[int, int]) -> Iterator[bool]:
    """A transaction on a connection of its own holding the advisory lock `key` until the block ends."""
    holder = connection.copy()
    try:
        holder.ensure_connection()
        holder.set_autocommit(False)
        taken = advisory_xact_lock_try(key, conn=holder)
        yield taken
    finally:
        try:
            # Rolled back before the connection closes: the server ends a closed connection's transaction a
            # moment later, and the lock would still be seen held meanwhile.
            if holder.connection is not None:
                holder.rollback()
        except DatabaseError:  # the connection is gone already, and the lock with it
            logger.warning("lock %s: its connection was already lost", key, exc_info=True)
        finally:
            holder.close()


@contextmanager
def _file_lock(path: Path) -> Iterator[bool]:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    taken = False
    try:
        deadline = time.monotonic() + FILE_LOCK_WAIT
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                taken = True
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    break
                time.sleep(0.05)
        yield taken
    finally:
        if taken:
            path.unlink(missing_ok=True)
        os.close(fd)  # releases the lock


def _file_locked(path: Path) -> bool:
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)
