"""Shapes of the supplies pages' input; the rules are in supplies.services."""

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from core.clock import today
from supplies.checks import EARLIEST, MAX_DAYS
from supplies.models import Donation, Donor, Item, Location, Request

DATE = {"widget": forms.DateInput(attrs={"type": "date"})}
QTY = {"max_digits": 18, "decimal_places": 3, "min_value": 0}


def location_choices(locations) -> list[tuple[str, str]]:
    return [("", "—")] + [(str(loc.pk), f"{loc.name} · {loc.get_kind_display()}") for loc in locations]


def item_choices(*, money: bool = True) -> list[tuple[str, str]]:
    items = Item.objects.filter(active=True)
    if not money:
        items = items.filter(kind=Item.Kind.GOODS)
    return [("", "—")] + [(str(i.pk), f"{i} ({i.unit})") for i in items]


class MoveForm(forms.Form):
    """Move stock out of a location: a transfer, a distribution (to a unit or a person), consumption, or
    a stocktake adjustment."""

    KINDS = [("transfer", _("transfer")), ("distribution", _("distribution")),
             ("consumption", _("consumption")), ("adjustment", _("adjustment (stocktake)"))]
    kind = forms.ChoiceField(label=_("movement"), choices=KINDS)
    item = forms.ChoiceField(label=_("item"))
    quantity = forms.DecimalField(label=_("quantity"), max_digits=18, decimal_places=3,
                                  help_text=_("For an adjustment: negative when lost, damaged or expired, "
                                              "positive when found."))
    target = forms.ChoiceField(label=_("destination"), required=False)
    person = forms.IntegerField(label=_("recipient (person number in the line list)"), required=False,
                                help_text=_("For goods given to a resident; leave “to” empty."))
    occurred_on = forms.DateField(label=_("date"), initial=today, **DATE)
    reason = forms.CharField(label=_("reason"), max_length=300, required=False,
                             help_text=_("Required for an adjustment."))
    note = forms.CharField(label=_("note"), max_length=300, required=False)

    def __init__(self, *args, targets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = item_choices()
        self.fields["target"].choices = location_choices(targets)


class RangeForm(forms.Form):
    """The dates of a stock card (the whole history when empty)."""

    start = forms.DateField(label=_("from"), required=False, **DATE)
    end = forms.DateField(label=_("until"), required=False, **DATE)


class ReverseForm(forms.Form):
    reason = forms.CharField(label=_("reason for the reversal"), max_length=300)


class DonationForm(forms.Form):
    """A gift and, if new, its donor. Money needs the amount; goods up to three lines."""

    donor = forms.ChoiceField(label=_("donor already registered"), required=False)
    donor_name = forms.CharField(label=_("new donor's name"), max_length=100, required=False)
    donor_kind = forms.ChoiceField(label=_("donor is"), choices=Donor.Kind.choices, required=False)
    members = forms.IntegerField(label=_("number of people"), min_value=1, required=False)
    members_note = forms.CharField(label=_("who gave"), max_length=200, required=False)
    mask_name = forms.BooleanField(label=_("the donor asks that the name be masked in public"), required=False)
    kind = forms.ChoiceField(label=_("gift of"), choices=Donation.Kind.choices)
    received_on = forms.DateField(label=_("received on"), initial=today, **DATE)
    channel = forms.ChoiceField(label=_("channel"), choices=Donation.Channel.choices)
    recipient = forms.ChoiceField(label=_("received into"))
    amount = forms.DecimalField(label=_("amount (yuan)"), max_digits=16, decimal_places=2, min_value=0, required=False)
    directed = forms.BooleanField(label=_("directed (定向)"), required=False)
    direction_unit = forms.CharField(label=_("directed to unit (code)"), max_length=32, required=False)
    direction_note = forms.CharField(label=_("direction"), max_length=200, required=False)
    receipt_number = forms.CharField(label=_("receipt number"), max_length=40, required=False)
    receipt_date = forms.DateField(label=_("receipt date"), required=False, **DATE)
    note = forms.CharField(label=_("note"), max_length=300, required=False)

    LINES = 3

    def __init__(self, *args, donors, recipients, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["donor"].choices = [("", "—")] + [(str(d.pk), d.name) for d in donors]
        self.fields["recipient"].choices = location_choices(recipients)
        for n in range(1, self.LINES + 1):
            self.fields[f"item_{n}"] = forms.ChoiceField(label=_("goods %(n)s") % {"n": n}, required=False,
                                                         choices=item_choices(money=False))
            self.fields[f"quantity_{n}"] = forms.DecimalField(label=_("quantity"), required=False, **QTY)
            self.fields[f"value_{n}"] = forms.DecimalField(label=_("declared value (yuan)"), required=False,
                                                           max_digits=16, decimal_places=2, min_value=0)

    def goods_lines(self) -> list[tuple[str, object, object]]:
        data = self.cleaned_data
        return [(data[f"item_{n}"], data[f"quantity_{n}"], data[f"value_{n}"] or 0)
                for n in range(1, self.LINES + 1) if data.get(f"item_{n}") and data.get(f"quantity_{n}")]


class ReceiptForm(forms.Form):
    number = forms.CharField(label=_("receipt number"), max_length=40)
    issued_on = forms.DateField(label=_("receipt date"), initial=today, **DATE)


class DirectionForm(forms.Form):
    directed = forms.BooleanField(label=_("directed (定向)"), required=False)
    direction_unit = forms.CharField(label=_("directed to unit (code)"), max_length=32, required=False)
    direction_note = forms.CharField(label=_("direction"), max_length=200, required=False)


class DeliveryForm(forms.Form):
    """A further delivery of a gift, booked as received."""

    item = forms.ChoiceField(label=_("item"))
    quantity = forms.DecimalField(label=_("quantity"), **QTY)
    occurred_on = forms.DateField(label=_("received on"), initial=today, **DATE)

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [(str(i.pk), f"{i} ({i.unit})") for i in items]


class RequestForm(forms.Form):
    location = forms.ChoiceField(label=_("for"))
    item = forms.ChoiceField(label=_("item"))
    spec = forms.CharField(label=_("specification"), max_length=100, required=False,
                           help_text=_("As needed, e.g. N95; the item's own when empty."))
    quantity = forms.DecimalField(label=_("quantity"), **QTY)
    urgency = forms.TypedChoiceField(label=_("urgency"), choices=Request.Urgency.choices, coerce=int,
                                     initial=Request.Urgency.NORMAL)
    needed_by = forms.DateField(label=_("needed by"), required=False, **DATE)
    reason = forms.CharField(label=_("reason"), max_length=300, required=False)

    def __init__(self, *args, locations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].choices = location_choices(locations)
        self.fields["item"].choices = item_choices()


class RequestEditForm(forms.Form):
    """What a need asks for, changed while it awaits approval; `version` is the one shown to the editor."""

    spec = forms.CharField(label=_("specification"), max_length=100, required=False,
                           help_text=_("As needed, e.g. N95; the item's own when empty."))
    quantity = forms.DecimalField(label=_("quantity"), **QTY)
    urgency = forms.TypedChoiceField(label=_("urgency"), choices=Request.Urgency.choices, coerce=int)
    needed_by = forms.DateField(label=_("needed by"), required=False, **DATE)
    reason = forms.CharField(label=_("reason"), max_length=300, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class DecisionForm(forms.Form):
    approve = forms.TypedChoiceField(label=_("decision"), coerce=lambda v: v == "yes",
                                     choices=[("yes", _("approve")), ("no", _("reject"))])
    quantity = forms.DecimalField(label=_("approved quantity"), required=False, **QTY,
                                  help_text=_("All that was asked for when empty."))
    note = forms.CharField(label=_("note"), max_length=300, required=False,
                           help_text=_("Required when rejecting."))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class AllocationForm(forms.Form):
    source = forms.ChoiceField(label=_("taken from"))
    quantity = forms.DecimalField(label=_("quantity"), **QTY)
    note = forms.CharField(label=_("note"), max_length=200, required=False)

    def __init__(self, *args, sources, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = location_choices(sources)


class RequestDeliveryForm(forms.Form):
    """Deliver against a request: from a source, the requested item or a substitute."""

    source = forms.ChoiceField(label=_("taken from"))
    item = forms.ChoiceField(label=_("item delivered"))
    quantity = forms.DecimalField(label=_("quantity"), **QTY)
    occurred_on = forms.DateField(label=_("date"), initial=today, **DATE)
    note = forms.CharField(label=_("note"), max_length=300, required=False)

    def __init__(self, *args, sources, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = location_choices(sources)
        self.fields["item"].choices = item_choices()


class PurchaseForm(forms.Form):
    """Buy goods for a request, paid from a fund account."""

    account = forms.ChoiceField(label=_("paid from"))
    target = forms.ChoiceField(label=_("delivered into"))
    item = forms.ChoiceField(label=_("item"))
    quantity = forms.DecimalField(label=_("quantity"), **QTY)
    value = forms.DecimalField(label=_("price paid (yuan)"), max_digits=16, decimal_places=2, min_value=0)
    counterparty = forms.CharField(label=_("supplier"), max_length=100)
    document = forms.CharField(label=_("invoice number"), max_length=60, required=False)
    occurred_on = forms.DateField(label=_("date"), initial=today, **DATE)

    def __init__(self, *args, accounts, targets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].choices = location_choices(accounts)
        self.fields["target"].choices = location_choices(targets)
        self.fields["item"].choices = item_choices(money=False)


class AuditForm(forms.Form):
    start = forms.DateField(label=_("from"), **DATE)
    end = forms.DateField(label=_("until"), **DATE)
    hold_days = forms.IntegerField(label=_("held longer than (days)"), min_value=1, max_value=MAX_DAYS, initial=30)
    receipt_days = forms.IntegerField(label=_("receipt due within (days)"), min_value=0, max_value=MAX_DAYS,
                                      initial=15)
    price_ratio = forms.DecimalField(label=_("price above reference (times)"), min_value=1, initial=1.5,
                                     max_digits=6, decimal_places=2)
    approval_limit = forms.DecimalField(label=_("approval limit (yuan)"), min_value=1, max_digits=16,
                                        decimal_places=2)

    def clean(self):
        data = super().clean()
        if data.get("start") and data["start"] < EARLIEST:
            self.add_error("start", _("Too early."))
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("The range ends before it starts."))
        if data.get("start") and data.get("end") and (data["end"] - data["start"]) > dt.timedelta(days=3 * 366):
            self.add_error("end", _("At most three years at a time."))
        return data


class ItemForm(forms.Form):
    code = forms.SlugField(label=_("code"), max_length=40)
    name = forms.CharField(label=_("name"), max_length=100)
    spec = forms.CharField(label=_("specification"), max_length=100, required=False)
    standard = forms.CharField(label=_("standard"), max_length=60, required=False)
    unit = forms.CharField(label=_("unit of measure"), max_length=20)


class PriceForm(forms.Form):
    item = forms.ChoiceField(label=_("item"))
    valid_from = forms.DateField(label=_("valid from"), initial=today, **DATE)
    price = forms.DecimalField(label=_("reference price (yuan)"), max_digits=16, decimal_places=2, min_value=0)
    source = forms.CharField(label=_("source"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = item_choices(money=False)


class LocationForm(forms.Form):
    unit = forms.CharField(label=_("unit (code)"), max_length=32)
    kind = forms.ChoiceField(label=_("kind"), choices=[(k, Location.Kind(k).label) for k in
                                                       ("warehouse", "account", "community", "enterprise",
                                                        "hospital")])
    name = forms.CharField(label=_("name"), max_length=100)


class FreezeForm(forms.Form):
    unit = forms.CharField(label=_("unit (code)"), max_length=32)
    frozen_before = forms.DateField(label=_("books closed before"), **DATE)
    note = forms.CharField(label=_("note"), max_length=200, required=False)


class PublishForm(forms.Form):
    unit = forms.CharField(label=_("unit (code)"), max_length=32)
    until = forms.DateField(label=_("donations received up to"), initial=today, **DATE)
