"""Which cell feeds which field: the header row found and mapped to field keys."""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from core.errors import DomainError
from core.tabular import listed
from persons.identity import half_width
from persons.models import CustomField
from persons.validation import FIELDS

IGNORE = "ignore"
ERROR_COLUMN = "错误原因"  # the error file's last column; part of the file layout officials use, like 姓名
EXTENSIONS = (".csv", ".xlsx")
EXTRA_FIELDS = ["category", "category_start"]
DEFAULT_HEADERS = {
    "姓名": "name", "性别": "sex", "出生日期": "birth_date", "证件类型": "doc_type",
    "证件号码": "doc_number", "身份证号": "doc_number", "身份证号码": "doc_number",
    "手机": "phone", "手机号": "phone", "手机号码": "phone", "联系电话": "phone",
    "现住址": "address", "住址": "address", "地址": "address",
    "网格": "grid", "网格编码": "grid", "所属网格": "grid",
    "与户主关系": "household_relation", "备注": "notes",
    "管理类别": "category", "类别开始": "category_start", "到达日期": "category_start", "到娄日期": "category_start",
    "full name": "name", "birth date": "birth_date", "document type": "doc_type", "document number": "doc_number",
    "mobile phone": "phone", "phone": "phone", "current address": "address", "grid code": "grid",
    "relation to household head": "household_relation", "category start": "category_start",
    ERROR_COLUMN: IGNORE,  # a corrected error file imports as it is
    # what the person list export adds of each person's state now: read, never written back by an import
    "当前类别": IGNORE, "当前管理状态": IGNORE, "状态开始时间": IGNORE,
    "current categories": IGNORE, "current management status": IGNORE, "status since": IGNORE,
    **{key: key for key in FIELDS + EXTRA_FIELDS},
}
# 网格 in Fangkong's own export is the grid's name beside 网格编码: with both present the code wins.
WEAK_HEADERS = {"网格", "grid"}
DATE_FIELDS = {"birth_date", "category_start"}
# The title an error names when the file has no column for the field (a required one, or derived).
TITLES = {"name": "姓名", "sex": "性别", "birth_date": "出生日期", "doc_type": "证件类型", "doc_number": "证件号码",
          "phone": "手机号码", "address": "现住址", "grid": "网格编码", "household_relation": "与户主关系",
          "notes": "备注", "category": "管理类别", "category_start": "类别开始"}
_HINT = re.compile(r"\(.*\)$")  # 出生日期(yyyy-mm-dd), 手机号码(必填)


def _header_key(title) -> str:
    """A column title as looked up: half-width, no spaces or asterisks, no trailing hint, lower-case."""
    text = "".join(half_width(str(title or "")).split()).strip("*")
    return _HINT.sub("", text).strip("*").lower()


_DEFAULTS = {_header_key(title): key for title, key in DEFAULT_HEADERS.items()}
_WEAK = {_header_key(title) for title in WEAK_HEADERS}


@dataclass
class Columns:
    """Which cell feeds which field, found from the header row."""

    line: int
    titles: list
    fields: list[tuple[int, str]]  # (cell index, field key), ignored columns left out
    title_of: dict[str, str]  # field key → the title in the file, for error messages
    date_fields: set[str] = field(default_factory=set)


def field_keys(custom_fields: list[CustomField]) -> list[str]:
    """The keys a column may be mapped to."""
    return FIELDS + EXTRA_FIELDS + [f"custom.{f.key}" for f in custom_fields] + [IGNORE]


def columns_find(rows: Iterator[tuple[int, list]], *, explicit: dict[str, str], custom_fields: list[CustomField],
                 grid_required: bool) -> Columns:
    """Read up to the header row (the first of the first ten rows naming two known columns) and map it."""
    known = {**_DEFAULTS}
    for f in custom_fields:
        for title in (f.label, f.label_en, f.key):
            if title:
                known[_header_key(title)] = f"custom.{f.key}"
    explicit_keys = {_header_key(title): key for title, key in explicit.items()}
    wrong = {k for k in explicit_keys.values() if k not in field_keys(custom_fields)}
    if wrong:
        raise DomainError("invalid_mapping", _("Unknown fields in the column mapping: %(m)s.")
                          % {"m": listed(sorted(wrong))})
    known.update(explicit_keys)
    first = None
    for line, cells in rows:
        if not any(cells):
            continue
        keys = [_header_key(c) for c in cells]
        if first is None:
            first = (line, cells, keys)
        if sum(1 for k in keys if k in known) >= 2:
            break
        if line >= 10:
            line, cells, keys = first
            break
    else:
        if first is None:
            raise DomainError("empty_file", _("The file has no header row and no people."))
        line, cells, keys = first

    fields, title_of, unknown = [], {}, []
    by_field: dict[str, list[tuple[int, str]]] = {}
    for index, (title, key) in enumerate(zip(cells, keys, strict=True)):
        if not key:
            continue
        target = known.get(key)
        if target is None:
            unknown.append(str(title))
        elif target != IGNORE:
            by_field.setdefault(target, []).append((index, key))
    if unknown:
        raise DomainError("unknown_columns", _("Unknown columns: %(cols)s. Rename them to a field's title or map "
                                               "them (to “ignore” to leave them out).")
                          % {"cols": listed(unknown)})
    for target, found in by_field.items():
        if len(found) > 1:
            strong = [(i, k) for i, k in found if k not in _WEAK or k in explicit_keys]
            if len(strong) != 1:
                raise DomainError("ambiguous_columns", _("The columns %(cols)s all give %(field)s; map one of them "
                                                         "to “ignore”.")
                                  % {"cols": listed(cells[i] for i, _k in found), "field": target})
            found = strong
        index = found[0][0]
        fields.append((index, target))
        title_of[target] = str(cells[index])
    required = ["name", "doc_number"] + (["grid"] if grid_required else [])
    missing = [TITLES[k] for k in required if k not in title_of]
    if missing:
        raise DomainError("missing_columns", _("The file has no column for %(cols)s.") % {"cols": "、".join(missing)})
    dates = {k for k in title_of if k in DATE_FIELDS}
    dates |= {f"custom.{f.key}" for f in custom_fields if f.type == CustomField.Type.DATE}
    return Columns(line=line, titles=list(cells), fields=fields, title_of=title_of, date_fields=dates)
