"""Which cell feeds which field: the header row found and mapped to field keys.

The titles of the 台账 streets and communities keep (序号, 现居住地址, 所属社区, 人员类别, 来娄时间, 管控措施…) are
known without a mapping; a mapping saved on the import page (ImportMapping) is known for every later file. A
column still unknown is named with the field its title is closest to.
"""

import difflib
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from core.errors import DomainError
from core.tabular import ERROR_COLUMN, Table, header_key, listed, table_rows
from core.tabular import header_row as header_found
from persons.importing.dates import years_counted
from persons.models import CustomField, ImportMapping
from persons.validation import FIELDS

IGNORE = "ignore"
# community: a community of the import's unit, by name or code (a street's sheet names no grids); origin: where an
# arrival came from (来自, kept on the category episode); status: the management status (管控措施) and its site.
EXTRA_FIELDS = ["category", "category_start", "community", "origin", "status", "status_site"]
DEFAULT_HEADERS = {
    "姓名": "name", "性别": "sex", "出生日期": "birth_date", "证件类型": "doc_type",
    "证件号码": "doc_number", "身份证号": "doc_number", "身份证号码": "doc_number",
    "手机": "phone", "手机号": "phone", "手机号码": "phone", "联系电话": "phone",
    "现住址": "address", "住址": "address", "地址": "address",
    "网格": "grid", "网格编码": "grid", "所属网格": "grid",
    "与户主关系": "household_relation", "备注": "notes",
    "管理类别": "category", "类别开始": "category_start", "到达日期": "category_start", "到娄日期": "category_start",
    # the 台账 of streets and communities
    "序号": IGNORE, "编号": IGNORE, "身份证": "doc_number", "公民身份号码": "doc_number", "证件号": "doc_number",
    "电话": "phone", "电话号码": "phone", "联系方式": "phone", "手机号码(必填)": "phone",
    "现居住地址": "address", "居住地址": "address", "家庭住址": "address", "现住地址": "address", "详细地址": "address",
    "所属社区": "community", "社区": "community", "社区名称": "community", "所在社区": "community",
    "网格名称": "grid", "所在网格": "grid",
    "人员类别": "category", "类别": "category", "人员类型": "category",
    "来娄时间": "category_start", "返娄时间": "category_start", "抵娄时间": "category_start",
    "到达时间": "category_start", "来娄日期": "category_start", "返娄日期": "category_start",
    "抵娄日期": "category_start", "到娄时间": "category_start",
    "管控措施": "status", "管理措施": "status", "管控状态": "status", "管理状态": "status",
    "隔离点": "status_site", "集中隔离点": "status_site", "隔离地点": "status_site",
    "来源地": "origin", "从何地来": "origin", "来自": "origin", "来源": "origin",
    "full name": "name", "birth date": "birth_date", "document type": "doc_type", "document number": "doc_number",
    "mobile phone": "phone", "phone": "phone", "current address": "address", "grid code": "grid",
    "relation to household head": "household_relation", "category start": "category_start",
    "community": "community", "came from": "origin", "management status": "status", "quarantine site": "status_site",
    ERROR_COLUMN: IGNORE,  # a corrected error file imports as it is
    # what the person list export adds of each person's state now: read, never written back by an import
    "当前类别": IGNORE, "当前管理状态": IGNORE, "状态开始时间": IGNORE,
    "current categories": IGNORE, "current management status": IGNORE, "status since": IGNORE,
    **{key: key for key in FIELDS + EXTRA_FIELDS},
}
# 网格 in Fangkong's own export is the grid's name beside 网格编码: with both present the code wins.
WEAK_HEADERS = {"网格", "grid", "网格名称"}
DATE_FIELDS = {"birth_date", "category_start"}
# The title an error names when the file has no column for the field (a required one, or derived).
TITLES = {"name": "姓名", "sex": "性别", "birth_date": "出生日期", "doc_type": "证件类型", "doc_number": "证件号码",
          "phone": "手机号码", "address": "现住址", "grid": "网格编码", "household_relation": "与户主关系",
          "notes": "备注", "category": "管理类别", "category_start": "类别开始", "community": "所属社区",
          "origin": "来源地", "status": "管控措施", "status_site": "隔离点"}
YEAR_SAMPLE = 50_000  # rows read for the most common year of a file's dates
_DEFAULTS = {header_key(title): key for title, key in DEFAULT_HEADERS.items()}
_WEAK = {header_key(title) for title in WEAK_HEADERS}


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


def suggestion(title, known: dict[str, str]) -> str | None:
    """The field key whose known title is closest to `title` (difflib over every synonym), or None."""
    key = header_key(title)
    close = difflib.get_close_matches(key, [k for k, v in known.items() if v != IGNORE], n=1, cutoff=0.5)
    return known[close[0]] if close else None


def field_title(key: str, custom_fields: list[CustomField]) -> str:
    """The title a field is named by in messages and on the mapping form."""
    if key.startswith("custom."):
        return next((f.display_label for f in custom_fields if f"custom.{f.key}" == key), key)
    return TITLES.get(key, key)


def known_titles(*, explicit: dict[str, str], saved: dict[str, str], custom_fields: list[CustomField]) -> dict:
    """Looked-up title → field key: the defaults, custom fields, saved mappings, then the job's own mapping."""
    known = {**_DEFAULTS}
    for f in custom_fields:
        for title in (f.label, f.label_en, f.key):
            if title:
                known[header_key(title)] = f"custom.{f.key}"
    keys = set(field_keys(custom_fields))
    known.update({header_key(t): k for t, k in saved.items() if k in keys})
    known.update({header_key(title): key for title, key in explicit.items()})
    return known


def header_row(rows: Iterator[tuple[int, list]], known: dict[str, str]) -> tuple[int, list, list[str]]:
    """(line, cells, looked-up keys) of the header row (core.tabular.header_row); a file of blank rows refused."""
    found = header_found(rows, known)
    if found is None:
        raise DomainError("empty_file", _("The file has no header row and no people."))
    return found


def columns_unknown(cells: list, keys: list[str], known: dict[str, str]) -> list[tuple[str, str | None]]:
    """(title, suggested field key or None) of each column no field is known for."""
    return [(str(title), suggestion(title, known)) for title, key in zip(cells, keys, strict=True)
            if key and key not in known]


def columns_find(rows: Iterator[tuple[int, list]], *, explicit: dict[str, str], custom_fields: list[CustomField],
                 grid_required: bool, saved: dict[str, str] | None = None) -> Columns:
    """Read up to the header row and map it: `explicit` (the job's mapping) first, then the saved mappings'
    titles, then the known ones."""
    wrong = {k for k in explicit.values() if k not in field_keys(custom_fields)}
    if wrong:
        raise DomainError("invalid_mapping", _("Unknown fields in the column mapping: %(m)s.")
                          % {"m": listed(sorted(wrong))})
    known = known_titles(explicit=explicit, saved=saved or {}, custom_fields=custom_fields)
    explicit_keys = {header_key(title) for title in explicit}
    line, cells, keys = header_row(rows, known)

    fields, title_of = [], {}
    unknown = columns_unknown(cells, keys, known)
    if unknown:
        named = [_("%(title)s (closest: %(field)s)") % {"title": t, "field": field_title(k, custom_fields)}
                 if k else t for t, k in unknown]
        raise DomainError("unknown_columns", _("Unknown columns: %(cols)s. Rename them to a field's title or map "
                                               "them (to “ignore” to leave them out).")
                          % {"cols": listed(named)})
    by_field: dict[str, list[tuple[int, str]]] = {}
    for index, key in enumerate(keys):
        target = known.get(key) if key else None
        if target is not None and target != IGNORE:
            by_field.setdefault(target, []).append((index, key))
    for target, found in by_field.items():
        if len(found) > 1:
            strong = [(i, k) for i, k in found if k not in _WEAK or k in explicit_keys]
            if len(strong) != 1:
                raise DomainError("ambiguous_columns", _("The columns %(cols)s all give %(field)s; map one of them "
                                                         "to “ignore”.")
                                  % {"cols": listed(cells[i] for i, _k in found),
                                     "field": field_title(target, custom_fields)})
            found = strong
        index = found[0][0]
        fields.append((index, target))
        title_of[target] = str(cells[index])
    missing = [TITLES[k] for k in ("name", "doc_number") if k not in title_of]
    if grid_required and "grid" not in title_of and "community" not in title_of:
        missing.append(_("%(grid)s or %(community)s") % {"grid": TITLES["grid"], "community": TITLES["community"]})
    if missing:
        raise DomainError("missing_columns", _("The file has no column for %(cols)s.") % {"cols": "、".join(missing)})
    dates = {k for k in title_of if k in DATE_FIELDS}
    dates |= {f"custom.{f.key}" for f in custom_fields if f.type == CustomField.Type.DATE}
    return Columns(line=line, titles=list(cells), fields=fields, title_of=title_of, date_fields=dates)


def saved_columns() -> dict[str, str]:
    """{column title: field key} of every saved mapping, the newest winning: a title mapped once on the import
    page is known in every later file."""
    merged: dict[str, str] = {}
    for columns in ImportMapping.objects.order_by("created_at", "id").values_list("columns", flat=True):
        if isinstance(columns, dict):
            merged.update({str(t): str(k) for t, k in columns.items()})
    return merged


def file_year(table: Table, columns: Columns) -> int | None:
    """The year of the dates the file writes without one: the most common year of its other dates, counted over its
    first YEAR_SAMPLE rows (a million-row file is not read twice for it); None when they have none."""
    indexes = [i for i, key in columns.fields if key in columns.date_fields]
    rows = table_rows(table)
    try:
        values = (cells[i] for line, cells in itertools.islice(rows, YEAR_SAMPLE + columns.line) if line > columns.line
                  for i in indexes if i < len(cells))
        years, _missing = years_counted(values)
    finally:
        rows.close()
    if not years:
        return None
    return max(sorted(years), key=years.__getitem__)
