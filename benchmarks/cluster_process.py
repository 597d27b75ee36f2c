"""The processes bench_cluster starts beside the app servers and workers: `python -m benchmarks.cluster_process ACTION`.

scheduled GO HOLD NAME [ARG ...]   a scheduled command fired as cron fires it on one app server: Django set up, it
                                   prints "ready" and waits until the file GO exists (so that the runs on both
                                   servers start at the same moment), then runs `manage.py NAME ARG ...`, its work
                                   taking HOLD seconds more inside the command's lock (so that the two runs overlap
                                   whatever the work's own length; the lock is the real one, core.scheduled)
queue JOB COUNT USERNAME ...       the work the application queues, as a server's request queues it: the import
                                   job JOB queued twice (as a double click does), then COUNT notifications to the
                                   users, each queueing the outbox's delivery task
"""

import os
import sys
import time
from pathlib import Path

KIND = "cluster_bench"  # the notifications' kind


def _scheduled(go: Path, hold: float, name: str, args: list[str]) -> None:
    from django.core.management import call_command, get_commands, load_command_class

    command = load_command_class(get_commands()[name], name)
    work = command.run

    def held(*args, **options):
        time.sleep(hold)
        return work(*args, **options)

    command.run = held
    print("ready", flush=True)
    deadline = time.monotonic() + 300
    while not go.exists():
        if time.monotonic() > deadline:
            raise SystemExit(f"{go} did not appear within 300 s")
        time.sleep(0.005)
    call_command(command, *args)


def _queue(job_id: int, count: int, usernames: list[str]) -> None:
    from django.db import transaction

    from accounts.models import User
    from core.notifications import notify
    from persons.tasks import person_import_run

    with transaction.atomic():
        person_import_run.enqueue(job_id)
        person_import_run.enqueue(job_id)
    users = list(User.objects.filter(username__in=usernames))
    for n in range(count):
        notify(recipients=users, kind=KIND, title=f"集群测试通知 {n + 1}")
        time.sleep(0.05)


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangkong.settings")
    import django

    django.setup()
    action = argv[0]
    if action == "scheduled":
        _scheduled(Path(argv[1]), float(argv[2]), argv[3], argv[4:])
    elif action == "queue":
        _queue(int(argv[1]), int(argv[2]), argv[3:])
    else:
        raise SystemExit(f"unknown action {action!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
