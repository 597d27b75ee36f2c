"""The shared cache (core.cache.SharedCache): Django's database cache, written in one statement, culled now and then."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import cache as shared_cache
from core.cache import SharedCache

pytestmark = pytest.mark.django_db


def test_an_entry_written_is_read_back_and_written_over():
    cache.set("fk:test:a", {"n": 1, "text": "健康码"}, 60)
    assert cache.get("fk:test:a") == {"n": 1, "text": "健康码"}
    cache.set("fk:test:a", [1, 2, 3], 60)
    assert cache.get("fk:test:a") == [1, 2, 3]
    cache.set("fk:test:forever", "kept", None)
    assert cache.get("fk:test:forever") == "kept"


def test_an_expired_entry_is_not_read():
    cache.set("fk:test:gone", "old", 60)
    cache.set("fk:test:gone", "new", -1)  # already expired
    assert cache.get("fk:test:gone") is None
    assert cache.get("fk:test:gone", "default") == "default"


def test_add_and_touch_keep_django_s_meaning():
    assert cache.add("fk:test:once", 1, 60) is True
    assert cache.add("fk:test:once", 2, 60) is False
    assert cache.get("fk:test:once") == 1
    assert cache.touch("fk:test:once", 120) is True
    cache.delete("fk:test:once")
    assert cache.get("fk:test:once") is None


def test_a_write_is_one_statement_unless_it_is_the_one_that_counts(monkeypatch):
    monkeypatch.setattr(shared_cache.random, "random", lambda: 0.5)
    with CaptureQueriesContext(connection) as queries:
        cache.set("fk:test:one", 1, 60)
        cache.set("fk:test:one", 2, 60)
    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["INSERT", "INSERT"]
    assert cache.get("fk:test:one") == 2


def test_the_table_is_culled_when_a_write_counts_it_over_the_limit(monkeypatch):
    small = SharedCache("fangkong_cache", {"OPTIONS": {"MAX_ENTRIES": 10, "CULL_FREQUENCY": 2}})
    monkeypatch.setattr(shared_cache.random, "random", lambda: 0.5)  # never counted: the table grows past the limit
    for n in range(20):
        small.set(f"fk:test:cull:{n}", n, 60)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM fangkong_cache")
        assert cursor.fetchone()[0] >= 20
    monkeypatch.setattr(shared_cache.random, "random", lambda: 0.0)  # this write counts
    small.set("fk:test:cull:last", "last", 60)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM fangkong_cache")
        assert cursor.fetchone()[0] <= 11
    assert small.get("fk:test:cull:last") == "last"
