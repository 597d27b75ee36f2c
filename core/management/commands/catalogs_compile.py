"""Compile the translation catalogs (.po → .mo) in pure Python, so no system gettext is needed."""

from pathlib import Path

import polib
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Compile every locale/*/LC_MESSAGES/*.po of the project and its apps into .mo files."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="recompile even when the .mo is newer")

    def handle(self, *args, force=False, **options):
        roots = [Path(p) for p in settings.LOCALE_PATHS]
        base = Path(settings.BASE_DIR).resolve()
        roots += [Path(app.path) / "locale" for app in apps.get_app_configs()  # the project's own apps only
                  if Path(app.path).resolve().is_relative_to(base) and "site-packages" not in Path(app.path).parts]
        compiled = 0
        for root in roots:
            for po_path in sorted(root.glob("*/LC_MESSAGES/*.po")):
                mo_path = po_path.with_suffix(".mo")
                if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                    continue
                polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
                compiled += 1
        self.stdout.write(f"{compiled} catalog(s) compiled")
