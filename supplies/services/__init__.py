"""Writes of supplies, one module per part; every write is audited. `by=None` is the system (commands,
the demo). The ledger (vouchers and their lines) is written only by supplies.services.ledger."""

from supplies.services.catalog import item_create, item_price_set, ledger_freeze, location_create
from supplies.services.common import location_pseudo, money_item
from supplies.services.donations import (
    donation_direction_set,
    donation_receipt_issue,
    donation_receive,
    donation_register,
    donor_register,
)
from supplies.services.ledger import (
    AUTO,
    Move,
    adjustment_post,
    consumption_post,
    distribution_post,
    purchase_post,
    receipt_post,
    transfer_post,
    voucher_reverse,
)
from supplies.services.movements import movement_post, request_deliver, request_purchase
from supplies.services.requests import (
    request_allocate,
    request_close,
    request_decide,
    request_submit,
    request_update,
)
from supplies.services.transparency import transparency_due, transparency_publish, transparency_rows

__all__ = [
    "AUTO", "Move", "adjustment_post", "consumption_post", "distribution_post", "donation_direction_set",
    "donation_receipt_issue", "donation_receive", "donation_register", "donor_register", "item_create",
    "item_price_set", "ledger_freeze", "location_create", "location_pseudo", "money_item", "movement_post",
    "purchase_post", "receipt_post", "request_allocate", "request_close", "request_decide", "request_deliver",
    "request_purchase", "request_submit", "request_update", "transfer_post",
    "transparency_due", "transparency_publish", "transparency_rows", "voucher_reverse",
]
