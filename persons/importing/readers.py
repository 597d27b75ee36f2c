"""The rows of a file cleaned a chunk at a time, in this process or, for a large file, by worker processes that read
the file themselves (the file itself is read by core.tabular, within its limits).

Nothing here needs Django's app registry at import time: a spawned worker imports this module before it
has set Django up; the cleaner it is sent (check.RowCleaner) is unpickled after.
"""

import multiprocessing
import os
import pickle
import queue
import threading
import traceback
from collections.abc import Callable, Iterable, Iterator

from core.errors import DomainError
from core.tabular import XLSX, Table, table_rows

CHUNK = 4000  # rows per piece of work for a worker process, and per batch written
PARALLEL_FROM = 50_000  # smaller files are checked in this process: starting the workers takes about a second
XLSX_PARALLEL_BYTES = 2 << 20  # a workbook this large holds tens of thousands of rows

# Cleans a chunk of (line, cells) into [(record, errors or None)] (check.RowCleaner); picklable.
Cleaner = Callable[[list[tuple[int, list]]], list]


def worker_main(results, payload: bytes, part: int) -> None:
    """The target of a worker process: set Django up, then clean its share of the file (clean_file)."""
    _end_with_parent()
    # Names' initials are looked up a character at a time (identity.pinyin_initials), which never reads
    # pypinyin's dictionary of phrases: leaving it out saves 44 MB in each worker.
    os.environ.setdefault("PYPINYIN_NO_PHRASES", "1")
    import django

    django.setup()
    clean_file(results, part=part, **pickle.loads(payload))  # the cleaner's module needs the app registry


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


def workers_for(table: Table) -> int:
    """How many worker processes check `table`'s rows: none for a small file, else `workers_available()`."""
    size = len(table.source) if isinstance(table.source, bytes) else os.path.getsize(table.source)
    large = table.rows_hint >= PARALLEL_FROM or (table.kind == XLSX and size >= XLSX_PARALLEL_BYTES)
    return workers_available() if large else 0


def _chunks(rows: Iterable, size: int) -> Iterator[list]:
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def workers_available() -> int:
    """How many processes may check rows beside this one, which writes them: the other cores, up to four.

    On two cores one worker checks as fast as this process writes; a third process would only share them."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    if not os.environ.get("DJANGO_SETTINGS_MODULE"):  # a worker sets Django up from the module named there
        return 0
    return max(1, min(cores - 1, 4))


def rows_cleaned(rows: Iterator[tuple[int, list]], cleaner: Cleaner, *, table: Table, after: int,
                 workers: int) -> Iterator[list]:
    """The rows past line `after` cleaned a chunk at a time, in file order: `rows` here (`workers=0`), or
    the file read again by worker processes, each cleaning every `workers`-th chunk.

    A worker reads the file itself, so this process, which writes, spends nothing on parsing it or on
    handing rows over (measured: 36 s of CPU for a million rows when it did, 26 s now). Each worker runs at
    most two chunks ahead of what the caller has taken, so memory stays flat. Workers are spawned, not
    forked: a fresh interpreter inherits no database connection, lock or thread of this one, and sets
    Django up itself (worker_main).
    """
    if not workers:
        yield from map(cleaner, _chunks(rows, CHUNK))
        return
    rows.close()
    context = multiprocessing.get_context("spawn")
    payload = pickle.dumps({"cleaner": cleaner, "table": table, "after": after, "parts": workers})
    crew = []
    try:
        for part in range(workers):
            results = context.Queue(maxsize=2)
            process = context.Process(target=worker_main, args=(results, payload, part), daemon=True,
                                      name=f"import-check-{part}")
            process.start()
            crew.append((process, results))
        index = 0
        while True:
            kind_of, value = _next(*crew[index % workers])
            if kind_of == "end":
                return
            yield value
            index += 1
    finally:
        for process, results in crew:
            process.terminate()
            process.join()
            results.close()


def _next(process, results) -> tuple[str, object]:
    """The next message of a worker; its error raised here."""
    while True:
        try:
            kind_of, value = results.get(timeout=1)
            break
        except queue.Empty:
            if not process.is_alive():
                try:  # what it sent just before it ended
                    kind_of, value = results.get(timeout=1)
                    break
                except queue.Empty:
                    raise RuntimeError(f"the process checking rows ended (exit code {process.exitcode})") from None
    if kind_of == "refused":
        raise DomainError(*value)
    if kind_of == "failed":
        raise RuntimeError(f"the process checking rows failed:\n{value}")
    return kind_of, value


def clean_file(results, *, cleaner: Cleaner, table: Table, after: int, parts: int, part: int) -> None:
    """In a worker process: read the file and send ("rows", cleaned chunk) for every `parts`-th chunk from
    `part` on, then ("end", None); ("refused", (code, message)) when the file turns out unreadable."""
    try:
        rows = ((line, cells) for line, cells in table_rows(table) if line > after)
        for index, chunk in enumerate(_chunks(rows, CHUNK)):
            if index % parts == part:
                results.put(("rows", cleaner(chunk)))
        results.put(("end", None))
    except DomainError as exc:
        results.put(("refused", (exc.code, str(exc.message))))
    except Exception:  # sent whole: the job's message is what the importer sees
        results.put(("failed", traceback.format_exc()))
