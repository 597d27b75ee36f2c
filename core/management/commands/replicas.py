"""manage.py replicas: each read replica's lag and state, as the administrators' page shows them."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from core.replica_health import replica_describe, replicas_states


class Command(BaseCommand):
    help = "Measure each read replica (DATABASE_REPLICA_URLS) now: its lag, its replayed position, in use or skipped."

    def handle(self, *args, **options):
        states = replicas_states(fresh=True)
        if not states:
            self.stdout.write(_("No replica is configured (DATABASE_REPLICA_URLS): every read goes to the primary."))
            return
        for state in states:
            row = replica_describe(state)
            self.stdout.write(f"{row['alias']}\t{row['host']}\t{row['lag']}\t{row['position']}\t{row['state']}")
