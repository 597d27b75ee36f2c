"""The services around an import job: creating and queueing it, access to jobs, their progress, the error file's
download, saved column mappings. The run itself is `run.people_import`."""


from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.access import scope_for
from accounts.roles import PERSONS_IMPORT
from core.audit import audit_record, snapshot
from core.errors import DomainError
from core.tabular import clip, listed, upload_check
from core.tabular.import_jobs import error_file_open
from core.timebounds import EARLIEST
from orgunits.models import OrgUnit
from persons.identity import normalize_name
from persons.importing.columns import field_keys
from persons.importing.progress import progress_read
from persons.importing.running import import_job_interrupted
from persons.models import CustomField, ImportJob, ImportMapping
from persons.tasks import job_start

MIN_YEAR = EARLIEST.year


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
    name = upload_check(uploaded_file, name=filename)
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


def import_job_progress(job: ImportJob) -> tuple[int, int]:
    """(rows processed, rows in the file) of `job`, current while it runs; a job whose process died is marked
    failed first (`job` updated)."""
    import_job_interrupted(job)
    return progress_read(job, running=job.state == ImportJob.State.RUNNING)


def import_error_file_open(job: ImportJob, *, by) -> File:
    """Open the job's error file for download (rows of personal data: the download is audited)."""
    return error_file_open(job, by=by, note=gettext_noop("error file of an import downloaded"))


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
