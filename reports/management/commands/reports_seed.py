"""manage.py reports_seed [FILE] [--dry-run]: create or update the catalog of figures (reports/defaults/figures.json)
and report forms with their dated versions from JSON (the five daily forms of a street office by default;
checkpoints/report_forms.json, legal/defaults/… for the others)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from reports.catalog import figures_seed
from reports.services import DEFAULT_FORMS, forms_seed


class Command(BaseCommand):
    help = ("Create or update the catalog of figures and report forms with their versions (口径) from a JSON file; by "
            "default the five daily forms of a street office. Idempotent: unchanged figures and versions are left alone.")

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default=str(DEFAULT_FORMS))
        parser.add_argument("--dry-run", action="store_true", help="check the file and change nothing")

    def handle(self, *args, file, dry_run, **options):
        path = Path(file)
        if not path.exists():
            raise CommandError(f"{path}: no such file")
        try:
            figures = figures_seed(by=None, dry_run=dry_run)
            changed = forms_seed(path=path, by=None, dry_run=dry_run)
        except (DomainError, KeyError, ValueError) as exc:
            raise CommandError(f"{path}: {exc}") from None
        if dry_run:
            self.stdout.write(f"{path.name}: every figure, form and indicator checks; nothing written (--dry-run)")
        else:
            self.stdout.write(f"{figures} figure(s) of the catalog and {changed} form version(s) created or changed "
                              f"from {path.name}")
