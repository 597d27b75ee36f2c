"""Scheduled work (cron or a timer on every app server) done once: a run takes the database's lock named after
the command, and a run started while another holds it says so and does nothing (exit status 0)."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.management.base import BaseCommand

from core.locks import lock_hold

logger = logging.getLogger(__name__)


@contextmanager
def scheduled_run(name: str) -> Iterator[bool]:
    """Hold the lock of the scheduled work `name` (a command's name) for the block; yields False, holding
    nothing, when another run holds it on this or another server (core.locks)."""
    with lock_hold(f"scheduled:{name}") as taken:
        if not taken:
            logger.info("%s: skipped, another run holds its lock", name)
        yield taken


class ScheduledCommand(BaseCommand):
    """A command meant for cron: `run` (its work) under the command's lock; `--dry-run`, which changes nothing,
    and `--queue`, which leaves the work to a background task taking the same lock, run without it. A second
    run started meanwhile prints a line saying so and ends with status 0."""

    unlocked_options = ("dry_run", "queue")

    def handle(self, *args, **options):
        if any(options.get(option) for option in self.unlocked_options):
            return self.run(*args, **options)
        name = type(self).__module__.rsplit(".", 1)[-1]
        with scheduled_run(name) as taken:
            if not taken:
                self.stdout.write(f"{name}: skipped, another run holds its lock (on this or another server)")
                return None
            return self.run(*args, **options)

    def run(self, *args, **options):
        raise NotImplementedError
