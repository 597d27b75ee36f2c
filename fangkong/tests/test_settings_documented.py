"""The README's table of settings names exactly the variables the settings read from the environment."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READERS = {"env_bool", "env_list", "env_int", "env_decimal", "_throttle_rate", "getenv", "get"}


def _is_environ(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "environ"


def variables_read(path: Path) -> set[str]:
    """The names of the environment variables a module reads by a literal name: env_*("X", …),
    _throttle_rate("X", …), os.environ.get("X"), os.getenv("X"), os.environ["X"]."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name in READERS and (name != "get" or _is_environ(func.value)):  # a dict's get is not a read
                names.add(node.args[0].value)
        elif isinstance(node, ast.Subscript) and _is_environ(node.value) and isinstance(node.slice, ast.Constant):
            names.add(node.slice.value)
    return names


def readme_settings_table() -> list[list[str]]:
    """The rows (cells) of README's table headed 变量 variable."""
    rows, inside = [], False
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("| 变量 variable"):
            inside = True
        elif inside and line.startswith("|"):
            if not line.startswith("|---"):
                rows.append([cell.strip() for cell in line.strip("|").split("|")])
        elif inside:
            break
    return rows


def _names(text: str) -> set[str]:
    return set(re.findall(r"`([A-Z][A-Z0-9_]+)`", text))


def test_the_readme_documents_every_variable_the_settings_read_and_no_other():
    read = variables_read(ROOT / "fangkong" / "settings.py") | variables_read(ROOT / "core" / "env.py")
    table = readme_settings_table()
    listed = set().union(*(_names(row[0]) for row in table))
    mentioned = set().union(*(_names(" | ".join(row)) for row in table))  # a former name, a related one
    assert len(table) > 20 and {"DATABASE_URL", "SECRET_KEY", "TRACING_DAILY_DUE_HOUR"} <= read
    assert read - mentioned == set(), "read from the environment but missing from README's settings table"
    assert listed - read == set(), "listed in README's settings table but read nowhere"


def test_the_walk_finds_each_way_of_reading_a_variable(tmp_path):
    module = tmp_path / "settings.py"
    module.write_text('import os\nA = env_int("A_INT", 1, minimum=0, maximum=2)\nB = os.environ.get("B_GET")\n'
                      'C = os.environ["C_ITEM"]\nD = os.getenv("D_GETENV")\nE = {}.get("NOT_ONE")\n'
                      'F = _throttle_rate("F_RATE", "1/min")\n', encoding="utf-8")
    assert variables_read(module) == {"A_INT", "B_GET", "C_ITEM", "D_GETENV", "F_RATE"}
