"""Tabular files, the one way the project reads and writes CSV and XLSX.

limits       what a file may hold (settings TABULAR_*), text bounded for messages
reading      the kind by content, workbooks inspected before openpyxl opens them, rows streamed within the limits
headers      a sheet's header row, and its titles as they are looked up
writing      one writer for every export, every cell inert (no formula runs when it is opened); every download's
             name (in the reader's language, with an ASCII fallback)
error_files  an import's error file: the rows not imported as they were, with the reasons, for every import
import_jobs  what every import job has beyond its file: its error file's audited download, its pages (the job,
             the progress htmx polls, the error file); not imported here, as it needs Django's apps loaded and
             the processes that check rows in parallel import this package without them
"""

from core.tabular.error_files import ERROR_COLUMN, error_file_save, error_reason, error_rows_write
from core.tabular.headers import header_key, header_row
from core.tabular.limits import MESSAGE_CHARS, Limits, clip, listed
from core.tabular.reading import (
    CSV,
    EXTENSIONS,
    XLSX,
    Table,
    cell_text,
    rows_read,
    sheet_rows,
    stored_path,
    table_inspect,
    table_rows,
    table_sniff,
    unreadable,
    upload_check,
    workbook_open,
)
from core.tabular.writing import (
    CSV_TYPE,
    FORMATS,
    XLSX_TYPE,
    TableWriter,
    ascii_name,
    attachment,
    attachment_header,
    cell_safe,
    csv_as_sent,
    csv_chunks,
    date_for_reader,
    date_zh,
    download_name,
    error_file_download,
    file_download,
    table_bytes,
    table_download,
    table_stream,
    workbook_bytes,
    workbook_laid_out,
    workbook_new,
)

__all__ = [
    "CSV", "CSV_TYPE", "ERROR_COLUMN", "EXTENSIONS", "FORMATS", "Limits", "MESSAGE_CHARS", "Table", "TableWriter",
    "XLSX", "XLSX_TYPE", "ascii_name", "attachment", "attachment_header", "cell_safe", "cell_text", "clip",
    "csv_as_sent", "csv_chunks", "date_for_reader", "date_zh", "download_name", "error_file_download",
    "error_file_save", "error_reason", "error_rows_write", "file_download", "header_key", "header_row", "listed",
    "rows_read", "sheet_rows", "stored_path", "table_bytes", "table_download", "table_inspect", "table_rows",
    "table_sniff", "table_stream", "unreadable", "upload_check", "workbook_bytes", "workbook_laid_out", "workbook_new",
    "workbook_open",
]
