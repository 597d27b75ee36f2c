"""Every page and API operation that takes no object id — lists, searches, exports, dashboards, create
forms — read and written by the users of community A while community B holds people, cases, calls and
checkpoint records: no response names B's people, and no POST writes anything under B.

Together with test_scope_enumerated.py (every URL with an object id answers 404 for B's objects) this
covers every endpoint: a new one is enumerated here without being listed."""

import io
import json
import zipfile

import pytest
from django.apps import apps
from django.urls import get_resolver

from accounts.tests.test_scope_enumerated import USERS_OF_A, _objects_of_b, _walk
from core.models import AuditEntry

# What community B's records hold that community A's users may not read: names and ID numbers of its
# people (created by _objects_of_b and the apps' tests/scope.py) and the question of its hotline call.
MARKERS_OF_B = ["月塘居民", "431302199001011239", "月塘密接", "月塘职工", "431302198808080011"]

# Not requests about data: signing out ends the test client's session; the password form changes the
# user's own password only.
SKIPPED = {"accounts:logout", "accounts:password_change"}


def _parameterless_routes():
    seen = set()
    for route, name, _pattern in _walk(get_resolver().url_patterns):
        if "<" in route or route.startswith("admin/") or name in SKIPPED or route in seen:
            continue
        seen.add(route)
        yield "/" + route, name


def _text(response) -> str:
    """The response body as text: HTML, JSON, CSV, or the strings of an xlsx workbook."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if body[:2] == b"PK":  # an xlsx file: its strings, shared or inline, are in the XML parts
        with zipfile.ZipFile(io.BytesIO(body)) as book:
            return "".join(book.read(n).decode("utf-8", "replace") for n in book.namelist() if n.endswith(".xml"))
    text = body.decode("utf-8", "replace")
    if response.get("Content-Type", "").startswith("application/json"):
        text += json.dumps(json.loads(body or b"null"), ensure_ascii=False)  # \u escapes spelled out
    return text


def _rows_under(path: str) -> dict[str, int]:
    """Rows per model whose unit path lies under `path` (audit entries aside: a refusal may be logged)."""
    counts = {}
    for model in apps.get_models():
        names = {f.name for f in model._meta.concrete_fields}
        if "unit_path" in names and model is not AuditEntry:
            counts[model._meta.label] = model._default_manager.filter(unit_path__startswith=path).count()
    return counts


@pytest.mark.parametrize("who", USERS_OF_A)
def test_no_list_or_create_endpoint_reads_or_writes_community_b(cast, client_for, who):
    _objects_of_b(cast)
    b = cast.community_b
    before = _rows_under(b.path)
    client = client_for(getattr(cast, who))
    # Filters that point at B: a well-behaved endpoint ignores or refuses them, never widens the scope.
    queries = ["", f"?unit={b.code}&q=月塘&grid={cast.grid_b.code}&day=2020-05-21&site={cast.site_b.pk}"]
    form = {"name": "越界", "code": "X-9", "kind": "grid", "unit": b.code, "unit_code": b.code,
            "grid": cast.grid_b.code, "site": cast.site_b.pk, "doc_type": "resident_id",
            "doc_number": "431302199001011255", "category": "hubei", "status": "released", "day": "2020-05-21",
            "question": "越界", "title": "越界", "quantity": "1", "temperature": "36.5"}
    checked = 0
    for url, name in _parameterless_routes():
        for query in queries:
            response = client.get(url + query)
            assert response.status_code < 500, f"{who} GET {url}{query}: {response.status_code}"
            if response.status_code == 200:
                text = _text(response)
                leaked = [m for m in MARKERS_OF_B if m in text]
                assert not leaked, f"{who} GET {url}{query} shows community B's {leaked}"
                checked += 1
        if name.startswith("api:"):
            response = client.post(url, data=json.dumps({**form, "unit": b.code}), content_type="application/json")
        else:
            response = client.post(url, form)
        assert response.status_code < 500, f"{who} POST {url}: {response.status_code}"
        if response.status_code == 200 and name.startswith("api:"):
            leaked = [m for m in MARKERS_OF_B if m in _text(response)]
            assert not leaked, f"{who} POST {url} answers with community B's {leaked}"
    assert checked > 50, "the enumeration reached too few pages to mean anything"
    after = _rows_under(b.path)
    assert after == before, {k: (before[k], after[k]) for k in before if before[k] != after[k]}


def test_the_markers_are_readable_by_b_itself(cast, client_for):
    """The check above is meaningful: B's own worker finds B's people on the list pages."""
    _objects_of_b(cast)
    client = client_for(cast.community_b_worker)
    shown = _text(client.get("/persons/")) + _text(client.get("/api/persons"))
    assert "月塘居民" in shown and "月塘密接" in shown
