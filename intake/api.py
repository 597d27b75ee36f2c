"""Intake endpoints, with the same services and scope as the pages: the 待核实 queue and a declaration's confirm or
reject, posters made and revoked, a person's self-report link made and revoked."""

import datetime as dt

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from accounts import access
from accounts.roles import PERSONS_EDIT
from core.errors import DomainError
from intake import qr, selectors, services
from intake.models import Declaration
from persons import selectors as person_selectors
from persons.models import Category, ManagementStatus

router = Router(tags=["intake"])


class SelfReportLinkOut(Schema):
    id: int
    person_id: int
    url: str
    expires_at: dt.datetime
    revoked: bool


class DeclarationOut(Schema):
    id: int
    receipt: str
    unit: str
    reporter: str
    name: str
    doc_type: str
    doc_number: str  # masked unless the caller would see the registered person in full
    phone: str
    address: str
    origin: str
    arrived_on: dt.date
    symptoms: list[str]
    state: str
    person_id: int | None
    created_at: dt.datetime


class ConfirmIn(Schema):
    grid: str
    category: str
    status: str | None = None


class RejectIn(Schema):
    reason: str


class PosterIn(Schema):
    unit: str


class PosterOut(Schema):
    id: int
    unit: str
    url: str
    active: bool
    created_at: dt.datetime


def _out(request, link) -> dict:
    return {"id": link.pk, "person_id": link.person_id, "expires_at": link.expires_at,
            "url": qr.public_url(request, "intake:self_report", link.token), "revoked": link.revoked_at is not None}


def _declaration_out(user, declaration: Declaration) -> dict:
    shown = selectors.declaration_shown(user, declaration)
    return {"id": declaration.pk, "receipt": declaration.receipt, "unit": declaration.unit.code,
            "reporter": declaration.reporter, "name": declaration.name, "doc_type": declaration.doc_type,
            "doc_number": shown.doc_number, "phone": shown.phone, "address": declaration.address,
            "origin": declaration.origin, "arrived_on": declaration.arrived_on, "symptoms": declaration.symptoms,
            "state": declaration.state, "person_id": declaration.person_id, "created_at": declaration.created_at}


def _poster_out(request, poster) -> dict:
    return {"id": poster.pk, "unit": poster.unit.code, "active": poster.active, "created_at": poster.created_at,
            "url": qr.public_url(request, "intake:declare", poster.token)}


@router.post("/persons/{person_id}/self-report-link", response={201: SelfReportLinkOut},
             summary="A personal daily self-report link for a person managed at home (replaces an earlier one)")
def self_report_link_create(request: HttpRequest, person_id: int):
    person = person_selectors.person_get_for_user(request.user, person_id, perm=PERSONS_EDIT)
    return Status(201, _out(request, services.self_report_link_create(person=person, by=request.user)))


@router.post("/self-report-links/{link_id}/revoke", response=SelfReportLinkOut,
             summary="Stop a self-report link")
def self_report_link_revoke(request: HttpRequest, link_id: int):
    link = selectors.self_report_link_get_for_user(request.user, link_id)
    return _out(request, services.self_report_link_revoke(link=link, by=request.user))


@router.get("/declarations", response=list[DeclarationOut], url_name="declarations_queue",
            summary="待核实: the declarations waiting in the caller's units, oldest first (or those confirmed or "
                    "rejected, latest first)")
def declarations_queue(request: HttpRequest, state: Declaration.State = Declaration.State.PENDING):
    access.require(request.user, PERSONS_EDIT)
    limit = 300 if state == Declaration.State.PENDING else 20
    return [_declaration_out(request.user, d) for d in selectors.declarations_queue(request.user, state=state)[:limit]]


def _confirm_choices(payload: ConfirmIn) -> tuple[Category, ManagementStatus | None]:
    category = Category.objects.filter(code=payload.category, active=True).first()
    if category is None:
        message = _("The category %(code)s is not defined in the line list.") % {"code": payload.category}
        raise DomainError("unknown_category", message, fields={"category": [message]})
    if not payload.status:
        return category, None
    status = ManagementStatus.objects.filter(code=payload.status, needs_site=False, is_release=False).first()
    if status is None:
        message = _("This status is not given on confirming a declaration: set a quarantine site or a release on the "
                    "person's page.")
        raise DomainError("unknown_status", message, fields={"status": [message]})
    return category, status


@router.post("/declarations/{declaration_id}/confirm", response=DeclarationOut, url_name="declaration_confirm",
             summary="Put the declared person on the line list in a grid, under a category and status")
def declaration_confirm(request: HttpRequest, declaration_id: int, payload: ConfirmIn):
    declaration = selectors.declaration_get_for_user(request.user, declaration_id)
    grid = access.unit_get_for_user(request.user, payload.grid, perm=PERSONS_EDIT)
    if grid not in selectors.declaration_grids(request.user, declaration):
        message = _("Choose one of the grids of %(community)s.") % {"community": declaration.unit.name}
        raise DomainError("invalid_grid", message, fields={"grid": [message]})
    category, status = _confirm_choices(payload)
    services.declaration_confirm(declaration=declaration, grid=grid, category=category, status=status,
                                 by=request.user)
    return _declaration_out(request.user, selectors.declaration_get_for_user(request.user, declaration_id))


@router.post("/declarations/{declaration_id}/reject", response=DeclarationOut, url_name="declaration_reject",
             summary="Do not take a declaration up, with the reason")
def declaration_reject(request: HttpRequest, declaration_id: int, payload: RejectIn):
    declaration = selectors.declaration_get_for_user(request.user, declaration_id)
    services.declaration_reject(declaration=declaration, reason=payload.reason, by=request.user)
    return _declaration_out(request.user, selectors.declaration_get_for_user(request.user, declaration_id))


@router.post("/posters", response={201: PosterOut}, url_name="poster_create",
             summary="A declaration poster (its QR code's link) for one of the caller's communities or grids")
def poster_create(request: HttpRequest, payload: PosterIn):
    access.require(request.user, PERSONS_EDIT)
    unit = access.unit_get_for_user(request.user, payload.unit, perm=PERSONS_EDIT)
    return Status(201, _poster_out(request, services.poster_create(unit=unit, by=request.user)))


@router.post("/posters/{poster_id}/revoke", response=PosterOut, url_name="poster_revoke",
             summary="Stop a poster: its code leads nowhere from now on")
def poster_revoke(request: HttpRequest, poster_id: int):
    poster = selectors.poster_get_for_user(request.user, poster_id)
    services.poster_revoke(poster=poster, by=request.user)
    return _poster_out(request, selectors.poster_get_for_user(request.user, poster_id))
