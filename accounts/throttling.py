"""Throttling of the JSON API: one budget per caller, counted in the database (core.rates: every process and server
shares the counts, one statement a request) over a sliding window.

The caller is a device (by its key), else a signed-in user (whichever session or token they use: a user's
tokens share one budget), else the address of an anonymous request. Each kind has its rate in
settings.API_THROTTLE_RATES ("<requests>/<period>", or None: not throttled), read at every request. An address
that keeps sending credentials nobody holds is refused (429) before they are even looked up, at the anonymous
rate, so keys cannot be guessed at speed.
"""

import math
import threading

from django.conf import settings
from ninja.errors import Throttled
from ninja.throttling import BaseThrottle

from core.rates import client_address, rate_hit, rate_peek


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
    return "anon", client_address(request)


class ApiThrottle(BaseThrottle):
    """The budget of the caller of each API operation (see the module docstring)."""

    def __init__(self):
        self._last = threading.local()  # the wait of this thread's refused request, for wait()

    def allow_request(self, request) -> bool:
        kind, ident = caller_of(request)
        rate = _rate(kind)
        self._last.wait = rate_hit(f"throttle:{kind}:{ident}", rate) if rate else None
        return self._last.wait is None

    def wait(self):
        return getattr(self._last, "wait", None)


def _credentials_key(request) -> str:
    return f"throttle:credentials:{client_address(request)}"


def credential_gate(request) -> None:
    """Refuse (429) a credential from an address that has sent too many unknown ones lately, before looking it
    up; called by the API's authentications once per request."""
    if getattr(request, "_fk_credential_gate", False):
        return
    request._fk_credential_gate = True
    rate = _rate("anon")
    wait = rate_peek(_credentials_key(request), rate) if rate else None
    if wait is not None:
        raise Throttled(wait=math.ceil(wait))


def credential_failed(request) -> None:
    """Count an unknown credential against the address it came from (once per request)."""
    if getattr(request, "_fk_credential_failed", False):
        return
    request._fk_credential_failed = True
    rate = _rate("anon")
    if rate:
        rate_hit(_credentials_key(request), rate)
