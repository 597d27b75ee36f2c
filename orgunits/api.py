"""Org-unit endpoints: tree roots, a unit, its children, its subtree, search — all within scope; adding, renaming
and importing units, adding and changing sites, with the pages' services."""

from dataclasses import asdict

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Status, UploadedFile

from accounts import access
from accounts.roles import ORGUNITS_MANAGE, ORGUNITS_VIEW
from core.errors import DomainError
from core.pagination import keyset_page
from orgunits import selectors, services
from orgunits.models import OrgUnit, Site
from orgunits.schemas import (
    SiteIn,
    SiteOut,
    SitePatch,
    UnitCreateIn,
    UnitDetailOut,
    UnitImportOut,
    UnitOut,
    UnitPageOut,
    UnitRenameIn,
)

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


@router.post("/orgunits/{code}/rename", response=UnitOut, url_name="unit_rename",
             summary="Rename a unit (its code never changes)")
def unit_rename(request: HttpRequest, code: str, payload: UnitRenameIn):
    unit = access.unit_get_for_user(request.user, code, perm=ORGUNITS_MANAGE)
    return _out(services.unit_rename(unit=unit, name=payload.name, by=access.request_user(request)))


@router.post("/orgunits/{code}/imports", response=UnitImportOut, url_name="unit_import",
             summary="Import communities and grids under the unit from CSV or XLSX (编码, 名称, 上级编码, 类型): "
                     "every row checked first; nothing written when one is wrong unless keep_valid")
def unit_import(request: HttpRequest, code: str, file: File[UploadedFile | None] = None,
                keep_valid: Form[bool] = False):
    unit = access.unit_get_for_user(request.user, code, perm=ORGUNITS_MANAGE)
    if file is None:
        raise DomainError("no_file", _("Attach the file of communities and grids."), fields={"file": [_("Required.")]})
    result = services.units_import_below(unit=unit, covers=access.scope_for(request.user, ORGUNITS_MANAGE).covers,
                                         data=file.read(), name=file.name or "", by=access.request_user(request),
                                         keep_valid=keep_valid)
    return asdict(result)


@router.get("/orgunits/{code}/sites", response=list[SiteOut])
def unit_sites(request: HttpRequest, code: str, subtree: bool = False):
    unit = access.unit_get_for_user(request.user, code, perm=ORGUNITS_VIEW)
    return [_site_out(s) for s in selectors.sites_of(unit, subtree=subtree)[:1000]]


@router.post("/orgunits/{code}/sites", response={201: SiteOut}, url_name="unit_site_create",
             summary="Add a site (enterprise, checkpoint, hospital, quarantine hotel, warehouse) to the unit")
def unit_site_create(request: HttpRequest, code: str, payload: SiteIn):
    unit = access.unit_get_for_user(request.user, code, perm=ORGUNITS_MANAGE)
    return Status(201, _site_out(services.site_create(unit=unit, kind=payload.kind, name=payload.name,
                                                      address=payload.address, contact_phone=payload.contact_phone,
                                                      by=access.request_user(request))))


@router.get("/sites/{site_id}", response=SiteOut)
def site_get(request: HttpRequest, site_id: int):
    return _site_out(access.site_get_for_user(request.user, site_id, perm=ORGUNITS_VIEW))


@router.patch("/sites/{site_id}", response=SiteOut, url_name="site_patch",
              summary="Change a site's kind, name, address or phone (the fields sent)")
def site_patch(request: HttpRequest, site_id: int, payload: SitePatch):
    site = access.site_get_for_user(request.user, site_id, perm=ORGUNITS_MANAGE)
    return _site_out(services.site_update(site=site, data=payload.dict(exclude_unset=True),
                                          by=access.request_user(request)))
