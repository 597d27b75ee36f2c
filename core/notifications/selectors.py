"""Reads of the outbox: a user's own notifications only."""

from django.db import models
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
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).count()


def notifications_about(obj: models.Model):
    """The notifications written about `obj` (notify(..., about=obj))."""
    return Notification.objects.filter(about_type=obj._meta.label_lower, about_id=str(obj.pk))
