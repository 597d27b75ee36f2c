"""manage.py checkpoints_forms [FILE]: load the enterprise daily prevention report into the report engine."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from checkpoints.demo import REPORT_FORMS, report_forms_load
from core.errors import DomainError


class Command(BaseCommand):
    help = ("Create or update the enterprise daily prevention report (复工复产企业防控日报) and its versions from "
            "JSON; every indicator is checked first. Idempotent: unchanged versions are left alone.")

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default=str(REPORT_FORMS))
        parser.add_argument("--dry-run", action="store_true", help="check the file and change nothing")

    def handle(self, *args, file, dry_run, **options):
        path = Path(file)
        if not path.exists():
            raise CommandError(f"{path}: no such file")
        try:
            changed = report_forms_load(path=path, dry_run=dry_run)
        except (DomainError, KeyError, ValueError) as exc:
            raise CommandError(f"{path}: {exc}") from None
        if dry_run:
            self.stdout.write(f"{path.name}: every form and indicator checks; nothing written (--dry-run)")
        else:
            self.stdout.write(f"{changed} form version(s) created or changed from {path.name}")
