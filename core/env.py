"""Reading settings from the environment, failing loudly with the variable's name."""

import os
import zoneinfo
from typing import TYPE_CHECKING

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from dj_database_url import DBConfig

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool = False) -> bool:
    """Return the boolean in variable `name`, or `default` when unset."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}: expected one of 1/0, true/false, yes/no, on/off, got {raw!r}")


def env_list(name: str, default: list[str]) -> list[str]:
    """Return the comma-separated list in variable `name`."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    items = [item.strip() for item in raw.split(",") if item.strip()]
    if not items:
        raise ImproperlyConfigured(f"{name}: set but empty; give a comma-separated list")
    return items


def env_int(name: str, default: int, *, minimum: int, maximum: int) -> int:
    """Return the integer in variable `name`, which must lie within [minimum, maximum] (every setting has
    bounds: a value outside them stops start-up naming the variable and the range)."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}: expected an integer from {minimum} to {maximum}, got {raw!r}") from None
    if not minimum <= value <= maximum:
        raise ImproperlyConfigured(f"{name}: expected an integer from {minimum} to {maximum}, got {value}")
    return value


def env_decimal(name: str, default: str, *, minimum: str, maximum: str) -> str:
    """Return the decimal number in variable `name` (as text, exact), within [minimum, maximum]."""
    from decimal import Decimal, InvalidOperation

    raw = os.environ.get(name, default)
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ImproperlyConfigured(f"{name}: expected a number such as {default}, got {raw!r}") from None
    if not value.is_finite() or not Decimal(minimum) <= value <= Decimal(maximum):
        raise ImproperlyConfigured(f"{name}: expected a number from {minimum} to {maximum}, got {raw!r}")
    return raw


def env_secret_key(*, debug: bool) -> str:
    """Return SECRET_KEY; outside debug it must be set and long enough."""
    key = os.environ.get("SECRET_KEY", "")
    if not key:
        if debug:
            return "insecure-debug-only-key-not-for-production-use-0000000000"
        raise ImproperlyConfigured("SECRET_KEY: not set; generate one (50+ random characters) and export it")
    if len(key) < 32:
        raise ImproperlyConfigured("SECRET_KEY: too short; use at least 50 random characters")
    return key


def env_time_zone(default: str) -> str:
    """Return TIME_ZONE, checked against the tz database."""
    name = os.environ.get("TIME_ZONE", default)
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ImproperlyConfigured(f"TIME_ZONE: unknown time zone {name!r} (e.g. Asia/Shanghai)") from None
    return name


def env_database(default_sqlite_path: str) -> "DBConfig":
    """Return the default database from DATABASE_URL (SQLite file when unset)."""
    import dj_database_url

    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        os.makedirs(os.path.dirname(default_sqlite_path), exist_ok=True)
        url = f"sqlite:///{default_sqlite_path}"
    try:
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    except Exception as exc:  # dj_database_url raises several types for a bad URL
        raise ImproperlyConfigured(f"DATABASE_URL: cannot parse {url!r}: {exc}") from None
    engine = config.get("ENGINE", "")
    if engine not in ("django.db.backends.sqlite3", "django.db.backends.postgresql"):
        raise ImproperlyConfigured(f"DATABASE_URL: unsupported database {engine!r}; use sqlite:// or postgres://")
    if engine == "django.db.backends.sqlite3":
        config["CONN_MAX_AGE"] = 0
        # WAL lets readers proceed while one writer commits; IMMEDIATE avoids lock-upgrade deadlocks.
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        }
    if env_bool("DATABASE_POOLED", False):
        if engine != "django.db.backends.postgresql":
            raise ImproperlyConfigured("DATABASE_POOLED: only for a postgres:// DATABASE_URL that names PgBouncer "
                                       "in transaction mode")
        config = database_pooled(config)
    return config


def database_pooled(config: "DBConfig") -> "DBConfig":
    """`config` for a connection through PgBouncer in transaction mode, where each transaction may run on another
    server connection: no server-side cursors (Django's `.iterator()` would declare them WITH HOLD outside a
    transaction, kept by the server connection), no prepared statements (psycopg prepares a query run often,
    on one server connection only). Client connections to the pooler are kept (CONN_MAX_AGE) as before: they
    cost the pooler little and the server nothing."""
    pooled = config.copy()
    pooled["DISABLE_SERVER_SIDE_CURSORS"] = True
    pooled["OPTIONS"] = {**config.get("OPTIONS", {}), "prepare_threshold": None}
    return pooled


def env_database_replicas() -> dict[str, "DBConfig"]:
    """The read replicas of DATABASE_REPLICA_URLS (comma-separated postgres:// URLs; empty or unset: none) as
    DATABASES entries replica1, replica2, … Each connects within 2 s or counts as down (core.replica_health), and
    is a test mirror of the primary, so a test run creates no database on it."""
    import dj_database_url

    raw = os.environ.get("DATABASE_REPLICA_URLS", "")
    replicas = {}
    for number, url in enumerate((item.strip() for item in raw.split(",") if item.strip()), start=1):
        try:
            config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
        except Exception as exc:  # dj_database_url raises several types for a bad URL
            raise ImproperlyConfigured(f"DATABASE_REPLICA_URLS: cannot parse replica {number}: {exc}") from None
        if config.get("ENGINE") != "django.db.backends.postgresql":
            raise ImproperlyConfigured(f"DATABASE_REPLICA_URLS: replica {number} is not a postgres:// URL; "
                                       "replicas are PostgreSQL streaming replicas")
        config["OPTIONS"] = {**config.get("OPTIONS", {}), "connect_timeout": 2}
        if env_bool("DATABASE_POOLED", False):  # the replicas behind the same kind of pooler as the primary
            config = database_pooled(config)
        config["TEST"] = {"MIRROR": "default"}
        replicas[f"replica{number}"] = config
    return replicas
