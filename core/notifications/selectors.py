"""Reads of the outbox: a user's own notifications only."""

from django.db import connections, models, router
from django.http import Http404

from core.models import Notification


def notification_get_for_user(user, pk: int) -> Notification:
    """One of the user's own notifications, else 404."""
    notification = Notification.objects.filter(pk=pk, recipient_id=user.pk).first()
    if notification is None:
        raise Http404
    return notification


def notifications_for_user(user, *, limit: int = 100) -> list[Notification]:
    """The user's latest notifications, newest first."""
    return list(Notification.objects.filter(recipient_id=user.pk).order_by("-created_at", "-id")[:limit])


def unread_count(user) -> int:
    """The number on the badge of every page: one plain statement, on the database the ORM would read (the ORM's
    count() costs three times as much to build as to run)."""
    with connections[router.db_for_read(Notification)].cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {Notification._meta.db_table} "
                       "WHERE recipient_id = %s AND read_at IS NULL", [user.pk])
        return cursor.fetchone()[0]


def notifications_about(obj: models.Model):
    """The notifications written about `obj` (notify(..., about=obj))."""
    return Notification.objects.filter(about_type=obj._meta.label_lower, about_id=str(obj.pk))
