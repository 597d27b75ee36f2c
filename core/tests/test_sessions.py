"""core.sessions: the database's sessions, read by one plain statement, read back as Django's own store reads them,
an expired or unknown session as none, on SQLite and PostgreSQL alike."""

import datetime as dt

import pytest
import time_machine
from django.contrib.sessions.backends import db as django_db
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.sessions import SessionStore

pytestmark = pytest.mark.django_db

STORES = [SessionStore, django_db.SessionStore]


def _stored(**data) -> SessionStore:
    session = SessionStore()
    session.update(data)
    session.save()
    return session


def test_a_session_reads_back_in_one_statement_as_django_s_store_reads_it():
    stored = _stored(_auth_user_id="7", note="三元社区")
    with CaptureQueriesContext(connection) as queries:
        loaded = SessionStore(stored.session_key)
        assert dict(loaded.items()) == {"_auth_user_id": "7", "note": "三元社区"}
    assert len(queries) == 1
    assert dict(django_db.SessionStore(stored.session_key).items()) == dict(loaded.items())
    assert loaded.session_key == stored.session_key


@pytest.mark.parametrize("store", STORES)
def test_an_expired_session_reads_as_none_and_gets_a_new_key_when_written(store):
    stored = _stored(_auth_user_id="7")
    expiry = stored.get_expiry_date()
    with time_machine.travel(expiry - dt.timedelta(seconds=1), tick=False):
        assert store(stored.session_key).get("_auth_user_id") == "7"
    with time_machine.travel(expiry + dt.timedelta(seconds=1), tick=False):
        expired = store(stored.session_key)
        assert dict(expired.items()) == {}
        assert expired.session_key is None
        expired["note"] = "x"
        expired.save()
        assert expired.session_key not in (None, stored.session_key)


@pytest.mark.parametrize("store", STORES)
def test_an_unknown_or_malformed_key_reads_as_none(store):
    for key in ("x" * 32, "short", "", None):
        session = store(key)
        assert dict(session.items()) == {}
        assert session.session_key is None

