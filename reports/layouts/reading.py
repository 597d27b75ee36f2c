"""A county's template read as Fangkong understands it: `layouts_read(source, name=…)` gives one `Layout` for each
sheet that holds a report table.

A sheet is read from the top:
1. blank lines are passed over; a line naming 填报单位 / 填报人 / 日期 / 联系电话 / 审核人 (with a colon) is a
   field line; the first line of one text before the table is its title;
2. the header block starts at the first other line with two texts or more, and reaches down as far as the cells
   merged from its lines do (a header merged over two lines is two lines deep), and one line more wherever a
   label merged across several columns has the labels of its columns below it;
3. each column's label is its header texts from top to bottom; a column under 其中 is a part of the column to the
   left of the 其中 group (累计隔离 | 其中: 居家, 集中);
4. the columns at the left naming the line (序号, 单位/社区/网格, or 项目/指标) tell which way the table runs: units
   down the side with the indicators across the top, or (项目 at the left, communities or 合计 across the top)
   indicators down the side and the units across;
5. the lines below the header are the table as far as a unit is named, a value is written or a cell is ruled
   (blank ruled lines are the lines the county left to fill), 合计 among them; then the notes (注：…) and the field
   lines under the table (填报人：… 审核人：…).

Formulas are read as the values the file last showed (a template's 合计 formula is recomputed when filled), and a
workbook with macros is refused.
"""

import dataclasses
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from core.tabular import clip, workbook_laid_out
from reports.layouts.opening import refused, template_open

INDICATORS_ACROSS = "indicators"  # units down the side, one indicator a column
UNITS_ACROSS = "units"  # indicators down the side, one unit a column

FIELD_KEYS = {"填报单位": "unit", "报送单位": "unit", "填表单位": "unit", "单位名称": "unit", "填报人": "reporter",
              "填表人": "reporter", "统计人": "reporter", "联系人": "reporter", "联系电话": "phone", "审核人": "reviewer",
              "负责人": "reviewer", "单位负责人": "reviewer", "填报日期": "date", "报送日期": "date", "统计日期": "date",
              "统计时间": "date", "填报时间": "date", "日期": "date"}
_FIELD = re.compile("(" + "|".join(sorted(FIELD_KEYS, key=len, reverse=True)) + r")\s*[:：]")
_TOTAL = re.compile(r"^(合\s*计|总\s*计|全街道合计|全镇合计|总数)$")
_SEQ = re.compile(r"^(序\s*号|编号|序)$")
_UNIT = re.compile(r"^(单\s*位|地区|区域|.{0,4}(社区|街道|网格|村|乡镇|单位|居委会)(名称)?([（(][^）)]{1,6}[）)])?)$")
_ITEM = re.compile(r"^(项\s*目|指标|类\s*别|内\s*容|统计项目|人员类别|指标名称)$")
_NOTE_COLUMN = re.compile(r"^(备\s*注|说明|附注)$")
_NOTE_LINE = re.compile(r"^(注|备注|说明|填表说明|附注)\s*\d*\s*[:：、.]")
_TITLE = re.compile(r"表|报|情况|统计|名单|台账")  # what a title says, unlike 附件1 or 单位：人 above a table
_UNIT_NAME = re.compile(r"(社区|街道|网格|村|乡|镇|居委会|办事处)$")
PARTS = "其中"


@dataclass
class Field:
    """A line of the template that names who reports, when: filled when the report is written out."""

    key: str  # unit, reporter, phone, reviewer, date (FIELD_KEYS)
    label: str  # as the template writes it: 填报单位
    cell: str  # the cell holding the label, where the value goes after it: A2


@dataclass
class Slot:
    """One indicator or one unit of the table: its column (indicators across) or line, and its label."""

    index: int  # the sheet's column number or row number
    label: str
    path: list[str] = field(default_factory=list)  # the header's texts from the top (a column's), else [label]
    part_of: int | None = None  # the index of the slot this is a 其中 part of


@dataclass
class Layout:
    """A report table of a template's sheet, as understood; plain data, stored as JSON and corrected by hand."""

    sheet: str
    title: str
    title_cell: str | None
    header: tuple[int, int]  # its first and last row
    across: str  # INDICATORS_ACROSS or UNITS_ACROSS
    label_columns: list[int]  # the columns at the left that name a line (序号, 单位 or 项目)
    indicators: list[Slot]
    units: list[Slot]  # the units the template names (none: the lines are left blank to fill)
    lines: tuple[int, int]  # first and last line of the table's body (units down the side) or its indicators
    total: int | None = None  # the 合计 line (units down the side) or column (units across)
    fields: list[Field] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "Layout":
        data = dict(data)
        for key in ("indicators", "units"):
            data[key] = [Slot(**slot) for slot in data[key]]
        data["fields"] = [Field(**f) for f in data.get("fields", [])]
        data["header"], data["lines"] = tuple(data["header"]), tuple(data["lines"])
        return cls(**data)


def layouts_read(source: bytes, *, name: str) -> list[Layout]:
    """Every report table of the workbook (layouts_in), after it is checked and made safe (opening.template_open)."""
    return layouts_in(template_open(source, name=name), name=name)


def layouts_in(content: bytes, *, name: str) -> list[Layout]:
    """Every report table of an opened template, one per visible sheet that holds one; refused when none does."""
    book = workbook_laid_out(content, values=True)
    found = [layout for sheet in book.worksheets if sheet.sheet_state == "visible"
             if (layout := sheet_layout(sheet)) is not None]
    if not found:
        raise refused("not_a_template", _("No report table was found in %(name)s: no sheet has a header line "
                                          "with two column titles or more.") % {"name": clip(name)})
    return found


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return re.sub(r"\s+", " ", str(value)).strip()  # as written (the labels are shown), spaces collapsed


class _Sheet:
    """A sheet's texts with its merged cells: the text of a merged range stands in its top-left cell."""

    def __init__(self, sheet):
        self.sheet = sheet
        self.merges: dict[tuple[int, int], tuple[int, int, int, int]] = {}
        for merged in sheet.merged_cells.ranges:
            box = (merged.min_row, merged.min_col, merged.max_row, merged.max_col)
            for row in range(merged.min_row, merged.max_row + 1):
                for col in range(merged.min_col, merged.max_col + 1):
                    self.merges[row, col] = box
        self.height = max(sheet.max_row, max((b[2] for b in self.merges.values()), default=0))
        self.width = max(sheet.max_column, max((b[3] for b in self.merges.values()), default=0))

    def box(self, row: int, col: int) -> tuple[int, int, int, int]:
        return self.merges.get((row, col), (row, col, row, col))

    def text(self, row: int, col: int) -> str:
        top, left, _bottom, _right = self.box(row, col)
        return _text(self.sheet.cell(top, left).value)

    def value(self, row: int, col: int):
        return self.sheet.cell(row, col).value

    def texts(self, row: int) -> list[tuple[int, str]]:
        """The row's texts, once for each merged range (at its leftmost column in the row)."""
        seen, out = set(), []
        for col in range(1, self.width + 1):
            box = self.box(row, col)
            if box in seen:
                continue
            seen.add(box)
            if text := self.text(row, col):
                out.append((col, text))
        return out

    def ruled(self, row: int, col: int) -> bool:
        border = self.sheet.cell(row, col).border
        return any(side is not None and side.style for side in (border.left, border.right, border.top, border.bottom))


def _fields_of(sheet: _Sheet, row: int) -> list[Field]:
    out = []
    for col, text in sheet.texts(row):
        top, left, _b, _r = sheet.box(row, col)
        for match in _FIELD.finditer(text):
            out.append(Field(FIELD_KEYS[match.group(1)], match.group(1), f"{get_column_letter(left)}{top}"))
    return out


def sheet_layout(ws, *, header: tuple[int, int] | None = None, across: str | None = None) -> Layout | None:
    """The report table of one sheet, or None when the sheet holds none; `header` (its first and last row) and
    `across` as the officer corrected them, when the reading guessed wrong."""
    sheet = _Sheet(ws)
    title, title_cell, fields, start = "", None, [], None
    for row in range(1, min(sheet.height, header[0] - 1 if header else 30) + 1):
        texts = sheet.texts(row)
        if not texts:
            continue
        found = _fields_of(sheet, row)
        if found and len(texts) <= 4:
            fields += found
        elif len(texts) >= 2 and not header:
            start = row
            break
        elif len(texts) == 1 and (not title or (_TITLE.search(texts[0][1]) and not _TITLE.search(title))):
            title, title_cell = texts[0][1], f"{get_column_letter(texts[0][0])}{row}"
    start, end = header or (start, None)
    if start is None:
        return None
    end = end or _header_end(sheet, start)
    paths = {col: _path(sheet, start, end, col) for col in range(1, sheet.width + 1)}
    label_columns = _label_columns(paths)
    if not [col for col, path in paths.items() if path and col not in label_columns]:
        return None
    units_across = _units_across(paths, label_columns) if across is None else across == UNITS_ACROSS
    first = end + 1
    last, total, units, notes, more_fields = _body(sheet, first, paths, label_columns, units_across)
    columns = [Slot(col, _label(path), path) for col, path in paths.items()
               if path and col not in label_columns and not _NOTE_COLUMN.match(path[-1])]
    _parts(columns)
    if units_across:
        total_column = next((s.index for s in columns if _TOTAL.match(s.label)), None)
        indicators = units
        _row_parts(indicators)
        units = [s for s in columns if s.index != total_column]
        total = total_column
    else:
        indicators = columns
    return Layout(sheet=ws.title, title=title, title_cell=title_cell, header=(start, end),
                  across=UNITS_ACROSS if units_across else INDICATORS_ACROSS, label_columns=label_columns,
                  indicators=indicators, units=units, lines=(first, max(last, first)), total=total,
                  fields=fields + more_fields, notes=notes)


def _header_end(sheet: _Sheet, start: int) -> int:
    """The header's last row: as deep as the cells merged from its rows reach, and one row more under a label
    merged across columns whose columns are labelled below it."""
    end = start
    while True:
        deeper = max((box[2] for (row, _col), box in sheet.merges.items() if start <= box[0] <= end), default=end)
        if deeper > end:
            end = deeper
            continue
        below = end + 1
        spans = [col for col in range(1, sheet.width + 1)
                 if (box := sheet.box(end, col))[3] > box[1] and box[0] >= start and box[2] == end]
        if below <= sheet.height and spans and all(
                sheet.text(below, col) and not sheet.text(below, col).replace(".", "").isdigit() for col in spans):
            end = below
            continue
        return end


def _path(sheet: _Sheet, start: int, end: int, col: int) -> list[str]:
    path: list[str] = []
    for row in range(start, end + 1):
        text = sheet.text(row, col)
        if text and (not path or path[-1] != text):
            path.append(text)
    return path


def _label(path: list[str]) -> str:
    """A column's label: its header texts, 其中 left out (it says the column is a part, not what it counts)."""
    kept = [re.sub(r"^其中\s*[:：]?\s*", "", p) for p in path if p != PARTS]
    return " / ".join(p for p in kept if p) or " / ".join(path)


def _label_columns(paths: dict[int, list[str]]) -> list[int]:
    """The columns at the left that name a line: 序号, then 单位/社区/… or 项目/指标/…"""
    out = []
    for col in sorted(paths):
        top = paths[col][-1] if paths[col] else ""
        if _SEQ.match(top):
            out.append(col)
        elif _UNIT.match(top) or _ITEM.match(top):
            out.append(col)
            break
        elif out or top:
            break
    return out


def _units_across(paths: dict[int, list[str]], label_columns: list[int]) -> bool:
    if any(_ITEM.match(paths[col][-1]) for col in label_columns if paths[col]):
        return True
    if any(_UNIT.match(paths[col][-1]) for col in label_columns if paths[col]):
        return False
    names = [paths[col][-1] for col in paths if paths[col] and col not in label_columns]
    return sum(bool(_UNIT_NAME.search(n)) for n in names) >= max(2, len(names) // 2)


def _body(sheet: _Sheet, first: int, paths, label_columns: list[int], units_across: bool):
    """The table's body below the header: its last line, the 合计 line, the lines named (units, or indicators
    when the units run across), then the notes and field lines under it."""
    value_columns = [col for col, path in paths.items() if path and col not in label_columns]
    name_columns = [c for c in label_columns if not _SEQ.match(paths[c][-1])] or label_columns or [1]
    last, total, named, notes, fields = first - 1, None, [], [], []
    row = first
    while row <= sheet.height:
        texts = sheet.texts(row)
        line = " ".join(t for _c, t in texts)
        if texts and (_NOTE_LINE.match(line) or (_FIELD.search(line) and not any(
                sheet.text(row, c) and not _FIELD.search(sheet.text(row, c)) for c in name_columns))):
            break
        name = next((sheet.text(row, c) for c in name_columns if sheet.text(row, c)), "")
        ruled = any(sheet.ruled(row, c) for c in value_columns)
        valued = any(sheet.value(row, c) is not None for c in value_columns)
        if not (name or ruled or valued):
            if row > last + 1 and last >= first:  # two blank lines: the table is over
                break
            row += 1
            continue
        if name and _TOTAL.match(name) and not units_across:
            total = row
        elif name:
            named.append(Slot(row, name, [name]))
        last = row
        row += 1
    for rest in range(row, sheet.height + 1):
        found = _fields_of(sheet, rest)
        if found:
            fields += found
        elif texts := sheet.texts(rest):
            notes.append(" ".join(t for _c, t in texts))
    return last, total, named, notes, fields


def _parts(columns: list[Slot]) -> None:
    """A column under 其中 is a part of the column just left of its 其中 group. The group is the columns under one
    其中 cell, or a column titled 其中：居家 and the columns after it under the same label (…, 集中)."""
    previous: Slot | None = None
    parent: Slot | None = None
    group: list[str] | None = None  # the labels above the current 其中 group
    prefixed = False  # the group began with 其中：… rather than under a 其中 cell
    for slot in columns:
        marked = [p for p in slot.path if p.startswith(PARTS)]
        above = slot.path[:slot.path.index(marked[0])] if marked else slot.path[:-1]
        if marked and (group is None or above != group):
            group, prefixed, parent = above, marked[0] != PARTS, previous
        elif not (marked or (prefixed and group is not None and above == group and above)):
            group, parent = None, None
        if group is not None and parent is not None:
            slot.part_of = parent.index
        previous = slot


def _row_parts(rows: list[Slot]) -> None:
    """Indicators down the side: a line starting with 其中 is a part of the last line that does not."""
    parent = None
    for slot in rows:
        if slot.label.startswith(PARTS):
            slot.label = re.sub(r"^其中\s*[:：]?\s*", "", slot.label) or slot.label
            slot.part_of = parent
        else:
            parent = slot.index
