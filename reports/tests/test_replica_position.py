"""A submission's computation records the WAL position of the data it counted, and a recomputation never counts on
a replica that has not replayed that far (core.replicas): it counts on the primary instead."""

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from core.errors import DomainError
from core.replica_health import IN_USE, ReplicaState, replica_record
from core.replicas import lsn_parse
from core.tests.test_replicas import _aliases  # noqa: F401  (replica1, a mirror of the primary, for this module)
from reports import services
from reports.models import Submission
from reports.tests.conftest import DAY
from reports.tests.test_submit_seen import _person

pytestmark = pytest.mark.django_db(databases=["default", "replica1"])


@pytest.fixture
def draft(cast, forms):
    _person(31, "王芳", cast.grid_a, "home_monitoring")
    return services.submission_compute(form=forms["hubei_wuhan_daily"], unit=cast.street, day=DAY,
                                       by=cast.street_officer)


def _recompute_counting_on_replica(draft, cast, *, replayed: str) -> int:
    """Recompute the draft with replica1 in use at position `replayed`; the queries it ran on replica1."""
    replica_record(ReplicaState("replica1", IN_USE, 0.0, lsn_parse(replayed)))
    with CaptureQueriesContext(connections["replica1"]) as on_replica:
        try:
            services.submission_compute(form=draft.form, unit=draft.unit, day=draft.day, by=cast.street_officer)
        except DomainError:  # PostgreSQL: the mirror, another connection, does not see the test's uncommitted forms
            assert connection.vendor == "postgresql"
    return len(on_replica)


def test_a_computation_records_the_position_of_the_data_it_counted(draft):
    if connection.vendor == "postgresql":
        assert draft.data_lsn > 0  # the primary's current position, read after counting
    else:
        assert draft.data_lsn is None  # SQLite has no WAL position to record


def test_a_recomputation_counts_on_a_replica_that_has_replayed_the_drafts_position(draft, cast, settings):
    settings.REPLICA_ALIASES = ["replica1"]
    Submission.objects.filter(pk=draft.pk).update(data_lsn=lsn_parse("0/5000000"))
    assert _recompute_counting_on_replica(Submission.objects.get(pk=draft.pk), cast, replayed="0/6000000") > 0


def test_a_recomputation_never_counts_on_a_replica_behind_the_drafts_position(draft, cast, settings):
    settings.REPLICA_ALIASES = ["replica1"]
    Submission.objects.filter(pk=draft.pk).update(data_lsn=lsn_parse("0/5000000"))
    assert _recompute_counting_on_replica(Submission.objects.get(pk=draft.pk), cast, replayed="0/4FFFFFF") == 0


def test_a_submission_counts_on_the_primary_whatever_the_replicas(draft, cast, settings):
    settings.REPLICA_ALIASES = ["replica1"]
    replica_record(ReplicaState("replica1", IN_USE, 0.0, lsn_parse("FF/0")))
    with CaptureQueriesContext(connections["replica1"]) as on_replica:
        services.submission_submit(submission=draft, explanation="已核实", by=cast.street_officer)
    assert len(on_replica) == 0
