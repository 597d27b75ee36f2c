"""The claim on a running import job, held by the process that runs it, and the jobs whose process died.

A job's rows are written in one transaction, so a process killed mid-import (SIGKILL, out of memory, a power
cut) leaves no person behind; but its job would say "running" for ever, and its task too. While a process
runs a job it holds a claim that ends with the process however the process ends (core.locks): on PostgreSQL a
transaction-scoped advisory lock held by a transaction of its own for the whole run (the server rolls it back
when the connection drops; it holds behind PgBouncer in transaction mode), on SQLite an exclusive `flock` on a
small file beside the upload (the kernel releases it when the process exits; an SQLite deployment is one
machine). A job that says running while nobody holds its claim was interrupted:
`import_job_interrupted` marks it failed, and importing the file again starts afresh.
"""

import hashlib
import logging
import tempfile
from contextlib import contextmanager
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.db import one_writer_at_a_time
from core.locks import lock_held, lock_hold
from persons.importing.progress import progress_path
from persons.models import ImportJob

logger = logging.getLogger(__name__)


class ImportInterrupted(Exception):
    """The process running an import job ended without finishing it (killed, out of memory, switched off)."""


def _lock_file(job) -> Path:
    """The file whose flock is the claim on SQLite: beside the upload, else in the temporary folder."""
    try:
        return Path(job.file.path + ".running")
    except (NotImplementedError, ValueError):  # a storage without paths, or no file
        database = hashlib.sha256(str(connection.settings_dict["NAME"]).encode()).hexdigest()[:16]
        label = "import" if isinstance(job, ImportJob) else job._meta.label_lower
        return Path(tempfile.gettempdir()) / f"fangkong-{label}-{database}-{job.pk}.running"


@contextmanager
def job_claim(job):
    """Hold the claim on `job` (an import job of any kind with a `file`) for the block; yields False (and holds
    nothing) when another process holds it."""
    with lock_hold(job._meta.label_lower, job.pk, file=_lock_file(job)) as claimed:
        yield claimed


def job_held(job) -> bool:
    """Whether a live process holds the claim on `job`."""
    return lock_held(job._meta.label_lower, job.pk, file=_lock_file(job))


def import_job_interrupted(job: ImportJob) -> bool:
    """Mark `job` failed if it says running while no process holds its claim; True if it was (job updated)."""
    if job.state != ImportJob.State.RUNNING or job_held(job):
        return False
    with translation.override(getattr(job.created_by, "language", "") or settings.LANGUAGE_CODE):
        message = _("The import was interrupted (the server stopped while it ran) and wrote nothing. "
                    "Import the file again.")
    now = timezone.now()
    # Only a job still running: a run that ended meanwhile has written its outcome, which stands.
    if not ImportJob.objects.filter(pk=job.pk, state=ImportJob.State.RUNNING).update(
            state=ImportJob.State.FAILED, message=message, finished_at=now):
        job.refresh_from_db()
        return False
    job.state, job.message, job.finished_at = ImportJob.State.FAILED, message, now
    logger.warning("import job %s was interrupted: its process ended while it ran", job.pk)
    _task_interrupted(job, now)
    path = progress_path(job) if one_writer_at_a_time() else None
    if path is not None:  # the dead run's counts; the upload stays, for importing it again
        path.unlink(missing_ok=True)
    return True


def import_jobs_recover() -> int:
    """Mark failed every job that says running while no process holds its claim; how many were."""
    return sum(import_job_interrupted(job) for job in
               ImportJob.objects.filter(state=ImportJob.State.RUNNING).select_related("created_by"))


def _task_interrupted(job: ImportJob, now) -> None:
    from persons.tasks import person_import_run

    task_interrupted(person_import_run, job.pk, now)


def task_interrupted(task, pk: int, now) -> None:
    """The background `task` that ran job `pk`, left "running" by the dead worker, is failed too."""
    if not apps.is_installed("django_tasks_db"):
        return
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, task_path=task.module_path)
    ids = [result for result, args in running.values_list("id", "args_kwargs") if args.get("args") == [pk]]
    if ids:
        DBTaskResult.objects.filter(pk__in=ids, status=TaskResultStatus.RUNNING).update(
            status=TaskResultStatus.FAILED, finished_at=now, return_value=None,
            exception_class_path=f"{ImportInterrupted.__module__}.{ImportInterrupted.__qualname__}",
            traceback=ImportInterrupted.__doc__)

