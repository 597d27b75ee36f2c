"""Background work of tracing, run by `manage.py db_worker` (or at once with TASKS_RUN_INLINE=1)."""

import datetime as dt
import logging

from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def tracing_daily_run(day: str | None = None) -> dict:
    """The day's follow-up: missed checks, completions, the daily tasks (see services.periodic)."""
    from tracing.services.periodic import tracing_daily

    result = tracing_daily(day=dt.date.fromisoformat(day) if day else None)
    logger.info("tracing daily %s: %s", day or "today", result)
    return result


@task()
def tracing_tick_run() -> dict:
    """Rules, escalation of overdue urgent tasks, the notification outbox (core.notifications)."""
    from tracing.services.periodic import tracing_tick

    return tracing_tick()


@task()
def contact_import_task(record_id: int) -> None:
    """Run contact list import `record_id`; an unexpected error marks it failed with its message."""
    from tracing.models import ContactImport
    from tracing.services.import_jobs import contact_import_failed, contact_import_run

    record = ContactImport.objects.select_related("case", "case__person", "unit", "created_by").filter(
        pk=record_id).first()
    if record is None:
        logger.warning("contact import %s no longer exists", record_id)
        return
    try:
        contact_import_run(record=record)
    except Exception as exc:
        # Not re-raised: the import says what went wrong, which is what the person who uploaded the list sees;
        # the traceback goes to the log for whoever runs the server.
        logger.exception("contact import %s failed", record_id)
        contact_import_failed(record_id, exc)
