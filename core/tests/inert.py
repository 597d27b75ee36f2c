"""What a file the project writes must look like when it reaches a spreadsheet: no cell a spreadsheet would run."""

import csv
import io
import re

import openpyxl

DANGER = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"-?\d+(\.\d+)?(E[+-]?\d+)?", re.IGNORECASE)  # a number in a CSV: -5 is not a formula


def csv_cells(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 with a BOM, so that Excel opens it"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def xlsx_cells(data: bytes) -> list[list]:
    """Every sheet's cells; each text cell is checked to be text, not a formula or an error value."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    rows = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type not in ("f", "e"), (cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert cell.data_type == "s", (cell.coordinate, cell.value)
            rows.append([cell.value for cell in row])
    return rows


def assert_inert(rows: list[list], payloads: list[str]) -> None:
    """No text cell starts the way a formula does, and each payload is there, behind a single quote."""
    texts = [v for row in rows for v in row if isinstance(v, str)]
    running = [v for v in texts if v.startswith(DANGER) and not NUMBER.fullmatch(v)]
    assert not running, running
    for payload in payloads:
        assert "'" + payload in texts, (payload, texts)


def file_cells(data: bytes, kind: str) -> list[list]:
    return xlsx_cells(data) if kind == "xlsx" else csv_cells(data)


def text_workbook(header: list[str], rows: list[list]) -> bytes:
    """A workbook holding `rows` as typed: "=…" as text (as a cell formatted as text holds it), not a formula."""
    book = openpyxl.Workbook()
    book.active.append(header)
    for row in rows:
        book.active.append(row)
    for cells in book.active.iter_rows():
        for cell in cells:
            cell.data_type = "s"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
