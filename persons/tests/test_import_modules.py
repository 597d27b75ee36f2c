"""The import's modules: each imports the ones below it and none imports back (at module level or inside a
function), and what other apps read of a checked row they read by name."""

import ast
from pathlib import Path

from persons.importing import check

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "persons.importing"


def _imported(path: Path) -> set[str]:
    """The modules of the import package that `path` imports, wherever the import statement stands."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith(PACKAGE + ".")}
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module == PACKAGE:  # from persons.importing import check
                found |= {f"{PACKAGE}.{a.name}" for a in node.names}
            elif node.module.startswith(PACKAGE + "."):
                found.add(node.module)
    return found


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every cycle found by a depth-first walk, as the modules along it."""
    found, state = [], {}

    def walk(module, trail):
        state[module] = "open"
        for other in sorted(graph.get(module, ())):
            if state.get(other) == "open":
                found.append([*trail[trail.index(other):], other])
            elif other not in state:
                walk(other, [*trail, other])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            walk(module, [module])
    return found


def test_the_import_s_modules_import_one_another_without_a_cycle():
    folder = ROOT / "persons" / "importing"
    graph = {f"{PACKAGE}.{p.stem}": _imported(p) for p in folder.glob("*.py") if p.stem != "__init__"}
    assert f"{PACKAGE}.progress" in graph[f"{PACKAGE}.running"]  # the walk sees what it looks for

    assert _cycles(graph) == []


def test_a_checked_row_reads_the_same_by_name_and_by_index():
    row = tuple(range(100, 100 + len(check.Record._fields)))
    record = check.Record(*row)

    for index, name in enumerate(check.Record._fields):
        assert getattr(check, name.upper()) == index
        assert getattr(record, name) == row[index]


def test_other_apps_read_a_checked_row_by_name_and_import_no_private_name_of_the_import():
    index_names = {name.upper() for name in check.Record._fields}
    offenders = []
    for path in sorted(ROOT.glob("*/**/*.py")):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in {".venv", "var", "persons"} or "tests" in relative.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(PACKAGE):
                offenders += [f"{relative}: {node.module}.{a.name}" for a in node.names
                              if a.name.startswith("_") or a.name in index_names]
    assert offenders == []
