"""Who may see and work at which checkpoints.

Scope is the usual union of subtrees (accounts.access), with one narrowing: a liaison's membership does
not open its whole subtree but only the sites the liaison is stationed at (Station) within it. Rows carry
both their site and its unit path, so the scope is a filter on either.
"""

from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import Q
from django.utils import timezone

from accounts.access import memberships_of
from accounts.roles import Role, role_grants
from core.fields import paths_minimal


@dataclass(frozen=True)
class SiteScope:
    """Subtrees (`paths is None`: everything) plus single sites (a liaison's stations)."""

    paths: tuple[str, ...] | None
    site_ids: frozenset[int] = frozenset()

    @property
    def everything(self) -> bool:
        return self.paths is None

    @property
    def empty(self) -> bool:
        return self.paths == () and not self.site_ids

    def q(self, path_field: str = "unit_path", site_field: str = "site_id") -> Q:
        """A filter keeping the rows in scope."""
        if self.paths is None:
            return Q()
        parts = [Q(**{f"{path_field}__under": p}) for p in self.paths]
        if self.site_ids:
            parts.append(Q(**{f"{site_field}__in": sorted(self.site_ids)}))
        if not parts:
            return Q(pk__in=[])
        return reduce(or_, parts)

    def covers(self, path: str | None, site_id: int | None = None) -> bool:
        if self.paths is None:
            return True
        if site_id is not None and site_id in self.site_ids:
            return True
        return bool(path) and any(path.startswith(p) for p in self.paths)

    def covers_subtree(self, path: str) -> bool:
        """Whether the whole subtree at `path` is in scope (not only stationed sites in it)."""
        return self.paths is None or any(path.startswith(p) for p in self.paths)


def site_scope(user, perm: str) -> SiteScope:
    """The user's scope for a checkpoints permission."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return SiteScope(())
    if user.is_superuser:
        return SiteScope(None)
    paths, liaison_paths = [], []
    for m in memberships_of(user):
        if not role_grants(m.role, perm):
            continue
        if m.role == Role.LIAISON:
            liaison_paths.append(m.unit_path)
        elif m.unit_id is None:
            return SiteScope(None)
        else:
            paths.append(m.unit_path)
    site_ids: frozenset[int] = frozenset()
    if liaison_paths:
        from checkpoints.models import Station

        now = timezone.now()
        stations = Station.objects.filter(user=user, start__lte=now).filter(Q(end__isnull=True) | Q(end__gt=now))
        site_ids = frozenset(sid for sid, path in stations.values_list("site_id", "unit_path")
                             if any(path.startswith(p) for p in liaison_paths))
    return SiteScope(tuple(paths_minimal(paths)), site_ids)


def site_require(user, perm: str) -> SiteScope:
    """The user's scope for `perm`, or 403 when it is empty."""
    from django.core.exceptions import PermissionDenied

    scope = site_scope(user, perm)
    if scope.empty:
        raise PermissionDenied
    return scope
