"""Exports of a filtered person list (xlsx, csv): masked unless the user may export in full there;
every export audited with its filter and row count, and the people it held (persons.access_log).

Each row carries the categories and management status (with the time it began) the person holds now, as
the list page shows them. They are read a chunk of people at a time, two queries per chunk whatever the
number of rows, so the export streams at the pace of the list."""

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db import transaction
from django.db.models.expressions import RawSQL
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.access import scope_for
from accounts.roles import PERSONS_EXPORT_FULL
from core.audit import audit_record
from core.replicas import streamed
from core.tabular import date_for_reader, table_stream
from persons.access_log import disclosures_record
from persons.identity import mask_doc, mask_phone
from persons.models import Category, CategoryEpisode, CustomField, ManagementStatus, Person, StatusEpisode
from persons.selectors import open_at

CHUNK = 2000  # people read, and their categories and status looked up, at a time
EXPORTED_FIELDS = ("name", "sex", "birth_date", "doc_type", "doc_number", "phone", "address", "household_relation",
                   "notes", "custom", "unit_path", "grid__code", "grid__name")


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


def _since(current: dict[int, tuple]) -> dict[int, dt.datetime]:
    """When each person's status began: the start of its episode (status, start, continued), or, for an episode
    continued after a move, of the first episode it continues (such episodes are few: one query for the chunk's)."""
    since = {pk: start for pk, (_status, start, _continued) in current.items()}
    continued = [pk for pk, (_status, _start, was_continued) in current.items() if was_continued]
    if not continued:
        return since
    ended: dict[int, dict[dt.datetime, tuple]] = {}
    for pk, status, start, end, was_continued in (StatusEpisode.objects.filter(person_id__in=continued,
                                                                                end__isnull=False)
                                                  .values_list("person_id", "status_id", "start", "end", "continued")):
        ended.setdefault(pk, {})[end] = (status, start, was_continued)
    for pk in continued:
        status, start, was_continued = current[pk]
        while was_continued:
            previous = ended.get(pk, {}).pop(start, None)
            if previous is None or previous[0] != status:
                break
            _status, start, was_continued = previous
        since[pk] = start
    return since


@dataclass(frozen=True)
class Words:
    """The words an export writes, in the reader's language, looked up once for the whole file: a model's
    get_FOO_display translates every choice anew on each call, which took most of an export's time."""

    sex: dict
    doc_type: dict
    relation: dict
    categories: dict  # id: name, in the categories' order
    statuses: dict
    yes: str
    no: str


def words() -> Words:
    def labels(choices):
        return {value: str(label) for value, label in choices}

    return Words(sex=labels(Person.Sex.choices), doc_type=labels(Person.DocType.choices),
                 relation=labels(Person.Relation.choices) | {"": ""},
                 categories={c.pk: c.name for c in Category.objects.all()},
                 statuses={s.pk: s.name for s in ManagementStatus.objects.all()}, yes=_("yes"), no=_("no"))


def person_cells(p: Person, *, full: bool, words: Words) -> list:
    """A person's own columns, the document and phone masked unless `full`."""
    return [p.name, words.sex.get(p.sex, p.sex), p.birth_date.isoformat() if p.birth_date else "",
            words.doc_type.get(p.doc_type, p.doc_type), p.doc_number if full else mask_doc(p.doc_number),
            p.phone if full else mask_phone(p.phone), p.address, p.grid.code, p.grid.name,
            words.relation.get(p.household_relation, p.household_relation), p.notes]


def _chunk_of(people: list[Person]) -> RawSQL:
    """The ids of a chunk of people as a subquery, compiled once for both of the chunk's queries: Django prepares
    each value of a long IN list one by one, which took longer than the queries themselves, and more still for a
    foreign key's. (Bounds of the list order instead of ids would be shorter still, but SQLite reads the range of
    the list's unit filter rather than theirs, scanning the whole unit once per chunk.)"""
    sql, params = Person.objects.filter(pk__in=[p.pk for p in people]).values("pk").query.sql_with_params()
    return RawSQL(sql, params)


def _states(people: list[Person], *, at: dt.datetime, categories: dict, statuses: dict) -> dict[int, list]:
    """{person id: [categories, status, since]} at `at` for a chunk of people, in two queries."""
    ids = [p.pk for p in people]
    chunk = _chunk_of(people)
    held: dict[int, list[str]] = {}
    for pk, category in (CategoryEpisode.objects.filter(open_at(at), person_id__in=chunk).order_by()
                         .values_list("person_id", "category_id")):
        held.setdefault(pk, []).append(category)
    current = {pk: (status, start, continued) for pk, status, start, continued in (
        StatusEpisode.objects.filter(open_at(at), person_id__in=chunk).order_by("start")
        .values_list("person_id", "status_id", "start", "continued"))}
    since = _since(current)
    rank = {pk: i for i, pk in enumerate(categories)}
    states = {}
    for pk in ids:
        names = "、".join(categories[c] for c in sorted(held.get(pk, ()), key=rank.__getitem__))
        status = current.get(pk)
        if status is None:
            states[pk] = [names, "", ""]
        else:
            states[pk] = [names, statuses[status[0]], timezone.localtime(since[pk]).strftime("%Y-%m-%d %H:%M")]
    return states


def people_read(qs) -> Iterator[Person]:
    """The people of `qs` in list order, streamed, with only the fields the file shows."""
    return (qs.select_related("grid").only(*EXPORTED_FIELDS).order_by("unit_path", "id")
            .iterator(chunk_size=CHUNK))


def _rows(qs, *, full_scope, custom_fields, at: dt.datetime, words: Words):
    for chunk in _chunks(people_read(qs)):
        states = _states(chunk, at=at, categories=words.categories, statuses=words.statuses)
        for p in chunk:
            yield [*person_cells(p, full=full_scope.covers(p.unit_path), words=words), *states[p.pk],
                   *[_cell(p.custom.get(f.key), words) for f in custom_fields]]


def _cell(value, words: Words):
    if value is True:
        return words.yes
    if value is False:
        return words.no
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
    title = _("person list")  # outside the f-string, where makemessages finds it
    return table_stream(header=_columns(custom_fields),
                        # read as they stream, after the view returned, where the view's heavy reads are
                        rows=streamed(_rows(qs, full_scope=full_scope, custom_fields=custom_fields, at=now,
                                            words=words())),
                        fmt=fmt,
                        filename=f"{title}-{date_for_reader(now.date())}-{now:%H%M}",
                        fallback=f"persons-{now:%Y%m%d-%H%M}", sheet=_("people"))
