"""Intake endpoints: a person's self-report link, made and revoked with the same services and scope as the pages."""

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema, Status

from accounts.roles import PERSONS_EDIT
from intake import qr, selectors, services
from persons import selectors as person_selectors

router = Router(tags=["intake"])


class SelfReportLinkOut(Schema):
    id: int
    person_id: int
    url: str
    expires_at: dt.datetime
    revoked: bool


def _out(request, link) -> dict:
    return {"id": link.pk, "person_id": link.person_id, "expires_at": link.expires_at,
            "url": qr.public_url(request, "intake:self_report", link.token), "revoked": link.revoked_at is not None}


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
