"""A county's template, as it arrives, is understood: its title and field lines, a header merged over several
lines with its 其中 parts, which way the units run, the 合计 line, the lines left blank to fill, the notes."""

import io
import re

import openpyxl
import pytest
from django.utils import translation

from core.errors import DomainError
from reports.layouts.opening import template_open
from reports.layouts.reading import INDICATORS_ACROSS, UNITS_ACROSS, Layout, layouts_read
from reports.tests import county_templates
from reports.tests.conftest import soffice_convert


def _read(content: bytes) -> Layout:
    (layout,) = layouts_read(content, name="模板.xlsx")
    return layout


def _labels(slots) -> list[tuple[str, str | None]]:
    by_index = {slot.index: slot.label for slot in slots}
    return [(slot.label, by_index.get(slot.part_of)) for slot in slots]


def test_a_two_line_merged_header_with_its_parts_and_the_communities_down_the_side():
    layout = _read(county_templates.merged_rows())
    assert (layout.sheet, layout.title, layout.title_cell) == ("涉鄂涉汉日报", "长青街道涉鄂涉汉人员管理情况日报表", "A1")
    assert layout.header == (3, 4) and layout.across == INDICATORS_ACROSS and layout.label_columns == [1, 2]
    assert _labels(layout.indicators) == [("涉鄂涉汉人员总数", None), ("居家隔离", "涉鄂涉汉人员总数"),
                                          ("集中隔离", "涉鄂涉汉人员总数"), ("今日新增 / 湖北来娄", None),
                                          ("今日新增 / 武汉来娄", None)]
    assert [slot.index for slot in layout.indicators] == [3, 4, 5, 6, 7]  # 备注 is no indicator
    assert [(u.index, u.label) for u in layout.units] == [(6, "长青社区"), (7, "月塘社区"), (8, "西阳社区"),
                                                          (9, "春园社区")]
    assert layout.total == 5 and layout.lines == (5, 9)
    assert [(f.key, f.cell) for f in layout.fields] == [("unit", "A2"), ("date", "A2"), ("reporter", "A11"),
                                                        ("reviewer", "A11"), ("phone", "A11")]
    assert layout.notes == ["注：1. 本表每日15时前报送街道指挥部。"]


def test_communities_across_the_top_with_the_indicators_and_their_parts_down_the_side():
    layout = _read(county_templates.units_across())
    assert layout.title == "密切接触者管理情况统计表"  # not 附件2 above it, nor 单位：人
    assert layout.across == UNITS_ACROSS and layout.header == (4, 4) and layout.label_columns == [1]
    assert [(u.index, u.label) for u in layout.units] == [(2, "长青社区"), (3, "月塘社区"), (4, "西阳社区"),
                                                          (5, "春园社区")]
    assert layout.total == 6
    assert _labels(layout.indicators) == [("密切接触者总数", None), ("居家隔离", "密切接触者总数"),
                                          ("集中隔离", "密切接触者总数"), ("今日新增密接", None), ("今日解除隔离", None)]
    assert [(f.key, f.cell) for f in layout.fields] == [("reporter", "A12"), ("date", "D12")]


def test_ruled_blank_lines_are_the_lines_to_fill_and_the_notes_below_them_are_kept():
    layout = _read(county_templates.blank_lines())
    assert layout.header == (3, 3) and layout.units == [] and layout.lines == (4, 13) and layout.total is None
    assert _labels(layout.indicators) == [("排查户数", None), ("排查人数", None), ("发热人数", None),
                                          ("已送医", "发热人数")]
    assert layout.notes == ["说明：发热指腋下体温≥37.3℃。"]
    assert [(f.key, f.cell) for f in layout.fields] == [("unit", "A2"), ("date", "E2"), ("reporter", "A16"),
                                                        ("phone", "A16")]


def test_what_is_understood_is_plain_data_that_comes_back_the_same():
    layout = _read(county_templates.merged_rows())
    assert Layout.from_json(layout.as_json()) == layout


@pytest.mark.parametrize(("content", "code"), [
    (county_templates.prose(), "not_a_template"),
    (county_templates.with_macros(county_templates.merged_rows()), "template_macros"),
    ("序号,社区,人数\n1,长青社区,3\n".encode(), "not_a_workbook"),
    (b"PK\x03\x04" + b"\0" * (5 * 1024 * 1024), "template_too_large"),
])
def test_a_file_that_is_no_template_is_refused_with_its_reason_in_chinese(content, code):
    with translation.override("zh-hans"), pytest.raises(DomainError) as refused:
        layouts_read(content, name="县里的表.xlsx")
    assert refused.value.code == code
    assert "县里的表.xlsx" in refused.value.message and refused.value.fields["file"] == [refused.value.message]
    assert not re.search("[A-Za-z]{4}", re.sub("xlsx|Excel", "", refused.value.message))  # said in Chinese


def test_formulas_are_kept_as_the_values_they_showed_and_none_is_left_in_the_template():
    content = template_open(county_templates.merged_rows(), name="模板.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert not [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    assert sheet["B5"].value == "合计" and sheet["A1"].font.sz == 18  # the rest as it was


def test_an_excel_97_workbook_is_read_with_its_merged_header(tmp_path):
    source = tmp_path / "模板.xlsx"
    source.write_bytes(county_templates.merged_rows())
    xls = soffice_convert(tmp_path, source, "xls")
    assert xls.startswith(b"\xd0\xcf\x11\xe0")
    layout = _read(xls)
    assert layout.header == (3, 4) and layout.title == "长青街道涉鄂涉汉人员管理情况日报表"
    assert _labels(layout.indicators)[:3] == [("涉鄂涉汉人员总数", None), ("居家隔离", "涉鄂涉汉人员总数"),
                                              ("集中隔离", "涉鄂涉汉人员总数")]
    assert [u.label for u in layout.units] == ["长青社区", "月塘社区", "西阳社区", "春园社区"] and layout.total == 5


def test_an_excel_97_workbook_with_macros_is_refused():
    with pytest.raises(DomainError) as refused:
        layouts_read(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600 + "_VBA_PROJECT".encode("utf-16-le"),
                     name="宏.xls")
    assert refused.value.code == "template_macros"
