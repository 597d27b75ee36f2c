"""Org-unit endpoints within scope, and the API's one error shape {code, message, fields}."""

ERROR_KEYS = {"code", "message", "fields"}


def test_roots_are_the_scope(cast, client_for):
    data = client_for(cast.street_officer).get("/api/orgunits").json()
    assert [u["code"] for u in data] == [cast.street.code]
    assert client_for(cast.city_admin).get("/api/orgunits").json()[0]["code"] == cast.city.code


def test_unit_with_ancestors_inside_scope_only(cast, client_for):
    data = client_for(cast.community_a_worker).get(f"/api/orgunits/{cast.grid_a.code}").json()
    assert data["parent_code"] == cast.community_a.code
    assert [a["code"] for a in data["ancestors"]] == [cast.community_a.code]
    data = client_for(cast.city_admin).get(f"/api/orgunits/{cast.grid_a.code}").json()
    assert [a["code"] for a in data["ancestors"]] == ["431300", "431302", "431302004", "431302004001"]


def test_children_and_subtree(cast, client_for):
    client = client_for(cast.street_officer)
    children = client.get(f"/api/orgunits/{cast.street.code}/children").json()
    assert [c["name"] for c in children] == ["三元社区", "月塘社区"]
    page = client.get(f"/api/orgunits/{cast.street.code}/subtree", {"limit": 2}).json()
    assert len(page["items"]) == 2 and page["next_cursor"]
    rest = client.get(f"/api/orgunits/{cast.street.code}/subtree",
                      {"limit": 10, "cursor": page["next_cursor"]}).json()
    codes = [u["code"] for u in page["items"] + rest["items"]]
    assert len(codes) == 5 and len(set(codes)) == 5 and rest["next_cursor"] is None
    grids = client.get(f"/api/orgunits/{cast.street.code}/subtree", {"kind": "grid"}).json()["items"]
    assert {g["code"] for g in grids} == {cast.grid_a.code, cast.grid_b.code}


def test_search_by_name_or_code_within_scope(cast, client_for):
    client = client_for(cast.community_a_worker)
    assert [u["name"] for u in client.get("/api/orgunits", {"q": "网格"}).json()] == ["三元社区第一网格"]
    assert client.get("/api/orgunits", {"q": "月塘"}).json() == []
    assert [u["code"] for u in client.get("/api/orgunits", {"q": "431302004001-"}).json()] == [cast.grid_a.code]


def test_create_child_and_errors(cast, client_for):
    client = client_for(cast.community_a_worker)
    url = f"/api/orgunits/{cast.community_a.code}/children"
    response = client.post(url, {"code": "431302004001-02", "name": "第二网格", "kind": "grid"},
                           content_type="application/json")
    assert response.status_code == 201 and response.json()["parent_code"] == cast.community_a.code
    duplicate = client.post(url, {"code": "431302004001-02", "name": "重复", "kind": "grid"},
                            content_type="application/json")
    assert duplicate.status_code == 400 and set(duplicate.json()) == ERROR_KEYS
    assert "code" in duplicate.json()["fields"]
    malformed = client.post(url, {"name": 5}, content_type="application/json")
    assert malformed.status_code == 422 and set(malformed.json()) == ERROR_KEYS
    assert "code" in malformed.json()["fields"]
    missing = client.get("/api/orgunits/nope")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_openapi_document_and_docs_without_cdn(cast, client_for):
    client = client_for(cast.grid_a_worker)
    schema = client.get("/api/openapi.json").json()
    assert "/api/orgunits/{code}/subtree" in schema["paths"]
    docs = client.get("/api/docs").content.decode()
    assert "swagger-ui" in docs.lower() and "cdn" not in docs.lower()
