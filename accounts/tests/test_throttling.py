"""The API's budgets: per user (session and tokens alike), per device, per address when anonymous or sending
unknown credentials; counted in the database (core.rates), shared by every process; 429 answers in ErrorOut."""

import io
import json

import pytest
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


def test_an_address_is_the_connection_s_unless_a_trusted_proxy_names_it(db, client, settings):
    """An X-Forwarded-For header no trusted proxy wrote is the caller's own words: a new one per request buys no new
    budget (and a long one no error)."""
    answers = [client.get("/api/supplies/transparency", HTTP_X_FORWARDED_FOR=f"10.9.{n}.{n}" * (40 if n else 1))
               for n in range(3)]
    assert [a.status_code for a in answers] == [200] * 3
    _throttled(client.get("/api/supplies/transparency", HTTP_X_FORWARDED_FOR="10.9.9.9"))
    settings.PROXY_COUNT = 1  # behind one trusted proxy, the address it appends is the caller's
    assert client.get("/api/supplies/transparency", HTTP_X_FORWARDED_FOR="10.9.9.9").status_code == 200
    settings.PROXY_COUNT = 3  # more proxies counted than there are: the caller's own hop, however long, is no error
    assert client.get("/api/supplies/transparency", HTTP_X_FORWARDED_FOR="9" * 500).status_code == 200


def test_unknown_credentials_stop_being_looked_up_from_that_address(cast, client):
    _token, key = services.token_create(user=cast.grid_a_worker, name="script")
    for guess in ("fk_guess1", "fk_guess2", "fkd_guess3"):
        assert client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {guess}").status_code == 401
    _throttled(client.get("/api/me", HTTP_AUTHORIZATION="Bearer fk_guess4"))
    _throttled(client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {key}"))  # even a right one, from there
    assert client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {key}", REMOTE_ADDR="10.0.0.9").status_code == 200


def test_the_counts_live_in_the_database_shared_by_every_process(cast, client_for):
    from core.models import RateCount

    client_for(cast.grid_a_worker).get("/api/me")
    count = RateCount.objects.get(name=f"throttle:user:{cast.grid_a_worker.pk}")
    assert (count.hits, count.previous) == (1, 0)


def test_counting_a_request_is_one_statement(cast, client_for):
    from django.test.utils import CaptureQueriesContext

    from core.rates import rate_hit

    with CaptureQueriesContext(connection) as queries:
        assert rate_hit("throttle:test", "2/min") is None
    assert len(queries) == 1


def test_the_window_slides_and_a_refused_request_is_not_counted(db, monkeypatch):
    from core import rates
    from core.models import RateCount

    now = [6000.0]  # the start of a minute
    monkeypatch.setattr(rates.time, "time", lambda: now[0])
    assert [rates.rate_hit("w", "4/min") for _ in range(4)] == [None] * 4
    assert rates.rate_hit("w", "4/min") == 75  # this minute is full: a quarter into the next, 4 × ¾ + 1 fit
    assert RateCount.objects.get(name="w").hits == 4  # the refused one is not counted
    now[0] = 6060 + 15  # a quarter into the next minute: 4 × ¾ = 3 of the last minute still weigh
    assert rates.rate_hit("w", "4/min") is None  # 3 + 1
    wait = rates.rate_hit("w", "4/min")  # 3 + 2: once half of the minute is gone, 4 × ½ + 2 = 4
    assert wait == pytest.approx(15)
    assert rates.rate_peek("w", "4/min") == pytest.approx(15)
    now[0] = 6060 + 30
    assert rates.rate_peek("w", "4/min") is None and rates.rate_hit("w", "4/min") is None
    now[0] = 6000 + 3 * 60  # a minute with no request: nothing weighs any more
    assert [rates.rate_hit("w", "4/min") for _ in range(4)] == [None] * 4


def test_counts_no_budget_needs_any_more_are_pruned(db, monkeypatch):
    from django.core.management import call_command

    from core import rates
    from core.models import RateCount

    monkeypatch.setattr(rates.time, "time", lambda: 6000.0)
    rates.rate_hit("old", "4/min")
    monkeypatch.setattr(rates.time, "time", lambda: 6000.0 + 120)
    rates.rate_hit("new", "4/min")
    monkeypatch.setattr(rates.time, "time", lambda: 6000.0 + 121)
    call_command("rates_prune", stdout=io.StringIO())
    assert list(RateCount.objects.values_list("name", flat=True)) == ["new"]
