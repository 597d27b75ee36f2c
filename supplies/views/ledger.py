"""The ledger's pages: the overview, a location (the warehouse keeper's page: balances, movements and moving
stock out), stock cards, vouchers and their reversal."""

from django.contrib.auth.decorators import login_required
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
    SUPPLIES_VIEW,
)
from core.pages import page_form_post
from core.pagination import keyset_page
from persons.disclosure import person_shown
from persons.selectors import person_get_for_user
from supplies import selectors, services
from supplies.forms import MoveForm, RangeForm, ReverseForm
from supplies.models import Location, Request, Voucher, VoucherLine
from supplies.views.common import item_get, location_get, perms_of


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
    location = location_get(request, pk)
    recent_ids = (VoucherLine.objects.filter(location=location).order_by("-voucher_id")
                  .values_list("voucher_id", flat=True).distinct()[:30])
    vouchers = list(Voucher.objects.filter(pk__in=list(recent_ids)).order_by("-occurred_on", "-id"))
    perms = perms_of(request.user, location.unit_path)
    return render(request, "supplies/location.html", {
        "location": location, "balances": selectors.location_balances(location, lots=True), "vouchers": vouchers,
        "move_form": MoveForm(targets=_targets(request, location)) if perms["can_post"] else None, **perms,
    })


@login_required
@require_POST
def location_move(request, pk: int):
    location = location_get(request, pk, perm=SUPPLIES_POST)
    form = MoveForm(request.POST, targets=_targets(request, location))

    def call(data):
        kind = data["kind"]
        person = (person_get_for_user(request.user, data["person"], perm=PERSONS_VIEW)
                  if kind == "distribution" and data["person"] else None)
        to_place = kind in ("transfer", "distribution") and person is None
        target = location_get(request, data["target"]) if to_place and data["target"] else None
        return services.movement_post(kind=kind, source=location, target=target, person=person,
                                      lines=[(item_get(data["item"]), data["quantity"])],
                                      occurred_on=data["occurred_on"], reason=data["reason"], note=data["note"],
                                      by=request.user)

    posted = page_form_post(request, form, call)
    if posted:
        return redirect("supplies:voucher", pk=posted.result.pk)
    return redirect("supplies:location", pk=location.pk)


@login_required
def stock_card(request, pk: int, item_pk: int):
    location = location_get(request, pk)
    item = item_get(item_pk)
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
    reversal = page_form_post(request, ReverseForm(request.POST), lambda data: services.voucher_reverse(
        voucher=voucher, reason=data["reason"], by=request.user), done=_("Reversed."))
    return redirect("supplies:voucher", pk=reversal.result.pk if reversal else voucher.pk)
