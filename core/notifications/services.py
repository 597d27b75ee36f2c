"""Writes of the outbox: queue, deliver, mark read."""

import logging
from collections.abc import Callable, Iterable

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone, translation

from core.models import Delivery, Notification
from core.notifications.channels import channels

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 5


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
    from core.notifications.tasks import notifications_deliver_run

    notifications_deliver_run.enqueue()


def notifications_deliver(*, limit: int = 500) -> dict[str, int]:
    """Send the pending deliveries through their channels; return counts per outcome."""
    by_name = {c.name: c for c in channels()}
    counts = {"sent": 0, "skipped": 0, "failed": 0}
    pending = (Delivery.objects.filter(state=Delivery.State.PENDING, attempts__lt=MAX_ATTEMPTS)
               .select_related("notification__recipient").order_by("id"))
    for delivery in pending[:limit]:
        with transaction.atomic():
            locked = Delivery.objects.select_for_update(**_skip_locked()).filter(
                pk=delivery.pk, state=Delivery.State.PENDING).first()
            if locked is None:
                continue  # another worker has it
            channel = by_name.get(delivery.channel)
            locked.attempts += 1
            try:
                if channel is None:
                    raise LookupError(f"channel {delivery.channel} is no longer configured")
                sent = channel.send(delivery.notification)
            except Exception as exc:  # a channel's failure must not stop the others
                logger.warning("delivery %s through %s failed: %s", delivery.pk, delivery.channel, exc)
                locked.error = f"{exc.__class__.__name__}: {exc}"[:300]
                if locked.attempts >= MAX_ATTEMPTS:
                    locked.state = Delivery.State.FAILED
                counts["failed"] += 1
            else:
                locked.state = Delivery.State.SENT if sent else Delivery.State.SKIPPED
                locked.sent_at = timezone.now()
                counts["sent" if sent else "skipped"] += 1
            locked.save(update_fields=["attempts", "state", "error", "sent_at"])
    return counts


def _skip_locked() -> dict:
    return {"skip_locked": True} if connection.features.has_select_for_update_skip_locked else {}


def notification_read(*, notification: Notification, by) -> Notification:
    """Mark one of the user's notifications read (the badge counts the unread)."""
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_read_all(*, by) -> int:
    """Mark all of the user's notifications read; return how many were unread."""
    return Notification.objects.filter(recipient=by, read_at__isnull=True).update(read_at=timezone.now())
