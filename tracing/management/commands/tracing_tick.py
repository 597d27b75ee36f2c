"""manage.py tracing_tick: classification rules, escalation of overdue urgent tasks, the outbox."""

from core.scheduled import ScheduledCommand
from tracing.services.periodic import tracing_tick


class Command(ScheduledCommand):
    help = ("Run every few minutes (cron or a timer): apply the automatic case classification rules, give overdue "
            "urgent tasks to the street officer, and send pending notifications through their channels.")

    def run(self, *args, **options):
        counts = tracing_tick()
        self.stdout.write(", ".join(f"{k} {v}" for k, v in counts.items()))
