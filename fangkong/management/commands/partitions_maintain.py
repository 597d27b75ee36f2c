"""manage.py partitions_maintain [--dry-run] [--today DATE]: the event tables' months ahead and their retention
(fangkong/event_tables.py, core.partitions). Daily, from cron on every app server: one run at a time does it."""

import datetime as dt

from django.conf import settings
from django.utils import timezone

from core.partitions import maintain_all
from core.scheduled import ScheduledCommand
from fangkong.event_tables import EVENT_TABLES, retention_months


class Command(ScheduledCommand):
    help = ("Create each event table's monthly partitions PARTITIONS_AHEAD_MONTHS ahead (PostgreSQL; rows waiting in "
            "a default partition move into their month's), and drop the months older than each table's retention "
            "setting (*_RETENTION_MONTHS; 0 keeps everything), deleting their rows on SQLite.")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="say what would be done, change nothing")
        parser.add_argument("--today", type=dt.date.fromisoformat, help="the day to count months from (YYYY-MM-DD; "
                                                                        "today by default)")

    def run(self, *args, dry_run=False, today=None, **options):
        done = maintain_all(EVENT_TABLES, today=today or timezone.localdate(), ahead=settings.PARTITIONS_AHEAD_MONTHS,
                            keep=retention_months(), dry_run=dry_run)
        for table in done:
            verb = "would" if dry_run else "did"
            self.stdout.write(f"{table.table}: {verb} create {len(table.created)} partition(s)"
                              f"{' ' + ', '.join(table.created) if table.created else ''}, move {table.moved_rows} "
                              f"row(s) out of the default partition, drop {len(table.dropped)} month(s)"
                              f"{' ' + ', '.join(table.dropped) if table.dropped else ''}, delete {table.deleted_rows} "
                              f"row(s), keep {table.kept_rows} row(s) still referenced")
