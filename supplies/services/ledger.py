"""Posting to the ledger: the one writer of vouchers and their lines.

A posting is a list of moves (item, quantity, from a location, to a location, of a lot). It runs in one
transaction:

1. the moves are checked against the voucher kind's rules, the dates (not in the future, not before a
   frozen date of any location touched), the poster's scope, the request and the donor's direction;
2. the (location, item) pairs that stock leaves are locked, in a fixed order (rows of StockLock, FOR
   UPDATE on PostgreSQL; SQLite's IMMEDIATE transactions already let one writer in at a time);
3. a move without a named lot takes the location's lots in turn — gifts directed to where the goods go
   first, then other gifts oldest first, then goods bought — so directed gifts reach their direction;
4. the lines are inserted, then two GROUP BY queries check that the voucher balances per item and lot
   and that no lot of any pair touched is below zero; either failure rolls everything back;
5. the voucher is audited.

The balance check reads the current balance (all postings, whatever their date): a posting dated in
the past is accepted when the stock is there now. That it was not there then is what the audit check
`distributed_before_booked` reports.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from functools import reduce
from operator import or_

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.roles import SUPPLIES_POST
from core import clock
from core.audit import audit_record
from core.errors import DomainError
from core.fields import path_ancestors
from supplies.models import (
    DESTINATION_KINDS,
    REAL_KINDS,
    RECIPIENT_KINDS,
    SOURCE_KINDS,
    Donation,
    Item,
    LedgerFreeze,
    Location,
    Request,
    StockLock,
    Voucher,
    VoucherLine,
)
from supplies.selectors import Total, request_delivered
from supplies.services.common import (
    ZERO,
    location_pseudo,
    money_item,
    number_text,
    quantity_of,
    require_in_scope,
)

K = Location.Kind
V = Voucher.Kind


class _Auto:
    def __repr__(self):
        return "AUTO"


AUTO = _Auto()  # a move's lot left to the posting: see step 3 above


@dataclass(frozen=True)
class Move:
    """`quantity` of `item` from `source` to `target`; `lot` is the donation the goods came from (None:
    bought goods, AUTO: let the posting choose); `value` is what the goods cost (purchases), in yuan."""

    source: Location
    target: Location
    item: Item
    quantity: Decimal
    lot: object = AUTO
    value: Decimal = ZERO


# What each kind of voucher may take from and bring to (location kinds).
_ANY_REAL = REAL_KINDS | {K.TRANSIT}
RULES: dict[str, tuple[frozenset, frozenset]] = {
    V.RECEIPT: (frozenset({K.DONORS}), frozenset(REAL_KINDS)),
    V.TRANSFER: (frozenset(_ANY_REAL), frozenset(_ANY_REAL)),
    V.DISTRIBUTION: (frozenset(_ANY_REAL), frozenset(DESTINATION_KINDS)),
    V.CONSUMPTION: (frozenset(_ANY_REAL), frozenset({K.CONSUMED})),
    V.ADJUSTMENT: (frozenset(_ANY_REAL | {K.LOST}), frozenset(_ANY_REAL | {K.LOST})),
}
MONEY_PLACES = frozenset({K.ACCOUNT, K.TRANSIT} | RECIPIENT_KINDS | SOURCE_KINDS | {K.CONSUMED, K.LOST})


def _refuse(code: str, message, **fields) -> DomainError:
    return DomainError(code, message, fields={k: [v] for k, v in fields.items()})


def _is_disbursement(move: Move) -> bool:
    """Money leaving a fund account for anyone outside the books' own places (paid out, given to a unit);
    moving it between accounts, or writing off a cash difference, is not paying out."""
    return (move.item.kind == Item.Kind.MONEY and move.source.kind == K.ACCOUNT
            and move.target.kind not in (K.ACCOUNT, K.TRANSIT, K.LOST))


def _destination_path(move: Move, request: Request | None) -> str | None:
    """Where a move sends its goods for good (None while they stay on hand): the target's unit, or for a
    payment to a supplier the unit whose request the purchase serves."""
    if move.target.kind in DESTINATION_KINDS:
        return move.target.unit_path
    if move.target.kind == K.SUPPLIERS:
        return request.unit_path if request is not None else move.source.unit_path
    return None


def _check_moves(kind: str, moves: list[Move], *, request: Request | None, person) -> None:
    if not moves:
        raise _refuse("empty_voucher", _("A voucher moves at least one item."))
    for n, move in enumerate(moves, start=1):
        row = _("line %(n)s") % {"n": n}
        if move.source.pk == move.target.pk:
            raise _refuse("same_location", _("Goods cannot move from a location to itself."), **{row: _("Same place.")})
        if not (move.source.active and move.target.active and move.item.active):
            raise _refuse("inactive", _("An inactive location or item cannot be posted to."), **{row: _("Inactive.")})
        if kind in RULES:
            sources, targets = RULES[kind]
            if move.source.kind not in sources or move.target.kind not in targets:
                raise _refuse("wrong_locations", _("A %(kind)s cannot move goods from %(source)s to %(target)s.")
                              % {"kind": Voucher.Kind(kind).label, "source": move.source.get_kind_display(),
                                 "target": move.target.get_kind_display()}, **{row: _("Not allowed here.")})
        money = move.item.kind == Item.Kind.MONEY
        for place in (move.source, move.target):
            if money and place.kind not in MONEY_PLACES:
                raise _refuse("money_in_store", _("Money is kept in fund accounts, not in %(place)s.")
                              % {"place": place.get_kind_display()}, **{row: _("Not a fund account.")})
            if not money and place.kind == K.ACCOUNT:
                raise _refuse("goods_in_account", _("Goods cannot be booked to a fund account."),
                              **{row: _("Fund accounts hold money only.")})
        if money and kind == V.CONSUMPTION:
            raise _refuse("money_consumed", _("Money is disbursed against a request, not consumed."))
        if _is_disbursement(move) and request is None:
            raise _refuse("disbursement_needs_request",
                          _("Money is paid out only against an approved request."), request=_("Required."))
        if isinstance(move.lot, Donation) and move.lot.directed:
            dest = _destination_path(move, request)
            if dest is not None and not dest.startswith(move.lot.direction_unit.path):
                raise _refuse("directed_elsewhere", _("The donation of %(donor)s is directed to %(unit)s; it cannot "
                                                      "go elsewhere.") % {"donor": move.lot.donor,
                                                                          "unit": move.lot.direction_unit.name},
                              **{row: _("Directed elsewhere.")})
    if person is not None:
        if kind != V.DISTRIBUTION or any(m.target.kind != K.CONSUMED for m in moves):
            raise _refuse("person_target", _("Goods given to a person are booked as distributed (consumed)."))


def _check_request(kind: str, moves: list[Move], request: Request) -> None:
    if request.state != Request.State.APPROVED:
        raise _refuse("request_not_approved", _("The request is not approved (it is %(state)s).")
                      % {"state": request.get_state_display()}, request=_("Not approved."))
    if kind != V.DISTRIBUTION:
        return
    allowed = {request.location_id}
    for move in moves:
        if move.target.pk not in allowed and not (move.target.kind == K.CONSUMED
                                                 and request.unit_path.startswith(move.target.unit_path)):
            raise _refuse("request_elsewhere", _("A delivery against a request goes to %(place)s.")
                          % {"place": request.location}, request=_("Delivered elsewhere."))
    delivered = request_delivered(request) + sum((m.quantity for m in moves), ZERO)
    if request.approved_quantity is not None and delivered > request.approved_quantity:
        raise _refuse("over_delivery", _("This would deliver %(delivered)s, more than the %(approved)s approved.")
                      % {"delivered": number_text(delivered), "approved": number_text(request.approved_quantity)},
                      quantity=_("More than approved."))


def frozen_before(paths: list[str]) -> dict[str, dt.date]:
    """For each unit path, the frozen date in force there (the latest set on it or an ancestor)."""
    ancestors = {p: path_ancestors(p) for p in paths}
    wanted = {a for chain in ancestors.values() for a in chain}
    latest: dict[str, dt.date] = {}
    for path, day in LedgerFreeze.objects.filter(unit_path__in=wanted).values_list("unit_path", "frozen_before"):
        latest[path] = max(day, latest.get(path, day))
    return {p: max((latest[a] for a in chain if a in latest), default=None) for p, chain in ancestors.items()}


def _check_dates(occurred_on: dt.date, locations: list[Location]) -> None:
    if occurred_on > clock.today():
        raise _refuse("future_date", _("A posting cannot be dated in the future."), occurred_on=_("In the future."))
    for frozen in frozen_before(sorted({loc.unit_path for loc in locations})).values():
        if frozen is not None and occurred_on < frozen:
            raise _refuse("frozen", _("The books before %(day)s are closed; post this on or after that day.")
                          % {"day": frozen.isoformat()}, occurred_on=_("Before the frozen date."))


def _lock(pairs: set[tuple[int, int]]) -> None:
    """Lock the (location, item) pairs in a fixed order (step 2)."""
    if not pairs:
        return
    ordered = sorted(pairs)
    StockLock.objects.bulk_create([StockLock(location_id=loc, item_id=item) for loc, item in ordered],
                                  ignore_conflicts=True)
    q = reduce(or_, (Q(location_id=loc, item_id=item) for loc, item in ordered))
    list(StockLock.objects.select_for_update().filter(q).order_by("location_id", "item_id").values_list("pk"))


def lot_balances(location: Location, item: Item) -> dict[int | None, Decimal]:
    """The positive balance of each lot of `item` at `location` (donation id, None for goods bought)."""
    rows = (VoucherLine.objects.filter(location=location, item=item).values("donation")
            .annotate(total=Total()).order_by())
    return {r["donation"]: r["total"] for r in rows if r["total"] is not None and r["total"] > 0}


def _lots_in_turn(location: Location, item: Item, dest: str | None, taken: dict) -> list[tuple[Donation | None, Decimal]]:
    """The lots a move may take, in the order it takes them (step 3), less what earlier moves took."""
    balances = lot_balances(location, item)
    donations = Donation.objects.in_bulk([d for d in balances if d is not None])
    usable = []
    for donation_id, quantity in balances.items():
        quantity -= taken.get((location.pk, item.pk, donation_id), ZERO)
        if quantity <= 0:
            continue
        donation = donations.get(donation_id)
        if donation is not None and donation.directed:
            if dest is not None and not dest.startswith(donation.direction_unit.path):
                continue  # directed elsewhere
            order = (0, donation.received_on, donation.pk)
        elif donation is not None:
            order = (1, donation.received_on, donation.pk)
        else:
            order = (2, dt.date.min, 0)
        usable.append((order, donation, quantity))
    usable.sort(key=lambda u: u[0])
    return [(d, q) for _o, d, q in usable]


def _lines_for(moves: list[Move], *, request: Request | None) -> list[tuple[Move, Donation | None, Decimal, Decimal]]:
    """Each move split over lots: (move, lot, quantity, value)."""
    out = []
    taken: dict[tuple, Decimal] = defaultdict(lambda: ZERO)
    for move in moves:
        if move.lot is not AUTO:
            out.append((move, move.lot, move.quantity, move.value))
            continue
        if move.source.kind in SOURCE_KINDS:
            out.append((move, None, move.quantity, move.value))
            continue
        dest = _destination_path(move, request) if move.source.kind not in (K.LOST,) else None
        need = move.quantity
        for lot, available in _lots_in_turn(move.source, move.item, dest, taken):
            if need <= 0:
                break
            part = min(need, available)
            value = (move.value * part / move.quantity).quantize(Decimal("0.01")) if move.value else ZERO
            out.append((move, lot, part, value))
            taken[(move.source.pk, move.item.pk, lot.pk if lot else None)] += part
            need -= part
        if need > 0:
            have = move.quantity - need
            raise _refuse("insufficient_stock", _("%(place)s holds %(have)s %(unit)s of %(item)s that may go there; "
                                                  "%(want)s are needed.")
                          % {"place": move.source, "have": number_text(have), "unit": move.item.unit,
                             "item": move.item, "want": number_text(move.quantity)},
                          quantity=_("Not enough stock."))
    return out


def _check_after(voucher: Voucher, pairs: set[tuple[int, int]]) -> None:
    """Step 4: the voucher balances per item and lot; no lot of a touched pair is below zero."""
    unbalanced = [r for r in VoucherLine.objects.filter(voucher=voucher).values("item", "donation")
                  .annotate(total=Total()).order_by() if r["total"] != 0]
    if unbalanced:
        raise _refuse("unbalanced", _("The voucher does not balance: what leaves must equal what arrives."))
    if not pairs:
        return
    q = reduce(or_, (Q(location_id=loc, item_id=item) for loc, item in pairs))
    short = [r for r in VoucherLine.objects.filter(q).values("location", "item", "donation")
             .annotate(total=Total()).order_by() if r["total"] < 0]
    if short:
        row = short[0]
        location, item = Location.objects.get(pk=row["location"]), Item.objects.get(pk=row["item"])
        raise _refuse("insufficient_stock", _("%(place)s would hold %(total)s %(unit)s of %(item)s; stock cannot go "
                                              "below zero.") % {"place": location, "total": number_text(row["total"]),
                                                                "unit": item.unit, "item": item},
                      quantity=_("Not enough stock."))


def _post(*, kind: str, occurred_on: dt.date, moves: list[Move], by, request: Request | None = None,
          donation: Donation | None = None, person=None, counterparty: str = "", document: str = "",
          reason: str = "", note: str = "", reverses: Voucher | None = None,
          lines: list[tuple[Location, Item, Donation | None, Decimal, Decimal]] | None = None) -> Voucher:
    """Post a voucher from moves (or, for a reversal, from ready lines) and return it."""
    if lines is None:
        _check_moves(kind, moves, request=request, person=person)
        if request is not None:
            _check_request(kind, moves, request)
        touched = [m.source for m in moves] + [m.target for m in moves]
        for move in moves:
            require_in_scope(by, SUPPLIES_POST, move.source.unit_path, what=str(move.source))
    else:
        touched = [line[0] for line in lines]
    _check_dates(occurred_on, touched)
    with transaction.atomic():
        if lines is None:
            _lock({(m.source.pk, m.item.pk) for m in moves if not m.source.may_go_negative})
            split = _lines_for(moves, request=request)
            lines = []
            for move, lot, quantity, value in split:
                lines.append((move.source, move.item, lot, -quantity, -value))
                lines.append((move.target, move.item, lot, quantity, value))
        else:
            _lock({(loc.pk, item.pk) for loc, item, _lot, q, _v in lines if q < 0 and not loc.may_go_negative})
        home = next((loc for loc, _i, _l, q, _v in lines if q < 0), lines[0][0])
        voucher = Voucher.objects.create(kind=kind, occurred_on=occurred_on, posted_by=by if by is not None else None,
                                         unit_path=home.unit_path, donation=donation, request=request, person=person,
                                         counterparty=counterparty.strip(), document=document.strip(),
                                         reason=reason.strip(), note=note.strip(), reverses=reverses)
        VoucherLine.objects.bulk_create([
            VoucherLine(voucher=voucher, location=loc, item=item, donation=lot, quantity=q, value=v, kind=kind,
                        occurred_on=occurred_on, unit_path=loc.unit_path)
            for loc, item, lot, q, v in lines])
        _check_after(voucher, {(loc.pk, item.pk) for loc, item, _l, q, _v in lines
                               if q < 0 and not loc.may_go_negative})
        audit_record(actor=by, action="create", obj=voucher, unit_path=voucher.unit_path, after={
            "kind": kind, "occurred_on": occurred_on.isoformat(), "reason": voucher.reason,
            "lines": [[loc.pk, item.pk, lot.pk if lot else None, str(q)] for loc, item, lot, q, _v in lines[:200]]})
    return voucher


# -- the kinds of voucher ------------------------------------------------------------------------------

def _reason_required(reason: str) -> str:
    if not (reason or "").strip():
        raise _refuse("reason_required", _("Give the reason."), reason=_("Required."))
    return reason


def receipt_post(*, donation: Donation, location: Location, lines: list[tuple[Item, Decimal]],
                 occurred_on: dt.date, by, note: str = "") -> Voucher:
    """Book goods or money of a donation as received at `location` (one delivery of it)."""
    donors = location_pseudo(location.unit, K.DONORS)
    moves = [Move(donors, location, item, quantity_of(q), lot=donation) for item, q in lines]
    return _post(kind=V.RECEIPT, occurred_on=occurred_on, moves=moves, by=by, donation=donation, note=note)


def purchase_post(*, account: Location, target: Location, goods: list[tuple[Item, Decimal, Decimal]],
                  occurred_on: dt.date, counterparty: str, document: str = "", request: Request | None = None,
                  by, note: str = "") -> Voucher:
    """Book goods bought from `counterparty` into `target`, paid from `account`: goods are (item,
    quantity, price paid for that quantity). Paying needs an approved request."""
    if not counterparty.strip():
        raise _refuse("counterparty_required", _("Name the supplier."), counterparty=_("Required."))
    suppliers_in = location_pseudo(target.unit, K.SUPPLIERS)
    suppliers_out = location_pseudo(account.unit, K.SUPPLIERS)
    moves, total = [], ZERO
    for item, quantity, value in goods:
        if item.kind != Item.Kind.GOODS:
            raise _refuse("not_goods", _("Only goods are bought."), item=_("Not goods."))
        value = Decimal(str(value)).quantize(Decimal("0.01"))
        if value <= 0:
            raise _refuse("invalid_amount", _("Give the price paid for each item."), value=_("Must be more than zero."))
        moves.append(Move(suppliers_in, target, item, quantity_of(quantity), lot=None, value=value))
        total += value
    moves.append(Move(account, suppliers_out, money_item(), total))
    return _post(kind=V.PURCHASE, occurred_on=occurred_on, moves=moves, by=by, request=request,
                 counterparty=counterparty, document=document, note=note)


def transfer_post(*, source: Location, target: Location, lines: list[tuple[Item, Decimal]], occurred_on: dt.date,
                  by, lot=AUTO, note: str = "", document: str = "") -> Voucher:
    """Move stock between warehouses, accounts, units, or into and out of transit."""
    moves = [Move(source, target, item, quantity_of(q), lot=lot) for item, q in lines]
    return _post(kind=V.TRANSFER, occurred_on=occurred_on, moves=moves, by=by, note=note, document=document)


def distribution_post(*, source: Location, target: Location, lines: list[tuple[Item, Decimal]],
                      occurred_on: dt.date, by, request: Request | None = None, person=None, lot=AUTO,
                      counterparty: str = "", note: str = "") -> Voucher:
    """Give goods (or disburse money) to a community, enterprise or hospital, or to a person (booked to the
    unit's distributed pseudo-location)."""
    if target.kind == K.CONSUMED and person is not None:
        require_in_scope(by, SUPPLIES_POST, person.unit_path, what=str(person))
    moves = [Move(source, target, item, quantity_of(q), lot=lot) for item, q in lines]
    return _post(kind=V.DISTRIBUTION, occurred_on=occurred_on, moves=moves, by=by, request=request, person=person,
                 counterparty=counterparty, note=note)


def consumption_post(*, location: Location, lines: list[tuple[Item, Decimal]], occurred_on: dt.date, by,
                     note: str = "") -> Voucher:
    """Book goods a unit used itself (masks worn at its checkpoints)."""
    consumed = location_pseudo(location.unit, K.CONSUMED)
    moves = [Move(location, consumed, item, quantity_of(q)) for item, q in lines]
    return _post(kind=V.CONSUMPTION, occurred_on=occurred_on, moves=moves, by=by, note=note)


def adjustment_post(*, location: Location, lines: list[tuple[Item, Decimal]], occurred_on: dt.date, reason: str,
                    by, note: str = "") -> Voucher:
    """Book a stocktake difference: a negative quantity is lost, damaged or expired, a positive one found."""
    _reason_required(reason)
    lost = location_pseudo(location.unit, K.LOST)
    moves = []
    for item, q in lines:
        q = quantity_of(q, positive=False)
        if q == 0:
            continue
        moves.append(Move(location, lost, item, -q) if q < 0 else Move(lost, location, item, q, lot=None))
    return _post(kind=V.ADJUSTMENT, occurred_on=occurred_on, moves=moves, by=by, reason=reason, note=note)


def voucher_reverse(*, voucher: Voucher, reason: str, by, occurred_on: dt.date | None = None) -> Voucher:
    """Correct a mistake: post the voucher's lines with opposite signs (the original stays as it was)."""
    _reason_required(reason)
    if voucher.kind == V.REVERSAL:
        raise _refuse("reverse_reversal", _("A reversal is not reversed; post the movement again instead."))
    if Voucher.objects.filter(reverses=voucher).exists():
        raise _refuse("already_reversed", _("This voucher has already been reversed."))
    originals = list(voucher.lines.select_related("location", "item", "donation").order_by("id"))
    for line in originals:
        require_in_scope(by, SUPPLIES_POST, line.location.unit_path, what=str(line.location))
    lines = [(line.location, line.item, line.donation, -line.quantity, -line.value) for line in originals]
    lines.sort(key=lambda line: line[3])  # what leaves first: it names the voucher's unit
    try:
        return _post(kind=V.REVERSAL, occurred_on=occurred_on or clock.today(), moves=[], lines=lines, by=by,
                     reverses=voucher, request=voucher.request, donation=voucher.donation, reason=reason)
    except IntegrityError:  # reversed by someone else a moment ago
        raise _refuse("already_reversed", _("This voucher has already been reversed.")) from None
