"""The catalogue: items with their reference prices; for managers, adding items, prices and locations and
closing the books up to a day."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render

from accounts import access
from accounts.roles import SUPPLIES_MANAGE, SUPPLIES_VIEW
from core.pages import page_form_post
from supplies import services
from supplies.forms import FreezeForm, ItemForm, LocationForm, PriceForm
from supplies.models import Item, ItemPrice
from supplies.views.common import item_get


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
            page_form_post(request, ItemForm(request.POST, prefix="item"), lambda d: services.item_create(
                code=d["code"], name=d["name"], unit=d["unit"], spec=d["spec"], standard=d["standard"],
                by=request.user))
        elif action == "price":
            page_form_post(request, PriceForm(request.POST, prefix="price"), lambda d: services.item_price_set(
                item=item_get(d["item"]), valid_from=d["valid_from"], price=d["price"], source=d["source"],
                by=request.user))
        elif action == "location":
            page_form_post(request, LocationForm(request.POST, prefix="location"), lambda d: services.location_create(
                unit=access.unit_get_for_user(request.user, d["unit"].strip(), perm=SUPPLIES_MANAGE),
                kind=d["kind"], name=d["name"], by=request.user))
        elif action == "freeze":
            page_form_post(request, FreezeForm(request.POST, prefix="freeze"), lambda d: services.ledger_freeze(
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
