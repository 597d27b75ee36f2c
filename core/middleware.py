"""Requests larger than the settings allow are answered 413 before anything reads their body.

Django's DATA_UPLOAD_MAX_MEMORY_SIZE bounds form fields and JSON bodies but not uploaded files, which it
spools to disk whatever their size. Here every request is measured: a multipart body (files) may carry
UPLOAD_MAX_BYTES, any other body DATA_UPLOAD_MAX_MEMORY_SIZE. The declared Content-Length is checked first;
then a body passed on without a declared length (chunked), which an ASGI server spools whole: measured where
it lies. (Under WSGI Django reads no more than the declared length, none without one.) The answer is JSON
({code, message, fields}, as every API error) under /api/, a page otherwise.
"""

import json
import os

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import UnreadablePostError
from django.shortcuts import render
from django.utils.translation import gettext as _

FORMS = ("multipart/form-data", "application/x-www-form-urlencoded")


def request_limit(request) -> int:
    """The most bytes the body of `request` may hold."""
    if request.content_type == "multipart/form-data":
        return settings.UPLOAD_MAX_BYTES
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE or settings.UPLOAD_MAX_BYTES


class RequestSizeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = request_limit(request)
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > limit:
            return too_large(request, limit)
        stream = getattr(request, "_stream", None)
        if stream is not None and getattr(stream, "seekable", lambda: False)():
            # A body already received whole (ASGI spools it, its length declared or not): measured where it lies.
            size = stream.seek(0, os.SEEK_END)
            stream.seek(0)
            if size > limit:
                return too_large(request, limit)
        if request.method == "POST" and request.content_type in FORMS:
            # The form parsed here rather than by CsrfViewMiddleware, next: form fields beyond what Django holds in
            # memory (DATA_UPLOAD_MAX_MEMORY_SIZE) are a 413 too, not a "bad request".
            try:
                request.POST  # noqa: B018
            except RequestDataTooBig:
                return too_large(request, settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
            except UnreadablePostError:  # the client went away: the CSRF check refuses what is left
                pass
        return self.get_response(request)


def too_large(request, limit: int):
    """The 413 answer: JSON under /api/, a page elsewhere; the body is left unread."""
    megabytes = max(limit // (1024 * 1024), 1)
    if limit >= 1024 * 1024:
        message = _("The request is larger than %(mb)d MB, the most this server accepts. Split the file, or "
                    "leave out what is not needed.") % {"mb": megabytes}
    else:
        message = _("The request is larger than %(kb)d KB, the most this server accepts.") % {"kb": limit // 1024}
    if request.path.startswith("/api/"):
        from django.http import HttpResponse

        body = {"code": "request_too_large", "message": message, "fields": {}}
        response = HttpResponse(json.dumps(body, ensure_ascii=False), status=413,
                                content_type="application/json; charset=utf-8")
    else:
        response = render(request, "413.html", {"message": message}, status=413)
    return response
