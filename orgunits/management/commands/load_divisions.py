"""manage.py load_divisions [CODE]: the official administrative divisions down to townships/streets."""

from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from orgunits.services import divisions_load, divisions_source


class Command(BaseCommand):
    help = ("Load China's administrative divisions (province → prefecture → county → township/street) from the "
            "Ministry of Civil Affairs data, all of China or the subtree under CODE (e.g. 431300 娄底市). "
            "Re-running updates names and adds nothing twice.")

    def add_arguments(self, parser):
        parser.add_argument("code", nargs="?", help="root division code, e.g. 431300; all of China when omitted")

    def handle(self, *args, code=None, **options):
        metadata, _rows = divisions_source()
        try:
            result = divisions_load(root_code=code, by=None)
        except DomainError as exc:
            raise CommandError(str(exc.message)) from None
        self.stdout.write(
            f"divisions as of {metadata.get('data_as_of')}: {result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged" + (f", {len(result.moved)} moved" if result.moved else ""))
