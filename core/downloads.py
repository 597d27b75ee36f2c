"""A table as a download: CSV (UTF-8 with the byte-order mark Excel needs) or XLSX."""

import csv
import io
from collections.abc import Iterable, Sequence

from django.http import HttpResponse
from openpyxl import Workbook

FORMATS = ("csv", "xlsx")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def table_download(*, header: Sequence, rows: Iterable[Sequence], fmt: str, filename: str,
                   sheet: str) -> HttpResponse:
    """`header` and `rows` as `filename`.csv or .xlsx (`fmt`), the XLSX's one sheet named `sheet`."""
    if fmt == "csv":
        buffer = io.StringIO()
        buffer.write("\ufeff")
        writer = csv.writer(buffer)
        writer.writerow(header)
        writer.writerows(rows)
        response = HttpResponse(buffer.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
    else:
        book = Workbook(write_only=True)
        table = book.create_sheet(sheet)
        table.append(list(header))
        for row in rows:
            table.append(list(row))
        out = io.BytesIO()
        book.save(out)
        response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response
