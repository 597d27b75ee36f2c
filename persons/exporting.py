"""Exports of a filtered person list (xlsx, csv): masked unless the user may export in full there;
every export audited with its filter and row count, and the people it held (persons.access_log)."""

from django.db import transaction
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.access import scope_for
from accounts.roles import PERSONS_EXPORT_FULL
from core.audit import audit_record
from core.tabular import table_stream
from persons.access_log import disclosures_record
from persons.identity import mask_doc, mask_phone
from persons.models import CustomField


def _columns(custom_fields: list[CustomField]) -> list[str]:
    return [_("full name"), _("sex"), _("birth date"), _("document type"), _("document number"), _("mobile phone"),
            _("current address"), _("grid code"), _("grid"), _("relation to household head"), _("notes"),
            *[f.display_label for f in custom_fields]]


def _rows(qs, *, full_scope, custom_fields):
    for p in qs.select_related("grid").order_by("unit_path", "id").iterator(chunk_size=2000):
        full = full_scope.covers(p.unit_path)
        yield [p.name, p.get_sex_display(), p.birth_date.isoformat() if p.birth_date else "",
               p.get_doc_type_display(), p.doc_number if full else mask_doc(p.doc_number),
               p.phone if full else mask_phone(p.phone), p.address, p.grid.code, p.grid.name,
               p.get_household_relation_display() if p.household_relation else "", p.notes,
               *[_cell(p.custom.get(f.key)) for f in custom_fields]]


def _cell(value):
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    return "" if value is None else value


def persons_export(*, user, qs, fmt: str, filters: dict) -> StreamingHttpResponse:
    """Stream the people of `qs` as xlsx or csv and record the export in the audit log."""
    custom_fields = list(CustomField.objects.filter(active=True))
    full_scope = scope_for(user, PERSONS_EXPORT_FULL)
    count = qs.count()
    with transaction.atomic():  # the entry names no person: each person exported is listed with it
        entry = audit_record(actor=user, action="export", object_type="persons.person",
                             object_repr=gettext_noop("person list"), unit_path=filters.get("unit_path", ""),
                             after={"format": fmt, "rows": count, "filters": filters, "full": not full_scope.empty})
        disclosures_record(entry=entry, people=qs)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return table_stream(header=_columns(custom_fields), rows=_rows(qs, full_scope=full_scope, custom_fields=custom_fields),
                        fmt=fmt, filename=f"persons-{stamp}", sheet=_("people"))
