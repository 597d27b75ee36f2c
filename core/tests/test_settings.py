"""Settings read from the environment: a production configuration passes `check --deploy`, a bad value
stops start-up with a message naming the variable."""

import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]

# The variables these tests control; what the surrounding shell or fangkong/testing.py set is dropped
# (DJANGO_ALLOW_ASYNC_UNSAFE is the test suite's, and check --deploy rightly refuses it in production).
CONTROLLED = ("HTTPS_ONLY", "DEBUG", "SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS", "TIME_ZONE",
              "CSRF_TRUSTED_ORIGINS", "BEHIND_TLS_PROXY", "SECURE_HSTS_SECONDS", "DJANGO_ALLOW_ASYNC_UNSAFE")


def random_secret_key(length: int = 60) -> str:
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    return "".join(secrets.choice(alphabet) for _ in range(length))


def production_env(tmp_path: Path, **overrides: str | None) -> dict[str, str]:
    """A production-like environment: no DEBUG, a strong key, one host, SQLite in `tmp_path`."""
    env = {k: v for k, v in os.environ.items() if k not in CONTROLLED}
    env.update({
        "SECRET_KEY": random_secret_key(),
        "ALLOWED_HOSTS": "fangkong.example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'fangkong.sqlite3'}",
    })
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_production_settings_pass_check_deploy(tmp_path):
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env(tmp_path))
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output, output
    assert "WARNING" not in output, output


def test_production_settings_without_database_url_pass_check_deploy(tmp_path):
    """DATABASE_URL unset falls back to the SQLite file under var/; the deploy check stays clean."""
    result = manage("check", "--deploy", "--fail-level", "WARNING",
                    env=production_env(tmp_path, DATABASE_URL=None))
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNING" not in output, output


def test_plain_http_in_production_is_reported_by_check_deploy(tmp_path):
    """The deploy check has teeth: turning HTTPS off outside debug is flagged."""
    result = manage("check", "--deploy", "--fail-level", "WARNING",
                    env=production_env(tmp_path, HTTPS_ONLY="0"))
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "security.W008" in output, output  # SECURE_SSL_REDIRECT
    assert "security.W012" in output, output  # SESSION_COOKIE_SECURE


@pytest.mark.parametrize(("name", "value"), [
    ("DEBUG", "maybe"),
    ("HTTPS_ONLY", "sometimes"),
    ("TIME_ZONE", "Mars/Base"),
    ("DATABASE_URL", "mysql://x"),
    ("DATABASE_URL", "not a url"),
    ("SECRET_KEY", None),
    ("SECRET_KEY", "short"),
    ("ALLOWED_HOSTS", " , "),
    ("SESSION_COOKIE_AGE", "twelve hours"),
    ("VOLUNTEERS_MAX_HOURS_PER_DAY", "25"),
])
def test_bad_setting_stops_startup_naming_the_variable(tmp_path, name, value):
    result = manage("check", env=production_env(tmp_path, **{name: value}))
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert f"ImproperlyConfigured: {name}:" in output, output


def test_secret_key_may_be_omitted_in_debug(tmp_path):
    result = manage("check", env=production_env(tmp_path, DEBUG="1", SECRET_KEY=None))
    output = result.stdout + result.stderr
    assert result.returncode == 0, output


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("TRACING_DAILY_DUE_HOUR", "24", "TRACING_DAILY_DUE_HOUR: expected an integer from 0 to 23, got 24"),
    ("AXES_FAILURE_LIMIT", "0", "AXES_FAILURE_LIMIT: expected an integer from 1 to 100, got 0"),
    ("AXES_COOLOFF_MINUTES", "-5", "AXES_COOLOFF_MINUTES: expected an integer from 1 to 10080, got -5"),
    ("SESSION_COOKIE_AGE", "0", "SESSION_COOKIE_AGE: expected an integer from 300 to 2592000, got 0"),
    ("TRACING_MISSED_EXTEND_DAYS", "-1", "TRACING_MISSED_EXTEND_DAYS: expected an integer from 0 to 30, got -1"),
    ("TRACING_MISSED_ESCALATE_AFTER", "0", "TRACING_MISSED_ESCALATE_AFTER: expected an integer from 1 to 30, got 0"),
    ("EMAIL_PORT", "70000", "EMAIL_PORT: expected an integer from 1 to 65535, got 70000"),
    ("SUPPLIES_PUBLISH_EVERY_DAYS", "0", "SUPPLIES_PUBLISH_EVERY_DAYS: expected an integer from 1 to 366, got 0"),
    ("FEVER_THRESHOLD", "3.73", "FEVER_THRESHOLD: expected a number from 36.0 to 42.0, got '3.73'"),
    ("SUPPLIES_APPROVAL_LIMIT", "-1", "SUPPLIES_APPROVAL_LIMIT: expected a number from 1 to 1000000000, got '-1'"),
    ("SECURE_HSTS_SECONDS", "-1", "SECURE_HSTS_SECONDS: expected an integer from 0 to 63072000, got -1"),
])
def test_a_setting_out_of_its_range_stops_startup_naming_the_variable_and_the_range(monkeypatch, name, value,
                                                                                     expected):
    import runpy

    from django.core.exceptions import ImproperlyConfigured

    monkeypatch.setenv(name, value)
    monkeypatch.setenv("HTTPS_ONLY", "1")  # SECURE_HSTS_SECONDS is read only then
    with pytest.raises(ImproperlyConfigured) as refused:
        runpy.run_path(str(PROJECT_ROOT / "fangkong" / "settings.py"))
    assert str(refused.value) == expected


def test_settings_at_the_ends_of_their_ranges_are_taken(monkeypatch):
    import runpy

    for name, value in {"TRACING_DAILY_DUE_HOUR": "23", "AXES_FAILURE_LIMIT": "1", "FEVER_THRESHOLD": "42.0"}.items():
        monkeypatch.setenv(name, value)
    taken = runpy.run_path(str(PROJECT_ROOT / "fangkong" / "settings.py"))
    assert (taken["TRACING_DAILY_DUE_HOUR"], taken["AXES_FAILURE_LIMIT"], taken["FEVER_THRESHOLD"]) == (23, 1, "42.0")
