"""Postings from the same stock at the same moment run one after the other: of eight threads giving out 30
of 100 masks, three succeed and the warehouse keeps 10 — on SQLite (IMMEDIATE transactions) and on
PostgreSQL (the StockLock rows locked FOR UPDATE). Runs in a process of its own against a fresh database,
because the test database's transactions would hide each thread's postings from the others.

Two people working on the same need: a change, a decision or a closing made on a version that has moved on
is refused, on the page and through the API, with a conflict naming who changed what; nothing is overwritten."""

import json
import os
import re
import subprocess
import sys
import uuid
from decimal import Decimal
from pathlib import Path

import dj_database_url
import pytest
from django.utils import translation

from core.errors import DomainError
from core.models import AuditEntry
from supplies import services
from supplies.models import Request

HERE = Path(__file__).resolve().parent


def _postgres_database(url: str):
    """A throwaway database on the same server; returns (url, drop)."""
    import psycopg

    config = dj_database_url.parse(url)
    name = f"{config['NAME']}_supplies_{uuid.uuid4().hex[:8]}"
    params = {"host": config["HOST"] or None, "port": config["PORT"] or None, "user": config["USER"] or None,
              "password": config["PASSWORD"] or None, "dbname": "postgres", "autocommit": True}
    with psycopg.connect(**{k: v for k, v in params.items() if v is not None}) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with psycopg.connect(**{k: v for k, v in params.items() if v is not None}) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return url.rsplit("/", 1)[0] + "/" + name, drop


def test_concurrent_postings_never_overdraw_the_stock(tmp_path):
    url = os.environ.get("DATABASE_URL", "")
    drop = None
    if url.startswith(("postgres://", "postgresql://")):
        url, drop = _postgres_database(url)
    else:
        url = f"sqlite:///{tmp_path / 'concurrency.sqlite3'}"
    try:
        env = {**os.environ, "DATABASE_URL": url}
        done = subprocess.run([sys.executable, str(HERE / "concurrency_run.py")], env=env, capture_output=True,
                              text=True, timeout=300)
    finally:
        if drop is not None:
            drop()
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["failed"] == []
    assert result["posted"] == 3 and result["refused"] == ["insufficient_stock"] * 5
    assert Decimal(result["held"]) == 10


# -- needs: optimistic concurrency -----------------------------------------------------------------------------

def _zh(text) -> str:
    with translation.override("zh-hans"):
        return str(text)


def _version_in(page: str, action: str) -> int:
    """The version a form of the request page carries (the form posting to `action`)."""
    form = re.search(rf'action="{re.escape(action)}".*?</form>', page, re.S)[0]
    return int(re.search(r'name="version" value="(\d+)"', form)[1])


@pytest.fixture
def need(cast, depot):
    return services.request_submit(location=depot.store_a, item=depot.n95, quantity="500", reason="隔离点用",
                                   by=cast.community_a_worker)


def test_a_second_approval_on_the_page_is_refused_naming_the_first(cast, need, client_for):
    street, command = client_for(cast.street_officer), client_for(cast.command_a)
    page, decide = f"/supplies/requests/{need.pk}/", f"/supplies/requests/{need.pk}/decide/"
    seen = [_version_in(c.get(page).content.decode(), decide) for c in (street, command)]
    assert seen == [need.version] * 2

    street.post(decide, {"approve": "yes", "quantity": "300", "version": seen[0]})
    second = command.post(decide, {"approve": "no", "note": "库存不足", "version": seen[1]}, follow=True)
    text = second.content.decode()
    assert "贺英" in text and "— → 300" in text  # who, and the approved quantity they set
    assert _zh(Request.State.SUBMITTED.label) + " → " + _zh(Request.State.APPROVED.label) in text

    need.refresh_from_db()
    assert (need.state, need.approved_quantity, need.decided_by, need.decision_note) == (
        "approved", Decimal("300"), cast.street_officer, "")
    assert AuditEntry.objects.filter(object_type="supplies.request", object_id=str(need.pk),
                                     action="update").count() == 1


def test_an_approval_of_a_request_changed_since_it_was_read_is_a_409_naming_the_change(cast, need, client_for):
    community, street = client_for(cast.community_a_worker), client_for(cast.street_officer)
    url = f"/api/supplies/requests/{need.pk}"
    seen = street.get(url).json()["version"]

    changed = community.patch(url, json.dumps({"version": community.get(url).json()["version"], "quantity": "800",
                                               "urgency": 4}), content_type="application/json")
    assert changed.status_code == 200 and changed.json()["version"] == seen + 1
    refused = street.post(f"{url}/decision", json.dumps({"approve": True, "version": seen}),
                          content_type="application/json")
    assert refused.status_code == 409
    body = refused.json()
    assert body["code"] == "conflict" and "三元干部" in body["message"] and "2020-03-01 10:00" in body["message"]
    assert "500 → 800" in body["message"]
    assert f"{_zh(Request.Urgency.NORMAL.label)} → {_zh(Request.Urgency.CRITICAL.label)}" in body["message"]
    need.refresh_from_db()
    assert (need.state, need.quantity, need.approved_quantity) == ("submitted", Decimal("800"), None)

    # read again, the decision goes through and approves what is asked for now
    approved = street.post(f"{url}/decision", json.dumps({"approve": True, "version": seen + 1}),
                           content_type="application/json")
    assert approved.status_code == 200 and Decimal(approved.json()["approved_quantity"]) == 800


def test_the_second_edit_on_the_page_is_refused_and_the_first_stays(cast, need, client_for):
    community, street = client_for(cast.community_a_worker), client_for(cast.street_officer)
    page, edit = f"/supplies/requests/{need.pk}/", f"/supplies/requests/{need.pk}/edit/"
    seen = [_version_in(c.get(page).content.decode(), edit) for c in (community, street)]
    form = {"spec": "", "quantity": "500", "urgency": "2", "needed_by": "", "reason": "隔离点用"}

    community.post(edit, {**form, "quantity": "600", "version": seen[0]})
    second = street.post(edit, {**form, "reason": "发热门诊用", "version": seen[1]}, follow=True)
    assert "三元干部" in second.content.decode() and "500 → 600" in second.content.decode()

    need.refresh_from_db()
    assert (need.quantity, need.reason, need.version) == (Decimal("600"), "隔离点用", seen[0] + 1)


def test_a_stale_close_is_refused(cast, need):
    need = services.request_decide(request=need, approve=True, by=cast.street_officer)
    with pytest.raises(DomainError) as refused:
        services.request_close(request=need, version=need.version - 1, by=cast.command_a)
    assert refused.value.code == "conflict" and refused.value.status == 409
    assert Request.objects.get(pk=need.pk).state == "approved"
    assert services.request_close(request=need, version=need.version, by=cast.command_a).state == "closed"


def test_who_changed_a_request_does_not_decide_it(cast, need):
    changed = services.request_update(request=need, data={"quantity": "450"}, version=need.version,
                                      by=cast.street_officer)
    with pytest.raises(DomainError) as refused:
        services.request_decide(request=changed, approve=True, version=changed.version, by=cast.street_officer)
    assert refused.value.code == "own_request"
    assert services.request_decide(request=changed, approve=True, version=changed.version,
                                   by=cast.command_a).approved_quantity == Decimal("450")


def test_an_edit_is_refused_once_the_request_is_decided(cast, need):
    services.request_decide(request=need, approve=False, note="库存不足", by=cast.street_officer)
    with pytest.raises(DomainError) as refused:
        services.request_update(request=need, data={"quantity": "10"}, version=None, by=cast.community_a_worker)
    assert refused.value.code == "request_state"
