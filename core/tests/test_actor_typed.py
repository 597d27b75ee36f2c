"""Who acts is typed: in the apps mypy checks (pyproject.toml's [tool.mypy] files), every `by` and `actor`
parameter says it is an Actor (core.actors: a user, or None for the system) or a User."""

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def untyped_actors(source: str) -> list[str]:
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for arg in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]:
                if arg.arg in ("by", "actor") and not (arg.annotation is not None and (
                        "Actor" in ast.unparse(arg.annotation) or "User" in ast.unparse(arg.annotation))):
                    out.append(f"{node.name}({arg.arg}) line {arg.lineno}")
    return out


def test_every_by_and_actor_of_the_typed_apps_is_an_actor():
    apps = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]["files"]
    assert {"core", "accounts", "orgunits", "reports"} <= set(apps)
    found = {str(path.relative_to(ROOT)): untyped for app in apps for path in sorted((ROOT / app).rglob("*.py"))
             if "tests" not in path.parts and "migrations" not in path.parts
             and (untyped := untyped_actors(path.read_text(encoding="utf-8")))}
    assert found == {}


def test_an_untyped_by_is_found():
    assert untyped_actors("def f(*, by, actor: 'Actor', user):\n    pass\n"
                          "def g(x, by: int = 0):\n    pass\n") == ["f(by) line 1", "g(by) line 3"]
