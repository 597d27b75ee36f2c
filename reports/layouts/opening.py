"""A template file made safe to read and to fill: within the upload limits (core.tabular's, and a template's own
size), without macros, an Excel 97–2003 workbook (.xls) read by calamine into a workbook of its values and merged
cells, and every formula replaced by the value the file last showed (a template's 合计 formula is recomputed as the
report's own total when it is filled, and a file Fangkong writes holds no formula)."""

import io
import zipfile

from django.utils.translation import gettext as _

from core.errors import DomainError
from core.tabular import XLSX, Limits, clip, table_inspect, workbook_bytes, workbook_laid_out, workbook_new

TEMPLATE_MAX_BYTES = 5 * 1024 * 1024
TEMPLATE_MAX_ROWS = 2000  # a template's lines are units and notes: a few hundred at most
TEMPLATE_MAX_COLUMNS = 200
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the compound file of .xls
_VBA = "_VBA_PROJECT".encode("utf-16-le")  # the macros' storage in a compound file's directory


def refused(code: str, message: str) -> DomainError:
    return DomainError(code, message, fields={"file": [message]})


def _macros(name: str) -> DomainError:
    return refused("template_macros", _("%(name)s holds macros. Save it from Excel as a workbook without macros "
                                        "(.xlsx) and upload that.") % {"name": clip(name)})


def template_open(source: bytes, *, name: str) -> bytes:
    """The template as a checked .xlsx without formulas; refused with the reason when it is too large, no
    workbook, or has macros."""
    if len(source) > TEMPLATE_MAX_BYTES:
        raise refused("template_too_large", _("%(name)s is larger than %(mb)d MB; a template is a few sheets of "
                                              "headers.") % {"name": clip(name), "mb": TEMPLATE_MAX_BYTES >> 20})
    if source.startswith(_OLE):
        if _VBA in source:
            raise _macros(name)
        source = _xls_as_xlsx(source, name=name)
    table = table_inspect(source, name=name, limits=Limits.configured(rows=TEMPLATE_MAX_ROWS,
                                                                      columns=TEMPLATE_MAX_COLUMNS))
    if table.kind != XLSX:
        raise refused("not_a_workbook", _("%(name)s is not an Excel workbook: upload the template as the county "
                                          "sent it (.xlsx).") % {"name": clip(name)})
    with zipfile.ZipFile(io.BytesIO(source)) as archive:
        if any(n.lower().endswith("vbaproject.bin") for n in archive.namelist()):
            raise _macros(name)
    return _formulas_as_values(source)


def _formulas_as_values(source: bytes) -> bytes:
    book = workbook_laid_out(source)
    values = workbook_laid_out(source, values=True)
    changed = False
    for sheet in book.worksheets:
        shown = values[sheet.title]
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f" or not isinstance(cell.value, (str, int, float, type(None))):
                    cell.value = shown[cell.coordinate].value  # a formula or an array formula: what it showed
                    changed = True
    return workbook_bytes(book) if changed else source


def _xls_as_xlsx(source: bytes, *, name: str) -> bytes:
    """An Excel 97–2003 workbook's sheets as a workbook of their values and merged cells (calamine reads no
    styles: the filled file is plain)."""
    import python_calamine

    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(source))
        book = workbook_new()
        for sheet_name in workbook.sheet_names[:20]:
            sheet = workbook.get_sheet_by_name(sheet_name)
            if sheet.total_height > TEMPLATE_MAX_ROWS or sheet.total_width > TEMPLATE_MAX_COLUMNS:
                raise refused("template_too_large", _("%(name)s has a sheet larger than %(rows)d lines or "
                                                      "%(columns)d columns; a template is a few sheets of headers.")
                              % {"name": clip(name), "rows": TEMPLATE_MAX_ROWS, "columns": TEMPLATE_MAX_COLUMNS})
            target = book.create_sheet(sheet_name[:31])
            for values in sheet.to_python(skip_empty_area=False):
                target.append([None if v == "" else v for v in values])
            for (top, left), (bottom, right) in sheet.merged_cell_ranges or []:
                target.merge_cells(start_row=top + 1, start_column=left + 1, end_row=bottom + 1,
                                   end_column=right + 1)
    except DomainError:
        raise
    except Exception:  # a damaged or mislabelled file: calamine's own errors
        raise refused("unreadable", _("%(name)s cannot be read as an Excel workbook.") % {"name": clip(name)}) from None
    return workbook_bytes(book)
