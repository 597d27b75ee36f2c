"""manage.py supplies_publish --unit CODE [--if-due] [--until DATE]: publish a unit's public list of donations."""

import datetime as dt

from django.core.management.base import CommandError

from core.errors import DomainError
from core.scheduled import ScheduledCommand
from orgunits.models import OrgUnit
from supplies.services import transparency_due, transparency_publish
from supplies.services.transparency import publish_every_days


class Command(ScheduledCommand):
    help = ("Publish the public list of donations the unit CODE (and the units below it) received, drawn from the "
            "ledger. With --if-due (for a daily cron job) it publishes only when the last publication is "
            "SUPPLIES_PUBLISH_EVERY_DAYS days old or more. Earlier publications are kept.")

    def add_arguments(self, parser):
        parser.add_argument("--unit", required=True, action="append", help="a unit's code; may be repeated")
        parser.add_argument("--if-due", action="store_true", help="publish only the units whose list is due")
        parser.add_argument("--until", type=dt.date.fromisoformat, help="donations received up to this day "
                                                                         "(YYYY-MM-DD; today by default)")
        parser.add_argument("--dry-run", action="store_true", help="say what would be published, publish nothing")

    def run(self, *args, unit, if_due=False, until=None, dry_run=False, **options):
        units = []
        for code in unit:
            found = OrgUnit.objects.filter(code=code).first()
            if found is None:
                raise CommandError(f"no unit has the code {code}")
            units.append(found)
        for target in units:
            if if_due and not transparency_due(unit=target):
                self.stdout.write(f"{target.code} {target.name}: not due (every {publish_every_days()} days)")
                continue
            if dry_run:
                self.stdout.write(f"{target.code} {target.name}: would publish")
                continue
            try:
                publication = transparency_publish(unit=target, until=until, by=None)
            except DomainError as exc:
                raise CommandError(f"{target.code}: {exc.message}") from None
            self.stdout.write(f"{target.code} {target.name}: published #{publication.pk}, "
                              f"{publication.totals['donations']} donations, {publication.totals['money']} yuan")
