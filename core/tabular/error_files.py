"""An import's error file: the rows that were not imported, as they were, with the reasons in a last column, in the
file's own format, so that the corrected file imports as it is. One writer for every import (the line list's, a
case's contact list)."""

import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from django.core.files import File
from django.utils.translation import gettext as _

from core.tabular.reading import Table, table_rows
from core.tabular.writing import TableWriter

ERROR_COLUMN = "错误原因"  # the error file's last column; part of the file layout officials use, like 姓名

Problems = Sequence[tuple[str, str]]  # (column title, reason) of one row


def error_reason(line: int, problems: Problems) -> str:
    """The reasons row `line` was not imported, as the error file's last column gives them."""
    return _("row %(row)d: %(errors)s") % {"row": line, "errors": "; ".join(f"{t}: {m}" for t, m in problems)}


def error_rows_write(out, table: Table, *, titles: Sequence, reasons: Iterable[tuple[int, str]],
                     column: str = ERROR_COLUMN) -> None:
    """An import's error file written to `out`: the rows of `table` that `reasons` names ((row, reason) in file
    order), as they were under the header `titles`, the reason in a last column titled `column`; in the table's
    own format, so that the corrected file imports as it is."""
    pending = iter(reasons)
    nxt = next(pending, None)
    width = len(titles)  # cells past the header's last title were never read: left out
    with TableWriter(out, table.kind) as writer:
        writer.row([*titles, column])
        for line, cells in table_rows(table):
            if nxt is None:
                break
            if line == nxt[0]:
                writer.row([*cells[:width], *[None] * (width - len(cells[:width])), nxt[1]])
                nxt = next(pending, None)


def error_file_save(file, *, table: Table, titles: Sequence, rows: Iterable[tuple[int, Problems]],
                    uploaded: str) -> None:
    """The error file of an import of `table` (uploaded as `uploaded`) stored in the file field `file` as
    <uploaded's stem>-errors.<csv or xlsx>, its model not saved: the rows named by `rows` ((row, problems) in file
    order) under the header `titles`, each with its reasons."""
    reasons = ((line, error_reason(line, problems)) for line, problems in rows)
    with tempfile.TemporaryFile() as out:
        error_rows_write(out, table, titles=titles, reasons=reasons)
        out.seek(0)
        file.save(f"{Path(uploaded).stem}-errors.{table.kind}", File(out), save=False)
