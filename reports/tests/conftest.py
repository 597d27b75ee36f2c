import datetime as dt
import os
import shutil
import subprocess

import pytest
from django.utils import timezone

from orgunits.models import Site
from persons import services as people
from persons.models import Category, ManagementStatus
from persons.tests.conftest import resident_id
from reports.models import Form
from reports.services import forms_seed

TZ = timezone.get_fixed_timezone(8 * 60)
DAY = dt.date(2020, 5, 21)  # the five forms: cut-off 15:00, due 17:00


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """That local time of `day` (Beijing time)."""
    return dt.datetime.combine(day, dt.time(hour, minute)).replace(tzinfo=TZ)


@pytest.fixture
def forms(cast):
    """The five daily forms of a street office, by code."""
    forms_seed()
    return {f.code: f for f in Form.objects.all()}


def register(cast, seq, grid, category=None, start=None, status=None, status_start=None):
    """人<seq> in `grid`, in `category` from `start` and under `status` from `status_start` (or `start`)."""
    person = people.person_register(data={"name": f"人{seq}", "doc_number": resident_id(seq=seq), "grid": grid.code},
                                    by=None)
    if category:
        people.category_assign(person=person, category=Category.objects.get(code=category), start=start, by=None)
    if status:
        site = None
        if status == "central_quarantine":
            site, _new = Site.objects.get_or_create(unit=cast.street, name="隔离酒店", defaults={
                "unit_path": cast.street.path, "kind": Site.Kind.QUARANTINE_HOTEL})
        people.status_set(person=person, status=ManagementStatus.objects.get(code=status), site=site,
                          start=status_start or start, by=None)
    return person


def soffice_convert(tmp_path, source, to: str) -> bytes:
    """`source` converted by LibreOffice headless (as CI installs libreoffice-calc) to `to`."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (libreoffice-calc) must be installed on CI")
        pytest.skip("LibreOffice is not installed")
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless", "--norestore",
                    "--convert-to", to, "--outdir", str(tmp_path), str(source)],
                   check=True, capture_output=True, timeout=240)
    return (tmp_path / f"{source.stem}.{to}").read_bytes()
