"""Donors and donations: registering a gift (and booking it as received), later deliveries of it,
the receipt (收据) given to the donor, corrections of the gift's record. Every write is audited."""

import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.roles import SUPPLIES_POST
from core import clock
from core.audit import audit_record, snapshot
from core.errors import DomainError
from orgunits.models import OrgUnit
from supplies.models import Donation, DonationLine, Donor, Item, Location, Voucher
from supplies.services.common import money_item, money_of, quantity_of, require_in_scope
from supplies.services.ledger import receipt_post

DONOR_FIELDS = ["name", "kind", "members", "members_note", "contact", "mask_name"]
DONATION_FIELDS = ["donor", "kind", "received_on", "channel", "amount", "directed", "direction_unit",
                   "direction_note", "receipt_number", "receipt_date", "recipient", "note"]


def donor_register(*, name: str, kind: str, unit: OrgUnit, members: int | None = None, members_note: str = "",
                   contact: str = "", mask_name: bool = False, by) -> Donor:
    """Register who gives: a person, an organisation, or a group giving together."""
    require_in_scope(by, SUPPLIES_POST, unit.path, what=unit.name)
    errors = {}
    if not (name or "").strip():
        errors["name"] = [_("Required.")]
    if kind not in Donor.Kind.values:
        errors["kind"] = [_("Unknown kind.")]
    if members is not None and members <= 0:
        errors["members"] = [_("Must be more than zero.")]
    if kind == Donor.Kind.GROUP and not members:
        errors["members"] = [_("Say how many people gave together.")]
    if errors:
        raise DomainError("invalid_donor", _("The donor cannot be registered; correct the fields marked."),
                          fields=errors)
    with transaction.atomic():
        donor = Donor.objects.create(name=name.strip(), kind=kind, members=members, members_note=members_note.strip(),
                                     contact=contact.strip(), mask_name=mask_name, unit=unit, unit_path=unit.path,
                                     created_by=by)
        audit_record(actor=by, action="create", obj=donor, unit_path=donor.unit_path,
                     after=snapshot(donor, DONOR_FIELDS))
    return donor


def _check_receipt(number: str, day: dt.date | None, received_on: dt.date, errors: dict) -> None:
    if day is not None and not number:
        errors["receipt_number"] = [_("A receipt date needs the receipt number.")]
    if day is not None and day < received_on:
        errors["receipt_date"] = [_("A receipt is not issued before the gift is received.")]
    if day is not None and day > clock.today():
        errors["receipt_date"] = [_("In the future.")]


def _receipt_taken(number: str, errors: dict, *, exclude: int | None = None) -> None:
    if number and Donation.objects.filter(receipt_number=number).exclude(pk=exclude).exists():
        errors["receipt_number"] = [_("Receipt %(n)s is already recorded.") % {"n": number}]


def donation_register(*, donor: Donor, kind: str, received_on: dt.date, channel: str, recipient: Location,
                      amount=None, lines: list[tuple[Item, Decimal, Decimal]] | None = None, directed: bool = False,
                      direction_unit: OrgUnit | None = None, direction_note: str = "", receipt_number: str = "",
                      receipt_date: dt.date | None = None, note: str = "", book: bool = True, by) -> Donation:
    """Record a gift as the donor and the receipt state it, and (with `book`) post it as received at
    `recipient` on `received_on`. Money is `amount` yuan; goods are (item, quantity, declared value)."""
    require_in_scope(by, SUPPLIES_POST, recipient.unit_path, what=str(recipient))
    errors: dict[str, list] = {}
    receipt_number = (receipt_number or "").strip()
    if kind not in Donation.Kind.values:
        errors["kind"] = [_("Unknown kind.")]
    if channel not in Donation.Channel.values:
        errors["channel"] = [_("Unknown channel.")]
    if received_on > clock.today():
        errors["received_on"] = [_("In the future.")]
    if directed and direction_unit is None:
        errors["direction_unit"] = [_("A directed gift names the unit it is for.")]
    if direction_unit is not None and not directed:
        direction_unit = None
    _check_receipt(receipt_number, receipt_date, received_on, errors)
    _receipt_taken(receipt_number, errors)
    declared: list[tuple[Item, Decimal, Decimal]] = []
    if kind == Donation.Kind.MONEY:
        amount = money_of(amount, positive=True)
        if recipient.kind != Location.Kind.ACCOUNT:
            errors["recipient"] = [_("Money is received into a fund account.")]
        declared = [(money_item(), amount, amount)]
    elif kind == Donation.Kind.GOODS:
        if not lines:
            errors["lines"] = [_("List the goods given.")]
        if recipient.kind == Location.Kind.ACCOUNT:
            errors["recipient"] = [_("Goods are received into a warehouse or a unit, not a fund account.")]
        seen = set()
        for item, quantity, value in lines or []:
            if item.kind != Item.Kind.GOODS or item.pk in seen:
                errors["lines"] = [_("Each kind of goods is listed once.")]
                continue
            seen.add(item.pk)
            declared.append((item, quantity_of(quantity), money_of(value)))
        amount = money_of(amount) if amount not in (None, "") else sum((v for _i, _q, v in declared), Decimal("0"))
    if errors:
        raise DomainError("invalid_donation", _("The donation cannot be recorded; correct the fields marked."),
                          fields=errors)
    try:
        with transaction.atomic():
            donation = Donation.objects.create(
                donor=donor, kind=kind, received_on=received_on, channel=channel, amount=amount, directed=directed,
                direction_unit=direction_unit, direction_note=direction_note.strip(), receipt_number=receipt_number,
                receipt_date=receipt_date, recipient=recipient, unit_path=recipient.unit_path, note=note.strip(),
                created_by=by)
            DonationLine.objects.bulk_create([DonationLine(donation=donation, item=item, quantity=q, value=v)
                                              for item, q, v in declared])
            audit_record(actor=by, action="create", obj=donation, unit_path=donation.unit_path,
                         after={**snapshot(donation, DONATION_FIELDS),
                                "lines": [[item.pk, str(q), str(v)] for item, q, v in declared]})
            if book:
                receipt_post(donation=donation, location=recipient, lines=[(item, q) for item, q, _v in declared],
                             occurred_on=received_on, by=by)
    except IntegrityError:  # the same receipt number recorded a moment ago
        raise DomainError("invalid_donation", _("The donation cannot be recorded; correct the fields marked."),
                          fields={"receipt_number": [_("Receipt %(n)s is already recorded.") % {"n": receipt_number}]}
                          ) from None
    return donation


def donation_receive(*, donation: Donation, lines: list[tuple[Item, Decimal]], occurred_on: dt.date, by,
                     location: Location | None = None, note: str = "") -> Voucher:
    """Book a (further) delivery of a gift as received."""
    return receipt_post(donation=donation, location=location or donation.recipient, lines=lines,
                        occurred_on=occurred_on, by=by, note=note)


def donation_receipt_issue(*, donation: Donation, number: str, issued_on: dt.date, by) -> Donation:
    """Record the receipt (捐赠收据) given to the donor: its number and date."""
    require_in_scope(by, SUPPLIES_POST, donation.unit_path, what=str(donation))
    number = (number or "").strip()
    errors: dict[str, list] = {}
    if not number:
        errors["receipt_number"] = [_("Required.")]
    if donation.receipt_number:
        errors["receipt_number"] = [_("A receipt was already issued: %(n)s.") % {"n": donation.receipt_number}]
    _check_receipt(number, issued_on, donation.received_on, errors)
    _receipt_taken(number, errors, exclude=donation.pk)
    if errors:
        raise DomainError("invalid_receipt", _("The receipt cannot be recorded; correct the fields marked."),
                          fields=errors)
    with transaction.atomic():
        current = Donation.objects.select_for_update().get(pk=donation.pk)
        before = snapshot(current, ["receipt_number", "receipt_date"])
        current.receipt_number, current.receipt_date = number, issued_on
        current.save(update_fields=["receipt_number", "receipt_date"])
        audit_record(actor=by, action="update", obj=current, unit_path=current.unit_path, before=before,
                     after=snapshot(current, ["receipt_number", "receipt_date"]))
    return current


def donation_direction_set(*, donation: Donation, directed: bool, direction_unit: OrgUnit | None,
                           direction_note: str = "", by) -> Donation:
    """Correct whether a gift is directed, and where to (the donor's letter arrived late)."""
    require_in_scope(by, SUPPLIES_POST, donation.unit_path, what=str(donation))
    if directed and direction_unit is None:
        raise DomainError("invalid_donation", _("A directed gift names the unit it is for."),
                          fields={"direction_unit": [_("Required.")]})
    with transaction.atomic():
        current = Donation.objects.select_for_update().get(pk=donation.pk)
        fields = ["directed", "direction_unit", "direction_note"]
        before = snapshot(current, fields)
        current.directed = directed
        current.direction_unit = direction_unit if directed else None
        current.direction_note = direction_note.strip()
        current.save(update_fields=fields)
        audit_record(actor=by, action="update", obj=current, unit_path=current.unit_path, before=before,
                     after=snapshot(current, fields))
    return current
