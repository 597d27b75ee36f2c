"""A replica that does not answer is skipped without an error: the read goes to the primary, the verdict says
down. Outside a test transaction (which would open one on every database), with the cache in memory."""

import pytest
from django.db import connections

from core.replica_health import DOWN, IN_USE, ReplicaState, replica_record, replica_state, replicas_states
from core.replicas import heavy_reads, read_alias
from core.tests.test_replicas import _add_alias, _drop_alias
from orgunits.models import OrgUnit


@pytest.fixture
def unreachable(settings, django_db_setup, django_db_blocker):
    """replica9, a replica nobody answers for: a closed port (on SQLite, a file that cannot be opened)."""
    settings.CACHES = {**settings.CACHES, "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                                      "LOCATION": "replicas-down"}}
    if connections["default"].vendor == "postgresql":
        _add_alias("replica9", HOST="127.0.0.1", PORT="9", OPTIONS={"connect_timeout": 2})
    else:
        _add_alias("replica9", NAME="/nonexistent-directory/replica.sqlite3", OPTIONS={})
    settings.REPLICA_ALIASES = ["replica9"]
    with django_db_blocker.unblock():
        yield "replica9"
    _drop_alias("replica9")


def test_a_replica_that_is_down_is_skipped_without_an_error(unreachable):
    with heavy_reads():
        assert read_alias() == "default"
        OrgUnit.objects.exists()  # served by the primary, no error
    assert replica_state(unreachable).state == DOWN
    assert [s.state for s in replicas_states()] == [DOWN]


def test_a_replica_found_dead_when_chosen_is_skipped_and_reported_down(unreachable):
    replica_record(ReplicaState(unreachable, IN_USE, 0.0, None))  # the verdict of before it stopped
    with heavy_reads():
        assert read_alias() == "default"
    assert replica_state(unreachable).state == DOWN
