"""Read replicas: heavy read-only work marked `heavy_reads()` may be served by a streaming replica.

Every write, and every read not marked, goes to the primary (`default`). A marked read goes to a healthy replica
(core.replica_health) unless one of these sends it to the primary:
1. no replica is configured (DATABASE_REPLICA_URLS empty: the one-machine default, nothing changes);
2. the primary is inside a transaction (an atomic block): what the transaction wrote is not on any replica;
3. the request writes (POST, PUT, PATCH, DELETE), or its user wrote less than READ_YOUR_WRITES_SECONDS ago (the
   time of the user's last write is kept by ReplicaMiddleware in their signed-in session, or, for an API token
   client, who has no session, in the shared cache under the user: shared by every process and server, none of it
   in the process; a token client is known once the API has checked the token, so its verdict is taken at the
   request's first marked read);
4. the block asks for data at least as new as a WAL position (`heavy_reads(min_lsn=...)`, a submission's
   position) and no healthy replica has replayed that far;
5. every replica is down or behind more than REPLICA_MAX_LAG seconds.
The per-request and per-block state lives in context variables (one per thread or task), never in the module.
Raw SQL on a marked path asks `read_connection()` for the connection to use. Rows a response streams after the view
returned (a CSV download) are read through `streamed()`, which carries the view's block and the request's verdict
into each step of the iteration.
"""

import contextlib
import time
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TypeVar

from django.conf import settings
from django.contrib.auth import SESSION_KEY as AUTH_SESSION_KEY
from django.core.cache import cache
from django.db import connections

from core.replica_health import PRIMARY, lsn_parse, lsn_text, replica_aliases, replica_choose

__all__ = ["PRIMARY", "heavy_reads", "in_transaction", "lsn_parse", "lsn_text", "read_alias", "read_connection",
           "replica_aliases", "streamed"]

T = TypeVar("T")

SESSION_KEY = "_replicas_last_write"  # the session's time of its user's last write (Unix seconds)
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Tables that must never be read behind: the shared cache (rate limits, replica verdicts), sessions, the
# task queue and the sign-in lockout.
NEVER_ON_REPLICA = frozenset({"django_cache", "sessions", "django_tasks_db", "axes"})


@dataclass
class _Block:
    min_lsn: int | None
    alias: str | None = None  # chosen on the block's first read, then kept: one block reads one database


_block: ContextVar[_Block | None] = ContextVar("replicas_block", default=None)
_request_allows: ContextVar[bool] = ContextVar("replicas_request_allows", default=True)
# A reading request of no signed-in session (an API token client, known once its token is checked): its verdict is
# taken at its first marked read.
_request_pending: ContextVar[object | None] = ContextVar("replicas_request_pending", default=None)


@contextlib.contextmanager
def heavy_reads(*, min_lsn: str | int | None = None):
    """Mark the reads inside as heavy and read-only: they may go to a replica (see the module's rules). Used as a
    `with` block or as a decorator; with `min_lsn`, only a replica that has replayed that WAL position serves."""
    wanted = lsn_parse(min_lsn) if isinstance(min_lsn, str) else min_lsn
    outer = _block.get()
    if outer is not None and (wanted is None or (outer.min_lsn is not None and wanted <= outer.min_lsn)):
        yield  # inside a block asking no more: the outer block's choice holds (one database for the whole work)
        return
    if outer is not None and outer.min_lsn is not None and wanted is not None:
        wanted = max(wanted, outer.min_lsn)
    token = _block.set(_Block(min_lsn=wanted))
    try:
        yield
    finally:
        _block.reset(token)


def streamed(rows: Iterable[T]) -> Iterator[T]:
    """`rows` read lazily, after the view has returned (a streamed response), as the marked block around this call
    would read them: each step of the iteration runs with that block (its database, once chosen, kept) and the
    request's verdict on replicas, taken when this is called, and leaves nothing of them behind between steps.
    Outside a block, `rows` as they are."""
    block = _block.get()
    if block is None:
        return iter(rows)
    allows = _allows()
    return _steps(iter(rows), block, allows)


def _steps(iterator: Iterator[T], block: _Block, allows: bool) -> Iterator[T]:
    while True:
        tokens = _block.set(block), _request_allows.set(allows)
        try:
            row = next(iterator)
        except StopIteration:
            return
        finally:
            _request_allows.reset(tokens[1])
            _block.reset(tokens[0])
        yield row


def in_transaction() -> bool:
    """Whether the primary is inside an atomic block of the application (a test case's own wrapping
    transaction, flagged by Django, is not one: the test's writes stand for committed data)."""
    conn = connections[PRIMARY]
    if not conn.in_atomic_block:
        return False
    return any(not getattr(block, "_from_testcase", False) for block in conn.atomic_blocks)


def read_alias() -> str:
    """The database the current read goes to: a replica's alias or the primary's."""
    block = _block.get()
    if block is None or not replica_aliases() or not _allows() or in_transaction():
        return PRIMARY
    if block.alias is None:
        block.alias = replica_choose(replica_aliases(), min_lsn=block.min_lsn) or PRIMARY
    return block.alias


def read_connection():
    """The connection raw SQL of a marked read runs on (read_alias's)."""
    return connections[read_alias()]


class ReplicaRouter:
    """DATABASE_ROUTERS: marked reads to read_alias(), everything else to the primary; migrations on the primary
    only (the replicas receive them by streaming)."""

    def db_for_read(self, model, **hints):
        if _block.get() is None or model._meta.app_label in NEVER_ON_REPLICA:
            return PRIMARY
        return read_alias()

    def db_for_write(self, model, **hints):
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return True  # every alias holds the same data: a replica's row may be related to a primary's

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY


def _allows() -> bool:
    """The request's verdict on replicas; a token client's taken now, once (its token has been checked)."""
    if not _request_allows.get():
        return False
    request = _request_pending.get()
    if request is None:
        return True
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return True  # anonymous so far: nothing of theirs written
    allows = not _recent(cache.get(_cache_key(user.pk)))
    _request_pending.set(None)
    _request_allows.set(allows)
    return allows


def _cache_key(user_id) -> str:
    return f"replicas:last_write:{user_id}"


def _recent(last) -> bool:
    return isinstance(last, int | float) and time.time() - last < settings.READ_YOUR_WRITES_SECONDS


def _signed_in_session(request, user) -> bool:
    """Whether the request's session is `user`'s signed-in one (not a token client's empty session)."""
    session = getattr(request, "session", None)
    return session is not None and str(session.get(AUTH_SESSION_KEY)) == str(user.pk)


def recent_write(request) -> bool:
    """Whether the request's user wrote less than READ_YOUR_WRITES_SECONDS ago (their session says when)."""
    session = getattr(request, "session", None)
    if session is None:
        return False
    return _recent(session.get(SESSION_KEY))


class ReplicaMiddleware:
    """Allows replicas only for a reading request of a user who has not written within READ_YOUR_WRITES_SECONDS;
    after a user's writing request, records the time: in the signed-in session, else (an API token client) in the
    shared cache under the user. Does nothing without replicas."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not replica_aliases():
            return self.get_response(request)
        writes = request.method in UNSAFE_METHODS
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        token = _request_allows.set(not writes and not recent_write(request))
        pending = _request_pending.set(request if not writes and not signed_in else None)
        try:
            response = self.get_response(request)
        finally:
            _request_pending.reset(pending)
            _request_allows.reset(token)
        user = getattr(request, "user", None)  # an API token client's, set by the API's authentication
        if writes and user is not None and user.is_authenticated:
            if _signed_in_session(request, user):
                request.session[SESSION_KEY] = time.time()
            elif settings.READ_YOUR_WRITES_SECONDS:
                cache.set(_cache_key(user.pk), time.time(), settings.READ_YOUR_WRITES_SECONDS)
        return response
