"""What a health check's result may say, and what recording one sets in motion in other apps.

A temperature at or above the fever threshold (settings.FEVER_THRESHOLD, 37.3 °C) is a fever: the check is
flagged, 发热 is among its symptoms, and a person seen with it is "seen, with symptoms", never "seen, well".
A check sent as "seen, well" with a fever is recorded as a fever and the notice says so (the grid worker at
the door has measured; the rule, not the worker, decides what the reading means, and the recheck task the
fever gives the grid catches a mistyped temperature). The database refuses a flagged check saved as well.
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _

from persons.models import HealthCheck

FEVER_SYMPTOM = "fever"

_HOOKS: list[Callable[..., str]] = []


def fever_threshold() -> Decimal:
    return Decimal(str(settings.FEVER_THRESHOLD))


@dataclass
class Settled:
    """The result, symptoms and flag a check is stored with, and what was changed from what was sent."""

    result: str
    symptoms: list[str]
    flagged: bool
    notices: list[str]


def result_settle(*, temperature: Decimal | None, symptoms: list[str], result: str | None) -> Settled:
    """The stored form of a check (its temperature already read, its result a known one or None):
    1. at or above the threshold it is a fever: flagged, with 发热 among the symptoms;
    2. a person seen with a fever or with symptoms is "seen, with symptoms" (a result sent as "seen, well" is
       changed, and a notice says so); without a result the reading decides (seen, well or with symptoms)."""
    threshold = fever_threshold()
    flagged = temperature is not None and temperature >= threshold
    symptoms = list(dict.fromkeys(symptoms))
    notices: list[str] = []
    if flagged:
        if FEVER_SYMPTOM not in symptoms:
            symptoms.insert(0, FEVER_SYMPTOM)
        if result == HealthCheck.Result.WELL:
            notices.append(_("%(t)s °C is at or above the fever threshold of %(limit)s °C: recorded as a fever "
                             "(seen, with symptoms), not as seen, well.") % {"t": temperature, "limit": threshold})
        else:
            notices.append(_("%(t)s °C is at or above the fever threshold of %(limit)s °C: recorded as a fever.")
                           % {"t": temperature, "limit": threshold})
    if result in (None, "", HealthCheck.Result.WELL) and symptoms:
        result = HealthCheck.Result.SYMPTOMS
    return Settled(result=result or HealthCheck.Result.WELL, symptoms=symptoms, flagged=flagged, notices=notices)


def health_check_hook_register(hook: Callable[..., str]) -> None:
    """Have `hook(check=, by=)` run after every health check is written, inside its transaction (tracing gives a
    fever to the grid); the text it returns, if any, is added to the check's notices for the one who recorded it."""
    if hook not in _HOOKS:
        _HOOKS.append(hook)


def health_check_hooks_run(check: HealthCheck, *, by) -> list[str]:
    return [text for hook in _HOOKS if (text := hook(check=check, by=by))]
