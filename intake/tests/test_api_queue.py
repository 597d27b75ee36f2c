"""The 待核实 queue and posters through the API: the same services, scope, audit and errors as the pages."""

import json

from core.models import AuditEntry
from intake import services
from intake.models import Declaration, Poster
from orgunits.models import OrgUnit
from persons.models import Person
from persons.selectors import categories_as_of, status_as_of


def _post(client, url, body=None):
    return client.post(url, data=json.dumps(body or {}), content_type="application/json")


def test_grid_worker_confirms_a_declaration_through_the_api_and_the_person_is_registered(cast, poster_a, declare,
                                                                                         client_for):
    declare(poster_a.token, symptoms=["cough"])
    declaration = Declaration.objects.get()
    client = client_for(cast.grid_a_worker)
    [queued] = client.get("/api/declarations").json()
    assert queued["id"] == declaration.pk and queued["name"] == "刘晓" and queued["symptoms"] == ["cough"]
    response = _post(client, f"/api/declarations/{declaration.pk}/confirm", {
        "grid": cast.grid_a.code, "category": "wuhan", "status": "home_quarantine"})
    assert response.status_code == 200, response.content
    declaration.refresh_from_db()
    person = declaration.person
    assert response.json()["state"] == "confirmed" and response.json()["person_id"] == person.pk
    assert person.grid == cast.grid_a and person.name == "刘晓"
    assert [c.category.code for c in categories_as_of(person)] == ["wuhan"]
    assert status_as_of(person).status.code == "home_quarantine"
    assert AuditEntry.objects.filter(object_type="intake.declaration", object_id=str(declaration.pk),
                                     action="update", actor=cast.grid_a_worker).exists()
    assert client.get("/api/declarations").json() == []
    assert [d["id"] for d in client.get("/api/declarations?state=confirmed").json()] == [declaration.pk]
    again = _post(client, f"/api/declarations/{declaration.pk}/confirm", {
        "grid": cast.grid_a.code, "category": "wuhan"})
    assert again.status_code == 409 and again.json()["code"] == "already_decided"


def test_another_communitys_declaration_answers_through_the_api_as_a_missing_one(cast, poster_a, declare,
                                                                                 client_for):
    declare(poster_a.token)
    declaration = Declaration.objects.get()
    client = client_for(cast.community_b_worker)
    assert client.get("/api/declarations").json() == []
    body = {"grid": cast.grid_b.code, "category": "wuhan"}
    theirs = _post(client, f"/api/declarations/{declaration.pk}/confirm", body)
    missing = _post(client, "/api/declarations/987654321/confirm", body)
    assert theirs.status_code == missing.status_code == 404 and theirs.json() == missing.json()
    rejected = _post(client, f"/api/declarations/{declaration.pk}/reject", {"reason": "越界"})
    assert rejected.status_code == 404
    assert Declaration.objects.get().state == Declaration.State.PENDING and not Person.objects.filter(
        doc_number=declaration.doc_number).exists()


def test_confirming_through_the_api_outside_the_declarations_unit_or_under_a_site_status_is_refused(cast, declare,
                                                                                                  client_for):
    poster = services.poster_create(unit=cast.grid_a, by=cast.grid_a_worker)
    declare(poster.token)
    declaration = Declaration.objects.get()
    second = OrgUnit.objects.create(code="431302004001-02", name="三元社区第二网格", kind=OrgUnit.Kind.GRID,
                                    parent=cast.community_a, path=cast.community_a.path + "431302004001-02/",
                                    depth=cast.community_a.depth + 1)
    client = client_for(cast.community_a_worker)
    url = f"/api/declarations/{declaration.pk}/confirm"
    sibling = _post(client, url, {"grid": second.code, "category": "wuhan"})
    assert sibling.status_code == 400 and sibling.json()["code"] == "invalid_grid"
    assert sibling.json()["message"] == "请选择三元社区第一网格的一个网格。"
    outside = _post(client, url, {"grid": cast.grid_b.code, "category": "wuhan"})
    missing = _post(client, url, {"grid": "431302004099-99", "category": "wuhan"})
    assert outside.status_code == missing.status_code == 404 and outside.json() == missing.json()
    released = _post(client, url, {"grid": cast.grid_a.code, "category": "wuhan", "status": "released"})
    assert released.status_code == 400 and released.json()["code"] == "unknown_status"
    assert "解除管理" in released.json()["message"]
    unknown = _post(client, url, {"grid": cast.grid_a.code, "category": "nowhere"})
    assert unknown.status_code == 400 and unknown.json()["code"] == "unknown_category"
    assert Declaration.objects.get().state == Declaration.State.PENDING


def test_grid_worker_rejects_a_declaration_through_the_api_with_the_pages_rule(cast, poster_a, declare, client_for):
    declare(poster_a.token)
    declaration = Declaration.objects.get()
    client = client_for(cast.grid_a_worker)
    blank = _post(client, f"/api/declarations/{declaration.pk}/reject", {"reason": "  "})
    assert blank.status_code == 400 and blank.json()["code"] == "reason_required"
    response = _post(client, f"/api/declarations/{declaration.pk}/reject", {"reason": "重复申报"})
    assert response.status_code == 200 and response.json()["state"] == "rejected"
    declaration.refresh_from_db()
    assert declaration.reject_reason == "重复申报" and declaration.decided_by == cast.grid_a_worker
    assert AuditEntry.objects.filter(object_type="intake.declaration", object_id=str(declaration.pk),
                                     action="update", actor=cast.grid_a_worker).exists()


def test_grid_worker_makes_and_revokes_a_poster_through_the_api(cast, client_for):
    client = client_for(cast.grid_a_worker)
    made = _post(client, "/api/posters", {"unit": cast.grid_a.code})
    assert made.status_code == 201, made.content
    poster = Poster.objects.get()
    assert made.json()["url"] == f"http://testserver/i/d/{poster.token}/" and made.json()["unit"] == cast.grid_a.code
    assert AuditEntry.objects.filter(object_type="intake.poster", object_id=str(poster.pk), action="create",
                                     actor=cast.grid_a_worker).exists()
    revoked = _post(client, f"/api/posters/{poster.pk}/revoke")
    assert revoked.status_code == 200 and revoked.json()["active"] is False
    poster.refresh_from_db()
    assert poster.revoked_by == cast.grid_a_worker
    assert AuditEntry.objects.filter(object_type="intake.poster", object_id=str(poster.pk), action="update").exists()


def test_another_communitys_poster_and_unit_answer_through_the_api_as_missing_ones(cast, client_for):
    poster_b = services.poster_create(unit=cast.community_b, by=cast.community_b_worker)
    client = client_for(cast.community_a_worker)
    theirs, missing = _post(client, f"/api/posters/{poster_b.pk}/revoke"), _post(client, "/api/posters/987654321/revoke")
    assert theirs.status_code == missing.status_code == 404 and theirs.json() == missing.json()
    unit_b = _post(client, "/api/posters", {"unit": cast.community_b.code})
    no_unit = _post(client, "/api/posters", {"unit": "431302004099"})
    assert unit_b.status_code == no_unit.status_code == 404 and unit_b.json() == no_unit.json()
    poster_b.refresh_from_db()
    assert poster_b.active and Poster.objects.count() == 1
