"""The line list's additional fields and an import's unknown columns through the API: the pages' services and the
pages' rules of who may (those who manage fields; the importer of the job), out-of-scope jobs answered as missing."""

import json

from django.core.files.base import ContentFile

from core.models import AuditEntry
from persons.models import CustomField, ImportJob, ImportMapping, Person
from persons.tests.test_import import csv_bytes, resident_id


def _send(client, method: str, path: str, body: dict):
    return getattr(client, method)(path, data=json.dumps(body), content_type="application/json")


def test_the_city_admin_adds_and_changes_a_field_through_the_api(cast, client_for):
    admin = client_for(cast.city_admin)
    created = _send(admin, "post", "/api/person-fields", {"key": "nat", "label": "核酸结果", "type": "choice",
                                                           "choices": ["阴性", "阳性"]})
    assert created.status_code == 201, created.content
    field = CustomField.objects.get(key="nat")
    changed = _send(admin, "patch", f"/api/person-fields/{field.pk}", {"label": "核酸", "choices": ["阴性", "阳性", "待出"],
                                                                      "active": False})
    assert changed.status_code == 200 and changed.json()["key"] == "nat" and changed.json()["type"] == "choice"
    field.refresh_from_db()
    assert (field.label, field.choices, field.active) == ("核酸", ["阴性", "阳性", "待出"], False)
    assert AuditEntry.objects.filter(actor=cast.city_admin, object_type="persons.customfield").count() == 2
    assert [f["key"] for f in admin.get("/api/person-fields").json()] == ["nat"]
    taken = _send(admin, "post", "/api/person-fields", {"key": "nat", "label": "重复", "type": "text"})
    assert taken.status_code == 400 and taken.json()["code"] == "invalid_field" and "key" in taken.json()["fields"]


def test_who_does_not_manage_fields_is_answered_as_on_the_pages(cast, client_for):
    field = CustomField.objects.create(key="nat", label="核酸", type="text")
    officer = client_for(cast.street_officer)
    assert officer.get("/api/person-fields").status_code == officer.get("/persons/fields/").status_code == 403
    assert _send(officer, "post", "/api/person-fields", {"key": "x", "label": "x", "type": "text"}).status_code == 403
    assert _send(officer, "patch", f"/api/person-fields/{field.pk}", {"label": "改"}).status_code \
        == officer.get(f"/persons/fields/{field.pk}/").status_code == 404
    field.refresh_from_db()
    assert field.label == "核酸"


def test_an_imports_unknown_column_is_mapped_through_the_api_and_the_file_imported_again(
        cast, client_for, django_capture_on_commit_callbacks):
    content = csv_bytes([["王伟", resident_id(1), "娄星区", cast.grid_a.code]], header=["姓名", "身份证号码", "户籍住址",
                                                                                     "所属网格"])
    officer = client_for(cast.street_officer)
    with django_capture_on_commit_callbacks(execute=True):
        first = officer.post("/api/person-imports", {"unit": cast.street.code,
                                                     "file": ContentFile(content, name="people.csv")})
    job = ImportJob.objects.get(pk=first.json()["id"])
    assert job.state == ImportJob.State.REJECTED
    # another community's worker finds the job no more than one that does not exist
    outsider = client_for(cast.community_b_worker)
    body = {"columns": {"户籍住址": "address"}, "name": "长青街道台账"}
    theirs, missing = (_send(outsider, "post", f"/api/person-imports/{pk}/mapping", body) for pk in (job.pk, 987654321))
    assert theirs.status_code == missing.status_code == 404 and theirs.json() == missing.json()
    with django_capture_on_commit_callbacks(execute=True):
        again = _send(officer, "post", f"/api/person-imports/{job.pk}/mapping", body)
    assert again.status_code == 202, again.content
    assert again.json()["id"] != job.pk
    assert ImportJob.objects.get(pk=again.json()["id"]).state == ImportJob.State.DONE
    assert Person.objects.get().address == "娄星区"
    assert ImportMapping.objects.get(name="长青街道台账").columns == {"户籍住址": "address"}
    wrong = _send(officer, "post", f"/api/person-imports/{job.pk}/mapping", {"columns": {"户籍住址": "住址"},
                                                                           "name": "长青街道台账"})
    assert wrong.status_code == 400 and wrong.json()["code"] == "invalid_mapping"


def test_a_person_awaiting_a_grid_is_placed_through_the_api(cast, client_for):
    from persons import services

    waiting = services.person_register(data={"name": "待分配", "doc_type": "resident_id", "doc_number": resident_id(7),
                                             "grid": cast.community_a.code}, by=None)
    worker = client_for(cast.community_a_worker)
    listed = worker.get("/api/persons/awaiting-grid").json()["items"]
    assert [(p["id"], p["community"], p["grids"]) for p in listed] == [(waiting.pk, cast.community_a.code,
                                                                        [cast.grid_a.code])]
    # another community's grid is answered as one that does not exist
    theirs = _send(worker, "post", f"/api/persons/{waiting.pk}/grid", {"grid": cast.grid_b.code})
    missing = _send(worker, "post", f"/api/persons/{waiting.pk}/grid", {"grid": "431302004001-99"})
    assert theirs.status_code == missing.status_code == 404 and theirs.json() == missing.json()
    placed = _send(worker, "post", f"/api/persons/{waiting.pk}/grid", {"grid": cast.grid_a.code})
    assert placed.status_code == 200 and placed.json()["grid"] == cast.grid_a.code
    assert worker.get("/api/persons/awaiting-grid").json()["items"] == []
    assert AuditEntry.objects.filter(actor=cast.community_a_worker, object_type="persons.person",
                                     action="update").exists()
    outsider = client_for(cast.community_b_worker)
    assert _send(outsider, "post", f"/api/persons/{waiting.pk}/grid", {"grid": cast.grid_b.code}).status_code == 404
