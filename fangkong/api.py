"""The JSON API under /api/: one NinjaAPI, session or token auth, errors as {code, message, fields}."""

import datetime as dt
import functools
import logging
import math

from django.core import signals
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from ninja.security import django_auth
from pydantic import BaseModel

from accounts.api import TokenAuth
from accounts.api import router as accounts_router
from accounts.throttling import ApiThrottle
from core.errors import DomainError
from core.timebounds import out_of_range
from orgunits.api import router as orgunits_router
from persons.api import router as persons_router


class ErrorOut(Schema):
    """Every refused request: a stable code for programs, a message for people, reasons per field."""

    code: str
    message: str
    fields: dict[str, list[str]]


# The answers every operation may give besides its own: each carries an ErrorOut.
ERROR_RESPONSES = {
    400: "A rule of the domain was broken, or the request could not be read",
    401: "Not signed in, or the API token is unknown or revoked",
    403: "The caller lacks the permission",
    404: "No such object within the caller's scope",
    409: "The object changed since it was read, or the change clashes with its current state",
    413: "The uploaded file is too large",
    422: "A parameter or a field of the body is not valid",
    429: "Too many requests from this caller (or unknown credentials from this address): retry after Retry-After seconds",
    500: "An unexpected error on the server: recorded for the administrators, with no detail in the answer",
}

logger = logging.getLogger(__name__)


class FangkongAPI(NinjaAPI):
    """The NinjaAPI whose OpenAPI document declares the error answers of every operation."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema["components"].setdefault("schemas", {})["ErrorOut"] = ErrorOut.model_json_schema()
        error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}}
        for operations in schema["paths"].values():
            for method, operation in operations.items():
                for status, description in ERROR_RESPONSES.items():
                    if status == 409 and method == "get":
                        continue  # reading changes nothing, so clashes with nothing
                    if status == 413 and "multipart/form-data" not in operation.get("requestBody", {}).get("content", {}):
                        continue
                    operation["responses"].setdefault(status, {"description": description, **error})
        return schema


api = FangkongAPI(
    title="Fangkong API",
    version="1",
    description="Fangkong (防控): the line list, reports, tracing, checkpoints, supplies and legal hotline of a city's "
                "outbreak response. Authenticate with the session cookie (and CSRF token) or "
                "`Authorization: Bearer <token>` from your profile page.",
    # The token first: a request bearing one is a device or a script, with no session and no CSRF cookie.
    auth=[TokenAuth(), django_auth],
    throttle=[ApiThrottle()],
    urls_namespace="api",
)


BIGINT = 2**63 - 1  # the widest integer column (ids, counts) of both databases


def _unstorable(value, loc: tuple = ()):
    """(where, reason) for each value of validated input that no column can hold: the NUL character in text
    (PostgreSQL refuses it), integers beyond 64 bits (both databases refuse them) and dates or times outside
    the years core.timebounds allows (shifting them between time zones overflows)."""
    if isinstance(value, dt.date):
        reason = out_of_range(value)
        if reason:
            yield loc, reason
    elif isinstance(value, str):
        if "\x00" in value:
            yield loc, _("Contains the NUL character (code 0), which cannot be stored.")
    elif isinstance(value, int) and not isinstance(value, bool):
        if not -BIGINT - 1 <= value <= BIGINT:
            yield loc, _("Too large.")
    elif isinstance(value, BaseModel):
        yield from _unstorable(value.model_dump(), loc)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _unstorable(key, (*loc, str(key)))
            yield from _unstorable(item, (*loc, str(key)))
    elif isinstance(value, list | tuple | set | frozenset):
        for index, item in enumerate(value):
            yield from _unstorable(item, (*loc, str(index)))


def _refuse_unstorable(view_func):
    """Input that no column could hold is refused (422, naming the field) before the view reads or writes."""

    @functools.wraps(view_func)
    def view(request, **values):
        errors = [{"loc": loc or ("request",), "msg": reason} for loc, reason in _unstorable(values)]
        if errors:
            raise ValidationError(errors)
        return view_func(request, **values)

    return view


api.add_decorator(_refuse_unstorable)
api.add_router("/", accounts_router)
api.add_router("/", orgunits_router)
api.add_router("/", persons_router)
api.add_router("/", "tracing.api.router")
api.add_router("/", "intake.api.router")
api.add_router("/", "offline.api.router")
api.add_router("/", "checkpoints.api.router")
api.add_router("/", "supplies.api.router")
api.add_router("/", "volunteers.api.router")
api.add_router("/", "reports.api.router")
api.add_router("/", "legal.api.router")


def _error(request, status: int, code: str, message: str, fields: dict | None = None):
    return api.create_response(request, {"code": code, "message": message, "fields": fields or {}}, status=status)


@api.exception_handler(DomainError)
def _domain_error(request, exc: DomainError):
    body = exc.as_dict()
    return _error(request, exc.status, body["code"], body["message"], body["fields"])


@api.exception_handler(ValidationError)
def _validation_error(request, exc: ValidationError):
    fields: dict[str, list[str]] = {}
    for err in exc.errors:
        loc = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "payload"))
        fields.setdefault(loc or "request", []).append(err.get("msg", "invalid"))
    return _error(request, 422, "invalid_input", _("The request is not valid."), fields)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return _error(request, 404, "not_found", _("Not found."))


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return _error(request, 403, "forbidden", _("You do not have this permission."))


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return _error(request, 401, "unauthenticated", _("Sign in or send a valid API token."))


@api.exception_handler(Throttled)
def _throttled(request, exc: Throttled):
    seconds = max(1, math.ceil(exc.wait)) if exc.wait else 60
    response = _error(request, 429, "throttled", _("Too many requests: wait %(n)d seconds, then try again.")
                      % {"n": seconds})
    response["Retry-After"] = str(seconds)
    return response


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    """django-ninja's own refusals (an unreadable body, a method not allowed…), in the caller's language."""
    if exc.status_code == 400:
        return _error(request, 400, "invalid_json", _("The body of the request is not valid JSON."))
    return _error(request, exc.status_code, "http_error", _("The request cannot be answered (HTTP %(status)d).")
                  % {"status": exc.status_code})


@api.exception_handler(Exception)
def _server_error(request, exc: Exception):
    """Any other error still answers an ErrorOut, with no internal detail; its traceback goes to the log and to
    Django's got_request_exception receivers (error reporting, and the test client, which re-raises it)."""
    logger.exception("Unexpected error answering %s %s", request.method, request.path, exc_info=exc)
    signals.got_request_exception.send(sender=None, request=request)
    return _error(request, 500, "server_error",
                  _("Something went wrong on the server. The error has been recorded; please try again later."))
