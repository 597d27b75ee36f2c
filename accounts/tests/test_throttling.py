"""The API's budgets: per user (session and tokens alike), per device, per address when anonymous or sending
unknown credentials; counted in the database's cache, shared by every process; 429 answers in ErrorOut."""

import json

import pytest
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.db import connection

from accounts import services

RATES = {"user": "3/min", "device": "2/min", "anon": "3/min"}


@pytest.fixture(autouse=True)
def _tight(settings):
    settings.API_THROTTLE_RATES = RATES


def _throttled(response):
    assert response.status_code == 429, response.content
    body = response.json()
    assert body["code"] == "throttled" and body["fields"] == {}
    assert "请求过于频繁" in body["message"] and int(response["Retry-After"]) > 0
    return body


def test_a_user_has_one_budget_for_the_session_and_every_token(cast, client_for, client):
    browser = client_for(cast.grid_a_worker)
    _token, key = services.token_create(user=cast.grid_a_worker, name="script")
    assert [browser.get("/api/me").status_code for _ in range(2)] == [200, 200]
    assert client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200
    _throttled(browser.get("/api/me"))
    _throttled(client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {key}"))
    assert client_for(cast.street_officer).get("/api/me").status_code == 200  # another user's budget is untouched


def test_a_device_has_its_own_budget(cast, client_for, client):
    from checkpoints import services as checkpoint_services

    gate = checkpoint_services.checkpoint_create(site=cast.site_a, name="东门", by=cast.community_a_worker)
    _device, key = checkpoint_services.device_register(checkpoint=gate, code="SY-01", by=cast.community_a_worker)

    def batch():
        return client.post("/api/checkpoint-readings", data=json.dumps([]), content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {key}")

    assert [batch().status_code for _ in range(2)] == [200, 200]
    _throttled(batch())
    assert client_for(cast.community_a_worker).post("/api/checkpoint-readings", data="[]",
                                                    content_type="application/json").status_code == 200


def test_anonymous_requests_are_counted_per_address(db, client):
    assert [client.get("/api/supplies/transparency").status_code for _ in range(3)] == [200] * 3
    _throttled(client.get("/api/supplies/transparency"))
    assert client.get("/api/supplies/transparency", REMOTE_ADDR="10.0.0.9").status_code == 200


def test_unknown_credentials_stop_being_looked_up_from_that_address(cast, client):
    _token, key = services.token_create(user=cast.grid_a_worker, name="script")
    for guess in ("fk_guess1", "fk_guess2", "fkd_guess3"):
        assert client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {guess}").status_code == 401
    _throttled(client.get("/api/me", HTTP_AUTHORIZATION="Bearer fk_guess4"))
    _throttled(client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {key}"))  # even a right one, from there
    assert client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {key}", REMOTE_ADDR="10.0.0.9").status_code == 200


def test_the_counts_live_in_the_database_shared_by_every_process(db):
    cache = caches["default"]
    assert isinstance(cache, DatabaseCache)
    assert cache._table in connection.introspection.table_names()
