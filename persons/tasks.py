"""Background work of the line list, run by `manage.py db_worker` (or at once with TASKS_RUN_INLINE=1)."""

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from persons import importing
from persons.models import ImportJob

logger = logging.getLogger(__name__)


@task()
def person_import_run(job_id: int) -> None:
    """Run import job `job_id`; an unexpected error marks the job failed with its message."""
    job = ImportJob.objects.select_related("unit", "created_by").filter(pk=job_id).first()
    if job is None:
        logger.warning("import job %s no longer exists", job_id)
        return
    try:
        importing.people_import(job=job)
    except Exception as exc:
        # Not re-raised: the job row already says what went wrong, which is what the person who
        # uploaded the file sees; the traceback goes to the log for whoever runs the server.
        logger.exception("import job %s failed", job_id)
        ImportJob.objects.filter(pk=job_id).update(
            state=ImportJob.State.FAILED, finished_at=timezone.now(),
            message=_("The import stopped on an unexpected error and wrote nothing: %(e)s")
            % {"e": f"{exc.__class__.__name__}: {exc}"[:500]})


def job_start(job: ImportJob) -> None:
    """Queue the job once the transaction that created it has committed (the worker must see the row)."""
    transaction.on_commit(lambda: person_import_run.enqueue(job.pk))
