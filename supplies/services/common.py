"""What the supplies services share: scope checks, pseudo-locations, quantities."""

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from accounts.access import scope_for
from core.errors import DomainError
from orgunits.models import OrgUnit
from supplies.models import QUANTITY, Item, Location

ZERO = Decimal("0")
STEP = Decimal(1).scaleb(-QUANTITY["decimal_places"])  # 0.001, the smallest quantity the ledger holds
CENT = Decimal("0.01")

# Pseudo-locations are created on demand, one of each kind per unit; their names are data (Chinese).
PSEUDO_NAMES = {
    Location.Kind.TRANSIT: "在途",
    Location.Kind.DONORS: "捐赠方",
    Location.Kind.SUPPLIERS: "供应商",
    Location.Kind.CONSUMED: "已发放或消耗",
    Location.Kind.LOST: "损耗报损",
}


def number_text(value) -> str:
    """A quantity or amount as plain text: 58200, 12.5, 0.25 (no exponent, no trailing zeros)."""
    value = Decimal(value)
    if value == value.to_integral_value():
        return f"{value.quantize(Decimal(1)):f}"
    return f"{value.normalize():f}"


def require_in_scope(by, perm: str, path: str, *, what: str = "") -> None:
    """Refuse when `by` (None: the system) does not hold `perm` over `path`."""
    if by is not None and not scope_for(by, perm).covers(path):
        raise DomainError("out_of_scope", _("%(what)s lies outside the units you may work on.")
                          % {"what": what or _("This")}, status=404)


def quantity_of(value, *, field: str = "quantity", positive: bool = True) -> Decimal:
    """A quantity as a Decimal with the ledger's precision; positive unless told otherwise."""
    try:
        number = Decimal(str(value)).quantize(STEP)
    except (InvalidOperation, ValueError, TypeError):
        raise DomainError("invalid_quantity", _("A quantity is a number."),
                          fields={field: [_("Not a number.")]}) from None
    if not number.is_finite() or abs(number) >= Decimal(10) ** (QUANTITY["max_digits"] - QUANTITY["decimal_places"]):
        raise DomainError("invalid_quantity", _("The quantity is too large."), fields={field: [_("Too large.")]})
    if positive and number <= 0:
        raise DomainError("invalid_quantity", _("A quantity must be more than zero."),
                          fields={field: [_("Must be more than zero.")]})
    return number


def money_of(value, *, field: str = "amount", positive: bool = False) -> Decimal:
    """An amount of yuan as a Decimal rounded to the fen."""
    try:
        number = Decimal(str(value if value not in (None, "") else 0)).quantize(CENT)
    except (InvalidOperation, ValueError, TypeError):
        raise DomainError("invalid_amount", _("An amount is a number of yuan."),
                          fields={field: [_("Not a number.")]}) from None
    if number < 0 or (positive and number == 0):
        raise DomainError("invalid_amount", _("An amount must be more than zero."),
                          fields={field: [_("Must be more than zero.")]})
    return number


def money_item() -> Item:
    """The item that money is booked as (元)."""
    item = Item.objects.filter(kind=Item.Kind.MONEY).order_by("id").first()
    if item is None:
        item = Item.objects.create(code="cny", name="人民币", unit="元", kind=Item.Kind.MONEY)
    return item


def location_pseudo(unit: OrgUnit, kind: str) -> Location:
    """The unit's pseudo-location of `kind` (donors, suppliers, in transit, consumed, lost)."""
    location, _created = Location.objects.get_or_create(
        unit=unit, kind=kind, defaults={"unit_path": unit.path, "name": f"{unit.name}·{PSEUDO_NAMES[kind]}"})
    return location
