"""Supplies pages: the overview, a location (the warehouse keeper's page: balances and movements), stock
cards, vouchers, donations, needs (the community's page), the catalogue. The auditor's page and the
public list are in views_audit. Each view parses, authorizes, calls one service or selector, renders."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import access
from accounts.roles import (
    PERSONS_VIEW,
    SUPPLIES_APPROVE,
    SUPPLIES_AUDIT,
    SUPPLIES_MANAGE,
    SUPPLIES_POST,
    SUPPLIES_PUBLISH,
    SUPPLIES_REQUEST,
    SUPPLIES_VIEW,
)
from core.errors import DomainError
from core.forms import domain_error_text as _error_message
from core.forms import form_add_domain_error
from core.forms import form_errors_text as _form_errors
from core.pagination import keyset_page
from orgunits.models import OrgUnit
from persons.disclosure import person_shown
from persons.selectors import person_get_for_user
from supplies import selectors, services
from supplies.forms import (
    AllocationForm,
    DecisionForm,
    DeliveryForm,
    DirectionForm,
    DonationForm,
    FreezeForm,
    ItemForm,
    LocationForm,
    MoveForm,
    PriceForm,
    PurchaseForm,
    RangeForm,
    ReceiptForm,
    RequestDeliveryForm,
    RequestEditForm,
    RequestForm,
    ReverseForm,
)
from supplies.models import (
    RECIPIENT_KINDS,
    Donation,
    Donor,
    Item,
    ItemPrice,
    Location,
    Request,
    Voucher,
    VoucherLine,
)

K = Location.Kind


# -- helpers -------------------------------------------------------------------------------------------

def _post_form(request, form, call, *, done: str | None = None):
    """Validate a small form and call the service; the outcome goes to the messages. The result or None."""
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return None
    try:
        result = call(form.cleaned_data)
    except DomainError as exc:
        messages.error(request, _error_message(exc))
        return None
    messages.success(request, done or _("Saved."))
    return result


def _item(pk) -> Item:
    return selectors.item_get(pk)


def _location(request, pk, *, perm: str = SUPPLIES_VIEW) -> Location:
    """A location the form names, in the user's scope (404 otherwise)."""
    return selectors.location_get_for_user(request.user, pk, perm=perm)


def _perms(user, path: str) -> dict:
    return {name: access.scope_for(user, perm).covers(path) for name, perm in
            (("can_post", SUPPLIES_POST), ("can_approve", SUPPLIES_APPROVE), ("can_request", SUPPLIES_REQUEST))}


# -- overview and locations --------------------------------------------------------------------------------

@login_required
def home(request):
    access.require(request.user, SUPPLIES_VIEW)
    locations = list(selectors.locations_in_scope(request.user).order_by("unit_path", "kind", "name")[:500])
    pending = list(selectors.requests_in_scope(request.user, perm=SUPPLIES_APPROVE)
                   .filter(state=Request.State.SUBMITTED).order_by("-urgency", "created_at")[:50])
    open_requests = selectors.requests_fulfilment(list(
        selectors.requests_in_scope(request.user).filter(state=Request.State.APPROVED)
        .order_by("-urgency", "created_at")[:50]))
    vouchers = list(selectors.vouchers_in_scope(request.user).select_related("posted_by").order_by("-id")[:20])
    return render(request, "supplies/home.html", {
        "locations": locations, "pending": pending, "open_requests": open_requests, "vouchers": vouchers,
        "can_audit": access.has_perm(request.user, SUPPLIES_AUDIT),
        "can_manage": access.has_perm(request.user, SUPPLIES_MANAGE),
        "can_publish": access.has_perm(request.user, SUPPLIES_PUBLISH),
        "can_post": access.has_perm(request.user, SUPPLIES_POST),
    })


def _targets(request, location: Location) -> list[Location]:
    return list(selectors.locations_in_scope(request.user).exclude(pk=location.pk).order_by("unit_path", "name")[:500])


@login_required
def location_detail(request, pk: int):
    """The warehouse keeper's page: what the location holds (per gift), its recent movements, and the form
    to move stock out."""
    location = _location(request, pk)
    recent_ids = (VoucherLine.objects.filter(location=location).order_by("-voucher_id")
                  .values_list("voucher_id", flat=True).distinct()[:30])
    vouchers = list(Voucher.objects.filter(pk__in=list(recent_ids)).order_by("-occurred_on", "-id"))
    perms = _perms(request.user, location.unit_path)
    return render(request, "supplies/location.html", {
        "location": location, "balances": selectors.location_balances(location, lots=True), "vouchers": vouchers,
        "move_form": MoveForm(targets=_targets(request, location)) if perms["can_post"] else None, **perms,
    })


@login_required
@require_POST
def location_move(request, pk: int):
    location = _location(request, pk, perm=SUPPLIES_POST)
    form = MoveForm(request.POST, targets=_targets(request, location))

    def call(data):
        item, kind = _item(data["item"]), data["kind"]
        lines, day, by = [(item, data["quantity"])], data["occurred_on"], request.user
        if kind == "adjustment":
            return services.adjustment_post(location=location, lines=lines, occurred_on=day, reason=data["reason"],
                                            note=data["note"], by=by)
        if kind == "consumption":
            return services.consumption_post(location=location, lines=lines, occurred_on=day, note=data["note"],
                                             by=by)
        if kind == "distribution" and data["person"]:
            person = person_get_for_user(request.user, data["person"], perm=PERSONS_VIEW)
            target = services.location_pseudo(location.unit, K.CONSUMED)
            return services.distribution_post(source=location, target=target, lines=lines, occurred_on=day,
                                              person=person, note=data["note"], by=by)
        if not data["target"]:
            raise DomainError("target_required", _("Say where the goods go."), fields={"target": [_("Required.")]})
        target = _location(request, data["target"])
        post = services.transfer_post if kind == "transfer" else services.distribution_post
        return post(source=location, target=target, lines=lines, occurred_on=day, note=data["note"], by=by)

    voucher = _post_form(request, form, call)
    if voucher is not None:
        return redirect("supplies:voucher", pk=voucher.pk)
    return redirect("supplies:location", pk=location.pk)


@login_required
def stock_card(request, pk: int, item_pk: int):
    location = _location(request, pk)
    item = _item(item_pk)
    form = _range_form(request)
    start, end = (form.cleaned_data["start"], form.cleaned_data["end"]) if form.is_valid() else (None, None)
    card = selectors.stock_card(location, item, start=start, end=end)
    return render(request, "supplies/card.html", {"card": card, "form": form})


def _range_form(request) -> RangeForm:
    return RangeForm(request.GET or None)


# -- vouchers ------------------------------------------------------------------------------------------------

@login_required
def voucher_list(request):
    access.require(request.user, SUPPLIES_VIEW)
    qs = selectors.vouchers_in_scope(request.user).select_related("posted_by")
    kind = request.GET.get("kind", "")
    if kind in Voucher.Kind.values:
        qs = qs.filter(kind=kind)
    page = keyset_page(qs, order=("-id",), cursor=request.GET.get("after"), size=50)
    return render(request, "supplies/vouchers.html", {"page": page, "kinds": Voucher.Kind.choices, "kind": kind})


@login_required
def voucher_detail(request, pk: int):
    voucher = selectors.voucher_get_for_user(request.user, pk)
    lines = list(voucher.lines.select_related("location", "item", "donation__donor").order_by("id"))
    post_scope = access.scope_for(request.user, SUPPLIES_POST)
    can_reverse = (voucher.kind != Voucher.Kind.REVERSAL and not hasattr(voucher, "reversed_by")
                   and all(post_scope.covers(line.unit_path) for line in lines))
    return render(request, "supplies/voucher.html", {
        "voucher": voucher, "lines": lines, "reversed_by": getattr(voucher, "reversed_by", None),
        "recipient": person_shown(request.user, voucher.person) if voucher.person_id else None,
        "reverse_form": ReverseForm() if can_reverse else None,
    })


@login_required
@require_POST
def voucher_reverse(request, pk: int):
    voucher = selectors.voucher_get_for_user(request.user, pk, perm=SUPPLIES_POST)
    reversal = _post_form(request, ReverseForm(request.POST),
                          lambda data: services.voucher_reverse(voucher=voucher, reason=data["reason"], by=request.user),
                          done=_("Reversed."))
    return redirect("supplies:voucher", pk=reversal.pk if reversal else voucher.pk)


# -- donations ------------------------------------------------------------------------------------------------

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
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            recipient = _location(request, data["recipient"], perm=SUPPLIES_POST) if data["recipient"] else None
            if recipient is None:
                raise DomainError("invalid_donation", _("Say where the gift was received."),
                                  fields={"recipient": [_("Required.")]})
            donation = _donation_register(request, data, recipient, form.goods_lines())
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("The donation is recorded."))
            return redirect("supplies:donation", pk=donation.pk)
    return render(request, "supplies/donation_form.html", {"form": form})


def _donation_register(request, data, recipient: Location, goods) -> Donation:
    direction = _unit_by_code(data["direction_unit"]) if data["directed"] and data["direction_unit"] else None
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
            recipient=recipient, amount=data["amount"], lines=[(_item(i), q, v) for i, q, v in goods],
            directed=data["directed"], direction_unit=direction, direction_note=data["direction_note"],
            receipt_number=data["receipt_number"], receipt_date=data["receipt_date"], note=data["note"],
            by=request.user)


def _unit_by_code(code: str) -> OrgUnit:
    """A gift may be directed to any unit (a donor may name a hospital in another district)."""
    unit = OrgUnit.objects.filter(code=code.strip()).first()
    if unit is None:
        raise DomainError("unknown_unit", _("No unit has the code %(code)s.") % {"code": code},
                          fields={"direction_unit": [_("Unknown unit.")]})
    return unit


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
    _post_form(request, ReceiptForm(request.POST),
               lambda d: services.donation_receipt_issue(donation=donation, number=d["number"],
                                                         issued_on=d["issued_on"], by=request.user))
    return redirect("supplies:donation", pk=donation.pk)


@login_required
@require_POST
def donation_delivery(request, pk: int):
    donation = selectors.donation_get_for_user(request.user, pk, perm=SUPPLIES_POST)
    form = DeliveryForm(request.POST, items=[line.item for line in donation.lines.select_related("item")])
    _post_form(request, form, lambda d: services.donation_receive(
        donation=donation, lines=[(_item(d["item"]), d["quantity"])], occurred_on=d["occurred_on"], by=request.user))
    return redirect("supplies:donation", pk=donation.pk)


@login_required
@require_POST
def donation_direction(request, pk: int):
    donation = selectors.donation_get_for_user(request.user, pk, perm=SUPPLIES_POST)
    _post_form(request, DirectionForm(request.POST), lambda d: services.donation_direction_set(
        donation=donation, directed=d["directed"],
        direction_unit=_unit_by_code(d["direction_unit"]) if d["directed"] and d["direction_unit"] else None,
        direction_note=d["direction_note"], by=request.user))
    return redirect("supplies:donation", pk=donation.pk)


# -- requests (needs) ----------------------------------------------------------------------------------------

def _request_locations(request):
    return (selectors.locations_in_scope(request.user, perm=SUPPLIES_REQUEST).filter(kind__in=RECIPIENT_KINDS)
            .order_by("unit_path", "name")[:500])


@login_required
def request_list(request):
    """The community's page: its needs and how far each is delivered; the approver's queue."""
    access.require(request.user, SUPPLIES_VIEW)
    qs = selectors.requests_in_scope(request.user)
    state = request.GET.get("state", "")
    if state in Request.State.values:
        qs = qs.filter(state=state)
    code = request.GET.get("unit", "").strip()
    unit = access.unit_get_for_user(request.user, code, perm=SUPPLIES_VIEW) if code else None
    if unit is not None:
        qs = qs.filter(unit_path__under=unit.path)
    if request.GET.get("outstanding") == "1":  # approved and not yet fully delivered
        qs = selectors.requests_outstanding(qs)
    page = keyset_page(qs, order=("-id",), cursor=request.GET.get("after"), size=50)
    selectors.requests_fulfilment(page.items)
    can_request = access.has_perm(request.user, SUPPLIES_REQUEST)
    query = request.GET.copy()
    query.pop("after", None)
    return render(request, "supplies/requests.html", {
        "page": page, "states": Request.State.choices, "state": state, "unit": unit, "query": query.urlencode(),
        "form": RequestForm(locations=_request_locations(request)) if can_request else None,
    })


@login_required
@require_POST
def request_create(request):
    access.require(request.user, SUPPLIES_REQUEST)
    form = RequestForm(request.POST, locations=_request_locations(request))
    created = _post_form(request, form, lambda d: services.request_submit(
        location=_location(request, d["location"], perm=SUPPLIES_REQUEST), item=_item(d["item"]),
        quantity=d["quantity"], spec=d["spec"], urgency=d["urgency"], needed_by=d["needed_by"],
        reason=d["reason"], by=request.user), done=_("The request is posted."))
    return redirect("supplies:request", pk=created.pk) if created else redirect("supplies:requests")


@login_required
def request_detail(request, pk: int):
    req = selectors.request_get_for_user(request.user, pk)
    selectors.requests_fulfilment([req])
    perms = _perms(request.user, req.unit_path)
    approved = req.state == Request.State.APPROVED
    sources = list(selectors.locations_in_scope(request.user, perm=SUPPLIES_POST)
                   .exclude(pk=req.location_id).order_by("unit_path", "name")[:500])
    accounts = [loc for loc in sources if loc.kind == K.ACCOUNT]
    stores = [loc for loc in sources if loc.kind != K.ACCOUNT]
    submitted = req.state == Request.State.SUBMITTED
    can_decide = perms["can_approve"] and submitted and req.created_by_id != request.user.pk
    edit_initial = {"spec": req.spec, "quantity": req.quantity, "urgency": req.urgency, "needed_by": req.needed_by,
                    "reason": req.reason, "version": req.version}
    return render(request, "supplies/request.html", {
        "req": req, **perms,
        "vouchers": req.vouchers.order_by("-occurred_on", "-id"),
        "allocations": req.allocations.select_related("source", "item").order_by("id"),
        "edit_form": RequestEditForm(initial=edit_initial) if perms["can_request"] and submitted else None,
        "decision_form": DecisionForm(initial={"version": req.version}) if can_decide else None,
        "allocation_form": AllocationForm(sources=sources) if approved and perms["can_approve"] else None,
        "delivery_form": RequestDeliveryForm(sources=sources, initial={"item": req.item_id})
        if approved and sources else None,
        "purchase_form": PurchaseForm(accounts=accounts, targets=stores, initial={"item": req.item_id})
        if approved and accounts and req.item.kind == Item.Kind.GOODS else None,
    })


@login_required
@require_POST
def request_edit(request, pk: int):
    """The requesting side changes what it asks for; refused with what changed if the request moved on."""
    req = selectors.request_get_for_user(request.user, pk, perm=SUPPLIES_REQUEST)
    _post_form(request, RequestEditForm(request.POST), lambda d: services.request_update(
        request=req, data={k: v for k, v in d.items() if k != "version"}, version=d["version"], by=request.user))
    return redirect("supplies:request", pk=req.pk)


@login_required
@require_POST
def request_decide(request, pk: int):
    req = selectors.request_get_for_user(request.user, pk, perm=SUPPLIES_APPROVE)
    _post_form(request, DecisionForm(request.POST), lambda d: services.request_decide(
        request=req, approve=d["approve"], quantity=d["quantity"], note=d["note"], version=d["version"],
        by=request.user))
    return redirect("supplies:request", pk=req.pk)


@login_required
@require_POST
def request_allocate(request, pk: int):
    req = selectors.request_get_for_user(request.user, pk, perm=SUPPLIES_APPROVE)
    sources = selectors.locations_in_scope(request.user, perm=SUPPLIES_APPROVE)
    _post_form(request, AllocationForm(request.POST, sources=sources), lambda d: services.request_allocate(
        request=req, source=_location(request, d["source"], perm=SUPPLIES_APPROVE), quantity=d["quantity"],
        note=d["note"], by=request.user))
    return redirect("supplies:request", pk=req.pk)


@login_required
@require_POST
def request_deliver(request, pk: int):
    """Deliver against the request: a distribution from a store or an account to the requesting place."""
    req = selectors.request_get_for_user(request.user, pk)
    if not access.has_perm(request.user, SUPPLIES_POST):
        raise Http404
    sources = selectors.locations_in_scope(request.user, perm=SUPPLIES_POST)
    voucher = _post_form(request, RequestDeliveryForm(request.POST, sources=sources), lambda d: services.distribution_post(
        source=_location(request, d["source"], perm=SUPPLIES_POST), target=req.location,
        lines=[(_item(d["item"]), d["quantity"])], occurred_on=d["occurred_on"], request=req, note=d["note"],
        by=request.user), done=_("Delivered."))
    return redirect("supplies:voucher", pk=voucher.pk) if voucher else redirect("supplies:request", pk=req.pk)


@login_required
@require_POST
def request_purchase(request, pk: int):
    """Buy goods for the request, paid from a fund account."""
    req = selectors.request_get_for_user(request.user, pk)
    if not access.has_perm(request.user, SUPPLIES_POST):
        raise Http404
    places = selectors.locations_in_scope(request.user, perm=SUPPLIES_POST)
    form = PurchaseForm(request.POST, accounts=places, targets=places)
    voucher = _post_form(request, form, lambda d: services.purchase_post(
        account=_location(request, d["account"], perm=SUPPLIES_POST),
        target=_location(request, d["target"], perm=SUPPLIES_POST),
        goods=[(_item(d["item"]), d["quantity"], d["value"])], occurred_on=d["occurred_on"],
        counterparty=d["counterparty"], document=d["document"], request=req, by=request.user), done=_("Bought."))
    return redirect("supplies:voucher", pk=voucher.pk) if voucher else redirect("supplies:request", pk=req.pk)


@login_required
@require_POST
def request_close(request, pk: int):
    req = selectors.request_get_for_user(request.user, pk, perm=SUPPLIES_APPROVE)
    try:
        version = request.POST.get("version", "")
        services.request_close(request=req, note=request.POST.get("note", ""),
                               version=int(version) if version.isdigit() else None, by=request.user)
        messages.success(request, _("The request is closed."))
    except DomainError as exc:
        messages.error(request, _error_message(exc))
    return redirect("supplies:request", pk=req.pk)


# -- catalogue: items, prices, locations, frozen dates ---------------------------------------------------------

@login_required
def catalogue(request):
    """Items with their reference prices; for managers, the forms to add items, prices, locations and to
    close the books."""
    access.require(request.user, SUPPLIES_VIEW)
    can_manage = access.has_perm(request.user, SUPPLIES_MANAGE)
    blank_forms = {"item_form": ItemForm(prefix="item"), "price_form": PriceForm(prefix="price"),
             "location_form": LocationForm(prefix="location"), "freeze_form": FreezeForm(prefix="freeze")}
    if request.method == "POST":
        if not can_manage:
            raise Http404
        action = request.POST.get("action")
        if action == "item":
            _post_form(request, ItemForm(request.POST, prefix="item"), lambda d: services.item_create(
                code=d["code"], name=d["name"], unit=d["unit"], spec=d["spec"], standard=d["standard"],
                by=request.user))
        elif action == "price":
            _post_form(request, PriceForm(request.POST, prefix="price"), lambda d: services.item_price_set(
                item=_item(d["item"]), valid_from=d["valid_from"], price=d["price"], source=d["source"],
                by=request.user))
        elif action == "location":
            _post_form(request, LocationForm(request.POST, prefix="location"), lambda d: services.location_create(
                unit=access.unit_get_for_user(request.user, d["unit"].strip(), perm=SUPPLIES_MANAGE),
                kind=d["kind"], name=d["name"], by=request.user))
        elif action == "freeze":
            _post_form(request, FreezeForm(request.POST, prefix="freeze"), lambda d: services.ledger_freeze(
                unit=access.unit_get_for_user(request.user, d["unit"].strip(), perm=SUPPLIES_MANAGE),
                frozen_before_day=d["frozen_before"], note=d["note"], by=request.user))
        return redirect("supplies:catalogue")
    prices = {}
    for price in ItemPrice.objects.order_by("item_id", "-valid_from"):
        prices.setdefault(price.item_id, []).append(price)
    items = list(Item.objects.all())
    for item in items:
        item.price_history = prices.get(item.pk, [])[:5]
    return render(request, "supplies/catalogue.html", {"items": items, "can_manage": can_manage,
                                                       **(blank_forms if can_manage else {})})
