"""Donors and gifts through the API: recording a gift, its receipt, a further delivery of it, its direction."""

import datetime as dt

from django.http import HttpRequest
from ninja import Status

from accounts import access
from accounts.roles import SUPPLIES_POST, SUPPLIES_VIEW
from supplies import selectors, services
from supplies.api.common import donation_out, donor_out, item_by_code, router, voucher_out
from supplies.schemas import (
    DeliveryIn,
    DirectionIn,
    DonationIn,
    DonationOut,
    DonorIn,
    DonorOut,
    ReceiptIn,
    VoucherOut,
)


@router.get("/supplies/donors", response=list[DonorOut], url_name="supply_donors")
def donors_list(request: HttpRequest):
    access.require(request.user, SUPPLIES_VIEW)
    return [donor_out(d) for d in selectors.donors_in_scope(request.user).order_by("name")[:2000]]


@router.post("/supplies/donors", response={201: DonorOut}, url_name="supply_donor_create")
def donor_create(request: HttpRequest, payload: DonorIn):
    access.require(request.user, SUPPLIES_POST)
    unit = access.unit_get_for_user(request.user, payload.unit, perm=SUPPLIES_POST)
    donor = services.donor_register(name=payload.name, kind=payload.kind, unit=unit, members=payload.members,
                                    members_note=payload.members_note, contact=payload.contact,
                                    mask_name=payload.mask_name, by=request.user)
    return Status(201, donor_out(donor))


@router.get("/supplies/donations", response=list[DonationOut], url_name="supply_donations")
def donations_list(request: HttpRequest, start: dt.date | None = None, end: dt.date | None = None):
    access.require(request.user, SUPPLIES_VIEW)
    qs = selectors.donations_in_scope(request.user)
    if start:
        qs = qs.filter(received_on__gte=start)
    if end:
        qs = qs.filter(received_on__lte=end)
    return [donation_out(d) for d in qs.order_by("-received_on", "-id")[:200]]


@router.post("/supplies/donations", response={201: DonationOut}, url_name="supply_donation_create",
             summary="Record a gift and book it as received")
def donation_create(request: HttpRequest, payload: DonationIn):
    access.require(request.user, SUPPLIES_POST)
    donor = selectors.donor_get_for_user(request.user, payload.donor_id, perm=SUPPLIES_POST)
    recipient = selectors.location_get_for_user(request.user, payload.recipient_id, perm=SUPPLIES_POST)
    donation = services.donation_register(
        donor=donor, kind=payload.kind, received_on=payload.received_on, channel=payload.channel,
        recipient=recipient, amount=payload.amount,
        lines=[(item_by_code(ln.item), ln.quantity, ln.value) for ln in payload.lines], directed=payload.directed,
        direction_unit=selectors.unit_directed_to(payload.direction_unit, field="unit")
        if payload.direction_unit else None,
        direction_note=payload.direction_note, receipt_number=payload.receipt_number,
        receipt_date=payload.receipt_date, note=payload.note, by=request.user)
    return Status(201, donation_out(donation))


@router.get("/supplies/donations/{donation_id}", response=DonationOut, url_name="supply_donation_get",
            summary="A gift: declared, received, distributed, on hand, lost; where it went")
def donation_get(request: HttpRequest, donation_id: int):
    return donation_out(selectors.donation_get_for_user(request.user, donation_id))


@router.post("/supplies/donations/{donation_id}/receipt", response=DonationOut, url_name="supply_donation_receipt",
             summary="Record the receipt given to the donor")
def donation_receipt(request: HttpRequest, donation_id: int, payload: ReceiptIn):
    donation = selectors.donation_get_for_user(request.user, donation_id, perm=SUPPLIES_POST)
    services.donation_receipt_issue(donation=donation, number=payload.number, issued_on=payload.issued_on,
                                    by=request.user)
    return donation_out(selectors.donation_get_for_user(request.user, donation_id))


@router.post("/supplies/donations/{donation_id}/deliveries", response={201: VoucherOut},
             url_name="supply_donation_delivery", summary="Book a further delivery of a gift as received")
def donation_delivery(request: HttpRequest, donation_id: int, payload: DeliveryIn):
    donation = selectors.donation_get_for_user(request.user, donation_id, perm=SUPPLIES_POST)
    location = (selectors.location_get_for_user(request.user, payload.location_id, perm=SUPPLIES_POST)
                if payload.location_id else None)
    voucher = services.donation_receive(donation=donation, location=location, occurred_on=payload.occurred_on,
                                        lines=[(item_by_code(ln.item), ln.quantity) for ln in payload.lines],
                                        by=request.user)
    return Status(201, voucher_out(request, voucher))


@router.post("/supplies/donations/{donation_id}/direction", response=DonationOut, url_name="supply_donation_direction",
             summary="Say whether the donor directed the gift (定向), to which unit (any unit, by its code) and why")
def donation_direction(request: HttpRequest, donation_id: int, payload: DirectionIn):
    donation = selectors.donation_get_for_user(request.user, donation_id, perm=SUPPLIES_POST)
    unit = (selectors.unit_directed_to(payload.direction_unit)
            if payload.directed and payload.direction_unit else None)
    services.donation_direction_set(donation=donation, directed=payload.directed, direction_unit=unit,
                                    direction_note=payload.direction_note, by=request.user)
    return donation_out(selectors.donation_get_for_user(request.user, donation_id))
