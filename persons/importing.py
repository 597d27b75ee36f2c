"""Importing people from CSV and XLSX files (人员导入).

1. `import_job_create` checks the importer's scope and the file type, stores the file and queues the job.
2. `people_import` runs the job in two passes over a streamed file. Pass 1 checks every row with
   `person_clean`, the grid codes, the categories and documents repeated within the file, and writes
   nothing. With errors and without `keep_valid` the job is rejected and an error file returns the bad
   rows. Otherwise pass 2 writes in batches inside one transaction: new people inserted, existing
   ones (same document) updated only where the file says something new, so a second import of the
   same file changes nothing.

A city's line list is a million rows, so the hot path is set-based: the grid codes are resolved once,
existing people are looked up per batch of 2,000, new people go in with executemany, and what pass 1
cleaned is spooled to a temporary file so that pass 2 writes exactly what was checked without
cleaning every row twice. Memory stays flat: rows stream, and repeated documents are found with one
integer per row.
"""

import codecs
import csv
import datetime as dt
import hashlib
import io
import marshal
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from accounts.access import Scope, scope_for
from accounts.roles import PERSONS_EDIT, PERSONS_IMPORT
from core.audit import audit_record, snapshot
from core.errors import DomainError
from orgunits.models import OrgUnit
from persons.identity import half_width, normalize_name
from persons.models import Category, CategoryEpisode, CustomField, ImportJob, ImportMapping, Person
from persons.services import PERSON_AUDIT_FIELDS, _person_move
from persons.validation import FIELDS, parse_date, person_clean

BATCH = 2000
SQLITE_CACHE_MB = 128  # page cache for pass 2; counted in the import's memory (peak < 500 MB at a million rows)
IGNORE = "ignore"
ERROR_COLUMN = "错误原因"  # the error file's last column; part of the file layout officials use, like 姓名
EXTENSIONS = (".csv", ".xlsx")
EXTRA_FIELDS = ["category", "category_start"]
DEFAULT_HEADERS = {
    "姓名": "name", "性别": "sex", "出生日期": "birth_date", "证件类型": "doc_type",
    "证件号码": "doc_number", "身份证号": "doc_number", "身份证号码": "doc_number",
    "手机": "phone", "手机号": "phone", "手机号码": "phone", "联系电话": "phone",
    "现住址": "address", "住址": "address", "地址": "address",
    "网格": "grid", "网格编码": "grid", "所属网格": "grid",
    "与户主关系": "household_relation", "备注": "notes",
    "管理类别": "category", "类别开始": "category_start", "到达日期": "category_start", "到娄日期": "category_start",
    "full name": "name", "birth date": "birth_date", "document type": "doc_type", "document number": "doc_number",
    "mobile phone": "phone", "phone": "phone", "current address": "address", "grid code": "grid",
    "relation to household head": "household_relation", "category start": "category_start",
    ERROR_COLUMN: IGNORE,  # a corrected error file imports as it is
    **{key: key for key in FIELDS + EXTRA_FIELDS},
}
# 网格 in Fangkong's own export is the grid's name beside 网格编码: with both present the code wins.
WEAK_HEADERS = {"网格", "grid"}
DATE_FIELDS = {"birth_date", "category_start"}
# The title an error names when the file has no column for the field (a required one, or derived).
TITLES = {"name": "姓名", "sex": "性别", "birth_date": "出生日期", "doc_type": "证件类型", "doc_number": "证件号码",
          "phone": "手机号码", "address": "现住址", "grid": "网格编码", "household_relation": "与户主关系",
          "notes": "备注", "category": "管理类别", "category_start": "类别开始"}
_HINT = re.compile(r"\(.*\)$")  # 出生日期(yyyy-mm-dd), 手机号码(必填)


def _header_key(title) -> str:
    """A column title as looked up: half-width, no spaces or asterisks, no trailing hint, lower-case."""
    text = "".join(half_width(str(title or "")).split()).strip("*")
    return _HINT.sub("", text).strip("*").lower()


_DEFAULTS = {_header_key(title): key for title, key in DEFAULT_HEADERS.items()}
_WEAK = {_header_key(title) for title in WEAK_HEADERS}


# -- reading ------------------------------------------------------------------------------------------

@contextmanager
def _local_path(stored) -> Iterator[str]:
    """A path on disk for a stored file (copied to a temporary file when the storage has no paths)."""
    try:
        path = stored.path
    except NotImplementedError:
        path = None
    if path:
        yield path
        return
    with tempfile.NamedTemporaryFile(suffix=Path(stored.name).suffix) as tmp:
        with stored.open("rb") as source:
            shutil.copyfileobj(source, tmp)
        tmp.flush()
        yield tmp.name


def _csv_encoding(path: str) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM (Excel's "Unicode text"), else GB18030."""
    with open(path, "rb") as f:
        head = f.read(4)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            return "utf-16"
        f.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := f.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "gb18030"
    return "utf-8"


def _rows(path: str, kind: str) -> Iterator[tuple[int, list]]:
    """Every row of the file as (line number as the spreadsheet shows it, cells), streamed."""
    if kind == ".xlsx":
        try:
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # a damaged or mislabelled file: zipfile, KeyError, XML errors…
            raise DomainError("unreadable_file", _("The file cannot be read as an XLSX workbook (%(e)s).")
                              % {"e": exc.__class__.__name__}) from None
        try:
            sheet = book.worksheets[0]
            sheet.reset_dimensions()  # some writers record a wrong sheet size; read what is there
            yield from enumerate(sheet.iter_rows(values_only=True), start=1)
        finally:
            book.close()
        return
    encoding = _csv_encoding(path)
    with open(path, encoding=encoding, newline="") as text:
        first = text.readline()
        text.seek(0)
        delimiter = "\t" if "\t" in first and "," not in first else ","
        try:
            yield from enumerate(csv.reader(text, delimiter=delimiter), start=1)
        except (UnicodeDecodeError, csv.Error) as exc:
            raise DomainError("unreadable_file", _("The file cannot be read as CSV text (UTF-8 or GB18030): %(e)s")
                              % {"e": exc}) from None


def _rows_estimate(path: str, kind: str) -> int:
    """Roughly how many data rows the file holds (for the progress bar before pass 1 has counted)."""
    if kind == ".xlsx":
        return 0
    lines = 0
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            lines += chunk.count(b"\n")
    return max(lines - 1, 0)


def _cell_text(value) -> str:
    """A spreadsheet cell as text: 13812345678.0 → 13812345678, a date at midnight → 2020-05-21."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()
    return str(value)


# -- columns ------------------------------------------------------------------------------------------

@dataclass
class _Columns:
    """Which cell feeds which field, found from the header row."""

    line: int
    titles: list
    fields: list[tuple[int, str]]  # (cell index, field key), ignored columns left out
    title_of: dict[str, str]  # field key → the title in the file, for error messages
    date_fields: set[str] = field(default_factory=set)


def field_keys(custom_fields: list[CustomField]) -> list[str]:
    """The keys a column may be mapped to."""
    return FIELDS + EXTRA_FIELDS + [f"custom.{f.key}" for f in custom_fields] + [IGNORE]


def _columns_find(rows: Iterator[tuple[int, list]], *, explicit: dict[str, str], custom_fields: list[CustomField],
                  grid_required: bool) -> _Columns:
    """Read up to the header row (the first of the first ten rows naming two known columns) and map it."""
    known = {**_DEFAULTS}
    for f in custom_fields:
        for title in (f.label, f.label_en, f.key):
            if title:
                known[_header_key(title)] = f"custom.{f.key}"
    explicit_keys = {_header_key(title): key for title, key in explicit.items()}
    wrong = {k for k in explicit_keys.values() if k not in field_keys(custom_fields)}
    if wrong:
        raise DomainError("invalid_mapping", _("Unknown fields in the column mapping: %(m)s.")
                          % {"m": "、".join(sorted(wrong))})
    known.update(explicit_keys)
    first = None
    for line, cells in rows:
        if not any(cells):
            continue
        keys = [_header_key(c) for c in cells]
        if first is None:
            first = (line, cells, keys)
        if sum(1 for k in keys if k in known) >= 2:
            break
        if line >= 10:
            line, cells, keys = first
            break
    else:
        if first is None:
            raise DomainError("empty_file", _("The file has no header row and no people."))
        line, cells, keys = first

    fields, title_of, unknown = [], {}, []
    by_field: dict[str, list[tuple[int, str]]] = {}
    for index, (title, key) in enumerate(zip(cells, keys, strict=True)):
        if not key:
            continue
        target = known.get(key)
        if target is None:
            unknown.append(str(title))
        elif target != IGNORE:
            by_field.setdefault(target, []).append((index, key))
    if unknown:
        raise DomainError("unknown_columns", _("Unknown columns: %(cols)s. Rename them to a field's title or map "
                                               "them (to “ignore” to leave them out).")
                          % {"cols": "、".join(unknown)})
    for target, found in by_field.items():
        if len(found) > 1:
            strong = [(i, k) for i, k in found if k not in _WEAK or k in explicit_keys]
            if len(strong) != 1:
                raise DomainError("ambiguous_columns", _("The columns %(cols)s all give %(field)s; map one of them "
                                                         "to “ignore”.")
                                  % {"cols": "、".join(str(cells[i]) for i, _k in found), "field": target})
            found = strong
        index = found[0][0]
        fields.append((index, target))
        title_of[target] = str(cells[index])
    required = ["name", "doc_number"] + (["grid"] if grid_required else [])
    missing = [TITLES[k] for k in required if k not in title_of]
    if missing:
        raise DomainError("missing_columns", _("The file has no column for %(cols)s.") % {"cols": "、".join(missing)})
    dates = {k for k in title_of if k in DATE_FIELDS}
    dates |= {f"custom.{f.key}" for f in custom_fields if f.type == CustomField.Type.DATE}
    return _Columns(line=line, titles=list(cells), fields=fields, title_of=title_of, date_fields=dates)


# -- lookups ------------------------------------------------------------------------------------------

class _Grids:
    """Grid and community codes → (id, path) or the reason the code cannot be used; resolved in bulk."""

    def __init__(self, *, unit: OrgUnit, scope: Scope):
        self.unit, self.scope = unit, scope
        self.found: dict[str, tuple[int, str] | str] = {}
        self.path_of: dict[int, str] = {}
        for code, pk, path in OrgUnit.objects.filter(
                path__under=unit.path, kind__in=[OrgUnit.Kind.GRID, OrgUnit.Kind.COMMUNITY]).values_list(
                "code", "id", "path"):
            self._add(code.upper(), pk, path, code)

    def _add(self, key, pk, path, name):
        if self.scope.covers(path):
            self.found[key] = (pk, path)
            self.path_of[pk] = path
        else:
            self.found[key] = _("%(unit)s is outside the units you may register people in.") % {"unit": name}

    def get(self, code: str) -> tuple[int, str] | str:
        hit = self.found.get(code)
        if hit is None:  # not a grid under the unit: say why, once per code
            other = OrgUnit.objects.filter(code__iexact=code).first()
            if other is None:
                hit = _("Unknown grid code %(code)s.") % {"code": code}
            elif other.kind not in (OrgUnit.Kind.GRID, OrgUnit.Kind.COMMUNITY):
                hit = _("%(code)s (%(name)s) is not a grid or community.") % {"code": code, "name": other.name}
            else:
                hit = _("%(code)s (%(name)s) is outside %(unit)s, the unit of this import.") % {
                    "code": code, "name": other.name, "unit": self.unit.name}
            self.found[code] = hit
        return hit


def _categories() -> dict[str, int]:
    """Active categories by Chinese name, English name and code (lower-case)."""
    found = {}
    for pk, code, zh, en in Category.objects.filter(active=True).values_list("id", "code", "name_zh", "name_en"):
        found[zh] = found[code.lower()] = found[en.lower()] = pk
    return found


_PLAIN = {member: member.value for member in Person.DocType}  # marshal takes plain strings only


def _doc_key(doc_type: str, number: str) -> int:
    """One integer per document: exact for resident IDs (most rows), a 128-bit digest for the rest."""
    if doc_type == Person.DocType.RESIDENT_ID and len(number) == 18 and number.isascii():
        return int(number[:17]) * 11 + (10 if number[17] == "X" else int(number[17]))
    digest = hashlib.blake2b(f"{doc_type}\x00{number}".encode(), digest_size=16).digest()
    return int.from_bytes(digest, "big") | (1 << 128)


class _Spool:
    """Records written in order to a temporary file and read back in order, a batch at a time."""

    def __init__(self):
        self.file = tempfile.TemporaryFile()

    def write(self, records: list) -> None:
        if records:
            data = marshal.dumps(records)  # length-prefixed: marshal.load on a file reads in tiny pieces
            self.file.write(len(data).to_bytes(8, "little"))
            self.file.write(data)

    def batches(self) -> Iterator[list]:
        self.file.flush()
        self.file.seek(0)
        while size := self.file.read(8):
            yield marshal.loads(self.file.read(int.from_bytes(size, "little")))

    def close(self):
        self.file.close()


# A cleaned row as spooled: plain values only (marshal); birth date as ISO text, category start as an ordinal.
(LINE, NAME, INITIALS, SEX, BIRTH, DOC_TYPE, DOC_NUMBER, PHONE, ADDRESS, GRID, RELATION, NOTES, CUSTOM,
 CATEGORY, CATEGORY_START) = range(15)


# -- pass 1: check --------------------------------------------------------------------------------------

@dataclass
class _Check:
    """What pass 1 found."""

    columns: _Columns
    rows: int = 0
    error_rows: int = 0
    valid: _Spool = field(default_factory=_Spool)
    errors: _Spool = field(default_factory=_Spool)
    grid_paths: dict[int, str] = field(default_factory=dict)


def _check(job: ImportJob, rows, *, by, custom_fields, today, report) -> _Check:
    """Pass 1: clean every row, resolve grids and categories, find repeated documents; write nothing."""
    grid_required = job.unit.kind not in (OrgUnit.Kind.GRID, OrgUnit.Kind.COMMUNITY)
    columns = _columns_find(rows, explicit=job.columns or {}, custom_fields=custom_fields,
                            grid_required=grid_required)
    result = _Check(columns=columns)
    scope = scope_for(by, PERSONS_EDIT) if by is not None else Scope(None)
    grids = _Grids(unit=job.unit, scope=scope)
    title = columns.title_of
    mapped, dates = columns.fields, columns.date_fields
    width = max(i for i, _k in mapped) + 1
    convert = job.filename.lower().endswith(".xlsx")
    default_grid = "" if grid_required else job.unit.code
    categories = _categories() if "category" in title or "category_start" in title else None
    fallback = {**TITLES, **{f"custom.{f.key}": f.label for f in custom_fields}}
    seen: dict[int, int] = {}
    found, valid, errors, count = grids.found, [], [], 0

    def title_for(key):
        if key in title:
            return title[key]
        if key in ("sex", "birth_date"):  # derived from the ID number
            return title["doc_number"]
        return fallback.get(key, key)

    # The loop runs a million times: everything it can look up once is looked up before it.
    for line, cells in rows:
        if not any(cells):
            continue
        if len(cells) < width:
            cells = [*cells, *[None if convert else ""] * (width - len(cells))]
        if convert:
            raw = {k: (v if k in dates and isinstance(v, dt.date) else _cell_text(v))
                   for k, v in ((k, cells[i]) for i, k in mapped)}
        else:
            raw = {k: cells[i] for i, k in mapped}
        if default_grid and not raw.get("grid"):
            raw["grid"] = default_grid
        clean, problems = person_clean(raw, custom_fields=custom_fields, today=today)
        row_errors = [(title_for(k), m) for k, ms in problems.items() for m in ms] if problems else []
        code = clean["grid"]
        grid = found.get(code) or (grids.get(code) if code else None)
        if grid.__class__ is str:
            row_errors.append((title_for("grid"), grid))
        category = start = None
        if categories is not None:
            category, start = _category_check(raw, categories, today, title, row_errors)
        if "doc_number" not in problems and "doc_type" not in problems:
            doc_type, number = clean["doc_type"], clean["doc_number"]
            first = seen.setdefault(_doc_key(doc_type, number), line)
            if first != line:
                row_errors.append((title["doc_number"], _("The same document as row %(row)d.") % {"row": first}))
        count += 1
        if row_errors:
            errors.append((line, row_errors))
        else:
            birth = clean["birth_date"]
            valid.append((line, clean["name"], clean["name_initials"], clean["sex"],
                          birth.isoformat() if birth else None, _PLAIN[doc_type], number, clean["phone"],
                          clean["address"], grid[0], clean["household_relation"], clean["notes"],
                          clean["custom"] or None, category, start.toordinal() if start else None))
        if len(valid) + len(errors) >= BATCH:
            _check_flush(valid, errors, result, scope=scope, title=title["doc_number"])
            valid, errors = [], []
            report("check", count)
    _check_flush(valid, errors, result, scope=scope, title=title["doc_number"])
    result.rows = count
    report("check", count)
    result.grid_paths = grids.path_of
    return result


def _category_check(raw: dict, categories: dict, today: dt.date, title: dict, row_errors: list):
    """The category id and start date a row names, or None; errors appended to `row_errors`."""
    category = start = None
    word = normalize_name(_cell_text(raw.get("category")))
    if word:
        category = categories.get(word) or categories.get(word.lower())
        if category is None:
            row_errors.append((title["category"], _("Unknown category %(v)s.") % {"v": word}))
    value = raw.get("category_start")
    if value not in (None, ""):
        try:
            start = parse_date(value)
        except ValueError as exc:
            row_errors.append((title["category_start"], str(exc)))
        else:
            if start > today:
                row_errors.append((title["category_start"], _("In the future.")))
            elif not word:
                row_errors.append((title["category_start"], _("A start date needs a category.")))
    return category, start


def _check_flush(valid: list, errors: list, result: _Check, *, scope: Scope, title: str) -> None:
    """End a batch of pass 1: refuse people registered outside the importer's scope, spool the rest."""
    if valid and not scope.everything:
        outside = {(doc_type, number) for doc_type, number, path in _existing(valid, "unit_path")
                   if not scope.covers(path)}
        if outside:
            message = _("This document is registered in a unit outside your scope; ask that unit to transfer "
                        "the person.")
            errors.extend((r[LINE], [(title, message)]) for r in valid if (r[DOC_TYPE], r[DOC_NUMBER]) in outside)
            valid = [r for r in valid if (r[DOC_TYPE], r[DOC_NUMBER]) not in outside]
            errors.sort(key=lambda e: e[0])
    result.valid.write(valid)
    result.errors.write(errors)
    result.error_rows += len(errors)


def _existing(records: list, column: str) -> list[tuple]:
    """(doc_type, doc_number, `column`) of the people already holding the documents of `records`.

    Plain SQL: the ORM's `__in` prepares each of the 2,000 values one by one, which cost more than the
    query itself."""
    meta, quote = Person._meta, connection.ops.quote_name
    found = []
    with connection.cursor() as cursor:
        for doc_type, numbers in _by_doc_type(records).items():
            cursor.execute(f"SELECT {quote('doc_type')}, {quote('doc_number')}, {quote(column)} "
                           f"FROM {quote(meta.db_table)} WHERE {quote('doc_type')} = %s AND {quote('doc_number')} "
                           f"IN ({', '.join(['%s'] * len(numbers))})", [doc_type, *numbers])
            found += cursor.fetchall()
    return found


def _by_doc_type(records: list) -> dict[str, list[str]]:
    """Document numbers grouped by type (nearly always one type: resident IDs)."""
    first = records[0][DOC_TYPE] if records else None
    if all(r[DOC_TYPE] == first for r in records):
        return {first: [r[DOC_NUMBER] for r in records]} if records else {}
    grouped: dict[str, list[str]] = {}
    for r in records:
        grouped.setdefault(r[DOC_TYPE], []).append(r[DOC_NUMBER])
    return grouped


# -- pass 2: write --------------------------------------------------------------------------------------

_COMPARED = ("id", "doc_type", "doc_number", "name", "sex", "birth_date", "phone", "address", "grid_id",
             "household_relation", "notes", "custom")
_SUPPLIED = ("name", "name_initials", "sex", "birth_date", "doc_type", "doc_number", "doc_tail", "phone", "address",
             "grid", "unit_path", "household_relation", "notes", "custom", "created_at", "updated_at", "created_by")


@dataclass
class _Writer:
    """Pass 2: writes batches of cleaned rows; counts what it did."""

    job: ImportJob
    by: object
    grid_paths: dict[int, str]
    category_start: dt.datetime
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    episodes: int = 0

    def __post_init__(self):
        # New people go in through executemany (COPY on PostgreSQL): Django's bulk_create builds a model
        # instance and runs every field's pre_save per row, measured five times slower (4,700 against
        # 24,000 rows/s on SQLite).
        meta = Person._meta
        others = [f for f in meta.concrete_fields if not f.primary_key and f.name not in _SUPPLIED]
        columns = [meta.get_field(n).column for n in _SUPPLIED] + [f.column for f in others]
        quote = connection.ops.quote_name
        listed = ", ".join(quote(c) for c in columns)
        self.sql = f"INSERT INTO {quote(meta.db_table)} ({listed}) VALUES ({', '.join(['%s'] * len(columns))})"
        self.copy_sql = f"COPY {quote(meta.db_table)} ({listed}) FROM STDIN"
        self.constants = tuple(f.get_db_prep_save(f.get_default(), connection) for f in others)
        self.json = meta.get_field("custom")
        self.empty_json = self.json.get_db_prep_save({}, connection)
        self.now = connection.ops.adapt_datetimefield_value(timezone.now())
        # Birth dates are spooled as ISO text, which is what Django hands SQLite for a date anyway.
        self.date_param = str if connection.vendor == "sqlite" else dt.date.fromisoformat
        self.by_id = self.by.pk if self.by is not None else None
        self.note = gettext_noop("imported from a file")  # stored untranslated, translated when shown

    def write(self, batch: list) -> None:
        ids = {(doc_type, number): pk for doc_type, number, pk in _existing(batch, "id")}  # existing people
        existing = {}
        if ids:
            existing = {(row[1], row[2]): row for row in Person.objects.filter(pk__in=ids.values())
                        .values_list(*_COMPARED)}
        inserts, changes = [], []
        date_param, paths, now, by_id, constants = self.date_param, self.grid_paths, self.now, self.by_id, self.constants
        json, empty_json = self.json, self.empty_json
        for r in batch:
            old = existing.get((r[DOC_TYPE], r[DOC_NUMBER])) if existing else None
            if old is None:
                inserts.append((r[NAME], r[INITIALS], r[SEX], date_param(r[BIRTH]) if r[BIRTH] else None,
                                r[DOC_TYPE], r[DOC_NUMBER], r[DOC_NUMBER][-4:], r[PHONE], r[ADDRESS], r[GRID],
                                paths[r[GRID]], r[RELATION], r[NOTES],
                                json.get_db_prep_save(r[CUSTOM], connection) if r[CUSTOM] else empty_json,
                                now, now, by_id, *constants))
                continue
            change = _differences(old, r)
            if change:
                changes.append((old[0], change))
            else:
                self.unchanged += 1
        if inserts:
            with connection.cursor() as cursor:
                if connection.vendor == "postgresql":  # executemany there is a round trip per row
                    with cursor.cursor.copy(self.copy_sql) as copy:
                        for row in inserts:
                            copy.write_row(row)
                else:
                    cursor.executemany(self.sql, inserts)
            self.created += len(inserts)
        if changes:
            self._update(changes)
        if any(r[CATEGORY] for r in batch):
            self._categories([r for r in batch if r[CATEGORY]], ids)

    def _update(self, changes: list[tuple[int, dict]]) -> None:
        """Update changed people one by one, each audited with before and after (as person_update does)."""
        people = Person.objects.select_for_update().in_bulk([pk for pk, _c in changes])
        grids = OrgUnit.objects.in_bulk({c["grid_id"] for _pk, c in changes if "grid_id" in c})
        for pk, change in changes:
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
        self.updated += len(changes)

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
            [CategoryEpisode(person_id=pk, category_id=category, start=self._start(r),
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
        return timezone.make_aware(dt.datetime.combine(dt.date.fromordinal(row[CATEGORY_START]), dt.time()))


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


# -- the error file -------------------------------------------------------------------------------------

def _error_text(line: int, problems: list[tuple[str, str]]) -> str:
    return _("row %(row)d: %(errors)s") % {"row": line, "errors": "; ".join(f"{t}: {m}" for t, m in problems)}


def _error_file_write(job: ImportJob, path: str, kind: str, check: _Check) -> None:
    """Save the rows with errors, as they were, plus the reasons in a last column, in the input's format."""
    pending = ((line, problems) for batch in check.errors.batches() for line, problems in batch)
    nxt = next(pending, None)
    width = len(check.columns.titles)  # cells past the header's last title were never read: left out
    header = [*check.columns.titles, ERROR_COLUMN]
    stem = Path(job.filename).stem
    with tempfile.TemporaryFile() as out:
        if kind == ".xlsx":
            book = openpyxl.Workbook(write_only=True)
            sheet = book.create_sheet()
            add = sheet.append
        else:
            text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")  # Excel opens UTF-8 with a BOM
            add = csv.writer(text).writerow
        add(header)
        for line, cells in _rows(path, kind):
            if nxt is None:
                break
            if line == nxt[0]:
                add([*cells[:width], *[None] * (width - len(cells)), _error_text(*nxt)])
                nxt = next(pending, None)
        if kind == ".xlsx":
            book.save(out)
        else:
            text.flush()
            text.detach()
        out.seek(0)
        job.error_file.save(f"{stem}-errors{kind}", File(out), save=False)


# -- the job --------------------------------------------------------------------------------------------

def _language(job: ImportJob) -> str:
    return getattr(job.created_by, "language", "") or settings.LANGUAGE_CODE


def people_import(*, job: ImportJob, progress: Callable[[str, int, int], None] | None = None) -> None:
    """Run an import job: check every row, then write all of them, the valid ones, or nothing.

    Progress: pass 1 stores processed_rows every batch in its own UPDATE, which pollers see at once.
    Pass 2 runs inside one transaction, where other connections cannot see its updates until it
    commits (SQLite holds the write lock besides), so while writing the job shows every row checked and
    the state RUNNING; the final counts arrive with the commit.
    """
    if job.state in (ImportJob.State.DONE, ImportJob.State.REJECTED):
        return
    with translation.override(_language(job)):
        _people_import(job, progress or (lambda phase, done, total: None))


def _people_import(job: ImportJob, progress) -> None:
    by = job.created_by
    kind = Path(job.filename).suffix.lower()
    job.state = ImportJob.State.RUNNING
    custom_fields = list(CustomField.objects.filter(active=True))
    today = timezone.localdate()
    with _local_path(job.file) as path:
        job.total_rows, job.processed_rows = _rows_estimate(path, kind), 0
        ImportJob.objects.filter(pk=job.pk).update(state=job.state, total_rows=job.total_rows, processed_rows=0)

        def report(phase, done):
            if phase == "check":
                job.processed_rows = done
                job.total_rows = max(job.total_rows, done)
                ImportJob.objects.filter(pk=job.pk).update(processed_rows=done, total_rows=job.total_rows)
            progress(phase, done, job.total_rows)

        try:
            check = _check(job, _rows(path, kind), by=by, custom_fields=custom_fields, today=today, report=report)
        except DomainError as exc:
            _finish(job, ImportJob.State.REJECTED, str(exc.message))
            return
        try:
            job.total_rows = job.processed_rows = check.rows
            job.error_rows = check.error_rows
            if check.error_rows:
                _error_file_write(job, path, kind, check)
            if check.error_rows and not job.keep_valid:
                _finish(job, ImportJob.State.REJECTED, ngettext(
                    "%(errors)d of %(total)d rows has errors; nothing was written. Download the error file, "
                    "correct the rows and import the file again.",
                    "%(errors)d of %(total)d rows have errors; nothing was written. Download the error file, "
                    "correct the rows and import the file again.", check.error_rows)
                    % {"errors": check.error_rows, "total": check.rows})
                return
            _write(job, check, by=by, today=today, progress=progress)
        finally:
            check.valid.close()
            check.errors.close()


@contextmanager
def _sqlite_cache(*, megabytes: int) -> Iterator[None]:
    """A larger SQLite page cache while writing: inserts at random keys into the person table's indexes
    (names, phones, documents) thrash the default 2 MB cache; measured 1.8 times faster at a million rows."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = {-1024 * megabytes}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


def _write(job: ImportJob, check: _Check, *, by, today: dt.date, progress) -> None:
    """Pass 2, all in one transaction: a failure leaves nothing half written."""
    midnight = timezone.make_aware(dt.datetime.combine(today, dt.time()))
    writer = _Writer(job=job, by=by, grid_paths=check.grid_paths, category_start=midnight)
    done = 0
    try:
        with _sqlite_cache(megabytes=SQLITE_CACHE_MB), transaction.atomic():
            for batch in check.valid.batches():
                writer.write(batch)
                done += len(batch)
                progress("write", done, check.rows - check.error_rows)
            job.created, job.updated, job.unchanged = writer.created, writer.updated, writer.unchanged
            if writer.created or writer.updated or writer.episodes:
                # One entry for the whole load: a million "created" entries would bury every other
                # entry of the day, and the file itself is kept with the job. Updates are audited per
                # person above because they change what someone else entered.
                audit_record(actor=by, action="create", obj=job, object_repr=job.filename[:200],
                             unit_path=job.unit_path, note=gettext_noop("people imported from a file"), after={
                                 "file": job.filename, "created": writer.created, "updated": writer.updated,
                                 "unchanged": writer.unchanged, "categories_opened": writer.episodes,
                                 "error_rows": check.error_rows})
            message = _("%(created)d created, %(updated)d updated, %(unchanged)d unchanged.") % {
                "created": writer.created, "updated": writer.updated, "unchanged": writer.unchanged}
            if check.error_rows:
                message += " " + ngettext(
                    "%(errors)d row with errors was left out: download it, correct it and import it again.",
                    "%(errors)d rows with errors were left out: download them, correct them and import them again.",
                    check.error_rows) % {"errors": check.error_rows}
            _finish(job, ImportJob.State.DONE, message)
    except IntegrityError:
        _finish(job, ImportJob.State.FAILED, _("Someone registered one of these people while the import ran; "
                                               "nothing was written. Import the file again."))


def _finish(job: ImportJob, state: str, message: str) -> None:
    job.state, job.message, job.finished_at = state, message, timezone.now()
    job.save(update_fields=["state", "message", "finished_at", "total_rows", "processed_rows", "created",
                            "updated", "unchanged", "error_rows", "error_file"])


def import_job_create(*, unit: OrgUnit, uploaded_file, filename: str, mapping: ImportMapping | None = None,
                      columns: dict | None = None, keep_valid: bool = False, by, start: bool = True) -> ImportJob:
    """Store an uploaded file as an import job into `unit` and queue it (`start=False`: the caller runs it)."""
    if by is not None and not scope_for(by, PERSONS_IMPORT).covers(unit.path):
        raise DomainError("out_of_scope", _("%(unit)s is outside the units you may import people into.")
                          % {"unit": unit.name}, status=404)
    name = Path(filename or "").name
    if Path(name).suffix.lower() not in EXTENSIONS:
        message = _("%(name)s is not a CSV or XLSX file. Save the sheet from Excel as .xlsx (or as CSV) and "
                    "upload that.") % {"name": name or "?"}
        raise DomainError("unsupported_file", message, fields={"file": [message]})
    explicit = {**(mapping.columns if mapping else {}), **(columns or {})}
    allowed = set(field_keys(list(CustomField.objects.filter(active=True))))
    wrong = {title: key for title, key in explicit.items() if key not in allowed}
    if wrong:
        message = _("Unknown fields in the column mapping: %(m)s.") % {
            "m": "、".join(f"{t} → {k}" for t, k in wrong.items())}
        raise DomainError("invalid_mapping", message, fields={"columns": [message]})
    with transaction.atomic():
        job = ImportJob(unit=unit, unit_path=unit.path, filename=name[:200], columns=explicit,
                        keep_valid=keep_valid, created_by=by)
        job.file.save(name, uploaded_file if isinstance(uploaded_file, File) else File(uploaded_file, name=name),
                      save=False)
        job.save()
        if start:
            from persons.tasks import job_start  # tasks imports this module

            job_start(job)
    return job


# -- access and the small services around a job ----------------------------------------------------------

def import_jobs_for_user(user) -> QuerySet[ImportJob]:
    """Import jobs into units where the user may import, newest first."""
    return ImportJob.objects.filter(scope_for(user, PERSONS_IMPORT).q()).select_related("unit", "created_by")


def import_job_get_for_user(user, pk: int) -> ImportJob:
    """The import job `pk` if its unit lies in the user's import scope, else 404."""
    job = import_jobs_for_user(user).filter(pk=pk).first()
    if job is None:
        raise Http404
    return job


def import_error_file_open(*, job: ImportJob, by) -> File:
    """Open the job's error file for download (rows of personal data: the download is audited)."""
    if not job.error_file:
        raise Http404
    audit_record(actor=by, action="export", obj=job, object_repr=job.filename[:200], unit_path=job.unit_path,
                 after={"error_rows": job.error_rows}, note=gettext_noop("error file of an import downloaded"))
    return job.error_file.open("rb")


def import_mapping_save(*, name: str, columns: dict[str, str], by) -> ImportMapping:
    """Save (or replace) a named column mapping {column title: field key or "ignore"}."""
    name = normalize_name(name)
    allowed = set(field_keys(list(CustomField.objects.filter(active=True))))
    wrong = {title: key for title, key in columns.items() if key not in allowed}
    if not name or not columns or wrong:
        message = _("Unknown fields in the column mapping: %(m)s.") % {
            "m": "、".join(f"{t} → {k}" for t, k in wrong.items())} if wrong else _("Name the mapping and its columns.")
        raise DomainError("invalid_mapping", message, fields={"columns": [message]})
    with transaction.atomic():
        mapping = ImportMapping.objects.select_for_update().filter(name=name).first()
        before = snapshot(mapping) if mapping else None
        mapping = mapping or ImportMapping(name=name, created_by=by)
        mapping.columns = {str(t).strip(): k for t, k in columns.items()}
        mapping.save()
        audit_record(actor=by, action="update" if before else "create", obj=mapping, before=before,
                     after=snapshot(mapping))
    return mapping
