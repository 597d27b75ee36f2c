"""The Chinese catalog: complete, faithful to its placeholders, up to date with the code, and in use.

Simplified Chinese is the default interface language, so an untranslated string is a visible defect:
these tests fail on an empty or fuzzy entry, on a placeholder lost in translation, and on a string
added to the code without being added to locale/zh_Hans/LC_MESSAGES/django.po (run `makemessages`
as the failure message says, translate, then `manage.py catalogs_compile`).
"""

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

from core.tests.catalog import catalog_compile, python_sources

ROOT = Path(__file__).resolve().parents[2]  # the project directory (BASE_DIR)
CATALOG = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
# The directories makemessages must not read (the same as the documented command's --ignore list).
IGNORED_DIRS = {".venv", "var", ".git", "benchmarks", "locale", "node_modules", "__pycache__", "build"}
SOURCE_SUFFIXES = {".py", ".html", ".txt"}
MAKEMESSAGES = ["makemessages", "-l", "zh_Hans", "--no-obsolete",
                "--ignore=.venv", "--ignore=var", "--ignore=benchmarks"]
NAMED_PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")
POSITIONAL_PLACEHOLDER = re.compile(r"%(?!\()[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")


def _catalog() -> polib.POFile:
    assert CATALOG.exists(), f"{CATALOG.relative_to(ROOT)} is missing"
    return polib.pofile(str(CATALOG))


def _live(po: polib.POFile):
    return [e for e in po if not e.obsolete]


def _translations(entry: polib.POEntry) -> list[str]:
    return list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]


def _label(entry: polib.POEntry) -> str:
    where = ", ".join(f"{path}:{line}" for path, line in entry.occurrences[:3])
    return f"{entry.msgid!r} ({where})" if where else repr(entry.msgid)


def _placeholders(text: str) -> tuple[list[str], int]:
    """Named placeholders (sorted, with repeats) and the number of positional ones; `%%` is a literal."""
    text = text.replace("%%", "")
    return sorted(NAMED_PLACEHOLDER.findall(text)), len(POSITIONAL_PLACEHOLDER.findall(text))


def test_catalog_is_complete_and_keeps_its_placeholders():
    po = _catalog()
    assert po.metadata.get("Language") == "zh_Hans"
    assert po.metadata.get("Plural-Forms") == "nplurals=1; plural=0;"
    assert not po.metadata_is_fuzzy, "the catalog header is marked fuzzy"

    entries = _live(po)
    assert entries, "the catalog has no entries"
    empty = [_label(e) for e in entries if not all(s.strip() for s in _translations(e))]
    fuzzy = [_label(e) for e in entries if "fuzzy" in e.flags]
    assert not empty, "untranslated entries:\n" + "\n".join(empty)
    assert not fuzzy, "fuzzy entries (check the translation, then remove the flag):\n" + "\n".join(fuzzy)

    broken = []
    for entry in entries:
        if "python-format" not in entry.flags:
            continue
        names, positional = _placeholders(entry.msgid)
        names_plural, _ = _placeholders(entry.msgid_plural) if entry.msgid_plural else ([], 0)
        expected = set(names) | set(names_plural)
        for msgstr in _translations(entry):
            got, got_positional = _placeholders(msgstr)
            # Every placeholder kept; none invented (a name missing from the source raises KeyError).
            if not expected <= set(got) or not set(got) <= expected or got_positional != positional:
                broken.append(f"{_label(entry)} → {msgstr!r}")
    assert not broken, "placeholders differ between msgid and msgstr:\n" + "\n".join(broken)


def _copy_sources(destination: Path) -> None:
    """The project's translatable sources (*.py, *.html, *.txt), without the virtualenv and local data."""
    for directory, subdirectories, files in os.walk(ROOT):
        subdirectories[:] = sorted(d for d in subdirectories
                                   if d not in IGNORED_DIRS and not d.endswith(".egg-info"))
        relative = Path(directory).relative_to(ROOT)
        for name in files:
            if Path(name).suffix in SOURCE_SUFFIXES:
                target = destination / relative / name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(Path(directory) / name, target)


def _msgids(po: polib.POFile) -> set[tuple[str | None, str]]:
    return {(e.msgctxt, e.msgid) for e in _live(po) if e.msgid}


def test_catalog_is_up_to_date_with_the_code(tmp_path):
    if shutil.which("xgettext") is None:
        if os.environ.get("CI"):
            pytest.fail("xgettext is not on PATH; CI installs gettext")
        pytest.skip("xgettext (GNU gettext) is not installed")
    copy = tmp_path / "src"
    _copy_sources(copy)
    assert (copy / "manage.py").exists()
    env = {**os.environ, "SECRET_KEY": "local-dev-key-0000000000000000000000000000000", "DEBUG": "1",
           "PYTHONPATH": str(copy)}
    env.pop("DJANGO_SETTINGS_MODULE", None)  # manage.py sets it; the copy's settings put BASE_DIR there
    run = subprocess.run([sys.executable, "manage.py", *MAKEMESSAGES], cwd=copy, env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, f"makemessages failed:\n{run.stdout}\n{run.stderr}"
    fresh_path = copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    assert fresh_path.exists(), f"makemessages wrote no catalog in the copy:\n{run.stdout}\n{run.stderr}"

    fresh = polib.pofile(str(fresh_path))
    committed = _msgids(_catalog())
    missing = [e for e in _live(fresh) if e.msgid and (e.msgctxt, e.msgid) not in committed]
    assert not missing, (
        f"{len(missing)} string(s) in the code are missing from {CATALOG.relative_to(ROOT)}; run\n"
        f"  SECRET_KEY=… DEBUG=1 python manage.py {' '.join(MAKEMESSAGES)}\n"
        "then translate them:\n" + "\n".join(_label(e) for e in missing))


# The names under which makemessages finds a string (xgettext's Python keywords and the ones Django adds).
GETTEXT_NAMES = {"_", "gettext", "ngettext", "gettext_noop", "gettext_lazy", "ngettext_lazy", "pgettext",
                 "npgettext", "pgettext_lazy", "npgettext_lazy"}


def test_strings_are_marked_under_names_makemessages_reads():
    """A string marked by gettext imported under another name (`gettext_lazy as _lazy`) is never extracted, so it
    is never translated: the symptoms and the access log's channels were shown in English so."""
    renamed = [f"{path}:{node.lineno}: {alias.name} as {alias.asname}"
               for path, tree in python_sources() for node in ast.walk(tree)
               if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("django.utils.translation")
               for alias in node.names if alias.asname and alias.asname not in GETTEXT_NAMES]
    assert not renamed, "import gettext under a name of GETTEXT_NAMES:\n" + "\n".join(renamed)


def test_no_string_is_marked_inside_an_f_string():
    """xgettext does not read inside f-strings: `f"{_('not checked in')}"` stays out of the catalog."""
    inside = [f"{path}:{call.lineno}: {call.func.id}(…)"
              for path, tree in python_sources() for node in ast.walk(tree) if isinstance(node, ast.JoinedStr)
              for call in ast.walk(node) if isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
              and call.func.id in GETTEXT_NAMES]
    assert not inside, "translate before the f-string, into a variable:\n" + "\n".join(inside)


@pytest.fixture
def compiled_catalog():
    """The .mo is built by `make messages`; build it here too, from the catalog as it is now."""
    catalog_compile()


def test_pages_render_in_chinese_by_default_and_in_english_on_request(cast, client_for, compiled_catalog):
    client = client_for(cast.street_officer)

    page = client.get("/").content.decode()
    assert '<html lang="zh-hans">' in page
    assert "我的角色与管辖范围" in page  # Your roles and scope
    assert ">区划</a>" in page  # the navigation's Units
    assert "街道信息员" in page and "长青街道" in page
    assert "Your roles and scope" not in page

    switched = client.post("/accounts/language/", {"language": "en", "next": "/"})
    assert switched.status_code == 302 and switched["Location"] == "/"

    page = client.get("/").content.decode()
    assert '<html lang="en">' in page
    assert "Your roles and scope" in page
    assert ">Units</a>" in page
    assert "street information officer" in page
    assert "我的角色与管辖范围" not in page
