"""Stock moved out of a place, one dispatch on the kind of movement for the warehouse keeper's page and the API's
vouchers; and a need filled, delivered from a store or bought for it (its page and the API)."""

import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext as _

from core.errors import DomainError
from supplies.models import Item, Location, Request, Voucher
from supplies.services.common import location_pseudo
from supplies.services.ledger import (
    AUTO,
    adjustment_post,
    consumption_post,
    distribution_post,
    purchase_post,
    transfer_post,
)

K = Location.Kind


def movement_post(*, kind: str, source: Location, lines: list[tuple[Item, Decimal]], occurred_on: dt.date, by,
                  target: Location | None = None, person=None, request: Request | None = None, lot=AUTO,
                  counterparty: str = "", document: str = "", reason: str = "", note: str = "",
                  target_field: str = "target") -> Voucher:
    """Post a movement out of `source`: an adjustment or a consumption there, a distribution to a person (booked to
    the unit's distributed place), or a transfer or distribution to `target` (refused without one, naming
    `target_field`, the caller's name of it)."""
    if kind == "adjustment":
        return adjustment_post(location=source, lines=lines, occurred_on=occurred_on, reason=reason, note=note, by=by)
    if kind == "consumption":
        return consumption_post(location=source, lines=lines, occurred_on=occurred_on, note=note, by=by)
    if kind == "distribution" and person is not None:
        return distribution_post(source=source, target=location_pseudo(source.unit, K.CONSUMED), lines=lines,
                                 occurred_on=occurred_on, person=person, request=request, lot=lot, note=note, by=by)
    if target is None:
        raise DomainError("target_required", _("Say where the goods go."), fields={target_field: [_("Required.")]})
    if kind == "transfer":
        return transfer_post(source=source, target=target, lines=lines, occurred_on=occurred_on, lot=lot, note=note,
                             document=document, by=by)
    return distribution_post(source=source, target=target, lines=lines, occurred_on=occurred_on, request=request,
                             lot=lot, counterparty=counterparty, note=note, by=by)


def request_deliver(*, request: Request, source: Location, lines: list[tuple[Item, Decimal]], occurred_on: dt.date,
                    by, note: str = "") -> Voucher:
    """Deliver against a need: a distribution from a store or an account to the requesting place."""
    return distribution_post(source=source, target=request.location, lines=lines, occurred_on=occurred_on,
                             request=request, note=note, by=by)


def request_purchase(*, request: Request, account: Location, target: Location,
                     goods: list[tuple[Item, Decimal, Decimal]], occurred_on: dt.date, counterparty: str, by,
                     document: str = "") -> Voucher:
    """Buy goods for a need into `target`, paid from the fund account `account`."""
    return purchase_post(account=account, target=target, goods=goods, occurred_on=occurred_on,
                         counterparty=counterparty, document=document, request=request, by=by)
