"""For the tests of translations: the Chinese catalog compiled for pages rendered in Chinese (the .mo is built by
`make messages` and not kept in git), and the project's Python sources parsed, for tests that read how strings are
marked."""

import ast
import gettext as gettext_module
import os
from collections.abc import Iterator
from pathlib import Path

import polib
from django.conf import settings
from django.utils.translation import trans_real


def catalog_compile() -> None:
    """Compile locale/zh_Hans's .po to the .mo the pages read, and have Django read it again. Always: a .mo newer
    than the .po may still have been compiled from an older one (another process, a moment before)."""
    po = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    fresh = po.with_suffix(f".mo.{os.getpid()}")
    polib.pofile(str(po)).save_as_mofile(str(fresh))
    os.replace(fresh, po.with_suffix(".mo"))  # whole, for other processes reading it
    gettext_module._translations.clear()  # Python's gettext keeps each .mo it has read, by its path
    trans_real._translations = {}
    trans_real._default = None
    trans_real._active = trans_real.Local()
    for cached in (trans_real.check_for_language, trans_real.get_languages,
                   trans_real.get_supported_language_variant):
        getattr(cached, "cache_clear", lambda: None)()


# Directories that hold no code of the project's apps (the test modules and migrations are not read either).
_NOT_SOURCES = {".venv", "var", ".git", "benchmarks", "locale", "node_modules", "__pycache__", "build", "migrations",
                "tests"}


def python_sources() -> Iterator[tuple[Path, ast.Module]]:
    """(path relative to the project, parsed module) of every Python module of the project's code."""
    root = Path(settings.BASE_DIR)
    for directory, subdirectories, files in os.walk(root):
        subdirectories[:] = sorted(d for d in subdirectories if d not in _NOT_SOURCES and not d.endswith(".egg-info"))
        for name in sorted(files):
            if name.endswith(".py"):
                path = Path(directory) / name
                yield path.relative_to(root), ast.parse(path.read_text(encoding="utf-8"))
