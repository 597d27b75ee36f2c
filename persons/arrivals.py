"""An arrival in one submit (来人登记): the person, the category with its arrival date and origin, the management
status and an optional first health check, written together or not at all.

A document already on file in the caller's units is not an error but the same person arriving again: the caller
is shown what is there and confirms (`person_id`), and the arrival then updates them."""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import Scope, scope_for
from accounts.roles import PERSONS_EDIT
from core import plain_reads
from core.clock import aware, today
from core.errors import DomainError
from core.timebounds import out_of_range
from orgunits.models import Site
from persons import selectors, services
from persons.models import Category, CategoryEpisode, HealthCheck, ManagementStatus, Person, StatusEpisode
from persons.origins import origin_name
from persons.validation import person_clean

IDENTITY_FIELDS = ("name", "doc_type", "doc_number", "sex", "birth_date", "phone", "address", "grid")


class ArrivalKnown(DomainError):
    """The document is on file in the caller's units: `person` is shown for the caller to confirm the update."""

    def __init__(self, person: Person):
        super().__init__("already_registered", _("%(name)s is already registered with this document: check what is "
                                                  "on file, then submit again to record the arrival for "
                                                  "them.") % {"name": person.name},
                         fields={"doc_number": [_("Already registered in your units.")]}, status=409)
        self.person = person

    def as_dict(self) -> dict:
        return {**super().as_dict(), "person": self.person.pk}


@dataclass
class Arrival:
    """What one arrival wrote."""

    person: Person
    created: bool
    category: CategoryEpisode | None = None
    status: StatusEpisode | None = None
    check: HealthCheck | None = None
    notices: list[str] = field(default_factory=list)


def _edit_scope(by) -> Scope:
    return scope_for(by, PERSONS_EDIT) if by is not None else Scope(paths=None)


def quarantine_sites_for(user) -> list[Site]:
    """The quarantine hotels and hospitals the arrival form offers."""
    return plain_reads.at_once(quarantine_sites_reading_for(user))[0]


def quarantine_sites_reading_for(user) -> plain_reads.Statement | None:
    """quarantine_sites_for's statement, for core.plain_reads.at_once (a person's page reads them with the rest)."""
    return selectors.quarantine_sites_reading(scope_for(user, PERSONS_EDIT))


def quarantine_site_chosen(user, value) -> Site:
    """The quarantine site `value` (an id) for a status change by `user`; any other id, in or out of their reach,
    is refused alike."""
    site = selectors.quarantine_site_get(scope_for(user, PERSONS_EDIT), value)
    if site is None:
        message = _("Choose a quarantine site from the list.")
        raise DomainError("unknown_site", message, fields={"site": [message]})
    return site


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _arrival_clean(data: Mapping[str, Any], *, by) -> tuple[dict, dict[str, list[str]]]:
    """The arrival's own parts (category, date, origin, status, site, check), cleaned, with errors by field."""
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    category = Category.objects.filter(code=str(data.get("category") or "").strip(), active=True).first()
    if category is None:
        errors["category"] = [_("Choose the category.")]
    out["category"] = category
    arrived = data.get("arrived")
    if _blank(arrived):
        arrived = timezone.localdate()
    if isinstance(arrived, str):
        try:
            arrived = dt.date.fromisoformat(arrived.strip())
        except ValueError:
            errors["arrived"] = [_("%(v)s is not a date (YYYY-MM-DD).") % {"v": arrived}]
            arrived = None
    if arrived is not None:
        start = aware(arrived)
        reason = out_of_range(start)
        if reason is None and timezone.localdate(start) > timezone.localdate():
            reason = _("In the future.")
        if reason:
            errors["arrived"] = [reason]
        out["start"] = start
    code = str(data.get("origin") or "").strip()
    out["origin_code"], out["origin"] = "", ""
    if code:
        name = origin_name(code)
        if name is None:
            errors["origin"] = [_("Choose a province or city from the list.")]
        else:
            out["origin_code"], out["origin"] = code, name
    status = ManagementStatus.objects.filter(code=str(data.get("status") or "").strip()).first()
    if status is None:
        errors["status"] = [_("Choose the management status.")]
    out["status"] = status
    site = None
    if not _blank(data.get("site")):
        site = selectors.quarantine_site_get(_edit_scope(by), data["site"])
        if site is None:
            errors["site"] = [_("Choose a quarantine site from the list.")]
    if status is not None and status.needs_site and site is None and "site" not in errors:
        errors["site"] = [_("%(status)s needs the quarantine site.") % {"status": status.name}]
    out["site"] = site if status is not None and not status.is_release else None
    temperature = data.get("temperature")
    out["temperature"] = None
    if not _blank(temperature):
        try:
            out["temperature"] = Decimal(str(temperature).strip()).quantize(Decimal("0.1"))
        except InvalidOperation:
            errors["temperature"] = [_("%(v)s is not a temperature.") % {"v": temperature}]
    out["symptoms"] = [s for s in (data.get("symptoms") or []) if s]
    if out["symptoms"] and out["temperature"] is None and "temperature" not in errors:
        errors["temperature"] = [_("Enter the temperature of a person seen.")]
    return out, errors


def arrival_register(*, data: Mapping[str, Any], by, person_id: int | None = None,
                     version: int | None = None) -> Arrival:
    """Register an arrival: the person (new, or the one on file in the caller's units once confirmed by
    `person_id`), the category from the arrival date with where they came from, the status, and the first health
    check when a temperature is given. One transaction; each part through the service that writes it alone (so
    each is audited and the fever rule and its hooks apply); any error leaves nothing written."""
    identity = {k: data.get(k, "") for k in IDENTITY_FIELDS}
    clean, errors = person_clean(identity, custom_fields=[], today=today())
    parts, arrival_errors = _arrival_clean(data, by=by)
    errors.update(arrival_errors)
    if errors:
        raise DomainError("invalid_arrival", _("The arrival is not saved; correct the fields marked."), fields=errors)
    existing = Person.objects.filter(doc_type=clean["doc_type"], doc_number=clean["doc_number"]).first()
    if existing is not None:
        if by is not None and not scope_for(by, PERSONS_EDIT).covers(existing.unit_path):
            raise services._duplicate_error(clean["doc_type"], clean["doc_number"], existing, by=by)
        if person_id != existing.pk:
            raise ArrivalKnown(existing)
    with transaction.atomic():
        if existing is None:
            person, created = services.person_register(data=identity, by=by), True
        else:
            changed = {k: v for k, v in identity.items() if not _blank(v) and k not in ("doc_type", "doc_number")}
            person = services.person_update(person=existing, data=changed, version=version, by=by)
            created = False
        arrival = Arrival(person=person, created=created)
        held = CategoryEpisode.objects.filter(person=person, category=parts["category"], end__isnull=True).first()
        if held is None:
            arrival.category = services.category_assign(
                person=person, category=parts["category"], start=parts["start"], origin_code=parts["origin_code"],
                origin=parts["origin"], by=by)
        else:
            arrival.notices.append(_("%(cat)s was already held since %(d)s; kept as it was.") % {
                "cat": parts["category"].name, "d": timezone.localtime(held.start).strftime("%Y-%m-%d")})
        current = selectors.status_as_of(person)
        if current is None or current.status_id != parts["status"].pk or current.site_id != getattr(
                parts["site"], "pk", None):
            start = parts["start"] if current is None else max(parts["start"], timezone.now())
            arrival.status = services.status_set(person=person, status=parts["status"], start=start,
                                                 site=parts["site"], by=by)
        if parts["temperature"] is not None:
            arrival.check = services.health_check_record(person=person, temperature=parts["temperature"],
                                                         symptoms=parts["symptoms"], by=by)
            arrival.notices.extend(getattr(arrival.check, "notices", []))
    return arrival
