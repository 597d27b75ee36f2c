"""Statements read at once (core.reads_at_once): the same rows as one after the other, on other connections only
outside a transaction, and no connection left open by the pool's threads."""

import threading

import pytest
from django.db import connection, transaction
from django.test.utils import override_settings

from core import reads_at_once
from core.reads_at_once import rows_at_once

STATEMENTS = [("default", "SELECT %s", [1]), ("default", "SELECT %s + 1", [2]), ("default", "SELECT %s", ["三"])]


@pytest.fixture
def threads_used(monkeypatch) -> list[str]:
    used = []
    real = reads_at_once._rows

    def rows(alias, sql, params):
        used.append(threading.current_thread().name)
        return real(alias, sql, params)

    monkeypatch.setattr(reads_at_once, "_rows", rows)
    return used


@pytest.fixture
def outside_a_transaction(django_db_setup, django_db_blocker):
    """The test database in autocommit, as a request's heavy reads are (no test transaction around)."""
    with django_db_blocker.unblock():
        yield
        connection.close()


def test_outside_a_transaction_the_statements_run_at_once_on_their_own_connections(outside_a_transaction,
                                                                                    threads_used):
    assert rows_at_once(STATEMENTS) == [[(1,)], [(3,)], [("三",)]]
    here = threading.current_thread().name
    assert threads_used.count(here) == 1  # the first; the others on the pool's threads
    assert len(threads_used) == 3 and all(name.startswith("fangkong-reads") for name in threads_used if name != here)
    if connection.vendor == "postgresql":
        pids = rows_at_once([("default", "SELECT pg_backend_pid()", [])] * 2)
        assert pids[0] != pids[1]
        # the pool's threads closed theirs: only this thread's connection remains
        others = "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        assert rows_at_once([("default", others, [])]) == [[(0,)]]


@pytest.mark.django_db
def test_inside_a_transaction_they_run_on_the_calling_connection_one_after_the_other(threads_used):
    with transaction.atomic():
        assert rows_at_once(STATEMENTS) == [[(1,)], [(3,)], [("三",)]]
    assert set(threads_used) == {threading.current_thread().name}


def test_one_at_a_time_when_the_setting_says_so(outside_a_transaction, threads_used):
    with override_settings(READS_AT_ONCE=1):
        assert rows_at_once(STATEMENTS)[1] == [(3,)]
    assert set(threads_used) == {threading.current_thread().name}
