"""Importing a case's contact list: errors name the line, the column and the reason and come back in an error
file; nothing is half written; importing the same file again changes nothing; a contact already recorded is
updated, not recorded twice."""

import ast
import csv
import datetime as dt
import io
import json
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.errors import DomainError
from core.models import AuditEntry
from persons.models import CategoryEpisode, Person
from persons.tests.conftest import resident_id
from tracing import services
from tracing.models import ContactImport, Exposure, FollowUp, FollowUpEvent
from tracing.tests.conftest import TODAY, days_ago

HEADER = ["姓名", "证件号码", "手机号码", "网格编码", "首次接触日期", "末次接触日期", "接触场所", "接触距离"]


def _csv(rows, header=HEADER, name="密接名单.csv") -> SimpleUploadedFile:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(header)
    writer.writerows(rows)
    return SimpleUploadedFile(name, text.getvalue().encode("utf-8-sig"), content_type="text/csv")


def _xlsx(rows, header=HEADER, name="密接名单.xlsx") -> SimpleUploadedFile:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile(name, out.getvalue())


def _rows(cast, known):
    """李明 and 赵红 are new (grid A; 赵红 without a grid code, so under the unit chosen); the third is 王五,
    already in the line list in grid B (no grid needed)."""
    return [
        ["李明", resident_id(seq=201), "13812340201", cast.grid_a.code, days_ago(4).isoformat(),
         days_ago(2).isoformat(), "家庭", "一米以内"],
        ["赵红", resident_id(seq=202), "", "", "", days_ago(1).isoformat(), "workplace", ""],
        ["王五", known.doc_number, "", "", "", days_ago(3).isoformat(), "聚餐", "同室"],
    ]


@pytest.fixture
def known(cast, register):
    return register("王五", 203, grid=cast.grid_b)


def _import(cast, case, upload, by=None, unit=None):
    return services.contacts_import(case=case, uploaded_file=upload, filename=upload.name, unit=unit or cast.grid_a,
                                    by=by or cast.street_officer)


def _state() -> tuple:
    return (Person.objects.count(), list(Exposure.objects.order_by("id").values_list(
                "id", "first_contact", "last_contact", "setting", "proximity", "certainty", "note", "updated_at")),
            list(FollowUp.objects.order_by("id").values_list("id", "state", "end")), FollowUpEvent.objects.count(),
            CategoryEpisode.objects.count(), AuditEntry.objects.exclude(object_type="tracing.contactimport").count())


def test_a_contact_list_registers_links_and_puts_everyone_under_follow_up(cast, confirmed_case, known):
    record = _import(cast, confirmed_case, _csv(_rows(cast, known)))
    assert record.state == "done", record.errors
    assert (record.total_rows, record.created, record.linked, record.updated, record.unchanged) == (3, 2, 1, 0, 0)
    li = Person.objects.get(name="李明")
    zhao = Person.objects.get(name="赵红")
    assert li.grid == cast.grid_a and zhao.grid == cast.grid_a and li.phone == "13812340201"
    assert Person.objects.filter(doc_number=known.doc_number).count() == 1  # linked, not registered again
    e = Exposure.objects.get(exposed=li)
    assert (e.source, e.first_contact, e.last_contact, e.setting, e.proximity, e.degree) == (
        confirmed_case.person, days_ago(4), days_ago(2), "household", "close", 1)
    assert Exposure.objects.get(exposed=known).setting == "gathering"
    assert Exposure.objects.get(exposed=known).proximity == "same_room"
    assert FollowUp.objects.filter(state="active").count() == 3
    assert FollowUp.objects.get(person=known).end == days_ago(3) + dt.timedelta(days=14)
    assert AuditEntry.objects.filter(object_type="tracing.contactimport", action="create").count() == 1


def test_re_importing_the_same_file_changes_nothing(cast, confirmed_case, known):
    rows = _rows(cast, known)
    first = _import(cast, confirmed_case, _csv(rows))
    assert first.state == "done"
    before = _state()
    again = _import(cast, confirmed_case, _csv(rows))
    assert again.state == "done"
    assert (again.created, again.linked, again.updated, again.unchanged) == (0, 0, 0, 3)
    assert _state() == before
    # The same list as a workbook, with dates as dates: the same people, nothing new.
    book = [[*r[:4], dt.date.fromisoformat(r[4]) if r[4] else None, dt.date.fromisoformat(r[5]), *r[6:]]
            for r in rows]
    assert _import(cast, confirmed_case, _xlsx(book)).unchanged == 3
    assert _state() == before


def test_an_exposure_already_recorded_is_updated_not_duplicated(cast, confirmed_case, known):
    rows = _rows(cast, known)
    _import(cast, confirmed_case, _csv(rows))
    fu_end = FollowUp.objects.get(person__name="李明").end
    rows[0][5] = days_ago(0).isoformat()  # 李明 was seen again today
    rows[2][7] = ""  # a blank cell says nothing new: 王五's proximity stays
    record = _import(cast, confirmed_case, _csv(rows))
    assert (record.created, record.linked, record.updated, record.unchanged) == (0, 0, 1, 2)
    assert Exposure.objects.count() == 3
    e = Exposure.objects.get(exposed__name="李明")
    assert (e.first_contact, e.last_contact) == (days_ago(4), TODAY)
    assert FollowUp.objects.get(person__name="李明", state="active").end == TODAY + dt.timedelta(days=14) > fu_end
    assert Exposure.objects.get(exposed=known).proximity == "same_room"


def test_row_errors_name_line_column_and_reason_and_nothing_is_written(cast, confirmed_case, known, register):
    other = register("王七", 208, grid=cast.grid_b)
    rows = _rows(cast, known)
    rows.insert(1, [])  # a blank line keeps the spreadsheet's numbering
    rows += [
        ["钱七", "430000199001011230", "", cast.grid_a.code, "", days_ago(1).isoformat(), "", ""],  # checksum
        ["孙八", resident_id(seq=205), "", cast.grid_a.code, "", (TODAY + dt.timedelta(days=2)).isoformat(), "",
         ""],
        ["周九", resident_id(seq=206), "", cast.grid_a.code, "", days_ago(1).isoformat(), "卡拉OK", ""],
        ["吴十", resident_id(seq=207), "", "431302009999-01", "", days_ago(1).isoformat(), "", ""],
        ["李明", resident_id(seq=201), "", cast.grid_a.code, "", days_ago(1).isoformat(), "", ""],
        ["王六", other.doc_number, "", "", "", days_ago(1).isoformat(), "", ""],
        ["王芳", confirmed_case.person.doc_number, "", "", "", days_ago(1).isoformat(), "", ""],
    ]
    before = _state()
    record = _import(cast, confirmed_case, _csv(rows))
    assert record.state == "rejected" and record.error_rows == 7 and record.total_rows == 10
    assert (record.created, record.linked, record.updated) == (0, 0, 0)
    assert _state() == before and not Person.objects.filter(name="李明").exists()
    errors = {(e["line"], e["column"]) for e in record.errors}
    assert errors == {(6, "证件号码"), (7, "末次接触日期"), (8, "接触场所"), (9, "网格编码"), (10, "证件号码"),
                      (11, "姓名"), (12, "证件号码")}
    reasons = {e["line"]: e["reason"] for e in record.errors}
    assert "row 2" in reasons[10] and "王七" in reasons[11] and "itself" in reasons[12]
    assert "In the future" in reasons[7]
    # The error file: the same columns, the bad rows as they were, and why.
    with record.error_file.open("rb") as f:
        back = list(csv.reader(io.StringIO(f.read().decode("utf-8-sig"))))
    assert back[0] == [*HEADER, "错误原因"] and [r[0] for r in back[1:]] == ["钱七", "孙八", "周九", "吴十", "李明",
                                                                           "王六", "王芳"]
    assert back[1][-1].startswith("row 6: 证件号码: ")


def test_a_failure_while_writing_leaves_nothing_written(cast, confirmed_case, known, monkeypatch):
    from tracing.services import imports

    real = imports.exposure_record
    calls = []

    def failing(**kwargs):
        calls.append(kwargs["exposed"].name)
        if len(calls) == 3:
            raise DomainError("not_traced", "refused", fields={"last_contact": ["refused"]})
        return real(**kwargs)

    monkeypatch.setattr(imports, "exposure_record", failing)
    before = _state()
    record = _import(cast, confirmed_case, _csv(_rows(cast, known)))
    assert calls == ["李明", "赵红", "王五"]
    assert record.state == "rejected" and record.errors == [{"line": 4, "column": "末次接触日期", "reason": "refused"}]
    assert _state() == before and not Person.objects.filter(name__in=["李明", "赵红"]).exists()


def test_a_workbook_s_errors_come_back_in_a_workbook(cast, confirmed_case, known):
    rows = _rows(cast, known)
    rows[0][5] = "2020年13月1日"
    record = _import(cast, confirmed_case, _xlsx(rows))
    assert record.state == "rejected" and record.errors[0]["line"] == 2
    with record.error_file.open("rb") as f:
        sheet = openpyxl.load_workbook(io.BytesIO(f.read())).active
        back = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert record.error_file.name.endswith(".xlsx") and back[0][-1] == "错误原因"
    assert back[1][:2] == ["李明", resident_id(seq=201)] and back[1][-1].startswith("row 2: 末次接触日期: ")
    assert len(back) == 2 and not Person.objects.filter(name="李明").exists()


def test_the_file_as_a_whole_is_refused_with_the_reason(cast, confirmed_case, known):
    no_date = _import(cast, confirmed_case, _csv([["李明", resident_id(seq=201)]], header=["姓名", "证件号码"]))
    assert no_date.state == "rejected" and "末次接触日期" in no_date.message and not no_date.error_file
    with pytest.raises(DomainError) as exc:
        _import(cast, confirmed_case, SimpleUploadedFile("名单.doc", b"x"))
    assert exc.value.code == "unsupported_file"
    with pytest.raises(DomainError) as exc:  # the grid worker of A may not trace a case of grid B
        b_case = services.case_register(person=known, classification="confirmed", by=cast.street_officer)
        _import(cast, b_case, _csv([]), by=cast.grid_a_worker)
    assert exc.value.status == 404


def test_the_import_page_the_error_file_and_the_api(cast, confirmed_case, known, client_for,
                                                     django_capture_on_commit_callbacks):
    client = client_for(cast.grid_a_worker)
    url = f"/tracing/cases/{confirmed_case.pk}/contacts/import/"
    assert client.get(url).status_code == 200
    rows = _rows(cast, known)
    rows[1][5] = "昨天"
    with django_capture_on_commit_callbacks(execute=True):  # the background task runs when the upload commits
        response = client.post(url, {"file": _csv(rows), "unit": cast.grid_a.code})
    record = ContactImport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/tracing/imports/{record.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "末次接触日期" in page and "昨天" in page and 'class="import-errors"' in page
    download = client.get(f"/tracing/imports/{record.pk}/errors/")
    assert download.status_code == 200 and "昨天" in b"".join(download.streaming_content).decode("utf-8-sig")
    assert AuditEntry.objects.filter(action="export", object_type="tracing.contactimport").count() == 1
    other = client_for(cast.other_street_officer)
    assert other.get(f"/tracing/imports/{record.pk}/").status_code == 404
    assert other.post(url, {"file": _csv(rows), "unit": cast.grid_a.code}).status_code == 404

    with django_capture_on_commit_callbacks(execute=True):
        api = client.post(f"/api/cases/{confirmed_case.pk}/contact-imports", {"file": _csv(_rows(cast, known))})
    assert api.status_code == 202 and api.json()["state"] == "pending"  # queued; it runs after the commit
    api = client.get(f"/api/contact-imports/{api.json()['id']}")
    body = json.loads(api.content)
    assert body["state"] == "done" and body["unit"] == cast.grid_a.code
    assert (body["processed_rows"], body["total_rows"]) == (3, 3)
    # 王五 is registered in grid B, outside the grid worker's units: referred there, not linked
    assert (body["created"], body["linked"]) == (2, 0) and "王五" not in api.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(f"/api/cases/{confirmed_case.pk}/contact-imports", {"file": _csv(_rows(cast, known))})
    again = client.get(f"/api/contact-imports/{again.json()['id']}").json()
    assert again["unchanged"] == 2 and again["errors"] == []
    listed = json.loads(client.get(f"/api/cases/{confirmed_case.pk}/contact-imports").content)
    assert [r["id"] for r in listed] == [again["id"], body["id"], record.pk]
    assert client.get(f"/api/contact-imports/{record.pk}").json()["error_rows"] == 1
    assert other.get(f"/api/contact-imports/{record.pk}").status_code == 404


def test_the_contact_list_import_uses_no_private_name_of_another_module():
    """What it needs of the line list's import and of the exposures has a public name where it lives."""
    source = Path(services.__file__).with_name("imports.py")
    private = [f"{node.module}.{a.name}" for node in ast.walk(ast.parse(source.read_text(encoding="utf-8")))
               if isinstance(node, ast.ImportFrom) for a in node.names if a.name.startswith("_")]
    assert private == []
