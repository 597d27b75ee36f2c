"""Who viewed or exported a person's data: the audit entries about the person (their page, the API,
contact tracing), and the audited lists and exports that included them (PersonDisclosure rows)."""

import os
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _

from accounts.access import scope_for
from accounts.roles import AUDIT_VIEW
from core.audit import audit_record
from core.audit import note_text as audit_note_text
from core.fields import SEPARATOR
from core.models import AuditEntry
from core.pagination import Page, keyset_page
from persons.disclosure import CHANNELS
from persons.models import Person, PersonDisclosure, PersonMerge

ACCESS_ACTIONS = (AuditEntry.Action.VIEW, AuditEntry.Action.EXPORT)


def disclosures_record(*, entry: AuditEntry, people: QuerySet[Person] | Iterable[int]) -> int:
    """Record that the people of `people` (a queryset, inserted in one INSERT … SELECT, or ids) were in
    the list or export that `entry` audits; return how many rows were written."""
    if isinstance(people, QuerySet):
        sql, params = people.order_by().values(listed_id=F("pk")).query.sql_with_params()
        table = connection.ops.quote_name(PersonDisclosure._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {table} (entry_id, person_id) SELECT %s, listed.listed_id FROM ({sql}) listed",
                           [entry.pk, *params])
            return max(cursor.rowcount, 0)
    rows = [PersonDisclosure(entry=entry, person_id=pk) for pk in dict.fromkeys(people)]
    PersonDisclosure.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def common_path(paths: Iterable[str]) -> str:
    """The deepest unit path above every path given ("" when they share none)."""
    prefix = os.path.commonprefix(list(paths))
    return prefix[: prefix.rfind(SEPARATOR) + 1]


def people_viewed_record(*, user, people: list[Person], object_repr: str, note: str = "") -> AuditEntry | None:
    """Audit one view of a list of people shown unmasked, and which people it showed."""
    if not people:
        return None
    with transaction.atomic():
        entry = audit_record(actor=user, action=AuditEntry.Action.VIEW, object_type="persons.person",
                             object_repr=object_repr, unit_path=common_path(p.unit_path for p in people),
                             after={"people": len(people)}, note=note)
        disclosures_record(entry=entry, people=[p.pk for p in people])
    return entry


def person_access_log(person: Person, *, cursor: str | None, size: int = 50) -> Page:
    """The views and exports of `person`'s data (and of records merged into them), newest first, a page
    at a time."""
    ids = [str(person.pk), *(str(i) for i in PersonMerge.objects.filter(kept=person).values_list("dropped_id",
                                                                                                 flat=True))]
    listed = PersonDisclosure.objects.filter(person=person).values("entry_id")
    qs = (AuditEntry.objects.filter(Q(object_type="persons.person", object_id__in=ids, action__in=ACCESS_ACTIONS)
                                    | Q(pk__in=listed))
          .select_related("actor"))
    return keyset_page(qs, order=("-at", "-id"), cursor=cursor, size=size)


def access_how(entry: AuditEntry) -> str:
    """Where the data was seen: the person's own page or record, or a list or export that held them."""
    if entry.object_id:
        return audit_note_text(entry.note or CHANNELS[""])
    what = _(entry.object_repr) if entry.object_repr else _("a list of people")
    after = entry.after or {}
    if entry.action == AuditEntry.Action.EXPORT and "rows" in after:
        return _("%(what)s (%(format)s, rows: %(rows)s)") % {"what": what, "format": str(after.get("format", "")).upper(),
                                                              "rows": after["rows"]}
    return what


def person_access_read(user, person: Person, *, cursor: str | None) -> Page:
    """The access log of `person` as `user` reads it (the caller checks they may: audit.view over the person), a
    page at a time: each entry with `how` the data was seen and `can_open`, whether `user` may open it in the
    audit log."""
    page = person_access_log(person, cursor=cursor)
    audit_scope = scope_for(user, AUDIT_VIEW)
    for entry in page.items:
        entry.can_open = audit_scope.covers(entry.unit_path)
        entry.how = access_how(entry)
    return page
