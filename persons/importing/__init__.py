"""Importing people from CSV and XLSX files (人员导入).

1. `import_job_create` checks the importer's scope and the file type, stores the file and queues the job.
2. `people_import` runs the job: it finds the header row, then checks and writes the rows in one
   transaction. Each row is cleaned with `person_clean`, its grid code and category resolved and its
   document compared with the rest of the file and with people registered outside the importer's
   scope; new people are inserted, existing ones (same document) updated only where the file says
   something new, so a second import of the same file changes nothing. With any row wrong and without
   `keep_valid`, the transaction is rolled back and an error file returns the bad rows.

A city's line list is a million rows, so the hot path is set-based and uses every core: rows are
cleaned in worker processes (pure functions, no database) while this process writes the rows already
checked, a few thousand at a time, with executemany (COPY on PostgreSQL). Memory stays flat: rows
stream, a bounded number of chunks is in flight, and repeated documents are found with one integer per
row.

services  creating and queueing a job, access to jobs, their progress and error file; saved column mappings
run       running a job: every row checked and written in one pass, then its outcome (and its error file, written
          by core.tabular)
columns   the header row and which cell feeds which field
readers   the rows cleaned a chunk at a time, by worker processes that read a large file themselves (the file itself
          is read by core.tabular, within its limits)
check     cleaning rows (the worker processes' part) and checking them in file order
write     inserting and updating people; the table made ready for a large load
progress  a running job's counts, published while its transaction hides them
running   the claim on a running job, held by its process, and the jobs whose process died
mapping   after an import: unknown columns mapped and the file imported again; people awaiting a grid
"""

import importlib

# The names below are loaded on first use: a worker process imports this package (for readers.worker_main)
# before it has set Django up, and most of the package needs the app registry.
_EXPORTS = {
    "IGNORE": "columns", "field_keys": "columns", "SQLITE_CACHE_MB": "write",
    "people_import": "run",
    **dict.fromkeys(["import_error_file_open", "import_job_create", "import_job_get_for_user", "import_job_progress",
                     "import_jobs_for_user", "import_mapping_save"], "services"),
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
