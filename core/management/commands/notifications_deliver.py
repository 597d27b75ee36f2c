"""manage.py notifications_deliver: send the outbox's pending deliveries through their channels."""

from django.core.management.base import BaseCommand

from core.notifications import notifications_deliver


class Command(BaseCommand):
    help = ("Send the notifications waiting in the outbox through their channels (the badge, e-mail…). The background "
            "worker does this after each change that notifies; run this from cron or a timer to retry what failed.")

    def handle(self, *args, **options):
        counts = notifications_deliver()
        self.stdout.write(", ".join(f"{k} {v}" for k, v in counts.items()))
