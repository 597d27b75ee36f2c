"""The public pages' bodies are small: a declaration or a self-report is a few hundred bytes of form fields, so a
body over INTAKE_MAX_BODY_KB under PUBLIC_PREFIX is answered 413 before anything reads it (and before the project's
own limit, which allows files)."""

from django.conf import settings

from core.middleware import too_large

PUBLIC_PREFIX = "/i/"


def public_body_limit() -> int:
    return settings.INTAKE_MAX_BODY_KB * 1024


class PublicBodyLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(PUBLIC_PREFIX) and request.method not in ("GET", "HEAD"):
            try:
                declared = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                declared = 0
            limit = public_body_limit()
            # Without a declared length (chunked) a WSGI server hands Django no body at all; one declared larger
            # than the limit is refused unread.
            if declared > limit or (declared == 0 and request.META.get("HTTP_TRANSFER_ENCODING")):
                return too_large(request, limit)
        return self.get_response(request)
