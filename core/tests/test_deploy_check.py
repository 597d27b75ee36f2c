"""The production configuration of the README passes `manage.py check --deploy` at warning level and turns
every HTTPS protection on, while `make run` (DEBUG=1 on plain http://127.0.0.1:8000) keeps working."""

import json
import subprocess
import sys

from core.tests.test_settings import PROJECT_ROOT, manage, production_env

SECURITY = ("DEBUG", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "SECURE_SSL_REDIRECT", "SECURE_PROXY_SSL_HEADER",
            "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
            "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "CSRF_COOKIE_SECURE", "SECURE_CONTENT_TYPE_NOSNIFF",
            "SECURE_REFERRER_POLICY", "X_FRAME_OPTIONS")
PRINT_SETTINGS = ("import json, django; django.setup(); from django.conf import settings; "
                  f"print(json.dumps({{name: getattr(settings, name, None) for name in {SECURITY!r}}}))")


def readme_production_env(tmp_path):
    """The README's production recipe: TLS ended by a proxy, the public origin trusted, backups elsewhere."""
    return production_env(tmp_path, BEHIND_TLS_PROXY="1", CSRF_TRUSTED_ORIGINS="https://fangkong.example.org",
                          TIME_ZONE="Asia/Shanghai", BACKUP_DIR=str(tmp_path / "backups"))


def settings_under(env) -> dict:
    result = subprocess.run([sys.executable, "-c", PRINT_SETTINGS], cwd=PROJECT_ROOT, capture_output=True,
                            text=True, timeout=120, env={**env, "DJANGO_SETTINGS_MODULE": "fangkong.settings"})
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


def test_the_readme_production_setup_passes_check_deploy_at_warning_level(tmp_path):
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=readme_production_env(tmp_path))
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues (0 silenced)." in output, output


def test_production_turns_every_https_protection_on(tmp_path):
    s = settings_under(readme_production_env(tmp_path))
    assert s["DEBUG"] is False and s["ALLOWED_HOSTS"] == ["fangkong.example.org"]
    assert s["CSRF_TRUSTED_ORIGINS"] == ["https://fangkong.example.org"]
    assert s["SECURE_SSL_REDIRECT"] and s["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert s["SECURE_HSTS_SECONDS"] >= 31536000 and s["SECURE_HSTS_INCLUDE_SUBDOMAINS"] and s["SECURE_HSTS_PRELOAD"]
    assert s["SESSION_COOKIE_SECURE"] and s["CSRF_COOKIE_SECURE"] and s["SESSION_COOKIE_HTTPONLY"]
    assert s["SECURE_CONTENT_TYPE_NOSNIFF"] and s["X_FRAME_OPTIONS"] == "DENY"
    assert s["SECURE_REFERRER_POLICY"] == "same-origin"


def test_make_run_keeps_plain_http_on_loopback(tmp_path):
    """`make run` sets DEBUG=1 and nothing about HTTPS: no redirect to https://, cookies sent over http."""
    s = settings_under(production_env(tmp_path, DEBUG="1", ALLOWED_HOSTS=None))
    assert s["DEBUG"] is True and "127.0.0.1" in s["ALLOWED_HOSTS"]
    assert not s["SECURE_SSL_REDIRECT"] and s["SECURE_HSTS_SECONDS"] == 0
    assert not s["SESSION_COOKIE_SECURE"] and not s["CSRF_COOKIE_SECURE"]
