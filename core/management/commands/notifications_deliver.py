"""manage.py notifications_deliver: send the outbox's pending deliveries through their channels."""

from core.notifications import notifications_deliver
from core.scheduled import ScheduledCommand


class Command(ScheduledCommand):
    help = ("Send the notifications waiting in the outbox through their channels (the badge, e-mail…). The background "
            "worker does this after each change that notifies; run this from cron or a timer to retry what failed.")

    def run(self, *args, **options):
        counts = notifications_deliver()
        self.stdout.write(", ".join(f"{k} {v}" for k, v in counts.items()))
