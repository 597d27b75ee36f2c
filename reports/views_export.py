"""Report files: a report as CSV, the day's forms of a unit as xlsx or DHIS2 JSON, and manual cells
uploaded from an xlsx in the exported layout. Scope as the report pages: 404 outside it."""

import datetime as dt
import json
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts import access
from accounts.roles import REPORTS_SUBMIT, REPORTS_VIEW
from core.errors import DomainError
from core.pages import page_call, page_day, page_error
from core.replicas import heavy_reads
from core.tabular import XLSX_TYPE, attachment, date_for_reader
from orgunits.models import OrgUnit
from reports import exporting, selectors, workbook_import


def _attachment(content: bytes, content_type: str, filename: str, fallback: str) -> HttpResponse:
    return attachment(HttpResponse(content, content_type=content_type), filename, fallback=fallback)


def _day_file(request, build: Callable[[OrgUnit, dt.date], HttpResponse],
              refused: Callable[[DomainError, dt.date], HttpResponse]) -> HttpResponse:
    """A file of a unit's day (?unit=CODE&day=, the unit in the user's REPORTS_VIEW scope, else 404): `build`'s
    answer, 400 for a day that cannot be read, `refused`'s when the day has nothing to give."""
    unit = access.unit_get_for_user(request.user, request.GET.get("unit", "").strip(), perm=REPORTS_VIEW)
    day = page_day(request, strict=True)
    if day is None:
        return HttpResponseBadRequest(_("The day is a date such as 2020-05-21."))
    try:
        return build(unit, day)
    except DomainError as exc:
        return refused(exc, day)


def _lock_version(text: str | None) -> int | None:
    try:
        return int(text or 0) or None
    except ValueError:
        return None


@login_required
@require_GET
@heavy_reads()
def submission_csv(request, pk: int):
    """One report as CSV."""
    submission = selectors.submission_get_for_user(request.user, pk)
    data = exporting.csv_for_submission(submission, user=request.user)
    return _attachment(data, exporting.CSV_TYPE, *exporting.csv_filename(submission))


@login_required
@require_GET
@heavy_reads()
def day_xlsx(request):
    """All forms of a unit for a day, one sheet each, in the official layout."""
    def build(unit, day):
        data = exporting.workbook_for_day(unit=unit, day=day, user=request.user)
        return _attachment(data, XLSX_TYPE, *exporting.workbook_filename(unit=unit, day=day))

    def refused(exc, day):
        page_error(request, exc)
        return redirect(f"{reverse('reports:today')}?day={day.isoformat()}")

    return _day_file(request, build, refused)


@login_required
@require_GET
@heavy_reads()
def day_json(request):
    """All forms of a unit for a day as DHIS2 dataValueSets JSON (identified by codes)."""
    def build(unit, day):
        data = exporting.data_value_sets(unit=unit, day=day, user=request.user)
        return _attachment(json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8"), "application/json",
                           f"{unit.name}-{date_for_reader(day)}-DHIS2.json",
                           f"dataValueSets-{unit.code}-{day.isoformat()}.json")

    def refused(exc, _day):
        return HttpResponse(json.dumps(exc.as_dict(), ensure_ascii=False), status=exc.status,
                            content_type="application/json")

    return _day_file(request, build, refused)


@login_required
@require_POST
def submission_manual_xlsx(request, pk: int):
    """Fill the manual cells of a draft from an uploaded xlsx in the exported layout."""
    submission = selectors.submission_get_for_user(request.user, pk, perm=REPORTS_SUBMIT)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose the xlsx file to import."))
        return redirect("reports:submission", pk=submission.pk)
    if upload.size > workbook_import.MAX_UPLOAD_BYTES:
        messages.error(request, _("The file is larger than %(mb)d MB.")
                       % {"mb": workbook_import.MAX_UPLOAD_BYTES // (1024 * 1024)})
        return redirect("reports:submission", pk=submission.pk)
    page_call(request, lambda: workbook_import.manual_cells_from_xlsx(
        submission=submission, data=upload.read(), by=request.user, name=upload.name,
        lock_version=_lock_version(request.POST.get("lock_version"))), done=lambda values: _(
            "Imported %(n)d manual cell(s) from the workbook.") % {"n": sum(len(cells) for cells in values.values())})
    return redirect("reports:submission", pk=submission.pk)
