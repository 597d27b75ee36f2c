"""Writes of public intake: posters, declarations and their decision, self-report links and self-reports.

Public writes (a declaration, a self-report) are audited with no actor and the sender's address; every change to
the line list goes through persons.services (audited there) and only when a worker confirms or a person reports
on their own link."""

import datetime as dt
import secrets
from collections.abc import Mapping
from typing import Any, TypeVar

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.access import scope_for
from accounts.roles import PERSONS_EDIT
from core.audit import audit_record, snapshot
from core.clock import day_start
from core.errors import DomainError
from intake.models import Declaration, Poster, Revocable, SelfReport, SelfReportLink
from orgunits.models import OrgUnit
from persons import selectors as person_selectors
from persons import services as person_services
from persons.models import Category, HealthCheck, ManagementStatus, Person
from persons.services import SYMPTOMS
from persons.validation import person_clean

R = TypeVar("R", bound=Revocable)
RECEIPT_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # 32 signs a person reads back without confusing 0/O, 1/I
RECEIPT_LENGTH = 16  # 80 random bits
ARRIVAL_PAST_DAYS = 60  # how far back a declared arrival may lie
DECLARATION_FIELDS = ["reporter", "name", "doc_type", "doc_number", "phone", "address", "origin", "arrived_on",
                      "symptoms", "note", "state"]


def token_new() -> str:
    """An unguessable token for a link (192 random bits, URL-safe)."""
    return secrets.token_urlsafe(24)


def receipt_new() -> str:
    raw = "".join(secrets.choice(RECEIPT_ALPHABET) for _i in range(RECEIPT_LENGTH))
    return "-".join(raw[i:i + 4] for i in range(0, RECEIPT_LENGTH, 4))


def receipt_normalize(raw: str) -> str | None:
    """A receipt number as stored (XXXX-XXXX-XXXX-XXXX), from what a person typed; None if it cannot be one."""
    text = (raw or "")[:64].translate({c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}).upper()
    text = "".join(c for c in text if c.isalnum())
    if len(text) != RECEIPT_LENGTH or any(c not in RECEIPT_ALPHABET for c in text):
        return None
    return "-".join(text[i:i + 4] for i in range(0, RECEIPT_LENGTH, 4))


# -- posters ------------------------------------------------------------------------------------------------------

def poster_create(*, unit: OrgUnit, by) -> Poster:
    """A new poster for a community or grid within `by`'s units (persons.edit)."""
    if unit.kind not in (OrgUnit.Kind.COMMUNITY, OrgUnit.Kind.GRID):
        raise DomainError("not_community", _("A poster is made for a community or a grid."),
                          fields={"unit": [_("Choose a community or a grid.")]})
    if by is not None and not scope_for(by, PERSONS_EDIT).covers(unit.path):
        raise DomainError("unknown_unit", _("None of your units has this code."), status=404)
    with transaction.atomic():
        poster = Poster.objects.create(unit=unit, unit_path=unit.path, token=token_new(), created_by=by)
        audit_record(actor=by, action="create", obj=poster, unit_path=poster.unit_path,
                     after=snapshot(poster, ["unit", "created_at"]))
    return poster


def _revoke(item: Revocable, *, by) -> None:
    """Revoke a poster or link already locked; audited."""
    item.revoked_at, item.revoked_by = timezone.now(), by
    item.save(update_fields=["revoked_at", "revoked_by"])
    audit_record(actor=by, action="update", obj=item, unit_path=item.unit_path, after=snapshot(item, ["revoked_at"]))


def _revoke_once(item: R, *, by) -> R:
    """Revoke a poster or link unless it already is (revoking twice changes nothing and says nothing)."""
    with transaction.atomic():
        item = type(item)._default_manager.select_for_update().get(pk=item.pk)
        if item.revoked_at is None:
            _revoke(item, by=by)
    return item


def poster_revoke(*, poster: Poster, by) -> Poster:
    """Stop a poster: its code leads nowhere from now on (declarations already sent stay)."""
    return _revoke_once(poster, by=by)


# -- declarations -------------------------------------------------------------------------------------------------

def declaration_submit(*, poster: Poster, data: Mapping[str, Any], address: str) -> Declaration:
    """Keep a resident's declaration for the grid to check (nothing is written to the line list)."""
    today = timezone.localdate()
    raw = {k: data.get(k) or "" for k in ("name", "doc_type", "doc_number", "phone", "address")}
    clean, errors = person_clean(raw, custom_fields=[], today=today, partial=True)
    for key in ("address", "origin"):
        if not str(data.get(key) or "").strip():
            errors.setdefault(key, []).append(_("This field is required."))
    arrived = data.get("arrived_on")
    if not isinstance(arrived, dt.date):
        errors.setdefault("arrived_on", []).append(_("Enter the arrival date."))
    elif arrived > today:
        errors.setdefault("arrived_on", []).append(_("The arrival date lies in the future."))
    elif arrived < today - dt.timedelta(days=ARRIVAL_PAST_DAYS):
        errors.setdefault("arrived_on", []).append(
            _("More than %(n)d days ago: tell your community worker directly.") % {"n": ARRIVAL_PAST_DAYS})
    symptoms = [s for s in data.get("symptoms") or [] if s]
    if any(s not in SYMPTOMS for s in symptoms):
        errors.setdefault("symptoms", []).append(_("Unknown symptom."))
    reporter = data.get("reporter") or Declaration.Reporter.SELF
    if reporter not in Declaration.Reporter.values:
        errors.setdefault("reporter", []).append(_("Choose who is declaring."))
    if errors:
        raise DomainError("invalid_declaration", _("The declaration cannot be sent yet; correct the fields marked."),
                          fields=errors)
    fields = {"poster": poster, "unit_id": poster.unit_id, "unit_path": poster.unit_path, "reporter": reporter,
              "name": clean["name"], "doc_type": clean["doc_type"], "doc_number": clean["doc_number"],
              "phone": clean.get("phone", ""), "address": clean.get("address") or str(data["address"]).strip()[:200],
              "origin": str(data["origin"]).strip()[:100], "arrived_on": arrived, "symptoms": symptoms,
              "note": str(data.get("note") or "").strip()[:200]}
    for _attempt in range(3):  # a receipt drawn twice out of 2^80 is not expected; the unique index decides
        try:
            with transaction.atomic():
                declaration = Declaration.objects.create(receipt=receipt_new(), **fields)
                audit_record(actor=None, action="create", obj=declaration, unit_path=declaration.unit_path,
                             after=snapshot(declaration, DECLARATION_FIELDS), ip=_ip(address),
                             note=gettext_noop("sent from the public declaration page"))
            return declaration
        except IntegrityError:
            continue
    raise DomainError("busy", _("The declaration could not be saved; please send it again."), status=503)


def _ip(address: str) -> str | None:
    import ipaddress

    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def _undecided(declaration: Declaration) -> Declaration:
    current = Declaration.objects.select_for_update().get(pk=declaration.pk)
    if current.state != Declaration.State.PENDING:
        raise DomainError("already_decided", _("This declaration was dealt with already (%(state)s).")
                          % {"state": current.get_state_display()}, status=409)
    return current


def declaration_confirm(*, declaration: Declaration, grid: OrgUnit, category: Category,
                        status: ManagementStatus | None, by) -> Person:
    """Put the declared person on the line list (one tap of the grid worker), in one transaction:
    1. the person with the same document is updated (phone, address), or registered in `grid`;
    2. the category is given from the arrival date (unless held), the status set (unless already under it);
    3. the declaration is marked confirmed and linked to the person. Each write audited."""
    with transaction.atomic():
        current = _undecided(declaration)
        existing = Person.objects.filter(doc_type=current.doc_type, doc_number=current.doc_number).first()
        if existing is not None:
            if not scope_for(by, PERSONS_EDIT).covers(existing.unit_path):
                raise person_services.registered_elsewhere_error()
            changes = {k: getattr(current, k) for k in ("phone", "address")
                       if getattr(current, k) and getattr(current, k) != getattr(existing, k)}
            person = (person_services.person_update(person=existing, data=changes, version=None, by=by)
                      if changes else existing)
        else:
            person = person_services.person_register(data={
                "name": current.name, "doc_type": current.doc_type, "doc_number": current.doc_number,
                "phone": current.phone, "address": current.address, "grid": grid.code}, by=by)
        start = day_start(current.arrived_on)
        held = person_selectors.categories_as_of(person)
        if not any(e.category_id == category.pk for e in held):
            person_services.category_assign(person=person, category=category, start=start,
                                            note=gettext_noop("declared by a resident"),
                                            origin=current.origin[:100], by=by)
        now_status = person_selectors.status_as_of(person)
        if status is not None and (now_status is None or now_status.status_id != status.pk):
            begin = start if now_status is None else max(timezone.now(), now_status.start)
            person_services.status_set(person=person, status=status, start=begin, by=by)
        before = snapshot(current, ["state", "person"])
        current.state, current.person = Declaration.State.CONFIRMED, person
        current.decided_by, current.decided_at = by, timezone.now()
        current.save(update_fields=["state", "person", "decided_by", "decided_at"])
        audit_record(actor=by, action="update", obj=current, unit_path=current.unit_path, before=before,
                     after=snapshot(current, ["state", "person"]))
    return person


def declaration_reject(*, declaration: Declaration, reason: str, by) -> Declaration:
    """Mark a declaration as not taken up, with the worker's reason."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("reason_required", _("Give the reason the declaration is not taken up."),
                          fields={"reason": [_("This field is required.")]})
    with transaction.atomic():
        current = _undecided(declaration)
        before = snapshot(current, ["state"])
        current.state, current.reject_reason = Declaration.State.REJECTED, reason  # a longer one: too_long
        current.decided_by, current.decided_at = by, timezone.now()
        current.save(update_fields=["state", "reject_reason", "decided_by", "decided_at"])
        audit_record(actor=by, action="update", obj=current, unit_path=current.unit_path, before=before,
                     after=snapshot(current, ["state", "reject_reason"]))
    return current


# -- self-reports -------------------------------------------------------------------------------------------------

def home_status_of(person: Person):
    """The person's open status episode if it is management at home with daily checks (居家隔离, 居家健康监测)."""
    episode = person_selectors.status_as_of(person)
    if episode is None:
        return None
    status = episode.status
    if not status.needs_checks or status.needs_site or status.is_release:
        return None
    return episode


def self_report_link_create(*, person: Person, by) -> SelfReportLink:
    """A personal self-report link for a person managed at home, valid until their management's planned end; it
    replaces the person's earlier link."""
    episode = home_status_of(person)
    now = timezone.now()
    if episode is None:
        raise DomainError("not_at_home", _("A self-report link is given only to people under home quarantine or "
                                           "health monitoring at home."), status=409)
    expires = episode.planned_end or (episode.start + dt.timedelta(days=14))
    if expires <= now:
        raise DomainError("period_over", _("The management period ended on %(day)s: extend it or release the "
                                           "person first.") % {"day": timezone.localtime(expires).strftime("%Y-%m-%d")},
                          status=409)
    with transaction.atomic():
        for old in SelfReportLink.objects.select_for_update().filter(person=person, revoked_at__isnull=True):
            _revoke(old, by=by)
        link = SelfReportLink.objects.create(person=person, unit_path=person.unit_path, token=token_new(),
                                             expires_at=expires, created_by=by)
        audit_record(actor=by, action="create", obj=link, object_repr=f"{person.name} · {link._meta.verbose_name}",
                     unit_path=link.unit_path, after=snapshot(link, ["person", "expires_at"]))
    return link


def self_report_link_revoke(*, link: SelfReportLink, by) -> SelfReportLink:
    return _revoke_once(link, by=by)


def link_unusable_error() -> DomainError:
    """The one answer for a link that is unknown, revoked or expired (nothing tells them apart)."""
    return DomainError("link_unusable", _("This link is not valid (any more). Ask your grid worker for a new one."),
                       status=404)


def self_report_today(link: SelfReportLink) -> HealthCheck | None:
    """The check the person reported today through any of their links, if any."""
    return (HealthCheck.objects.filter(person_id=link.person_id, check_date=timezone.localdate(),
                                       self_report__isnull=False).first())


def self_report_submit(*, link: SelfReportLink, temperature: Any, symptoms: list[str], address: str) -> HealthCheck:
    """Record the day's self-reported check (once a day) through persons.services: the fever rule and the fever
    follow-up apply as to a worker's check."""
    with transaction.atomic():
        link = SelfReportLink.objects.select_for_update().select_related("person").get(pk=link.pk)
        if not link.usable() or home_status_of(link.person) is None:
            raise link_unusable_error()
        if self_report_today(link) is not None:
            raise DomainError("already_today", _("You have reported today already; report again tomorrow."),
                              status=409)
        if temperature in (None, ""):
            raise DomainError("invalid_check", _("Enter your temperature."),
                              fields={"temperature": [_("This field is required.")]})
        check = person_services.health_check_record(person=link.person, temperature=temperature,
                                                    symptoms=symptoms, result=None, by=None)
        report = SelfReport.objects.create(link=link, health_check=check)
        audit_record(actor=None, action="create", obj=report, object_repr=f"{link.person.name} · {check.check_date}",
                     unit_path=link.unit_path, after={"temperature": str(check.temperature),
                                                      "symptoms": check.symptoms}, ip=_ip(address),
                     note=gettext_noop("sent from a personal self-report link"))
    return check
