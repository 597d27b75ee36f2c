"""Background work of tracing, run by `manage.py db_worker` (or at once with TASKS_RUN_INLINE=1)."""

import datetime as dt
import logging

from django_tasks import task

from core.scheduled import scheduled_run
from tracing.services.import_jobs import contact_import_task  # defined beside the import it runs

__all__ = ["contact_import_task", "tracing_daily_run", "tracing_tick_run"]

logger = logging.getLogger(__name__)


@task()
def tracing_daily_run(day: str | None = None) -> dict:
    """The day's follow-up: missed checks, completions, the daily tasks (see services.periodic); under the lock of
    `manage.py tracing_daily`, skipped while another run holds it."""
    from tracing.services.periodic import tracing_daily

    with scheduled_run("tracing_daily") as taken:
        if not taken:
            return {"skipped": 1}
        result = tracing_daily(day=dt.date.fromisoformat(day) if day else None)
    logger.info("tracing daily %s: %s", day or "today", result)
    return result


@task()
def tracing_tick_run() -> dict:
    """Rules, escalation of overdue urgent tasks, the notification outbox (core.notifications); under the lock of
    `manage.py tracing_tick`, skipped while another run holds it."""
    from tracing.services.periodic import tracing_tick

    with scheduled_run("tracing_tick") as taken:
        return tracing_tick() if taken else {"skipped": 1}
