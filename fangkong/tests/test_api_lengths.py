"""Every text the API stores fits its column, on SQLite as on PostgreSQL: each write operation of /api/openapi.json
is sent as a valid request (fangkong/tests/api_writes.py) with one of its texts made 3,000 characters long — longer
than any CharField of the project — and answers a 4xx naming the field, or succeeds having kept the text whole in a
column without a length. It never answers 500, and never stores the text, whole or cut, in a column too short for
it (SQLite would; PostgreSQL would raise DataError).
"""

import re

import pytest
from django.apps import apps
from django.db import connection, models, transaction
from django.test.utils import CaptureQueriesContext

from core.lengths import PROJECT_APPS
from fangkong.api import api
from fangkong.tests.api_writes import WRITES, Demo

LONG = "超长" + "甲" * 3_000
MARK = "超长甲甲甲"
LABELS_CUT_BY_DESIGN = {("core", "auditentry", "object_repr")}  # the audit log's one-line label of an object


def _schema():
    return api.get_openapi_schema()


def _resolve(schema, components: dict) -> dict:
    if not isinstance(schema, dict):  # additionalProperties: true
        return {}
    while "$ref" in schema:
        schema = components[schema["$ref"].split("/")[-1]]
    options = [_resolve(s, components) for s in schema.get("anyOf", []) if s.get("type") != "null"]
    return options[0] if len(options) == 1 else schema


def write_operations() -> dict[str, dict | None]:
    """"METHOD /path" -> the resolved schema of its request body (None without one), for every write."""
    document = _schema()
    components = document["components"]["schemas"]
    found = {}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method in ("post", "put", "patch", "delete"):
                content = operation.get("requestBody", {}).get("content", {})
                body = next(iter(content.values()))["schema"] if content else None
                found[f"{method.upper()} {path}"] = _resolve(body, components) if body else None
    return found


def _is_text(schema: dict) -> bool:
    return schema.get("type") == "string" and schema.get("format") not in ("date", "date-time", "binary")


def text_fields(schema: dict | None, example: dict) -> list[tuple]:
    """The places of every text in a request: the body's text properties (and those of its objects and of the
    first item of its lists of objects) and every text the valid example itself holds."""
    components = _schema()["components"]["schemas"]
    places: set[tuple] = set()

    def walk(schema, value, place):
        schema = _resolve(schema or {}, components)
        if _is_text(schema) or isinstance(value, str):
            places.add(place)
        properties = schema.get("properties", {})
        if isinstance(value, dict) or (properties and not place):
            for key in {*properties, *(value or {})}:
                walk(properties.get(key) or schema.get("additionalProperties") or {},
                     (value or {}).get(key) if isinstance(value, dict) else None, (*place, key))
        elif isinstance(value, list) and value:
            walk(schema.get("items", {}), value[0], (*place, 0))

    walk(schema, example, ())
    return sorted(places, key=str)


def _with(body, place: tuple, text: str):
    if not place:
        return text
    head, *rest = place
    copy = list(body) if isinstance(body, list) else dict(body or {})
    copy[head] = _with(copy[head] if isinstance(copy, list) or head in copy else None, tuple(rest), text)
    return copy


def send(demo: Demo, operation: str, path: str, body, files):
    method = operation.split()[0].lower()
    if files:
        return demo.client.post(path, {**body, **files})
    return getattr(demo.client, method)(path, body, content_type="application/json")


def stored_too_long(queries) -> list[str]:
    """The columns with a length that hold the long text, whole or cut, among the tables the requests wrote."""
    written = set()
    for query in queries.captured_queries:
        written |= set(re.findall(r'^\s*(?:INSERT INTO|UPDATE)\s+"?(\w+)"?', query["sql"], flags=re.IGNORECASE))
    found = []
    for model in apps.get_models():
        if model._meta.db_table not in written or model._meta.app_label not in PROJECT_APPS:
            continue
        for field in model._meta.concrete_fields:
            label = (model._meta.app_label, model._meta.model_name, field.name)
            if isinstance(field, models.CharField) and label not in LABELS_CUT_BY_DESIGN and \
                    model._base_manager.filter(**{f"{field.name}__contains": MARK}).exists():
                found.append(".".join(label))
    return found


@pytest.fixture
def demo(demo_city, db, client):
    from accounts.models import User

    client.force_login(User.objects.get(username="admin"))
    return Demo(client)


def test_every_write_operation_has_a_valid_request():
    """A new endpoint is walked by the tests below once api_writes.py holds a valid request for it (or None with
    the reason it has no text of a user to make too long)."""
    assert set(write_operations()) - set(WRITES) == set()


@pytest.mark.parametrize("operation", sorted(op for op, make in WRITES.items() if make))
def test_the_valid_request_of_each_write_operation_succeeds(operation, demo):
    """What the test below sees refused is refused for the long text, not for another mistake."""
    path, body, files = WRITES[operation](demo)
    response = send(demo, operation, path, body, files)
    assert response.status_code in (200, 201, 202), response.content[:600]


@pytest.mark.parametrize("operation", sorted(op for op, make in WRITES.items() if make))
def test_an_over_long_text_in_any_field_of_a_write_is_refused_or_kept_whole(operation, demo):
    path, body, files = WRITES[operation](demo)
    places = text_fields(write_operations()[operation], body)
    assert places, "a write with no text of its own: give it None in api_writes.py"
    problems = []
    for place in places:
        with CaptureQueriesContext(connection) as queries:
            with transaction.atomic():
                response = send(demo, operation, path, _with(body, place, LONG), files)
                stored = stored_too_long(queries) if response.status_code < 300 else []
                transaction.set_rollback(True)
        field = ".".join(map(str, place))
        if response.status_code >= 500:
            problems.append(f"{field}: {response.status_code}")
        elif response.status_code >= 400:
            error = response.json()
            if not (error.get("code") and error.get("message")):
                problems.append(f"{field}: {response.status_code} without an ErrorOut")
        elif stored:
            problems.append(f"{field}: stored in {', '.join(stored)}")
    assert not problems, problems
