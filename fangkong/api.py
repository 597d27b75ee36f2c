"""The JSON API under /api/: one NinjaAPI, session or token auth, errors as {code, message, fields}."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import django_auth

from accounts.api import TokenAuth
from accounts.api import router as accounts_router
from core.errors import DomainError
from orgunits.api import router as orgunits_router
from persons.api import router as persons_router

api = NinjaAPI(
    title="Fangkong API",
    version="1",
    description="Fangkong (防控): the line list, reports, tracing, checkpoints, supplies and legal hotline of a city's "
                "outbreak response. Authenticate with the session cookie (and CSRF token) or "
                "`Authorization: Bearer <token>` from your profile page.",
    # The token first: a request bearing one is a device or a script, with no session and no CSRF cookie.
    auth=[TokenAuth(), django_auth],
    urls_namespace="api",
)
api.add_router("/", accounts_router)
api.add_router("/", orgunits_router)
api.add_router("/", persons_router)
api.add_router("/", "tracing.api.router")
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


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    return _error(request, exc.status_code, "http_error", str(exc))
