"""Reading the CSV and XLSX files users send: the kind told by the content, every limit checked before a parser
runs and again while rows stream.

1. `table_inspect` tells a workbook from text by its first bytes. A workbook's zip is inspected before
   openpyxl opens it: how many members, what each declares it unpacks to (zipfile never hands a reader more
   than that), in total and against its packed size; then every XML member is unpacked as a stream, a
   megabyte at a time, and scanned for a stretch without a tag longer than any allowed cell (a 1 GB shared
   string or cell is refused after its first few kilobytes, before openpyxl would load it whole), for a
   document type declaration (entity expansion) and for more rows than allowed. Text is checked to be UTF-8
   (with or without BOM), UTF-16 with BOM or GB18030 from its first byte to its last.
2. `table_rows` streams the rows, checking rows, columns and cell length as it goes, so a sheet whose
   recorded size lies is still bounded; the checks are counters and the csv module's own field limit.

Every refusal is a DomainError naming the file and the limit, in the user's language. Nothing here needs
the app registry at import time: worker processes import it before they set Django up.
"""

import codecs
import csv
import dataclasses
import datetime as dt
import io
import os
import re
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from django.utils.translation import gettext as _

from core.errors import DomainError
from core.tabular.limits import MB, RATIO_FROM_BYTES, WHOLE_MEMBER_BYTES, Limits, clip

XLSX, CSV = "xlsx", "csv"
EXTENSIONS = (".csv", ".xlsx")  # the names an upload may have
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the compound file of .xls (Excel 97–2003)
_HEAD = 64 * 1024
_CHUNK = 1 << 20
# Bytes that text never holds (NUL and the C0 controls but tab, line feed, form feed, carriage return, escape).
_CONTROLS = bytes([*range(0, 9), 11, *range(14, 27), *range(28, 32)])
_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)


@dataclasses.dataclass(frozen=True)
class Table:
    """A file checked by `table_inspect`: its rows can be read (by `table_rows`, in any process)."""

    source: str | bytes  # a path, or the file's bytes
    name: str  # as the user named it, for messages
    kind: str  # XLSX or CSV
    encoding: str | None  # of a CSV
    limits: Limits
    rows_hint: int = 0  # rows of the largest sheet (a workbook) or lines (text), for a progress bar


def table_inspect(source: str | os.PathLike | bytes, *, name: str, limits: Limits | None = None) -> Table:
    """Tell the file's kind by its content and check it whole against `limits` (the settings by default)."""
    limits = limits or Limits.configured()
    source = source if isinstance(source, bytes) else os.fspath(source)
    head = _head(source)
    if head.startswith(_ZIP):
        rows = _xlsx_check(source, name=name, limits=limits)
        return Table(source, name, XLSX, None, limits, rows_hint=max(rows - 1, 0))
    if head.startswith(_OLE):
        raise _refused("old_excel", _("%(name)s is an Excel 97–2003 workbook (.xls). Save it from Excel as .xlsx "
                                      "and upload that.") % {"name": clip(name)})
    encoding, lines = _csv_check(source, name=name, head=head)
    return Table(source, name, CSV, encoding, limits, rows_hint=lines)


def table_sniff(file, *, name: str) -> None:
    """Refuse at once an uploaded file whose first bytes show it is no CSV or XLSX (an .xls, a picture, binary
    data); the full checks run when it is read. The file is left at its start."""
    file.seek(0)
    head = file.read(_HEAD)
    file.seek(0)
    if head.startswith(_ZIP):
        return
    if head.startswith(_OLE):
        raise _refused("old_excel", _("%(name)s is an Excel 97–2003 workbook (.xls). Save it from Excel as .xlsx "
                                      "and upload that.") % {"name": clip(name)})
    if not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and _binary(head):
        raise unreadable(name)


def upload_check(file, *, name: str) -> str:
    """The name of an uploaded file without its folders, the file refused at once unless it is named .csv or .xlsx
    and its first bytes are a CSV's or an XLSX's (table_sniff); the full checks run when it is read."""
    name = Path(name or "").name
    if Path(name).suffix.lower() not in EXTENSIONS:
        message = _("%(name)s is not a CSV or XLSX file. Save the sheet from Excel as .xlsx (or as CSV) and "
                    "upload that.") % {"name": clip(name or "?")}
        raise DomainError("unsupported_file", message, fields={"file": [message]})
    table_sniff(file, name=name)
    return name


def rows_read(source: str | os.PathLike | bytes, *, name: str, limits: Limits | None = None
              ) -> Iterator[tuple[int, list | tuple]]:
    """Every row of the file as (row number as a spreadsheet shows it, cells), after `table_inspect`; lazy:
    nothing is read, and nothing refused, before the first row is asked for."""
    yield from table_rows(table_inspect(source, name=name, limits=limits))


def table_rows(table: Table) -> Iterator[tuple[int, list | tuple]]:
    """The rows of a checked file, streamed: lists of text (CSV) or tuples of values (the first sheet of a
    workbook: str, int, float, datetime, bool or None)."""
    if table.kind == XLSX:
        with workbook_open(table) as book:
            if not book.worksheets:
                raise unreadable(table.name)
            yield from sheet_rows(book.worksheets[0], table)
        return
    yield from _csv_rows(table)


@contextmanager
def workbook_open(table: Table):
    """The checked workbook opened by openpyxl, read-only, values instead of formulas; closed after the block."""
    import openpyxl  # worker processes reading text never load it

    handle = _open(table.source)
    try:
        try:
            book = openpyxl.load_workbook(handle, read_only=True, data_only=True)
        except Exception:  # a damaged or mislabelled file: zipfile, KeyError, XML errors, …
            raise unreadable(table.name) from None
        try:
            yield book
        finally:
            book.close()
    finally:
        handle.close()


def sheet_rows(sheet, table: Table) -> Iterator[tuple[int, tuple]]:
    """The rows of a read-only sheet as (row number, values), within the table's limits."""
    limits, name = table.limits, table.name
    most_rows, most_columns, chars = limits.rows, limits.columns, limits.cell_chars
    sheet.reset_dimensions()  # the size a sheet records may be wrong (or a lie): read what is there
    for line, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
        if line > most_rows:
            raise too_many_rows(name, most_rows)
        if len(cells) > most_columns:
            cells = _trimmed(cells)
            if len(cells) > most_columns:
                raise too_many_columns(name, line, len(cells), most_columns)
        for value in cells:
            if value.__class__ is str and len(value) > chars:
                raise cell_too_long(name, chars, line)
        yield line, cells


def cell_text(value) -> str:
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


@contextmanager
def stored_path(stored) -> Iterator[str]:
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


# -- refusals ---------------------------------------------------------------------------------------------

def _refused(code: str, message: str) -> DomainError:
    return DomainError(code, message, fields={"file": [message]})


def unreadable(name: str) -> DomainError:
    return _refused("unreadable_file", _("%(name)s is not a CSV or XLSX file that can be read. Save the sheet "
                                         "from Excel as .xlsx (or as CSV) and upload that.") % {"name": clip(name)})


def too_many_rows(name: str, most: int) -> DomainError:
    return _refused("too_many_rows", _("%(name)s has more than %(n)d rows. Split it into files of fewer rows.")
                    % {"name": clip(name), "n": most})


def too_many_columns(name: str, line: int, count: int, most: int) -> DomainError:
    return _refused("too_many_columns", _("%(name)s: row %(row)d has %(count)d columns; at most %(n)d are read. "
                                          "Delete the columns that are not needed.")
                    % {"name": clip(name), "row": line, "count": count, "n": most})


def cell_too_long(name: str, most: int, line: int | None = None) -> DomainError:
    if line is None:
        message = _("%(name)s holds a cell longer than %(n)d characters.") % {"name": clip(name), "n": most}
    else:
        message = _("%(name)s: a cell of row %(row)d is longer than %(n)d characters.") % {
            "name": clip(name), "row": line, "n": most}
    return _refused("cell_too_long", message)


def _unsafe(name: str, why: str) -> DomainError:
    return _refused("unsafe_workbook", _("%(name)s cannot be read safely: %(why)s Save it again from Excel, or "
                                         "split it, and upload that.") % {"name": clip(name), "why": why})


# -- workbooks --------------------------------------------------------------------------------------------

def _open(source: str | bytes):
    return io.BytesIO(source) if isinstance(source, bytes) else open(source, "rb")  # noqa: SIM115


def _head(source: str | bytes) -> bytes:
    with _open(source) as f:
        return f.read(_HEAD)


def _whole(member: str) -> bool:
    """Whether openpyxl parses this member whole into memory (all but the sheets and the shared strings)."""
    lower = member.lower()
    return not (lower == "xl/sharedstrings.xml" or (lower.startswith("xl/worksheets/") and lower.count("/") == 2))


def _xlsx_check(source: str | bytes, *, name: str, limits: Limits) -> int:
    """Refuse a workbook beyond `limits` (step 1 of the module's docstring); the rows of its largest sheet."""
    try:
        with _open(source) as handle, zipfile.ZipFile(handle) as archive:
            members = archive.infolist()
            if len(members) > limits.zip_members:
                raise _unsafe(name, _("it holds %(count)d files inside, more than %(n)d.")
                              % {"count": len(members), "n": limits.zip_members})
            total = 0
            for info in members:
                size = info.file_size
                total += size
                most = min(limits.zip_member_bytes, WHOLE_MEMBER_BYTES) if _whole(info.filename) \
                    else limits.zip_member_bytes
                if size > most or total > limits.zip_total_bytes:
                    raise _unsafe(name, _("it unpacks to more than %(mb)d MB.")
                                  % {"mb": (most if size > most else limits.zip_total_bytes) // MB})
                if size > RATIO_FROM_BYTES and size > limits.zip_ratio * max(info.compress_size, 1):
                    raise _unsafe(name, _("part of it unpacks to %(ratio)d times its packed size, more than %(n)d.")
                                  % {"ratio": size // max(info.compress_size, 1), "n": limits.zip_ratio})
            rows = 0
            for info in members:
                if info.filename.lower().endswith((".xml", ".rels")):
                    rows = max(rows, _xml_scan(archive, info, name=name, limits=limits))
            return rows
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, NotImplementedError, OSError,
            RuntimeError, ValueError):  # a damaged archive, an unknown compression, an encrypted member
        raise unreadable(name) from None


_RUNS: dict[int, re.Pattern] = {}


def _xml_scan(archive: zipfile.ZipFile, info: zipfile.ZipInfo, *, name: str, limits: Limits) -> int:
    """Unpack one XML member as a stream and refuse a cell too long or a document type declaration; the rows of
    a sheet counted, and refused beyond the limit. Returns the member's rows."""
    run = _RUNS.get(limits.run_bytes)
    if run is None:  # a tag followed by that many bytes without another
        run = _RUNS.setdefault(limits.run_bytes, re.compile(rb"<[^<]{%d}" % limits.run_bytes))
    counting = not _whole(info.filename) and info.filename.lower() != "xl/sharedstrings.xml"
    rows = 0
    carry = b"<"  # the text after the last tag of what was read, which the next chunk continues
    with archive.open(info) as member:
        while chunk := member.read(_CHUNK):
            data = carry + chunk
            if run.search(data):
                raise cell_too_long(name, limits.cell_chars)
            if b"<!" in data and _DTD.search(data):
                raise unreadable(name)
            if counting:
                rows += len(_ROW_TAG.findall(data)) - len(_ROW_TAG.findall(carry))
                if rows > limits.rows:
                    raise too_many_rows(name, limits.rows)
            carry = data[data.rfind(b"<"):]
    return rows


def _trimmed(cells: Sequence) -> Sequence:
    """A row without its empty cells at the end (styled but empty cells far to the right)."""
    end = len(cells)
    while end and cells[end - 1] in (None, ""):
        end -= 1
    return cells[:end]


# -- text -------------------------------------------------------------------------------------------------

def _binary(head: bytes) -> bool:
    """Whether the first bytes of a file are not text: NUL or other control bytes (more than one in a hundred)."""
    if not head:
        return False
    controls = len(head) - len(head.translate(None, _CONTROLS))
    return b"\x00" in head or controls * 100 > len(head)


def _csv_check(source: str | bytes, *, name: str, head: bytes) -> tuple[str, int]:
    """(encoding, lines) of a text file read whole: UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030;
    a file that is none of them, or binary, is refused."""
    if head.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8", "gb18030"]
    if candidates[0] != "utf-16" and _binary(head.removeprefix(codecs.BOM_UTF8)):
        raise unreadable(name)
    for encoding in candidates:
        decoder = codecs.getincrementaldecoder(encoding)()
        lines = 0
        try:
            with _open(source) as f:
                while chunk := f.read(_CHUNK):
                    decoder.decode(chunk)
                    lines += chunk.count(b"\n")
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding, max(lines - 1, 0)
    raise unreadable(name)


def _csv_rows(table: Table) -> Iterator[tuple[int, list]]:
    limits, name = table.limits, table.name
    source = table.source
    raw = io.BytesIO(source) if isinstance(source, bytes) else open(source, "rb")  # noqa: SIM115
    with io.TextIOWrapper(raw, encoding=table.encoding, newline="") as text:
        first = text.readline(_HEAD)
        text.seek(0)
        delimiter = "\t" if "\t" in first and "," not in first else ","
        # The csv module refuses a longer field itself, at C speed. Its limit is the whole process's: set while
        # this file is read, put back when it is done.
        previous = csv.field_size_limit(limits.cell_chars)
        most_rows, most_columns = limits.rows, limits.columns
        line = 0
        try:
            for line, cells in enumerate(csv.reader(text, delimiter=delimiter), start=1):
                if line > most_rows:
                    raise too_many_rows(name, most_rows)
                if len(cells) > most_columns:
                    cells = list(_trimmed(cells))
                    if len(cells) > most_columns:
                        raise too_many_columns(name, line, len(cells), most_columns)
                yield line, cells
        except csv.Error as exc:
            if "field limit" in str(exc):
                raise cell_too_long(name, limits.cell_chars, line + 1) from None
            raise unreadable(name) from None
        except UnicodeDecodeError:  # the file changed since it was checked
            raise unreadable(name) from None
        finally:
            csv.field_size_limit(previous)
