"""The entry of the worker processes that read a large file and clean its rows (files themselves are read by
core.tabular).

Nothing here needs Django's app registry at import time: a spawned worker imports this module before it
has set Django up.
"""

import multiprocessing
import os
import pickle
import threading


def worker_main(results, payload: bytes, part: int) -> None:
    """The target of a worker process: set Django up, then clean its share of the file (check.clean_file)."""
    _end_with_parent()
    # Names' initials are looked up a character at a time (identity.pinyin_initials), which never reads
    # pypinyin's dictionary of phrases: leaving it out saves 44 MB in each worker.
    os.environ.setdefault("PYPINYIN_NO_PHRASES", "1")
    import django

    django.setup()
    from persons.importing.check import clean_file  # needs the app registry

    clean_file(results, part=part, **pickle.loads(payload))


def _end_with_parent() -> None:
    """End this worker as soon as the process that started it ends. A parent killed outright (SIGKILL, out of
    memory) never terminates its workers, and one blocked on its full queue would wait for ever."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch():
        parent.join()  # returns when the parent's end of their pipe closes, however the parent ended
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
