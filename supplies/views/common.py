"""What the supplies pages look up the same way: an item, a location in the user's scope, what the user may do
at a place."""

from accounts import access
from accounts.roles import SUPPLIES_APPROVE, SUPPLIES_POST, SUPPLIES_REQUEST, SUPPLIES_VIEW
from supplies import selectors
from supplies.models import Item, Location

K = Location.Kind


def item_get(pk) -> Item:
    return selectors.item_get(pk)


def location_get(request, pk, *, perm: str = SUPPLIES_VIEW) -> Location:
    """A location the form names, in the user's scope (404 otherwise)."""
    return selectors.location_get_for_user(request.user, pk, perm=perm)


def perms_of(user, path: str) -> dict:
    return {name: access.scope_for(user, perm).covers(path) for name, perm in
            (("can_post", SUPPLIES_POST), ("can_approve", SUPPLIES_APPROVE), ("can_request", SUPPLIES_REQUEST))}
