"""Background delivery of the outbox, run by `manage.py db_worker` (or at once with TASKS_RUN_INLINE=1)."""

from django_tasks import task

from core.notifications.delivery import notifications_deliver


@task()
def notifications_deliver_run() -> dict:
    """Send what the outbox holds (queued after each commit that adds notifications). Without the lock of
    `manage.py notifications_deliver`: runs overlap by design (a notification committed while one runs must not
    wait for the next), and each delivery is taken by one of them (SELECT … FOR UPDATE SKIP LOCKED)."""
    return notifications_deliver()
