"""Fangkong settings: one module, every deployment knob read from the environment (see README)."""

import os
from pathlib import Path

from core.env import (
    env_bool,
    env_database,
    env_database_replicas,
    env_decimal,
    env_int,
    env_list,
    env_secret_key,
    env_time_zone,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_secret_key(debug=DEBUG)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "accounts",  # before django.contrib.auth: its changepassword command also revokes the API tokens
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "axes",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "core",
    "orgunits",
    "persons",
    "tracing",
    "intake",  # public intake: above persons and tracing (a self-report's fever runs tracing's follow-up)
    "checkpoints",
    "supplies",
    "volunteers",
    "reports",
    "legal",
    "dashboard",
    "offline",  # the grid worker's offline web app: above persons and tracing, whose services its sync calls
    "fangkong",  # the project itself: the demo city put together from every app's demo (manage.py demo_load)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.replicas.ReplicaMiddleware",  # after the session and the user: read-your-writes per user
    "accounts.middleware.LanguageMiddleware",
    "intake.middleware.PublicBodyLimitMiddleware",  # the public pages' small bodies, before the general limit
    "core.middleware.RequestSizeMiddleware",  # after the language (its page), before anything reads a body
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "fangkong.urls"
WSGI_APPLICATION = "fangkong.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "accounts.context_processors.navigation",
                "core.notifications.context_processors.badge",
            ],
        },
    },
]

DATABASES = {"default": env_database(str(VAR_DIR / "fangkong.sqlite3"))}
# Read replicas (PostgreSQL streaming replicas, core.replicas): DATABASE_REPLICA_URLS names them; heavy reads
# marked in the code go to one that is at most REPLICA_MAX_LAG seconds behind, never the reads of a user who
# wrote less than READ_YOUR_WRITES_SECONDS ago. None configured: everything reads the primary, as on one machine.
_REPLICAS = env_database_replicas()
DATABASES.update(_REPLICAS)
REPLICA_ALIASES = list(_REPLICAS)
DATABASE_ROUTERS = ["core.replicas.ReplicaRouter"]
REPLICA_MAX_LAG = env_int("REPLICA_MAX_LAG", 30, minimum=1, maximum=3600)
READ_YOUR_WRITES_SECONDS = env_int("READ_YOUR_WRITES_SECONDS", 10, minimum=0, maximum=3600)
# A page's independent heavy counts run at once on this many connections (core.reads_at_once); 1: one by one.
READS_AT_ONCE = env_int("READS_AT_ONCE", 2, minimum=1, maximum=8)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.UserBackend",  # Django's ModelBackend, the user read by a plain statement
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Lockout after repeated failures (django-axes): per username and address, released after the cool-off.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1, maximum=100)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 30, minimum=1, maximum=7 * 24 * 60) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Trusted reverse proxies in front of the application: with PROXY_COUNT > 0 a client's address is the one the
# nearest of them names in X-Forwarded-For (the sign-in lockout and the public pages' rate limits count by it).
PROXY_COUNT = env_int("PROXY_COUNT", 0, minimum=0, maximum=10)
AXES_IPWARE_PROXY_COUNT = PROXY_COUNT or None

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = env_time_zone("Asia/Shanghai")
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or VAR_DIR / "static")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = VAR_DIR / "media"
# Where `manage.py db_backup` writes when no --output is given.
BACKUP_DIR = Path(os.environ.get("BACKUP_DIR") or VAR_DIR / "backups")

# Transport: HTTPS only (secure cookies, HSTS, redirect) unless in debug. `make run` serves the demo
# over plain HTTP with DEBUG=1; the test suite sets HTTPS_ONLY=0 (fangkong/testing.py).
HTTPS_ONLY = env_bool("HTTPS_ONLY", not DEBUG)
SESSION_ENGINE = "core.sessions"  # the database's sessions, read by one plain statement
SESSION_COOKIE_SECURE = HTTPS_ONLY
CSRF_COOKIE_SECURE = HTTPS_ONLY
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 12 * 3600, minimum=300, maximum=30 * 24 * 3600)
SECURE_SSL_REDIRECT = HTTPS_ONLY
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0, maximum=2 * 31536000) if HTTPS_ONLY else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS_ONLY
SECURE_HSTS_PRELOAD = HTTPS_ONLY
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): scripts, styles and everything else from this origin only, no inline
# script or style (the templates keep none), no plugins, no framing, forms posted only here.
CONTENT_SECURITY_POLICY = {"DIRECTIVES": {
    "default-src": ["'self'"], "script-src": ["'self'"], "style-src": ["'self'"], "object-src": ["'none'"],
    "frame-ancestors": ["'none'"], "base-uri": ["'self'"], "form-action": ["'self'"],
}}
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

NINJA_PAGINATION_PER_PAGE = 50

# The cache lives in the database, so every process and server shares it (the API's throttling counts); its
# table is created by core's migrations. "process" is each process's own memory, for what is the same in every
# process by construction: a rendered form's fields under the digest of everything they show
# (core.templatetags.form_cache).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "fangkong_cache",
                "OPTIONS": {"MAX_ENTRIES": 100_000}},
    "process": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "fangkong-process",
                "OPTIONS": {"MAX_ENTRIES": 5_000}},
}


def _throttle_rate(name: str, default: str) -> str | None:
    """A rate "<requests>/<period>" (s, min, hour or day; e.g. 600/min) from the environment; "off": none."""
    import re

    from django.core.exceptions import ImproperlyConfigured

    value = os.environ.get(name, default).strip().lower()
    if value == "off":
        return None
    if not re.fullmatch(r"[1-9]\d*/(s|sec|m|min|h|hour|d|day)", value):
        raise ImproperlyConfigured(f"{name}: {value!r} is not a rate like 600/min (or off)")
    return value


# The API's budgets (accounts.throttling): per signed-in user, whichever session or token they use; per
# checkpoint device (a batch of up to 5,000 readings a request); per address for anonymous requests and for
# credentials nobody holds. Beyond its budget a caller is answered 429 with Retry-After.
API_THROTTLE_RATES = {
    "user": _throttle_rate("API_THROTTLE_USER", "600/min"),
    "device": _throttle_rate("API_THROTTLE_DEVICE", "1200/min"),
    "anon": _throttle_rate("API_THROTTLE_ANON", "30/min"),
}

# Background work (large imports, report runs) is queued in the database and run by
# `manage.py db_worker`; TASKS_RUN_INLINE=1 runs it at once inside the request (the test suite).
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"
                     if env_bool("TASKS_RUN_INLINE", False) else "django_tasks_db.DatabaseBackend"}}

# A temperature at or above this (°C) is a fever: health checks are flagged, gate readings alert.
FEVER_THRESHOLD = env_decimal("FEVER_THRESHOLD", "37.3", minimum="36.0", maximum="42.0")

# Notifications (core.notifications) leave through each channel listed here (dotted paths of
# core.notifications.channels.Channel subclasses); SMS or messaging adapters are added the same way.
# TRACING_NOTIFICATION_CHANNELS, the variable's name before the outbox served every app, is read when
# NOTIFICATION_CHANNELS is not set (its tracing.channels.* paths still name the same channels).
NOTIFICATION_CHANNELS = env_list("NOTIFICATION_CHANNELS", env_list(
    "TRACING_NOTIFICATION_CHANNELS",
    ["core.notifications.channels.PageChannel", "core.notifications.channels.EmailChannel"]))
# Contact tracing.
# Daily follow-up tasks are due at this local hour of their day.
TRACING_DAILY_DUE_HOUR = env_int("TRACING_DAILY_DUE_HOUR", 17, minimum=0, maximum=23)
# A day of follow-up without a result seen extends the window by this many days; this many missed days
# in a row escalate (an urgent task to locate the contact).
TRACING_MISSED_EXTEND_DAYS = env_int("TRACING_MISSED_EXTEND_DAYS", 1, minimum=0, maximum=30)
TRACING_MISSED_ESCALATE_AFTER = env_int("TRACING_MISSED_ESCALATE_AFTER", 2, minimum=1, maximum=30)
# Where e-mailed notifications link to (the address users open), e.g. https://fangkong.example.gov.cn
SITE_URL = os.environ.get("SITE_URL", "").rstrip("/")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "fangkong@localhost")

# Supplies: the public list of donations is due this many days after the last one; purchases of this many
# yuan or more need approval above the usual (the split-purchase audit check looks just under it).
SUPPLIES_PUBLISH_EVERY_DAYS = env_int("SUPPLIES_PUBLISH_EVERY_DAYS", 7, minimum=1, maximum=366)
SUPPLIES_APPROVAL_LIMIT = env_decimal("SUPPLIES_APPROVAL_LIMIT", "50000", minimum="1", maximum="1000000000")

# Front-line teams: a sign-up or assignment that would give a person more hours of duty than this in one
# (local) day is refused.
VOLUNTEERS_MAX_HOURS_PER_DAY = env_int("VOLUNTEERS_MAX_HOURS_PER_DAY", 12, minimum=1, maximum=24)

# What users send is bounded (DESIGN invariant 10). A request body with files may carry UPLOAD_MAX_MB, any
# other body (forms, JSON) 5 MB: larger ones are answered 413 before they are read. A file read as a table
# (imports, a report's manual cells) may hold TABULAR_MAX_ROWS rows (an Excel sheet's 1,048,576 by default),
# TABULAR_MAX_COLUMNS columns and TABULAR_MAX_CELL_CHARS characters in a cell; a workbook (a zip) at most
# TABULAR_XLSX_MAX_MEMBERS files, each unpacking to TABULAR_XLSX_MAX_MEMBER_MB, together to
# TABULAR_XLSX_MAX_EXPANDED_MB, none to more than TABULAR_XLSX_MAX_RATIO times its packed size.
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_MB", 20, minimum=1, maximum=2048) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2621440  # uploads beyond 2.5 MB are spooled to a temporary file, not held in memory
TABULAR_MAX_ROWS = env_int("TABULAR_MAX_ROWS", 1_048_576, minimum=100, maximum=10_000_000)
TABULAR_MAX_COLUMNS = env_int("TABULAR_MAX_COLUMNS", 200, minimum=10, maximum=16_384)
TABULAR_MAX_CELL_CHARS = env_int("TABULAR_MAX_CELL_CHARS", 2000, minimum=100, maximum=32_767)
TABULAR_XLSX_MAX_MEMBERS = env_int("TABULAR_XLSX_MAX_MEMBERS", 1000, minimum=10, maximum=100_000)
TABULAR_XLSX_MAX_MEMBER_MB = env_int("TABULAR_XLSX_MAX_MEMBER_MB", 512, minimum=1, maximum=4096)
TABULAR_XLSX_MAX_EXPANDED_MB = env_int("TABULAR_XLSX_MAX_EXPANDED_MB", 1024, minimum=1, maximum=8192)
TABULAR_XLSX_MAX_RATIO = env_int("TABULAR_XLSX_MAX_RATIO", 100, minimum=10, maximum=10_000)

# Public intake (residents' declarations by a poster's QR code, daily self-reports by a personal link): at most
# INTAKE_RATE_ADDRESS declarations or self-reports from one address, INTAKE_RATE_POSTER declarations through one
# poster, INTAKE_RATE_VIEWS public pages opened (and receipts looked up) from one address ("<n>/<period>" or off);
# a form sent back sooner than INTAKE_MIN_FILL_SECONDS after it was opened is refused, as is a public body larger
# than INTAKE_MAX_BODY_KB.
INTAKE_RATE_ADDRESS = _throttle_rate("INTAKE_RATE_ADDRESS", "20/hour")
INTAKE_RATE_POSTER = _throttle_rate("INTAKE_RATE_POSTER", "600/hour")
INTAKE_RATE_VIEWS = _throttle_rate("INTAKE_RATE_VIEWS", "120/min")
INTAKE_MIN_FILL_SECONDS = env_int("INTAKE_MIN_FILL_SECONDS", 3, minimum=0, maximum=600)
INTAKE_MAX_BODY_KB = env_int("INTAKE_MAX_BODY_KB", 16, minimum=2, maximum=1024)

# Retention: the personal data of people released from management is anonymised this many days after their
# management ended (manage.py persons_retention, run daily; --dry-run reports first).
PERSONS_RETENTION_DAYS = env_int("PERSONS_RETENTION_DAYS", 180, minimum=1, maximum=36500)

# The event tables (fangkong/event_tables.py): PostgreSQL partitions them by month, PARTITIONS_AHEAD_MONTHS
# created ahead by manage.py partitions_maintain (daily), which also keeps this many whole months before the
# current one and drops the older (0 keeps everything): checkpoint readings, passages and their fever alerts'
# links; health checks; notifications; the audit log (which the law asks to keep six months at least).
PARTITIONS_AHEAD_MONTHS = env_int("PARTITIONS_AHEAD_MONTHS", 3, minimum=1, maximum=24)
CHECKPOINT_RETENTION_MONTHS = env_int("CHECKPOINT_RETENTION_MONTHS", 12, minimum=0, maximum=1200)
HEALTH_CHECKS_RETENTION_MONTHS = env_int("HEALTH_CHECKS_RETENTION_MONTHS", 0, minimum=0, maximum=1200)
NOTIFICATIONS_RETENTION_MONTHS = env_int("NOTIFICATIONS_RETENTION_MONTHS", 12, minimum=0, maximum=1200)
AUDIT_RETENTION_MONTHS = env_int("AUDIT_RETENTION_MONTHS", 0, minimum=0, maximum=1200)
if 0 < AUDIT_RETENTION_MONTHS < 6:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"AUDIT_RETENTION_MONTHS: 0 (keep everything) or at least 6, got {AUDIT_RETENTION_MONTHS}")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
