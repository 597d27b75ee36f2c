"""Needs through the API: posting one, changing it, deciding it, allocating stock to it, delivering and buying for
it, closing it."""

from django.http import HttpRequest
from ninja import Status

from accounts import access
from accounts.roles import SUPPLIES_APPROVE, SUPPLIES_POST, SUPPLIES_REQUEST, SUPPLIES_VIEW
from supplies import selectors, services
from supplies.api.common import item_by_code, request_out, router, voucher_out
from supplies.schemas import (
    AllocationIn,
    CloseIn,
    DecisionIn,
    RequestDeliveryIn,
    RequestIn,
    RequestOut,
    RequestPatch,
    RequestPurchaseIn,
    VoucherOut,
)


@router.get("/supplies/requests", response=list[RequestOut], url_name="supply_requests")
def requests_list(request: HttpRequest, state: str | None = None):
    access.require(request.user, SUPPLIES_VIEW)
    qs = selectors.requests_in_scope(request.user)
    if state:
        qs = qs.filter(state=state)
    return [request_out(r) for r in qs.order_by("-id")[:500]]


@router.post("/supplies/requests", response={201: RequestOut}, url_name="supply_request_create",
             summary="Post a need of a community, an enterprise or a hospital")
def request_create(request: HttpRequest, payload: RequestIn):
    access.require(request.user, SUPPLIES_REQUEST)
    location = selectors.location_get_for_user(request.user, payload.location_id, perm=SUPPLIES_REQUEST)
    req = services.request_submit(location=location, item=item_by_code(payload.item), quantity=payload.quantity,
                                  spec=payload.spec, urgency=payload.urgency, needed_by=payload.needed_by,
                                  reason=payload.reason, by=request.user)
    return Status(201, request_out(req))


@router.get("/supplies/requests/{request_id}", response=RequestOut, url_name="supply_request_get")
def request_get(request: HttpRequest, request_id: int):
    return request_out(selectors.request_get_for_user(request.user, request_id))


@router.patch("/supplies/requests/{request_id}", response=RequestOut, url_name="supply_request_patch",
              summary="Change what a need asks for while it awaits approval; a stale `version` is a 409 conflict "
                      "naming what changed")
def request_patch(request: HttpRequest, request_id: int, payload: RequestPatch):
    req = selectors.request_get_for_user(request.user, request_id, perm=SUPPLIES_REQUEST)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    return request_out(services.request_update(request=req, data=data, version=version, by=request.user))


@router.post("/supplies/requests/{request_id}/decision", response=RequestOut, url_name="supply_request_decide",
             summary="Approve (all or part) or reject a need; with the `version` read, a stale one is a 409 "
                     "conflict naming what changed")
def request_decide(request: HttpRequest, request_id: int, payload: DecisionIn):
    req = selectors.request_get_for_user(request.user, request_id, perm=SUPPLIES_APPROVE)
    return request_out(services.request_decide(request=req, approve=payload.approve, quantity=payload.quantity,
                                               note=payload.note, version=payload.version, by=request.user))


@router.post("/supplies/requests/{request_id}/allocations", response={201: RequestOut},
             url_name="supply_request_allocate", summary="Earmark stock for an approved need")
def request_allocate(request: HttpRequest, request_id: int, payload: AllocationIn):
    req = selectors.request_get_for_user(request.user, request_id, perm=SUPPLIES_APPROVE)
    source = selectors.location_get_for_user(request.user, payload.source_id, perm=SUPPLIES_APPROVE)
    services.request_allocate(request=req, source=source, quantity=payload.quantity, note=payload.note,
                              by=request.user)
    return Status(201, request_out(req))


@router.post("/supplies/requests/{request_id}/deliveries", response={201: VoucherOut}, url_name="supply_request_deliver",
             summary="Deliver against an approved need from a store or an account to the requesting place")
def request_deliver(request: HttpRequest, request_id: int, payload: RequestDeliveryIn):
    req = selectors.request_to_fill_for_user(request.user, request_id)
    source = selectors.location_get_for_user(request.user, payload.source_id, perm=SUPPLIES_POST)
    voucher = services.request_deliver(request=req, source=source,
                                       lines=[(item_by_code(payload.item), payload.quantity)],
                                       occurred_on=payload.occurred_on, note=payload.note, by=request.user)
    return Status(201, voucher_out(request, voucher))


@router.post("/supplies/requests/{request_id}/purchases", response={201: VoucherOut},
             url_name="supply_request_purchase",
             summary="Buy goods for an approved need into a store, paid from a fund account")
def request_purchase(request: HttpRequest, request_id: int, payload: RequestPurchaseIn):
    req = selectors.request_to_fill_for_user(request.user, request_id)
    account = selectors.location_get_for_user(request.user, payload.account_id, perm=SUPPLIES_POST)
    target = selectors.location_get_for_user(request.user, payload.target_id, perm=SUPPLIES_POST)
    voucher = services.request_purchase(request=req, account=account, target=target,
                                        goods=[(item_by_code(payload.item), payload.quantity, payload.value)],
                                        occurred_on=payload.occurred_on, counterparty=payload.counterparty,
                                        document=payload.document, by=request.user)
    return Status(201, voucher_out(request, voucher))


@router.post("/supplies/requests/{request_id}/close", response=RequestOut, url_name="supply_request_close")
def request_close(request: HttpRequest, request_id: int, payload: CloseIn):
    req = selectors.request_get_for_user(request.user, request_id, perm=SUPPLIES_APPROVE)
    return request_out(services.request_close(request=req, note=payload.note, version=payload.version,
                                              by=request.user))
