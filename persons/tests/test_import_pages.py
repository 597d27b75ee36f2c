"""Import pages through the test client: upload a file, follow the job to its outcome, download the error
file; live progress while a job runs; other communities' jobs answer 404."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from core.models import AuditEntry
from persons.importing.progress import ProgressBoard
from persons.importing.running import job_claim
from persons.models import ImportJob, ImportMapping, Person
from persons.tests.test_import import csv_bytes, people_rows


@pytest.fixture
def upload(client_for, django_capture_on_commit_callbacks):
    """upload(user, content, **fields): post the new-import form; the job runs when its row commits."""
    def go(user, content: bytes, *, name="people.csv", **fields):
        client = client_for(user)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("persons:import_create"),
                                   {"file": ContentFile(content, name=name), **fields})
        return client, response
    return go


def _job_page(client, response):
    assert response.status_code == 302, response.content.decode()[:2000]
    page = client.get(response["Location"])
    assert page.status_code == 200
    return page, ImportJob.objects.get(pk=page.context["job"].pk)


def test_community_worker_uploads_a_csv_and_sees_the_job_done(cast, upload):
    rows = people_rows(5, [cast.grid_a.code])

    client, response = upload(cast.community_a_worker, csv_bytes(rows), unit=cast.community_a.code)

    page, job = _job_page(client, response)
    assert (job.state, job.created, job.unit) == (ImportJob.State.DONE, 5, cast.community_a)
    text = page.content.decode()
    assert job.get_state_display() in text and job.message in text
    assert 'hx-trigger="every 2s"' not in text and "import-counts" in text
    assert Person.objects.filter(grid=cast.grid_a).count() == 5
    listing = client.get(reverse("persons:imports"))
    assert listing.status_code == 200 and "people.csv" in listing.content.decode()
    assert list(listing.context["jobs"]) == [job]


def test_the_unit_can_be_typed_and_the_valid_rows_kept(cast, upload):
    rows = people_rows(3, [cast.grid_a.code])
    rows[1][3] = "12345"

    client, response = upload(cast.street_officer, csv_bytes(rows), unit_code=cast.grid_a.code, keep_valid="on")

    _page, job = _job_page(client, response)
    assert (job.unit, job.keep_valid, job.state, job.created, job.error_rows) == (
        cast.grid_a, True, ImportJob.State.DONE, 2, 1)


def test_a_bad_file_shows_its_errors_and_the_error_file_downloads(cast, upload):
    rows = people_rows(4, [cast.grid_a.code])
    rows[2][2] = "431302199001011230"  # wrong check digit

    client, response = upload(cast.community_a_worker, csv_bytes(rows), unit=cast.community_a.code)

    page, job = _job_page(client, response)
    assert (job.state, job.error_rows, Person.objects.count()) == (ImportJob.State.REJECTED, 1, 0)
    errors_url = reverse("persons:import_errors", args=[job.pk])
    assert errors_url in page.content.decode() and job.message in page.content.decode()
    download = client.get(errors_url)
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    content = b"".join(download.streaming_content).decode("utf-8-sig")
    assert "错误原因" in content and rows[2][2] in content and rows[1][2] not in content
    entry = AuditEntry.objects.get(action="export", object_type="persons.importjob", object_id=str(job.pk))
    assert entry.actor == cast.community_a_worker


def test_another_communitys_worker_gets_404_on_the_job_and_its_error_file(cast, upload, client_for):
    rows = people_rows(2, [cast.grid_a.code])
    rows[0][0] = ""
    _client, response = upload(cast.community_a_worker, csv_bytes(rows), unit=cast.community_a.code)
    job = ImportJob.objects.get()
    assert job.error_file

    outsider = client_for(cast.community_b_worker)
    for name in ("persons:import_detail", "persons:import_progress", "persons:import_errors"):
        assert outsider.get(reverse(name, args=[job.pk])).status_code == 404, name
    assert job.filename not in outsider.get(reverse("persons:imports")).content.decode()
    assert not AuditEntry.objects.filter(action="export", object_type="persons.importjob").exists()


def test_the_upload_form_offers_only_units_in_scope_and_refuses_a_typed_code_outside_it(cast, upload, client_for):
    form = client_for(cast.community_a_worker).get(reverse("persons:import_create")).context["form"]
    offered = {code for code, _label in form.fields["unit"].choices}
    assert {cast.community_a.code, cast.grid_a.code} <= offered
    assert not offered & {cast.community_b.code, cast.grid_b.code, cast.street.code}

    client, response = upload(cast.community_a_worker, csv_bytes(people_rows(1, [cast.grid_b.code])),
                              unit_code=cast.community_b.code)

    assert response.status_code == 200 and response.context["form"].errors["unit_code"]
    assert not ImportJob.objects.exists()


def test_a_file_that_is_not_csv_or_xlsx_is_refused_on_the_form(cast, upload):
    _client, response = upload(cast.community_a_worker, b"x", name="people.xls", unit=cast.community_a.code)

    assert response.status_code == 200 and response.context["form"].errors["file"]
    assert not ImportJob.objects.exists()


def test_users_without_the_import_permission_are_refused(cast, client_for):
    for user in (cast.grid_a_worker, cast.command_a):
        client = client_for(user)
        assert client.get(reverse("persons:imports")).status_code == 403
        assert client.get(reverse("persons:import_create")).status_code == 403


def _running_job(cast, **counts) -> ImportJob:
    """A job said to be running: the test holds its claim (running.job_claim) as the process running it would."""
    return ImportJob.objects.create(unit=cast.community_a, unit_path=cast.community_a.path, filename="big.csv",
                                    file=ContentFile(b"x", name="big.csv"), created_by=cast.community_a_worker,
                                    state=ImportJob.State.RUNNING, **counts)


def test_the_progress_fragment_is_polled_while_the_job_runs(cast, client_for):
    job = _running_job(cast, total_rows=1000, processed_rows=250)
    client = client_for(cast.community_a_worker)

    with job_claim(job):
        fragment = client.get(reverse("persons:import_progress", args=[job.pk]), HTTP_HX_REQUEST="true")

    text = fragment.content.decode()
    assert f'hx-get="{reverse("persons:import_progress", args=[job.pk])}"' in text
    assert 'hx-trigger="every 2s"' in text and '<progress max="1000" value="250">' in text
    ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.DONE, processed_rows=1000, created=1000)
    done = client.get(reverse("persons:import_progress", args=[job.pk])).content.decode()
    assert "hx-trigger" not in done and "<progress" not in done and "import-counts" in done


def test_the_progress_shown_is_the_one_published_while_the_transaction_hides_the_jobs_row(cast, client_for):
    """On SQLite the running import holds the only write lock: its counts come from a file beside the upload.
    On PostgreSQL they are written to the job's row by a second connection."""
    job = _running_job(cast, total_rows=1000, processed_rows=0)
    board = ProgressBoard(job)
    board.publish(400, 1000, final=True)
    try:
        if board.path is None:  # PostgreSQL: here the test's transaction hides the row from that connection
            ImportJob.objects.filter(pk=job.pk).update(processed_rows=400)
        with job_claim(job):
            fragment = client_for(cast.community_a_worker).get(reverse("persons:import_progress", args=[job.pk]))
        assert '<progress max="1000" value="400">' in fragment.content.decode()
    finally:
        board.close()


def test_unknown_columns_are_mapped_on_the_jobs_page_and_known_in_the_next_file(cast, upload, client_for,
                                                                                  django_capture_on_commit_callbacks):
    from persons.tests.test_import import resident_id

    header = ["姓名", "身份证号码", "户籍住址", "所属网格"]
    content = csv_bytes([["王伟", resident_id(1), "娄星区", cast.grid_a.code]], header=header)
    client, response = upload(cast.street_officer, content, unit=cast.street.code)
    page, job = _job_page(client, response)
    assert job.state == ImportJob.State.REJECTED
    assert page.context["unknown"] == [(0, "户籍住址", "address")]  # the closest field chosen
    assert 'name="column-0"' in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("persons:import_remap", args=[job.pk]),
                               {"column-0": "address", "name": "长青街道台账"})
    page, again = _job_page(client, response)

    assert again.pk != job.pk and again.state == ImportJob.State.DONE, again.message
    assert Person.objects.get().address == "娄星区"
    assert ImportMapping.objects.get(name="长青街道台账").columns == {"户籍住址": "address"}
    _client, response = upload(cast.street_officer, csv_bytes([["李四", resident_id(2), "双峰县", cast.grid_a.code]],
                                                              header=header), unit=cast.street.code)
    _page, third = _job_page(_client, response)
    assert third.state == ImportJob.State.DONE and Person.objects.get(name="李四").address == "双峰县"


def test_the_year_given_on_the_upload_page_dates_the_days_without_one(cast, upload):
    from persons.models import CategoryEpisode
    from persons.tests.test_import import resident_id

    content = csv_bytes([["王伟", resident_id(1), "三元社区", "涉鄂人员", "3月27日"]],
                        header=["姓名", "身份证号码", "所属社区", "人员类别", "来娄时间"])
    client, response = upload(cast.street_officer, content, unit=cast.street.code, year="2020")

    _page, job = _job_page(client, response)
    assert job.state == ImportJob.State.DONE and job.year == 2020, job.message
    assert CategoryEpisode.objects.get().start.year == 2020


def test_the_community_gives_a_grid_to_the_people_awaiting_one(cast, upload, client_for):
    from persons.tests.test_import import resident_id

    content = csv_bytes([["王伟", resident_id(1), "三元社区"], ["李四", resident_id(2), "月塘"]],
                        header=["姓名", "身份证号码", "所属社区"])
    upload(cast.street_officer, content, unit=cast.street.code)
    worker = client_for(cast.community_a_worker)

    assert reverse("persons:awaiting_grid") in worker.get(reverse("persons:imports")).content.decode()
    listing = worker.get(reverse("persons:awaiting_grid"))
    assert listing.status_code == 200
    assert [p.name for p, _shown, _grids in listing.context["rows"]] == ["王伟"]  # not 月塘's
    assert [g.code for g in listing.context["rows"][0][2]] == [cast.grid_a.code]
    wang = Person.objects.get(name="王伟")
    assert worker.post(reverse("persons:awaiting_grid"), {"person": wang.pk, "grid": cast.grid_a.code}).status_code == 302
    wang.refresh_from_db()
    assert wang.grid == cast.grid_a and not worker.get(reverse("persons:awaiting_grid")).context["rows"]
    assert AuditEntry.objects.filter(object_type="persons.person", object_id=str(wang.pk), action="update").exists()


def test_a_person_of_another_community_is_answered_as_unknown_on_the_awaiting_grid_list(cast, upload, client_for):
    from persons.tests.test_import import resident_id

    upload(cast.street_officer, csv_bytes([["李四", resident_id(2), "月塘社区"]], header=["姓名", "身份证号码", "所属社区"]),
           unit=cast.street.code)
    li = Person.objects.get()

    response = client_for(cast.community_a_worker).post(reverse("persons:awaiting_grid"),
                                                        {"person": li.pk, "grid": cast.grid_a.code})
    assert response.status_code == 404
    response = client_for(cast.community_b_worker).post(reverse("persons:awaiting_grid"),
                                                        {"person": li.pk, "grid": cast.grid_a.code})
    assert response.status_code == 404  # a grid outside the worker's area is no grid at all
    li.refresh_from_db()
    assert li.grid == cast.community_b
