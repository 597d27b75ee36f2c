"""Items and their reference prices, locations, frozen dates. Audited."""

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.access import require
from accounts.roles import SUPPLIES_MANAGE
from core import clock
from core.audit import audit_record, snapshot
from core.errors import DomainError
from orgunits.models import OrgUnit, Site
from supplies.models import REAL_KINDS, Item, ItemPrice, LedgerFreeze, Location, spec_key
from supplies.services.common import money_of, require_in_scope
from supplies.services.ledger import frozen_before

ITEM_FIELDS = ["code", "name", "spec", "standard", "unit", "kind", "active"]


def item_create(*, code: str, name: str, unit: str, spec: str = "", standard: str = "", by) -> Item:
    """Add a kind of goods to the catalogue (items are shared by every unit)."""
    if by is not None:
        require(by, SUPPLIES_MANAGE)
    errors = {}
    code = (code or "").strip().lower()
    if not code or Item.objects.filter(code=code).exists():
        errors["code"] = [_("Required and unique.")]
    if not (name or "").strip():
        errors["name"] = [_("Required.")]
    if not (unit or "").strip():
        errors["unit"] = [_("Required.")]
    if errors:
        raise DomainError("invalid_item", _("The item cannot be added; correct the fields marked."), fields=errors)
    with transaction.atomic():
        item = Item.objects.create(code=code, name=name.strip(), spec=spec.strip(), spec_key=spec_key(spec),
                                   standard=standard.strip(), unit=unit.strip(), kind=Item.Kind.GOODS)
        audit_record(actor=by, action="create", obj=item, after=snapshot(item, ITEM_FIELDS))
    return item


def item_price_set(*, item: Item, valid_from: dt.date, price, source: str = "", by) -> ItemPrice:
    """Set the reference price of an item from a date (the same day's price is replaced)."""
    if by is not None:
        require(by, SUPPLIES_MANAGE)
    price = money_of(price, field="price", positive=True)
    with transaction.atomic():
        existing = ItemPrice.objects.select_for_update().filter(item=item, valid_from=valid_from).first()
        before = snapshot(existing, ["price", "source"]) if existing else None
        row, _created = ItemPrice.objects.update_or_create(item=item, valid_from=valid_from,
                                                           defaults={"price": price, "source": source.strip(),
                                                                     "created_by": by})
        audit_record(actor=by, action="update" if existing else "create", obj=row, before=before,
                     after=snapshot(row, ["item", "valid_from", "price", "source"]))
    return row


def location_create(*, unit: OrgUnit, kind: str, name: str, site: Site | None = None, by) -> Location:
    """Add a warehouse, a fund account, or a community's, enterprise's or hospital's store."""
    require_in_scope(by, SUPPLIES_MANAGE, unit.path, what=unit.name)
    errors = {}
    if kind not in REAL_KINDS:
        errors["kind"] = [_("Pseudo-locations are created by the ledger itself.")]
    if not (name or "").strip():
        errors["name"] = [_("Required.")]
    elif Location.objects.filter(unit=unit, name=name.strip()).exists():
        errors["name"] = [_("This unit already has a location of that name.")]
    if site is not None and not site.unit_path.startswith(unit.path):
        errors["site"] = [_("The site lies outside the unit.")]
    if errors:
        raise DomainError("invalid_location", _("The location cannot be added; correct the fields marked."),
                          fields=errors)
    with transaction.atomic():
        location = Location.objects.create(unit=unit, unit_path=unit.path, kind=kind, name=name.strip(), site=site)
        audit_record(actor=by, action="create", obj=location, unit_path=location.unit_path,
                     after=snapshot(location, ["unit", "kind", "name", "site"]))
    return location


def ledger_freeze(*, unit: OrgUnit, frozen_before_day: dt.date, by, note: str = "") -> LedgerFreeze:
    """Close the books of a unit's subtree before a date: postings dated earlier are refused from now on.
    The date only moves forward."""
    require_in_scope(by, SUPPLIES_MANAGE, unit.path, what=unit.name)
    current = frozen_before([unit.path])[unit.path]
    if current is not None and frozen_before_day <= current:
        raise DomainError("freeze_backwards", _("The books are already closed before %(day)s; the date only moves "
                                                "forward.") % {"day": current.isoformat()},
                          fields={"frozen_before": [_("Not after the current frozen date.")]})
    if frozen_before_day > clock.today() + dt.timedelta(days=1):
        raise DomainError("freeze_future", _("The books cannot be closed for days still to come."),
                          fields={"frozen_before": [_("In the future.")]})
    with transaction.atomic():
        row = LedgerFreeze.objects.create(unit=unit, unit_path=unit.path, frozen_before=frozen_before_day,
                                          note=note.strip(), set_by=by)
        audit_record(actor=by, action="create", obj=row, unit_path=unit.path,
                     after={"frozen_before": frozen_before_day.isoformat(), "note": row.note})
    return row
