"""Background delivery of the outbox, run by `manage.py db_worker` (or at once with TASKS_RUN_INLINE=1)."""

from django_tasks import task

from core.notifications.delivery import notifications_deliver


@task()
def notifications_deliver_run() -> dict:
    """Send what the outbox holds (queued after each commit that adds notifications)."""
    return notifications_deliver()
