"""A name or a cell that begins like a formula comes out of every person file as text behind a single quote: the
person list exported as xlsx and csv, and the error files of an import, in the format uploaded."""


import pytest
from django.core.files.base import ContentFile

from core.tests.inert import assert_inert, csv_cells, file_cells, text_workbook, xlsx_cells
from core.tests.tabular_files import PAYLOADS
from persons import importing
from persons.models import ImportJob, Person
from persons.services import person_register
from persons.tests.conftest import resident_id
from persons.tests.test_import import HEADER, csv_bytes, people_rows


@pytest.fixture
def formulas(cast):
    """A person per payload, in grid A, the payload in the name, the address and the notes (entered long ago, or
    through a service that lets it through: the files must be safe whatever the line list holds)."""
    for i, payload in enumerate(PAYLOADS):
        person = person_register(data={"name": f"张{i}", "doc_number": resident_id(seq=300 + i),
                                       "grid": cast.grid_a.code}, by=None)
        Person.objects.filter(pk=person.pk).update(name=payload[:50], address=payload, notes=payload)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_person_list_exports_formulas_as_text(cast, formulas, client_for, fmt):
    response = client_for(cast.street_officer).get(f"/persons/export.{fmt}")
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    cells = xlsx_cells(data) if fmt == "xlsx" else csv_cells(data)
    assert_inert(cells, PAYLOADS)
    assert {row[0] for row in cells[1:]} == {"'" + p for p in PAYLOADS}


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_an_import_s_error_file_returns_formulas_as_text(cast, django_capture_on_commit_callbacks, kind):
    rows = people_rows(len(PAYLOADS), [cast.grid_a.code])
    for row, payload in zip(rows, PAYLOADS, strict=True):
        row[0], row[4] = payload, payload
        row[5] = "NO-SUCH-GRID"  # every row in error: every row comes back
    content = text_workbook(HEADER, rows) if kind == "xlsx" else csv_bytes(rows)
    with django_capture_on_commit_callbacks(execute=True):
        job = importing.import_job_create(unit=cast.street, uploaded_file=ContentFile(content, name=f"p.{kind}"),
                                          filename=f"p.{kind}", by=cast.street_officer)
    job.refresh_from_db()
    assert job.state == ImportJob.State.REJECTED and job.error_rows == len(PAYLOADS)
    with job.error_file.open("rb") as f:
        cells = file_cells(f.read(), kind)
    assert cells[0] == [*HEADER, "错误原因"]
    assert_inert(cells, PAYLOADS)
