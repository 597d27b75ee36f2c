"""Donation pages: the list, recording a gift (and its donor), a gift's page with where it went, its receipt,
its delivery into a store, its direction."""

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import access
from accounts.roles import SUPPLIES_POST, SUPPLIES_VIEW
from core.errors import DomainError
from core.pages import page_form_post
from core.pagination import keyset_page
from supplies import selectors, services
from supplies.forms import DeliveryForm, DirectionForm, DonationForm, ReceiptForm
from supplies.models import Donation, Donor, Item, Location
from supplies.views.common import item_get, location_get


@login_required
def donation_list(request):
    access.require(request.user, SUPPLIES_VIEW)
    qs = selectors.donations_in_scope(request.user)
    page = keyset_page(qs, order=("-id",), cursor=request.GET.get("after"), size=50)
    return render(request, "supplies/donations.html", {
        "page": page, "can_post": access.has_perm(request.user, SUPPLIES_POST)})


def _donation_form(request, data=None):
    donors = selectors.donors_in_scope(request.user, perm=SUPPLIES_POST).order_by("name")[:1000]
    recipients = selectors.locations_in_scope(request.user, perm=SUPPLIES_POST).order_by("unit_path", "name")[:500]
    return DonationForm(data, donors=donors, recipients=recipients)


@login_required
def donation_create(request):
    access.require(request.user, SUPPLIES_POST)
    form = _donation_form(request, request.POST or None)

    def call(data):
        recipient = location_get(request, data["recipient"], perm=SUPPLIES_POST) if data["recipient"] else None
        if recipient is None:
            raise DomainError("invalid_donation", _("Say where the gift was received."),
                              fields={"recipient": [_("Required.")]})
        return _donation_register(request, data, recipient, form.goods_lines())

    if request.method == "POST":
        posted = page_form_post(request, form, call, done=_("The donation is recorded."), on_form=True)
        if posted:
            return redirect("supplies:donation", pk=posted.result.pk)
    return render(request, "supplies/donation_form.html", {"form": form})


def _donation_register(request, data, recipient: Location, goods) -> Donation:
    direction = (selectors.unit_directed_to(data["direction_unit"]) if data["directed"] and data["direction_unit"]
                 else None)
    with transaction.atomic():
        if data["donor"]:
            donor = selectors.donor_get_for_user(request.user, data["donor"], perm=SUPPLIES_POST)
        else:
            donor = services.donor_register(name=data["donor_name"], kind=data["donor_kind"] or Donor.Kind.PERSON,
                                            unit=recipient.unit, members=data["members"],
                                            members_note=data["members_note"], mask_name=data["mask_name"],
                                            by=request.user)
        return services.donation_register(
            donor=donor, kind=data["kind"], received_on=data["received_on"], channel=data["channel"],
            recipient=recipient, amount=data["amount"], lines=[(item_get(i), q, v) for i, q, v in goods],
            directed=data["directed"], direction_unit=direction, direction_note=data["direction_note"],
            receipt_number=data["receipt_number"], receipt_date=data["receipt_date"], note=data["note"],
            by=request.user)


@login_required
def donation_detail(request, pk: int):
    donation = selectors.donation_get_for_user(request.user, pk)
    accounts = selectors.donation_accounts([donation.pk])
    items = Item.objects.in_bulk({i for _d, i in accounts})
    can_post = access.scope_for(request.user, SUPPLIES_POST).covers(donation.unit_path)
    return render(request, "supplies/donation.html", {
        "donation": donation, "lines": donation.lines.select_related("item"),
        "accounts": [(items[i], a) for (_d, i), a in sorted(accounts.items())],
        "destinations": selectors.donation_destinations([donation.pk]).get(donation.pk, []),
        "receipts": donation.receipts.order_by("id"), "can_post": can_post,
        "receipt_form": ReceiptForm() if can_post and not donation.receipt_number else None,
        "delivery_form": DeliveryForm(items=[line.item for line in donation.lines.select_related("item")])
        if can_post else None,
        "direction_form": DirectionForm(initial={
            "directed": donation.directed, "direction_note": donation.direction_note,
            "direction_unit": donation.direction_unit.code if donation.direction_unit else ""}) if can_post else None,
    })


@login_required
@require_POST
def donation_receipt(request, pk: int):
    donation = selectors.donation_get_for_user(request.user, pk, perm=SUPPLIES_POST)
    page_form_post(request, ReceiptForm(request.POST),
               lambda d: services.donation_receipt_issue(donation=donation, number=d["number"],
                                                         issued_on=d["issued_on"], by=request.user))
    return redirect("supplies:donation", pk=donation.pk)


@login_required
@require_POST
def donation_delivery(request, pk: int):
    donation = selectors.donation_get_for_user(request.user, pk, perm=SUPPLIES_POST)
    form = DeliveryForm(request.POST, items=[line.item for line in donation.lines.select_related("item")])
    page_form_post(request, form, lambda d: services.donation_receive(
        donation=donation, lines=[(item_get(d["item"]), d["quantity"])], occurred_on=d["occurred_on"], by=request.user))
    return redirect("supplies:donation", pk=donation.pk)


@login_required
@require_POST
def donation_direction(request, pk: int):
    donation = selectors.donation_get_for_user(request.user, pk, perm=SUPPLIES_POST)
    page_form_post(request, DirectionForm(request.POST), lambda d: services.donation_direction_set(
        donation=donation, directed=d["directed"],
        direction_unit=(selectors.unit_directed_to(d["direction_unit"]) if d["directed"] and d["direction_unit"]
                        else None),
        direction_note=d["direction_note"], by=request.user))
    return redirect("supplies:donation", pk=donation.pk)
