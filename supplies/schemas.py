"""Shapes of the supplies API; the rules are in supplies.services."""

import datetime as dt
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema

from supplies.checks.base import EARLIEST, MAX_DAYS


class ItemOut(Schema):
    id: int
    code: str
    name: str
    spec: str
    standard: str
    unit: str
    kind: str


class ItemIn(Schema):
    code: str
    name: str
    unit: str
    spec: str = ""
    standard: str = ""


class PriceIn(Schema):
    item: str  # the item's code
    valid_from: dt.date
    price: Decimal
    source: str = ""


class PriceOut(Schema):
    item: str
    valid_from: dt.date
    price: Decimal


class LocationIn(Schema):
    unit: str  # the unit's code
    kind: Literal["warehouse", "account", "community", "enterprise", "hospital"]
    name: str


class LocationOut(Schema):
    id: int
    name: str
    kind: str
    unit: str
    unit_name: str


class BalanceOut(Schema):
    item: str
    name: str
    spec: str
    unit: str
    quantity: Decimal


class LocationDetailOut(LocationOut):
    balances: list[BalanceOut]


class CardRowOut(Schema):
    date: dt.date
    voucher_id: int
    number: str
    kind: str
    quantity: Decimal
    balance: Decimal
    other: str
    donation_id: int | None


class CardOut(Schema):
    location_id: int
    item: str
    start: dt.date | None
    end: dt.date | None
    opening: Decimal
    closing: Decimal
    truncated: bool
    rows: list[CardRowOut]


class LineIn(Schema):
    item: str  # the item's code
    quantity: Decimal
    value: Decimal = Decimal("0")  # purchases: the price paid for this quantity
    donation_id: int | None = None  # the lot; chosen by the ledger when absent


class VoucherIn(Schema):
    """A movement. transfer, distribution: source → target; consumption and adjustment: at source;
    purchase: goods into target, paid from source (a fund account)."""

    kind: Literal["transfer", "distribution", "consumption", "adjustment", "purchase"]
    occurred_on: dt.date
    source_id: int
    target_id: int | None = None
    lines: list[LineIn]
    request_id: int | None = None
    person_id: int | None = None
    counterparty: str = ""
    document: str = ""
    reason: str = ""
    note: str = ""


class VoucherLineOut(Schema):
    location_id: int
    location: str
    location_kind: str
    item: str
    donation_id: int | None
    quantity: Decimal
    value: Decimal


class VoucherOut(Schema):
    id: int
    number: str
    kind: str
    occurred_on: dt.date
    posted_at: dt.datetime
    posted_by: str | None
    request_id: int | None
    donation_id: int | None
    person_id: int | None
    counterparty: str
    document: str
    reason: str
    note: str
    reverses_id: int | None
    reversed_by_id: int | None
    lines: list[VoucherLineOut]


class VoucherPage(Schema):
    items: list[VoucherOut]
    next_cursor: str | None


class ReverseIn(Schema):
    reason: str
    occurred_on: dt.date | None = None


class DonorIn(Schema):
    name: str
    kind: Literal["person", "organisation", "group"]
    unit: str  # the registering unit's code
    members: int | None = None
    members_note: str = ""
    contact: str = ""
    mask_name: bool = False


class DonorOut(Schema):
    id: int
    name: str
    kind: str
    members: int | None
    members_note: str
    mask_name: bool
    public_name: str


class DonationLineIn(Schema):
    item: str
    quantity: Decimal
    value: Decimal = Decimal("0")


class DirectionIn(Schema):
    """Whether a gift is directed (定向) by its donor, to which unit (its code, any unit) and with what note."""

    directed: bool = False
    direction_unit: str | None = None  # a unit's code
    direction_note: str = ""


class DonationIn(DirectionIn):
    donor_id: int
    kind: Literal["money", "goods"]
    received_on: dt.date
    channel: str
    recipient_id: int
    amount: Decimal | None = None
    lines: list[DonationLineIn] = []
    receipt_number: str = ""
    receipt_date: dt.date | None = None
    note: str = ""


class AccountOut(Schema):
    item: str
    declared: Decimal
    received: Decimal
    delivered: Decimal
    spent: Decimal
    on_hand: Decimal
    lost: Decimal


class DestinationOut(Schema):
    destination: str
    item: str
    quantity: Decimal


class DonationOut(Schema):
    id: int
    donor: DonorOut
    kind: str
    received_on: dt.date
    channel: str
    amount: Decimal
    directed: bool
    direction_unit: str | None
    direction_note: str
    receipt_number: str
    receipt_date: dt.date | None
    recipient_id: int
    receipt_vouchers: list[int]
    accounts: list[AccountOut]
    destinations: list[DestinationOut]


class ReceiptIn(Schema):
    number: str
    issued_on: dt.date


class DeliveryIn(Schema):
    lines: list[DonationLineIn]
    occurred_on: dt.date
    location_id: int | None = None


class RequestIn(Schema):
    location_id: int
    item: str
    quantity: Decimal
    spec: str | None = None
    urgency: int = 2
    needed_by: dt.date | None = None
    reason: str = ""


class RequestOut(Schema):
    id: int
    location_id: int
    location: str
    item: str
    spec: str
    quantity: Decimal
    urgency: int
    state: str
    approved_quantity: Decimal | None
    needed: Decimal
    allocated: Decimal
    delivered: Decimal
    created_at: dt.datetime
    version: int = Field(..., description="send it back with a change or a decision to detect concurrent edits")


class RequestPatch(Schema):
    """What a need asks for, changed while it awaits approval; `version` is the one read before editing."""

    version: int
    spec: str | None = None
    quantity: Decimal | None = None
    urgency: int | None = None
    needed_by: dt.date | None = None
    reason: str | None = None


class RequestDeliveryIn(Schema):
    """A delivery against a need from a store or an account (`source_id`) to the requesting place."""

    source_id: int
    item: str  # the item's code
    quantity: Decimal
    occurred_on: dt.date
    note: str = ""


class RequestPurchaseIn(Schema):
    """Goods bought for a need into `target_id`, paid from the fund account `account_id`; `value` the price paid."""

    account_id: int
    target_id: int
    item: str  # the item's code
    quantity: Decimal
    value: Decimal
    occurred_on: dt.date
    counterparty: str
    document: str = ""


class DecisionIn(Schema):
    approve: bool
    quantity: Decimal | None = None
    note: str = ""
    version: int | None = Field(None, description="the version read; a stale one is refused (409)")


class AllocationIn(Schema):
    source_id: int
    quantity: Decimal
    note: str = ""


class CloseIn(Schema):
    note: str = ""
    version: int | None = Field(None, description="the version read; a stale one is refused (409)")


class FindingOut(Schema):
    day: dt.date | None
    vouchers: list[int]
    message: str
    donation_id: int | None
    location: str
    item: str
    amount: Decimal | None


class AuditCheckOut(Schema):
    code: str
    title: str
    description: str
    findings: list[FindingOut]


class AuditOut(Schema):
    start: dt.date
    end: dt.date
    checks: list[AuditCheckOut]


class PublishIn(Schema):
    unit: str
    until: dt.date | None = None


class PublicationOut(Schema):
    id: int
    unit: str
    unit_name: str
    period_start: dt.date
    period_end: dt.date
    published_at: dt.datetime
    totals: dict
    rows: list[dict]


class FreezeIn(Schema):
    unit: str
    frozen_before: dt.date
    note: str = ""


class CardQuery(Schema):
    item: str | None = None  # an item's code (required; checked after the location, which may answer 404)
    start: dt.date | None = None
    end: dt.date | None = None


class AuditQuery(Schema):
    start: dt.date = Field(..., ge=EARLIEST)
    end: dt.date
    checks: str | None = None  # comma-separated codes; all when absent
    hold_days: int = Field(30, ge=1, le=MAX_DAYS)
    receipt_days: int = Field(15, ge=0, le=MAX_DAYS)
