"""An import job from upload to outcome: one pass checking and writing, its progress, its error file."""

import datetime as dt
import logging
import os
import tempfile
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from accounts.access import Scope, scope_for
from accounts.roles import PERSONS_EDIT, PERSONS_IMPORT
from core.audit import audit_record, snapshot
from core.errors import DomainError
from core.tabular import (
    MESSAGE_CHARS,
    XLSX,
    Table,
    clip,
    error_rows_write,
    listed,
    stored_path,
    table_inspect,
    table_rows,
    table_sniff,
)
from core.timebounds import EARLIEST
from orgunits.models import OrgUnit
from persons.identity import normalize_name
from persons.importing.check import (
    DOC_NUMBER,
    DOC_TYPE,
    LINE,
    PARALLEL_FROM,
    Grids,
    RowChecker,
    Spool,
    categories_by_word,
    gc_relaxed,
    rounds,
    row_cleaner,
    rows_cleaned,
    workers_available,
)
from persons.importing.columns import (
    ERROR_COLUMN,
    EXTENSIONS,
    Columns,
    columns_find,
    field_keys,
    file_year,
    saved_columns,
)
from persons.importing.lookups import sites_by_name, statuses_by_word
from persons.importing.running import import_job_interrupted, import_jobs_recover, job_claim
from persons.importing.write import BulkLoad, Writer, people_registered
from persons.models import CustomField, ImportJob, ImportMapping

logger = logging.getLogger(__name__)

MIN_YEAR = EARLIEST.year
XLSX_PARALLEL_BYTES = 2 << 20  # a workbook this large holds tens of thousands of rows
PROGRESS_EVERY = 1.0  # seconds between published counts


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
        large = job.total_rows >= PARALLEL_FROM or (table.kind == XLSX and os.path.getsize(path) >= XLSX_PARALLEL_BYTES)
        load = _Load(job=job, table=table, columns=columns, scope=scope, grids=grids, by=by, today=today,
                     progress=progress)
        try:
            load.run(rows_cleaned(rows, cleaner, table=table, after=columns.line,
                                  workers=workers_available() if large else 0))
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
        midnight = timezone.make_aware(dt.datetime.combine(today, dt.time()))
        self.writer = Writer(job=job, by=by, grid_paths=grids.path_of, category_start=midnight,
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
                            _error_file_write(job, self.table, self.columns, self.errors)
                        self._done()
                        return
                except _Rejected:
                    pass
                self._rows(chunks, writing=False)
                self._counted()
            _error_file_write(job, self.table, self.columns, self.errors)
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


# -- progress -------------------------------------------------------------------------------------------

class ProgressBoard:
    """Where a running job's counts (any import job with a file, processed_rows and total_rows) are published
    while its transaction hides them.

    PostgreSQL: the job's row, updated through a second connection that commits at once. SQLite: one
    writer at a time, and the import is it; the counts go to a small file beside the uploaded one (an
    SQLite deployment is one machine) which `import_job_progress` reads. Publishing is best effort: a
    failure stops it and never the import.
    """

    def __init__(self, job: ImportJob):
        self.job = job
        self.last = 0.0
        self.other = None
        self.path = progress_path(job) if connection.vendor == "sqlite" else None
        # Inside the caller's transaction the job's row may be locked by it, and a second connection would wait.
        self.live = ((connection.vendor == "sqlite" and self.path is not None)
                     or (connection.vendor == "postgresql" and not connection.in_atomic_block))

    def publish(self, done: int, total: int, *, final: bool = False) -> None:
        now = time.monotonic()
        if not self.live or (not final and now - self.last < PROGRESS_EVERY):
            return
        self.last = now
        try:
            if self.path is not None:
                tmp = self.path.with_name(self.path.name + ".tmp")
                tmp.write_text(f"{done} {total}")
                os.replace(tmp, self.path)
                return
            if self.other is None:
                self.other = connection.copy()
                with self.other.cursor() as cursor:
                    cursor.execute("SET lock_timeout = '2s'")
            with self.other.cursor() as cursor:
                cursor.execute(f"UPDATE {connection.ops.quote_name(type(self.job)._meta.db_table)} "
                               "SET processed_rows = %s, total_rows = %s WHERE id = %s", [done, total, self.job.pk])
        except (OSError, DatabaseError):
            logger.warning("import job %s: progress no longer published", self.job.pk, exc_info=True)
            self.live = False

    def close(self) -> None:
        if self.other is not None:
            self.other.close()
            self.other = None
        if self.path is not None:
            self.path.unlink(missing_ok=True)


def progress_path(job) -> Path | None:
    """The file holding a running SQLite job's counts, beside its upload (None without a local path)."""
    try:
        return Path(job.file.path + ".progress")
    except (NotImplementedError, ValueError):
        return None


def import_job_progress(job: ImportJob) -> tuple[int, int]:
    """(rows processed, rows in the file) of `job`, current while it runs; a job whose process died is marked
    failed first (`job` updated)."""
    import_job_interrupted(job)
    return progress_read(job, running=job.state == ImportJob.State.RUNNING)


def progress_read(job, *, running: bool) -> tuple[int, int]:
    """(rows processed, rows in the file) of an import job, from its board while it runs."""
    if running and connection.vendor == "sqlite":
        path = progress_path(job)
        try:
            done, total = (int(n) for n in path.read_text().split()) if path else (None, None)
        except (OSError, ValueError):
            done = total = None
        if done is not None:
            return done, total
    return job.processed_rows, job.total_rows


# -- the error file -------------------------------------------------------------------------------------

def error_text(line: int, problems: list[tuple[str, str]]) -> str:
    """The reasons a row was not imported, as the error file's last column gives them."""
    return _("row %(row)d: %(errors)s") % {"row": line, "errors": "; ".join(f"{t}: {m}" for t, m in problems)}


def _error_file_write(job: ImportJob, table: Table, columns: Columns, errors: Spool) -> None:
    """Save the rows with errors, as they were, plus the reasons in a last column, in the input's format."""
    reasons = ((line, error_text(line, problems)) for batch in errors.batches() for line, problems in batch)
    with tempfile.TemporaryFile() as out:
        error_rows_write(out, table, titles=columns.titles, reasons=reasons, column=ERROR_COLUMN)
        out.seek(0)
        job.error_file.save(f"{Path(job.filename).stem}-errors.{table.kind}", File(out), save=False)


# -- creating a job, access, and the small services around a job --------------------------------------------

def import_job_create(*, unit: OrgUnit, uploaded_file, filename: str, mapping: ImportMapping | None = None,
                      columns: dict | None = None, keep_valid: bool = False, year: int | None = None, by,
                      start: bool = True) -> ImportJob:
    """Store an uploaded file as an import job into `unit` and queue it (`start=False`: the caller runs it).
    `year` is the year of dates the file writes without one (3月27日); by default the file's most common year.
    Its refusals are in the interface's language, as the job's messages are, whoever calls it."""
    with translation.override(settings.LANGUAGE_CODE):
        return _job_create(unit=unit, uploaded_file=uploaded_file, filename=filename, mapping=mapping,
                           columns=columns, keep_valid=keep_valid, year=year, by=by, start=start)


def _job_create(*, unit, uploaded_file, filename, mapping, columns, keep_valid, year, by, start) -> ImportJob:
    if by is not None and not scope_for(by, PERSONS_IMPORT).covers(unit.path):
        raise DomainError("out_of_scope", _("%(unit)s is outside the units you may import people into.")
                          % {"unit": unit.name}, status=404)
    name = Path(filename or "").name
    if Path(name).suffix.lower() not in EXTENSIONS:
        message = _("%(name)s is not a CSV or XLSX file. Save the sheet from Excel as .xlsx (or as CSV) and "
                    "upload that.") % {"name": name or "?"}
        raise DomainError("unsupported_file", message, fields={"file": [message]})
    table_sniff(uploaded_file, name=name)
    explicit = {**(mapping.columns if mapping else {}), **(columns or {})}
    allowed = set(field_keys(list(CustomField.objects.filter(active=True))))
    wrong = {title: key for title, key in explicit.items() if key not in allowed}
    if wrong:
        message = _("Unknown fields in the column mapping: %(m)s.") % {
            "m": listed(f"{clip(t)} → {clip(k)}" for t, k in wrong.items())}
        raise DomainError("invalid_mapping", message, fields={"columns": [message]})
    if year is not None and not MIN_YEAR <= year <= timezone.localdate().year:
        message = _("%(year)s is not a year dates of this file can have.") % {"year": year}
        raise DomainError("invalid_year", message, fields={"year": [message]})
    with transaction.atomic():
        job = ImportJob(unit=unit, unit_path=unit.path, filename=name[:200], columns=explicit,
                        keep_valid=keep_valid, year=year, created_by=by)
        job.file.save(name, uploaded_file if isinstance(uploaded_file, File) else File(uploaded_file, name=name),
                      save=False)
        job.save()
        if start:
            from persons.tasks import job_start  # tasks imports this package

            job_start(job)
    return job


def import_jobs_for_user(user) -> QuerySet[ImportJob]:
    """Import jobs into units where the user may import, newest first."""
    return ImportJob.objects.filter(scope_for(user, PERSONS_IMPORT).q()).select_related("unit", "created_by")


def import_job_get_for_user(user, pk: int) -> ImportJob:
    """The import job `pk` if its unit lies in the user's import scope, else 404; one whose process died
    says so (marked failed)."""
    job = import_jobs_for_user(user).filter(pk=pk).first()
    if job is None:
        raise Http404
    import_job_interrupted(job)
    return job


def import_error_file_open(*, job: ImportJob, by) -> File:
    """Open the job's error file for download (rows of personal data: the download is audited)."""
    if not job.error_file:
        raise Http404
    audit_record(actor=by, action="export", obj=job, object_repr=job.filename[:200], unit_path=job.unit_path,
                 after={"error_rows": job.error_rows}, note=gettext_noop("error file of an import downloaded"))
    return job.error_file.open("rb")


def import_mapping_save(*, name: str, columns: dict[str, str], by) -> ImportMapping:
    """Save (or replace) a named column mapping {column title: field key or "ignore"}."""
    name = normalize_name(name)
    allowed = set(field_keys(list(CustomField.objects.filter(active=True))))
    wrong = {title: key for title, key in columns.items() if key not in allowed}
    if not name or not columns or wrong:
        message = _("Unknown fields in the column mapping: %(m)s.") % {
            "m": listed(f"{clip(t)} → {clip(k)}" for t, k in wrong.items())} if wrong else _("Name the mapping and its columns.")
        raise DomainError("invalid_mapping", message, fields={"columns": [message]})
    with transaction.atomic():
        mapping = ImportMapping.objects.select_for_update().filter(name=name).first()
        before = snapshot(mapping) if mapping else None
        mapping = mapping or ImportMapping(name=name, created_by=by)
        mapping.columns = {str(t).strip(): k for t, k in columns.items()}
        mapping.save()
        audit_record(actor=by, action="update" if before else "create", obj=mapping, before=before,
                     after=snapshot(mapping))
    return mapping
