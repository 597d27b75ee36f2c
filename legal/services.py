"""Writes of the legal app: knowledge entries (indexed for search on every save), hotline calls and their
follow-up, publicity activities. Every write audited; bad input is refused naming the field."""

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record, snapshot
from core.errors import DomainError
from legal.models import HotlineCall, KnowledgeEntry, PublicityActivity
from legal.search import entry_index, stats_forget
from orgunits.models import OrgUnit
from persons.identity import half_width, normalize_phone

ENTRY_FIELDS = ["question", "answer", "basis", "tags", "valid_from", "valid_to"]
_LANDLINE = re.compile(r"0\d{2,3}-?\d{7,8}")


def caller_phone_normalize(raw: str) -> str:
    """A caller's mobile (normalised as in the line list) or landline with its area code, e.g. 0738-8312348."""
    text = half_width(raw).strip().replace(" ", "")
    if not text:
        return ""
    try:
        return normalize_phone(text)
    except ValueError:
        if _LANDLINE.fullmatch(text):
            return text
        raise ValueError(_("A mobile number (11 digits) or a landline with its area code, e.g. 0738-8312348.")) from None


def entry_save(*, entry: KnowledgeEntry | None = None, data: dict, by) -> KnowledgeEntry:
    """Create or change a knowledge entry; its words are indexed in the same transaction."""
    errors = {}
    for field in ("question", "answer"):
        if not str(data.get(field, getattr(entry, field, "") if entry else "")).strip():
            errors[field] = [_("Required.")]
    valid_from = data.get("valid_from", entry.valid_from if entry else None)
    valid_to = data.get("valid_to", entry.valid_to if entry else None)
    if valid_from is None:
        errors["valid_from"] = [_("Required.")]
    elif valid_to is not None and valid_to < valid_from:
        errors["valid_to"] = [_("The end of validity cannot come before its start.")]
    if errors:
        raise DomainError("invalid_entry", _("The entry cannot be saved."), fields=errors)
    with transaction.atomic():
        before = snapshot(entry, ENTRY_FIELDS) if entry else None
        entry = entry or KnowledgeEntry(created_by=by)
        for field in ENTRY_FIELDS:
            if field in data:
                value = data[field]
                setattr(entry, field, value.strip() if isinstance(value, str) else value)
        entry_index(entry)
        entry.save()
        audit_record(actor=by, action="update" if before else "create", obj=entry, before=before,
                     after=snapshot(entry, ENTRY_FIELDS))
    stats_forget()
    return entry


def call_record(*, unit: OrgUnit, data: dict, entries: list[KnowledgeEntry], by) -> HotlineCall:
    """Log a hotline call: the question, its category, the answer given, the entries cited, a follow-up."""
    errors = {}
    if not str(data.get("question", "")).strip():
        errors["question"] = [_("Required.")]
    if data.get("category") not in HotlineCall.Category.values:
        errors["category"] = [_("Choose a category.")]
    try:
        phone = caller_phone_normalize(str(data.get("caller_phone") or ""))
    except ValueError as exc:
        errors["caller_phone"] = [str(exc)]
    if errors:
        raise DomainError("invalid_call", _("The call cannot be saved."), fields=errors)
    with transaction.atomic():
        call = HotlineCall.objects.create(
            unit=unit, unit_path=unit.path, received_at=data.get("received_at") or timezone.now(),
            caller_name=str(data.get("caller_name") or "").strip(), caller_phone=phone,
            question=data["question"].strip(), category=data["category"], answer=str(data.get("answer") or "").strip(),
            follow_up_needed=bool(data.get("follow_up_needed")),
            follow_up_note=str(data.get("follow_up_note") or "").strip(), lawyer=by)
        call.entries.set(entries)
        audit_record(actor=by, action="create", obj=call, unit_path=unit.path,
                     after={"category": call.category, "entries": [e.pk for e in entries],
                            "follow_up_needed": call.follow_up_needed})
    return call


def call_follow_up_done(*, call: HotlineCall, note: str, by) -> HotlineCall:
    if not call.follow_up_needed:
        raise DomainError("no_follow_up", _("This call needs no follow-up."), status=409)
    if call.follow_up_done_at is not None:
        raise DomainError("follow_up_done", _("The follow-up was already recorded."), status=409)
    with transaction.atomic():
        call.follow_up_done_at = timezone.now()
        call.follow_up_note = (note or call.follow_up_note).strip()
        call.save(update_fields=["follow_up_done_at", "follow_up_note"])
        audit_record(actor=by, action="update", obj=call, unit_path=call.unit_path,
                     after={"follow_up_done_at": call.follow_up_done_at.isoformat(), "note": call.follow_up_note})
    return call


def activity_record(*, unit: OrgUnit, kind: str, quantity, day: dt.date, place: str = "", note: str = "",
                    by) -> PublicityActivity:
    """Record one publicity activity (booklets handed out, vehicle rounds, broadcast hours…)."""
    errors = {}
    if kind not in PublicityActivity.Kind.values:
        errors["kind"] = [_("Unknown kind %(k)s.") % {"k": kind}]
    try:
        amount = Decimal(str(quantity).strip())
        if not amount.is_finite() or amount <= 0 or amount != amount.quantize(Decimal("0.1")):
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors["quantity"] = [_("A positive number with at most one decimal, e.g. 500 or 2.5.")]
    if day is None:
        errors["day"] = [_("Required.")]
    elif day > timezone.localdate():
        errors["day"] = [_("An activity cannot be dated in the future.")]
    if errors:
        raise DomainError("invalid_activity", _("The activity cannot be saved."), fields=errors)
    with transaction.atomic():
        activity = PublicityActivity.objects.create(unit=unit, unit_path=unit.path, kind=kind, quantity=amount,
                                                    day=day, place=place.strip(), note=note.strip(),
                                                    recorded_by=by)
        audit_record(actor=by, action="create", obj=activity, unit_path=unit.path,
                     after={"kind": kind, "quantity": str(amount), "day": day.isoformat()})
    return activity
