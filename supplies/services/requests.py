"""Needs (需求): posted by communities, enterprises and hospitals, approved or rejected by someone else,
allocated from stock, delivered by distributions (supplies.services.ledger), closed. Audited."""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import SUPPLIES_APPROVE, SUPPLIES_REQUEST
from core.audit import audit_record, snapshot
from core.errors import DomainError
from supplies.models import RECIPIENT_KINDS, Allocation, Item, Location, Request, spec_key
from supplies.selectors import Total
from supplies.services.common import number_text, quantity_of, require_in_scope

REQUEST_FIELDS = ["location", "item", "spec", "quantity", "urgency", "needed_by", "reason", "state",
                  "approved_quantity", "decision_note"]


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


def _locked(request: Request, by, *, state: str) -> Request:
    require_in_scope(by, SUPPLIES_APPROVE, request.unit_path, what=str(request))
    current = Request.objects.select_for_update().select_related("item", "location").get(pk=request.pk)
    if current.state != state:
        raise DomainError("request_state", _("The request is %(state)s; it cannot be changed that way.")
                          % {"state": current.get_state_display()}, status=409)
    return current


def request_decide(*, request: Request, approve: bool, by, quantity=None, note: str = "") -> Request:
    """Approve (all or part of the quantity) or reject a need. Whoever posted it does not decide it."""
    if by is not None and request.created_by_id == by.pk:
        raise DomainError("own_request", _("A request is decided by someone other than the person who posted it."),
                          status=403)
    if not approve and not note.strip():
        raise DomainError("reason_required", _("Say why the request is rejected."),
                          fields={"note": [_("Required.")]})
    with transaction.atomic():
        current = _locked(request, by, state=Request.State.SUBMITTED)
        before = snapshot(current, REQUEST_FIELDS)
        if approve:
            current.approved_quantity = quantity_of(quantity) if quantity not in (None, "") else current.quantity
            current.state = Request.State.APPROVED
        else:
            current.state = Request.State.REJECTED
        current.decision_note, current.decided_by, current.decided_at = note.strip(), by, timezone.now()
        current.save()
        audit_record(actor=by, action="update", obj=current, unit_path=current.unit_path, before=before,
                     after=snapshot(current, REQUEST_FIELDS), note="approve" if approve else "reject")
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


def request_close(*, request: Request, by, note: str = "") -> Request:
    """Close an approved request: delivered in full, or no longer needed."""
    with transaction.atomic():
        current = _locked(request, by, state=Request.State.APPROVED)
        before = snapshot(current, REQUEST_FIELDS)
        current.state = Request.State.CLOSED
        if note.strip():
            current.decision_note = note.strip()
        current.save()
        audit_record(actor=by, action="update", obj=current, unit_path=current.unit_path, before=before,
                     after=snapshot(current, REQUEST_FIELDS), note="close")
    return current
