"""Writing CSV and XLSX: one writer for every export and error file, every cell inert.

A spreadsheet runs text that begins with = + - @ (or a tab or carriage return before them) as a formula:
=HYPERLINK("http://…?x="&A1,"查看") sends the neighbouring cell away, +cmd|' /C calc'!A0 starts a program.
Every text cell beginning with one of these characters is written after a single quote (OWASP's advice for
CSV injection), in CSV and in XLSX alike, so that the file reads the same whichever way it is opened; and in
XLSX text is written as text, never as a formula or an error value. Numbers, dates and booleans stay what
they are: the number -5 is not text, "-5" typed as text is.
"""

import csv
import datetime as dt
import io
import re
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from urllib.parse import quote

from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from core.tabular.reading import CSV, XLSX

FORMATS = (CSV, XLSX)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
_DANGER = frozenset("=+-@\t\r")
_KEPT = frozenset({int, float, Decimal, bool, dt.date, dt.time, type(None)})
# Characters XML 1.0 cannot hold (openpyxl refuses them), and the text Excel takes for an error value.
_ILLEGAL = re.compile(r"[\000-\010\013\014\016-\037]")
_ERROR_VALUES = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"})
_SHEET_TITLE = re.compile(r"[\[\]:*?/\\]")
_FLUSH_AT = 64 * 1024


def cell_safe(value):
    """`value` as a file may hold it: text beginning with = + - @, tab or carriage return behind a single quote;
    numbers, dates, booleans and None unchanged; anything else (lazy translations, objects) as text."""
    kind = value.__class__
    if kind is str:
        return "'" + value if value[:1] in _DANGER else value
    if kind in _KEPT or kind is dt.datetime:
        return value
    if isinstance(value, int | float | Decimal | dt.date | dt.time):
        return value
    text = str(value)
    return "'" + text if text[:1] in _DANGER else text


def _xlsx_value(sheet, value):
    """A value for a write-only sheet: made safe, text that openpyxl would take for something else given as a
    text cell, characters XML cannot hold left out, aware times in local time (Excel has no time zones)."""
    value = cell_safe(value)
    kind = value.__class__
    if kind is str:
        if _ILLEGAL.search(value):
            value = _ILLEGAL.sub("", value)
        if value in _ERROR_VALUES:
            from openpyxl.cell import WriteOnlyCell

            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            return cell
        return value
    if kind is dt.datetime and value.tzinfo is not None:
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def sheet_title(title: str | None) -> str | None:
    """A sheet name Excel accepts: without [ ] : * ? / \\, at most 31 characters."""
    if title is None:
        return None
    return _SHEET_TITLE.sub("", str(title)).strip("'")[:31] or "Sheet1"


class TableWriter:
    """Rows written to the binary file `out` as CSV (UTF-8 with the byte-order mark Excel needs) or XLSX (one
    write-only sheet, streamed to a temporary file until `close`), every cell made safe."""

    def __init__(self, out, kind: str, *, sheet: str | None = None):
        if kind not in FORMATS:
            raise ValueError(kind)
        self.kind, self.out = kind, out
        if kind == XLSX:
            from openpyxl import Workbook

            self.book = Workbook(write_only=True)
            self.sheet = self.book.create_sheet(sheet_title(sheet))
        else:
            self.text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
            self.writer = csv.writer(self.text)

    def row(self, cells: Iterable) -> None:
        if self.kind == XLSX:
            sheet = self.sheet
            sheet.append([_xlsx_value(sheet, v) for v in cells])
        else:
            self.writer.writerow([cell_safe(v) for v in cells])

    def rows(self, rows: Iterable[Iterable]) -> None:
        for cells in rows:
            self.row(cells)

    def close(self) -> None:
        if self.kind == XLSX:
            self.book.save(self.out)
        else:
            self.text.flush()
            self.text.detach()  # the caller's file stays open

    def __enter__(self):
        return self

    def __exit__(self, kind, value, traceback):
        if kind is None:
            self.close()


def table_bytes(*, header: Sequence | None, rows: Iterable[Iterable], kind: str, sheet: str | None = None) -> bytes:
    """`header` and `rows` as the bytes of a CSV or XLSX file."""
    out = io.BytesIO()
    with TableWriter(out, kind, sheet=sheet) as writer:
        if header is not None:
            writer.row(header)
        writer.rows(rows)
    return out.getvalue()


def csv_as_sent(path, *, header: Sequence, rows: Iterable[Iterable]) -> None:
    """A CSV file at `path` as users send one (UTF-8 with a BOM), its cells written as they are, not made inert:
    for the generators of the files tests and benchmarks import, whose cells (+86 phones) must reach the import as
    a sheet holds them. Never for a file handed to a user."""
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)


# -- downloads: a name in the reader's language, an ASCII one for the clients that read no other ---------------

# Characters no file name may hold on the systems officials use (Windows refuses \\ / : * ? " < > |), controls.
_NOT_IN_NAMES = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')
_NOT_ASCII_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def date_zh(day: dt.date) -> str:
    """A date as Chinese documents write it: 2020年5月21日."""
    return f"{day.year}年{day.month}月{day.day}日"


def date_for_reader(day: dt.date) -> str:
    """A date as the reader's language writes it in a file or its name: 2020年5月21日, or 2020-05-21 in English."""
    return day.isoformat() if (get_language() or "").startswith("en") else date_zh(day)


def download_name(name: str) -> str:
    """`name` as a file may be called: no path separators, characters Windows refuses or controls; at most 150
    characters before the extension."""
    name = _NOT_IN_NAMES.sub("-", unicodedata.normalize("NFC", str(name))).strip(" .-") or "download"
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or len(ext) > 8:
        stem, dot, ext = name, "", ""
    return stem[:150].rstrip(" .-") + dot + ext


def ascii_name(name: str) -> str:
    """The ASCII name sent beside `name` for clients that cannot read an RFC 5987 one."""
    plain = re.sub(r"-+(?=\.|$)", "", re.sub(r"-{2,}", "-", _NOT_ASCII_NAME.sub("-", str(name))))
    return plain.strip("-.") or "download"


def attachment_header(filename: str, *, fallback: str) -> str:
    """The Content-Disposition of a download called `filename` in any language: the ASCII `fallback` as
    filename= (Django's content_disposition_header) and `filename` as filename*=UTF-8'' (RFC 6266, RFC 5987),
    which browsers prefer; a name that is ASCII already is sent once."""
    name, plain = download_name(filename), ascii_name(download_name(fallback))
    header = content_disposition_header(True, plain)
    if name != plain:
        header += f"; filename*=UTF-8''{quote(name, safe='')}"
    return header


def attachment(response, filename: str, *, fallback: str):
    """`response` sent as the download `filename` (`fallback` for clients that read only ASCII names)."""
    response["Content-Disposition"] = attachment_header(filename, fallback=fallback)
    return response


def file_download(handle, *, filename: str, fallback: str) -> FileResponse:
    """An open file (an import's error file) as the download `filename`, its type from the name."""
    response = FileResponse(handle, as_attachment=True, filename=download_name(filename))
    return attachment(response, filename, fallback=fallback)


def error_file_download(handle, *, stored: str, uploaded: str, fallback: str) -> FileResponse:
    """An import's error file (stored as `stored`) as a download named after the file that was imported,
    人员名单-未导入的行.xlsx for 人员名单.xlsx; `fallback`-errors.xlsx for ASCII-only clients."""
    extension = stored.rsplit(".", 1)[-1] if "." in stored else "csv"
    stem = uploaded.replace("\\", "/").rsplit("/", 1)[-1]
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    not_imported = _("rows not imported")  # outside the f-string, where makemessages finds it
    return file_download(handle, filename=f"{stem}-{not_imported}.{extension}",
                         fallback=f"{fallback}-errors.{extension}")


def table_download(*, header: Sequence, rows: Iterable[Iterable], fmt: str, filename: str, fallback: str,
                   sheet: str | None = None) -> HttpResponse:
    """A small table as the download `filename`.csv or .xlsx (`fmt`; `fallback`.`fmt` for ASCII-only clients),
    the XLSX's one sheet named `sheet`."""
    data = table_bytes(header=header, rows=rows, kind=fmt, sheet=sheet)
    return attachment(HttpResponse(data, content_type=XLSX_TYPE if fmt == XLSX else CSV_TYPE), f"{filename}.{fmt}",
                      fallback=f"{fallback}.{fmt}")


def csv_chunks(*, header: Sequence, rows: Iterable[Iterable]) -> Iterator[bytes]:
    """A CSV file a piece at a time, for a response that streams while the rows are read."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow([cell_safe(v) for v in header])
    for cells in rows:
        writer.writerow([cell_safe(v) for v in cells])
        if buffer.tell() > _FLUSH_AT:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def table_stream(*, header: Sequence, rows: Iterable[Iterable], fmt: str, filename: str, fallback: str,
                 sheet: str | None = None) -> StreamingHttpResponse:
    """A large table as a download (named as `table_download` names it): CSV streamed as its rows are read; XLSX
    written to a temporary file (a zip is finished only at its end) and streamed from there, so memory holds
    neither."""
    names = {"filename": f"{filename}.{fmt}", "fallback": f"{fallback}.{fmt}"}
    if fmt == CSV:
        return attachment(StreamingHttpResponse(csv_chunks(header=header, rows=rows), content_type=CSV_TYPE), **names)
    out = tempfile.TemporaryFile()
    with TableWriter(out, XLSX, sheet=sheet) as writer:
        writer.row(header)
        writer.rows(rows)
    out.seek(0)
    return attachment(FileResponse(out, content_type=XLSX_TYPE), **names)


# -- laid-out workbooks (styles, merged cells) ------------------------------------------------------------

def workbook_new():
    """An empty openpyxl workbook for a layout with styles and merged cells; saved with `workbook_bytes`."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    return book


def workbook_laid_out(content: bytes, *, values: bool = False):
    """A laid-out workbook read whole (styles, merged cells, print settings), to read its layout or to fill a copy
    of it and save it with `workbook_bytes`; `values`: each formula as the value the file last showed. For a file
    already checked (table_inspect's limits): a template, never an import."""
    import io

    from openpyxl import load_workbook

    return load_workbook(io.BytesIO(content), data_only=values)


def workbook_bytes(book) -> bytes:
    """The workbook's file, every text cell made safe and written as text first."""
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                value = cell.value
                if value is None or cell.__class__.__name__ == "MergedCell":
                    continue
                if isinstance(value, str) or cell.data_type in ("f", "e"):
                    safe = cell_safe(str(value))
                    if _ILLEGAL.search(safe):
                        safe = _ILLEGAL.sub("", safe)
                    cell.value = safe
                    cell.data_type = "s"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
