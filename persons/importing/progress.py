"""A running import's counts (rows processed of rows in the file), published while its transaction hides them and
read by its page: any import job with a file, processed_rows and total_rows (the line list's, a contact list's)."""

import logging
import os
import time
from pathlib import Path

from django.db import DatabaseError, connection

from core.db import is_postgresql, one_writer_at_a_time

logger = logging.getLogger(__name__)

PROGRESS_EVERY = 1.0  # seconds between published counts


class ProgressBoard:
    """Where a running job's counts (any import job with a file, processed_rows and total_rows) are published
    while its transaction hides them.

    PostgreSQL: the job's row, updated through a second connection that commits at once. SQLite: one
    writer at a time, and the import is it; the counts go to a small file beside the uploaded one (an
    SQLite deployment is one machine) which `progress_read` reads. Publishing is best effort: a
    failure stops it and never the import.
    """

    def __init__(self, job):
        self.job = job
        self.last = 0.0
        self.other = None
        self.path = progress_path(job) if one_writer_at_a_time() else None
        # Inside the caller's transaction the job's row may be locked by it, and a second connection would wait.
        self.live = ((one_writer_at_a_time() and self.path is not None)
                     or (is_postgresql() and not connection.in_atomic_block))

    def publish(self, done: int, total: int, *, final: bool = False) -> None:
        now = time.monotonic()
        if not self.live or (not final and now - self.last < PROGRESS_EVERY):
            return
        self.last = now
        try:
            if self.path is not None:
                tmp = self.path.with_name(self.path.name + ".tmp")
                tmp.write_text(f"{done} {total}")
                os.replace(tmp, self.path)
                return
            if self.other is None:
                self.other = connection.copy()
                self.other.ensure_connection()
                self.other.set_autocommit(False)
            # Each update its own transaction, its lock timeout the transaction's (set_config(…, true)): behind
            # PgBouncer in transaction mode a session's setting would stay with a server connection others get.
            try:
                with self.other.cursor() as cursor:
                    cursor.execute("SELECT set_config('lock_timeout', '2s', true)")
                    cursor.execute(f"UPDATE {connection.ops.quote_name(type(self.job)._meta.db_table)} "
                                   "SET processed_rows = %s, total_rows = %s WHERE id = %s",
                                   [done, total, self.job.pk])
                self.other.commit()
            except DatabaseError:
                self.other.rollback()
                raise
        except (OSError, DatabaseError):
            logger.warning("import job %s: progress no longer published", self.job.pk, exc_info=True)
            self.live = False

    def close(self) -> None:
        if self.other is not None:
            self.other.close()
            self.other = None
        if self.path is not None:
            self.path.unlink(missing_ok=True)


def progress_path(job) -> Path | None:
    """The file holding a running SQLite job's counts, beside its upload (None without a local path)."""
    try:
        return Path(job.file.path + ".progress")
    except (NotImplementedError, ValueError):
        return None


def progress_read(job, *, running: bool) -> tuple[int, int]:
    """(rows processed, rows in the file) of an import job, from its board while it runs."""
    if running and one_writer_at_a_time():
        path = progress_path(job)
        try:
            done, total = (int(n) for n in path.read_text().split()) if path else (None, None)
        except (OSError, ValueError):
            done = total = None
        if done is not None:
            return done, total
    return job.processed_rows, job.total_rows
