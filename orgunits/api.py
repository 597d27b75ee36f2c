"""Org-unit endpoints: tree roots, a unit, its children, its subtree, search — all within scope."""

from django.http import HttpRequest
from ninja import Router, Status

from accounts import access
from accounts.roles import ORGUNITS_MANAGE, ORGUNITS_VIEW
from core.pagination import keyset_page
from orgunits import selectors, services
from orgunits.models import OrgUnit, Site
from orgunits.schemas import SiteOut, UnitCreateIn, UnitDetailOut, UnitOut, UnitPageOut

router = Router(tags=["orgunits"])


def _out(unit: OrgUnit) -> dict:
    codes = unit.ancestor_codes
    return {"code": unit.code, "name": unit.name, "kind": unit.kind, "parent_code": codes[-1] if codes else None,
            "path": unit.path, "depth": unit.depth}


def _site_out(site: Site) -> dict:
    return {"id": site.id, "unit_code": site.unit.code, "kind": site.kind, "name": site.name,
            "address": site.address, "contact_phone": site.contact_phone}


@router.get("/orgunits", response=list[UnitOut], summary="Top units of the caller's scope, or a search")
def units_list(request: HttpRequest, q: str = "", kind: str | None = None):
    """Without `q`: the roots of the caller's scope. With `q`: units whose name contains it or code starts with it."""
    scope = access.require(request.user, ORGUNITS_VIEW)
    units = selectors.units_search(scope, q=q, kind=kind, limit=50) if q else selectors.scope_roots(scope)
    return [_out(u) for u in units]


@router.get("/orgunits/{code}", response=UnitDetailOut)
def unit_get(request: HttpRequest, code: str):
    unit = access.unit_get_for_user(request.user, code, perm=ORGUNITS_VIEW)
    scope = access.scope_for(request.user, ORGUNITS_VIEW)
    return {**_out(unit), "ancestors": [_out(a) for a in selectors.unit_ancestors(unit) if scope.covers(a.path)],
            "n_children": unit.children.count()}


@router.get("/orgunits/{code}/children", response=list[UnitOut])
def unit_children(request: HttpRequest, code: str):
    unit = access.unit_get_for_user(request.user, code, perm=ORGUNITS_VIEW)
    return [_out(u) for u in selectors.unit_children(unit)]


@router.get("/orgunits/{code}/subtree", response=UnitPageOut)
def unit_subtree(request: HttpRequest, code: str, kind: str | None = None, cursor: str | None = None,
                 limit: int = 500):
    """The unit and everything under it, in path order, a page at a time (follow `next_cursor`)."""
    unit = access.unit_get_for_user(request.user, code, perm=ORGUNITS_VIEW)
    page = keyset_page(selectors.unit_subtree(unit, kind=kind), order=("path",), cursor=cursor,
                       size=max(1, min(limit, 2000)))
    return {"items": [_out(u) for u in page.items], "next_cursor": page.next_cursor}


@router.post("/orgunits/{code}/children", response={201: UnitOut})
def unit_child_create(request: HttpRequest, code: str, payload: UnitCreateIn):
    parent = access.unit_get_for_user(request.user, code, perm=ORGUNITS_MANAGE)
    unit = services.unit_create(parent=parent, code=payload.code, name=payload.name, kind=payload.kind,
                                by=access.request_user(request))
    return Status(201, _out(unit))


@router.get("/orgunits/{code}/sites", response=list[SiteOut])
def unit_sites(request: HttpRequest, code: str, subtree: bool = False):
    unit = access.unit_get_for_user(request.user, code, perm=ORGUNITS_VIEW)
    return [_site_out(s) for s in selectors.sites_of(unit, subtree=subtree)[:1000]]


@router.get("/sites/{site_id}", response=SiteOut)
def site_get(request: HttpRequest, site_id: int):
    return _site_out(access.site_get_for_user(request.user, site_id, perm=ORGUNITS_VIEW))
