"""Exports of a filtered person list (xlsx, csv): masked unless the user may export in full there;
every export audited with its filter and row count, and the people it held (persons.access_log).

Each row carries the categories and management status (with the time it began) the person holds now, as
the list page shows them. They are read a chunk of people at a time, two queries per chunk whatever the
number of rows, so the export streams at the pace of the list."""

import datetime as dt
from collections.abc import Iterable, Iterator

from django.db import transaction
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.access import scope_for
from accounts.roles import PERSONS_EXPORT_FULL
from core.audit import audit_record
from core.tabular import date_for_reader, table_stream
from persons.access_log import disclosures_record
from persons.identity import mask_doc, mask_phone
from persons.models import Category, CategoryEpisode, CustomField, ManagementStatus, Person, StatusEpisode
from persons.selectors import open_at

CHUNK = 2000  # people read, and their categories and status looked up, at a time


def _columns(custom_fields: list[CustomField]) -> list[str]:
    # The import leaves the state columns (persons.importing.columns): an export imports back unchanged.
    return [_("full name"), _("sex"), _("birth date"), _("document type"), _("document number"), _("mobile phone"),
            _("current address"), _("grid code"), _("grid"), _("relation to household head"), _("notes"),
            _("current categories"), _("current management status"), _("status since"),
            *[f.display_label for f in custom_fields]]


def _chunks(people: Iterable[Person]) -> Iterator[list[Person]]:
    chunk = []
    for person in people:
        chunk.append(person)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _since(current: dict[int, StatusEpisode]) -> dict[int, dt.datetime]:
    """When each person's status began: the start of its episode, or, for an episode continued after a move or
    a merge, of the first episode it continues (such episodes are few: one query for the chunk's)."""
    since = {pk: e.start for pk, e in current.items()}
    continued = {pk: e for pk, e in current.items() if e.continued}
    if not continued:
        return since
    earlier: dict[int, dict[dt.datetime, StatusEpisode]] = {}
    for e in StatusEpisode.objects.filter(person_id__in=list(continued), end__isnull=False).only(
            "person_id", "status_id", "start", "end", "continued"):
        earlier.setdefault(e.person_id, {})[e.end] = e
    for pk, episode in continued.items():
        ended = earlier.get(pk, {})
        while episode.continued:
            previous = ended.pop(episode.start, None)
            if previous is None or previous.status_id != episode.status_id:
                break
            episode = previous
        since[pk] = episode.start
    return since


def _names() -> tuple[dict[int, str], dict[int, str]]:
    """The names of the categories (in their order) and of the statuses, in the reader's language."""
    return ({c.pk: c.name for c in Category.objects.all()}, {s.pk: s.name for s in ManagementStatus.objects.all()})


def _states(people: list[Person], *, at: dt.datetime, categories: dict, statuses: dict) -> dict[int, list]:
    """{person id: [categories, status, since]} at `at` for a chunk of people, in two queries."""
    ids = [p.pk for p in people]
    held: dict[int, list[str]] = {}
    for pk, category in (CategoryEpisode.objects.filter(open_at(at), person_id__in=ids).order_by()
                         .values_list("person_id", "category_id")):
        held.setdefault(pk, []).append(category)
    current = {e.person_id: e for e in StatusEpisode.objects.filter(open_at(at), person_id__in=ids).order_by("start")
               .only("person_id", "status_id", "start", "continued")}
    since = _since(current)
    rank = {pk: i for i, pk in enumerate(categories)}
    states = {}
    for pk in ids:
        names = "、".join(categories[c] for c in sorted(held.get(pk, ()), key=rank.__getitem__))
        episode = current.get(pk)
        began = timezone.localtime(since[pk]).strftime("%Y-%m-%d %H:%M") if episode is not None else ""
        states[pk] = [names, statuses[episode.status_id] if episode is not None else "", began]
    return states


def _rows(qs, *, full_scope, custom_fields, at: dt.datetime, names: tuple[dict, dict]):
    categories, statuses = names
    people = qs.select_related("grid").order_by("unit_path", "id").iterator(chunk_size=CHUNK)
    for chunk in _chunks(people):
        states = _states(chunk, at=at, categories=categories, statuses=statuses)
        for p in chunk:
            full = full_scope.covers(p.unit_path)
            yield [p.name, p.get_sex_display(), p.birth_date.isoformat() if p.birth_date else "",
                   p.get_doc_type_display(), p.doc_number if full else mask_doc(p.doc_number),
                   p.phone if full else mask_phone(p.phone), p.address, p.grid.code, p.grid.name,
                   p.get_household_relation_display() if p.household_relation else "", p.notes, *states[p.pk],
                   *[_cell(p.custom.get(f.key)) for f in custom_fields]]


def _cell(value):
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    return "" if value is None else value


def persons_export(*, user, qs, fmt: str, filters: dict) -> StreamingHttpResponse:
    """Stream the people of `qs` as xlsx or csv, each with the categories and status held now (as the list page
    shows them, whatever day the list was filtered for), and record the export in the audit log."""
    custom_fields = list(CustomField.objects.filter(active=True))
    full_scope = scope_for(user, PERSONS_EXPORT_FULL)
    count = qs.count()
    with transaction.atomic():  # the entry names no person: each person exported is listed with it
        entry = audit_record(actor=user, action="export", object_type="persons.person",
                             object_repr=gettext_noop("person list"), unit_path=filters.get("unit_path", ""),
                             after={"format": fmt, "rows": count, "filters": filters, "full": not full_scope.empty})
        disclosures_record(entry=entry, people=qs)
    now = timezone.localtime()
    return table_stream(header=_columns(custom_fields),
                        rows=_rows(qs, full_scope=full_scope, custom_fields=custom_fields, at=now, names=_names()),
                        fmt=fmt,
                        filename=f"{_('person list')}-{date_for_reader(now.date())}-{now:%H%M}",
                        fallback=f"persons-{now:%Y%m%d-%H%M}", sheet=_("people"))
