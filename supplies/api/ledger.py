"""The ledger through the API: items and their prices, locations and their balances and stock cards, the frozen
date, vouchers (posting a movement, reversing one)."""

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Status

from accounts import access
from accounts.roles import PERSONS_VIEW, SUPPLIES_MANAGE, SUPPLIES_POST, SUPPLIES_VIEW
from core.errors import DomainError
from core.pagination import keyset_page
from persons.selectors import person_get_for_user
from supplies import selectors, services
from supplies.api.common import item_by_code, location_out, router, voucher_out
from supplies.models import Item
from supplies.schemas import (
    CardOut,
    CardQuery,
    FreezeIn,
    ItemIn,
    ItemOut,
    LocationDetailOut,
    LocationIn,
    LocationOut,
    PriceIn,
    PriceOut,
    ReverseIn,
    VoucherIn,
    VoucherOut,
    VoucherPage,
)

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
    row = services.item_price_set(item=item_by_code(payload.item), valid_from=payload.valid_from,
                                  price=payload.price, source=payload.source, by=request.user)
    return Status(201, {"item": row.item.code, "valid_from": row.valid_from, "price": row.price})


@router.get("/supplies/locations", response=list[LocationOut], url_name="supply_locations")
def locations_list(request: HttpRequest):
    access.require(request.user, SUPPLIES_VIEW)
    return [location_out(loc) for loc in
            selectors.locations_in_scope(request.user).order_by("unit_path", "name")[:2000]]


@router.post("/supplies/locations", response={201: LocationOut}, url_name="supply_location_create")
def location_create(request: HttpRequest, payload: LocationIn):
    access.require(request.user, SUPPLIES_MANAGE)
    unit = access.unit_get_for_user(request.user, payload.unit, perm=SUPPLIES_MANAGE)
    return Status(201, location_out(services.location_create(unit=unit, kind=payload.kind, name=payload.name,
                                                             by=request.user)))


@router.get("/supplies/locations/{location_id}", response=LocationDetailOut, url_name="supply_location_get",
            summary="A location and its balances (derived from the ledger)")
def location_get(request: HttpRequest, location_id: int):
    loc = selectors.location_get_for_user(request.user, location_id)
    return {**location_out(loc), "balances": [
        {"item": b.item.code, "name": b.item.name, "spec": b.item.spec, "unit": b.item.unit, "quantity": b.quantity}
        for b in selectors.location_balances(loc)]}


@router.get("/supplies/locations/{location_id}/card", response=CardOut, url_name="supply_location_card",
            summary="The stock card of an item at a location")
def location_card(request: HttpRequest, location_id: int, q: Query[CardQuery]):
    loc = selectors.location_get_for_user(request.user, location_id)
    if not q.item:
        raise DomainError("item_required", _("Name the item."), fields={"item": [_("Required.")]})
    card = selectors.stock_card(loc, item_by_code(q.item), start=q.start, end=q.end)
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
    return {"items": [voucher_out(request, v) for v in page.items], "next_cursor": page.next_cursor}


@router.post("/supplies/vouchers", response={201: VoucherOut}, url_name="supply_voucher_post",
             summary="Post a movement: transfer, distribution, consumption, adjustment or purchase")
def voucher_post(request: HttpRequest, payload: VoucherIn):
    """The warehouse keeper's moves of a location's page (the same service), and purchases."""
    access.require(request.user, SUPPLIES_POST)
    user = request.user
    source = selectors.location_get_for_user(user, payload.source_id, perm=SUPPLIES_POST)
    target = selectors.location_get_for_user(user, payload.target_id) if payload.target_id else None
    req = selectors.request_get_for_user(user, payload.request_id) if payload.request_id else None
    lines = [(item_by_code(ln.item), ln.quantity) for ln in payload.lines]
    lot = services.AUTO
    if any(ln.donation_id for ln in payload.lines):
        lot = selectors.donation_get_for_user(user, payload.lines[0].donation_id)
    day, kind = payload.occurred_on, payload.kind
    if kind == "purchase":
        if target is None:
            raise DomainError("target_required", _("Say where the goods go."), fields={"target_id": [_("Required.")]})
        voucher = services.purchase_post(account=source, target=target, goods=[
            (item_by_code(ln.item), ln.quantity, ln.value) for ln in payload.lines], occurred_on=day,
            counterparty=payload.counterparty, document=payload.document, request=req, note=payload.note, by=user)
        return Status(201, voucher_out(request, voucher))
    person = (person_get_for_user(user, payload.person_id, perm=PERSONS_VIEW)
              if kind == "distribution" and payload.person_id else None)
    voucher = services.movement_post(kind=kind, source=source, target=target, person=person, lines=lines,
                                     occurred_on=day, request=req, lot=lot, counterparty=payload.counterparty,
                                     document=payload.document, reason=payload.reason, note=payload.note, by=user,
                                     target_field="target_id")
    return Status(201, voucher_out(request, voucher))


@router.get("/supplies/vouchers/{voucher_id}", response=VoucherOut, url_name="supply_voucher_get")
def voucher_get(request: HttpRequest, voucher_id: int):
    return voucher_out(request, selectors.voucher_get_for_user(request.user, voucher_id))


@router.post("/supplies/vouchers/{voucher_id}/reverse", response={201: VoucherOut}, url_name="supply_voucher_reverse",
             summary="Reverse a voucher (a reason is required); the original stays as booked")
def voucher_reverse(request: HttpRequest, voucher_id: int, payload: ReverseIn):
    voucher = selectors.voucher_get_for_user(request.user, voucher_id, perm=SUPPLIES_POST)
    return Status(201, voucher_out(request, services.voucher_reverse(voucher=voucher, reason=payload.reason,
                                                                     occurred_on=payload.occurred_on,
                                                                     by=request.user)))
