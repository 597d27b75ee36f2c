"""Running an import job: one pass checking and writing every row of the file, then the job's outcome."""

import logging
from collections.abc import Callable
from contextlib import closing

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from accounts.access import Scope, scope_for
from accounts.roles import PERSONS_EDIT
from core.audit import audit_record
from core.clock import day_start
from core.errors import DomainError
from core.tabular import (
    MESSAGE_CHARS,
    XLSX,
    Table,
    clip,
    error_file_save,
    stored_path,
    table_inspect,
    table_rows,
)
from orgunits.models import OrgUnit
from persons.importing.check import (
    DOC_NUMBER,
    DOC_TYPE,
    LINE,
    RowChecker,
    Spool,
    gc_relaxed,
    rounds,
    row_cleaner,
)
from persons.importing.columns import Columns, columns_find, file_year, saved_columns
from persons.importing.lookups import Grids, categories_by_word, sites_by_name, statuses_by_word
from persons.importing.progress import ProgressBoard
from persons.importing.readers import rows_cleaned, workers_for
from persons.importing.running import import_jobs_recover, job_claim
from persons.importing.write import BulkLoad, Writer, people_registered
from persons.models import CustomField, ImportJob

logger = logging.getLogger(__name__)


class _Rejected(Exception):
    """Rows had errors and the valid ones are not kept: roll back what was written speculatively."""


def _language(job: ImportJob) -> str:
    """The language of an import's messages and error file: the interface's (Chinese), whoever runs it (page,
    API or management command, which runs without a request and would otherwise speak English)."""
    return settings.LANGUAGE_CODE


def people_import(*, job: ImportJob, progress: Callable[[str, int, int], None] | None = None) -> None:
    """Run an import job: check every row and write all of them, the valid ones, or nothing.

    1. Find the header row and map the columns; a file that cannot be read or mapped is rejected.
    2. In one transaction, rows are cleaned a chunk at a time (by worker processes for a large file) and
       each chunk is written as soon as it is checked: documents repeated within the file and people
       registered outside the importer's scope are errors, existing people are updated.
    3. At the first chunk with errors, unless the valid rows are kept, the transaction is rolled back
       (nothing was ever committed, and other writers wait no longer) and the rest of the file is only
       checked, for the error file.

    The process holds the job's claim while it runs (running.job_claim): killed midway, it has written no
    row, and its job, still saying running, is marked failed by the next look at it (import_job_progress,
    import_job_get_for_user) or the next import; the file can then be imported again.

    Progress (`processed_rows` of `total_rows`) is published outside the transaction, which hides the
    job's own updates until it commits; `import_job_progress` reads it. `progress(phase, done, total)` is
    called per chunk, phase "write" while rows are being written and "check" once they are not.
    """
    if job.state in (ImportJob.State.DONE, ImportJob.State.REJECTED):
        return
    with job_claim(job) as claimed:
        # The same job queued twice, or run again while it runs: one process runs it, the other leaves it.
        if not claimed:
            logger.warning("import job %s is being run by another process", job.pk)
            return
        job.refresh_from_db(fields=["state"])
        if job.state in (ImportJob.State.DONE, ImportJob.State.REJECTED):
            return
        import_jobs_recover()  # jobs left "running" by a process that died are failed first
        with translation.override(_language(job)):
            _people_import(job, progress or (lambda phase, done, total: None))


def _people_import(job: ImportJob, progress) -> None:
    by = job.created_by
    custom_fields = list(CustomField.objects.filter(active=True))
    today = timezone.localdate()
    with stored_path(job.file) as path:
        job.state, job.processed_rows = ImportJob.State.RUNNING, 0
        ImportJob.objects.filter(pk=job.pk).update(state=job.state, processed_rows=0)
        grid_required = job.unit.kind not in (OrgUnit.Kind.GRID, OrgUnit.Kind.COMMUNITY)
        try:
            table = table_inspect(path, name=job.filename)  # the limits, before any parser runs
            job.total_rows = table.rows_hint
            ImportJob.objects.filter(pk=job.pk).update(total_rows=job.total_rows)
            rows = table_rows(table)
            columns = columns_find(rows, explicit=job.columns or {}, custom_fields=custom_fields,
                                   grid_required=grid_required, saved=saved_columns())
            year = job.year or (file_year(table, columns) if columns.date_fields else None)
        except DomainError as exc:
            _finish(job, ImportJob.State.REJECTED, str(exc.message))
            return
        scope = scope_for(by, PERSONS_EDIT) if by is not None else Scope(None)
        grids = Grids(unit=job.unit, scope=scope)
        wanted = {"category", "category_start"} & set(columns.title_of)
        status = bool({"status", "status_site"} & set(columns.title_of))
        cleaner = row_cleaner(columns, custom_fields=custom_fields, today=today, language=_language(job),
                              grids=grids, categories=categories_by_word() if wanted else None,
                              default_grid="" if grid_required else job.unit.code, convert=table.kind == XLSX,
                              year=year, statuses=statuses_by_word() if status else None,
                              sites=sites_by_name(scope=scope) if status else None)
        load = _Load(job=job, table=table, columns=columns, scope=scope, grids=grids, by=by, today=today,
                     progress=progress)
        try:
            load.run(rows_cleaned(rows, cleaner, table=table, after=columns.line, workers=workers_for(table)))
        finally:
            load.close()


class _Load:
    """Step 2 and 3 of people_import: the rows checked and written in one transaction, then the outcome."""

    def __init__(self, *, job, table: Table, columns: Columns, scope: Scope, grids: Grids, by, today, progress):
        self.job, self.table, self.columns, self.scope, self.by = job, table, columns, scope, by
        self.progress = progress
        self.checker = RowChecker(grids=grids, doc_title=columns.title_of["doc_number"])
        self.checker.needs_site = {pk for pk, needs in statuses_by_word().values() if needs}
        self.checker.communities = {pk for key, pk in grids.community_id.items()}
        self.writer = Writer(job=job, by=by, grid_paths=grids.path_of, category_start=day_start(today),
                             categories="category" in columns.title_of, statuses="status" in columns.title_of,
                             merging=self.checker.merged_lines)
        self.errors = Spool()
        self.board = ProgressBoard(job)

    def close(self):
        self.errors.close()
        self.board.close()

    def run(self, chunks) -> None:
        job = self.job
        try:
            with gc_relaxed(), closing(chunks):
                try:
                    with transaction.atomic(), BulkLoad(rows_expected=job.total_rows) as load:
                        if not self._rows(chunks, writing=True):
                            raise _Rejected  # roll back now: the rest is only checked, without the write lock
                        self._counted()
                        if self.errors.count and not job.keep_valid:
                            raise _Rejected
                        load.finish(created=self.writer.created, episodes=self.writer.episodes)
                        if self.errors.count:
                            self._error_file_write()
                        self._done()
                        return
                except _Rejected:
                    pass
                self._rows(chunks, writing=False)
                self._counted()
            self._error_file_write()
            _finish(job, ImportJob.State.REJECTED, ngettext(
                "%(errors)d of %(total)d rows has errors; nothing was written. Download the error file, "
                "correct the rows and import the file again.",
                "%(errors)d of %(total)d rows have errors; nothing was written. Download the error file, "
                "correct the rows and import the file again.", job.error_rows)
                % {"errors": job.error_rows, "total": job.total_rows})
        except DomainError as exc:  # the file turned out unreadable past its header
            _finish(job, ImportJob.State.REJECTED, str(exc.message))
        except IntegrityError:
            _finish(job, ImportJob.State.FAILED, _("Someone registered one of these people while the import ran; "
                                                   "nothing was written. Import the file again."))

    def _rows(self, chunks, *, writing: bool) -> bool:
        """Check chunks in file order, writing their valid rows when `writing`. False when writing stopped at
        the first chunk with errors (the valid rows are not kept), the remaining chunks left to check."""
        job, checker, writer, errors, scope = self.job, self.checker, self.writer, self.errors, self.scope
        for chunk in chunks:
            valid, bad = checker.take(chunk)
            registered = {}
            if valid and (writing or not scope.everything):
                registered = people_registered(valid)
                if registered and not scope.everything:
                    valid, outside = _outside_scope(valid, registered, scope, title=checker.doc_title)
                    if outside:
                        bad = sorted(bad + outside, key=lambda e: e[0])
            errors.write(bad)
            stop = writing and bool(bad) and not job.keep_valid
            if writing and valid and not stop:
                first, *later = rounds(valid)
                writer.write(first, registered)
                for part in later:  # a person listed twice in this chunk: merged into the row just written
                    writer.write(part, people_registered(part))
            total = max(job.total_rows, checker.rows)
            self.board.publish(checker.rows, total)
            self.progress("write" if writing and not stop else "check", checker.rows, total)
            if stop:
                return False
        return True

    def _counted(self) -> None:
        """Every row checked: the counts are final."""
        job = self.job
        self.checker.seen.clear()  # 90 MB at a million rows, not needed any more
        job.processed_rows = job.total_rows = self.checker.rows
        job.error_rows = self.errors.count
        self.board.publish(job.processed_rows, job.total_rows, final=True)

    def _error_file_write(self) -> None:
        """The rows with errors, as they were, with the reasons in a last column, in the input's format."""
        rows = (row for batch in self.errors.batches() for row in batch)
        error_file_save(self.job.error_file, table=self.table, titles=self.columns.titles, rows=rows,
                        uploaded=self.job.filename)

    def _done(self) -> None:
        job, writer = self.job, self.writer
        job.created, job.updated, job.unchanged = writer.created, writer.updated, writer.unchanged
        if writer.created or writer.updated or writer.episodes:
            # One entry for the whole load: a million "created" entries would bury every other entry of the
            # day, and the file itself is kept with the job. Updates are audited per person because they
            # change what someone else entered.
            audit_record(actor=self.by, action="create", obj=job, object_repr=job.filename[:200],
                         unit_path=job.unit_path, note=gettext_noop("people imported from a file"), after={
                             "file": job.filename, "created": writer.created, "updated": writer.updated,
                             "unchanged": writer.unchanged, "categories_opened": writer.episodes,
                             "error_rows": job.error_rows})
        message = _("%(created)d created, %(updated)d updated, %(unchanged)d unchanged.") % {
            "created": writer.created, "updated": writer.updated, "unchanged": writer.unchanged}
        message += self.checker.notes()
        if job.error_rows:
            message += " " + ngettext(
                "%(errors)d row with errors was left out: download it, correct it and import it again.",
                "%(errors)d rows with errors were left out: download them, correct them and import them again.",
                job.error_rows) % {"errors": job.error_rows}
        _finish(job, ImportJob.State.DONE, message)


def _outside_scope(valid: list, registered: dict, scope: Scope, *, title: str) -> tuple[list, list]:
    """Rows whose document is registered in a unit outside the importer's scope are errors: not taken over."""
    outside = {key for key, (_pk, path) in registered.items() if not scope.covers(path)}
    if not outside:
        return valid, []
    message = _("This document is registered in a unit outside your scope; ask that unit to transfer the person.")
    return ([r for r in valid if (r[DOC_TYPE], r[DOC_NUMBER]) not in outside],
            [(r[LINE], [(title, message)]) for r in valid if (r[DOC_TYPE], r[DOC_NUMBER]) in outside])


def _finish(job: ImportJob, state: str, message: str) -> None:
    """The job's outcome saved; its message kept short (every listing of jobs returns it), the error file holding
    the detail."""
    job.state, job.message, job.finished_at = state, clip(message, MESSAGE_CHARS), timezone.now()
    job.save(update_fields=["state", "message", "finished_at", "total_rows", "processed_rows", "created",
                            "updated", "unchanged", "error_rows", "error_file"])
