"""What the person import takes is bounded: a zip bomb or a workbook of millions of rows is refused before it is
parsed, with a clear message and no error file; a file that is no CSV or XLSX says so when it is uploaded; the
message a job keeps (returned by every listing of jobs) stays short whatever the file's header holds."""

import resource

from django.conf import settings
from django.core.files.base import ContentFile

from core.tests import tabular_files
from persons.models import ImportJob, Person
from persons.tests.test_import import csv_bytes, people_rows


def test_a_workbook_with_a_gigabyte_shared_string_is_rejected_without_being_parsed(cast, run):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    job = run(tabular_files.with_shared_string(1024), by=cast.street_officer, unit=cast.street, name="people.xlsx")
    assert job.state == ImportJob.State.REJECTED and not job.error_file
    assert job.message == "“people.xlsx”无法安全读取：解压后超过 512 MB。请在 Excel 中重新保存或拆分后再上传。"
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - before < 100


def test_a_small_workbook_of_three_million_rows_is_refused_at_the_row_cap_without_an_error_file(cast, run):
    data = tabular_files.with_rows(3_000_000)
    assert len(data) < 3 << 20

    job = run(data, by=cast.street_officer, unit=cast.street, name="people.xlsx")

    assert job.state == ImportJob.State.REJECTED and not job.error_file and Person.objects.count() == 0
    assert job.message == f"“people.xlsx”超过 {settings.TABULAR_MAX_ROWS} 行。请拆分为行数较少的几个文件后分别上传。"


def test_garbage_named_csv_is_refused_at_upload_with_the_file_named(cast, client_for):
    client = client_for(cast.street_officer)
    response = client.post("/api/person-imports", {"file": ContentFile(bytes(range(256)) * 40, name="名单.csv"),
                                                   "unit": cast.street.code})
    message = "“名单.csv”不是可读取的 CSV 或 xlsx 文件。请在 Excel 中另存为 .xlsx（或 CSV）后上传。"
    assert response.status_code == 400
    assert response.json() == {"code": "unreadable_file", "message": message, "fields": {"file": [message]}}
    assert not ImportJob.objects.exists()


def test_text_in_no_known_encoding_is_rejected_with_the_same_message_not_a_decoding_error(cast, run):
    # Valid UTF-8 for a megabyte, then a byte no encoding accepts: the whole file is checked before any row.
    content = csv_bytes(people_rows(20_000, [cast.grid_a.code])) + b"\xff\xfe\x80,x\n"
    job = run(content, by=cast.street_officer, unit=cast.street, name="名单.csv")
    assert job.state == ImportJob.State.REJECTED and Person.objects.count() == 0
    assert job.message == "“名单.csv”不是可读取的 CSV 或 xlsx 文件。请在 Excel 中另存为 .xlsx（或 CSV）后上传。"


def test_a_100000_column_header_stores_a_short_message(cast, client_for, django_capture_on_commit_callbacks):
    header = ",".join(f"第{i}列" for i in range(100_000)).encode("utf-8")
    client = client_for(cast.street_officer)
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post("/api/person-imports", {"file": ContentFile(header + b"\n", name="wide.csv"),
                                                      "unit": cast.street.code})
    assert created.status_code == 202
    listed = client.get("/api/person-imports")
    [job] = listed.json()
    assert job["state"] == "rejected" and "100000" in job["message"] and len(job["message"]) < 200
    assert len(listed.content) < 2000


def test_unknown_columns_are_named_a_few_at_a_time_however_many_the_limits_allow(cast, run, settings):
    settings.TABULAR_MAX_COLUMNS = 16_384
    header = ["姓名", "身份证号码", *[f"没有这一列{i}" * 40 for i in range(15_000)]]
    job = run(csv_bytes([], header=header), by=cast.street_officer, unit=cast.street, name="wide.csv")
    assert job.state == ImportJob.State.REJECTED and len(job.message) <= 1000
    assert "没有这一列0" in job.message and "另有 14990 项" in job.message
