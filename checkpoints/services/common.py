"""What the checkpoint services share: the fever rule, temperatures, times, scope checks."""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from checkpoints.access import site_scope
from checkpoints.models import PHYSICAL_MAX, PHYSICAL_MIN, FeverRule
from checkpoints.questions import DEFAULT_QUESTIONS
from core.clock import aware
from core.errors import DomainError
from orgunits.models import Site

FUTURE_SLACK = dt.timedelta(minutes=5)  # device and phone clocks drift a little


def local_time(at: dt.datetime) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M")


def in_future(at: dt.datetime) -> bool:
    return at > timezone.now() + FUTURE_SLACK


class TemperatureError(ValueError):
    """A temperature that cannot be stored: `code` is "invalid_temperature" or "out_of_range"."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.code = code


def temperature_parse(value) -> Decimal:
    """A body temperature to one decimal; TemperatureError with the reason when it is none or not physical."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise TemperatureError(_("Enter the temperature."), "invalid_temperature")
    try:
        number = Decimal(str(value).strip().replace("，", ".").replace(",", ".")).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        raise TemperatureError(_("%(v)s is not a temperature.") % {"v": value}, "invalid_temperature") from None
    if not number.is_finite():
        raise TemperatureError(_("%(v)s is not a temperature.") % {"v": value}, "invalid_temperature")
    if not PHYSICAL_MIN <= number <= PHYSICAL_MAX:
        raise TemperatureError(_("%(v)s °C is outside the physical range 34–43 °C: measure again.") % {"v": number},
                               "out_of_range")
    return number


def reading_check(temperature, taken_at: dt.datetime | None) -> tuple[Decimal | None, dt.datetime, dict]:
    """A temperature and the time it was taken, as typed: the value (None when it cannot be read), the time (now
    when none is given) and the errors by field (a temperature out of reach, a time in the future)."""
    taken_at = aware(taken_at) or timezone.now()
    errors: dict[str, list[str]] = {}
    value = None
    try:
        value = temperature_parse(temperature)
    except ValueError as exc:
        errors["temperature"] = [str(exc)]
    if in_future(taken_at):
        errors["taken_at"] = [_("In the future.")]
    return value, taken_at, errors


def rule_default() -> FeverRule:
    """The default fever rule (seeded by the migration; recreated from the settings if missing)."""
    rule = FeverRule.objects.filter(site__isnull=True).first()
    if rule is None:
        rule, _created = FeverRule.objects.get_or_create(
            site=None, defaults={"threshold": Decimal(str(settings.FEVER_THRESHOLD)), "recheck_minutes": 10,
                                 "questions": DEFAULT_QUESTIONS})
    return rule


def rules_for(site_ids) -> dict[int | None, FeverRule]:
    """The rule of each site (its own or the default, keyed None) in one query."""
    rules = {r.site_id: r for r in FeverRule.objects.filter(Q(site_id__in=list(site_ids)) | Q(site__isnull=True))}
    if None not in rules:
        rules[None] = rule_default()
    return rules


def rule_for(site_id: int) -> FeverRule:
    rules = rules_for([site_id])
    return rules.get(site_id) or rules[None]


def questions_for(site_id: int) -> list[dict]:
    """The exposure-history questions asked at a site."""
    rules = rules_for([site_id])
    own = rules.get(site_id)
    return (own.questions if own is not None and own.questions else None) or rules[None].questions or DEFAULT_QUESTIONS


def check_scope(by, perm: str, obj, *, field: str = "site") -> None:
    """Refuse when `by` may not act on `obj` (a row with site and unit path); `by=None` is the system."""
    site_id = obj.pk if isinstance(obj, Site) else obj.site_id
    if by is not None and not site_scope(by, perm).covers(obj.unit_path, site_id):
        raise DomainError("out_of_scope", _("This is outside the sites you may work at."),
                          fields={field: [_("Outside your scope.")]}, status=404)


def site_path_check(by, perm: str, site, *, field: str = "site") -> None:
    """Refuse unless `by` holds `perm` over the site's whole unit (not only as a stationed liaison)."""
    if by is not None and not site_scope(by, perm).covers_subtree(site.unit_path):
        raise DomainError("out_of_scope", _("Only officers of the site's unit may do this."),
                          fields={field: [_("Outside your scope.")]}, status=403)
