"""What every import job shares (core.tabular.import_jobs): its error file's download is audited, and its pages
are the views made once for the line list's imports and a case's contact lists."""

import pytest
from django.core.files.base import ContentFile
from django.http import Http404

from core.models import AuditEntry
from core.tabular.import_jobs import error_file_open, error_file_response
from persons import views_import
from persons.models import ImportJob
from tracing.views import imports as contact_views


@pytest.fixture
def job(cast):
    return ImportJob.objects.create(unit=cast.community_a, unit_path=cast.community_a.path, filename="三元名单.csv",
                                    error_rows=3, created_by=cast.street_officer)


def test_an_import_without_an_error_file_answers_404_and_records_no_download(cast, job):
    with pytest.raises(Http404):
        error_file_open(job, by=cast.street_officer, note="error file downloaded")
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).exists()


def test_downloading_an_import_s_error_file_records_who_took_how_many_rows_of_which_unit(cast, job):
    job.error_file.save("三元名单-errors.csv", ContentFile("姓名,错误原因\r\n".encode()))
    with error_file_open(job, by=cast.street_officer, note="error file downloaded") as opened:
        response = error_file_response(job, opened, fallback="import")
        assert b"".join(response.streaming_content).decode() == "姓名,错误原因\r\n"
    entry = AuditEntry.objects.get(action=AuditEntry.Action.EXPORT)
    assert (entry.actor, entry.object_repr, entry.unit_path, entry.after, entry.note) == (
        cast.street_officer, "三元名单.csv", cast.community_a.path, {"error_rows": 3}, "error file downloaded")
    assert f"import-{job.pk}-errors.csv" in response["Content-Disposition"]


def test_the_job_pages_of_both_imports_are_the_views_made_once_in_core():
    views = [views_import.import_detail, views_import.import_progress, views_import.import_errors,
             contact_views.contact_import_detail, contact_views.contact_import_progress,
             contact_views.contact_import_errors]
    assert {view.__module__ for view in views} == {"core.tabular.import_jobs"}
