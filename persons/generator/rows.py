"""Writing the drawn people, histories and checks set-based (COPY on PostgreSQL, executemany on SQLite)."""

import datetime as dt
import itertools
import re
import time

from django.db import connection, transaction
from django.utils.translation import gettext_noop

from core.audit import audit_record
from core.db import rows_insert, sqlite_cache, tables_analyze
from core.fields import SEPARATOR
from persons.generator.plan import (
    DAY,
    FEVER_SHARE,
    FLUSH_PEOPLE,
    HOUR,
    MISSED_SHARE,
    SCREENING,
    GenerateStats,
    PlanUnit,
    common_prefix,
)
from persons.generator.vocabulary import FOREIGN_NAMES, FOREIGN_PASSPORTS, GIVEN, SURNAMES
from persons.identity import pinyin_initials
from persons.models import CategoryEpisode, HealthCheck, Person, StatusEpisode


class Rows:
    """The run: rows of each unit's people collected and flushed in batches inside one transaction."""


    def run(self) -> GenerateStats:
        started = time.perf_counter()
        parsed = [re.fullmatch(r"(\D+)(\d+)", token).groups() for token in SURNAMES.split()]
        self.surnames = [s for s, _w in parsed]
        self.surname_weights = list(itertools.accumulate(int(w) for _s, w in parsed))
        self.given = {k: (share, *(chars.split() for chars in lists)) for k, (share, *lists) in GIVEN.items()}
        self.plan()
        self.sources: dict[int, tuple] = {}
        with transaction.atomic(), sqlite_cache(megabytes=512):
            self.issued = set(Person.objects.values_list("doc_number", flat=True).iterator(chunk_size=50_000))
            ids = self._reserve_ids(self.count)
            self._rows_reset()
            for u in self.units:
                self._unit_people(u, ids)
                if len(self.person_rows) >= FLUSH_PEOPLE:
                    self._flush()
            self._flush()
            self.stats.seconds = round(time.perf_counter() - started, 1)
            audit_record(actor=self.by, action="create", object_type="persons.person", object_id="generated",
                         object_repr=gettext_noop("generated people"),
                         unit_path=_common_path([u.unit.path for u in self.units]),
                         after={**self.stats.summary(), "seed": self.seed, "units": len(self.units)},
                         note=gettext_noop("deterministic generator"))
            if self.analyze:
                statistics_refresh()
        self.stats.seconds = round(time.perf_counter() - started, 1)
        return self.stats

    def _reserve_ids(self, n: int) -> list[int] | range:
        table = Person._meta.db_table
        with connection.cursor() as cursor:
            if self.pg:
                # The sequence named once: pg_get_serial_sequence in the select list would be looked up per row.
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
                cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [cursor.fetchone()[0], n])
                return [r[0] for r in cursor.fetchall()]
            # SQLite: the transaction holds the write lock (BEGIN IMMEDIATE), so the range stays ours.
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(table)}")
            top = cursor.fetchone()[0]
            return range(top + 1, top + 1 + n)

    def _unit_people(self, u: PlanUnit, ids):
        """The households of one unit: members share the address; children the father's surname."""
        rng = self.rng
        slot, end = u.first, u.first + u.size
        building_base = (u.grid_no - 1) * 12
        while slot < end:
            size = self.household[slot]
            if u.village:
                address = f"{u.address}{rng.randint(1, 12)}组{rng.randint(1, 60)}号"
            else:
                address = (f"{u.address}{building_base + rng.randint(1, 12)}栋{rng.randint(1, 4)}单元"
                           f"{rng.randint(1, 18)}{rng.randint(1, 4):02d}号")
            self.stats.households += 1
            if size == 1 and self.spec[slot] < 0 and slot not in self.dup_sources and rng.random() < 0.006:
                self._foreigner(u, ids, slot, address)
                slot += 1
                continue
            head_id, head_phone, head_surname, father_surname = ids[slot], "", None, None
            names: set[str] = set()  # nobody in a household is named like another member
            registered = self._registered_at()  # the household is registered at one visit
            for n, (relation, sex, age) in enumerate(self._household_members(size)):
                s = slot + n
                if s in self.dup_of:
                    self._duplicate(u, ids, s)
                    continue
                if relation in ("child", "grandchild"):
                    surname = father_surname or head_surname
                elif relation == "parent" and sex == "M":
                    surname = head_surname
                else:
                    surname = None
                phone, surname = self._person(u, ids, s, address, relation=relation if size > 1 else "", sex=sex,
                                              age=age, surname=surname, head=head_id if n else None,
                                              head_phone=head_phone, registered=registered, taken=names)
                if n == 0:
                    head_phone, head_surname = phone, surname
                if relation in ("head", "spouse") and sex == "M":
                    father_surname = surname
            slot += size

    def _person(self, u: PlanUnit, ids, slot: int, address: str, *, relation: str, sex: str, age: int,
                surname: str | None, head: int | None, head_phone: str, registered: int,
                taken: set[str]) -> tuple[str, str]:
        rng = self.rng
        birth = self._birth(age)
        surname, name = self._name(surname, sex, birth.year)
        while name in taken:
            surname, name = self._name(surname, sex, birth.year)
        taken.add(name)
        spec = self.specs[self.spec[slot]] if self.spec[slot] >= 0 else None
        source = slot in self.dup_sources
        abroad = spec is not None and spec[0] == "cohort" and spec[1].profile == "abroad"
        if self.dup_sources.get(slot) == "passport_near" or (abroad and rng.random() < 0.25):
            doc_type, doc = Person.DocType.PASSPORT, self._passport()
        else:
            doc_type, doc = Person.DocType.RESIDENT_ID, self._resident_id(u.county, birth, sex)
        if age < 14 and not source:  # children are reached on a parent's phone
            phone = head_phone if rng.random() < 0.7 else ""
        elif age >= 80 and not source:
            phone = self._phone() if rng.random() < 0.5 else ""
        else:
            phone = self._phone()
        history = self._history(spec, u) if spec is not None else None
        if history is not None:
            cats, statuses = self._clip(history[0], history[1])
            registered, fever_first = history[2], history[3]
        else:
            cats, statuses, fever_first = [], [], False
        registered = min(max(registered, self.start), self.stop - HOUR)
        self._person_row(ids[slot], name, sex, birth, doc_type, doc, phone, address, u, head, relation, registered)
        if source:
            self.sources[slot] = (name, sex, birth, phone, doc_type, doc, address)
        self._history_rows(ids[slot], u, cats, statuses, registered, fever_first)
        return phone, surname

    def _registered_at(self) -> int:
        """Most residents were registered in the door-to-door screening, the rest later."""
        screening = self.screening
        if screening[0] < screening[1] and (self.rng.random() < 0.8 or screening[1] >= self.stop):
            return self._draw_daytime(screening)
        return self._draw_daytime((max(screening[1], self.start), self.stop))

    def _foreigner(self, u: PlanUnit, ids, slot: int, address: str):
        rng = self.rng
        name = f"{rng.choice(FOREIGN_NAMES[0])} {rng.choice(FOREIGN_NAMES[1])}"
        sex, birth = rng.choice("MF"), self._birth(rng.randint(20, 60))
        doc = self._passport(rng.choice(FOREIGN_PASSPORTS))
        self._person_row(ids[slot], name, sex, birth, Person.DocType.PASSPORT, doc, self._phone(), address, u,
                         None, "", self._registered_at())

    def _duplicate(self, u: PlanUnit, ids, slot: int):
        """A second record of an earlier person, as a second registration would make it."""
        src_slot, kind = self.dup_of[slot]
        name, sex, birth, phone, doc_type, doc, address = self.sources[src_slot]
        if kind == "name_phone":  # registered again with a passport, birth date not taken
            birth, new_type, new_doc = None, Person.DocType.PASSPORT, self._passport()
        elif kind == "name_birth":  # registered again at another address with a passport and a new phone
            new_type, new_doc, phone = Person.DocType.PASSPORT, self._passport(), self._phone()
            address = self._unit_address(u)
        else:  # the passport number mistyped at one position, nothing else taken
            i = self.rng.randrange(1, len(doc))
            while True:
                new_doc = doc[:i] + self.rng.choice("0123456789".replace(doc[i], "")) + doc[i + 1:]
                if new_doc not in self.issued:
                    self.issued.add(new_doc)
                    break
            new_type, phone, birth = doc_type, "", None
        registered = self._draw_daytime((self.clock.at(SCREENING[1], end=True), self.stop))
        self._person_row(ids[slot], name, sex, birth, new_type, new_doc, phone, address, u, None, "", registered)
        self.stats.planted.append((ids[src_slot], ids[slot], kind))

    def _unit_address(self, u: PlanUnit) -> str:
        return f"{u.address}{(u.grid_no - 1) * 12 + self.rng.randint(1, 12)}栋"

    def _rows_reset(self):
        self.person_rows, self.category_rows, self.status_rows, self.check_rows = [], [], [], []

    def _ts(self, ts: int | None):
        """A moment as the database driver takes it (SQLite: Django's UTC text form)."""
        if ts is None:
            return None
        if self.pg:
            return dt.datetime.fromtimestamp(ts, dt.UTC)
        return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ts))

    def _person_row(self, pid, name, sex, birth, doc_type, doc, phone, address, u: PlanUnit, head, relation,
                    registered):
        at = self._ts(registered)
        self.person_rows.append((
            pid, name, pinyin_initials(name), sex, birth if self.pg or birth is None else birth.isoformat(),
            str(doc_type), doc, doc[-4:], phone, address, u.unit.pk, u.unit.path, head, relation, "", "{}", 1,
            at, at, None))
        self.stats.people += 1
        if self.stats.first_id is None:
            self.stats.first_id = pid
        self.stats.last_id = pid

    def _history_rows(self, pid: int, u: PlanUnit, cats: list, statuses: list, registered: int, fever_first: bool):
        path = u.unit.path
        for code, start, end, note in cats:
            self.category_rows.append((pid, self.categories[code], self._ts(start), self._ts(end), path, False,
                                       note, self._ts(max(start, registered)), None))
        for code, start, end, planned, site in statuses:
            self.status_rows.append((pid, self.status_ids[code], site, self._ts(start), self._ts(end),
                                     self._ts(planned), path, False, "", self._ts(max(start, registered)), None))
            if code in self.needs_checks:
                self._checks(pid, path, start, end if end is not None else self.stop, fever_first)
                fever_first = False
        self.stats.category_episodes += len(cats)
        self.stats.status_episodes += len(statuses)

    def _checks(self, pid: int, path: str, start: int, end: int, fever_first: bool):
        """One check a morning while the status lasts: mostly well, a few fevers, a few missed."""
        rng, end = self.rng, min(end, self.stop)
        day = self.clock.midnight(start)
        while day < end:
            at = day + 8 * HOUR + int(rng.random() * 3.5 * HOUR)
            day = self.clock.midnight(day + DAY + 2 * HOUR)
            if not start <= at < end:
                continue
            r = rng.random()
            symptoms, result, note = "[]", HealthCheck.Result.WELL, ""
            if fever_first or r < FEVER_SHARE:
                temp = rng.choice(self.fever_temps)
                symptoms = '["fever", "cough"]' if rng.random() < 0.4 else '["fever"]'
                result, fever_first = HealthCheck.Result.SYMPTOMS, False
            elif r < FEVER_SHARE + MISSED_SHARE:
                temp, result, note = None, HealthCheck.Result.MISSED, "电话未接通"
            else:
                temp = self.well_temps[int(rng.random() * len(self.well_temps))]
            flagged = temp is not None and temp >= self.threshold
            if flagged and result == HealthCheck.Result.WELL:  # a threshold set low: a fever is never "well"
                symptoms, result = '["fever"]', HealthCheck.Result.SYMPTOMS
            self.stats.fevers += flagged
            local_day = self.clock.date(at)
            self.check_rows.append((pid, self._ts(at), local_day if self.pg else local_day.isoformat(),
                                    temp if self.pg or temp is None else str(temp), symptoms, str(result),
                                    flagged, note, path, None, self._ts(at + self._draw(60, 1800))))
            self.stats.health_checks += 1

    def _flush(self):
        _insert(Person, ["id", "name", "name_initials", "sex", "birth_date", "doc_type", "doc_number", "doc_tail",
                         "phone", "address", "grid", "unit_path", "household_head", "household_relation", "notes",
                         "custom", "version", "created_at", "updated_at", "created_by"], self.person_rows)
        _insert(CategoryEpisode, ["person", "category", "start", "end", "unit_path", "continued", "note",
                                  "created_at", "created_by"], self.category_rows)
        _insert(StatusEpisode, ["person", "status", "site", "start", "end", "planned_end", "unit_path", "continued",
                                "note", "created_at", "created_by"], self.status_rows)
        _insert(HealthCheck, ["person", "checked_at", "check_date", "temperature", "symptoms", "result", "flagged",
                              "note", "unit_path", "recorded_by", "created_at"], self.check_rows)
        self._rows_reset()
        if self.progress:
            self.progress(self.stats.people, self.count)


def statistics_refresh() -> None:
    """ANALYZE the line-list tables: after a bulk load the query planner needs current statistics (without
    them SQLite answers a category filter by scanning the category's episodes once per person)."""
    tables_analyze(*(model._meta.db_table for model in (Person, CategoryEpisode, StatusEpisode, HealthCheck)))


def _common_path(paths: list[str]) -> str:
    prefix = paths[0]
    for p in paths[1:]:
        prefix = common_prefix(prefix, p)
    return prefix[: prefix.rfind(SEPARATOR) + 1]


def _insert(model, fields: list[str], rows: list[tuple]) -> None:
    """Insert `rows` (values in the order of `fields`) in one set-based statement stream."""
    if not rows:
        return
    with connection.cursor() as cursor:
        rows_insert(cursor, model._meta.db_table, [model._meta.get_field(f).column for f in fields], rows)
