"""Background delivery of the outbox, run by `manage.py db_worker` (or at once with TASKS_RUN_INLINE=1)."""

from django_tasks import task


@task()
def notifications_deliver_run() -> dict:
    """Send what the outbox holds (queued after each commit that adds notifications)."""
    from core.notifications.services import notifications_deliver

    return notifications_deliver()
