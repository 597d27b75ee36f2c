"""The JSON API against its own OpenAPI document: requests generated from /api/openapi.json, sent as the
demo city's administrator, get no server error, only documented status codes and bodies of the declared shape.

Bounded for CI: FUZZ_EXAMPLES examples per operation (10 by default), derandomised so a run is repeatable.
Select it alone with `pytest -m fuzz`.
"""

import io
import os

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10"))
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]

pytestmark = pytest.mark.fuzz

CONFIG = SchemathesisConfig.from_dict({
    "seed": 20200521,
    "cache": {"enabled": False},
    "generation": {"mode": "all", "deterministic": True, "database": "none",
                   "with-security-parameters": False, "max-examples": EXAMPLES},
    "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
})
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", WSGIHandler(), config=CONFIG)


@pytest.fixture(scope="module")
def demo_city(django_db_setup, django_db_blocker):
    """The demo city and its users, loaded once for the module and rolled back after it. Requests run inside
    that transaction, so the connection must outlive each of them (as Django's test client arranges)."""
    from accounts import services as account_services
    from accounts.models import User

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        with django_db_blocker.unblock(), transaction.atomic():
            call_command("demo_load", stdout=io.StringIO())
            _token, key = account_services.token_create(user=User.objects.get(username="admin"), name="fuzz")
            yield {"Authorization": f"Bearer {key}"}
            transaction.set_rollback(True)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def admin_headers(demo_city, db):
    return demo_city


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_api_answers_within_its_schema(case, admin_headers):
    case.call_and_validate(headers=admin_headers, checks=CHECKS)

