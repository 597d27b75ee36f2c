"""A contact list is imported by the background worker, as the line list is: the upload answers at once, the
page follows the import's progress, a run whose process died says so; a zip bomb is refused before it is
parsed; the error file holds formulas as text."""

import resource

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from core.tests import tabular_files
from core.tests.inert import assert_inert, text_workbook, xlsx_cells
from core.tests.tabular_files import PAYLOADS
from persons.importing.progress import ProgressBoard
from persons.importing.running import job_claim
from persons.models import Person
from persons.tests.conftest import resident_id
from tracing import services
from tracing.models import ContactImport, Exposure
from tracing.tasks import contact_import_task
from tracing.tests.conftest import days_ago
from tracing.tests.test_import_contacts import HEADER, _csv


def _two_contacts(cast) -> SimpleUploadedFile:
    return _csv([["李明", resident_id(seq=201), "13812340201", cast.grid_a.code, days_ago(4).isoformat(),
                  days_ago(2).isoformat(), "家庭", "一米以内"],
                 ["赵红", resident_id(seq=202), "", "", "", days_ago(1).isoformat(), "workplace", ""]])


def test_the_upload_answers_at_once_and_the_worker_imports_the_list(cast, confirmed_case, client_for):
    client = client_for(cast.grid_a_worker)
    url = f"/tracing/cases/{confirmed_case.pk}/contacts/import/"

    response = client.post(url, {"file": _two_contacts(cast), "unit": cast.grid_a.code})

    record = ContactImport.objects.get()
    assert response.status_code == 302 and record.state == ContactImport.State.PENDING
    assert not Person.objects.filter(name="李明").exists()  # nothing imported inside the request
    page = client.get(response["Location"]).content.decode()
    assert 'hx-trigger="every 2s"' in page and f"/tracing/imports/{record.pk}/progress/" in page
    assert client.get(f"/api/contact-imports/{record.pk}").json()["state"] == "pending"

    contact_import_task.call(record.pk)  # what `manage.py db_worker` does with the queued task

    record.refresh_from_db()
    assert (record.state, record.created, record.processed_rows, record.total_rows) == ("done", 2, 2, 2)
    assert record.finished_at is not None and Exposure.objects.filter(source=confirmed_case.person).count() == 2
    part = client.get(f"/tracing/imports/{record.pk}/progress/").content.decode()
    assert "every 2s" not in part and "import-counts" in part
    contact_import_task.call(record.pk)  # queued twice: the second run finds it done and leaves it
    assert Exposure.objects.filter(source=confirmed_case.person).count() == 2


def test_the_progress_of_a_running_import_is_shown_and_a_dead_run_is_marked_failed(cast, confirmed_case,
                                                                                   client_for):
    record = services.contact_import_create(case=confirmed_case, uploaded_file=_two_contacts(cast),
                                            filename="密接名单.csv", unit=cast.grid_a, by=cast.grid_a_worker,
                                            start=False)
    ContactImport.objects.filter(pk=record.pk).update(state=ContactImport.State.RUNNING, total_rows=2)
    client = client_for(cast.grid_a_worker)
    with job_claim(record) as claimed:  # a worker is running it and has written one row of two
        assert claimed
        board = ProgressBoard(record)
        if connection.vendor == "sqlite":  # the running import holds the only write lock: a file beside the upload
            board.publish(1, 2, final=True)
        else:  # a second connection writes the row (it cannot see one this test's transaction created)
            ContactImport.objects.filter(pk=record.pk).update(processed_rows=1)
        live = client.get(f"/api/contact-imports/{record.pk}").json()
        assert (live["state"], live["processed_rows"], live["total_rows"]) == ("running", 1, 2)
        assert "已处理 1 / 2 行" in client.get(f"/tracing/imports/{record.pk}/progress/").content.decode()
        board.close()
    # The worker died (nobody holds the claim): the next look says so, and nothing was written.
    dead = client.get(f"/api/contact-imports/{record.pk}").json()
    assert dead["state"] == "failed" and "被中断" in dead["message"]  # in the language of the one who uploaded it
    assert not Person.objects.filter(name="李明").exists()


def test_a_contact_list_that_unpacks_to_a_gigabyte_is_refused_before_it_is_parsed(cast, confirmed_case):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    bomb = SimpleUploadedFile("密接名单.xlsx", tabular_files.with_shared_string(1024))
    record = services.contacts_import(case=confirmed_case, uploaded_file=bomb, filename=bomb.name, unit=cast.grid_a,
                                      by=cast.street_officer)
    assert record.state == "rejected" and "cannot be read safely" in record.message and not record.error_file
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - before < 100


def test_a_contact_list_longer_than_a_contact_list_is_refused_while_reading(cast, confirmed_case):
    record = services.contacts_import(case=confirmed_case, uploaded_file=SimpleUploadedFile(
        "名单.xlsx", tabular_files.with_rows(3_000_000)), filename="名单.xlsx", unit=cast.grid_a,
        by=cast.street_officer)
    assert record.state == "rejected" and "more than 10000 rows" in record.message and not record.error_file


def test_the_error_file_and_the_stored_errors_hold_formulas_as_text_and_stay_short(cast, confirmed_case):
    rows = [[payload, resident_id(seq=400 + i), "", cast.grid_a.code, "", days_ago(1).isoformat(), "卡拉OK" * 300, ""]
            for i, payload in enumerate(PAYLOADS)]
    header = [*HEADER[:-2], "接触场所", "接触距离"]
    upload = SimpleUploadedFile("名单.xlsx", text_workbook(header, rows))
    record = services.contacts_import(case=confirmed_case, uploaded_file=upload, filename="名单.xlsx",
                                      unit=cast.grid_a, by=cast.street_officer)
    assert record.state == "rejected" and record.error_rows == len(PAYLOADS)
    with record.error_file.open("rb") as f:
        assert_inert(xlsx_cells(f.read()), PAYLOADS)
    assert all(len(e["reason"]) <= 300 and len(e["column"]) <= 40 for e in record.errors)


