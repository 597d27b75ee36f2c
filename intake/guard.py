"""What keeps the public pages usable by residents and useless to a flood (DESIGN: public pages are rate-limited).

1. Rates, counted as the API's budgets are (core.rates: one statement, a sliding window, shared by every process
   and server, a refused request not counted): per address (INTAKE_RATE_ADDRESS for what is sent, INTAKE_RATE_VIEWS
   for pages opened and receipts looked up) and per poster (INTAKE_RATE_POSTER). The address is the connection's, or
   with PROXY_COUNT trusted proxies in front the one they name in X-Forwarded-For, as for the sign-in lockout.
2. A question a person answers at a glance (a sum of two small numbers), signed with django.core.signing together
   with the moment the form was given out: a form sent back sooner than INTAKE_MIN_FILL_SECONDS, later than
   CHALLENGE_MAX_AGE, with a wrong answer, or a second time, is refused; and a field people never see (a honeypot)
   that programs fill in.
3. The body of a public request is bounded (intake.middleware).
"""

import hashlib
import math
import re
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.utils.translation import gettext as _

from core import rates
from core.errors import DomainError
from core.rates import client_address, rate_parse

CHALLENGE_SALT = "intake.challenge"
CHALLENGE_MAX_AGE = 2 * 3600  # seconds a form stays usable
HONEYPOT = "website"


def _period_words(seconds: int) -> str:
    if seconds >= 86400:
        return _("a day")
    if seconds >= 3600:
        return _("an hour")
    if seconds >= 60:
        return _("a minute")
    return _("a second")


def rate_hit(kind: str, ident: str, rate: str | None) -> None:
    """Count one request of `ident` under `rate` ("<n>/<period>", None: unlimited); refuse (429) beyond it."""
    if not rate:
        return
    limit, period = rate_parse(rate)
    digest = hashlib.blake2b(ident.encode(), digest_size=12).hexdigest()
    wait = rates.rate_hit(f"intake:{kind}:{digest}", rate)
    if wait is not None:
        raise DomainError("too_many", _("Too many submissions in a short time: at most %(n)d in %(period)s. Please "
                                        "try again in %(minutes)d minutes, or tell your community worker.")
                          % {"n": limit, "period": _period_words(period), "minutes": max(1, math.ceil(wait / 60))},
                          status=429)


def views_hit(request) -> None:
    """Count a page opened or a receipt looked up from the caller's address."""
    rate_hit("views", client_address(request), settings.INTAKE_RATE_VIEWS)


def sends_hit(request) -> None:
    """Count a declaration or self-report sent from the caller's address."""
    rate_hit("sends", client_address(request), settings.INTAKE_RATE_ADDRESS)


def poster_hit(poster_id: int) -> None:
    rate_hit("poster", str(poster_id), settings.INTAKE_RATE_POSTER)


@dataclass(frozen=True)
class Challenge:
    question: str
    signed: str


def challenge_make(*, scope: str) -> Challenge:
    """A new question for a form of `scope` (e.g. the poster's id), signed with the moment it was given out."""
    a, b = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    signed = signing.dumps({"a": a, "b": b, "s": scope, "n": secrets.token_hex(8), "t": time.time()},
                           salt=CHALLENGE_SALT, compress=False)
    return Challenge(question=_("How much is %(a)d plus %(b)d?") % {"a": a, "b": b}, signed=signed)


def challenge_check(*, signed: str, answer: str, honeypot: str, scope: str) -> None:
    """Refuse (DomainError) a form whose question was not answered as a person would; each form counts once."""
    refused = DomainError("challenge", _("The check question was not answered correctly, or the form was sent too "
                                         "quickly or too long after it was opened. Please answer the new question "
                                         "and send again."), fields={"answer": [_("Answer the question again.")]})
    if honeypot:
        raise refused
    try:
        data = signing.loads(signed or "", salt=CHALLENGE_SALT, max_age=CHALLENGE_MAX_AGE)
    except signing.BadSignature:
        raise refused from None
    if data.get("s") != scope:
        raise refused
    if time.time() - float(data.get("t", 0)) < settings.INTAKE_MIN_FILL_SECONDS:
        raise refused
    digits = re.sub(r"\D", "", (answer or "").translate(str.maketrans("０１２３４５６７８９", "0123456789")))
    if not digits or int(digits[:3]) != int(data["a"]) + int(data["b"]):
        raise refused
    if not cache.add(f"intake:used:{data['n']}", 1, CHALLENGE_MAX_AGE + 60):
        raise refused
