"""Delivery of the outbox: each pending delivery through its channel, a failure retried up to MAX_ATTEMPTS times.
Run by the background task after each commit that adds notifications, and by `manage.py notifications_deliver`."""

import logging

from django.db import connection, transaction
from django.utils import timezone

from core.models import Delivery
from core.notifications.channels import channels

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 5


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
