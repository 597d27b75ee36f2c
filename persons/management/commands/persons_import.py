"""manage.py persons_import FILE --unit CODE [--keep-valid] [--mapping NAME]: import people from CSV/XLSX."""

from pathlib import Path

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from orgunits.models import OrgUnit
from persons.importing import import_job_create, people_import
from persons.models import ImportJob, ImportMapping


class Command(BaseCommand):
    help = ("Import people from a CSV or XLSX file with a header row (姓名, 身份证号码, 手机号码, 网格编码…) into the "
            "unit CODE. Every row is checked first; with any error nothing is written and an error file lists the "
            "rows and reasons, unless --keep-valid writes the good rows. People already registered are updated, "
            "so importing the same file again changes nothing. Runs here, without the background worker.")

    def add_arguments(self, parser):
        parser.add_argument("file", help="a .csv (UTF-8 or GB18030) or .xlsx file")
        parser.add_argument("--unit", required=True, help="code of the unit the people belong to, e.g. 431302004")
        parser.add_argument("--keep-valid", action="store_true", help="write the valid rows even if others have errors")
        parser.add_argument("--mapping", help="name of a saved column mapping")
        parser.add_argument("--year", type=int, help="the year of dates written without one (3月27日); by default "
                                                     "the most common year of the file's other dates")

    def handle(self, *args, file, unit, keep_valid=False, mapping=None, year=None, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file}: no such file")
        target = OrgUnit.objects.filter(code=unit).first()
        if target is None:
            raise CommandError(f"no unit has the code {unit}")
        saved = None
        if mapping:
            saved = ImportMapping.objects.filter(name=mapping).first()
            if saved is None:
                names = ", ".join(ImportMapping.objects.values_list("name", flat=True)) or "none saved"
                raise CommandError(f"no column mapping is named {mapping} ({names})")
        with path.open("rb") as f:
            try:
                job = import_job_create(unit=target, uploaded_file=File(f, name=path.name), filename=path.name,
                                        mapping=saved, keep_valid=keep_valid, year=year, by=None, start=False)
            except DomainError as exc:
                raise CommandError(str(exc.message)) from None
        self._last = -1
        people_import(job=job, progress=self._progress)
        job.refresh_from_db()
        if self.stdout.isatty():
            self.stdout.write("")  # end the progress line
        self.stdout.write(f"{job.filename}: {job.get_state_display()}, {job.total_rows:,} rows — {job.message}")
        if job.error_file:
            self.stdout.write(f"error file: {_where(job.error_file)}")
        if job.state == ImportJob.State.REJECTED:
            raise CommandError("nothing was written" + (f"; see {_where(job.error_file)}" if job.error_file else ""),
                               returncode=2)
        if job.state == ImportJob.State.FAILED:
            raise CommandError(job.message)

    def _progress(self, phase: str, done: int, total: int) -> None:
        """One line, rewritten in place on a terminal; a line per 100,000 rows in a log."""
        label = {"check": "checking", "write": "writing"}[phase]
        line = f"{label} {done:,}" + (f" / {total:,}" if total else "") + " rows"
        if self.stdout.isatty():
            self.stdout.write(f"\r{line}   ", ending="")
            self.stdout.flush()
        elif done // 100_000 != self._last or done == total:
            self._last = done // 100_000
            self.stdout.write(line)


def _where(stored) -> str:
    try:
        return stored.path
    except NotImplementedError:
        return stored.name
