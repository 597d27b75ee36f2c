"""A contact list import as a background job, as the line list's import runs: stored and queued when uploaded,
run by the worker (contact_import_task, below), its progress shown while it runs, and a run whose
process died marked failed (persons.importing.running: the claim that ends with the process)."""

import logging

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from accounts.access import scope_for
from accounts.roles import PERSONS_EDIT, TRACING_EDIT
from core.errors import DomainError
from core.tabular import MESSAGE_CHARS, clip, stored_path, upload_check
from orgunits.models import OrgUnit
from persons.importing.progress import ProgressBoard, progress_path, progress_read
from persons.importing.running import job_claim, job_held, task_interrupted
from tracing.models import Case, ContactImport
from tracing.services.imports import contact_rows_import

logger = logging.getLogger(__name__)
State = ContactImport.State


def contact_import_create(*, case: Case, uploaded_file, filename: str, unit: OrgUnit, by,
                          start: bool = True) -> ContactImport:
    """Store a contact list of `case` (new contacts registered under `unit`) and queue its import once the
    transaction commits (`start=False`: the caller runs it, contact_import_run)."""
    if by is not None and not scope_for(by, TRACING_EDIT).covers(case.unit_path):
        raise DomainError("out_of_scope", _("This case is outside the units you may trace in."), status=404)
    if by is not None and not scope_for(by, PERSONS_EDIT).covers(unit.path):
        raise DomainError("out_of_scope", _("%(unit)s is outside the units you may register people in.")
                          % {"unit": unit.name}, fields={"unit": [_("Outside your scope.")]}, status=404)
    name = upload_check(uploaded_file, name=filename)
    with transaction.atomic():
        record = ContactImport(case=case, unit_path=case.unit_path, unit=unit, filename=name[:200],
                               state=State.PENDING, created_by=by)
        record.file.save(name, uploaded_file if isinstance(uploaded_file, File) else File(uploaded_file, name=name),
                         save=False)
        record.save()
        if start:
            pk = record.pk
            transaction.on_commit(lambda: contact_import_task.enqueue(pk))
    return record


def contacts_import(*, case: Case, uploaded_file, filename: str, unit: OrgUnit, by) -> ContactImport:
    """Import a contact list of `case` here and now (create and run); the record is kept whatever its outcome.
    The pages and the API queue the import instead (contact_import_create)."""
    record = contact_import_create(case=case, uploaded_file=uploaded_file, filename=filename, unit=unit, by=by,
                                   start=False)
    contact_import_run(record=record, here=True)
    return record


def contact_import_run(*, record: ContactImport, here: bool = False) -> None:
    """Run a queued import (imports.contact_rows_import): everything written or nothing, the outcome saved; in
    the language of the person who uploaded it, or (`here`) in the caller's.

    The process holds the import's claim while it runs: killed midway, it has written nothing (one
    transaction), and the import, still saying running, is marked failed by the next look at it."""
    if record.state != State.PENDING:
        return
    with job_claim(record) as claimed:
        if not claimed:  # queued twice: the other process runs it
            logger.warning("contact import %s is being run by another process", record.pk)
            return
        record.refresh_from_db(fields=["state"])
        if record.state != State.PENDING:
            return
        for stale in ContactImport.objects.filter(state=State.RUNNING).exclude(pk=record.pk):
            contact_import_interrupted(stale)
        if here:
            _run(record)
            return
        with translation.override(getattr(record.created_by, "language", "") or settings.LANGUAGE_CODE):
            _run(record)


def _run(record: ContactImport) -> None:
    record.state = State.RUNNING
    ContactImport.objects.filter(pk=record.pk).update(state=State.RUNNING, processed_rows=0)
    board = ProgressBoard(record)
    try:
        with stored_path(record.file) as path:
            try:
                contact_rows_import(record, path=path, by=record.created_by, board=board)
            except DomainError as exc:  # the file as a whole
                record.state, record.message = State.REJECTED, str(exc.message)
    finally:
        board.close()
    record.processed_rows = record.total_rows
    record.message = clip(record.message, MESSAGE_CHARS)  # returned by every listing: the error file has the rest
    record.finished_at = timezone.now()
    record.save()


@task()
def contact_import_task(record_id: int) -> None:
    """Run contact list import `record_id` (what the worker runs); an unexpected error marks it failed with its
    message."""
    record = ContactImport.objects.select_related("case", "case__person", "unit", "created_by").filter(
        pk=record_id).first()
    if record is None:
        logger.warning("contact import %s no longer exists", record_id)
        return
    try:
        contact_import_run(record=record)
    except Exception as exc:
        # Not re-raised: the import says what went wrong, which is what the person who uploaded the list sees;
        # the traceback goes to the log for whoever runs the server.
        logger.exception("contact import %s failed", record_id)
        contact_import_failed(record_id, exc)


def contact_import_failed(record_id: int, exc: Exception) -> None:
    """An unexpected error ended the run: the import says so (nothing was written)."""
    ContactImport.objects.filter(pk=record_id, state__in=[State.PENDING, State.RUNNING]).update(
        state=State.FAILED, finished_at=timezone.now(),
        message=clip(_("The import stopped on an unexpected error and wrote nothing: %(e)s")
                     % {"e": f"{exc.__class__.__name__}: {exc}"}, MESSAGE_CHARS))


def contact_import_interrupted(record: ContactImport) -> bool:
    """Mark `record` failed if it says running while no process holds its claim; True if it was (record updated)."""
    if record.state != State.RUNNING or job_held(record):
        return False
    with translation.override(getattr(record.created_by, "language", "") or settings.LANGUAGE_CODE):
        message = _("The import was interrupted (the server stopped while it ran) and wrote nothing. "
                    "Import the file again.")
    now = timezone.now()
    if not ContactImport.objects.filter(pk=record.pk, state=State.RUNNING).update(
            state=State.FAILED, message=message, finished_at=now):
        record.refresh_from_db()
        return False
    record.state, record.message, record.finished_at = State.FAILED, message, now
    logger.warning("contact import %s was interrupted: its process ended while it ran", record.pk)
    task_interrupted(contact_import_task, record.pk, now)
    path = progress_path(record)
    if path is not None:
        path.unlink(missing_ok=True)
    return True


def contact_import_progress(record: ContactImport) -> tuple[int, int]:
    """(rows processed, rows in the list) of `record`, current while it runs; a run whose process died is
    marked failed first (`record` updated)."""
    contact_import_interrupted(record)
    return progress_read(record, running=record.state == State.RUNNING)
