"""manage.py rates_prune: remove the API's request counts that no budget needs any more (core.rates)."""

from core.rates import rates_prune
from core.scheduled import ScheduledCommand


class Command(ScheduledCommand):
    help = ("Remove the request counts of callers silent for a whole period of their budget (the API's throttling). "
            "Run it daily from cron or a timer.")

    def run(self, *args, **options):
        self.stdout.write(f"rates_prune: {rates_prune()} counts removed")
