"""The process test_crash_safety.py kills: `python -m core.tests.crash_process worker|server PORT`.

worker [--batch]  the background worker (`manage.py db_worker`) polling the queue every 0.1 s; with --batch
                  it ends once the queue is empty
server PORT       the web server (`manage.py runserver`) on 127.0.0.1:PORT. With PAUSE_FILE set, the report
                  computation after PAUSE_AFTER others stops once its submission and audit entry are written,
                  inside its transaction: it writes PAUSE_FILE and waits there to be killed

The database is the test's (DATABASE_URL), the uploaded files are under CRASH_MEDIA_ROOT.
"""

import os
import sys
import time
from pathlib import Path


def _pause_in_computation(pause_file: Path, after: int) -> None:
    """Make the (after + 1)-th report computation stop just before its commit and wait for the kill."""
    from reports import services

    recorded = services.audit_record
    computed = 0

    def audit_record(**kwargs):
        nonlocal computed
        entry = recorded(**kwargs)
        if kwargs.get("note") == "computed":
            computed += 1
            if computed > after:
                pause_file.write_text(str(os.getpid()))
                time.sleep(600)
        return entry

    services.audit_record = audit_record


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangkong.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.MEDIA_ROOT = os.environ["CRASH_MEDIA_ROOT"]
    if argv[0] == "worker":
        call_command("db_worker", "--no-reload", "--no-startup-delay", "--interval", "0.1", "--verbosity", "0",
                     *argv[1:])
    elif argv[0] == "server":
        if os.environ.get("PAUSE_FILE"):
            _pause_in_computation(Path(os.environ["PAUSE_FILE"]), int(os.environ.get("PAUSE_AFTER", "0")))
        call_command("runserver", f"127.0.0.1:{argv[1]}", "--noreload", "--skip-checks")
    else:
        raise SystemExit(f"unknown process {argv[0]!r}: worker or server")


if __name__ == "__main__":
    main(sys.argv[1:])
