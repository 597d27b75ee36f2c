"""The API's own promises, checked directly: its document names each shape once, and input that no database
column can hold is refused with 422 naming the field (what the fuzzing of test_api_fuzz.py first found)."""


def test_no_two_api_shapes_share_a_name():
    """The OpenAPI document names its components by class name: two shapes of one name would describe one
    operation's answers with the other's fields."""
    from ninja import Schema

    import fangkong.api  # noqa: F401  (every router, so every shape, is imported)

    apps = {"accounts", "orgunits", "persons", "tracing", "checkpoints", "supplies", "volunteers", "reports",
            "legal", "dashboard", "core", "fangkong"}
    seen, clashes, todo = {}, [], list(Schema.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] not in apps:
            continue
        other = seen.setdefault(cls.__name__, cls)
        if other is not cls:
            clashes.append(f"{other.__module__}.{cls.__name__} and {cls.__module__}.{cls.__name__}")
    assert not clashes


def test_input_no_column_can_hold_is_a_422_naming_the_field(cast, client_for):
    client = client_for(cast.street_officer)
    nul = client.get("/api/persons/checks-due", {"unit": "431302004\x00"})
    assert nul.status_code == 422 and set(nul.json()["fields"]) == {"unit"}
    huge = client.get(f"/api/persons/{2**64}")
    assert huge.status_code == 422 and set(huge.json()["fields"]) == {"person_id"}
    body = client.post("/api/supplies/requests", {"location_id": 1, "item": "mask-n95", "quantity": "1",
                                                  "reason": "急\x00用"}, content_type="application/json")
    assert body.status_code == 422 and set(body.json()["fields"]) == {"reason"}


def test_an_unexpected_error_answers_json_without_detail_and_is_logged(cast, client_for, monkeypatch, caplog):
    from orgunits import selectors

    def broken(unit):
        raise RuntimeError("connection to db-primary:5432 refused, password hunter2")

    monkeypatch.setattr(selectors, "unit_children", broken)  # a fault injected into a real endpoint
    client = client_for(cast.street_officer)
    client.raise_request_exception = False
    response = client.get(f"/api/orgunits/{cast.street.code}/children", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 500 and response["Content-Type"].startswith("application/json")
    assert response.json() == {"code": "server_error", "message": "服务器出错，错误已记录。请稍后再试。", "fields": {}}
    assert "hunter2" not in response.content.decode() and "RuntimeError" not in response.content.decode()
    logged = [r for r in caplog.records if r.name == "fangkong.api"]
    assert logged and logged[0].exc_info and "hunter2" in caplog.text  # the traceback is kept for the operators


def test_the_api_document_declares_the_shape_of_a_server_error(client):
    responses = client.get("/api/openapi.json").json()["paths"]["/api/orgunits"]["get"]["responses"]
    assert responses["500"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorOut"}


def test_a_body_that_is_not_json_is_refused_in_chinese(cast, client_for):
    response = client_for(cast.street_officer).post("/api/persons", data='{"name": 某人}',
                                                     content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"code": "invalid_json", "message": "请求内容不是有效的 JSON。", "fields": {}}
