"""Request pages (needs): the community's list and the approver's queue, posting a need, a need's page with
its editing, decision, allocation, delivery, purchase and closing."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import access
from accounts.roles import SUPPLIES_APPROVE, SUPPLIES_POST, SUPPLIES_REQUEST, SUPPLIES_VIEW
from core.pages import page_call, page_form_post
from core.pagination import keyset_page
from supplies import selectors, services
from supplies.forms import (
    AllocationForm,
    DecisionForm,
    PurchaseForm,
    RequestDeliveryForm,
    RequestEditForm,
    RequestForm,
)
from supplies.models import RECIPIENT_KINDS, Item, Request
from supplies.views.common import K, item_get, location_get, perms_of


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
    created = page_form_post(request, form, lambda d: services.request_submit(
        location=location_get(request, d["location"], perm=SUPPLIES_REQUEST), item=item_get(d["item"]),
        quantity=d["quantity"], spec=d["spec"], urgency=d["urgency"], needed_by=d["needed_by"],
        reason=d["reason"], by=request.user), done=_("The request is posted."))
    return redirect("supplies:request", pk=created.result.pk) if created else redirect("supplies:requests")


@login_required
def request_detail(request, pk: int):
    req = selectors.request_get_for_user(request.user, pk)
    selectors.requests_fulfilment([req])
    perms = perms_of(request.user, req.unit_path)
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
    page_form_post(request, RequestEditForm(request.POST), lambda d: services.request_update(
        request=req, data={k: v for k, v in d.items() if k != "version"}, version=d["version"], by=request.user))
    return redirect("supplies:request", pk=req.pk)


@login_required
@require_POST
def request_decide(request, pk: int):
    req = selectors.request_get_for_user(request.user, pk, perm=SUPPLIES_APPROVE)
    page_form_post(request, DecisionForm(request.POST), lambda d: services.request_decide(
        request=req, approve=d["approve"], quantity=d["quantity"], note=d["note"], version=d["version"],
        by=request.user))
    return redirect("supplies:request", pk=req.pk)


@login_required
@require_POST
def request_allocate(request, pk: int):
    req = selectors.request_get_for_user(request.user, pk, perm=SUPPLIES_APPROVE)
    sources = selectors.locations_in_scope(request.user, perm=SUPPLIES_APPROVE)
    page_form_post(request, AllocationForm(request.POST, sources=sources), lambda d: services.request_allocate(
        request=req, source=location_get(request, d["source"], perm=SUPPLIES_APPROVE), quantity=d["quantity"],
        note=d["note"], by=request.user))
    return redirect("supplies:request", pk=req.pk)


@login_required
@require_POST
def request_deliver(request, pk: int):
    """Deliver against the request: a distribution from a store or an account to the requesting place."""
    req = selectors.request_to_fill_for_user(request.user, pk)
    sources = selectors.locations_in_scope(request.user, perm=SUPPLIES_POST)
    form = RequestDeliveryForm(request.POST, sources=sources)
    voucher = page_form_post(request, form, lambda d: services.request_deliver(
        request=req, source=location_get(request, d["source"], perm=SUPPLIES_POST),
        lines=[(item_get(d["item"]), d["quantity"])], occurred_on=d["occurred_on"], note=d["note"], by=request.user),
        done=_("Delivered."))
    return redirect("supplies:voucher", pk=voucher.result.pk) if voucher else redirect("supplies:request", pk=req.pk)


@login_required
@require_POST
def request_purchase(request, pk: int):
    """Buy goods for the request, paid from a fund account."""
    req = selectors.request_to_fill_for_user(request.user, pk)
    places = selectors.locations_in_scope(request.user, perm=SUPPLIES_POST)
    form = PurchaseForm(request.POST, accounts=places, targets=places)
    voucher = page_form_post(request, form, lambda d: services.request_purchase(
        request=req, account=location_get(request, d["account"], perm=SUPPLIES_POST),
        target=location_get(request, d["target"], perm=SUPPLIES_POST),
        goods=[(item_get(d["item"]), d["quantity"], d["value"])], occurred_on=d["occurred_on"],
        counterparty=d["counterparty"], document=d["document"], by=request.user), done=_("Bought."))
    return redirect("supplies:voucher", pk=voucher.result.pk) if voucher else redirect("supplies:request", pk=req.pk)


@login_required
@require_POST
def request_close(request, pk: int):
    req = selectors.request_get_for_user(request.user, pk, perm=SUPPLIES_APPROVE)
    version = request.POST.get("version", "")
    page_call(request, lambda: services.request_close(
        request=req, note=request.POST.get("note", ""), version=int(version) if version.isdigit() else None,
        by=request.user), done=_("The request is closed."))
    return redirect("supplies:request", pk=req.pk)
