"""manage.py persons_generate: deterministic people with histories under a unit, for demos and benchmarks."""

import sys
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from orgunits.demo import DEMO_STREET
from orgunits.models import OrgUnit
from persons.generator import grids_ensure, people_generate


class Command(BaseCommand):
    help = ("Generate N people (names, ID numbers, phones, addresses, households, category and status histories "
            "over January–June 2020, health checks) spread over the grids under a unit. The same seed and units "
            "give the same people.")

    def add_arguments(self, parser):
        parser.add_argument("--people", type=int, required=True, help="how many people")
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument("--unit", default=DEMO_STREET, help=f"unit code (default {DEMO_STREET}, 长青街道)")
        parser.add_argument("--grids", type=int, default=0,
                            help="first make sure the unit has at least this many grids, adding communities of "
                                 "--per-community grids with deterministic codes")
        parser.add_argument("--per-community", type=int, default=10, help="grids per added community (default 10)")
        parser.add_argument("--duplicates", type=int, default=0,
                            help="plant this many deliberate probable duplicates (for the duplicate scan)")
        parser.add_argument("--no-histories", action="store_true", help="residents only, no categories")

    def handle(self, *args, people, seed, unit, grids, per_community, duplicates, no_histories, **options):
        translation.activate("zh-hans")
        if people <= 0:
            raise CommandError("--people must be a positive number")
        parent = OrgUnit.objects.filter(code=unit).first()
        if parent is None:
            raise CommandError(f"No unit has the code {unit} (load the demo with `manage.py demo_load`).")
        try:
            if grids:
                units = grids_ensure(parent=parent, grids=grids, per_community=per_community)
                self.stdout.write(f"{parent.name}: {len(units)} grids")
            else:
                units = list(OrgUnit.objects.filter(path__under=parent.path, kind=OrgUnit.Kind.GRID))
                if not units:  # communities without grids, or the unit itself
                    units = list(OrgUnit.objects.filter(path__under=parent.path, kind=OrgUnit.Kind.COMMUNITY)) or [
                        parent]
            started = time.perf_counter()
            stats = people_generate(units=units, count=people, seed=seed, duplicates=duplicates,
                                    progress=self._progress(started), **({"mix": ()} if no_histories else {}))
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write("")
        self.stdout.write(
            f"{stats.people:,} people in {stats.households:,} households over {len(units):,} units "
            f"(ids {stats.first_id}–{stats.last_id}); {stats.category_episodes:,} category episodes, "
            f"{stats.status_episodes:,} status episodes, {stats.health_checks:,} health checks "
            f"({stats.fevers:,} fevers); {len(stats.planted)} planted duplicates; {stats.seconds:.1f} s")

    def _progress(self, started: float):
        def report(done: int, total: int):
            width = 30
            filled = width * done // max(total, 1)
            rate = done / max(time.perf_counter() - started, 1e-6)
            self.stdout.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,} "
                              f"({rate:,.0f} people/s)", ending="")
            sys.stdout.flush()
        return report
