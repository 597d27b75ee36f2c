"""Reads of supplies: one access function per object type (out of scope: 404), balances and stock cards
derived from the ledger, fulfilment of requests, what became of each donation."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DecimalField, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Round
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.access import Scope, scope_for
from accounts.roles import SUPPLIES_POST, SUPPLIES_VIEW
from core.errors import DomainError
from core.replicas import read_connection
from orgunits.models import OrgUnit
from supplies.models import (
    DESTINATION_KINDS,
    HOLDING_KINDS,
    PSEUDO_KINDS,
    QUANTITY,
    Allocation,
    Donation,
    DonationLine,
    Donor,
    Item,
    Location,
    Publication,
    Request,
    Voucher,
    VoucherLine,
)

ZERO = Decimal("0")
K = Location.Kind


def Total(field: str = "quantity", places: int = QUANTITY["decimal_places"], *,  # noqa: N802 (an aggregate)
          filter: Q | None = None) -> Round:  # noqa: A002 (the aggregates' own name)
    """SUM of a ledger column (of the rows matching `filter`) rounded to the ledger's precision: SQLite adds
    decimals as floating point, so 0.3 - 0.1 - 0.2 would otherwise come back as -2.8e-17 and look like
    negative stock."""
    return Round(Sum(field, filter=filter), places)


# -- access --------------------------------------------------------------------------------------------

def _get(qs: QuerySet, pk, scope: Scope):
    obj = qs.filter(pk=pk).first() if str(pk).isdigit() else None
    if obj is None or not scope.covers(obj.unit_path):
        raise Http404
    return obj


def location_get_for_user(user, pk: int, *, perm: str = SUPPLIES_VIEW) -> Location:
    """The location `pk` if its unit lies in the user's scope for `perm`, else 404."""
    return _get(Location.objects.select_related("unit", "site"), pk, scope_for(user, perm))


def donor_get_for_user(user, pk: int, *, perm: str = SUPPLIES_VIEW) -> Donor:
    return _get(Donor.objects.all(), pk, scope_for(user, perm))


def donation_get_for_user(user, pk: int, *, perm: str = SUPPLIES_VIEW) -> Donation:
    return _get(Donation.objects.select_related("donor", "recipient", "direction_unit"), pk, scope_for(user, perm))


def request_get_for_user(user, pk: int, *, perm: str = SUPPLIES_VIEW) -> Request:
    return _get(Request.objects.select_related("location", "item"), pk, scope_for(user, perm))


def request_to_fill_for_user(user, pk: int) -> Request:
    """A request in the user's scope that the user may deliver or buy against (posts somewhere), else 404: the
    places delivered from and paid from are checked where they are named."""
    req = request_get_for_user(user, pk)
    if scope_for(user, SUPPLIES_POST).empty:
        raise Http404
    return req


def voucher_get_for_user(user, pk: int, *, perm: str = SUPPLIES_VIEW) -> Voucher:
    """The voucher `pk` if any of its lines lies in the user's scope for `perm`, else 404."""
    scope = scope_for(user, perm)
    voucher = Voucher.objects.filter(pk=pk).select_related("posted_by", "request", "donation", "reverses").first() \
        if str(pk).isdigit() else None
    if voucher is None or scope.empty:
        raise Http404
    if not scope.everything and not voucher.lines.filter(scope.q()).exists():
        raise Http404
    return voucher


def item_get(pk: int) -> Item:
    """Items are shared definitions, readable by everyone who reads supplies."""
    item = Item.objects.filter(pk=pk).first() if str(pk).isdigit() else None
    if item is None:
        raise Http404
    return item


def unit_directed_to(code: str, *, field: str = "direction_unit") -> OrgUnit:
    """The unit a gift is directed to, by its code: any unit (a donor may name a hospital in another district;
    unit names are public on the transparency list), else DomainError naming `field`."""
    unit = OrgUnit.objects.filter(code=(code or "").strip()).first()
    if unit is None:
        raise DomainError("unknown_unit", _("No unit has the code %(code)s.") % {"code": code},
                          fields={field: [_("Unknown unit.")]})
    return unit


def locations_in_scope(user, *, perm: str = SUPPLIES_VIEW, pseudo: bool = False) -> QuerySet[Location]:
    qs = Location.objects.filter(scope_for(user, perm).q()).select_related("unit")
    return qs if pseudo else qs.exclude(kind__in=PSEUDO_KINDS)


def vouchers_in_scope(user, *, perm: str = SUPPLIES_VIEW) -> QuerySet[Voucher]:
    """Vouchers with at least one line in scope (no ordering: callers paginate by keyset)."""
    scope = scope_for(user, perm)
    if scope.everything:
        return Voucher.objects.all()
    return Voucher.objects.filter(Exists(VoucherLine.objects.filter(scope.q(), voucher=OuterRef("pk"))))


def donations_in_scope(user, *, perm: str = SUPPLIES_VIEW) -> QuerySet[Donation]:
    return Donation.objects.filter(scope_for(user, perm).q()).select_related("donor", "recipient")


def donors_in_scope(user, *, perm: str = SUPPLIES_VIEW) -> QuerySet[Donor]:
    return Donor.objects.filter(scope_for(user, perm).q())


def donors_named(name: str) -> QuerySet[Donor]:
    """The donors of the ledger named exactly `name` (the demo links its own by name)."""
    return Donor.objects.filter(name=name)


def donations_received_by(*, key: str, donors: dict, until: dt.date | None = None) -> dict:
    """Yuan received (money, and the declared value of goods) per value of the donor's field `key`, from the donors
    matching the lookups `donors` (on the donor), up to `until`: one GROUP BY over the donations. Another app
    relating its rows to donors reads the donations through this, e.g. key="civilised_unit_link__org_id"."""
    rows = Donation.objects.filter(**{f"donor__{lookup}": value for lookup, value in donors.items()})
    if until is not None:
        rows = rows.filter(received_on__lte=until)
    group = f"donor__{key}"
    return dict(rows.order_by().values(group).annotate(n=Round(Sum("amount"), 2)).values_list(group, "n"))


def requests_in_scope(user, *, perm: str = SUPPLIES_VIEW) -> QuerySet[Request]:
    return Request.objects.filter(scope_for(user, perm).q()).select_related("location", "item")


# -- balances and stock cards ----------------------------------------------------------------------------

@dataclass
class Balance:
    item: Item
    quantity: Decimal
    lots: list[tuple[Donation | None, Decimal]] = field(default_factory=list)
    more_lots: int = 0  # lots held but not listed
    more_quantity: Decimal = ZERO  # what they hold


LOTS_SHOWN = 10


def location_balances(location: Location, *, lots: bool = False) -> list[Balance]:
    """What `location` holds per item (and, with `lots`, per donation): one GROUP BY over its lines. A
    warehouse holds from tens of thousands of gifts: per item the LOTS_SHOWN oldest are named (given out
    first), the rest counted."""
    rows = (VoucherLine.objects.filter(location=location).values_list("item", "donation")
            .annotate(total=Total()).order_by())
    per_item: dict[int, Decimal] = defaultdict(lambda: ZERO)
    per_lot: dict[int, list] = defaultdict(list)
    for item, donation, total in rows:
        per_item[item] += total
        if total != 0:
            per_lot[item].append((donation or 0, total))
    items = Item.objects.in_bulk(list(per_item))
    shown = {i: sorted(lst)[:LOTS_SHOWN] for i, lst in per_lot.items()} if lots else {}
    donations = Donation.objects.select_related("donor").in_bulk(
        [d for lst in shown.values() for d, _q in lst if d]) if lots else {}
    out = []
    for i, q in per_item.items():
        if q == 0:
            continue
        listed = [(donations.get(d) if d else None, lq) for d, lq in shown.get(i, [])]
        more = len(per_lot[i]) - len(listed) if lots else 0
        out.append(Balance(items[i], q, listed, more, q - sum((lq for _d, lq in listed), ZERO) if more else ZERO))
    return sorted(out, key=lambda b: (b.item.kind, b.item.name, b.item.spec))


def location_balance_totals(location_id: int) -> dict[int, Decimal]:
    """{item id: quantity} at a location: the bare GROUP BY (the benchmark's query)."""
    return {r["item"]: r["total"] for r in VoucherLine.objects.filter(location_id=location_id).values("item")
            .annotate(total=Total()).order_by()}


@dataclass
class CardRow:
    line: VoucherLine
    balance: Decimal
    other: str = ""

    @property
    def incoming(self) -> Decimal | None:
        return self.line.quantity if self.line.quantity > 0 else None

    @property
    def outgoing(self) -> Decimal | None:
        return -self.line.quantity if self.line.quantity < 0 else None


@dataclass
class StockCard:
    location: Location
    item: Item
    start: dt.date | None
    end: dt.date | None
    opening: Decimal
    rows: list[CardRow]
    closing: Decimal
    truncated: bool = False


def stock_card(location: Location, item: Item, *, start: dt.date | None = None, end: dt.date | None = None,
               limit: int = 2000) -> StockCard:
    """The lines of `item` at `location` in date order with the running balance, from the opening
    balance before `start` (the whole history without dates)."""
    lines = VoucherLine.objects.filter(location=location, item=item)
    opening = ZERO
    if start is not None:
        opening = lines.filter(occurred_on__lt=start).aggregate(total=Total())["total"] or ZERO
        lines = lines.filter(occurred_on__gte=start)
    if end is not None:
        lines = lines.filter(occurred_on__lte=end)
    page = list(lines.select_related("voucher", "donation__donor").order_by("occurred_on", "voucher_id", "id")
                [:limit + 1])
    truncated = len(page) > limit
    page = page[:limit]
    others: dict[int, set[str]] = defaultdict(set)
    for voucher_id, name in (VoucherLine.objects.filter(voucher_id__in={ln.voucher_id for ln in page}, item=item)
                             .exclude(location=location).values_list("voucher_id", "location__name")):
        others[voucher_id].add(name)
    rows, balance = [], opening
    for line in page:
        balance += line.quantity
        rows.append(CardRow(line, balance, "、".join(sorted(others[line.voucher_id]))))
    return StockCard(location, item, start, end, opening, rows, balance, truncated)


# -- requests --------------------------------------------------------------------------------------------

def _delivered_q() -> Q:
    return Q(location__kind__in=DESTINATION_KINDS)


def request_delivered(request: Request) -> Decimal:
    """What arrived for the request: its deliveries net of reversals, of the requested kind (goods or money)."""
    total = (VoucherLine.objects.filter(_delivered_q(), voucher__request=request, item__kind=request.item.kind)
             .aggregate(total=Total())["total"])
    return total or ZERO


def requests_fulfilment(requests: list[Request]) -> list[Request]:
    """Attach needed, allocated and delivered to each request of a page (two queries for the page)."""
    ids = [r.pk for r in requests]
    delivered = defaultdict(lambda: ZERO)
    for r in (VoucherLine.objects.filter(_delivered_q(), voucher__request_id__in=ids)
              .values("voucher__request_id", "item__kind").annotate(total=Total()).order_by()):
        delivered[(r["voucher__request_id"], r["item__kind"])] += r["total"]
    allocated = defaultdict(lambda: ZERO)
    for r in Allocation.objects.filter(request_id__in=ids).values("request_id").annotate(total=Total()):
        allocated[r["request_id"]] = r["total"]
    for req in requests:
        req.needed = req.approved_quantity if req.approved_quantity is not None else req.quantity
        req.allocated = allocated[req.pk]
        req.delivered = delivered[(req.pk, req.item.kind)]
        req.outstanding = max(ZERO, req.needed - req.delivered) if req.state == Request.State.APPROVED else ZERO
    return requests


def requests_outstanding(qs: QuerySet[Request]) -> QuerySet[Request]:
    """The approved requests of `qs` not yet fully delivered, with `needed_total` and `delivered_total`: what
    requests_fulfilment attaches to a page, as one query over any number of requests."""
    delivered = (VoucherLine.objects.filter(_delivered_q(), voucher__request=OuterRef("pk"),
                                            item__kind=OuterRef("item__kind"))
                 .order_by().values("voucher__request").annotate(total=Total()).values("total"))
    decimal = DecimalField(**QUANTITY)
    return (qs.filter(state=Request.State.APPROVED)
            .annotate(needed_total=Coalesce("approved_quantity", "quantity", output_field=decimal),
                      delivered_total=Coalesce(Subquery(delivered, output_field=decimal), Value(ZERO),
                                               output_field=decimal))
            .filter(delivered_total__lt=F("needed_total")))


# -- what became of donations ----------------------------------------------------------------------------

@dataclass
class DonationAccount:
    """Per donation and item: declared (the receipt) and, from the ledger, received, delivered to
    recipients, paid to suppliers (money spent on purchases), on hand, lost."""

    donation_id: int
    item_id: int
    declared: Decimal = ZERO
    received: Decimal = ZERO
    delivered: Decimal = ZERO
    spent: Decimal = ZERO
    on_hand: Decimal = ZERO
    lost: Decimal = ZERO

    @property
    def accounted(self) -> Decimal:
        return self.delivered + self.spent + self.on_hand + self.lost


def donation_accounts(donations: QuerySet[Donation] | list[int], *, as_of: dt.date | None = None
                      ) -> dict[tuple[int, int], DonationAccount]:
    """{(donation, item): account} for the given donations: one GROUP BY over their lines, each account's
    columns summed there by the kind of place (one row per donation and item), and one over their declared
    lines."""
    if isinstance(donations, list) and not donations:
        return {}
    lines = VoucherLine.objects.filter(donation__in=donations)
    if as_of is not None:
        lines = lines.filter(occurred_on__lte=as_of)
    accounts: dict[tuple[int, int], DonationAccount] = {}

    def account(d, i):
        return accounts.setdefault((d, i), DonationAccount(d, i))

    for d, i, quantity in DonationLine.objects.filter(donation__in=donations).values_list("donation", "item",
                                                                                       "quantity"):
        account(d, i).declared += quantity
    places = {"received": [K.DONORS], "spent": [K.SUPPLIERS], "delivered": list(DESTINATION_KINDS),
              "on_hand": list(HOLDING_KINDS), "lost": [K.LOST]}
    totals = {name: Total(filter=Q(location__kind__in=kinds)) for name, kinds in places.items()}
    sql, params = (lines.values("donation", "item").annotate(**totals).order_by()
                   .values_list("donation", "item", *places).query.sql_with_params())
    with read_connection().cursor() as cursor:  # the cursor's own values: an audit reads a hundred thousand rows
        cursor.execute(sql, params)
        for d, i, received, spent, delivered, on_hand, lost in cursor.fetchall():
            a = account(d, i)
            a.received, a.spent = ZERO - _quantity(received), _quantity(spent)
            a.delivered, a.on_hand, a.lost = _quantity(delivered), _quantity(on_hand), _quantity(lost)
    return accounts


_PLACES = Decimal(1).scaleb(-QUANTITY["decimal_places"])


def _quantity(value) -> Decimal:
    """A rounded ledger sum as the database returns it (None, a Decimal, or on SQLite a float or int)."""
    if value is None:
        return ZERO
    return (value if isinstance(value, Decimal) else Decimal(str(value))).quantize(_PLACES)


def donation_destinations(donation_ids: list[int]) -> dict[int, list[tuple[str, Item, Decimal]]]:
    """Where each donation went: (destination, item, quantity) — units and places it reached, and for money
    spent on purchases the place whose request the purchase served."""
    rows = (VoucherLine.objects.filter(donation_id__in=donation_ids,
                                       location__kind__in=list(DESTINATION_KINDS) + [K.SUPPLIERS])
            .values("donation", "item", "location__kind", "location__unit__name", "location__name",
                    "voucher__request__location__name")
            .annotate(total=Total()).order_by())
    items = Item.objects.in_bulk({r["item"] for r in rows})
    out: dict[int, dict[tuple[str, int], Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for r in rows:
        if r["location__kind"] == K.SUPPLIERS:
            where = r["voucher__request__location__name"] or r["location__unit__name"]
        elif r["location__kind"] == K.CONSUMED:
            where = r["location__unit__name"]
        else:
            where = r["location__name"]
        out[r["donation"]][(where, r["item"])] += r["total"]
    return {d: [(where, items[i], q) for (where, i), q in sorted(places.items()) if q != 0]
            for d, places in out.items()}


def publications_public(*, unit_code: str = "") -> QuerySet[Publication]:
    """Published transparency lists, newest first (public: no scope)."""
    qs = Publication.objects.select_related("unit")
    return qs.filter(unit__code=unit_code) if unit_code else qs


# -- the dashboard's figures -------------------------------------------------------------------------------

@dataclass
class SupplyRow:
    item: Item
    on_hand: Decimal
    outstanding: Decimal  # approved and not yet delivered
    requests: int
    short: Decimal  # what the requests lack beyond what is on hand


@dataclass
class SupplyFigures:
    items: list[SupplyRow]  # most lacking first
    locations: list[tuple[Location, list[tuple[Item, Decimal]]]]  # each place holding something, what it holds
    submitted: int  # requests awaiting approval
    outstanding: int  # approved requests not yet fully delivered
    states: tuple[str, str] = (Request.State.SUBMITTED, Request.State.APPROVED)  # theirs, to open their lists


def supply_figures(*, scope: Scope, unit, day: dt.date) -> SupplyFigures:
    """What the warehouses, fund accounts and goods in transit under the unit in `scope` (supplies.view) hold at
    the end of `day` (one GROUP BY over their ledger lines), and the needs awaiting approval or not yet fully
    delivered."""
    holding = (Location.objects.filter(scope.q()).select_related("unit")
               .filter(kind__in=HOLDING_KINDS, unit_path__under=unit.path))
    held = list(VoucherLine.objects.filter(location__in=holding.values("pk"), occurred_on__lte=day).order_by()
                .values("location", "item").annotate(total=Total())
                .values_list("location", "item", "total"))
    requests = Request.objects.filter(scope.q()).select_related("location", "item").filter(unit_path__under=unit.path)
    by_state = dict(requests.order_by().values("state").annotate(n=Count("id")).values_list("state", "n"))
    lacking = {item: (n, short) for item, n, short in (
        requests_outstanding(requests).order_by().values("item")
        .annotate(n=Count("id"), short=Sum(F("needed_total") - F("delivered_total")))
        .values_list("item", "n", "short"))}
    items = Item.objects.in_bulk({i for _loc, i, _t in held} | set(lacking))
    on_hand: dict[int, Decimal] = {}
    per_location: dict[int, list] = {}
    for location_id, item_id, total in held:
        if total:
            on_hand[item_id] = on_hand.get(item_id, ZERO) + total
            per_location.setdefault(location_id, []).append((items[item_id], total))
    rows = []
    for item_id in set(on_hand) | set(lacking):
        n, short = lacking.get(item_id, (0, ZERO))
        have = on_hand.get(item_id, ZERO)
        rows.append(SupplyRow(items[item_id], have, short or ZERO, n, max(ZERO, (short or 0) - have)))
    rows.sort(key=lambda r: (-r.short, r.item.kind, r.item.name, r.item.spec))
    places = Location.objects.in_bulk(list(per_location))
    locations = [(places[pk], sorted(per_location[pk], key=lambda x: x[0].name))
                 for pk in sorted(per_location, key=lambda pk: (places[pk].unit_path, places[pk].name))]
    return SupplyFigures(items=rows, locations=locations, submitted=by_state.get(Request.State.SUBMITTED, 0),
                         outstanding=sum(n for n, _short in lacking.values()))

