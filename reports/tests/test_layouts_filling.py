"""The day's report goes out in the county's own layout: a copy of its template with the values in the cells of each
unit and indicator, 合计 and the field lines filled, and everything else of the template kept; the file opens in
LibreOffice and converts to PDF."""

import io

import openpyxl

from reports.layouts.filling import Filling, layouts_fill
from reports.layouts.reading import layouts_read
from reports.tests import county_templates
from reports.tests.conftest import soffice_convert

FIELDS = {"unit": "长青街道", "date": "2020年5月21日", "reporter": "贺英", "phone": "0738-8311234"}


def _filled(content: bytes, filling_for) -> openpyxl.Workbook:
    layouts = layouts_read(content, name="模板.xlsx")
    data = layouts_fill(content, [(layout, filling_for(layout)) for layout in layouts])
    return openpyxl.load_workbook(io.BytesIO(data))


def _values(layout, seed: int) -> dict[int, int]:
    return {slot.index: seed * 10 + n for n, slot in enumerate(layout.indicators)}


def test_communities_down_the_side_are_filled_by_name_and_the_template_is_kept():
    def filling(layout):
        units = [("月塘社区", _values(layout, 2)), ("长青", _values(layout, 1)), ("新建社区", _values(layout, 9))]
        return Filling(units=units, total={slot.index: 100 + n for n, slot in enumerate(layout.indicators)},
                       fields=FIELDS)

    sheet = _filled(county_templates.merged_rows(), filling).active
    assert [sheet.cell(6, c).value for c in range(2, 8)] == ["长青社区", 10, 11, 12, 13, 14]  # 长青 is 长青社区
    assert [sheet.cell(7, c).value for c in range(2, 8)] == ["月塘社区", 20, 21, 22, 23, 24]
    assert [sheet.cell(8, c).value for c in range(3, 8)] == [None] * 5  # 西阳社区: nothing sent for it
    assert [sheet.cell(5, c).value for c in range(3, 8)] == [100, 101, 102, 103, 104]  # 合计: the report's, no formula
    assert sheet["A2"].value == "填报单位：长青街道    填报日期：2020年5月21日"
    assert sheet["A11"].value == "填报人：贺英    审核人：    联系电话：0738-8311234"
    assert {str(r) for r in sheet.merged_cells.ranges} >= {"A1:H1", "A2:H2", "A3:A4", "D3:E3", "F3:G3", "A11:H11"}
    assert sheet["A1"].font.name == "方正小标宋简体" and sheet["A1"].font.sz == 18
    assert sheet.column_dimensions["B"].width == 16 and sheet.page_setup.orientation == "landscape"
    assert sheet["C6"].border.left.style == "thin"


def test_units_across_the_top_are_filled_in_their_columns():
    def filling(layout):
        return Filling(units=[("西阳社区", _values(layout, 3))], total=_values(layout, 5), fields=FIELDS)

    sheet = _filled(county_templates.units_across(), filling).active
    assert [sheet.cell(r, 4).value for r in range(5, 10)] == [30, 31, 32, 33, 34]  # 西阳社区 is column D
    assert [sheet.cell(r, 6).value for r in range(5, 10)] == [50, 51, 52, 53, 54]  # 合计, formulas replaced
    assert sheet["A12"].value == "填报人：贺英" and sheet["D12"].value == "填报日期：2020年5月21日"


def test_units_fill_the_blank_lines_and_more_lines_are_added_above_the_notes_when_needed():
    names = [f"第{n}网格" for n in range(1, 13)]

    def filling(layout):
        return Filling(units=[(name, _values(layout, n)) for n, name in enumerate(names, start=1)], fields=FIELDS)

    sheet = _filled(county_templates.blank_lines(), filling).active
    assert [sheet.cell(r, 2).value for r in range(4, 16)] == names  # 10 ruled lines and 2 more
    assert [sheet.cell(r, 1).value for r in (4, 15)] == [1, 12]
    assert sheet.cell(15, 3).value == 120 and sheet.cell(15, 3).border.left.style == "thin"
    assert sheet["A17"].value == "说明：发热指腋下体温≥37.3℃。"  # moved down by the two lines
    assert sheet["A18"].value == "填报人：贺英    联系电话：0738-8311234"


def test_a_filled_template_opens_in_libreoffice_and_converts_to_pdf(tmp_path):
    def filling(layout):
        return Filling(units=[("长青社区", _values(layout, 1))], total=_values(layout, 1), fields=FIELDS)

    layouts = layouts_read(county_templates.merged_rows(), name="模板.xlsx")
    source = tmp_path / "长青街道.xlsx"
    source.write_bytes(layouts_fill(county_templates.merged_rows(), [(layouts[0], filling(layouts[0]))]))
    assert soffice_convert(tmp_path, source, "pdf").startswith(b"%PDF")
    html = soffice_convert(tmp_path, source, "html").decode("utf-8", "replace")
    assert "长青街道涉鄂涉汉人员管理情况日报表" in html and "填报人：贺英" in html
