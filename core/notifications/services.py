"""Writes of the outbox: queue (delivered after the commit, by the background task), mark read. The delivery
itself is core.notifications.delivery."""

from collections.abc import Callable, Iterable

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone, translation

from core.actors import Actor
from core.models import Delivery, Notification
from core.notifications.channels import channels
from core.notifications.delivery import notifications_deliver
from core.notifications.tasks import notifications_deliver_run

__all__ = ["notification_read", "notifications_deliver", "notifications_read_all", "notify"]


def notify(*, recipients: Iterable, kind: str, title: str | Callable[[], str], body: str | Callable[[], str] = "",
           url: str = "", about: models.Model | None = None) -> list[Notification]:
    """Queue a notification for each recipient (None and repeats are skipped) through every channel.
    `title` and `body` may be callables: they are then written in each recipient's own language. `url` is the
    page it links to (a path of this site); `about` the object it concerns, kept for lookups."""
    users = {u.pk: u for u in recipients if u is not None}
    if not users:
        return []
    names = [c.name for c in channels()]
    about_type, about_id = (about._meta.label_lower, str(about.pk)) if about is not None else ("", "")
    by_language: dict[str, list] = {}
    for user in users.values():
        by_language.setdefault(getattr(user, "language", "") or settings.LANGUAGE_CODE, []).append(user)
    rows = []
    with transaction.atomic():
        for language, group in by_language.items():
            with translation.override(language):
                text = str(title() if callable(title) else title)[:200]
                message = str(body() if callable(body) else body)
            rows += Notification.objects.bulk_create(
                [Notification(recipient=u, kind=kind[:30], title=text, body=message, url=url[:300],
                              about_type=about_type, about_id=about_id) for u in group])
        Delivery.objects.bulk_create([Delivery(notification=n, channel=name) for n in rows for name in names])
        transaction.on_commit(_deliver_later)
    return rows


def _deliver_later() -> None:
    notifications_deliver_run.enqueue()


def notification_read(*, notification: Notification, by: Actor) -> Notification:
    """Mark one of the user's notifications read (the badge counts the unread)."""
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_read_all(*, by: Actor) -> int:
    """Mark all of the user's notifications read; return how many were unread."""
    return Notification.objects.filter(recipient=by, read_at__isnull=True).update(read_at=timezone.now())
