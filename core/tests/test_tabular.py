"""core.tabular, the one way files are read and written: a workbook is inspected before openpyxl opens it, rows
stream within the limits, anything that is not a CSV or XLSX file says so, and no cell written runs as a
formula. The apps' imports and exports are tested through their pages in their own tests."""

import ast
import csv
import datetime as dt
import io
import resource
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from core.errors import DomainError
from core.tabular import (
    CSV,
    XLSX,
    Limits,
    TableWriter,
    cell_safe,
    header_key,
    header_row,
    rows_read,
    table_bytes,
    table_inspect,
    upload_check,
    workbook_bytes,
    workbook_new,
)
from core.tests import tabular_files
from core.tests.inert import assert_inert, csv_cells, xlsx_cells
from core.tests.tabular_files import PAYLOADS

ROOT = Path(__file__).resolve().parents[2]


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _refusal(data: bytes, name: str = "名单.xlsx", **limits) -> DomainError:
    with translation.override("en"), pytest.raises(DomainError) as exc:
        for _row in rows_read(data, name=name, limits=Limits.configured(**limits) if limits else None):
            pass
    return exc.value


# -- reading ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("build", [lambda: tabular_files.with_shared_string(1024),
                                   lambda: tabular_files.with_cell(1 << 30)], ids=["shared string", "cell"])
def test_a_megabyte_workbook_unpacking_to_a_gigabyte_is_refused_before_openpyxl_reads_it(build):
    data = build()
    assert len(data) < 2 << 20
    before = _peak_mb()
    refused = _refusal(data)
    assert refused.code == "unsafe_workbook" and "名单.xlsx" in refused.message and "512 MB" in refused.message
    assert _peak_mb() - before < 100  # openpyxl would have held the gigabyte (and several times more)


def test_a_cell_longer_than_allowed_is_found_in_the_zip_before_any_parser_runs():
    # 100,000 letters pack no better than text: the sizes and the ratio pass, the stream scan does not.
    refused = _refusal(tabular_files.with_cell(100_000, letters="abcdefghijklmnopqrstuvwxyz"))
    assert refused.code == "cell_too_long" and refused.message == (
        f"名单.xlsx holds a cell longer than {settings.TABULAR_MAX_CELL_CHARS} characters.")


def test_a_cell_a_little_too_long_is_refused_while_reading_with_its_row():
    refused = _refusal(tabular_files.with_cell(settings.TABULAR_MAX_CELL_CHARS + 1, letters="ab"))
    assert refused.code == "cell_too_long" and "row 2" in refused.message


def test_a_workbook_of_three_million_small_rows_is_refused_at_the_row_cap_while_unpacking():
    data = tabular_files.with_rows(3_000_000)
    assert len(data) < 3 << 20
    refused = _refusal(data)
    assert refused.code == "too_many_rows" and f"more than {settings.TABULAR_MAX_ROWS} rows" in refused.message


def test_a_sheet_whose_row_numbers_lie_is_still_bounded_while_reading():
    data = tabular_files.with_row_number(5_000_000)  # two rows in the file, but numbered as five million
    assert table_inspect(data, name="x.xlsx").rows_hint == 1
    assert _refusal(data, rows=1000).code == "too_many_rows"


def test_a_workbook_declaring_entities_is_refused():
    members = tabular_files.workbook_members()
    members["xl/sharedStrings.xml"] = (b'<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY a "aaaaaaaaaa">]>'
                                       b'<sst xmlns="' + tabular_files.MAIN.encode() + b'"><si><t>&a;</t></si></sst>')
    assert _refusal(tabular_files.zip_file(members)).code == "unreadable_file"


def test_a_workbook_of_too_many_parts_or_packed_too_tightly_is_refused():
    members = tabular_files.workbook_members()
    crowded = {**members, **{f"xl/media/image{i}.png": b"x" for i in range(settings.TABULAR_XLSX_MAX_MEMBERS)}}
    assert "files inside" in _refusal(tabular_files.zip_file(crowded)).message
    tight = {**members, "xl/media/blank.bin": tabular_files.Repeated(b"", b"\0" * (1 << 20), 8, b"")}
    assert "times its packed size" in _refusal(tabular_files.zip_file(tight)).message


def test_too_many_columns_and_too_many_rows_of_text_are_refused():
    header = ",".join(f"列{i}" for i in range(100_000)).encode()
    refused = _refusal(header + b"\n", name="wide.csv")
    assert refused.code == "too_many_columns" and "100000 columns" in refused.message
    assert len(refused.message) < 200
    rows = b"a,b\n" * 2000
    assert _refusal(rows, name="long.csv", rows=1000).code == "too_many_rows"
    assert sum(1 for _ in rows_read(rows, name="long.csv")) == 2000


@pytest.mark.parametrize("content", [bytes(range(256)) * 64, b"\x89PNG\r\n\x1a\n" + b"\0" * 100, b"\xff\xfe\xfd" * 999,
                                     b"PK\x03\x04 not really a zip"], ids=["bytes", "picture", "no encoding", "zip"])
def test_a_file_that_is_no_csv_or_workbook_says_so_and_names_the_file(content):
    refused = _refusal(content, name="名单.csv")
    assert refused.code == "unreadable_file" and refused.fields == {"file": [refused.message]}
    assert refused.message == ("名单.csv is not a CSV or XLSX file that can be read. Save the sheet from Excel as "
                               ".xlsx (or as CSV) and upload that.")


def test_an_upload_is_refused_at_once_unless_named_and_made_as_a_csv_or_xlsx():
    with translation.override("en"):
        assert upload_check(io.BytesIO("姓名\n张三\n".encode()), name="名单/人员.CSV") == "人员.CSV"
        with pytest.raises(DomainError) as named:
            upload_check(io.BytesIO(b"a,b\n"), name="../人员名单.numbers")
        with pytest.raises(DomainError) as made:
            upload_check(io.BytesIO(b"\x89PNG\r\n\x1a\n" + bytes(range(32)) * 8), name="人员名单.csv")
    assert (named.value.code, named.value.fields["file"]) == ("unsupported_file", [
        "人员名单.numbers is not a CSV or XLSX file. Save the sheet from Excel as .xlsx (or as CSV) and upload that."])
    assert made.value.code == "unreadable_file" and "人员名单.csv" in made.value.message


def test_an_excel_97_workbook_is_asked_to_be_saved_as_xlsx():
    refused = _refusal(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, name="名单.xls")
    assert refused.code == "old_excel" and ".xlsx" in refused.message


def test_the_kind_comes_from_the_content_and_text_in_any_of_its_encodings_is_read():
    rows = [["姓名", "网格"], ["张三", "A-01"]]
    text = "姓名,网格\r\n张三,A-01\r\n"
    limit = csv.field_size_limit()
    for encoding in ("utf-8", "utf-8-sig", "gb18030", "utf-16"):
        data = text.encode(encoding)
        assert [cells for _line, cells in rows_read(data, name="x.xlsx")] == rows  # a CSV, whatever its name
    assert csv.field_size_limit() == limit  # the csv module's limit is the process's: put back after reading
    book = table_bytes(header=rows[0], rows=rows[1:], kind=XLSX)
    assert table_inspect(book, name="名单.csv").kind == XLSX
    assert [list(cells) for _line, cells in rows_read(book, name="名单.csv")] == rows


# -- writing ------------------------------------------------------------------------------------------------

def test_every_text_cell_that_would_run_is_written_inert_and_numbers_stay_numbers():
    day = dt.date(2020, 5, 21)
    rows = [[p, -5, Decimal("-1.5"), day, None] for p in PAYLOADS] + [["#N/A", "普通", "a=b", "", True]]
    for kind in (CSV, XLSX):
        data = table_bytes(header=["名", "数"], rows=rows, kind=kind)
        cells = xlsx_cells(data) if kind == XLSX else csv_cells(data)
        assert_inert(cells, PAYLOADS)
        if kind == XLSX:
            assert cells[1][1:4] == [-5, -1.5, dt.datetime(2020, 5, 21)]  # numbers and dates as such
            assert cells[-1][:3] == ["#N/A", "普通", "a=b"]
        else:
            assert cells[1][1:4] == ["-5", "-1.5", "2020-05-21"]


def test_a_laid_out_workbook_is_saved_inert():
    book = workbook_new()
    sheet = book.create_sheet("表")
    for i, payload in enumerate(PAYLOADS, start=1):
        sheet.cell(row=i, column=1, value=payload)  # openpyxl takes "=…" for a formula
    sheet.merge_cells("A1:C1")
    sheet.cell(row=9, column=1, value=-3)
    cells = xlsx_cells(workbook_bytes(book))
    assert_inert(cells, PAYLOADS)
    assert cells[8][0] == -3


def test_a_writer_streams_to_a_file_and_leaves_it_open(tmp_path):
    with (tmp_path / "out.csv").open("w+b") as out:
        with TableWriter(out, CSV) as writer:
            writer.rows([["=1"], ["ok"]])
        out.seek(0)
        assert csv_cells(out.read()) == [["'=1"], ["ok"]]
    with (tmp_path / "out.xlsx").open("w+b") as out:
        with TableWriter(out, XLSX, sheet="人员/名单?") as writer:
            writer.row(["\x01控制字符", dt.datetime(2020, 5, 21, 8, tzinfo=dt.UTC)])
        out.seek(0)
        book = openpyxl.load_workbook(io.BytesIO(out.read()))
        assert book.sheetnames == ["人员名单"]
        assert [c.value for c in book.active[1]] == ["控制字符", dt.datetime(2020, 5, 21, 16)]


@given(st.text(max_size=30))
def test_no_text_leaves_the_writer_able_to_run(text):
    safe = cell_safe(text)
    assert safe == text or safe == "'" + text
    assert not safe.startswith(("=", "+", "-", "@", "\t", "\r"))
    [[back]] = csv_cells(table_bytes(header=None, rows=[[text]], kind=CSV))
    assert back == safe  # what the file holds is exactly the inert text


# -- header rows ----------------------------------------------------------------------------------------------

def test_a_title_is_looked_up_however_a_sheet_writes_it():
    written = ["身份证号码", "＊身份证号码（必填）", " 身份证 号码 ", "身份证号码(18位)*", "*身份证号码"]
    assert {header_key(title) for title in written} == {"身份证号码"}
    assert (header_key("Full  Name"), header_key(None), header_key(110)) == ("fullname", "", "110")


def test_the_header_row_is_found_below_a_sheet_s_title_and_blank_rows():
    known = {"姓名": "name", "身份证号码": "doc_number"}
    rows = [(1, ["2020年长青街道人员台账", None, None]), (2, [None, None, None]),
            (3, ["序号", "姓名", "＊身份证号码"]), (4, [1, "张三", "430000"])]
    assert header_row(iter(rows), known) == (3, ["序号", "姓名", "＊身份证号码"], ["序号", "姓名", "身份证号码"])
    unknown = [(line, ["甲", "乙"]) for line in range(1, 20)]
    assert header_row(iter(unknown), known) == (1, ["甲", "乙"], ["甲", "乙"])  # the first row then, for its message
    assert header_row(iter([(1, ["", None])]), known) is None


# -- one mechanism ------------------------------------------------------------------------------------------

FORBIDDEN = {("csv", "writer"), ("csv", "reader"), ("csv", "DictWriter"), ("csv", "DictReader"),
             ("openpyxl", "Workbook"), ("openpyxl", "load_workbook")}


def _direct_uses(path: Path) -> list[str]:
    """The csv writers and readers and openpyxl workbooks a module makes itself."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in ("csv", "openpyxl", "openpyxl.reader.excel"):
            found += [f"from {node.module} import {a.name}" for a in node.names
                      if (node.module.split(".")[0], a.name) in FORBIDDEN]
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and (
                (node.value.id, node.attr) in FORBIDDEN):
            found.append(f"{node.value.id}.{node.attr}")
    return found


def _modules_outside() -> list[Path]:
    """The project's modules but core.tabular's, tests' and benchmarks'."""
    return [p for p in ROOT.rglob("*.py") if not {".venv", "var", "node_modules"} & set(p.parts)
            and "tests" not in p.parts and "benchmarks" not in p.parts
            and p.relative_to(ROOT).parts[:2] != ("core", "tabular")]


def test_no_module_outside_core_tabular_reads_or_writes_spreadsheets_itself():
    offenders = {str(p.relative_to(ROOT)): uses for p in _modules_outside() if (uses := _direct_uses(p))}
    assert not offenders, offenders
    assert _direct_uses(ROOT / "core" / "tabular" / "writing.py")  # the check sees what it looks for


def test_every_import_s_error_file_is_written_by_the_one_writer():
    """The line list's import and a contact list's store their error files through core.tabular's error_file_save;
    no module writes or names one itself."""
    texts = {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8") for p in _modules_outside()}
    callers = {name for name, text in texts.items() if "error_file_save(" in text}
    own = {name for name, text in texts.items() if "error_rows_write" in text or "-errors." in text}
    assert callers == {"persons/importing/run.py", "tracing/services/imports.py"}
    assert own == set()


def test_every_import_s_upload_is_checked_by_the_one_check():
    texts = {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8") for p in _modules_outside()}
    callers = {name for name, text in texts.items() if "upload_check(" in text}
    own = {name for name, text in texts.items() if "table_sniff" in text or '".xlsx")' in text}
    assert callers == {"persons/importing/services.py", "tracing/services/import_jobs.py"}
    assert own == set()


def test_the_limits_are_settings_refused_at_start_up_when_out_of_range(tmp_path):
    from core.tests.test_settings import manage, production_env

    for name, value in (("UPLOAD_MAX_MB", "0"), ("TABULAR_MAX_ROWS", "many"), ("TABULAR_XLSX_MAX_RATIO", "1")):
        result = manage("check", env=production_env(tmp_path, **{name: value}))
        assert result.returncode != 0 and name in result.stderr, (name, result.stderr[-500:])
