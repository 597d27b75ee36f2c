"""manage.py persons_retention [--dry-run] [--unit CODE]: anonymise people released from management
more than PERSONS_RETENTION_DAYS ago."""

from django.core.management.base import CommandError
from django.utils import timezone

from core.scheduled import ScheduledCommand
from orgunits.models import OrgUnit
from persons.retention import (
    RetentionReport,
    retention_anonymise,
    retention_cutoff,
    retention_days,
    retention_report,
)


class Command(ScheduledCommand):
    help = ("Anonymise the personal data of people released from management more than PERSONS_RETENTION_DAYS "
            "days ago (name, document number, phone, address, notes, day and month of birth, free additional "
            "fields); their categories, statuses, unit, sex and birth year stay for the reports. --dry-run "
            "prints what would be done and changes nothing. Running it again changes nothing.")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="report what would be anonymised, change nothing")
        parser.add_argument("--unit", help="only people under the unit with this code, e.g. 431302004")
        parser.add_argument("--batch-size", type=int, default=500, help="people per transaction (default 500)")
        parser.add_argument("--sample", type=int, default=10, help="how many person ids to list (default 10)")

    def run(self, *args, dry_run=False, unit=None, batch_size=500, sample=10, **options):
        if batch_size < 1:
            raise CommandError(f"--batch-size must be at least 1, got {batch_size}")
        if sample < 0:
            raise CommandError(f"--sample must not be negative, got {sample}")
        under = ""
        if unit:
            target = OrgUnit.objects.filter(code=unit).first()
            if target is None:
                raise CommandError(f"no unit has the code {unit}")
            under = target.path
        days = retention_days()
        cutoff = retention_cutoff(days=days)
        report = retention_report(cutoff=cutoff, days=days, under=under, sample=sample)
        self._print_report(report)
        if dry_run:
            self.stdout.write("dry run: nothing changed")
            return
        if not report.people:
            return
        self._last = 0
        result = retention_anonymise(cutoff=cutoff, under=under, batch_size=batch_size, by=None,
                                     progress=self._progress)
        if self.stdout.isatty():
            self.stdout.write("")  # end the progress line
        self.stdout.write(f"anonymised {result.people:,} people in {result.batches:,} batches; "
                          f"{result.household_links:,} household links to them removed")

    def _print_report(self, report: RetentionReport) -> None:
        local = timezone.localtime
        self.stdout.write(f"retention: {report.days} days; management ended before "
                          f"{local(report.cutoff):%Y-%m-%d %H:%M}")
        self.stdout.write(f"people to anonymise: {report.people:,}")
        if not report.people:
            return
        self.stdout.write(f"oldest release: {local(report.oldest):%Y-%m-%d}")
        self.stdout.write("per unit:")
        for line in report.units:
            label = f"{line.code} {line.name}" if line.code else line.path
            self.stdout.write(f"  {label}: {line.people:,} (oldest release {local(line.oldest):%Y-%m-%d})")
        self.stdout.write("sample ids: " + ", ".join(str(pk) for pk in report.sample_ids))

    def _progress(self, done: int) -> None:
        """One line, rewritten in place on a terminal; a line per 10,000 people in a log."""
        line = f"anonymised {done:,} people"
        if self.stdout.isatty():
            self.stdout.write(f"\r{line}   ", ending="")
            self.stdout.flush()
        elif done // 10_000 != self._last:
            self._last = done // 10_000
            self.stdout.write(line)
