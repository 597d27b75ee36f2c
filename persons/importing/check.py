"""Checking rows: cleaned without the database in worker processes, then resolved in order by the importer.

`RowCleaner` is pure (person_clean, grid codes and categories looked up in maps it carries), so that
`readers.rows_cleaned` can run it in other processes while this one writes. What needs the whole file or the
database stays here: `RowChecker` finds documents repeated within the file and names unknown grid codes.
"""

import datetime as dt
import gc
import hashlib
import marshal
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import NamedTuple

from django.utils import translation
from django.utils.translation import gettext as _

from core.tabular import cell_text, listed
from persons.identity import normalize_name
from persons.importing.columns import TITLES, Columns
from persons.importing.dates import date_cell
from persons.importing.lookups import Grids, unit_key
from persons.importing.seen import Seen
from persons.models import CustomField, Person
from persons.validation import person_clean


class Record(NamedTuple):
    """A checked row, by name. The cleaner makes plain tuples in this order (they travel between processes and a
    million of them are read by index: LINE, NAME, … below); `Record(*row)` reads one by name."""

    line: int
    name: str
    initials: str
    sex: str
    birth: str | None  # ISO date
    doc_type: str
    doc_number: str
    phone: str
    address: str
    grid: int | str | None  # the grid's id once resolved, else its code
    relation: str
    notes: str
    custom: dict | None
    category: int | None
    category_start: dt.date | None
    doc_key: int | None  # identifies the document for finding repeats; None when the document is wrong
    origin: str  # where an arrival came from
    status: int | None  # the management status's id
    site: int | None  # its quarantine site's id


# The index of each field of a checked row, for the hot path.
(LINE, NAME, INITIALS, SEX, BIRTH, DOC_TYPE, DOC_NUMBER, PHONE, ADDRESS, GRID, RELATION, NOTES, CUSTOM,
 CATEGORY, CATEGORY_START, DOC_KEY, ORIGIN, STATUS, SITE) = range(len(Record._fields))

_PLAIN = {member: member.value for member in Person.DocType}  # plain strings travel and spool cheaply


@contextmanager
def gc_relaxed() -> Iterator[None]:
    """Fewer garbage collections while rows stream: the heap already there (Django, the pinyin tables) frozen
    out of them and the young generation collected every 20,000 allocations instead of 700.

    A million rows allocate tens of millions of lists, dicts and tuples that die young; with the default
    settings the collector scanned the whole heap over and over, a quarter of the import's CPU time
    (measured: cleaning 34 → 25 µs a row). Restored on exit; left alone if the heap is frozen already.
    """
    if gc.get_freeze_count() or not gc.isenabled():
        yield
        return
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def doc_key(doc_type: str, number: str) -> int:
    """One integer per document: exact for resident IDs (most rows), a 128-bit digest for the rest."""
    if doc_type == Person.DocType.RESIDENT_ID and len(number) == 18 and number.isascii():
        return int(number[:17]) * 11 + (10 if number[17] == "X" else int(number[17]))
    digest = hashlib.blake2b(f"{doc_type}\x00{number}".encode(), digest_size=16).digest()
    return int.from_bytes(digest, "big") | (1 << 128)


@dataclass
class RowCleaner:
    """Cleans a chunk of raw rows into records and row errors, touching no database.

    Called with a list of (line, cells); returns [(record, errors or None)] for the rows that are not
    blank. An error naming a grid code it does not know carries None as its message, for the importer to
    explain (that takes a query).
    """

    fields: list[tuple[int, str]]
    date_fields: set[str]
    title_of: dict[str, str]
    custom_fields: list[CustomField]
    today: dt.date
    language: str
    grids: dict[str, int | str]
    categories: dict[str, int] | None
    default_grid: str
    convert: bool  # cells from a workbook: numbers and dates, not text
    year: int | None = None  # the year of dates written without one (3月27日)
    communities: dict[str, str] | None = None  # a community's code, name or short name → its code
    communities_text: tuple[str, str] = ("", "")  # the import's unit and its communities, for a message
    statuses: dict[str, tuple[int, bool]] | None = None  # word → (status id, needs a site)
    sites: dict[str, int] | None = None  # quarantine site name → id

    def __call__(self, chunk: list[tuple[int, list]]) -> list[tuple[tuple, list | None]]:
        with translation.override(self.language), gc_relaxed():
            return self._clean(chunk)

    def _title(self, key: str) -> str:
        if key in self.title_of:
            return self.title_of[key]
        if key in ("sex", "birth_date"):  # derived from the ID number
            return self.title_of["doc_number"]
        return {**TITLES, **{f"custom.{f.key}": f.label for f in self.custom_fields}}.get(key, key)

    def _clean(self, chunk):
        # The loop runs a million times per large file: everything it can look up once is looked up before it.
        mapped, dates, convert, default_grid = self.fields, self.date_fields, self.convert, self.default_grid
        custom_fields, today, grids, categories = self.custom_fields, self.today, self.grids, self.categories
        communities, statuses, year = self.communities, self.statuses, self.year
        width = max(i for i, _k in mapped) + 1
        out = []
        for line, cells in chunk:
            if not any(cells):
                continue
            if len(cells) < width:
                cells = [*cells, *[None if convert else ""] * (width - len(cells))]
            if convert:
                raw = {k: (v if k in dates and isinstance(v, dt.date) else cell_text(v))
                       for k, v in ((k, cells[i]) for i, k in mapped)}
            else:
                raw = {k: cells[i] for i, k in mapped}
            early = None
            for key in dates:
                value = raw.get(key)
                if value and value.__class__ is str:
                    try:
                        raw[key] = date_cell(value, year)
                    except ValueError as exc:
                        early = early or []
                        early.append((self._title(key), str(exc)))
                        raw[key] = None
            community = None
            if communities is not None:
                community, found = self._community(raw)
                if found:
                    early = [*(early or []), found]
            if default_grid and not raw.get("grid"):
                raw["grid"] = default_grid
            clean, problems = person_clean(raw, custom_fields=custom_fields, today=today)
            errors = [(self._title(k), m) for k, ms in problems.items() for m in ms] if problems else None
            if early:
                errors = [*early, *(errors or [])]
            code = clean["grid"]
            grid = grids.get(code, code) if code else None
            if grid is code and community is not None:  # a grid named within its community (第一网格)
                grid = grids.get(f"{community}/{code}", code)
            if grid.__class__ is str:  # a reason, or a code to explain
                errors = errors or []
                errors.append((self._title("grid"), None if grid is code else grid))
            category = start = None
            if categories is not None:
                found: list = []
                category, start = _category_check(raw, categories, today, self.title_of, found)
                if found:
                    errors = [*(errors or []), *found]
            key = None
            doc_type, number = clean["doc_type"], clean["doc_number"]
            if "doc_number" not in problems and "doc_type" not in problems:
                key = doc_key(doc_type, number)
            status = site = None
            if statuses is not None:
                status, site, found = self._status(raw)
                if found:
                    errors = [*(errors or []), found]
            birth = clean["birth_date"]
            out.append(((line, clean["name"], clean["name_initials"], clean["sex"],
                         birth.isoformat() if birth else None, _PLAIN.get(doc_type), number, clean.get("phone", ""),
                         clean["address"], grid, clean["household_relation"], clean["notes"],
                         clean["custom"] or None, category, start, key,
                         normalize_name(cell_text(raw.get("origin")))[:100], status, site), errors))
        return out

    def _community(self, raw: dict) -> tuple[int | None, tuple | None]:
        """The id of the community a row names (None without one), and the error when it names none of the
        import's; a row without a grid is placed in its community."""
        word = unit_key(cell_text(raw.get("community")))
        if not word:
            return None, None
        code = self.communities.get(word)
        if code is None:
            unit, listed_ = self.communities_text
            return None, (self._title("community"), _("Unknown community %(v)s. The communities of %(unit)s: "
                                                      "%(list)s.") % {"v": word, "unit": unit, "list": listed_})
        if not raw.get("grid"):
            raw["grid"] = code
        hit = self.grids.get(code)
        return (hit if hit.__class__ is int else None), None

    def _status(self, raw: dict) -> tuple[int | None, int | None, tuple | None]:
        """(status id, site id, error) of the row's 管控措施 and quarantine site."""
        word = normalize_name(cell_text(raw.get("status")))
        site_name = unit_key(cell_text(raw.get("status_site")))
        if not word:
            if site_name:
                return None, None, (self._title("status_site"), _("A quarantine site needs a management status."))
            return None, None, None
        hit = self.statuses.get(word) or self.statuses.get(word.lower())
        if hit is None:
            return None, None, (self._title("status"), _("Unknown management status %(v)s.") % {"v": word})
        site = None
        if site_name:
            site = (self.sites or {}).get(site_name)
            if site is None:
                return None, None, (self._title("status_site"), _("Unknown quarantine site %(v)s.") % {"v": site_name})
        return hit[0], site, None


def _category_check(raw: dict, categories: dict, today: dt.date, title: dict, row_errors: list):
    """The category id and start date a row names, or None; errors appended to `row_errors`."""
    category = start = None
    word = normalize_name(cell_text(raw.get("category")))
    if word:
        category = categories.get(word) or categories.get(word.lower())
        if category is None:
            row_errors.append((title["category"], _("Unknown category %(v)s.") % {"v": word}))
    value = raw.get("category_start")
    if value not in (None, ""):
        try:
            start = date_cell(value, None)
        except ValueError as exc:
            row_errors.append((title["category_start"], str(exc)))
        else:
            if start > today:
                row_errors.append((title["category_start"], _("In the future.")))
            elif not word:
                row_errors.append((title["category_start"], _("A start date needs a category.")))
    return category, start


def row_cleaner(columns: Columns, *, custom_fields: list[CustomField], today: dt.date, language: str, grids: Grids,
                categories: dict[str, int] | None, default_grid: str, convert: bool, year: int | None = None,
                statuses: dict | None = None, sites: dict | None = None) -> RowCleaner:
    community = "community" in columns.title_of
    return RowCleaner(fields=columns.fields, date_fields=columns.date_fields, title_of=columns.title_of,
                      custom_fields=custom_fields, today=today, language=language, grids=grids.ids(),
                      categories=categories, default_grid=default_grid, convert=convert, year=year,
                      communities=grids.community_code if community else None,
                      communities_text=(grids.unit.name, grids.communities_listed()) if community else ("", ""),
                      statuses=statuses, sites=sites)


@dataclass
class RowChecker:
    """Takes cleaned chunks in file order: documents repeated within the file, grid codes explained.

    A document seen again under the same name is the same person listed twice (a 台账 lists a person again when
    something changed): the later row is merged into the person, its fields winning and its category opened
    too. Under another name it is an error. Per row, its document and a mark are kept: the first line and the name's CRC (seen.Seen)."""

    grids: Grids
    doc_title: str
    merge_repeats: bool = True  # False: a document repeated is an error whatever the name (a contact list)

    def __post_init__(self):
        self.seen = Seen()  # document → first line << 32 | CRC-32 of the name
        self.rows = 0
        self.merged: list[tuple[int, int]] = []  # (line, the line it was merged into)
        self.merged_lines: set[int] = set()
        self.flagged: list[int] = []  # lines placed under a status that needs a site, named none
        self.unassigned = 0  # people placed in a community, without a grid
        self.needs_site: set[int] = set()  # status ids that need a site
        self.communities: set[int] = set()  # community ids

    def take(self, chunk: list) -> tuple[list[tuple], list[tuple[int, list]]]:
        """Split a cleaned chunk into valid records and (line, errors)."""
        valid, errors = [], []
        seen, crc32 = self.seen, zlib.crc32
        seen.chunk_start()
        chunk_of, current, number = seen.chunk_of, seen.current, seen.number
        for record, problems in chunk:
            line, key = record[LINE], record[DOC_KEY]
            if key is not None:
                mark = line << 32 | crc32(record[NAME].encode())
                at = chunk_of.setdefault(key, number)
                first = current.setdefault(key, mark) if at is number else seen.first(key, mark)
                if first != mark:
                    if (first ^ mark) & 0xFFFFFFFF:
                        problems = problems or []
                        problems.append((self.doc_title, _("The same document as row %(row)d, under another name.")
                                         % {"row": first >> 32}))
                    elif not self.merge_repeats:
                        problems = problems or []
                        problems.append((self.doc_title, _("The same document as row %(row)d.")
                                         % {"row": first >> 32}))
                    elif not problems:
                        self.merged.append((line, first >> 32))
                        self.merged_lines.add(line)
            if problems:
                errors.append((line, [(t, self.grids.why_not(record[GRID]) if m is None else m)
                                      for t, m in problems]))
            else:
                valid.append(record)
                if record[STATUS] is not None and record[SITE] is None and record[STATUS] in self.needs_site:
                    self.flagged.append(line)
                if record[GRID] in self.communities:
                    self.unassigned += 1
        seen.chunk_end()
        self.rows += len(chunk)
        return valid, errors


    def notes(self) -> str:
        """What the result adds about rows merged, statuses without their site and people without a grid."""
        notes = ""
        if self.merged:
            notes += " " + _("Rows merged into an earlier row of the same person (same document and name): %(rows)s.") % {
                "rows": listed((_("%(line)d into %(first)d") % {"line": line, "first": first}
                                for line, first in self.merged), most=20)}
        if self.flagged:
            notes += " " + _("Under a status that needs a quarantine site, without one (%(n)d people, rows %(rows)s): name "
                             "the site on each person's page.") % {
                "n": len(self.flagged), "rows": listed(map(str, self.flagged), most=20)}
        if self.unassigned:
            notes += " " + _("Placed in a community without a grid: %(n)d people; the community assigns them one on the "
                             "list of people awaiting a grid.") % {"n": self.unassigned}
        return notes


def rounds(records: list) -> list[list]:
    """`records` split so that no document appears twice in one part: the rows of a person listed twice in a
    chunk are written one after the other, the later one merged into the person the earlier one wrote."""
    count: dict[int, int] = {}
    parts: list[list] = [[]]
    for r in records:
        n = count.get(r[DOC_KEY], 0)
        count[r[DOC_KEY]] = n + 1
        if n == len(parts):
            parts.append([])
        parts[n].append(r)
    return parts


class Spool:
    """Records written in order to a temporary file and read back in order, a batch at a time."""

    def __init__(self):
        self.file = tempfile.TemporaryFile()
        self.count = 0

    def write(self, records: list) -> None:
        if records:
            data = marshal.dumps(records)  # length-prefixed: marshal.load on a file reads in tiny pieces
            self.file.write(len(data).to_bytes(8, "little"))
            self.file.write(data)
            self.count += len(records)

    def batches(self) -> Iterator[list]:
        self.file.flush()
        self.file.seek(0)
        while size := self.file.read(8):
            yield marshal.loads(self.file.read(int.from_bytes(size, "little")))

    def close(self):
        self.file.close()
