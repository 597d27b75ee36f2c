"""Importing a case's contact list (密接名单导入, xlsx or csv) under the line list's rules.

The file is read, its header row mapped and every person cleaned by the line list's own import
(core.tabular for the file, persons.importing for the column mapping, person_clean, grid codes in the
importer's scope, documents repeated within the file); tracing adds the exposure's columns. Rows are written
through the services a contact added by hand goes through, in one transaction: all of them, or none. The
import runs in the background worker (import_jobs).
"""

from contextlib import closing

from django.core.files import File
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from accounts.access import Scope, scope_for
from accounts.roles import PERSONS_EDIT, PERSONS_VIEW
from core.audit import audit_record
from core.errors import DomainError
from core.tabular import XLSX, Limits, clip, error_file_save, header_key, listed, table_inspect, table_rows
from core.tabular.import_jobs import error_file_open
from orgunits.models import OrgUnit
from persons.identity import normalize_name
from persons.importing.check import Record, RowChecker, row_cleaner
from persons.importing.columns import IGNORE, TITLES, columns_find
from persons.importing.lookups import Grids
from persons.importing.write import people_registered
from persons.models import CustomField, Person
from persons.services import person_register
from persons.validation import parse_date
from tracing.models import Case, ContactImport, Exposure
from tracing.services.exposures import (
    contact_in_scope,
    contact_refer,
    exposure_clean,
    exposure_degree,
    exposure_record,
)

# A contact list is a few dozen people, a few hundred at most: rows go through the per-person services
# (each audited, each opening or moving a follow-up), which a file of this size affords.
MAX_ROWS = 2000
MAX_LINES = 10_000  # rows of the file read at most, blank ones and those above the header included
ERRORS_KEPT = 100  # errors listed on the page and in the API, each shortened; the error file has them all
REASON_CHARS = 300

EXPOSURE_HEADERS = {
    "首次接触日期": "first_contact", "首次接触时间": "first_contact", "首次接触": "first_contact",
    "末次接触日期": "last_contact", "最后接触日期": "last_contact", "末次接触时间": "last_contact",
    "最后接触时间": "last_contact", "末次接触": "last_contact", "最后接触": "last_contact", "接触日期": "last_contact",
    "接触场所": "setting", "接触方式": "setting", "接触类型": "setting", "接触地点类型": "setting",
    "接触距离": "proximity", "接触程度": "proximity", "可信度": "certainty", "确定程度": "certainty",
    "接触情况": "note", "接触备注": "note", "接触说明": "note",
    "first contact": "first_contact", "last contact": "last_contact", "setting": "setting",
    "proximity": "proximity", "certainty": "certainty", "exposure note": "note", "contact note": "note",
    **{key: key for key in ("first_contact", "last_contact")},
}
EXPOSURE_TITLES = {"first_contact": "首次接触日期", "last_contact": "末次接触日期", "setting": "接触场所",
                   "proximity": "接触距离", "certainty": "可信度", "note": "接触情况"}
CHOICE_FIELDS = {"setting": Exposure.Setting, "proximity": Exposure.Proximity, "certainty": Exposure.Certainty}
# Words officials write for the choices, besides their codes and labels (in either language).
CHOICE_WORDS = {
    "setting": {"家庭": "household", "同住": "household", "共同居住": "household", "家庭成员": "household",
                "工作": "workplace", "同事": "workplace", "交通": "transport", "同乘": "transport",
                "聚集": "gathering", "聚餐": "gathering", "聚会": "gathering", "医疗": "healthcare",
                "医疗机构": "healthcare", "就诊": "healthcare", "医院": "healthcare", "其他": "other", "其它": "other"},
    "proximity": {"身体接触": "physical", "直接接触": "physical", "一米以内": "close", "1米以内": "close",
                  "近距离": "close", "同室": "same_room", "同车": "same_room", "同一空间": "same_room",
                  "同场所": "same_place", "同一场所": "same_place"},
    "certainty": {"高": "high", "中": "medium", "低": "low"},
}
_EXPOSURE_KEYS = {header_key(title): key for title, key in EXPOSURE_HEADERS.items()}


def _choice_words(name: str) -> dict[str, str]:
    """Every word accepted for a choice field: codes, the labels in English and Chinese, the usual words."""
    choices = CHOICE_FIELDS[name]
    words = {value: value for value in choices.values}
    for language in ("en", "zh-hans"):
        with translation.override(language):
            words.update({normalize_name(str(label)).lower(): value for value, label in choices.choices})
    words.update(CHOICE_WORDS[name])
    return words


class _Rejected(Exception):
    """A row failed while being written: roll back every row written before it."""


def contact_rows_import(record: ContactImport, *, path: str, by, board=None) -> None:
    """Import the contact list stored at `path` for `record` (import_jobs runs it in the background); the record's
    outcome is set, not saved. A DomainError refuses the file as a whole (unreadable, no header, a column
    missing, too long).

    1. The file's header row is found and mapped as the line list's import maps it, with the exposure's
       columns besides (末次接触日期 required; 首次接触日期, 接触场所, 接触距离, 可信度, 接触情况).
    2. Every row is checked: the person with person_clean, the grid code under the record's unit and in the
       importer's scope (rows without one go to that unit when it is a grid or a community), documents
       repeated within the file; the exposure's dates and circumstances. A document already registered links
       that person (their grid does not matter; a different name is an error); a case cannot be a contact.
    3. In one transaction the rows are written through the services a contact added by hand goes through:
       new people registered, exposures recorded (follow-up opened or moved), an exposure already
       recorded updated only where the file says something new, so a second import changes nothing.
    Any error, found while checking or while writing, leaves nothing written: the errors name the line,
    the column and the reason, and come back in an error file of the same format. `board` (a
    persons.importing.progress.ProgressBoard) shows the rows written so far while the transaction hides them."""
    _ContactRows(record, path=path, by=by, board=board).run()


class _ContactRows:
    """Steps 1–3 of contact_rows_import for one file."""

    def __init__(self, record: ContactImport, *, path: str, by, board=None):
        self.record, self.path, self.by, self.board = record, path, by, board
        self.case = record.case
        self.errors: dict[int, list[tuple[str, str]]] = {}
        self.referred = 0  # rows registered outside the importer's units, referred there (contact_refer)
        self.words = {name: _choice_words(name) for name in CHOICE_FIELDS}

    def published(self, done: int) -> None:
        if self.board is not None:
            self.board.publish(done, self.record.total_rows)

    def error(self, line: int, title: str, message: str) -> None:
        self.errors.setdefault(line, []).append((title, str(message)))

    # -- 1. the columns --------------------------------------------------------------------------------

    def _columns(self, rows):
        custom_fields = list(CustomField.objects.filter(active=True))
        explicit = {title: IGNORE for title in EXPOSURE_HEADERS}  # read here, not by the line list
        columns = columns_find(rows, explicit=explicit, custom_fields=custom_fields, grid_required=False)
        exposure: dict[str, int] = {}
        for index, title in enumerate(columns.titles):
            key = _EXPOSURE_KEYS.get(header_key(title))
            if key is None:
                continue
            if key in exposure:
                raise DomainError("ambiguous_columns", _("The columns %(cols)s all give %(field)s; keep one of "
                                                         "them.") % {"cols": listed(
                                      columns.titles[i] for i in (exposure[key], index)), "field": key})
            exposure[key] = index
        if "last_contact" not in exposure:
            raise DomainError("missing_columns", _("The file has no column for %(cols)s.")
                              % {"cols": EXPOSURE_TITLES["last_contact"]})
        self.titles = {**TITLES, **columns.title_of,
                       **{key: str(columns.titles[i]) for key, i in exposure.items()}}
        self.titles.setdefault("first_contact", self.titles["last_contact"])
        return columns, custom_fields, exposure

    def run(self) -> None:
        record, by = self.record, self.by
        exposure_degree(self.case.person)  # an excluded case has no contacts to trace
        # The limits before any parser runs; a contact list is short, so its rows are bounded far below a sheet's.
        self.table = table_inspect(self.path, name=record.filename, limits=Limits.configured(rows=MAX_LINES))
        with closing(table_rows(self.table)) as rows:
            columns, custom_fields, exposure_columns = self._columns(rows)
            self.columns = columns
            data_rows = []
            for line, cells in rows:
                if not any(c not in (None, "") for c in cells):
                    continue
                data_rows.append((line, list(cells)))
                if len(data_rows) > MAX_ROWS:
                    raise DomainError("too_many_rows", _("A contact list holds at most %(n)d rows; split the "
                                                         "file.") % {"n": MAX_ROWS})
        if not data_rows:
            raise DomainError("empty_file", _("The file has a header row but no contacts."))
        record.total_rows = len(data_rows)
        self.published(0)

        # 2. every row checked
        scope = scope_for(by, PERSONS_EDIT) if by is not None else Scope(None)
        grids = Grids(unit=record.unit, scope=scope)
        default_grid = record.unit.code if record.unit.kind in (OrgUnit.Kind.GRID, OrgUnit.Kind.COMMUNITY) else ""
        cleaner = row_cleaner(columns, custom_fields=custom_fields, today=timezone.localdate(),
                              language=translation.get_language() or "zh-hans", grids=grids, categories=None,
                              default_grid=default_grid, convert=self.table.kind == XLSX)
        cleaned = [(Record(*r), problems) for r, problems in cleaner(data_rows)]  # read by name below
        registered = people_registered([r for r, _problems in cleaned if r.doc_key is not None])
        grid_title = self.titles["grid"]
        checked = []
        for r, problems in cleaned:
            if problems and (r.doc_type, r.doc_number) in registered:
                problems = [(t, m) for t, m in problems if t != grid_title] or None  # not registered again
            checked.append((r, problems))
        valid, bad = RowChecker(grids=grids, doc_title=columns.title_of["doc_number"],
                                merge_repeats=False).take(checked)  # a contact listed twice: a mistake
        for line, problems in bad:
            for title, message in problems:
                self.error(line, title, message)
        cells = dict(data_rows)
        exposures = {r.line: self._exposure_check(r.line, cells[r.line], exposure_columns)
                     for r, _problems in cleaned}
        people = self._people_check(valid, registered)
        if not self.errors:
            try:
                with transaction.atomic():
                    self._write(valid, registered, people, exposures, exposure_columns)
                    if self.errors:
                        raise _Rejected
            except _Rejected:
                pass
        if self.errors:
            self._reject()
        else:
            self._done()

    def _exposure_check(self, line: int, cells: list, columns: dict[str, int]) -> dict:
        """The exposure of a row, cleaned as a contact added by hand is; its errors noted by column."""
        raw, errors = {}, {}
        for key, index in columns.items():
            value = cells[index] if index < len(cells) else None
            if value in (None, "") or (isinstance(value, str) and not value.strip()):
                continue
            if key in ("first_contact", "last_contact"):
                try:
                    raw[key] = parse_date(value)
                except ValueError as exc:
                    errors[key] = [str(exc)]
            elif key in CHOICE_FIELDS:
                word = normalize_name(str(value)).lower()
                found = self.words[key].get(word)
                if found is None:
                    labels = "、".join(str(label) for label in CHOICE_FIELDS[key].labels)
                    errors[key] = [_("Choose one of: %(c)s.") % {"c": labels}]
                raw[key] = found
            else:
                raw[key] = str(value).strip()
        if "last_contact" not in raw and "last_contact" not in errors:
            errors["last_contact"] = [_("Give the date of the last contact.")]
        clean, more = exposure_clean(raw)
        if not errors:  # a first contact left blank is the last one: its errors are the last one's
            errors = {k: v for k, v in more.items() if k != "first_contact" or "first_contact" in raw}
        for key, messages in errors.items():
            for message in messages:
                self.error(line, self.titles.get(key, key), message)
        given = {k for k, v in raw.items() if v not in (None, "")}
        return {"clean": clean, "given": given}

    def _people_check(self, valid: list, registered: dict) -> dict[int, Person]:
        """The people already registered among the valid rows; a name that differs, the case itself, or a
        case among them is an error of the row. Of those registered outside the importer's units nothing is
        said: they are referred there (contact_refer)."""
        ids = [registered[(r.doc_type, r.doc_number)][0] for r in valid
               if (r.doc_type, r.doc_number) in registered]
        people = Person.objects.in_bulk(ids)
        cases = set(Case.objects.filter(person_id__in=ids).exclude(classification=Case.Classification.EXCLUDED)
                    .values_list("person_id", flat=True))
        visible = scope_for(self.by, PERSONS_VIEW) if self.by is not None else Scope(None)
        name_title, doc_title = self.titles["name"], self.titles["doc_number"]
        for r in valid:
            hit = registered.get((r.doc_type, r.doc_number))
            if hit is None:
                continue
            person = people[hit[0]]
            if not contact_in_scope(person, by=self.by):
                continue
            if person.pk == self.case.person_id:
                self.error(r.line, doc_title, _("This is the case itself."))
            elif person.pk in cases:
                self.error(r.line, doc_title, _("%(name)s is a case: cases are not followed up as contacts.")
                           % {"name": person.name if visible.covers(person.unit_path) else r.name})
            if normalize_name(r.name) != person.name:
                self.error(r.line, name_title, (_("This document is registered under the name %(name)s.")
                                                 % {"name": person.name}) if visible.covers(person.unit_path)
                           else _("This document is registered under another name."))
        return people

    # -- 3. writing ----------------------------------------------------------------------------------

    def _write(self, valid, registered, people, exposures, exposure_columns) -> None:
        record, by, source = self.record, self.by, self.case.person
        known = {e.exposed_id: e for e in Exposure.objects.filter(source=source, exposed_id__in=list(people))}
        grid_codes = dict(OrgUnit.objects.filter(pk__in={r.grid for r in valid if isinstance(r.grid, int)})
                          .values_list("pk", "code"))
        for done, r in enumerate(valid):
            self.published(done)
            line, exposure = r.line, exposures[r.line]
            hit = registered.get((r.doc_type, r.doc_number))
            try:
                if hit is None:
                    person = person_register(data=_person_data(r, grid_codes), by=by)
                    exposure_record(source=source, exposed=person, data=exposure["clean"], by=by)
                    record.created += 1
                    continue
                if not contact_in_scope(people[hit[0]], by=by):
                    contact_refer(source=source, person=people[hit[0]], last_contact=exposure["clean"]["last_contact"],
                                  by=by)
                    self.referred += 1
                    continue
                existing = known.get(hit[0])
                if existing is None:
                    exposure_record(source=source, exposed=people[hit[0]], data=exposure["clean"], by=by)
                    record.linked += 1
                    continue
                target = _exposure_merged(existing, exposure)
                if all(getattr(existing, k) == v for k, v in target.items()):
                    record.unchanged += 1
                    continue
                exposure_record(source=source, exposed=people[hit[0]], data=target, by=by)
                record.updated += 1
            except DomainError as exc:  # a rule of the services: the row's error; the rest is still checked
                if not exc.fields:  # about the person as a whole: named by their document
                    self.error(line, self.titles["doc_number"], exc.message)
                for key, messages in exc.fields.items():
                    for message in messages:
                        self.error(line, self.titles.get(key, self.titles["doc_number"]), message)
        if not self.errors and (record.created or record.linked or record.updated):
            audit_record(actor=by, action="create", obj=record, object_repr=record.filename,
                         unit_path=record.unit_path, note=gettext_noop("contacts imported from a file"),
                         after={"file": record.filename, "registered": record.created, "linked": record.linked,
                                "updated": record.updated, "unchanged": record.unchanged})

    # -- the outcome ---------------------------------------------------------------------------------

    def _done(self) -> None:
        record = self.record
        record.state = ContactImport.State.DONE
        record.message = _("%(created)d registered and added, %(linked)d already registered and added, "
                           "%(updated)d updated, %(unchanged)d unchanged.") % {
            "created": record.created, "linked": record.linked, "updated": record.updated,
            "unchanged": record.unchanged}
        if self.referred:
            record.message += " " + _("Registered in another unit and referred there for verification: %(n)d.") % {
                "n": self.referred}

    def _reject(self) -> None:
        record = self.record
        record.state = ContactImport.State.REJECTED
        record.created = record.linked = record.updated = record.unchanged = 0
        record.error_rows = len(self.errors)
        record.errors = [{"line": line, "column": clip(title), "reason": clip(message, REASON_CHARS)}
                         for line in sorted(self.errors) for title, message in self.errors[line]][:ERRORS_KEPT]
        record.message = ngettext(
            "%(errors)d of %(total)d rows has errors; nothing was written. Download the error file, "
            "correct the rows and import the file again.",
            "%(errors)d of %(total)d rows have errors; nothing was written. Download the error file, "
            "correct the rows and import the file again.", record.error_rows) % {
            "errors": record.error_rows, "total": record.total_rows}
        self._error_file_write()

    def _error_file_write(self) -> None:
        """The rows with errors as they were, with the reasons in a last column, in the file's own format."""
        error_file_save(self.record.error_file, table=self.table, titles=self.columns.titles,
                        rows=((line, self.errors[line]) for line in sorted(self.errors)), uploaded=self.record.filename)


def _person_data(r: Record, grid_codes: dict[int, str]) -> dict:
    """A checked row as the line list's register service takes it."""
    data = {"name": r.name, "doc_type": r.doc_type, "doc_number": r.doc_number, "sex": r.sex,
            "birth_date": r.birth or "", "phone": r.phone, "address": r.address, "grid": grid_codes[r.grid],
            "household_relation": r.relation, "notes": r.notes}
    data.update({f"custom.{key}": value for key, value in (r.custom or {}).items()})
    return data


def _exposure_merged(existing: Exposure, exposure: dict) -> dict:
    """An exposure already recorded, with what the row says new: the dates widened, the circumstances the
    row gives."""
    clean, given = exposure["clean"], exposure["given"]
    target = {"first_contact": min(existing.first_contact, clean["first_contact"]),
              "last_contact": max(existing.last_contact, clean["last_contact"])}
    for key in ("setting", "proximity", "certainty", "note"):
        target[key] = clean[key] if key in given else getattr(existing, key)
    return target


def contact_import_error_file_open(record: ContactImport, *, by) -> File:
    """Open the error file of an import for download (rows of personal data: the download is audited)."""
    return error_file_open(record, by=by, note=gettext_noop("error file of a contact list import downloaded"))
