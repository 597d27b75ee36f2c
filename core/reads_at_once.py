"""Read-only statements run at once on several connections: a page's independent heavy counts (the province
dashboard's two GROUP BYs over the line list's episodes) take the time of the longest instead of their sum, on a
server whose cores would otherwise wait.

Each statement names the database it reads: the alias the router chose in the calling thread, so the replica
chosen for a heavy-reads block (core.replicas) serves them all. The first runs on the calling thread's own
connection; the others on a small pool of threads (READS_AT_ONCE - 1 of them per process), each opening its own
connection to that database for the statement and closing it after (a few milliseconds beside a heavy count; no
connection is left open by a thread nobody watches). Each statement is read in autocommit, a snapshot of its own,
as the page's other statements are.

Inside a transaction (a test's, or an atomic block) they all run on the calling connection, one after the other:
another connection would neither see the transaction's own writes nor share its snapshot. READS_AT_ONCE=1 runs
them so everywhere.
"""

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import connections

Statement = tuple[str, str, Sequence]  # (database alias, SQL, parameters)

_POOL = ThreadPoolExecutor(max_workers=max(settings.READS_AT_ONCE - 1, 1), thread_name_prefix="fangkong-reads")


def rows_at_once(statements: list[Statement]) -> list[list[tuple]]:
    """Each statement's rows, in order; run at once where the module's rules allow, else one after the other."""
    if (settings.READS_AT_ONCE < 2 or len(statements) < 2
            or any(connections[alias].in_atomic_block for alias, _sql, _params in statements)):
        return [_rows(*statement) for statement in statements]
    elsewhere = [_POOL.submit(_rows_on_a_pool_thread, *statement) for statement in statements[1:]]
    first = _rows(*statements[0])
    return [first, *(future.result() for future in elsewhere)]


def _rows(alias: str, sql: str, params: Sequence) -> list[tuple]:
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _rows_on_a_pool_thread(alias: str, sql: str, params: Sequence) -> list[tuple]:
    try:
        return _rows(alias, sql, params)
    finally:
        connections[alias].close()
