"""Renaming and importing units, adding and changing sites through the API as on the unit's and the site's pages:
the same services (same rows, same audit entries), the same scope (404 outside it) and the same refusals."""

from django.core.files.uploadedfile import SimpleUploadedFile

from core.models import AuditEntry
from orgunits.models import OrgUnit, Site

GOOD_CSV = ("编码,名称,上级编码,类型\n"
            "431302004009,新星社区,431302004,社区\n"
            "431302004009-01,新星社区第一网格,431302004009,网格\n")


def _json(client, method, url, body):
    return getattr(client, method)(url, body, content_type="application/json")


def _csv(text: str, name: str = "单位.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def test_community_worker_renames_the_community_through_the_api_and_the_audit_keeps_the_old_name(cast, client_for):
    response = _json(client_for(cast.community_a_worker), "post", f"/api/orgunits/{cast.community_a.code}/rename",
                     {"name": "三元新村"})
    assert response.status_code == 200 and response.json()["name"] == "三元新村"
    cast.community_a.refresh_from_db()
    assert cast.community_a.name == "三元新村" and cast.community_a.code == "431302004001"
    entry = AuditEntry.objects.filter(object_type="orgunits.orgunit", object_id=str(cast.community_a.pk)).latest("at")
    assert entry.action == "update" and entry.before == {"name": "三元社区"} and entry.actor == cast.community_a_worker


def test_renaming_a_unit_outside_the_callers_scope_answers_as_a_missing_one(cast, client_for):
    client = client_for(cast.community_a_worker)
    theirs = _json(client, "post", f"/api/orgunits/{cast.community_b.code}/rename", {"name": "越界"})
    missing = _json(client, "post", "/api/orgunits/431302004099/rename", {"name": "越界"})
    assert theirs.status_code == missing.status_code == 404 and theirs.json()["code"] == missing.json()["code"]
    cast.community_b.refresh_from_db()
    assert cast.community_b.name == "月塘社区"


def test_an_empty_name_is_refused_in_chinese_beside_the_name(cast, client_for):
    response = _json(client_for(cast.community_a_worker), "post", f"/api/orgunits/{cast.community_a.code}/rename",
                     {"name": "  "})
    assert response.status_code == 400 and response.json()["fields"]["name"] == ["名称必填，且不超过 100 个字符。"]


def test_street_officer_imports_communities_and_grids_through_the_api_as_on_the_page(cast, client_for):
    response = client_for(cast.street_officer).post(f"/api/orgunits/{cast.street.code}/imports",
                                                    {"file": _csv(GOOD_CSV)})
    assert response.status_code == 200, response.content
    assert response.json() == {"written": True, "created": 2, "updated": 0, "unchanged": 0, "errors": []}
    grid = OrgUnit.objects.get(code="431302004009-01")
    assert grid.parent.code == "431302004009" and grid.kind == "grid"
    assert AuditEntry.objects.filter(object_type="orgunits.orgunit", action="create",
                                     actor=cast.street_officer).count() == 2


def test_an_import_with_a_wrong_row_writes_nothing_and_names_the_line_and_column(cast, client_for):
    text = GOOD_CSV + "431302004009-02,坏行,431302004099,网格\n"
    response = client_for(cast.street_officer).post(f"/api/orgunits/{cast.street.code}/imports",
                                                    {"file": _csv(text)})
    body = response.json()
    assert response.status_code == 200 and body["written"] is False and body["created"] == 0
    assert [(e["line"], e["column"]) for e in body["errors"]] == [(4, "上级编码")]
    assert "431302004099" in body["errors"][0]["message"]
    assert not OrgUnit.objects.filter(code="431302004009").exists()
    kept = client_for(cast.street_officer).post(f"/api/orgunits/{cast.street.code}/imports",
                                                {"file": _csv(text), "keep_valid": "true"}).json()
    assert kept["written"] is True and kept["created"] == 2 and len(kept["errors"]) == 1


def test_an_import_under_a_parent_outside_the_unit_refuses_that_row(cast, client_for):
    text = "编码,名称,上级编码,类型\n431302004003-09,越界网格,431302004003,网格\n"
    body = client_for(cast.community_a_worker).post(f"/api/orgunits/{cast.community_a.code}/imports",
                                                    {"file": _csv(text)}).json()
    assert body["written"] is False and body["errors"][0]["column"] == "上级编码"
    assert not OrgUnit.objects.filter(code="431302004003-09").exists()


def test_an_import_into_a_unit_outside_scope_or_without_a_file_is_refused(cast, client_for):
    client = client_for(cast.community_a_worker)
    outside = client.post(f"/api/orgunits/{cast.community_b.code}/imports", {"file": _csv(GOOD_CSV)})
    assert outside.status_code == 404
    no_file = client.post(f"/api/orgunits/{cast.community_a.code}/imports", {})
    assert no_file.status_code == 400 and no_file.json()["fields"]["file"] == ["必填。"]
    not_a_table = client.post(f"/api/orgunits/{cast.community_a.code}/imports",
                              {"file": SimpleUploadedFile("单位.numbers", b"\x00\x01")})
    assert not_a_table.status_code == 400 and "CSV" in not_a_table.json()["message"]


def test_community_worker_adds_a_site_through_the_api_as_on_the_unit_page(cast, client_for):
    client = client_for(cast.community_a_worker)
    url = f"/api/orgunits/{cast.community_a.code}/sites"
    response = _json(client, "post", url, {"kind": "enterprise", "name": "三元纺织厂", "address": "三元路1号"})
    assert response.status_code == 201 and response.json()["unit_code"] == cast.community_a.code
    site = Site.objects.get(name="三元纺织厂")
    assert site.unit_path == cast.community_a.path and site.address == "三元路1号"
    assert AuditEntry.objects.filter(object_type="orgunits.site", object_id=str(site.pk), action="create").exists()
    again = _json(client, "post", url, {"kind": "enterprise", "name": "三元纺织厂"})
    assert again.status_code == 400 and again.json()["fields"]["name"] == ["三元社区已有名为“三元纺织厂”的场所。"]
    outside = _json(client, "post", f"/api/orgunits/{cast.community_b.code}/sites", {"kind": "enterprise", "name": "越界"})
    assert outside.status_code == 404 and not Site.objects.filter(name="越界").exists()


def test_community_worker_changes_a_site_through_the_api_and_the_audit_keeps_both_versions(cast, client_for):
    client = client_for(cast.community_a_worker)
    response = _json(client, "patch", f"/api/sites/{cast.site_a.pk}", {"name": "三元社区东门检查点"})
    assert response.status_code == 200 and response.json()["name"] == "三元社区东门检查点"
    cast.site_a.refresh_from_db()
    assert cast.site_a.name == "三元社区东门检查点" and cast.site_a.kind == "checkpoint"
    entry = AuditEntry.objects.get(object_type="orgunits.site", object_id=str(cast.site_a.pk), action="update")
    assert entry.before["name"] == "三元社区东门卡点" and entry.after["name"] == "三元社区东门检查点"


def test_a_site_change_is_refused_outside_scope_to_viewers_and_for_an_unknown_kind(cast, client_for):
    theirs = _json(client_for(cast.community_a_worker), "patch", f"/api/sites/{cast.site_b.pk}", {"name": "越界"})
    viewer = _json(client_for(cast.grid_a_worker), "patch", f"/api/sites/{cast.site_a.pk}", {"name": "越界"})
    assert theirs.status_code == viewer.status_code == 404
    kind = _json(client_for(cast.community_a_worker), "patch", f"/api/sites/{cast.site_a.pk}", {"kind": "castle"})
    assert kind.status_code == 400 and kind.json()["fields"]["kind"] == ["未知场所类型：castle。"]
    cast.site_a.refresh_from_db()
    cast.site_b.refresh_from_db()
    assert (cast.site_a.name, cast.site_a.kind, cast.site_b.name) == ("三元社区东门卡点", "checkpoint", "月塘社区南门卡点")
