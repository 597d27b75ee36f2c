"""Writing checked rows: new people inserted, existing ones updated where the file says something new.

New people go in with executemany on SQLite and COPY on PostgreSQL: Django's bulk_create builds a model
instance and runs every field's pre_save per row, measured five times slower. `BulkLoad` sets the table
up for a large load and refreshes the planner's statistics after it.
"""

import datetime as dt
import json
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_noop

from core.audit import audit_record, snapshot
from core.clock import day_start
from core.db import any_of, is_sqlite, rows_insert
from orgunits.models import OrgUnit
from persons.importing.check import (
    ADDRESS,
    BIRTH,
    CATEGORY,
    CATEGORY_START,
    CUSTOM,
    DOC_NUMBER,
    DOC_TYPE,
    GRID,
    INITIALS,
    LINE,
    NAME,
    NOTES,
    ORIGIN,
    PHONE,
    RELATION,
    SEX,
    STATUS,
)
from persons.importing.statuses import StatusWriter
from persons.models import Category, CategoryEpisode, ImportJob, Person
from persons.services import PERSON_AUDIT_FIELDS, _person_move

SQLITE_CACHE_MB = 48  # SQLite page cache while writing rows; counted in the import's memory (< 500 MB at 1M rows; 64 measured 502)
SQLITE_SORT_CACHE_MB = 16  # while building indexes: SQLite sorts in up to this much more (measured as fast as 128)
REBUILD_FROM = 100_000  # SQLite: a load this large, and at least as large as the table, rebuilds its indexes
SQLITE_ANALYSIS_LIMIT = 2000  # rows sampled per index by SQLite's ANALYZE after a large load
STATISTICS_FROM = 10_000  # people created before the planner's statistics are refreshed (and 10 % of the table)

_COMPARED = ("id", "doc_type", "doc_number", "name", "sex", "birth_date", "phone", "address", "grid_id",
             "household_relation", "notes", "custom")
_SUPPLIED = ("name", "name_initials", "sex", "birth_date", "doc_type", "doc_number", "doc_tail", "phone", "address",
             "grid", "unit_path", "household_relation", "notes", "custom", "created_at", "updated_at", "created_by")


def people_registered(records: list) -> dict[tuple[str, str], tuple[int, str]]:
    """(doc_type, doc_number) → (id, unit path) of the people already holding the documents of `records`.

    Plain SQL: the ORM's `__in` prepares each of the thousands of values one by one, which cost more than
    the query itself."""
    meta, quote = Person._meta, connection.ops.quote_name
    select = (f"SELECT {quote('doc_type')}, {quote('doc_number')}, {quote('id')}, {quote('unit_path')} "
              f"FROM {quote(meta.db_table)} WHERE {quote('doc_type')} = %s AND {quote('doc_number')}")
    found = {}
    with connection.cursor() as cursor:
        for doc_type, numbers in _by_doc_type(records).items():
            in_numbers, param = any_of(numbers)
            cursor.execute(f"{select} {in_numbers}", [doc_type, param])
            found.update(((t, n), (pk, path)) for t, n, pk, path in cursor.fetchall())
    return found


def _by_doc_type(records: list) -> dict[str, list[str]]:
    """Document numbers grouped by type (nearly always one type: resident IDs)."""
    types = {r[DOC_TYPE] for r in records}
    if len(types) <= 1:
        return {types.pop(): [r[DOC_NUMBER] for r in records]} if records else {}
    grouped: dict[str, list[str]] = {}
    for r in records:
        grouped.setdefault(r[DOC_TYPE], []).append(r[DOC_NUMBER])
    return grouped


@dataclass
class Writer:
    """Writes batches of checked rows inside the import's transaction; counts what it did."""

    job: ImportJob
    by: object
    grid_paths: dict[int, str]
    category_start: dt.datetime
    categories: bool  # the file has a category column
    statuses: bool = False  # the file has a management status column
    merging: set | None = None  # lines merged into an earlier row of the same person (not counted as updates)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    episodes: int = 0

    def __post_init__(self):
        meta = Person._meta
        others = [f for f in meta.concrete_fields if not f.primary_key and f.name not in _SUPPLIED]
        columns = [meta.get_field(n).column for n in _SUPPLIED] + [f.column for f in others]
        self.table, self.columns = meta.db_table, columns
        self.constants = tuple(f.get_db_prep_save(f.get_default(), connection) for f in others)
        # JSON as text, which both SQLite and COPY take; psycopg's Jsonb wrapper cost 30 µs a row in COPY.
        encoder = meta.get_field("custom").encoder
        self.json_text = lambda value: json.dumps(value, cls=encoder)
        self.empty_json = self.json_text({})
        self.now = connection.ops.adapt_datetimefield_value(timezone.now())
        # Birth dates travel as ISO text, which is what Django hands SQLite for a date anyway.
        self.date_param = str if is_sqlite() else dt.date.fromisoformat
        self.by_id = self.by.pk if self.by is not None else None
        self.note = gettext_noop("imported from a file")  # stored untranslated, translated when shown
        self.status_writer = StatusWriter(job=self.job, by=self.by, grid_paths=self.grid_paths,
                                          default_start=self.category_start, note=self.note)

    def write(self, batch: list, registered: dict[tuple[str, str], tuple[int, str]]) -> None:
        """Write `batch`; `registered` holds the people of its documents already on the list."""
        ids = {key: pk for key, (pk, _path) in registered.items()}
        existing = {}
        if ids:
            existing = {(row[1], row[2]): row for row in Person.objects.filter(pk__in=ids.values())
                        .values_list(*_COMPARED)}
        inserts, changes = [], []
        date_param, paths, now, by_id, constants = self.date_param, self.grid_paths, self.now, self.by_id, self.constants
        json_text, empty_json = self.json_text, self.empty_json
        for r in batch:
            old = existing.get((r[DOC_TYPE], r[DOC_NUMBER])) if existing else None
            if old is None:
                inserts.append((r[NAME], r[INITIALS], r[SEX], date_param(r[BIRTH]) if r[BIRTH] else None,
                                r[DOC_TYPE], r[DOC_NUMBER], r[DOC_NUMBER][-4:], r[PHONE], r[ADDRESS], r[GRID],
                                paths[r[GRID]], r[RELATION], r[NOTES],
                                json_text(r[CUSTOM]) if r[CUSTOM] else empty_json,
                                now, now, by_id, *constants))
                continue
            change = _differences(old, r)
            merged = self.merging is not None and r[LINE] in self.merging
            if change:
                changes.append((old[0], change, merged))
            elif not merged:
                self.unchanged += 1
        if inserts:
            with connection.cursor() as cursor:
                rows_insert(cursor, self.table, self.columns, inserts)
            self.created += len(inserts)
        if changes:
            self._update(changes)
        if self.categories and any(r[CATEGORY] for r in batch):
            self._categories([r for r in batch if r[CATEGORY]], ids)
        if self.statuses and any(r[STATUS] for r in batch):
            self.status_writer.write([r for r in batch if r[STATUS]], ids)

    def _update(self, changes: list[tuple[int, dict, bool]]) -> None:
        """Update changed people one by one, each audited with before and after (as person_update does)."""
        people = Person.objects.select_for_update().in_bulk([pk for pk, _c, _m in changes])
        grids = OrgUnit.objects.in_bulk({c["grid_id"] for _pk, c, _m in changes if "grid_id" in c})
        for pk, change, _merged in changes:
            person = people[pk]
            before = snapshot(person, PERSON_AUDIT_FIELDS)
            grid_id = change.pop("grid_id", None)
            for key, value in change.items():
                setattr(person, key, value)
            if grid_id is not None:
                _person_move(person, grids[grid_id], by=self.by)
            person.version += 1
            person.save()
            audit_record(actor=self.by, action="update", obj=person, unit_path=person.unit_path, before=before,
                         after={**snapshot(person, PERSON_AUDIT_FIELDS), "import_job": self.job.pk}, note=self.note)
        self.updated += sum(1 for _pk, _c, merged in changes if not merged)

    def _categories(self, rows: list, existing: dict) -> None:
        """Open the category named on each row unless the person already holds it."""
        ids = dict(existing)
        for doc_type, numbers in _by_doc_type([r for r in rows if (r[DOC_TYPE], r[DOC_NUMBER]) not in ids]).items():
            ids.update(((doc_type, n), pk) for n, pk in Person.objects.filter(
                doc_type=doc_type, doc_number__in=numbers).values_list("doc_number", "id"))
        wanted = {(ids[(r[DOC_TYPE], r[DOC_NUMBER])], r[CATEGORY]): r for r in rows}
        held = set(CategoryEpisode.objects.filter(person_id__in={p for p, _c in wanted}, end__isnull=True,
                                                  category_id__in={c for _p, c in wanted})
                   .values_list("person_id", "category_id"))
        episodes = CategoryEpisode.objects.bulk_create(
            [CategoryEpisode(person_id=pk, category_id=category, start=self._start(r), origin=r[ORIGIN] or "",
                             unit_path=self.grid_paths[r[GRID]], created_by=self.by)
             for (pk, category), r in wanted.items() if (pk, category) not in held], batch_size=500)
        self.episodes += len(episodes)
        known = set(existing.values())
        changed = [e for e in episodes if e.person_id in known]
        if changed:  # a change to someone already on the list; new people are in the job's entry
            names = dict(Person.objects.filter(pk__in={e.person_id for e in changed}).values_list("id", "name"))
            categories = dict(Category.objects.values_list("id", "name_zh"))
            for e in changed:
                audit_record(actor=self.by, action="create", obj=e, unit_path=e.unit_path,
                             after={**snapshot(e), "import_job": self.job.pk},
                             object_repr=f"{names[e.person_id]} · {categories[e.category_id]}", note=self.note)

    def _start(self, row) -> dt.datetime:
        if row[CATEGORY_START] is None:
            return self.category_start
        return day_start(row[CATEGORY_START])


def _differences(old: tuple, r: tuple) -> dict:
    """The fields a row changes on an existing person. A blank cell, or a column the file lacks,
    leaves the stored value alone: an import adds what it knows and never erases what others entered."""
    change = {}
    if r[NAME] != old[3]:
        change["name"], change["name_initials"] = r[NAME], r[INITIALS]
    if r[SEX] != "U" and r[SEX] != old[4]:
        change["sex"] = r[SEX]
    if r[BIRTH] is not None and (old[5] is None or r[BIRTH] != old[5].isoformat()):
        change["birth_date"] = dt.date.fromisoformat(r[BIRTH])
    for index, name, stored in ((PHONE, "phone", old[6]), (ADDRESS, "address", old[7]),
                                (RELATION, "household_relation", old[9]), (NOTES, "notes", old[10])):
        if r[index] and r[index] != stored:
            change[name] = r[index]
    if r[GRID] != old[8]:
        change["grid_id"] = r[GRID]
    if r[CUSTOM]:
        merged = {**(old[11] or {}), **{k: v for k, v in r[CUSTOM].items() if v is not None}}
        if merged != (old[11] or {}):
            change["custom"] = merged
    return change


class BulkLoad:
    """The person table made ready for a load inside the import's transaction, and the statistics after it.

    On SQLite: a larger page cache while writing (inserts at random keys into the indexes thrash the default
    2 MB), and, for a load of at least REBUILD_FROM rows that at least doubles the table, the secondary
    indexes dropped before and built again after it: inserting a million rows into an unindexed table and
    sorting each index once took half the time of keeping the indexes up to date row by row. The unique
    document index stays, so documents are still looked up and still cannot repeat. Everything happens in
    the import's transaction, so a rollback restores the indexes and other connections never see them gone.
    PostgreSQL keeps its indexes: dropping one there locks the table against readers until the commit.
    """

    def __init__(self, *, rows_expected: int):
        self.rows_expected = rows_expected
        self.sqlite = is_sqlite()
        self.table = connection.ops.quote_name(Person._meta.db_table)
        self.dropped: list[str] = []
        self.cache_before = None

    def __enter__(self) -> "BulkLoad":
        if not self.sqlite:
            return self
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            self.cache_before = cursor.fetchone()[0]
            cursor.execute(f"PRAGMA cache_size = {-1024 * SQLITE_CACHE_MB}")
            if self.rows_expected >= REBUILD_FROM:
                cursor.execute(f"SELECT COUNT(*) FROM {self.table}")
                if self.rows_expected >= cursor.fetchone()[0]:
                    cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                                   "AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%%'", [Person._meta.db_table])
                    indexes = cursor.fetchall()
                    for name, _sql in indexes:
                        cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
                    self.dropped = [sql for _name, sql in indexes]
        return self

    def finish(self, *, created: int, episodes: int) -> None:
        """Before the commit: build the dropped indexes again; refresh statistics after a large load."""
        with connection.cursor() as cursor:
            if self.dropped:  # the workers have ended: SQLite may sort on a second core
                cursor.execute(f"PRAGMA cache_size = {-1024 * SQLITE_SORT_CACHE_MB}")
                cursor.execute("PRAGMA threads = 1")
            for sql in self.dropped:
                cursor.execute(sql)
            if self.dropped:
                cursor.execute("PRAGMA threads = 0")
            self.dropped = []
            if created < STATISTICS_FROM:
                return
            if self.sqlite:
                cursor.execute(f"SELECT COUNT(*) FROM {self.table}")
                before = cursor.fetchone()[0] - created
            else:  # the planner's estimate, as of the last ANALYZE: cheap, and exact enough here
                cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [Person._meta.db_table])
                before = max(int(cursor.fetchone()[0]), 0)
            # The list page's plan depends on them: without statistics SQLite took 111 s for a page of a
            # million people. The threshold follows PostgreSQL's autovacuum (10 % of the table).
            if created >= before // 10:
                if self.sqlite:  # statistics from a sample of each index, as `PRAGMA optimize` takes them
                    cursor.execute(f"PRAGMA analysis_limit = {SQLITE_ANALYSIS_LIMIT}")
                cursor.execute(f"ANALYZE {self.table}")
                if episodes >= STATISTICS_FROM:
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(CategoryEpisode._meta.db_table)}")
                if self.sqlite:
                    cursor.execute("PRAGMA analysis_limit = 0")

    def __exit__(self, *exc) -> None:
        if self.cache_before is not None:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size = {int(self.cache_before)}")
