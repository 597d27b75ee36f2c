"""Reading an uploaded file: a path on disk, the CSV encoding, every row streamed; and the entry of the worker
processes that read a large file and clean its rows.

Nothing here needs Django's app registry at import time: a spawned worker imports this module before it
has set Django up.
"""

import codecs
import csv
import datetime as dt
import multiprocessing
import os
import pickle
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import openpyxl
from django.utils.translation import gettext as _

from core.errors import DomainError


@contextmanager
def local_path(stored) -> Iterator[str]:
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


def csv_encoding(path: str) -> str:
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


def rows_read(path: str, kind: str) -> Iterator[tuple[int, list]]:
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
    encoding = csv_encoding(path)
    with open(path, encoding=encoding, newline="") as text:
        first = text.readline()
        text.seek(0)
        delimiter = "\t" if "\t" in first and "," not in first else ","
        try:
            yield from enumerate(csv.reader(text, delimiter=delimiter), start=1)
        except (UnicodeDecodeError, csv.Error) as exc:
            raise DomainError("unreadable_file", _("The file cannot be read as CSV text (UTF-8 or GB18030): %(e)s")
                              % {"e": exc}) from None


def rows_estimate(path: str, kind: str) -> int:
    """Roughly how many data rows the file holds (for the progress bar before the rows are counted)."""
    if kind == ".xlsx":
        return 0
    lines = 0
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            lines += chunk.count(b"\n")
    return max(lines - 1, 0)


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


def worker_main(results, payload: bytes, part: int) -> None:
    """The target of a worker process: set Django up, then clean its share of the file (check.clean_file)."""
    _end_with_parent()
    # Names' initials are looked up a character at a time (identity.pinyin_initials), which never reads
    # pypinyin's dictionary of phrases: leaving it out saves 44 MB in each worker.
    os.environ.setdefault("PYPINYIN_NO_PHRASES", "1")
    import django

    django.setup()
    from persons.importing.check import clean_file  # needs the app registry

    clean_file(results, part=part, **pickle.loads(payload))


def _end_with_parent() -> None:
    """End this worker as soon as the process that started it ends. A parent killed outright (SIGKILL, out of
    memory) never terminates its workers, and one blocked on its full queue would wait for ever."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch():
        parent.join()  # returns when the parent's end of their pipe closes, however the parent ended
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
