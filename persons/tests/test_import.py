"""Importing people from CSV and XLSX: checked whole before anything is written, all-or-nothing unless the
valid rows are kept, an error file naming row, column and reason, and a second import changing nothing."""

import csv
import datetime as dt
import io
import json

import openpyxl
import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import translation
from django.utils.translation import gettext as _
from stdnum.cn import ric

from core.errors import DomainError
from core.models import AuditEntry
from core.tabular import error_reason
from persons import importing, services
from persons.exporting import persons_export
from persons.identity import resident_id_check
from persons.importing import readers, write
from persons.models import CategoryEpisode, ImportJob, Person

CHUNK_FOR_TEST = 50
HEADER = ["姓名", "性别", "身份证号码", "手机号码", "现住址", "网格编码", "与户主关系"]
SURNAMES = "王李张刘陈杨黄赵周吴"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超兰霞平"


def resident_id(i: int, region: str = "431302") -> str:
    """The i-th of a run of distinct valid resident ID numbers (GB 11643 check digit)."""
    birth = dt.date(1940, 1, 1) + dt.timedelta(days=i % 25000)
    body = f"{region}{birth:%Y%m%d}{(i // 25000) * 7 % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def people_rows(n: int, grids: list[str], start: int = 0) -> list[list[str]]:
    """`n` valid rows in HEADER's layout, deterministic."""
    rows = []
    for i in range(start, start + n):
        number = resident_id(i)
        rows.append([SURNAMES[i % 10] + GIVEN[i * 7 % 20] + GIVEN[i * 3 % 20], "男" if int(number[16]) % 2 else "女",
                     number, f"13{(i * 7919) % 10**9:09d}", f"长青街道{i % 50 + 1}栋{i % 6 + 1}单元", grids[i % len(grids)],
                     "户主" if i % 3 == 0 else "子女"])
    return rows


def csv_bytes(rows, header=HEADER, encoding="utf-8-sig") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows, header=HEADER, title=None) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    if title:
        sheet.append([title])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def error_rows(job: ImportJob) -> list[list]:
    """The error file read back: header first."""
    with job.error_file.open("rb") as f:
        data = f.read()
    if job.error_file.name.endswith(".xlsx"):
        sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
        return [list(r) for r in sheet.iter_rows(values_only=True)]
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 with a BOM, so that Excel opens it"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def in_catalog_language(fn):
    with translation.override(settings.LANGUAGE_CODE):
        return fn()


def row_label(line: int) -> str:
    """How the error column starts for `line`, in the interface language (第 12 行: …)."""
    return in_catalog_language(lambda: error_reason(line, []))


def test_one_bad_row_among_10000_writes_nothing_and_the_error_file_names_it(cast, run):
    rows = people_rows(10_000, [cast.grid_a.code, cast.grid_b.code])
    bad = rows[4999][2][:17] + ("0" if rows[4999][2][17] != "0" else "1")
    rows[4999][2] = bad

    job = run(csv_bytes(rows), by=cast.street_officer, unit=cast.street)

    assert job.state == ImportJob.State.REJECTED
    assert (job.total_rows, job.error_rows, job.created) == (10_000, 1, 0)
    assert Person.objects.count() == 0
    assert not AuditEntry.objects.filter(object_type="persons.importjob").exists()
    header, *returned = error_rows(job)
    assert header == [*HEADER, "错误原因"]
    assert len(returned) == 1 and returned[0][:-1] == rows[4999]
    reason = returned[0][-1]
    with pytest.raises(ValueError) as why:
        in_catalog_language(lambda: resident_id_check(bad, today=dt.date.today()))
    expected = in_catalog_language(lambda: str(why.value))
    assert reason == row_label(5001) + f"身份证号码: {expected}"  # the header is line 1


def test_importing_the_same_file_twice_changes_nothing(cast, run):
    content = csv_bytes(people_rows(300, [cast.grid_a.code]))
    first = run(content, by=cast.community_a_worker, unit=cast.community_a)
    assert (first.state, first.created, first.updated, first.unchanged) == (ImportJob.State.DONE, 300, 0, 0)
    summary = AuditEntry.objects.get(object_type="persons.importjob", object_id=str(first.pk))
    assert summary.after["created"] == 300 and summary.actor == cast.community_a_worker
    entries = AuditEntry.objects.count()
    stamps = dict(Person.objects.values_list("id", "updated_at"))

    second = run(content, by=cast.community_a_worker, unit=cast.community_a)

    assert (second.state, second.created, second.updated, second.unchanged) == (ImportJob.State.DONE, 0, 0, 300)
    assert AuditEntry.objects.count() == entries
    assert dict(Person.objects.values_list("id", "updated_at")) == stamps


def test_an_export_imports_back_unchanged(cast, run):
    run(csv_bytes(people_rows(20, [cast.grid_a.code, cast.grid_b.code])), by=cast.street_officer, unit=cast.street)
    response = in_catalog_language(lambda: persons_export(user=cast.street_officer, qs=Person.objects.all(), fmt="csv",
                                                          filters={}))
    exported = b"".join(response.streaming_content)
    entries = AuditEntry.objects.count()

    job = run(exported, by=cast.street_officer, unit=cast.street, name="export.csv")

    assert (job.state, job.unchanged, job.created, job.updated) == (ImportJob.State.DONE, 20, 0, 0), job.message
    assert AuditEntry.objects.count() == entries


def test_full_width_input_is_normalised(cast, run):
    number = resident_id(7)
    wide = "".join(chr(ord(c) + 0xFEE0) for c in number)  # ４３１３０２…
    content = csv_bytes([["\u3000张 三 ", "", wide, "１３８ １２３４－５６７８", "三元社区１栋", cast.grid_a.code.replace("-", "－"),
                          "户主"]])

    job = run(content, by=cast.community_a_worker, unit=cast.community_a)

    assert job.state == ImportJob.State.DONE, job.message
    person = Person.objects.get()
    assert (person.name, person.doc_number, person.phone, person.address) == ("张 三", number, "13812345678",
                                                                              "三元社区1栋")
    assert person.grid == cast.grid_a and person.unit_path == cast.grid_a.path
    assert person.birth_date == resident_id_check(number, today=dt.date.today())[0]


def test_keep_valid_writes_the_valid_rows_and_returns_the_rest(cast, run):
    rows = people_rows(10, [cast.grid_a.code])
    rows[2][3] = "12345"  # not a mobile number
    rows[6][5] = "NO-SUCH-GRID"

    job = run(csv_bytes(rows), by=cast.community_a_worker, unit=cast.community_a, keep_valid=True)

    assert job.state == ImportJob.State.DONE
    assert (job.created, job.error_rows) == (8, 2)
    assert set(Person.objects.values_list("doc_number", flat=True)) == {r[2] for i, r in enumerate(rows)
                                                                         if i not in (2, 6)}
    _header, *returned = error_rows(job)
    assert [r[:-1] for r in returned] == [rows[2], rows[6]]
    assert returned[0][-1].startswith(row_label(4) + "手机号码: ")
    assert returned[1][-1].startswith(row_label(8) + "网格编码: ") and "NO-SUCH-GRID" in returned[1][-1]


def test_xlsx_with_chinese_headers_a_title_row_and_date_cells(cast, run):
    header = ["姓名", "证件类型", "证件号码", "性别", "出生日期", "手机", "所属网格", "管理类别", "到娄日期"]
    rows = [["John Smith", "护照", "E12345678", "男", dt.datetime(1985, 3, 4), 13912345678, cast.grid_a.code,
             "境外返娄人员", dt.datetime(2020, 3, 1)],
            ["李四", "身份证", resident_id(11), None, None, None, cast.grid_a.code, None, None]]

    job = run(xlsx_bytes(rows, header, title="三元社区人员台账"), by=cast.community_a_worker, unit=cast.community_a,
              name="台账.xlsx")

    assert job.state == ImportJob.State.DONE, job.message
    smith = Person.objects.get(doc_type="passport")
    assert (smith.birth_date, smith.sex, smith.phone) == (dt.date(1985, 3, 4), "M", "13912345678")
    episode = CategoryEpisode.objects.get(person=smith)
    assert episode.category.code == "overseas_returnee" and episode.end is None
    assert episode.start.astimezone(dt.timezone(dt.timedelta(hours=8))).date() == dt.date(2020, 3, 1)
    assert Person.objects.get(doc_type="resident_id").birth_date == resident_id_check(resident_id(11),
                                                                                      today=dt.date.today())[0]


def test_an_xlsx_error_file_keeps_the_workbook_format(cast, run):
    rows = people_rows(3, [cast.grid_a.code])
    rows[1][0] = ""

    job = run(xlsx_bytes(rows), by=cast.community_a_worker, unit=cast.community_a, name="people.xlsx")

    assert job.state == ImportJob.State.REJECTED and job.error_file.name.endswith(".xlsx")
    header, *returned = error_rows(job)
    assert header[-1] == "错误原因" and len(returned) == 1 and returned[0][2] == rows[1][2]
    assert "姓名: " in returned[0][-1]


def test_a_saved_mapping_reads_odd_headers(cast, run):
    mapping = importing.import_mapping_save(name="街道模板", columns={
        "人员姓名": "name", "公民身份号码": "doc_number", "联系方式": "phone", "责任网格": "grid", "序号": "ignore"},
        by=cast.street_officer)
    header = ["序号", "人员姓名", "公民身份号码", "联系方式", "责任网格"]
    rows = [[str(i + 1), r[0], r[2], r[3], r[5]] for i, r in enumerate(people_rows(5, [cast.grid_b.code]))]

    job = run(csv_bytes(rows, header), by=cast.street_officer, unit=cast.street, mapping=mapping)

    assert (job.state, job.created) == (ImportJob.State.DONE, 5), job.message
    assert set(Person.objects.values_list("phone", flat=True)) == {r[3] for r in rows}


def test_unknown_headers_are_named_unless_mapped_to_ignore(cast, run):
    header = [*HEADER, "健康码颜色"]
    rows = [[*r, "绿"] for r in people_rows(2, [cast.grid_a.code])]

    rejected = run(csv_bytes(rows, header), by=cast.community_a_worker, unit=cast.community_a)
    taken = run(csv_bytes(rows, header), by=cast.community_a_worker, unit=cast.community_a,
                columns={"健康码颜色": "ignore"})

    assert rejected.state == ImportJob.State.REJECTED and "健康码颜色" in rejected.message
    assert not rejected.error_file and (taken.state, taken.created) == (ImportJob.State.DONE, 2)


def test_a_grid_outside_the_importers_scope_is_a_row_error(cast, run):
    rows = people_rows(3, [cast.grid_a.code])
    rows[1][5] = cast.grid_b.code

    job = run(csv_bytes(rows), by=cast.community_a_worker, unit=cast.community_a)

    assert job.state == ImportJob.State.REJECTED and Person.objects.count() == 0
    _header, *returned = error_rows(job)
    assert len(returned) == 1 and "网格编码: " in returned[0][-1] and cast.grid_b.code in returned[0][-1]


def test_someone_registered_outside_the_importers_scope_is_not_taken_over(cast, run):
    rows = people_rows(2, [cast.grid_a.code])
    services.person_register(data={"name": rows[0][0], "doc_number": rows[0][2], "grid": cast.grid_b.code},
                             by=cast.community_b_worker)

    job = run(csv_bytes(rows), by=cast.community_a_worker, unit=cast.community_a)

    assert (job.state, job.error_rows) == (ImportJob.State.REJECTED, 1)
    assert Person.objects.get(doc_number=rows[0][2]).grid == cast.grid_b


def test_a_document_repeated_under_another_name_names_the_first_row(cast, run):
    rows = people_rows(4, [cast.grid_a.code])
    rows[3][2] = rows[1][2].lower()  # the same number, x or X, under another name
    assert rows[3][0] != rows[1][0]

    job = run(csv_bytes(rows), by=cast.community_a_worker, unit=cast.community_a)

    _header, *returned = error_rows(job)
    assert job.state == ImportJob.State.REJECTED and [r[2] for r in returned] == [rows[3][2]]
    first = in_catalog_language(lambda: _("The same document as row %(row)d, under another name.") % {"row": 3})
    assert returned[0][-1] == row_label(5) + f"身份证号码: {first}"


def test_updates_of_existing_people_are_audited_with_before_and_after(cast, run):
    rows = people_rows(3, [cast.grid_a.code])
    run(csv_bytes(rows), by=cast.street_officer, unit=cast.street)
    person = Person.objects.get(doc_number=rows[1][2])
    rows[1][3], rows[1][4] = "13900001111", "三元社区新地址"
    rows[2][3] = ""  # a blank cell leaves the stored phone alone

    job = run(csv_bytes(rows), by=cast.street_officer, unit=cast.street)

    assert (job.created, job.updated, job.unchanged) == (0, 1, 2)
    entry = AuditEntry.objects.get(object_type="persons.person", object_id=str(person.pk), action="update")
    assert entry.actor == cast.street_officer
    assert (entry.before["phone"], entry.after["phone"]) == (person.phone, "13900001111")
    assert entry.after["address"] == "三元社区新地址" and entry.after["import_job"] == job.pk
    person.refresh_from_db()
    assert (person.version, person.phone) == (2, "13900001111")
    assert Person.objects.get(doc_number=rows[2][2]).phone != ""


def test_moving_a_person_to_another_grid_splits_open_episodes(cast, run):
    rows = [[*people_rows(1, [cast.grid_a.code])[0], "涉鄂人员"]]
    header = [*HEADER, "管理类别"]
    run(csv_bytes(rows, header), by=cast.street_officer, unit=cast.street)
    rows[0][5] = cast.grid_b.code

    job = run(csv_bytes(rows, header), by=cast.street_officer, unit=cast.street)

    assert (job.updated, job.created) == (1, 0)
    episodes = list(CategoryEpisode.objects.order_by("start", "id"))
    assert [e.unit_path for e in episodes if e.end is None] == [cast.grid_b.path]


def test_a_category_is_opened_once_however_often_the_file_is_imported(cast, run):
    rows = [[*r, "密切接触者", "2020-02-03"] for r in people_rows(3, [cast.grid_a.code])]
    content = csv_bytes(rows, [*HEADER, "管理类别", "类别开始"])

    run(content, by=cast.community_a_worker, unit=cast.community_a)
    again = run(content, by=cast.community_a_worker, unit=cast.community_a)

    assert again.unchanged == 3 and CategoryEpisode.objects.filter(end__isnull=True).count() == 3


def test_a_gb18030_csv_is_read(cast, run):
    rows = people_rows(20, [cast.grid_a.code])

    job = run(csv_bytes(rows, encoding="gb18030"), by=cast.community_a_worker, unit=cast.community_a)

    assert (job.state, job.created) == (ImportJob.State.DONE, 20), job.message
    assert set(Person.objects.values_list("name", flat=True)) == {r[0] for r in rows}


def test_a_community_import_needs_no_grid_column(cast, run):
    rows = [r[:5] for r in people_rows(2, [cast.grid_a.code])]

    job = run(csv_bytes(rows, HEADER[:5]), by=cast.community_a_worker, unit=cast.community_a)

    assert (job.state, job.created) == (ImportJob.State.DONE, 2)
    assert set(Person.objects.values_list("grid", flat=True)) == {cast.community_a.pk}


def test_only_csv_and_xlsx_are_accepted_and_only_within_scope(cast, run):
    with pytest.raises(DomainError) as wrong_type:
        run(b"x", by=cast.community_a_worker, unit=cast.community_a, name="people.xls")
    with pytest.raises(DomainError) as outside:
        run(csv_bytes([]), by=cast.community_b_worker, unit=cast.community_a)
    with pytest.raises(DomainError) as grid_worker:
        run(csv_bytes([]), by=cast.grid_a_worker, unit=cast.grid_a)
    assert wrong_type.value.code == "unsupported_file"
    assert outside.value.code == grid_worker.value.code == "out_of_scope"
    assert not ImportJob.objects.exists()


def test_an_unexpected_error_marks_the_job_failed(cast, run, monkeypatch):
    def boom(*, job):
        raise RuntimeError("disk full")

    monkeypatch.setattr(importing, "people_import", boom)
    job = run(csv_bytes(people_rows(1, [cast.grid_a.code])), by=cast.community_a_worker, unit=cast.community_a)

    assert job.state == ImportJob.State.FAILED and "disk full" in job.message and job.finished_at


def test_the_command_imports_and_exits_non_zero_when_rejected(cast, tmp_path):
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_bytes(csv_bytes(people_rows(5, [cast.grid_a.code])))
    rows = people_rows(5, [cast.grid_a.code], start=100)
    rows[0][2] = "123"
    bad.write_bytes(csv_bytes(rows))
    out = io.StringIO()

    call_command("persons_import", str(good), unit=cast.community_a.code, stdout=out)
    with pytest.raises(CommandError) as rejected:
        call_command("persons_import", str(bad), unit=cast.community_a.code, stdout=out)

    assert Person.objects.count() == 5
    assert rejected.value.returncode == 2 and "bad-errors" in str(rejected.value)
    assert "error file:" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("persons_import", str(good), unit="no-such-unit", stdout=out)


def test_the_api_runs_an_import_and_serves_its_error_file(cast, client_for, django_capture_on_commit_callbacks):
    rows = people_rows(3, [cast.grid_a.code])
    rows[0][0] = ""
    client = client_for(cast.community_a_worker)

    upload = ContentFile(csv_bytes(rows), name="people.csv")
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post("/api/person-imports", {"unit": cast.community_a.code, "keep_valid": "true",
                                                      "file": upload})

    assert created.status_code == 202, created.content
    job = created.json()
    status = client.get(f"/api/person-imports/{job['id']}").json()
    assert (status["state"], status["created"], status["error_rows"]) == ("done", 2, 1)
    download = client.get(status["error_file"])
    assert download.status_code == 200 and "错误原因".encode() in b"".join(download.streaming_content)
    assert AuditEntry.objects.filter(action="export", object_type="persons.importjob").count() == 1


def test_the_api_hides_other_units_imports_and_refuses_those_without_the_permission(cast, client_for):
    upload = ContentFile(csv_bytes(people_rows(1, [cast.grid_a.code])), name="people.csv")
    job = client_for(cast.community_a_worker).post("/api/person-imports", {
        "unit": cast.community_a.code, "file": upload, "columns": json.dumps({"备注": "notes"})}).json()

    outsider = client_for(cast.community_b_worker)
    assert outsider.get(f"/api/person-imports/{job['id']}").status_code == 404
    assert outsider.get(f"/api/person-imports/{job['id']}/errors").status_code == 404
    upload.seek(0)
    assert outsider.post("/api/person-imports", {"unit": cast.community_a.code, "file": upload}).status_code == 404
    upload.seek(0)
    assert client_for(cast.grid_a_worker).post("/api/person-imports", {
        "unit": cast.grid_a.code, "file": upload}).status_code == 403


def test_worker_processes_check_a_file_as_this_process_does(cast, run, monkeypatch):
    rows = people_rows(3 * CHUNK_FOR_TEST, [cast.grid_a.code])
    rows[10][3] = "12345"
    rows[CHUNK_FOR_TEST + 5][2] = rows[7][2]  # a repeat in another chunk, checked by another process
    monkeypatch.setattr(readers, "PARALLEL_FROM", 0)
    monkeypatch.setattr(readers, "CHUNK", CHUNK_FOR_TEST)
    assert readers.workers_available() >= 1

    job = run(csv_bytes(rows), by=cast.community_a_worker, unit=cast.community_a, keep_valid=True)

    assert (job.state, job.created, job.error_rows) == (ImportJob.State.DONE, len(rows) - 2, 2), job.message
    _header, *returned = error_rows(job)
    assert [r[:-1] for r in returned] == [rows[10], rows[CHUNK_FOR_TEST + 5]]
    first = in_catalog_language(lambda: _("The same document as row %(row)d, under another name.") % {"row": 9})
    assert returned[1][-1] == row_label(CHUNK_FOR_TEST + 7) + f"身份证号码: {first}"


def _person_indexes() -> set[str]:
    with connection.cursor() as cursor:
        return {name for name, c in connection.introspection.get_constraints(cursor, Person._meta.db_table).items()
                if c["index"] and not c["primary_key"]}


def test_a_large_load_rebuilds_the_indexes_it_dropped_and_refreshes_the_statistics(cast, run, monkeypatch):
    monkeypatch.setattr(write, "REBUILD_FROM", 10)
    monkeypatch.setattr(write, "STATISTICS_FROM", 10)
    indexes = _person_indexes()
    rows = people_rows(300, [cast.grid_a.code])
    rows[299][0] = ""

    rejected = run(csv_bytes(rows), by=cast.community_a_worker, unit=cast.community_a)
    assert (rejected.state, Person.objects.count(), _person_indexes()) == (ImportJob.State.REJECTED, 0, indexes)

    done = run(csv_bytes(rows[:299]), by=cast.community_a_worker, unit=cast.community_a)

    assert (done.state, done.created, _person_indexes()) == (ImportJob.State.DONE, 299, indexes)
    assert Person.objects.filter(phone=rows[5][3]).count() == 1
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = %s", [Person._meta.db_table])
        else:
            cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [Person._meta.db_table])
        assert cursor.fetchone()[0] > 0


def test_progress_is_published_while_the_import_runs(cast, monkeypatch):
    """The counts a page shows while the import's transaction hides its own updates. On PostgreSQL they go to
    the job's row through a second connection, which cannot see a row this test's transaction created."""
    if connection.vendor != "sqlite":
        pytest.skip("the second connection cannot see the job created inside the test's transaction")
    monkeypatch.setattr("persons.importing.progress.PROGRESS_EVERY", 0)
    monkeypatch.setattr(readers, "CHUNK", 100)
    content = csv_bytes(people_rows(500, [cast.grid_a.code]))
    job = importing.import_job_create(unit=cast.community_a, uploaded_file=ContentFile(content, name="people.csv"),
                                      filename="people.csv", by=cast.community_a_worker, start=False)
    seen = []

    def progress(phase, done, total):
        seen.append((phase, importing.import_job_progress(ImportJob.objects.get(pk=job.pk))))

    importing.people_import(job=job, progress=progress)

    assert seen[:3] == [("write", (100, 500)), ("write", (200, 500)), ("write", (300, 500))]
    job.refresh_from_db()
    assert (job.state, job.processed_rows, job.total_rows, importing.import_job_progress(job)) == (
        ImportJob.State.DONE, 500, 500, (500, 500))


def test_after_the_first_wrong_chunk_the_rest_is_still_checked_for_the_error_file(cast, run, monkeypatch):
    monkeypatch.setattr(readers, "CHUNK", CHUNK_FOR_TEST)
    rows = people_rows(4 * CHUNK_FOR_TEST, [cast.grid_a.code])
    rows[3][3] = "12345"
    rows[3 * CHUNK_FOR_TEST + 1][5] = "NO-SUCH-GRID"
    rows[3 * CHUNK_FOR_TEST + 2][2] = rows[CHUNK_FOR_TEST][2]

    job = run(csv_bytes(rows), by=cast.community_a_worker, unit=cast.community_a)

    assert (job.state, job.error_rows, job.total_rows, Person.objects.count()) == (
        ImportJob.State.REJECTED, 3, len(rows), 0)
    _header, *returned = error_rows(job)
    assert [r[:-1] for r in returned] == [rows[3], rows[3 * CHUNK_FOR_TEST + 1], rows[3 * CHUNK_FOR_TEST + 2]]
    assert not AuditEntry.objects.filter(object_type="persons.importjob").exists()


@pytest.mark.parametrize("parallel", [False, True])
def test_a_file_unreadable_past_its_header_is_rejected_whoever_reads_it(cast, run, monkeypatch, parallel):
    if parallel:
        monkeypatch.setattr(readers, "PARALLEL_FROM", 0)
    rows = people_rows(3, [cast.grid_a.code])
    rows[2][6] = "户" * 200_000  # past the longest cell allowed (TABULAR_MAX_CELL_CHARS)

    job = run(csv_bytes(rows), by=cast.community_a_worker, unit=cast.community_a)

    expected = in_catalog_language(lambda: _("%(name)s: a cell of row %(row)d is longer than %(n)d characters.")
                                   % {"name": "people.csv", "row": 4, "n": settings.TABULAR_MAX_CELL_CHARS})
    assert job.state == ImportJob.State.REJECTED and job.message == expected, job.message
    assert Person.objects.count() == 0
