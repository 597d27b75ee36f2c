"""The day's report written into a copy of the county's template: its merged headers, styles, fonts, widths and
print settings kept (openpyxl rewrites the workbook it read), the values in the cells of each unit and indicator,
合计 from the report's own total (not the template's formula: a person counted in two communities is one person in
the street's total), and the field lines completed (填报单位：长青街道    填报日期：2020年5月21日).

Units are matched to the template's lines (or columns) by name, with or without 社区/村/居委会; when the template
names none, they are written into its ruled blank lines in order, and lines are added (styled as the last one,
what stood below moved down) when there are more units than lines. Every value written is inert (no formula).
"""

import copy
import re
from dataclasses import dataclass, field

from core.tabular import workbook_bytes, workbook_laid_out
from core.tabular.writing import cell_safe
from reports.layouts.reading import FIELD_KEYS, INDICATORS_ACROSS, Layout

SUFFIXES = ("社区居委会", "居委会", "社区", "村委会", "村", "网格", "街道办事处", "街道", "办事处")


@dataclass
class Filling:
    """What one sheet is filled with: the units in order (name, {indicator index: value}), the total, the fields
    (FIELD_KEYS' keys → text)."""

    units: list[tuple[str, dict[int, object]]]
    total: dict[int, object] = field(default_factory=dict)
    fields: dict[str, str] = field(default_factory=dict)
    mark: str = ""  # after the title: what the report is not yet (草稿，未上报)


def _key(name: str) -> str:
    name = re.sub(r"\s+", "", str(name or ""))
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def layouts_fill(template: bytes, fillings: list[tuple[Layout, Filling]]) -> bytes:
    """A copy of `template` with each layout's sheet filled; the other sheets as they were."""
    book = workbook_laid_out(template)
    for layout, filling in fillings:
        sheet = book[layout.sheet]
        _fields_fill(sheet, layout, filling.fields)
        if filling.mark and layout.title_cell:
            sheet[layout.title_cell].value = cell_safe(f"{sheet[layout.title_cell].value}（{filling.mark}）")
        if layout.across == INDICATORS_ACROSS:
            _rows_fill(sheet, layout, filling)
        else:
            _columns_fill(sheet, layout, filling)
    return workbook_bytes(book)


def _write(sheet, row: int, col: int, value) -> None:
    cell = sheet.cell(row, col)
    if cell.__class__.__name__ == "MergedCell":
        return
    cell.value = cell_safe(value) if isinstance(value, str) else value


def _fields_fill(sheet, layout: Layout, values: dict[str, str]) -> None:
    """Each field's text after its label, up to the next label of the same cell: 填报单位：____ 填报日期：____."""
    cells = dict.fromkeys(f.cell for f in layout.fields)
    labels = "|".join(sorted(FIELD_KEYS, key=len, reverse=True))
    for coordinate in cells:
        text = str(sheet[coordinate].value or "")
        parts = re.split(rf"({labels})\s*[:：]", text)
        out = [parts[0].rstrip()]
        for label, rest in zip(parts[1::2], parts[2::2], strict=True):
            value = values.get(FIELD_KEYS[label])
            out.append(f"{label}：{value}" if value else f"{label}：{rest.strip()}")
        sheet[coordinate].value = cell_safe("    ".join(p for p in out if p))


def _rows_fill(sheet, layout: Layout, filling: Filling) -> None:
    indicators = [slot.index for slot in layout.indicators]
    seq = layout.label_columns[0] if len(layout.label_columns) > 1 else None
    name_column = layout.label_columns[-1] if layout.label_columns else None
    if layout.units:
        lines = {_key(u.label): u.index for u in layout.units}
        for name, values in filling.units:
            row = lines.get(_key(name))
            if row is not None:
                for col in indicators:
                    _write(sheet, row, col, values.get(col))
    else:
        first = layout.lines[0] + (1 if layout.total == layout.lines[0] else 0)
        room = layout.lines[1] - first + 1 - (1 if layout.total == layout.lines[1] else 0)
        if len(filling.units) > room:
            _lines_add(sheet, first + room - 1, len(filling.units) - room)
        for n, (name, values) in enumerate(filling.units):
            row = first + n
            if seq:
                _write(sheet, row, seq, n + 1)
            if name_column:
                _write(sheet, row, name_column, name)
            for col in indicators:
                _write(sheet, row, col, values.get(col))
    if layout.total is not None:
        for col in indicators:
            _write(sheet, layout.total, col, filling.total.get(col))


def _columns_fill(sheet, layout: Layout, filling: Filling) -> None:
    columns = {_key(u.label): u.index for u in layout.units}
    lines = [slot.index for slot in layout.indicators]
    for name, values in filling.units:
        col = columns.get(_key(name))
        if col is not None:
            for row in lines:
                _write(sheet, row, col, values.get(row))
    if layout.total is not None:
        for row in lines:
            _write(sheet, row, layout.total, filling.total.get(row))


def _lines_add(sheet, after: int, count: int) -> None:
    """`count` lines after line `after`, styled as it; what stood below (and its merged cells) moves down."""
    below = [r for r in sheet.merged_cells.ranges if r.min_row > after]
    for merged in below:
        sheet.merged_cells.remove(merged)
    sheet.insert_rows(after + 1, count)
    for merged in below:
        merged.shift(0, count)
        sheet.merged_cells.add(merged)
    height = sheet.row_dimensions[after].height
    for row in range(after + 1, after + count + 1):
        sheet.row_dimensions[row].height = height
        for col in range(1, sheet.max_column + 1):
            source, cell = sheet.cell(after, col), sheet.cell(row, col)
            if source.has_style:
                cell._style = copy.copy(source._style)
