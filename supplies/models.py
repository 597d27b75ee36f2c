"""Supplies and donations: items, locations, donors and donations, the append-only ledger of goods and
money, needs (requests) and their allocations, frozen dates, and the published transparency lists.

The ledger is double-entry by quantity: a voucher's lines move an item from one location to another
(what leaves is negative, what arrives positive) and sum to zero per item and lot. Money is an item too
(unit 元), so a gift of 58,200 yuan and a gift of 10,000 masks are booked alike. Every line names the
donation its goods came from (its lot; none for goods bought), which is what lets an auditor follow a
gift from donor to recipient. Vouchers and lines are never changed or removed: the code refuses
(VoucherQuerySet, save, delete) and so does the database (triggers, migration 0002). Balances are sums
over the lines, never stored.
"""

import re
import unicodedata

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.fields import PathField
from orgunits.models import OrgUnit, Site
from supplies.appendonly import AppendOnly

QUANTITY = {"max_digits": 18, "decimal_places": 3}
MONEY = {"max_digits": 16, "decimal_places": 2}


def spec_key(text: str) -> str:
    """A specification reduced for comparison: full-width folded, upper case, no spaces or punctuation
    (“ kn-95 ” and “KN95” are the same spec; “N95” is not)."""
    folded = unicodedata.normalize("NFKC", text or "").upper()
    return re.sub(r"[\s\-_/·.()（）]+", "", folded)


class Item(models.Model):
    """A kind of goods with its specification and unit (医用防护口罩 N95, GB 19083-2010, 个), or money."""

    class Kind(models.TextChoices):
        GOODS = "goods", _("goods")
        MONEY = "money", _("money")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    spec = models.CharField(_("specification"), max_length=100, blank=True,
                            help_text=_("Model or grade as requested and delivered, e.g. N95, KN95, 一次性."))
    spec_key = models.CharField(max_length=100, blank=True, editable=False, db_index=True)
    standard = models.CharField(_("standard"), max_length=60, blank=True,
                                help_text=_("The national or industry standard, e.g. GB 19083-2010."))
    unit = models.CharField(_("unit of measure"), max_length=20)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.GOODS)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("item")
        verbose_name_plural = _("items")
        ordering = ["kind", "name", "spec"]

    def __str__(self):
        return f"{self.name} {self.spec}".strip()


class ItemPrice(models.Model):
    """The reference price of an item from `valid_from` until the next price of the same item."""

    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="prices")
    valid_from = models.DateField(_("valid from"))
    price = models.DecimalField(_("reference price"), **MONEY)
    source = models.CharField(_("source"), max_length=200, blank=True,
                              help_text=_("Where the price comes from: a price bureau notice, a tender…"))
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("reference price")
        verbose_name_plural = _("reference prices")
        ordering = ["item", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["item", "valid_from"], name="item_price_one_per_day"),
            models.CheckConstraint(condition=Q(price__gt=0), name="item_price_positive"),
        ]

    def __str__(self):
        return f"{self.item} {self.price} ({self.valid_from})"


class Location(models.Model):
    """Where goods or money are: a warehouse, a fund account, a community, an enterprise, a hospital;
    or one of a unit's pseudo-locations that stand for the world outside the ledger."""

    class Kind(models.TextChoices):
        WAREHOUSE = "warehouse", _("warehouse")
        ACCOUNT = "account", _("fund account")
        COMMUNITY = "community", _("community")
        ENTERPRISE = "enterprise", _("enterprise")
        HOSPITAL = "hospital", _("hospital")
        TRANSIT = "transit", _("in transit")
        DONORS = "donors", _("donors")
        SUPPLIERS = "suppliers", _("suppliers")
        CONSUMED = "consumed", _("distributed to people or consumed")
        LOST = "lost", _("lost, damaged or expired")

    unit = models.ForeignKey(OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    unit_path = PathField(_("unit path"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    site = models.ForeignKey(Site, verbose_name=_("site"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        ordering = ["unit_path", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "name"], name="location_unique_name_in_unit"),
            models.UniqueConstraint(fields=["unit", "kind"], name="location_one_pseudo_per_unit",
                                    condition=Q(kind__in=["transit", "donors", "suppliers", "consumed", "lost"])),
        ]

    def __str__(self):
        return self.name

    @property
    def is_pseudo(self) -> bool:
        return self.kind in PSEUDO_KINDS

    @property
    def may_go_negative(self) -> bool:
        return self.kind in NEGATIVE_ALLOWED


K = Location.Kind
PSEUDO_KINDS = frozenset({K.TRANSIT, K.DONORS, K.SUPPLIERS, K.CONSUMED, K.LOST})
SOURCE_KINDS = frozenset({K.DONORS, K.SUPPLIERS})  # the outside world goods and money come from
HOLDING_KINDS = frozenset({K.WAREHOUSE, K.ACCOUNT, K.TRANSIT})  # on hand, not yet distributed
RECIPIENT_KINDS = frozenset({K.COMMUNITY, K.ENTERPRISE, K.HOSPITAL})  # where needs come from
DESTINATION_KINDS = RECIPIENT_KINDS | {K.CONSUMED}  # arriving here is "distributed"
# Balances that may fall below zero: what donors and suppliers gave, and stocktake gains booked against losses.
NEGATIVE_ALLOWED = frozenset({K.DONORS, K.SUPPLIERS, K.LOST})
REAL_KINDS = frozenset({K.WAREHOUSE, K.ACCOUNT, K.COMMUNITY, K.ENTERPRISE, K.HOSPITAL})


class Donor(models.Model):
    """Who gave: a person, an organisation, or a group giving together (73 staff and 38 retirees)."""

    class Kind(models.TextChoices):
        PERSON = "person", _("person")
        ORGANISATION = "organisation", _("organisation")
        GROUP = "group", _("group of people")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    members = models.PositiveIntegerField(_("number of people"), null=True, blank=True,
                                          help_text=_("For a group gift: how many people gave together."))
    members_note = models.CharField(_("who gave"), max_length=200, blank=True,
                                    help_text=_("E.g. 73 staff and 38 retirees."))
    contact = models.CharField(_("contact details"), max_length=100, blank=True)
    mask_name = models.BooleanField(_("name masked in public"), default=False,
                                    help_text=_("At the donor's request the public list shows the name masked."))
    unit = models.ForeignKey(OrgUnit, verbose_name=_("registered by unit"), on_delete=models.PROTECT,
                             related_name="+")
    unit_path = PathField(_("unit path"))
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("donor")
        verbose_name_plural = _("donors")
        ordering = ["name"]
        constraints = [models.CheckConstraint(condition=Q(members__isnull=True) | Q(members__gt=0),
                                              name="donor_members_positive")]

    def __str__(self):
        return self.name

    @property
    def public_name(self) -> str:
        """The name as the public list shows it: a person who asked is masked to the family name."""
        if self.kind == self.Kind.PERSON and self.mask_name:
            return self.name[:1] + "*" * max(1, len(self.name) - 1)
        return self.name


class Donation(models.Model):
    """A gift as the donor and the receipt state it. What the ledger booked is in the receipt vouchers."""

    class Kind(models.TextChoices):
        MONEY = "money", _("money")
        GOODS = "goods", _("goods")

    class Channel(models.TextChoices):
        BANK = "bank", _("bank transfer")
        CASH = "cash", _("cash")
        MOBILE = "mobile", _("mobile payment")
        DELIVERY = "delivery", _("goods delivered")
        COURIER = "courier", _("post or courier")
        OTHER = "other", _("other")

    donor = models.ForeignKey(Donor, verbose_name=_("donor"), on_delete=models.PROTECT, related_name="donations")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    received_on = models.DateField(_("received on"))
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    amount = models.DecimalField(_("amount (yuan)"), default=0, **MONEY,
                                 help_text=_("Money given; for goods, their declared value if any."))
    directed = models.BooleanField(_("directed"), default=False,
                                   help_text=_("定向: the donor named where the gift must go."))
    direction_unit = models.ForeignKey(OrgUnit, verbose_name=_("directed to"), null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="+")
    direction_note = models.CharField(_("direction"), max_length=200, blank=True)
    receipt_number = models.CharField(_("receipt number"), max_length=40, blank=True)
    receipt_date = models.DateField(_("receipt date"), null=True, blank=True)
    recipient = models.ForeignKey(Location, verbose_name=_("received into"), on_delete=models.PROTECT,
                                  related_name="donations")
    unit_path = PathField(_("unit path"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("donation")
        verbose_name_plural = _("donations")
        ordering = ["-received_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="donation_amount_not_negative"),
            models.CheckConstraint(condition=~Q(kind="money") | Q(amount__gt=0), name="donation_money_has_amount"),
            models.CheckConstraint(condition=Q(directed=False) | Q(direction_unit__isnull=False),
                                   name="donation_directed_has_direction"),
            models.CheckConstraint(condition=Q(receipt_date__isnull=True) | ~Q(receipt_number=""),
                                   name="donation_receipt_dated_with_number"),
            models.UniqueConstraint(fields=["receipt_number"], condition=~Q(receipt_number=""),
                                    name="donation_unique_receipt_number"),
        ]
        indexes = [models.Index(fields=["unit_path", "received_on"], name="donation_unit_day_idx"),
                   models.Index(fields=["received_on"], name="donation_day_idx")]

    def __str__(self):
        return f"{self.donor} {self.received_on:%Y-%m-%d}"


class DonationLine(models.Model):
    """One item of a gift as declared (for money: the amount, as a quantity of 元)."""

    donation = models.ForeignKey(Donation, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(_("quantity"), **QUANTITY)
    value = models.DecimalField(_("declared value"), default=0, **MONEY)

    class Meta:
        verbose_name = _("donated item")
        verbose_name_plural = _("donated items")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="donation_line_quantity_positive"),
            models.UniqueConstraint(fields=["donation", "item"], name="donation_line_one_per_item"),
        ]

    def __str__(self):
        return f"{self.item} × {self.quantity}"


class Request(models.Model):
    """A need posted by a community, an enterprise or a hospital: what, which spec, how many, how urgent."""

    class Urgency(models.IntegerChoices):
        LOW = 1, _("low")
        NORMAL = 2, _("normal")
        URGENT = 3, _("urgent")
        CRITICAL = 4, _("critical")

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("awaiting approval")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")
        CLOSED = "closed", _("closed")

    location = models.ForeignKey(Location, verbose_name=_("for"), on_delete=models.PROTECT, related_name="requests")
    unit_path = PathField(_("unit path"))
    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="requests")
    spec = models.CharField(_("specification"), max_length=100, blank=True)
    spec_key = models.CharField(max_length=100, blank=True, editable=False)
    quantity = models.DecimalField(_("quantity"), **QUANTITY)
    urgency = models.PositiveSmallIntegerField(_("urgency"), choices=Urgency.choices, default=Urgency.NORMAL)
    needed_by = models.DateField(_("needed by"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.SUBMITTED)
    approved_quantity = models.DecimalField(_("approved quantity"), null=True, blank=True, **QUANTITY)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("posted"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    # Raised by every change of the row: a form or API call carries the one it read, and a stale one is refused.
    version = models.PositiveIntegerField(default=1, help_text="optimistic-concurrency counter")

    class Meta:
        verbose_name = _("request")
        verbose_name_plural = _("requests")
        ordering = ["-urgency", "created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="request_quantity_positive"),
            models.CheckConstraint(condition=~Q(state="approved") | Q(approved_quantity__gt=0),
                                   name="request_approved_has_quantity"),
        ]
        indexes = [models.Index(fields=["unit_path", "state"], name="request_unit_state_idx")]

    def __str__(self):
        return f"{self.location} · {self.item} × {self.quantity}"


class Allocation(models.Model):
    """Stock earmarked for an approved request at a source location, to be delivered by a distribution."""

    request = models.ForeignKey(Request, on_delete=models.PROTECT, related_name="allocations")
    source = models.ForeignKey(Location, verbose_name=_("taken from"), on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(_("quantity"), **QUANTITY)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="allocation_quantity_positive")]

    def __str__(self):
        return f"{self.request_id}: {self.item} × {self.quantity}"


class Voucher(AppendOnly):
    """One movement of goods or money, booked once: its lines balance per item and lot."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("donation received")
        PURCHASE = "purchase", _("purchase")
        TRANSFER = "transfer", _("transfer")
        DISTRIBUTION = "distribution", _("distribution")
        CONSUMPTION = "consumption", _("consumption")
        ADJUSTMENT = "adjustment", _("adjustment")
        REVERSAL = "reversal", _("reversal")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    occurred_on = models.DateField(_("date"))
    posted_at = models.DateTimeField(_("booked"), default=timezone.now)
    posted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("booked by"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    unit_path = PathField(_("unit path"))
    donation = models.ForeignKey(Donation, verbose_name=_("donation"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="receipts")
    request = models.ForeignKey(Request, verbose_name=_("request"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="vouchers")
    person = models.ForeignKey("persons.Person", verbose_name=_("recipient"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    counterparty = models.CharField(_("counterparty"), max_length=100, blank=True,
                                    help_text=_("The supplier paid, or who collected the goods."))
    document = models.CharField(_("invoice or waybill number"), max_length=60, blank=True,
                                help_text=_("Invoice, waybill or contract number."))
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    reverses = models.OneToOneField("self", verbose_name=_("reverses"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="reversed_by")

    class Meta:
        verbose_name = _("voucher")
        verbose_name_plural = _("vouchers")
        ordering = ["-occurred_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(kind__in=["adjustment", "reversal"]) | ~Q(reason=""),
                                   name="voucher_reason_required"),
            models.CheckConstraint(condition=Q(kind="reversal", reverses__isnull=False)
                                   | (~Q(kind="reversal") & Q(reverses__isnull=True)),
                                   name="voucher_reversal_names_its_voucher"),
            models.CheckConstraint(condition=~Q(kind="receipt") | Q(donation__isnull=False),
                                   name="voucher_receipt_names_donation"),
        ]
        indexes = [models.Index(fields=["kind", "occurred_on"], name="voucher_kind_day_idx"),
                   models.Index(fields=["unit_path", "occurred_on"], name="voucher_unit_day_idx")]

    def __str__(self):
        return self.number

    @property
    def number(self) -> str:
        return f"PZ{self.pk:08d}" if self.pk else "PZ—"


class VoucherLine(AppendOnly):
    """A quantity of an item (of a lot) leaving (negative) or arriving at (positive) a location."""

    voucher = models.ForeignKey(Voucher, on_delete=models.PROTECT, related_name="lines")
    # Indexed only by the composite indexes below: each index slows the million-line load.
    location = models.ForeignKey(Location, verbose_name=_("location"), on_delete=models.PROTECT, related_name="+",
                                 db_index=False)
    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="+",
                             db_index=False)
    donation = models.ForeignKey(Donation, verbose_name=_("from donation"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+", db_index=False)
    quantity = models.DecimalField(_("quantity"), **QUANTITY)
    value = models.DecimalField(_("value (yuan)"), default=0, **MONEY)
    # Copied from the voucher and the location so that balances and audit queries read one table.
    kind = models.CharField(max_length=12, choices=Voucher.Kind.choices)
    occurred_on = models.DateField()
    unit_path = PathField(_("unit path"), db_index=False)

    class Meta:
        verbose_name = _("ledger line")
        verbose_name_plural = _("ledger lines")
        constraints = [models.CheckConstraint(condition=~Q(quantity=0), name="voucher_line_quantity_not_zero")]
        indexes = [
            # A location's balances: one GROUP BY answered from this index alone.
            models.Index(fields=["location", "item", "donation", "quantity"], name="line_balance_idx"),
            # A stock card in date order; with the quantity, a place's balance day by day from the index alone.
            models.Index(fields=["location", "item", "occurred_on", "quantity"], name="line_card_idx"),
            models.Index(fields=["location", "voucher"], name="line_location_voucher_idx"),  # recent movements
            # What became of each gift (received, distributed, on hand… as of a day) from the index alone.
            models.Index(fields=["donation", "item", "location", "occurred_on", "quantity"], name="line_lot_idx"),
            models.Index(fields=["occurred_on", "kind"], name="line_day_idx"),
            models.Index(fields=["unit_path", "occurred_on"], name="line_unit_day_idx"),
        ]

    def __str__(self):
        return f"{self.voucher_id} {self.location_id} {self.item_id} {self.quantity}"


class StockLock(models.Model):
    """One row per (location, item) ever posted out of: postings lock these rows (in a fixed order) so
    that two concurrent postings from the same stock run one after the other. Holds no numbers."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("stock lock")
        constraints = [models.UniqueConstraint(fields=["location", "item"], name="stock_lock_unique")]

    def __str__(self):
        return f"{self.location_id}·{self.item_id}"


class LedgerFreeze(AppendOnly):
    """Postings dated before `frozen_before` at locations under `unit_path` are refused (books closed)."""

    unit = models.ForeignKey(OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    unit_path = PathField(_("unit path"))
    frozen_before = models.DateField(_("frozen before"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    set_at = models.DateTimeField(default=timezone.now)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")

    class Meta:
        verbose_name = _("frozen date")
        verbose_name_plural = _("frozen dates")
        ordering = ["-set_at"]

    def __str__(self):
        return f"{self.unit} < {self.frozen_before}"


class Publication(AppendOnly):
    """A transparency list as published: the donations a unit received in a period, where they went.
    Rows are stored as published (donors already masked), so the history shows what the public saw."""

    unit = models.ForeignKey(OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    unit_path = PathField(_("unit path"))
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period until"))
    published_at = models.DateTimeField(_("published"), default=timezone.now)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    rows = models.JSONField(default=list)
    totals = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("publication")
        verbose_name_plural = _("publications")
        ordering = ["-published_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(period_end__gte=F("period_start")),
                                              name="publication_period_ordered")]

    def __str__(self):
        return f"{self.unit} {self.period_start}–{self.period_end}"
