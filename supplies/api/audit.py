"""The auditor's checks and their export, and the transparency list (publishing it; reading it needs no login)."""

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Status

from accounts import access
from accounts.roles import SUPPLIES_AUDIT, SUPPLIES_PUBLISH
from core.errors import DomainError
from supplies import selectors, services
from supplies.api.common import publication_out, router
from supplies.checks import Params, audit_run
from supplies.schemas import AuditOut, AuditQuery, PublicationOut, PublishIn
from supplies.services.findings import findings_export


def _audit_results(request: HttpRequest, q: AuditQuery):
    """The checks' findings over the range asked for, in the auditor's scope, with that scope."""
    scope = access.require(request.user, SUPPLIES_AUDIT)
    if q.end < q.start:
        raise DomainError("invalid_range", _("The range ends before it starts."), fields={"end": [_("Too early.")]})
    if q.end - q.start > dt.timedelta(days=3 * 366):  # as on the page: an audit reads every line of its range
        raise DomainError("invalid_range", _("At most three years at a time."),
                          fields={"end": [_("At most three years at a time.")]})
    only = [c.strip() for c in q.checks.split(",") if c.strip()] if q.checks else None
    return audit_run(scope=scope, start=q.start, end=q.end, only=only,
                     params=Params(hold_days=q.hold_days, receipt_days=q.receipt_days)), scope


@router.get("/supplies/audit", response=AuditOut, url_name="supply_audit",
            summary="Run the audit checks over a date range (auditors)")
def audit(request: HttpRequest, q: Query[AuditQuery]):
    results, _scope = _audit_results(request, q)
    return {"start": q.start, "end": q.end, "checks": [
        {"code": c.code, "title": str(c.title), "description": str(c.description),
         "findings": [{"day": f.day, "vouchers": f.vouchers, "message": f.message, "donation_id": f.donation_id,
                       "location": f.location, "item": f.item, "amount": f.amount} for f in findings]}
        for c, findings in results]}


@router.get("/supplies/audit/export", url_name="supply_audit_export",
            summary="The audit checks' findings over a date range as a CSV or XLSX file (`fmt`), as the audit page "
                    "exports them; the export is audited")
def audit_export(request: HttpRequest, q: Query[AuditQuery], fmt: Literal["csv", "xlsx"] = "csv"):
    results, scope = _audit_results(request, q)
    return findings_export(results=results, scope=scope, start=q.start, end=q.end, fmt=fmt, by=request.user)


@router.get("/supplies/transparency", response=list[PublicationOut], auth=None, url_name="supply_transparency",
            summary="The published lists of donations received (public, no login), newest first")
def transparency(request: HttpRequest, unit: str | None = None, limit: int = 10):
    return [publication_out(p) for p in
            selectors.publications_public(unit_code=unit or "")[:max(1, min(limit, 100))]]


@router.post("/supplies/publications", response={201: PublicationOut}, url_name="supply_publish",
             summary="Publish a unit's list of donations received")
def publish(request: HttpRequest, payload: PublishIn):
    access.require(request.user, SUPPLIES_PUBLISH)
    unit = access.unit_get_for_user(request.user, payload.unit, perm=SUPPLIES_PUBLISH)
    publication = services.transparency_publish(unit=unit, until=payload.until or timezone.localdate(),
                                                by=request.user)
    return Status(201, publication_out(publication))
