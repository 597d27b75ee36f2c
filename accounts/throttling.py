"""Throttling of the JSON API: one budget per caller, counted in Django's cache (the database's table, so every
process and server shares the counts) with django-ninja's sliding window.

The caller is a device (by its key), else a signed-in user (whichever session or token they use: a user's
tokens share one budget), else the address of an anonymous request. Each kind has its rate in
settings.API_THROTTLE_RATES ("<requests>/<period>", or None: not throttled), read at every request. An address
that keeps sending credentials nobody holds is refused (429) before they are even looked up, at the anonymous
rate, so keys cannot be guessed at speed.
"""

import math
import threading

from django.conf import settings
from django.core.cache import cache
from ninja.errors import Throttled
from ninja.throttling import BaseThrottle, SimpleRateThrottle


class _Window(SimpleRateThrottle):
    """One caller's sliding window under one rate (a fresh object per request: no state shared between them)."""

    cache = cache

    def __init__(self, rate: str, key: str):
        super().__init__(rate)
        self.key_name = key

    def get_cache_key(self, request):
        return self.key_name

    def peek(self) -> bool:
        """Whether another request would still be allowed (nothing recorded)."""
        self.now = type(self).timer()  # time.time, held by the class (not a method)
        limit, seconds = self.num_requests, self.duration
        assert limit is not None and seconds is not None  # a window is made with a rate
        self.history = [t for t in self.cache.get(self.key_name, []) if t > self.now - seconds]
        return len(self.history) < limit

    def record(self) -> None:
        self.history.insert(0, self.now)
        self.cache.set(self.key_name, self.history, self.duration)


def _rate(kind: str) -> str | None:
    return settings.API_THROTTLE_RATES.get(kind)


def caller_of(request) -> tuple[str, str]:
    """(kind, identity) of the caller: ("device", id), ("user", id) or ("anon", address)."""
    device = getattr(request, "device", None)
    if device is not None:
        return "device", str(device.pk)
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return "user", str(user.pk)
    return "anon", BaseThrottle().get_ident(request) or "?"


class ApiThrottle(BaseThrottle):
    """The budget of the caller of each API operation (see the module docstring)."""

    def __init__(self):
        self._last = threading.local()  # the window of this thread's request, for wait()

    def allow_request(self, request) -> bool:
        kind, ident = caller_of(request)
        rate = _rate(kind)
        if not rate:
            return True
        window = _Window(rate, f"throttle:{kind}:{ident}")
        self._last.window = window
        return window.allow_request(request)

    def wait(self):
        window = getattr(self._last, "window", None)
        return window.wait() if window is not None else None


def _credentials_window(request) -> _Window | None:
    rate = _rate("anon")
    if not rate:
        return None
    return _Window(rate, f"throttle:credentials:{BaseThrottle().get_ident(request) or '?'}")


def credential_gate(request) -> None:
    """Refuse (429) a credential from an address that has sent too many unknown ones lately, before looking it
    up; called by the API's authentications once per request."""
    if getattr(request, "_fk_credential_gate", False):
        return
    request._fk_credential_gate = True
    window = _credentials_window(request)
    if window is not None and not window.peek():
        wait = window.wait()
        raise Throttled(wait=math.ceil(wait) if wait is not None else None)


def credential_failed(request) -> None:
    """Count an unknown credential against the address it came from (once per request)."""
    if getattr(request, "_fk_credential_failed", False):
        return
    request._fk_credential_failed = True
    window = _credentials_window(request)
    if window is not None:
        window.peek()
        window.record()
