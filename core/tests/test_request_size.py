"""Requests larger than the settings allow are answered 413 through the HTTP layer, before their body is read: a
JSON error under /api/ (as the OpenAPI document says), a Chinese page elsewhere."""

import io
import json

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.handlers.asgi import ASGIRequest
from django.core.handlers.exception import convert_exception_to_response
from django.http import HttpResponse

from core.middleware import RequestSizeMiddleware
from persons.models import ImportJob

FIFTY_MB = b"\xe5\xbc\xa0\xe4\xb8\x89,431302199001011237,431302004001-01\n" * (50 * 1024 * 1024 // 49)


def test_a_50_mb_csv_is_refused_413_by_the_api_with_an_error_body(cast, client_for):
    assert settings.UPLOAD_MAX_BYTES == 20 * 1024 * 1024  # the documented default
    response = client_for(cast.street_officer).post(
        "/api/person-imports", {"file": ContentFile(FIFTY_MB, name="big.csv"), "unit": cast.street.code})
    assert response.status_code == 413
    body = response.json()
    assert body["code"] == "request_too_large" and body["fields"] == {} and "20 MB" in body["message"]
    assert not ImportJob.objects.exists()


def test_a_50_mb_csv_is_refused_413_by_the_page_in_chinese(cast, client_for):
    response = client_for(cast.street_officer).post(
        "/persons/imports/new/", {"file": ContentFile(FIFTY_MB, name="big.csv"), "unit": cast.street.code})
    assert response.status_code == 413 and response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "请求超过 20 MB" in page and "<h1>" in page
    assert not ImportJob.objects.exists()


def test_a_form_or_json_body_beyond_its_own_limit_is_refused_too(cast, client_for):
    body = b'{"name": "' + b"x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE + b'"}'
    response = client_for(cast.street_officer).post("/api/persons", body, content_type="application/json")
    assert response.status_code == 413 and response.json()["code"] == "request_too_large"


def test_the_openapi_document_promises_413_where_files_are_sent(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    assert "413" in paths["/api/person-imports"]["post"]["responses"]


def test_a_body_sent_without_its_length_is_refused_when_it_runs_past_the_limit(cast):
    """An ASGI server hands Django a body sent without Content-Length (chunked) as a stream of any length: the
    view reading it stops at the limit, and the answer is 413."""
    body = b'{"name": "' + b"x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10) + b'"}'
    scope = {"type": "http", "method": "POST", "path": "/api/persons", "query_string": b"",
             "headers": [(b"content-type", b"application/json"), (b"host", b"testserver")]}
    request = ASGIRequest(scope, io.BytesIO(body))
    assert "CONTENT_LENGTH" not in request.META
    read = []

    def view(request):  # reads the body as the API does
        read.append(len(request.body))
        return HttpResponse("stored")

    response = RequestSizeMiddleware(convert_exception_to_response(view))(request)
    assert response.status_code == 413 and json.loads(response.content)["code"] == "request_too_large"
    assert read == []  # refused before the view read a byte


def test_form_fields_beyond_what_is_held_in_memory_are_refused_413_beside_a_small_file(cast, client_for):
    client = client_for(cast.street_officer)
    field = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    api = client.post("/api/person-imports", {"file": ContentFile(b"a,b\n", name="x.csv"), "unit": cast.street.code,
                                              "columns": field})
    assert api.status_code == 413 and api.json()["code"] == "request_too_large"
    page = client.post("/persons/imports/new/", {"file": ContentFile(b"a,b\n", name="x.csv"), "unit_code": field})
    assert page.status_code == 413 and not ImportJob.objects.exists()
