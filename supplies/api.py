"""Supplies endpoints: the same services, selectors and scope as the pages. Objects out of scope answer 404."""

import datetime as dt

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from accounts import access
from accounts.roles import (
    PERSONS_VIEW,
    SUPPLIES_APPROVE,
    SUPPLIES_AUDIT,
    SUPPLIES_MANAGE,
    SUPPLIES_POST,
    SUPPLIES_PUBLISH,
    SUPPLIES_REQUEST,
    SUPPLIES_VIEW,
)
from core.errors import DomainError
from core.pagination import keyset_page
from orgunits.models import OrgUnit
from persons.disclosure import person_shown
from persons.selectors import person_get_for_user
from supplies import selectors, services
from supplies.checks import EARLIEST, MAX_DAYS, Params, audit_run
from supplies.models import Donation, Item, Location, Publication, Request, Voucher
from supplies.schemas import (
    AllocationIn,
    AuditOut,
    CardOut,
    CloseIn,
    DecisionIn,
    DeliveryIn,
    DonationIn,
    DonationOut,
    DonorIn,
    DonorOut,
    FreezeIn,
    ItemIn,
    ItemOut,
    LocationDetailOut,
    LocationIn,
    LocationOut,
    PriceIn,
    PriceOut,
    PublicationOut,
    PublishIn,
    ReceiptIn,
    RequestIn,
    RequestOut,
    RequestPatch,
    ReverseIn,
    VoucherIn,
    VoucherOut,
    VoucherPage,
)

router = Router(tags=["supplies"])
K = Location.Kind


def _item(code: str) -> Item:
    item = Item.objects.filter(code=code).first()
    if item is None:
        raise DomainError("unknown_item", _("No item has the code %(code)s.") % {"code": code},
                          fields={"item": [_("Unknown item.")]})
    return item


def _location_out(loc: Location) -> dict:
    return {"id": loc.pk, "name": loc.name, "kind": loc.kind, "unit": loc.unit.code, "unit_name": loc.unit.name}


def _voucher_out(request, v: Voucher) -> dict:
    """A voucher; its recipient's id only when the caller may open the person (persons.disclosure)."""
    recipient = person_shown(request.user, v.person).id if v.person_id else None
    lines = v.lines.select_related("location", "item").order_by("id")
    reversal = Voucher.objects.filter(reverses=v).values_list("pk", flat=True).first()
    return {"id": v.pk, "number": v.number, "kind": v.kind, "occurred_on": v.occurred_on, "posted_at": v.posted_at,
            "posted_by": v.posted_by.get_username() if v.posted_by_id else None, "request_id": v.request_id,
            "donation_id": v.donation_id, "person_id": recipient, "counterparty": v.counterparty,
            "document": v.document, "reason": v.reason, "note": v.note, "reverses_id": v.reverses_id,
            "reversed_by_id": reversal,
            "lines": [{"location_id": ln.location_id, "location": ln.location.name, "location_kind": ln.location.kind,
                       "item": ln.item.code, "donation_id": ln.donation_id, "quantity": ln.quantity,
                       "value": ln.value} for ln in lines]}


def _request_out(r: Request) -> dict:
    selectors.requests_fulfilment([r])
    return {"id": r.pk, "location_id": r.location_id, "location": r.location.name, "item": r.item.code,
            "spec": r.spec, "quantity": r.quantity, "urgency": r.urgency, "state": r.state,
            "approved_quantity": r.approved_quantity, "needed": r.needed, "allocated": r.allocated,
            "delivered": r.delivered, "created_at": r.created_at, "version": r.version}


def _donor_out(d) -> dict:
    return {"id": d.pk, "name": d.name, "kind": d.kind, "members": d.members, "members_note": d.members_note,
            "mask_name": d.mask_name, "public_name": d.public_name}


def _donation_out(d: Donation) -> dict:
    accounts = selectors.donation_accounts([d.pk])
    items = Item.objects.in_bulk({i for _d, i in accounts})
    return {"id": d.pk, "donor": _donor_out(d.donor), "kind": d.kind, "received_on": d.received_on,
            "channel": d.channel, "amount": d.amount, "directed": d.directed,
            "direction_unit": d.direction_unit.code if d.direction_unit_id else None,
            "direction_note": d.direction_note, "receipt_number": d.receipt_number, "receipt_date": d.receipt_date,
            "recipient_id": d.recipient_id, "receipt_vouchers": list(d.receipts.order_by("id").values_list("pk", flat=True)),
            "accounts": [{"item": items[i].code, "declared": a.declared, "received": a.received,
                          "delivered": a.delivered, "spent": a.spent, "on_hand": a.on_hand, "lost": a.lost}
                         for (_d, i), a in sorted(accounts.items())],
            "destinations": [{"destination": where, "item": item.code, "quantity": q}
                             for where, item, q in selectors.donation_destinations([d.pk]).get(d.pk, [])]}


def _unit(code: str) -> OrgUnit:
    unit = OrgUnit.objects.filter(code=code).first()
    if unit is None:
        raise DomainError("unknown_unit", _("No unit has the code %(code)s.") % {"code": code},
                          fields={"unit": [_("Unknown unit.")]})
    return unit


# -- items and locations ----------------------------------------------------------------------------------

@router.get("/supplies/items", response=list[ItemOut], url_name="supply_items", summary="The items (shared)")
def items_list(request: HttpRequest):
    access.require(request.user, SUPPLIES_VIEW)
    return list(Item.objects.filter(active=True))


@router.post("/supplies/items", response={201: ItemOut}, url_name="supply_item_create")
def item_create(request: HttpRequest, payload: ItemIn):
    access.require(request.user, SUPPLIES_MANAGE)
    return Status(201, services.item_create(code=payload.code, name=payload.name, unit=payload.unit,
                                            spec=payload.spec, standard=payload.standard, by=request.user))


@router.post("/supplies/item-prices", response={201: PriceOut}, url_name="supply_price_set",
             summary="Set an item's reference price from a date")
def price_set(request: HttpRequest, payload: PriceIn):
    access.require(request.user, SUPPLIES_MANAGE)
    row = services.item_price_set(item=_item(payload.item), valid_from=payload.valid_from, price=payload.price,
                                  source=payload.source, by=request.user)
    return Status(201, {"item": row.item.code, "valid_from": row.valid_from, "price": row.price})


@router.get("/supplies/locations", response=list[LocationOut], url_name="supply_locations")
def locations_list(request: HttpRequest):
    access.require(request.user, SUPPLIES_VIEW)
    return [_location_out(loc) for loc in selectors.locations_in_scope(request.user).order_by("unit_path", "name")[:2000]]


@router.post("/supplies/locations", response={201: LocationOut}, url_name="supply_location_create")
def location_create(request: HttpRequest, payload: LocationIn):
    access.require(request.user, SUPPLIES_MANAGE)
    unit = access.unit_get_for_user(request.user, payload.unit, perm=SUPPLIES_MANAGE)
    return Status(201, _location_out(services.location_create(unit=unit, kind=payload.kind, name=payload.name,
                                                              by=request.user)))


@router.get("/supplies/locations/{location_id}", response=LocationDetailOut, url_name="supply_location_get",
            summary="A location and its balances (derived from the ledger)")
def location_get(request: HttpRequest, location_id: int):
    loc = selectors.location_get_for_user(request.user, location_id)
    return {**_location_out(loc), "balances": [
        {"item": b.item.code, "name": b.item.name, "spec": b.item.spec, "unit": b.item.unit, "quantity": b.quantity}
        for b in selectors.location_balances(loc)]}


class CardQuery(Schema):
    item: str | None = None  # an item's code (required; checked after the location, which may answer 404)
    start: dt.date | None = None
    end: dt.date | None = None


@router.get("/supplies/locations/{location_id}/card", response=CardOut, url_name="supply_location_card",
            summary="The stock card of an item at a location")
def location_card(request: HttpRequest, location_id: int, q: Query[CardQuery]):
    loc = selectors.location_get_for_user(request.user, location_id)
    if not q.item:
        raise DomainError("item_required", _("Name the item."), fields={"item": [_("Required.")]})
    card = selectors.stock_card(loc, _item(q.item), start=q.start, end=q.end)
    return {"location_id": loc.pk, "item": card.item.code, "start": card.start, "end": card.end,
            "opening": card.opening, "closing": card.closing, "truncated": card.truncated,
            "rows": [{"date": r.line.occurred_on, "voucher_id": r.line.voucher_id, "number": r.line.voucher.number,
                      "kind": r.line.kind, "quantity": r.line.quantity, "balance": r.balance, "other": r.other,
                      "donation_id": r.line.donation_id} for r in card.rows]}


@router.post("/supplies/freezes", response={201: dict}, url_name="supply_freeze",
             summary="Close the books of a unit before a date")
def freeze(request: HttpRequest, payload: FreezeIn):
    access.require(request.user, SUPPLIES_MANAGE)
    unit = access.unit_get_for_user(request.user, payload.unit, perm=SUPPLIES_MANAGE)
    row = services.ledger_freeze(unit=unit, frozen_before_day=payload.frozen_before, note=payload.note,
                                 by=request.user)
    return Status(201, {"unit": unit.code, "frozen_before": row.frozen_before.isoformat()})


# -- vouchers --------------------------------------------------------------------------------------------------

@router.get("/supplies/vouchers", response=VoucherPage, url_name="supply_vouchers",
            summary="Vouchers touching a location in scope, newest first, a page at a time")
def vouchers_list(request: HttpRequest, kind: str | None = None, cursor: str | None = None, limit: int = 50):
    access.require(request.user, SUPPLIES_VIEW)
    qs = selectors.vouchers_in_scope(request.user).select_related("posted_by")
    if kind:
        qs = qs.filter(kind=kind)
    page = keyset_page(qs, order=("-id",), cursor=cursor, size=max(1, min(limit, 200)))
    return {"items": [_voucher_out(request, v) for v in page.items], "next_cursor": page.next_cursor}


@router.post("/supplies/vouchers", response={201: VoucherOut}, url_name="supply_voucher_post",
             summary="Post a movement: transfer, distribution, consumption, adjustment or purchase")
def voucher_post(request: HttpRequest, payload: VoucherIn):
    access.require(request.user, SUPPLIES_POST)
    user = request.user
    source = selectors.location_get_for_user(user, payload.source_id, perm=SUPPLIES_POST)
    target = selectors.location_get_for_user(user, payload.target_id) if payload.target_id else None
    req = selectors.request_get_for_user(user, payload.request_id) if payload.request_id else None
    lines = [(_item(ln.item), ln.quantity) for ln in payload.lines]
    lot = services.AUTO
    if any(ln.donation_id for ln in payload.lines):
        lot = selectors.donation_get_for_user(user, payload.lines[0].donation_id)
    day, kind = payload.occurred_on, payload.kind
    if kind == "purchase":
        if target is None:
            raise DomainError("target_required", _("Say where the goods go."), fields={"target_id": [_("Required.")]})
        voucher = services.purchase_post(account=source, target=target, goods=[
            (_item(ln.item), ln.quantity, ln.value) for ln in payload.lines], occurred_on=day,
            counterparty=payload.counterparty, document=payload.document, request=req, note=payload.note, by=user)
    elif kind == "consumption":
        voucher = services.consumption_post(location=source, lines=lines, occurred_on=day, note=payload.note, by=user)
    elif kind == "adjustment":
        voucher = services.adjustment_post(location=source, lines=lines, occurred_on=day, reason=payload.reason,
                                           note=payload.note, by=user)
    elif kind == "distribution" and payload.person_id:
        person = person_get_for_user(user, payload.person_id, perm=PERSONS_VIEW)
        voucher = services.distribution_post(source=source, target=services.location_pseudo(source.unit, K.CONSUMED),
                                             lines=lines, occurred_on=day, person=person, request=req, lot=lot,
                                             note=payload.note, by=user)
    else:
        if target is None:
            raise DomainError("target_required", _("Say where the goods go."), fields={"target_id": [_("Required.")]})
        if kind == "transfer":
            voucher = services.transfer_post(source=source, target=target, lines=lines, occurred_on=day, lot=lot,
                                             note=payload.note, document=payload.document, by=user)
        else:
            voucher = services.distribution_post(source=source, target=target, lines=lines, occurred_on=day,
                                                 request=req, lot=lot, counterparty=payload.counterparty,
                                                 note=payload.note, by=user)
    return Status(201, _voucher_out(request, voucher))


@router.get("/supplies/vouchers/{voucher_id}", response=VoucherOut, url_name="supply_voucher_get")
def voucher_get(request: HttpRequest, voucher_id: int):
    return _voucher_out(request, selectors.voucher_get_for_user(request.user, voucher_id))


@router.post("/supplies/vouchers/{voucher_id}/reverse", response={201: VoucherOut}, url_name="supply_voucher_reverse",
             summary="Reverse a voucher (a reason is required); the original stays as booked")
def voucher_reverse(request: HttpRequest, voucher_id: int, payload: ReverseIn):
    voucher = selectors.voucher_get_for_user(request.user, voucher_id, perm=SUPPLIES_POST)
    return Status(201, _voucher_out(request, services.voucher_reverse(voucher=voucher, reason=payload.reason,
                                                                      occurred_on=payload.occurred_on, by=request.user)))


# -- donors and donations ----------------------------------------------------------------------------------------

@router.get("/supplies/donors", response=list[DonorOut], url_name="supply_donors")
def donors_list(request: HttpRequest):
    access.require(request.user, SUPPLIES_VIEW)
    return [_donor_out(d) for d in selectors.donors_in_scope(request.user).order_by("name")[:2000]]


@router.post("/supplies/donors", response={201: DonorOut}, url_name="supply_donor_create")
def donor_create(request: HttpRequest, payload: DonorIn):
    access.require(request.user, SUPPLIES_POST)
    unit = access.unit_get_for_user(request.user, payload.unit, perm=SUPPLIES_POST)
    donor = services.donor_register(name=payload.name, kind=payload.kind, unit=unit, members=payload.members,
                                    members_note=payload.members_note, contact=payload.contact,
                                    mask_name=payload.mask_name, by=request.user)
    return Status(201, _donor_out(donor))


@router.get("/supplies/donations", response=list[DonationOut], url_name="supply_donations")
def donations_list(request: HttpRequest, start: dt.date | None = None, end: dt.date | None = None):
    access.require(request.user, SUPPLIES_VIEW)
    qs = selectors.donations_in_scope(request.user)
    if start:
        qs = qs.filter(received_on__gte=start)
    if end:
        qs = qs.filter(received_on__lte=end)
    return [_donation_out(d) for d in qs.order_by("-received_on", "-id")[:200]]


@router.post("/supplies/donations", response={201: DonationOut}, url_name="supply_donation_create",
             summary="Record a gift and book it as received")
def donation_create(request: HttpRequest, payload: DonationIn):
    access.require(request.user, SUPPLIES_POST)
    donor = selectors.donor_get_for_user(request.user, payload.donor_id, perm=SUPPLIES_POST)
    recipient = selectors.location_get_for_user(request.user, payload.recipient_id, perm=SUPPLIES_POST)
    donation = services.donation_register(
        donor=donor, kind=payload.kind, received_on=payload.received_on, channel=payload.channel,
        recipient=recipient, amount=payload.amount,
        lines=[(_item(ln.item), ln.quantity, ln.value) for ln in payload.lines], directed=payload.directed,
        direction_unit=_unit(payload.direction_unit) if payload.direction_unit else None,
        direction_note=payload.direction_note, receipt_number=payload.receipt_number,
        receipt_date=payload.receipt_date, note=payload.note, by=request.user)
    return Status(201, _donation_out(donation))


@router.get("/supplies/donations/{donation_id}", response=DonationOut, url_name="supply_donation_get",
            summary="A gift: declared, received, distributed, on hand, lost; where it went")
def donation_get(request: HttpRequest, donation_id: int):
    return _donation_out(selectors.donation_get_for_user(request.user, donation_id))


@router.post("/supplies/donations/{donation_id}/receipt", response=DonationOut, url_name="supply_donation_receipt",
             summary="Record the receipt given to the donor")
def donation_receipt(request: HttpRequest, donation_id: int, payload: ReceiptIn):
    donation = selectors.donation_get_for_user(request.user, donation_id, perm=SUPPLIES_POST)
    services.donation_receipt_issue(donation=donation, number=payload.number, issued_on=payload.issued_on,
                                    by=request.user)
    return _donation_out(selectors.donation_get_for_user(request.user, donation_id))


@router.post("/supplies/donations/{donation_id}/deliveries", response={201: VoucherOut},
             url_name="supply_donation_delivery", summary="Book a further delivery of a gift as received")
def donation_delivery(request: HttpRequest, donation_id: int, payload: DeliveryIn):
    donation = selectors.donation_get_for_user(request.user, donation_id, perm=SUPPLIES_POST)
    location = (selectors.location_get_for_user(request.user, payload.location_id, perm=SUPPLIES_POST)
                if payload.location_id else None)
    voucher = services.donation_receive(donation=donation, location=location, occurred_on=payload.occurred_on,
                                        lines=[(_item(ln.item), ln.quantity) for ln in payload.lines], by=request.user)
    return Status(201, _voucher_out(request, voucher))


# -- requests ---------------------------------------------------------------------------------------------------

@router.get("/supplies/requests", response=list[RequestOut], url_name="supply_requests")
def requests_list(request: HttpRequest, state: str | None = None):
    access.require(request.user, SUPPLIES_VIEW)
    qs = selectors.requests_in_scope(request.user)
    if state:
        qs = qs.filter(state=state)
    return [_request_out(r) for r in qs.order_by("-id")[:500]]


@router.post("/supplies/requests", response={201: RequestOut}, url_name="supply_request_create",
             summary="Post a need of a community, an enterprise or a hospital")
def request_create(request: HttpRequest, payload: RequestIn):
    access.require(request.user, SUPPLIES_REQUEST)
    location = selectors.location_get_for_user(request.user, payload.location_id, perm=SUPPLIES_REQUEST)
    req = services.request_submit(location=location, item=_item(payload.item), quantity=payload.quantity,
                                  spec=payload.spec, urgency=payload.urgency, needed_by=payload.needed_by,
                                  reason=payload.reason, by=request.user)
    return Status(201, _request_out(req))


@router.get("/supplies/requests/{request_id}", response=RequestOut, url_name="supply_request_get")
def request_get(request: HttpRequest, request_id: int):
    return _request_out(selectors.request_get_for_user(request.user, request_id))


@router.patch("/supplies/requests/{request_id}", response=RequestOut, url_name="supply_request_patch",
              summary="Change what a need asks for while it awaits approval; a stale `version` is a 409 conflict "
                      "naming what changed")
def request_patch(request: HttpRequest, request_id: int, payload: RequestPatch):
    req = selectors.request_get_for_user(request.user, request_id, perm=SUPPLIES_REQUEST)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    return _request_out(services.request_update(request=req, data=data, version=version, by=request.user))


@router.post("/supplies/requests/{request_id}/decision", response=RequestOut, url_name="supply_request_decide",
             summary="Approve (all or part) or reject a need; with the `version` read, a stale one is a 409 "
                     "conflict naming what changed")
def request_decide(request: HttpRequest, request_id: int, payload: DecisionIn):
    req = selectors.request_get_for_user(request.user, request_id, perm=SUPPLIES_APPROVE)
    return _request_out(services.request_decide(request=req, approve=payload.approve, quantity=payload.quantity,
                                                note=payload.note, version=payload.version, by=request.user))


@router.post("/supplies/requests/{request_id}/allocations", response={201: RequestOut},
             url_name="supply_request_allocate", summary="Earmark stock for an approved need")
def request_allocate(request: HttpRequest, request_id: int, payload: AllocationIn):
    req = selectors.request_get_for_user(request.user, request_id, perm=SUPPLIES_APPROVE)
    source = selectors.location_get_for_user(request.user, payload.source_id, perm=SUPPLIES_APPROVE)
    services.request_allocate(request=req, source=source, quantity=payload.quantity, note=payload.note,
                              by=request.user)
    return Status(201, _request_out(req))


@router.post("/supplies/requests/{request_id}/close", response=RequestOut, url_name="supply_request_close")
def request_close(request: HttpRequest, request_id: int, payload: CloseIn):
    req = selectors.request_get_for_user(request.user, request_id, perm=SUPPLIES_APPROVE)
    return _request_out(services.request_close(request=req, note=payload.note, version=payload.version,
                                               by=request.user))


# -- audit and transparency -------------------------------------------------------------------------------------

class AuditQuery(Schema):
    start: dt.date = Field(..., ge=EARLIEST)
    end: dt.date
    checks: str | None = None  # comma-separated codes; all when absent
    hold_days: int = Field(30, ge=1, le=MAX_DAYS)
    receipt_days: int = Field(15, ge=0, le=MAX_DAYS)


@router.get("/supplies/audit", response=AuditOut, url_name="supply_audit",
            summary="Run the audit checks over a date range (auditors)")
def audit(request: HttpRequest, q: Query[AuditQuery]):
    scope = access.require(request.user, SUPPLIES_AUDIT)
    if q.end < q.start:
        raise DomainError("invalid_range", _("The range ends before it starts."), fields={"end": [_("Too early.")]})
    if q.end - q.start > dt.timedelta(days=3 * 366):  # as on the page: an audit reads every line of its range
        raise DomainError("invalid_range", _("At most three years at a time."),
                          fields={"end": [_("At most three years at a time.")]})
    only = [c.strip() for c in q.checks.split(",") if c.strip()] if q.checks else None
    results = audit_run(scope=scope, start=q.start, end=q.end, only=only,
                        params=Params(hold_days=q.hold_days, receipt_days=q.receipt_days))
    return {"start": q.start, "end": q.end, "checks": [
        {"code": c.code, "title": str(c.title), "description": str(c.description),
         "findings": [{"day": f.day, "vouchers": f.vouchers, "message": f.message, "donation_id": f.donation_id,
                       "location": f.location, "item": f.item, "amount": f.amount} for f in findings]}
        for c, findings in results]}


def _publication_out(p: Publication) -> dict:
    return {"id": p.pk, "unit": p.unit.code, "unit_name": p.unit.name, "period_start": p.period_start,
            "period_end": p.period_end, "published_at": p.published_at, "totals": p.totals, "rows": p.rows}


@router.get("/supplies/transparency", response=list[PublicationOut], auth=None, url_name="supply_transparency",
            summary="The published lists of donations received (public, no login), newest first")
def transparency(request: HttpRequest, unit: str | None = None, limit: int = 10):
    return [_publication_out(p) for p in selectors.publications_public(unit_code=unit or "")[:max(1, min(limit, 100))]]


@router.post("/supplies/publications", response={201: PublicationOut}, url_name="supply_publish",
             summary="Publish a unit's list of donations received")
def publish(request: HttpRequest, payload: PublishIn):
    access.require(request.user, SUPPLIES_PUBLISH)
    unit = access.unit_get_for_user(request.user, payload.unit, perm=SUPPLIES_PUBLISH)
    publication = services.transparency_publish(unit=unit, until=payload.until or timezone.localdate(),
                                                by=request.user)
    return Status(201, _publication_out(publication))
