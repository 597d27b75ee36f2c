"""Needs (需求): posted by communities, enterprises and hospitals, approved or rejected by someone else,
allocated from stock, delivered by distributions (supplies.services.ledger), closed. Audited."""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.roles import SUPPLIES_APPROVE, SUPPLIES_REQUEST
from core.audit import audit_record, snapshot
from core.errors import DomainError
from core.models import AuditEntry
from supplies.models import RECIPIENT_KINDS, Allocation, Item, Location, Request, spec_key
from supplies.selectors import Total
from supplies.services.common import number_text, quantity_of, require_in_scope

REQUEST_FIELDS = ["location", "item", "spec", "quantity", "urgency", "needed_by", "reason", "state",
                  "approved_quantity", "decision_note", "version"]
EDITABLE = ["spec", "quantity", "urgency", "needed_by", "reason"]  # by the requesting side, until decided
# The audit notes of a request's changes: msgids, translated when the log is read (entries written before were
# noted "edit", "approve", "reject" and "close").
CHANGED, CLOSED = gettext_noop("request changed"), gettext_noop("request closed")
DECIDED = {True: gettext_noop("request approved"), False: gettext_noop("request rejected")}


def request_submit(*, location: Location, item: Item, quantity, by, spec: str | None = None,
                   urgency: int = Request.Urgency.NORMAL, needed_by: dt.date | None = None,
                   reason: str = "") -> Request:
    """Post a need of `location` (a community, an enterprise, a hospital): item, spec, quantity, urgency."""
    require_in_scope(by, SUPPLIES_REQUEST, location.unit_path, what=str(location))
    errors = {}
    if location.kind not in RECIPIENT_KINDS:
        errors["location"] = [_("Needs are posted by communities, enterprises and hospitals.")]
    if urgency not in Request.Urgency.values:
        errors["urgency"] = [_("Unknown urgency.")]
    if errors:
        raise DomainError("invalid_request", _("The request cannot be posted; correct the fields marked."),
                          fields=errors)
    quantity = quantity_of(quantity)
    spec = item.spec if spec is None or not spec.strip() else spec.strip()
    with transaction.atomic():
        request = Request.objects.create(location=location, unit_path=location.unit_path, item=item, spec=spec,
                                         spec_key=spec_key(spec), quantity=quantity, urgency=urgency,
                                         needed_by=needed_by, reason=reason.strip(), created_by=by)
        audit_record(actor=by, action="create", obj=request, unit_path=request.unit_path,
                     after=snapshot(request, REQUEST_FIELDS))
    return request


def _audit_entries(request: Request):
    return AuditEntry.objects.filter(object_type=Request._meta.label_lower, object_id=str(request.pk))


def _shown(field: str, value) -> str:
    """A value of the audit snapshot as a person reads it."""
    if value in (None, ""):
        return "—"
    if field == "urgency":
        return str(Request.Urgency(value).label)
    if field == "state":
        return str(Request.State(value).label)
    if field in ("quantity", "approved_quantity"):
        return number_text(value)
    return str(value)


def _refuse_stale(current: Request, version: int | None) -> None:
    """Refuse a change made on `version` of a request that has moved on since: the conflict names who changed
    it, when, and each field from what the user saw to what it is now (read from the audit log)."""
    if version is None or current.version == version:
        return
    seen: dict = {}
    who: list[str] = []
    last = None
    for entry in _audit_entries(current).select_related("actor").order_by("at", "id"):
        if (entry.after or {}).get("version", 1) <= version:
            continue
        for key, value in (entry.before or {}).items():
            seen.setdefault(key, value)
        name = (entry.actor.full_name or entry.actor_name) if entry.actor else entry.actor_name
        if name not in who:
            who.append(name)
        last = entry.at
    now = snapshot(current, REQUEST_FIELDS)
    changes = {field: f"{_shown(field, seen[field])} → {_shown(field, now[field])}" for field in REQUEST_FIELDS
               if field != "version" and field in seen and seen[field] != now[field]}
    if last is None or not changes:
        raise DomainError("conflict", _("Someone else changed this request after you opened it; reload it to see "
                                        "the change, then try again."), status=409)
    listed = "; ".join(f"{Request._meta.get_field(f).verbose_name} {change}" for f, change in changes.items())
    raise DomainError(
        "conflict",
        _("%(who)s changed this request at %(time)s, after you opened it: %(changes)s. Nothing was saved; look "
          "at the request again, then try again.")
        % {"who": "、".join(who), "time": timezone.localtime(last).strftime("%Y-%m-%d %H:%M"), "changes": listed},
        status=409)


def _locked(request: Request, by, *, state: str, perm: str = SUPPLIES_APPROVE, version: int | None = None) -> Request:
    require_in_scope(by, perm, request.unit_path, what=str(request))
    current = Request.objects.select_for_update().select_related("item", "location").get(pk=request.pk)
    _refuse_stale(current, version)
    if current.state != state:
        raise DomainError("request_state", _("The request is %(state)s; it cannot be changed that way.")
                          % {"state": current.get_state_display()}, status=409)
    return current


def request_update(*, request: Request, data: dict, version: int | None, by) -> Request:
    """Change what a need asks for (spec, quantity, urgency, needed by, reason) while it awaits approval.
    `version` is the one the editor read: if the request changed since, nothing is saved and the conflict
    says what changed."""
    unknown = sorted(set(data) - set(EDITABLE))
    if unknown:
        raise DomainError("invalid_request", _("These fields cannot be changed: %(fields)s.")
                          % {"fields": ", ".join(unknown)}, fields={f: [_("Cannot be changed.")] for f in unknown})
    clean: dict = {}
    errors: dict[str, list[str]] = {}
    if "quantity" in data:
        try:
            clean["quantity"] = quantity_of(data["quantity"])
        except DomainError as exc:
            errors.update(exc.fields)
    if "urgency" in data:
        if data["urgency"] not in Request.Urgency.values:
            errors["urgency"] = [_("Unknown urgency.")]
        clean["urgency"] = data["urgency"]
    for field, limit in (("spec", 100), ("reason", 300)):
        if field in data:
            clean[field] = (data[field] or "").strip()
            if len(clean[field]) > limit:
                errors[field] = [_("At most %(n)d characters.") % {"n": limit}]
    if "needed_by" in data:
        clean["needed_by"] = data["needed_by"]
    if errors:
        raise DomainError("invalid_request", _("The request cannot be changed; correct the fields marked."),
                          fields=errors)
    with transaction.atomic():
        current = _locked(request, by, state=Request.State.SUBMITTED, perm=SUPPLIES_REQUEST, version=version)
        before = snapshot(current, REQUEST_FIELDS)
        if "spec" in clean:
            clean["spec"] = clean["spec"] or current.item.spec
            current.spec_key = spec_key(clean["spec"])
        for field, value in clean.items():
            setattr(current, field, value)
        if snapshot(current, REQUEST_FIELDS) == before:
            return current
        current.version += 1
        current.save()
        audit_record(actor=by, action="update", obj=current, unit_path=current.unit_path, before=before,
                     after=snapshot(current, REQUEST_FIELDS), note=CHANGED)
    return current


def request_decide(*, request: Request, approve: bool, by, quantity=None, note: str = "",
                   version: int | None = None) -> Request:
    """Approve (all or part of the quantity) or reject a need, as read at `version` (None: as it is now).
    Whoever posted or changed it does not decide it."""
    if by is not None and (request.created_by_id == by.pk
                           or _audit_entries(request).filter(actor=by, note__in=(CHANGED, "edit")).exists()):
        raise DomainError("own_request", _("A request is decided by someone other than the people who posted or "
                                           "changed it."), status=403)
    if not approve and not note.strip():
        raise DomainError("reason_required", _("Say why the request is rejected."),
                          fields={"note": [_("Required.")]})
    with transaction.atomic():
        current = _locked(request, by, state=Request.State.SUBMITTED, version=version)
        before = snapshot(current, REQUEST_FIELDS)
        if approve:
            current.approved_quantity = quantity_of(quantity) if quantity not in (None, "") else current.quantity
            current.state = Request.State.APPROVED
        else:
            current.state = Request.State.REJECTED
        current.decision_note, current.decided_by, current.decided_at = note.strip(), by, timezone.now()
        current.version += 1
        current.save()
        audit_record(actor=by, action="update", obj=current, unit_path=current.unit_path, before=before,
                     after=snapshot(current, REQUEST_FIELDS), note=DECIDED[approve])
    return current


def request_allocate(*, request: Request, source: Location, quantity, by, item: Item | None = None,
                     note: str = "") -> Allocation:
    """Earmark stock at `source` for an approved request (delivered later by a distribution)."""
    require_in_scope(by, SUPPLIES_APPROVE, source.unit_path, what=str(source))
    quantity = quantity_of(quantity)
    with transaction.atomic():
        current = _locked(request, by, state=Request.State.APPROVED)
        allocated = current.allocations.aggregate(total=Total())["total"] or Decimal("0")
        if allocated + quantity > current.approved_quantity:
            raise DomainError("over_allocation", _("Only %(left)s remain to allocate.")
                              % {"left": number_text(current.approved_quantity - allocated)},
                              fields={"quantity": [_("More than approved.")]})
        allocation = Allocation.objects.create(request=current, source=source, item=item or current.item,
                                               quantity=quantity, note=note.strip(), created_by=by)
        audit_record(actor=by, action="create", obj=allocation, unit_path=current.unit_path,
                     after=snapshot(allocation, ["request", "source", "item", "quantity", "note"]))
    return allocation


def request_close(*, request: Request, by, note: str = "", version: int | None = None) -> Request:
    """Close an approved request, as read at `version` (None: as it is now): delivered in full, or no longer
    needed."""
    with transaction.atomic():
        current = _locked(request, by, state=Request.State.APPROVED, version=version)
        before = snapshot(current, REQUEST_FIELDS)
        current.state = Request.State.CLOSED
        if note.strip():
            current.decision_note = note.strip()
        current.version += 1
        current.save()
        audit_record(actor=by, action="update", obj=current, unit_path=current.unit_path, before=before,
                     after=snapshot(current, REQUEST_FIELDS), note=CLOSED)
    return current
