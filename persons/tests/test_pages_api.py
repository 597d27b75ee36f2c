"""The line list through HTTP: scope, masking, audited views and exports, register/edit, the API."""

import csv
import io

from openpyxl import load_workbook

from core.models import AuditEntry
from persons.models import Person
from persons.tests.conftest import resident_id


def test_grid_worker_sees_only_their_grid(cast, people, client_for):
    page = client_for(cast.grid_a_worker).get("/persons/").content.decode()
    assert "张三" in page and "李四" not in page
    assert client_for(cast.grid_a_worker).get(f"/persons/{people[1].pk}/").status_code == 404


def test_lists_mask_ids_and_phones(cast, people, client_for):
    page = client_for(cast.street_officer).get("/persons/").content.decode()
    number = people[0].doc_number
    assert number not in page and f"{number[:6]}********{number[-4:]}" in page
    assert "13812345678" not in page and "138****5678" in page


def test_detail_shows_full_data_to_those_allowed_and_audits_the_view(cast, people, client_for):
    page = client_for(cast.grid_a_worker).get(f"/persons/{people[0].pk}/").content.decode()
    assert people[0].doc_number in page and "13812345678" in page
    assert AuditEntry.objects.filter(action="view", object_id=str(people[0].pk), actor=cast.grid_a_worker).exists()
    page = client_for(cast.command_a).get(f"/persons/{people[0].pk}/").content.decode()
    assert people[0].doc_number not in page  # the command role reads masked data


def test_filters(cast, people, client_for):
    client = client_for(cast.street_officer)
    assert "李四" not in client.get("/persons/", {"initials": "zs"}).content.decode()
    assert "李四" in client.get("/persons/", {"doc_suffix": people[1].doc_number[-6:]}).content.decode()
    assert "张三" not in client.get("/persons/", {"phone": "13900001111"}).content.decode()
    assert "张三" not in client.get("/persons/", {"unit": cast.community_b.code}).content.decode()
    assert client.get("/persons/", {"unit": cast.other_street.code}).status_code == 404


def test_export_is_masked_for_community_workers_and_audited(cast, people, client_for):
    response = client_for(cast.community_a_worker).get("/persons/export.csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert len(rows) == 2 and rows[1][0] == "张三" and rows[1][4].count("*") == 8
    entry = AuditEntry.objects.get(action="export")
    assert entry.actor == cast.community_a_worker and entry.after["rows"] == 1


def test_street_officer_exports_in_full_as_xlsx(cast, people, client_for):
    response = client_for(cast.street_officer).get("/persons/export.xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = [row for row in sheet.iter_rows(values_only=True)]
    assert len(values) == 3 and {people[0].doc_number, people[1].doc_number} <= {r[4] for r in values[1:]}


def test_register_and_edit_through_pages(cast, client_for):
    client = client_for(cast.grid_a_worker)
    response = client.post("/persons/new/", {"name": "王五", "doc_type": "resident_id",
                                             "doc_number": resident_id(seq=333), "grid": cast.grid_a.code,
                                             "phone": "13700000000"})
    assert response.status_code == 302
    person = Person.objects.get(name="王五")
    bad = client.post("/persons/new/", {"name": "王五", "doc_type": "resident_id", "doc_number": "123",
                                        "grid": cast.grid_a.code})
    assert bad.status_code == 200 and "18" in bad.content.decode()
    edit = client.post(f"/persons/{person.pk}/edit/", {"name": "王五", "doc_type": "resident_id",
                                                       "doc_number": person.doc_number, "grid": cast.grid_a.code,
                                                       "address": "新地址", "version": person.version})
    assert edit.status_code == 302
    stale = client.post(f"/persons/{person.pk}/edit/", {"name": "王五", "doc_type": "resident_id",
                                                        "doc_number": person.doc_number, "grid": cast.grid_a.code,
                                                        "address": "旧地址", "version": person.version})
    assert stale.status_code == 200
    person.refresh_from_db()
    assert person.address == "新地址"


def test_health_check_and_today_page(cast, people, client_for):
    client = client_for(cast.grid_a_worker)
    client.post(f"/persons/{people[0].pk}/status/", {"status": "home_quarantine"})
    assert "张三" in client.get("/persons/today/").content.decode()
    client.post(f"/persons/{people[0].pk}/checks/", {"temperature": "36.6", "result": "well", "next": "today"})
    assert people[0].health_checks.count() == 1
    assert "张三" not in client.get("/persons/today/").content.decode().split("Every check")[0].split("<h2>")[1]


def test_fields_page_is_for_admins(cast, client_for):
    assert client_for(cast.street_officer).get("/persons/fields/").status_code == 403
    response = client_for(cast.city_admin).post("/persons/fields/", {"key": "nat", "label": "核酸", "type": "text",
                                                                     "active": "on"})
    assert response.status_code == 302


def test_api_register_list_patch_conflict(cast, client_for):
    client = client_for(cast.grid_a_worker)
    created = client.post("/api/persons", {"name": "赵六", "doc_number": resident_id(seq=444), "grid": cast.grid_a.code,
                                           "phone": "１３６００００００００"}, content_type="application/json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["phone"] == "13600000000" and body["masked"] is False
    listed = client.get("/api/persons").json()
    assert listed["items"][0]["doc_number"].count("*") == 8
    patched = client.patch(f"/api/persons/{body['id']}", {"version": 1, "address": "x"},
                           content_type="application/json")
    assert patched.status_code == 200 and patched.json()["version"] == 2
    conflict = client.patch(f"/api/persons/{body['id']}", {"version": 1, "address": "y"},
                            content_type="application/json")
    assert conflict.status_code == 409 and conflict.json()["code"] == "conflict"
    bad = client.post("/api/persons", {"name": "", "doc_number": "1", "grid": cast.grid_a.code},
                      content_type="application/json")
    assert bad.status_code == 400 and {"name", "doc_number"} <= set(bad.json()["fields"])


def test_api_names_an_unknown_category_or_status_in_chinese_beside_its_field(cast, people, client_for):
    client = client_for(cast.grid_a_worker)
    pid = people[0].pk
    category = client.post(f"/api/persons/{pid}/categories", {"category": "nosuch"}, content_type="application/json")
    status = client.post(f"/api/persons/{pid}/status", {"status": "nosuch"}, content_type="application/json")
    assert category.status_code == 400 and category.json()["fields"]["category"] == ["人员台账中没有定义类别 nosuch。"]
    assert status.status_code == 400 and status.json()["fields"]["status"][0].startswith("未知的管控措施“nosuch”")


def test_api_status_and_checks(cast, people, client_for):
    client = client_for(cast.grid_a_worker)
    pid = people[0].pk
    assert client.post(f"/api/persons/{pid}/status", {"status": "home_quarantine"},
                       content_type="application/json").status_code == 201
    assert [d["id"] for d in client.get("/api/persons/checks-due").json()] == [pid]
    check = client.post(f"/api/persons/{pid}/checks", {"temperature": "38.1"}, content_type="application/json")
    assert check.status_code == 201 and check.json()["flagged"] is True
    assert client.get(f"/api/persons/{people[1].pk}/checks").status_code == 404
