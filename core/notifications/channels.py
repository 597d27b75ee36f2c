"""Notification channels: each sends one notification its own way. The setting NOTIFICATION_CHANNELS lists them
by dotted path (an SMS or messaging adapter is one more subclass); the paths of the channels' former home,
tracing.channels, still name them."""

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

# Deployments configured before the outbox moved to core name the channels by their old paths.
_MOVED = {"tracing.channels.": "core.notifications.channels."}


class Channel:
    """Deliver a notification. Return True when sent, False when it does not apply to the recipient
    (no address); raise to fail (the delivery is retried)."""

    name = ""

    def send(self, notification) -> bool:
        raise NotImplementedError


class PageChannel(Channel):
    """The in-page badge: the notification is shown from the outbox itself, so there is nothing to send."""

    name = "page"

    def send(self, notification) -> bool:
        return True


class EmailChannel(Channel):
    """E-mail through Django's mail settings (EMAIL_HOST…), to the recipient's address if they have one."""

    name = "email"

    def send(self, notification) -> bool:
        address = notification.recipient.email
        if not address:
            return False
        link = f"{settings.SITE_URL}{notification.url}" if notification.url else ""
        body = "\n\n".join(part for part in (notification.body, link) if part)
        send_mail(subject=notification.title, message=body or notification.title, from_email=None,
                  recipient_list=[address])
        return True


def channels() -> list[Channel]:
    """The configured channels, instantiated (read from settings on each call: no module-level state)."""
    found = []
    for path in settings.NOTIFICATION_CHANNELS:
        for old, new in _MOVED.items():
            if path.startswith(old):
                path = new + path[len(old):]
        channel = import_string(path)()
        if not channel.name:
            raise ValueError(f"NOTIFICATION_CHANNELS: {path} has no name")
        found.append(channel)
    return found
