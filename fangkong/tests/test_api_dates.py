"""Every date and time the API takes is bounded (core.timebounds): each date or date-time parameter and body field
of every operation in /api/openapi.json, sent as year 1 or year 9999 in an otherwise well-formed request, is
refused with 422 naming the field — never a 500 from a date shifted out of Python's range
(POST /api/tasks with due_at 9999-12-31T23:59:59Z was an OverflowError), never stored."""

import pytest
from django.utils import translation

from fangkong.api import api

EXTREMES = {"date": ["0001-01-01", "9999-12-31"], "date-time": ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"]}


def _document():
    return api.get_openapi_schema()


def _resolve(schema, components):
    if not isinstance(schema, dict):
        return {}
    while "$ref" in schema:
        schema = components[schema["$ref"].split("/")[-1]]
    options = [s for s in schema.get("anyOf", []) if s.get("type") != "null"]
    return _resolve(options[0], components) if options else schema


def _filler(schema, components):
    """A value of the schema's shape: what a request needs to be read, whatever it then means."""
    schema = _resolve(schema, components)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        return {k: _filler(v, components) for k, v in schema.get("properties", {}).items()
                if k in schema.get("required", [])}
    if kind == "array" and schema.get("minItems"):  # a list that must hold something holds one item
        return [_filler(schema.get("items", {}), components)]
    if kind == "string" and schema.get("format") in EXTREMES:
        return EXTREMES[schema["format"]][0].replace("0001", "2020")
    return {"string": "x", "integer": 1, "number": 1, "boolean": False, "array": []}.get(kind, "x")


def date_places() -> list[tuple]:
    """(method, path, where, place, format): every date or date-time the API reads, in a parameter or the body
    (its fields, those of its objects and those of the items of its lists)."""
    document = _document()
    components = document["components"]["schemas"]
    places = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                fmt = _resolve(parameter.get("schema", {}), components).get("format")
                if fmt in EXTREMES:
                    places.append((method, path, parameter["in"], (parameter["name"],), fmt))
            content = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if not content:
                continue

            def walk(schema, place, method=method, path=path):
                schema = _resolve(schema, components)
                if schema.get("format") in EXTREMES:
                    places.append((method, path, "body", place, schema["format"]))
                for key, sub in schema.get("properties", {}).items():
                    walk(sub, (*place, key))
                if schema.get("type") == "array" and len(place) < 3:
                    walk(schema.get("items", {}), (*place, 0))

            walk(content["schema"], ())
    return places


def _request(method, path, where, place, value):
    document = _document()
    components = document["components"]["schemas"]
    operation = document["paths"][path][method]
    query, url = {}, path
    for parameter in operation.get("parameters", []):
        given = value if (where, (parameter["name"],)) == (parameter["in"], place) else (
            _filler(parameter.get("schema", {}), components) if parameter.get("required") else None)
        if given is None:
            continue
        if parameter["in"] == "path":
            url = url.replace("{" + parameter["name"] + "}", str(given))
        else:
            query[parameter["name"]] = given
    body = None
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if content:
        body = _filler(content["schema"], components)
        if where == "body":
            target = body
            for key, inner in zip(place[:-1], place[1:], strict=True):
                if isinstance(target, list):
                    target.append({}) if not target else None
                    target = target[0]
                else:  # what the key holds: a list where the next step is an item's index
                    target = target.setdefault(key, [] if isinstance(inner, int) else {})
            if isinstance(target, list):
                target.append(value)
            else:
                target[place[-1]] = value
    return url, query, body


# A device's batch reads its items itself and answers each one (accepted, duplicate, refused): one bad time
# must not lose the batch (checkpoints/tests).
PLACES = [p for p in date_places() if p[1] != "/api/checkpoint-readings"]


def test_the_api_reads_dates_in_many_places():
    """The walk finds the dates the issue named (so a change in the document's shape cannot empty it)."""
    found = {(m, p, ".".join(map(str, place))) for m, p, _w, place, _f in PLACES}
    assert {("post", "/api/tasks", "due_at"), ("post", "/api/persons/{person_id}/checks", "checked_at"),
            ("post", "/api/follow-ups/{follow_up_id}/end", "end"), ("post", "/api/cases/{case_id}/visits", "start"),
            ("post", "/api/reports/forms/{code}/compute", "day")} <= found
    assert len(PLACES) > 40


@pytest.mark.parametrize("method, path, where, place, fmt", PLACES,
                         ids=[f"{m.upper()} {p} {'.'.join(map(str, pl))}" for m, p, _w, pl, _f in PLACES])
def test_a_date_outside_the_years_fangkong_handles_is_refused_naming_the_field(method, path, where, place, fmt,
                                                                               django_user_model, client):
    # Refused before the operation reads anything, whoever asks: any signed-in account shows it.
    client.force_login(django_user_model.objects.create_user(username="dates", password="Test-password-2020"))
    client.raise_request_exception = False
    for value in EXTREMES[fmt]:
        url, query, body = _request(method, path, where, place, value)
        with translation.override("en"):
            if method == "get":
                response = client.get(url, query)
            else:
                response = getattr(client, method)(url + ("?" + "&".join(f"{k}={v}" for k, v in query.items())
                                                          if query else ""), body, content_type="application/json")
        assert response.status_code == 422, (value, response.status_code, response.content[:300])
        fields = response.json()["fields"]
        named = [k for k in fields if k.split(".")[-1] == str(place[-1]) or k.endswith(".".join(map(str, place)))]
        assert named and fields[named[0]][0], (value, fields)
