"""The access layer: what a user may see and touch. Every page and endpoint authorizes through here.

A user's scope for a permission is the union of the subtrees of the memberships whose role carries it.
Objects outside scope answer 404 (never 403), so their existence does not leak.
"""

from dataclasses import dataclass
from functools import cache, reduce
from operator import or_

from django.core.exceptions import PermissionDenied
from django.db import connections, router
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest

from accounts.models import Membership, User
from accounts.roles import RANK, USERS_MANAGE, role_grants
from core import plain_reads
from core.fields import paths_minimal
from core.models import AuditEntry
from orgunits.models import OrgUnit, Site
from orgunits.selectors import unit_top_of_scope


@dataclass(frozen=True)
class Scope:
    """A set of subtrees; `paths is None` means the whole tree."""

    paths: tuple[str, ...] | None

    @property
    def everything(self) -> bool:
        return self.paths is None

    @property
    def empty(self) -> bool:
        return self.paths == ()

    def q(self, field: str = "unit_path") -> Q:
        """A filter keeping the rows whose `field` (a materialised path) lies in scope."""
        if self.paths is None:
            return Q()
        if not self.paths:
            return Q(pk__in=[])
        return reduce(or_, (Q(**{f"{field}__under": p}) for p in self.paths))

    def covers(self, path: str | None) -> bool:
        if self.paths is None:
            return True
        if not path:
            return False
        return any(path.startswith(p) for p in self.paths)


def request_user(request: HttpRequest) -> User:
    """The signed-in user of a request that only signed-in users reach (the API's authentications,
    login_required); anyone else is refused."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user


def memberships_of(user) -> list[Membership]:
    """The user's memberships, read once per request (kept on the request's user object)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, "_fk_memberships", None)
    if cached is None:
        cached = user._fk_memberships = _memberships_read(user.pk)
    return cached


# Nearly every request reads the user's memberships: read as `Membership.objects.filter(user=user)
# .select_related("unit")` reads them, by a statement written once per process (core.plain_reads). Only the timestamps
# are left out: they stay deferred (read when asked for).
_MEMBERSHIP_FIELDS = ("id", "user_id", "role", "unit_id", "unit_path")
_UNIT_FIELDS = ("id", "code", "name", "kind", "parent_id", "path", "depth", "source")


@cache
def _memberships_sql() -> str:
    selected = plain_reads.columns(Membership, _MEMBERSHIP_FIELDS, "m") + plain_reads.columns(OrgUnit, _UNIT_FIELDS, "u")
    user, unit = plain_reads.columns(Membership, ["user_id", "unit_id"], "m")
    return (f"SELECT {', '.join(selected)} FROM \"{Membership._meta.db_table}\" m"
            f' LEFT JOIN "{OrgUnit._meta.db_table}" u ON {plain_reads.columns(OrgUnit, ["id"], "u")[0]} = {unit}'
            f" WHERE {user} = %s ORDER BY {plain_reads.ordering(Membership, 'm')}")


def _memberships_read(user_id: int) -> list[Membership]:
    alias = router.db_for_read(Membership)
    with connections[alias].cursor() as cursor:
        cursor.execute(_memberships_sql(), [user_id])
        rows = cursor.fetchall()
    return _memberships_from(rows, alias)


def _memberships_from(rows, alias: str) -> list[Membership]:
    """The memberships (with their units) in `rows`, each row a membership's fields and then its unit's; a row whose
    membership key is NULL (a user with none, read by an outer join) is none."""
    split = len(_MEMBERSHIP_FIELDS)
    rows = [row for row in rows if row[0] is not None]
    memberships = plain_reads.rows_as(Membership, _MEMBERSHIP_FIELDS, [row[:split] for row in rows], alias)
    units = plain_reads.rows_as(OrgUnit, _UNIT_FIELDS, [row[split:] for row in rows if row[split] is not None], alias)
    by_id = {unit.pk: unit for unit in units}
    for membership in memberships:
        Membership.unit.field.set_cached_value(membership, by_id.get(membership.unit_id))
    return memberships


@cache
def _user_sql() -> tuple[tuple[str, ...], str]:
    """The user's fields, and the statement reading the user with their memberships (one row per membership, one
    with NULLs for none), in the order _memberships_sql reads them."""
    fields = tuple(f.attname for f in User._meta.concrete_fields)
    selected = (plain_reads.columns(User, fields, "s") + plain_reads.columns(Membership, _MEMBERSHIP_FIELDS, "m")
                + plain_reads.columns(OrgUnit, _UNIT_FIELDS, "u"))
    user, unit = plain_reads.columns(Membership, ["user_id", "unit_id"], "m")
    key = plain_reads.columns(User, ["id"], "s")[0]
    return fields, (f"SELECT {', '.join(selected)} FROM \"{User._meta.db_table}\" s"
                    f' LEFT JOIN "{Membership._meta.db_table}" m ON {user} = {key}'
                    f' LEFT JOIN "{OrgUnit._meta.db_table}" u ON {plain_reads.columns(OrgUnit, ["id"], "u")[0]} = {unit}'
                    f" WHERE {key} = %s ORDER BY {plain_reads.ordering(Membership, 'm')}")


def user_with_memberships(user_id: int) -> User | None:
    """The user `user_id` (every field, as `User.objects.get` reads it) with their memberships kept for memberships_of,
    in one statement: every signed-in request reads both (accounts.backends.UserBackend). None if there is no such
    user."""
    alias = router.db_for_read(User)
    fields, sql = _user_sql()
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, [User._meta.pk.get_db_prep_value(int(user_id), connections[alias])])
        rows = cursor.fetchall()
    if not rows:
        return None
    split = len(fields)
    user = plain_reads.rows_as(User, fields, [rows[0][:split]], alias)[0]
    user._fk_memberships = _memberships_from([row[split:] for row in rows], alias)
    return user


def scope_for(user, perm: str) -> Scope:
    """The subtrees over which `user` holds `perm`."""
    if getattr(user, "is_authenticated", False) and user.is_active and user.is_superuser:
        return Scope(None)
    memberships = memberships_of(user)
    if not memberships:
        return Scope(())
    # A page asks for the same scopes many times (the menu, the checks, the forms): kept with the memberships
    # they were worked out from, for as long as those are kept (the request's user object).
    kept: tuple[list[Membership], dict[str, Scope]] | None = getattr(user, "_fk_scopes", None)
    if kept is None or kept[0] is not memberships:
        kept = user._fk_scopes = (memberships, {})
    scopes = kept[1]
    if perm not in scopes:
        scopes[perm] = _scope_of(memberships, perm)
    return scopes[perm]


def _scope_of(memberships: list[Membership], perm: str) -> Scope:
    paths = []
    for m in memberships:
        if role_grants(m.role, perm):
            if m.unit_id is None:
                return Scope(None)
            paths.append(m.unit_path)
    return Scope(tuple(paths_minimal(paths)))


def require(user, perm: str) -> Scope:
    """Return the user's scope for `perm`, or refuse (403) when the user holds it nowhere."""
    scope = scope_for(user, perm)
    if scope.empty:
        raise PermissionDenied
    return scope


def has_perm(user, perm: str) -> bool:
    return not scope_for(user, perm).empty


def rank_at(user, path: str, perm: str = USERS_MANAGE) -> int:
    """The highest rank among the user's memberships that carry `perm` and cover `path` (0 if none)."""
    if user.is_superuser:
        return max(RANK.values())
    ranks = [RANK[m.role] for m in memberships_of(user)
             if role_grants(m.role, perm) and (m.unit_id is None or path.startswith(m.unit_path))]
    return max(ranks, default=0)


def outranks(manager, target) -> bool:
    """Whether `manager` may act on the account `target` at all (edit its details, activate or deactivate it,
    change its e-mail or password, grant or remove its roles, revoke its tokens).

    For every role membership the target holds, the manager must hold users.manage over that membership's
    unit with a rank at least the membership's role's rank there (`rank_at`; a membership without unit — the
    whole tree — needs a whole-tree users.manage role of that rank). Memberships anywhere count, not only those
    inside the manager's scope: a grid worker of the manager's community who is also a street officer elsewhere
    is out of reach. Equal rank is enough (a community worker edits another community worker of the same
    community). Everyone acts on their own account, and superusers on every account; the target's memberships
    are read from the database, so a deactivated account keeps the rank of its roles.
    """
    if manager.is_superuser or manager.pk == target.pk:
        return True
    memberships = Membership.objects.filter(user=target).values_list("role", "unit_path")
    return all(rank_at(manager, path or "") >= RANK[role] for role, path in memberships)


def unit_get_for_user(user, code: str, *, perm: str) -> OrgUnit:
    """The unit with `code` if it lies in the user's scope for `perm`, else 404."""
    found = plain_reads.read(OrgUnit, where={"code": code}, related=("parent",))
    unit = found[0] if found else None
    if unit is None or not scope_for(user, perm).covers(unit.path):
        raise Http404
    return unit


def unit_or_top_for_user(user, code: str | None, *, perm: str) -> OrgUnit:
    """The unit with `code` in the user's scope for `perm` (404 outside it); without a code, the top of that scope
    (403 when the user has `perm` nowhere)."""
    if code:
        return unit_get_for_user(user, code, perm=perm)
    unit = unit_top_of_scope(require(user, perm).paths)
    if unit is None:
        raise Http404
    return unit


def site_get_for_user(user, pk: int, *, perm: str) -> Site:
    """The site `pk` if its unit lies in the user's scope for `perm`, else 404."""
    site = Site.objects.filter(pk=pk).select_related("unit").first()
    if site is None or not scope_for(user, perm).covers(site.unit_path):
        raise Http404
    return site


def users_in_scope(user) -> QuerySet[User]:
    """Users holding at least one membership inside the manager's users.manage scope."""
    scope = scope_for(user, USERS_MANAGE)
    if scope.everything:
        return User.objects.all()
    ids = Membership.objects.filter(scope.q()).values("user_id")
    return User.objects.filter(pk__in=ids)


def users_addressable(user, perm: str) -> QuerySet[User]:
    """The active accounts `user` may name in a request for an action under `perm` (an assignee, an observer,
    a liaison to station): those holding a membership inside the user's scope for `perm`, and the user
    themself. Any other account is answered for as one that does not exist (DESIGN invariant 8)."""
    scope = scope_for(user, perm)
    if scope.everything:
        return User.objects.filter(is_active=True)
    own = Q(pk=user.pk) if getattr(user, "pk", None) is not None else Q(pk__in=[])
    return User.objects.filter(Q(pk__in=Membership.objects.filter(scope.q()).values("user_id")) | own,
                               is_active=True)


def user_get_for_user(user, pk: int) -> User:
    """The account `pk` if the manager may see it (one of its memberships lies in scope), else 404."""
    target = users_in_scope(user).filter(pk=pk).first()
    if target is None:
        raise Http404
    return target


def membership_get_for_user(user, pk: int) -> Membership:
    """The membership `pk` if its unit lies in the manager's users.manage scope, else 404."""
    membership = Membership.objects.filter(pk=pk).select_related("user", "unit").first()
    scope = scope_for(user, USERS_MANAGE)
    if membership is None or not (scope.everything or scope.covers(membership.unit_path)):
        raise Http404
    return membership


def audit_entries_in_scope(user, perm: str) -> QuerySet[AuditEntry]:
    """Audit entries about objects in the user's scope (entries with no unit: whole-tree users only)."""
    return AuditEntry.objects.filter(scope_for(user, perm).q())


def audit_entry_get_for_user(user, pk: int, *, perm: str) -> AuditEntry:
    entry = audit_entries_in_scope(user, perm).filter(pk=pk).select_related("actor").first()
    if entry is None:
        raise Http404
    return entry
