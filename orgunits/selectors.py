"""Reads of the administrative tree: ancestors, children, subtrees, the top of a scope and the way down.
Callers pass a Scope (accounts.access), or its `covers`, to stay within it."""

from collections.abc import Callable, Iterable

from django.db.models import Count, Q

from orgunits.models import OrgUnit, Site


def unit_ancestors(unit: OrgUnit, covers: Callable[[str], bool] | None = None) -> list[OrgUnit]:
    """The unit's ancestors that `covers(path)` admits (all without it), root first (one indexed query on the
    codes in its path)."""
    ancestors = OrgUnit.objects.filter(code__in=unit.ancestor_codes).order_by("depth")
    return [a for a in ancestors if covers is None or covers(a.path)]


def unit_top_of_scope(paths: tuple[str, ...] | None) -> OrgUnit | None:
    """The first unit of a scope's paths (its first subtree's root; the tree's first root for a whole-tree
    scope, `None`), or None for an empty scope."""
    if paths is None:
        return OrgUnit.objects.filter(parent__isnull=True).order_by("path").first()
    return OrgUnit.objects.filter(path=paths[0]).first() if paths else None


def units_below(unit: OrgUnit, paths: Iterable[str]) -> list[OrgUnit]:
    """The children of `unit` with one of `paths` at or under them (the way down towards those units)."""
    paths = [p for p in paths if p != unit.path]
    return [c for c in unit.children.order_by("code") if any(p.startswith(c.path) for p in paths)]


def unit_children(unit: OrgUnit):
    """The unit's direct children with their own child counts."""
    return unit.children.annotate(n_children=Count("children")).order_by("code")


def unit_subtree(unit: OrgUnit, *, kind: str | None = None):
    """Every unit under `unit` (itself included): one prefix match on the path index."""
    qs = OrgUnit.objects.filter(path__under=unit.path)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def scope_roots(scope) -> list[OrgUnit]:
    """The units at the top of a scope (for a whole-tree scope, the provinces)."""
    if scope.everything:
        return list(OrgUnit.objects.filter(parent__isnull=True).order_by("code"))
    return list(OrgUnit.objects.filter(path__in=scope.paths).order_by("path"))


def units_search(scope, *, q: str, kind: str | None = None, limit: int = 30) -> list[OrgUnit]:
    """Units in scope whose name contains `q` or whose code starts with it."""
    q = q.strip()
    if not q:
        return []
    qs = OrgUnit.objects.filter(scope.q("path")).filter(Q(name__contains=q) | Q(code__startswith=q))
    if kind:
        qs = qs.filter(kind=kind)
    return list(qs.order_by("depth", "code")[:limit])


def path_names(paths: list[str]) -> dict[str, str]:
    """Map each path to its readable form, e.g. 湖南省 › 娄底市 › 娄星区 (one query for all)."""
    codes = {c for p in paths for c in p.split("/") if c}
    names = dict(OrgUnit.objects.filter(code__in=codes).values_list("code", "name"))
    return {p: " › ".join(names.get(c, c) for c in p.split("/") if c) for p in paths}


def sites_of(unit: OrgUnit, *, subtree: bool = False):
    qs = Site.objects.filter(unit_path__under=unit.path) if subtree else unit.sites.all()
    return qs.select_related("unit").order_by("unit_path", "name")

