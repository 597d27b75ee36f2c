"""What several tracing pages offer or check the same way: the places, units and workers a form lists, and the
rule for what the viewer may see of a person."""

from accounts import access
from accounts.models import Membership, User
from accounts.roles import PERSONS_EDIT, TRACING_TASKS, TRACING_VIEW
from orgunits.models import OrgUnit, Site
from persons.disclosure import Disclosure


def hospitals(user) -> list[Site]:
    return list(Site.objects.filter(access.scope_for(user, TRACING_VIEW).q(), kind=Site.Kind.HOSPITAL)
                .order_by("name")[:500])


def sites(user) -> list[Site]:
    return list(Site.objects.filter(access.scope_for(user, TRACING_VIEW).q()).order_by("unit_path", "name")[:1000])


def communities(user) -> list[OrgUnit]:
    return list(OrgUnit.objects.filter(access.scope_for(user, TRACING_VIEW).q("path"),
                                       kind__in=[OrgUnit.Kind.COMMUNITY, OrgUnit.Kind.GRID]).order_by("path")[:2000])


def grids(user) -> list[OrgUnit]:
    return list(OrgUnit.objects.filter(access.scope_for(user, PERSONS_EDIT).q("path"),
                                       kind__in=[OrgUnit.Kind.GRID, OrgUnit.Kind.COMMUNITY]).order_by("path")[:2000])


def workers(user) -> list[User]:
    """Users who work (tracing.edit) somewhere in the manager's task scope, for assignee lists."""
    scope = access.scope_for(user, TRACING_TASKS)
    memberships = Membership.objects.filter(scope.q()) if not scope.everything else Membership.objects.all()
    ids = memberships.filter(unit__isnull=False).values("user_id")
    users = User.objects.filter(pk__in=ids, is_active=True).order_by("username")[:500]
    return list(users)


def disclosure(request) -> Disclosure:
    """What the viewer may see of the people on a tracing page: the rule the API follows too."""
    return Disclosure(request.user, perm=TRACING_VIEW)


def site_or_none(user, pk) -> Site | None:
    return access.site_get_for_user(user, pk, perm=TRACING_VIEW) if pk else None


def unit_param(request) -> OrgUnit | None:
    """The unit of ?unit=CODE within the user's tracing scope (404 outside it), or None."""
    code = request.GET.get("unit", "").strip()
    return access.unit_get_for_user(request.user, code, perm=TRACING_VIEW) if code else None
