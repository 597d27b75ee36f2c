"""The replicas' health: each replica's lag measured, its verdict (in use, behind, down) shared through Django's
cache (the database cache table: every process and server sees the same verdict) for CHECK_SECONDS. A process keeps
the verdict it read for PROCESS_SECONDS in its own memory (the `process` cache), so that a busy server reads the
shared one about once a second per process instead of once a request.

Lag on PostgreSQL: a replica that has replayed the primary's current WAL position is 0 s behind; otherwise it is
behind by now() - pg_last_xact_replay_timestamp(). A replica that cannot be reached within its connect timeout
(OPTIONS connect_timeout, 2 s) is down. A replica that is not in recovery (a test mirror of the primary) is 0 s
behind.
"""

import random
from dataclasses import asdict, dataclass

from django.conf import settings
from django.core.cache import cache, caches
from django.db import connections
from django.utils.translation import gettext as _

from core.db import is_postgresql

PRIMARY = "default"
CHECK_SECONDS = 5  # how long a verdict is trusted before the replica is measured again
PROCESS_SECONDS = 1  # how long a process keeps the shared verdict it read before reading it again
IN_USE, BEHIND, DOWN = "in_use", "behind", "down"


def replica_aliases() -> list[str]:
    """The DATABASES aliases of the configured replicas (replica1, replica2, …), none by default."""
    return list(getattr(settings, "REPLICA_ALIASES", []))


def lsn_parse(text: str | None) -> int | None:
    """A PostgreSQL WAL position such as "16/B374D848" as one number (None stays None)."""
    if not text:
        return None
    high, _sep, low = str(text).partition("/")
    return (int(high, 16) << 32) | int(low, 16)


def lsn_text(value: int | None) -> str | None:
    """The inverse of lsn_parse."""
    if value is None:
        return None
    return f"{value >> 32:X}/{value & 0xFFFFFFFF:X}"


@dataclass
class ReplicaState:
    alias: str
    state: str  # IN_USE, BEHIND or DOWN
    lag: float | None  # seconds; None when down or not known
    lsn: int | None  # the replayed WAL position (PostgreSQL), None elsewhere or when down
    host: str = ""


def _cache_key(alias: str) -> str:
    return f"replicas:state:{alias}"


def _host(alias: str) -> str:
    config = connections.settings[alias]
    return f"{config.get('HOST') or 'localhost'}:{config.get('PORT') or ''}/{config.get('NAME') or ''}"


def _close_quietly(alias: str) -> None:
    try:
        connections[alias].close()
    except Exception:  # a broken connection may fail to close too; it is dropped either way
        pass


def primary_position() -> int | None:
    """The primary's current WAL position (PostgreSQL), None on SQLite."""
    conn = connections[PRIMARY]
    if not is_postgresql(conn):
        return None
    with conn.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        return lsn_parse(cursor.fetchone()[0])


def replica_measure(alias: str) -> ReplicaState:
    """Measure `alias` now (its lag against the primary, its replayed position), without raising."""
    host = _host(alias)
    try:
        conn = connections[alias]
        with conn.cursor() as cursor:
            if not is_postgresql(conn):
                cursor.execute("SELECT 1")
                return ReplicaState(alias, IN_USE, 0.0, None, host)
            cursor.execute("SELECT pg_is_in_recovery(), CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()"
                           " ELSE pg_current_wal_lsn() END::text")
            recovering, replayed = cursor.fetchone()
            replayed = lsn_parse(replayed)
            lag_seconds = None
            if recovering:
                cursor.execute("SELECT EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())")
                lag_seconds = cursor.fetchone()[0]
    except Exception:  # unreachable, refused, timed out, or killed mid-query: the replica is down for now
        _close_quietly(alias)
        return ReplicaState(alias, DOWN, None, None, host)
    if not recovering:
        return ReplicaState(alias, IN_USE, 0.0, replayed, host)
    primary = primary_position()
    lag: float | None = None
    if primary is not None and replayed is not None and replayed >= primary:
        lag = 0.0
    else:
        lag = float(lag_seconds) if lag_seconds is not None else None
    state = IN_USE if lag is not None and lag <= settings.REPLICA_MAX_LAG else BEHIND
    return ReplicaState(alias, state, lag, replayed, host)


def replica_state(alias: str, *, fresh: bool = False) -> ReplicaState:
    """The shared verdict on `alias`: the cached one while it is CHECK_SECONDS old at most (as this process read it
    PROCESS_SECONDS ago at most), else measured now."""
    key = _cache_key(alias)
    if not fresh:
        kept = caches["process"].get(key)
        if kept is None:
            kept = cache.get(key)
            if kept is not None:
                caches["process"].set(key, kept, PROCESS_SECONDS)
        if kept is not None:
            return ReplicaState(**kept)
    state = replica_measure(alias)
    replica_record(state)
    return state


def replica_record(state: ReplicaState) -> None:
    """Share a verdict (measured, or reached elsewhere: a replica found down while in use) for CHECK_SECONDS, and keep
    it in this process."""
    key = _cache_key(state.alias)
    cache.set(key, asdict(state), CHECK_SECONDS)
    caches["process"].set(key, asdict(state), PROCESS_SECONDS)


def replicas_states(*, fresh: bool = False) -> list[ReplicaState]:
    """Every configured replica's verdict, in the order of DATABASE_REPLICA_URLS."""
    return [replica_state(alias, fresh=fresh) for alias in replica_aliases()]


def _reachable(alias: str) -> bool:
    """Whether the replica's connection answers now: a new one opens, a kept one passes Django's health check
    (CONN_HEALTH_CHECKS: once a request), so a replica stopped since the verdict is found here."""
    try:
        conn = connections[alias]
        conn.close_if_health_check_failed()
        conn.ensure_connection()
        return True
    except Exception:
        _close_quietly(alias)
        return False


def replica_choose(aliases: list[str], *, min_lsn: int | None = None) -> str | None:
    """A replica in use that has replayed `min_lsn` (when given) and answers now, at random among several; None
    when there is none (the read goes to the primary)."""
    candidates = []
    for alias in aliases:
        state = replica_state(alias)
        if state.state != IN_USE:
            continue
        if min_lsn is not None and (state.lsn is None or state.lsn < min_lsn):
            continue
        candidates.append(alias)
    random.shuffle(candidates)
    for alias in candidates:
        if _reachable(alias):
            return alias
        replica_record(ReplicaState(alias, DOWN, None, None, _host(alias)))
    return None


def read_position(alias: str) -> int | None:
    """The WAL position of the data a read on `alias` has seen, taken after the read: the replica's replayed
    position, or the primary's current one; None on SQLite."""
    if alias == PRIMARY:
        return primary_position()
    conn = connections[alias]
    if not is_postgresql(conn):
        return None
    with conn.cursor() as cursor:
        cursor.execute("SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn()"
                       " END::text")
        return lsn_parse(cursor.fetchone()[0])


def replica_describe(state: ReplicaState) -> dict[str, str]:
    """What the lag page and `manage.py replicas` show of a replica, in the user's language."""
    texts = {IN_USE: _("in use: reads go to it"), BEHIND: _("skipped: behind"), DOWN: _("skipped: down")}
    lag = _("unknown") if state.lag is None else _("%(seconds).1f s") % {"seconds": state.lag}
    return {"alias": state.alias, "host": state.host, "lag": lag, "position": lsn_text(state.lsn) or "—",
            "state": texts[state.state]}
