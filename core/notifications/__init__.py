"""The notification outbox every app shares: `notify()` writes a notification per recipient with one delivery
row per channel, beside the change that causes it; the deliveries go out after the commit (a background task)
and again on each run of `manage.py notifications_deliver` or `tracing_tick` until sent. The in-page badge and
the notification list read the outbox itself."""

from core.notifications.selectors import notification_get_for_user, notifications_about, unread_count
from core.notifications.services import (
    notification_read,
    notifications_deliver,
    notifications_read_all,
    notify,
)

__all__ = ["notification_get_for_user", "notification_read", "notifications_about", "notifications_deliver",
           "notifications_read_all", "notify", "unread_count"]
