"""Budgets of requests per caller ("600/min"), counted in the database (core.models.RateCount): every process and
server shares the counts, and counting a request is one statement, atomic however many requests arrive at once.

A budget's window slides: a request is allowed while the current period's hits (itself included) plus the previous
period's, weighted by the share of the window still over it, stay within the limit. A refused request is not
counted. `manage.py rates_prune` (daily) removes the counts of callers silent for a whole period.
"""

import time

from django.conf import settings
from django.db import connections

from core.models import RateCount
from core.replica_health import PRIMARY  # counts are written and read back at once: never on a replica

_TABLE = RateCount._meta.db_table
# Upsert the caller's row: the same period counts one more; the next one starts over, the current hits becoming the
# previous ones; a later one starts over with none before. PostgreSQL and SQLite (3.35+) alike.
_HIT = f"""INSERT INTO {_TABLE} (name, period, hits, previous, expires) VALUES (%s, %s, 1, 0, %s)
    ON CONFLICT (name) DO UPDATE SET
        previous = CASE WHEN {_TABLE}.period = excluded.period THEN {_TABLE}.previous
                        WHEN {_TABLE}.period = excluded.period - 1 THEN {_TABLE}.hits ELSE 0 END,
        hits = CASE WHEN {_TABLE}.period = excluded.period THEN {_TABLE}.hits + 1 ELSE 1 END,
        period = excluded.period, expires = excluded.expires
    RETURNING hits, previous"""
_UNHIT = f"UPDATE {_TABLE} SET hits = hits - 1 WHERE name = %s AND period = %s AND hits > 0"
_READ = f"SELECT period, hits, previous FROM {_TABLE} WHERE name = %s"
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


ADDRESS_MAX = 64  # an IPv6 address with a port and a zone fits; a budget's name holds 200 characters


def client_address(request) -> str:
    """The caller's address: the connection's, or the one the trusted proxies (settings.PROXY_COUNT) name. An
    X-Forwarded-For header no trusted proxy wrote is the caller's own words, never their address. Cut to ADDRESS_MAX
    characters: with more proxies counted than there are, a hop the caller wrote could be any length."""
    count = getattr(settings, "PROXY_COUNT", 0) or 0
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if count and forwarded:
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        if hops:
            return hops[-min(count, len(hops))][:ADDRESS_MAX]
    return (request.META.get("REMOTE_ADDR") or "?")[:ADDRESS_MAX]


def rate_parse(rate: str) -> tuple[int, int]:
    """(limit, seconds) of "<requests>/<s, sec, m, min, h, hour, d or day>"."""
    count, _slash, unit = rate.partition("/")
    if not count.strip().isdigit() or unit.strip()[:1] not in _UNITS:
        raise ValueError(f"not a rate: {rate!r} (e.g. 600/min)")
    return int(count), _UNITS[unit.strip()[0]]


def rate_hit(name: str, rate: str) -> float | None:
    """Count one request against `name`'s budget: None when it is allowed, else (not counted) the seconds to wait."""
    limit, seconds = rate_parse(rate)
    now = time.time()
    period = int(now // seconds)
    with connections[PRIMARY].cursor() as cursor:
        cursor.execute(_HIT, [name, period, (period + 2) * seconds])
        hits, previous = cursor.fetchone()
        wait = _wait(limit, seconds, now, hits - 1, previous)
        if wait is not None:
            cursor.execute(_UNHIT, [name, period])
    return wait


def rate_peek(name: str, rate: str) -> float | None:
    """Whether `name` could make one more request now (None) or the seconds to wait; nothing counted."""
    limit, seconds = rate_parse(rate)
    now = time.time()
    period = int(now // seconds)
    with connections[PRIMARY].cursor() as cursor:
        cursor.execute(_READ, [name])
        row = cursor.fetchone()
    hits, previous = 0, 0
    if row is not None and row[0] == period:
        hits, previous = row[1], row[2]
    elif row is not None and row[0] == period - 1:
        previous = row[1]
    return _wait(limit, seconds, now, hits, previous)


def _wait(limit: int, seconds: int, now: float, hits: int, previous: int) -> float | None:
    """None when one request more than `hits` this period (and `previous` the one before) fits the budget now; else
    the seconds until it does."""
    into = (now % seconds) / seconds  # the share of the current period gone
    if previous * (1 - into) + hits + 1 <= limit:
        return None
    if hits + 1 <= limit:  # within this period, once enough of the previous one's weight has slid out
        # (previous > 0 here: with none, hits + 1 <= limit let the request through above)
        return max(1 - (limit - hits - 1) / previous - into, 0) * seconds
    # In the next period, once enough of this one's weight has slid out.
    return (1 - into + (1 - (limit - 1) / hits if hits else 0)) * seconds


def rates_prune() -> int:
    """Remove the counts no budget needs any more (their caller silent for a whole period); how many."""
    deleted, _per_model = RateCount.objects.using(PRIMARY).filter(expires__lt=int(time.time())).delete()
    return deleted
