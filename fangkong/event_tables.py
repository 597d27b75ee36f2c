"""The event tables — rows that only grow, each stamped with its time — and their retention (core.partitions:
on PostgreSQL each is partitioned by month; `manage.py partitions_maintain` creates months ahead and drops the
months past retention, here and on SQLite alike).

Each table names the rows elsewhere that point at its rows and what retention does to them: a delivery, a
disclosure or a self-report goes with what it points at; a passage loses its link to a reading; a fever alert
keeps its reading and its recheck (the alert and its incident are kept, and show both temperatures)."""

from django.conf import settings

from core.partitions import EventTable, Reference

EVENT_TABLES = (
    EventTable("checkpoints_reading", "taken_at", references=(
        Reference("checkpoints_passage", "reading_id", "clear"),
        Reference("checkpoints_alert", "reading_id", "keep"),
        Reference("checkpoints_alert", "recheck_id", "keep"),
    )),
    EventTable("checkpoints_passage", "at"),
    EventTable("persons_healthcheck", "check_date", is_date=True, references=(
        Reference("intake_selfreport", "health_check_id", "delete"),
    )),
    EventTable("core_notification", "created_at", references=(
        Reference("core_delivery", "notification_id", "delete"),
    )),
    EventTable("core_auditentry", "at", references=(
        Reference("persons_persondisclosure", "entry_id", "delete"),
    )),
)


def retention_months() -> dict[str, int]:
    """Each event table's whole months kept before the current one (0: all), from the settings."""
    checkpoints = settings.CHECKPOINT_RETENTION_MONTHS
    return {"checkpoints_reading": checkpoints, "checkpoints_passage": checkpoints,
            "persons_healthcheck": settings.HEALTH_CHECKS_RETENTION_MONTHS,
            "core_notification": settings.NOTIFICATIONS_RETENTION_MONTHS,
            "core_auditentry": settings.AUDIT_RETENTION_MONTHS}


def event_table(table: str) -> EventTable:
    return next(event for event in EVENT_TABLES if event.table == table)
