"""Templates as counties send them, made for the tests in three different styles (openpyxl, nothing stored):

- `merged_rows`: a title and a 填报单位 line over a two-line merged header with a 其中 breakdown and 今日新增 split in
  two, the communities down the side under a 合计 line holding a formula, 填报人/审核人 and a note below;
- `units_across`: 附件2 and a unit-of-measure line above, 项目 at the left and the communities and 合计 across the
  top, 其中 lines down the side;
- `blank_lines`: a one-line header with a 其中：… column, ten ruled blank lines to fill, then a blank line, notes
  and 填报人 under it;
- `two_forms`: the first and the third in one workbook, after a cover sheet of instructions.
"""

import io

import openpyxl
from openpyxl.styles import Alignment, Border, Font, Side

THIN = Side(style="thin")
RULED = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
COMMUNITIES = ["长青社区", "月塘社区", "西阳社区", "春园社区"]


def _bytes(book) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _rule(sheet, rows, columns) -> None:
    for row in rows:
        for col in columns:
            sheet.cell(row, col).border = RULED


def _one_sheet(fill) -> bytes:
    book = openpyxl.Workbook()
    fill(book.active)
    return _bytes(book)


def merged_rows() -> bytes:
    return _one_sheet(_merged_rows)


def _merged_rows(sheet) -> None:
    sheet.title = "涉鄂涉汉日报"
    sheet["A1"] = "长青街道涉鄂涉汉人员管理情况日报表"
    sheet["A1"].font = Font(name="方正小标宋简体", size=18, bold=True)
    sheet.merge_cells("A1:H1")
    sheet["A2"] = "填报单位：              填报日期：    年  月  日"
    sheet.merge_cells("A2:H2")
    for box, text in [("A3:A4", "序号"), ("B3:B4", "社区"), ("C3:C4", "涉鄂涉汉人员总数"), ("D3:E3", "其中"),
                      ("F3:G3", "今日新增"), ("H3:H4", "备注")]:
        sheet[box.split(":")[0]] = text
        sheet.merge_cells(box)
    for cell, text in [("D4", "居家隔离"), ("E4", "集中隔离"), ("F4", "湖北来娄"), ("G4", "武汉来娄")]:
        sheet[cell] = text
    for row in range(3, 5):
        for col in range(1, 9):
            sheet.cell(row, col).alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    sheet["B5"] = "合计"
    for col in "CDEFG":
        sheet[f"{col}5"] = f"=SUM({col}6:{col}9)"
    for i, name in enumerate(COMMUNITIES, start=1):
        sheet.cell(5 + i, 1, i)
        sheet.cell(5 + i, 2, name)
    _rule(sheet, range(3, 10), range(1, 9))
    sheet["A11"] = "填报人：            审核人：            联系电话："
    sheet.merge_cells("A11:H11")
    sheet["A12"] = "注：1. 本表每日15时前报送街道指挥部。"
    sheet.column_dimensions["B"].width = 16
    sheet.print_options.horizontalCentered = True
    sheet.page_setup.orientation = "landscape"


def units_across() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "密接统计"
    sheet["A1"] = "附件2"
    sheet["A2"] = "密切接触者管理情况统计表"
    sheet.merge_cells("A2:F2")
    sheet["F3"] = "单位：人"
    for col, text in enumerate(["项目", *COMMUNITIES, "合计"], start=1):
        sheet.cell(4, col, text)
    for row, text in enumerate(["密切接触者总数", "其中：居家隔离", "其中：集中隔离", "今日新增密接", "今日解除隔离"],
                               start=5):
        sheet.cell(row, 1, text)
        sheet.cell(row, 6, f"=SUM(B{row}:E{row})")
    _rule(sheet, range(4, 10), range(1, 7))
    sheet["A12"] = "填报人："
    sheet["D12"] = "填报日期："
    return _bytes(book)


def blank_lines() -> bytes:
    return _one_sheet(_blank_lines)


def _blank_lines(sheet) -> None:
    sheet.title = "发热排查"
    sheet["A1"] = "发热病人排查日报"
    sheet["A2"] = "填报单位："
    sheet["E2"] = "日期："
    for col, text in enumerate(["序号", "网格", "排查户数", "排查人数", "发热人数", "其中：已送医", "备注"], start=1):
        sheet.cell(3, col, text)
    _rule(sheet, range(3, 14), range(1, 8))
    sheet["A15"] = "说明：发热指腋下体温≥37.3℃。"
    sheet["A16"] = "填报人：                联系电话："


def two_forms() -> bytes:
    """One workbook holding two reports: the merged header's sheet and the blank lines' sheet, and a cover sheet of
    instructions that holds no table."""
    book = openpyxl.Workbook()
    book.active.title = "填报说明"
    book.active["A1"] = "请于每日15时前报送以下两张表。"
    _merged_rows(book.create_sheet())
    _blank_lines(book.create_sheet())
    return _bytes(book)


def with_macros(content: bytes) -> bytes:
    """The workbook as an .xlsm holding a (harmless) VBA project."""
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            target.writestr(item, source.read(item.filename))
        target.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0" + b"\0" * 512)
    return out.getvalue()


def prose() -> bytes:
    """A workbook holding a letter, not a table."""
    book = openpyxl.Workbook()
    book.active["A1"] = "关于做好疫情防控工作的通知"
    book.active["A3"] = "各社区：请于每日15时前报送。"
    return _bytes(book)
