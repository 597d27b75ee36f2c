"""The event tables: partitioned by month on PostgreSQL, months created ahead, retention dropping whole months
(deleting the same rows on SQLite), and the rows elsewhere that point at them treated by their rule."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from checkpoints import services as checkpoint_services
from checkpoints.models import Alert, Passage, Reading
from core import db
from core.models import AuditEntry, Delivery, Notification
from core.partitions import (
    default_name,
    is_partitioned,
    month_add,
    month_start,
    months_partitioned,
    partition_name,
)
from fangkong.event_tables import EVENT_TABLES
from persons.models import HealthCheck, Person, PersonDisclosure
from persons.tests.conftest import resident_id

postgresql_only = pytest.mark.skipif("os.environ.get('DATABASE_URL', '').split(':')[0] not in "
                                     "('postgres', 'postgresql')", reason="partitions are PostgreSQL's")

TODAY = timezone.localdate()
THIS_MONTH = month_start(TODAY)
LONG_AGO = timezone.make_aware(dt.datetime(2020, 2, 12, 9))  # the seed's February: past any retention
RECENT = timezone.make_aware(dt.datetime.combine(THIS_MONTH, dt.time(9)))


def maintain(**options) -> str:
    out = io.StringIO()
    call_command("partitions_maintain", stdout=out, today=TODAY, **options)
    return out.getvalue()


def rows(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")
        return cursor.fetchone()[0]


@pytest.fixture
def gate(cast):
    return checkpoint_services.checkpoint_create(site=cast.site_a, name="东门", by=cast.community_a_worker)


@pytest.fixture
def person(cast):
    return Person.objects.create(name="刘艳", doc_number=resident_id(seq=901), grid=cast.grid_a,
                                 unit_path=cast.grid_a.path)


def reading(gate, at, temperature="36.5", **fields) -> Reading:
    return Reading.objects.create(checkpoint=gate, site_id=gate.site_id, unit_path=gate.site.unit_path, taken_at=at,
                                  temperature=temperature, **fields)


@postgresql_only
@pytest.mark.django_db
def test_each_event_table_is_partitioned_by_month_with_the_months_ahead_and_a_default():
    for event in EVENT_TABLES:
        assert is_partitioned(event.table), event.table
        months = months_partitioned(event.table)
        assert {month_add(THIS_MONTH, n) for n in range(0, 4)} <= set(months), event.table
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = %s",
                           [f"{event.table}_pkey"])
            assert cursor.fetchone()[0] == f"PRIMARY KEY (id, {event.column})"
        assert rows(default_name(event.table)) == 0


@postgresql_only
def test_months_are_created_ahead_once_and_a_second_run_creates_none(db, settings):
    settings.PARTITIONS_AHEAD_MONTHS = 6
    first = maintain()
    for event in EVENT_TABLES:
        assert partition_name(event.table, month_add(THIS_MONTH, 6)) in first
        assert month_add(THIS_MONTH, 6) in months_partitioned(event.table)
    assert "create 0 partition(s)" in maintain() and "create 1" not in maintain()


@postgresql_only
def test_rows_of_a_month_without_a_partition_wait_in_the_default_and_move_into_their_own_month(cast, person, settings):
    settings.HEALTH_CHECKS_RETENTION_MONTHS = 0
    backdated = HealthCheck.objects.create(person=person, checked_at=LONG_AGO, check_date=LONG_AGO.date(),
                                           temperature="36.6", unit_path=person.unit_path)
    assert rows("persons_healthcheck_default") == 1
    out = maintain()
    assert "persons_healthcheck: did create 1 partition(s) persons_healthcheck_p202002, move 1 row(s)" in out
    assert rows("persons_healthcheck_default") == 0 and rows("persons_healthcheck_p202002") == 1
    assert str(HealthCheck.objects.get(pk=backdated.pk).temperature) == "36.6"
    # the month has a partition now: another check of it goes there directly
    HealthCheck.objects.create(person=person, checked_at=LONG_AGO, check_date=LONG_AGO.date(), unit_path=person.unit_path)
    assert rows("persons_healthcheck_p202002") == 2


def test_retention_removes_old_notifications_with_their_deliveries_and_keeps_the_recent(cast, settings):
    settings.NOTIFICATIONS_RETENTION_MONTHS = 12
    old = Notification.objects.create(recipient=cast.street_officer, kind="task_assigned", title="旧", created_at=LONG_AGO)
    new = Notification.objects.create(recipient=cast.street_officer, kind="task_assigned", title="新", created_at=RECENT)
    for notification in (old, new):
        Delivery.objects.create(notification=notification, channel="web")
    out = maintain()
    assert list(Notification.objects.values_list("title", flat=True)) == ["新"]
    assert list(Delivery.objects.values_list("notification_id", flat=True)) == [new.pk]
    assert "core_notification: did create" in out and "delete 1 row(s)" in out
    if db.is_postgresql():
        maintain()
        # the old month had its own partition: dropped whole, not emptied row by row
        assert month_start(LONG_AGO.date()) not in months_partitioned("core_notification")


@postgresql_only
def test_retention_drops_a_whole_month_partition(cast, settings):
    settings.NOTIFICATIONS_RETENTION_MONTHS = 0
    Notification.objects.create(recipient=cast.street_officer, kind="task_assigned", title="旧", created_at=LONG_AGO)
    maintain()  # keeping everything, the old month gets its partition
    assert month_start(LONG_AGO.date()) in months_partitioned("core_notification")
    settings.NOTIFICATIONS_RETENTION_MONTHS = 12
    out = maintain()
    assert "drop 1 month(s) core_notification_p202002, delete 1 row(s)" in out
    assert month_start(LONG_AGO.date()) not in months_partitioned("core_notification")
    assert not Notification.objects.exists()


def test_readings_past_retention_go_while_an_alert_keeps_its_readings_and_a_passage_loses_its_link(
        cast, gate, person, settings):
    settings.CHECKPOINT_RETENTION_MONTHS = 12
    settings.HEALTH_CHECKS_RETENTION_MONTHS = 0
    plain = reading(gate, LONG_AGO)
    fever = reading(gate, LONG_AGO, "38.4", fever=True, person=person)
    recheck = reading(gate, LONG_AGO + dt.timedelta(minutes=10), "38.6", fever=True, person=person, is_recheck=True)
    alert = Alert.objects.create(reading=fever, recheck=recheck, checkpoint=gate, site_id=gate.site_id,
                                 unit_path=gate.site.unit_path, person=person, temperature="38.4", threshold="37.3",
                                 raised_at=LONG_AGO, recheck_due_at=LONG_AGO + dt.timedelta(minutes=15),
                                 state=Alert.State.ESCALATED)
    old_passage = Passage.objects.create(checkpoint=gate, site_id=gate.site_id, unit_path=gate.site.unit_path,
                                         at=LONG_AGO, person=person, reading=plain)
    today = reading(gate, RECENT)
    new_passage = Passage.objects.create(checkpoint=gate, site_id=gate.site_id, unit_path=gate.site.unit_path,
                                         at=RECENT, person=person, reading=today)
    if db.is_postgresql():
        maintain_with_partition = settings.CHECKPOINT_RETENTION_MONTHS
        settings.CHECKPOINT_RETENTION_MONTHS = 0
        maintain()  # the old month in a partition of its own first, as it would be in production
        settings.CHECKPOINT_RETENTION_MONTHS = maintain_with_partition
    out = maintain()
    assert set(Reading.objects.values_list("pk", flat=True)) == {fever.pk, recheck.pk, today.pk}
    alert.refresh_from_db()
    assert (str(alert.reading.temperature), str(alert.recheck.temperature)) == ("38.4", "38.6")
    assert list(Passage.objects.values_list("pk", flat=True)) == [new_passage.pk]
    assert Passage.objects.get().reading_id == today.pk
    assert "checkpoints_reading: did" in out
    if db.is_postgresql():
        assert "keep 2 row(s) still referenced" in out
        assert rows("checkpoints_reading_default") == 2  # their month has no partition any more
        assert month_start(LONG_AGO.date()) not in months_partitioned("checkpoints_reading")
    assert not Passage.objects.filter(pk=old_passage.pk).exists()


def test_retention_passes_the_audit_log_s_append_only_guard_and_nothing_else_does(cast, person, settings):
    settings.AUDIT_RETENTION_MONTHS = 6
    old = AuditEntry.objects.create(at=LONG_AGO, action=AuditEntry.Action.VIEW, object_type="persons.list",
                                    unit_path=cast.street.path)
    PersonDisclosure.objects.create(entry=old, person=person)
    recent = AuditEntry.objects.create(at=RECENT, action=AuditEntry.Action.VIEW, object_type="persons.list",
                                       unit_path=cast.street.path)
    PersonDisclosure.objects.create(entry=recent, person=person)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditentry WHERE id = %s", [recent.pk])  # refused, as before
    maintain()
    assert list(AuditEntry.objects.filter(object_type="persons.list").values_list("pk", flat=True)) == [recent.pk]
    assert list(PersonDisclosure.objects.values_list("entry_id", flat=True)) == [recent.pk]
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditentry WHERE id = %s", [recent.pk])  # still refused after it


def test_a_dry_run_changes_nothing(cast, settings):
    settings.NOTIFICATIONS_RETENTION_MONTHS = 12
    Notification.objects.create(recipient=cast.street_officer, kind="task_assigned", title="旧", created_at=LONG_AGO)
    before = {event.table: months_partitioned(event.table) for event in EVENT_TABLES} if db.is_postgresql() else {}
    out = maintain(dry_run=True)
    assert "core_notification: would" in out and "delete 1 row(s)" in out
    assert Notification.objects.count() == 1
    if db.is_postgresql():
        assert {event.table: months_partitioned(event.table) for event in EVENT_TABLES} == before


def test_the_audit_log_is_kept_whole_by_default(cast, settings):
    assert settings.AUDIT_RETENTION_MONTHS == 0 and settings.HEALTH_CHECKS_RETENTION_MONTHS == 0
    AuditEntry.objects.create(at=LONG_AGO, action=AuditEntry.Action.VIEW, object_type="persons.list",
                              unit_path=cast.street.path)
    maintain()
    assert AuditEntry.objects.filter(at=LONG_AGO).count() == 1
