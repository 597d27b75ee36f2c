"""The auditor's export of the audit checks' findings (CSV or XLSX), for the audit page and the API: the same
columns, and the same entry in the audit log."""

import datetime as dt

from django.http import HttpResponse
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.tabular import date_for_reader, table_download
from supplies.models import Voucher


def _finding_rows(results) -> list[list]:
    rows = []
    for check, findings in results:
        for f in findings:
            rows.append([check.code, str(check.title), f.day.isoformat() if f.day else "",
                         " ".join(Voucher(pk=v).number for v in f.vouchers), f.donation_id or "", f.location, f.item,
                         f.amount, f.message])  # the amount a number, so the sheet sums it
    return rows


def findings_export(*, results, scope, start: dt.date, end: dt.date, fmt: str, by) -> HttpResponse:
    """The findings of `audit_run` over start–end as a download in `fmt` (csv, xlsx); the export is audited."""
    header = [_("check code"), _("check"), _("date"), _("vouchers"), _("donation"), _("place"), _("item"),
              _("amount"), _("finding")]
    rows = _finding_rows(results)
    audit_record(actor=by, action="export", object_type="supplies.finding", object_repr=f"{start}–{end}",
                 unit_path=(scope.paths or ("",))[0],
                 after={"start": start.isoformat(), "end": end.isoformat(), "rows": len(rows), "format": fmt})
    return table_download(header=header, rows=rows, fmt=fmt, sheet=_("Findings"),
                          filename=_("Findings %(start)s–%(end)s") % {"start": date_for_reader(start),
                                                                     "end": date_for_reader(end)},
                          fallback=f"audit-{start:%Y%m%d}-{end:%Y%m%d}")
