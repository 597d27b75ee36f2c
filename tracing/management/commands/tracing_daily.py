"""manage.py tracing_daily [--day YYYY-MM-DD] [--dry-run] [--queue]: the day's follow-up work."""

import datetime as dt

from django.core.management.base import CommandError
from django.utils import timezone

from core.scheduled import ScheduledCommand
from tracing.models import FollowUp
from tracing.services.periodic import tracing_daily
from tracing.services.tasks import tasks_generate_daily


class Command(ScheduledCommand):
    help = ("Start a day of follow-up (run once a day, e.g. at 06:00): extend or escalate follow-ups without a "
            "result the day before, complete those whose period has passed, and create the day's follow-up task "
            "for every contact under follow-up, given to the grid worker of their grid. Running it twice for "
            "the same day changes nothing the second time.")

    def add_arguments(self, parser):
        parser.add_argument("--day", help="the day (YYYY-MM-DD, local); today when omitted")
        parser.add_argument("--dry-run", action="store_true", help="count what would be done, change nothing")
        parser.add_argument("--queue", action="store_true", help="queue it for the background worker instead")

    def run(self, *args, day=None, dry_run=False, queue=False, **options):
        try:
            when = dt.date.fromisoformat(day) if day else timezone.localdate()
        except ValueError:
            raise CommandError(f"--day: {day!r} is not a date such as 2020-05-21") from None
        if dry_run:
            active = FollowUp.objects.filter(state=FollowUp.State.ACTIVE)
            self.stdout.write(f"{when}: {active.count()} follow-ups active, "
                              f"{active.filter(end__lt=when).count()} past their last day, "
                              f"{tasks_generate_daily(day=when, dry_run=True)} tasks to create (dry run)")
            return
        if queue:
            from tracing.tasks import tracing_daily_run

            result = tracing_daily_run.enqueue(when.isoformat())
            self.stdout.write(f"{when}: queued ({result.id})")
            return
        counts = tracing_daily(day=when)
        self.stdout.write(f"{when}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
