"""Dependencies run one way (DESIGN.md, "Dependencies point one way"), read from the source of every app.

The order, lowest first; an app may import a model or a private name (`_x`) only of an app below it:

    core ← orgunits ← accounts ← reports ← persons ← tracing, checkpoints, volunteers, supplies, legal
         ← intake, dashboard, offline ← fangkong

- `reports` sits below `persons`: its engine knows no domain, and each app offers its facts to indicators
  through reports' fact-source interface (reports.facts), so every domain app may import reports.
- `intake` (residents' declarations, confirmed into the line list) and `dashboard` (the situation overview) are
  on top of the domain apps, beside each other, as is `offline` (the grid worker's offline app, whose sync
  calls persons' and tracing's services).
- `fangkong` is the project: settings, URLs, the API and the demo city put together from every app's demo.
- The dashboard reads the other apps through their `<area>_figures` selectors: it imports no app's models but
  the tree's (orgunits).

Public names of the selectors and services of an app beside or above are allowed (an app tells another through
its interface, e.g. checkpoints registers a case through tracing's service); models and private names are not.
Imports under `if TYPE_CHECKING:` (annotations only) are not dependencies. Tests and migrations are not read.

Inside an app, no two modules import each other, directly or round a loop, even from inside a function: a
deferred import hiding a cycle is still one. Each known exception is listed with its reason, and an entry no
longer needed fails the test, so the lists only shrink.
"""

import ast
import importlib
from collections import defaultdict
from pathlib import Path
from types import ModuleType

from django.apps import apps
from django.conf import settings
from django.db import models
from django.urls import resolve, reverse

ROOT = Path(__file__).resolve().parents[2]
ORDER = [("core",), ("orgunits",), ("accounts",), ("reports",), ("persons",),
         ("tracing", "checkpoints", "volunteers", "supplies", "legal"), ("intake", "dashboard", "offline"), ("fangkong",)]
RANK = {app: rank for rank, apps in enumerate(ORDER) for app in apps}
DASHBOARD_MODELS_FROM = {"orgunits"}

# (importing module, what it imports): why it stays for now
ALLOWED_IMPORTS: dict[tuple[str, str], str] = {}
# modules of one app importing each other round a loop: why it stays for now
ALLOWED_CYCLES: dict[frozenset[str], str] = {}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def app_modules() -> dict[str, Path]:
    """Every module of the apps and the project but tests and migrations, by dotted name."""
    out = {}
    for app in RANK:
        for path in sorted((ROOT / app).rglob("*.py")):
            rel = path.relative_to(ROOT).parts
            if "tests" in rel or "migrations" in rel:
                continue
            out[_module_name(path)] = path
    return out


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    """The ids of the import nodes under `if TYPE_CHECKING:` (annotations only)."""
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    return skipped


def imports_of(source: str) -> list[tuple[str, str | None, bool]]:
    """(module, name, False) for each `from module import name`, and (module, None, False) for each `import
    module`, wherever they stand in the module (functions included), those for annotations only left out; plus
    (path, attribute, True) for each attribute read from an imported name (`selectors._x`)."""
    tree = ast.parse(source)
    skipped = _type_checking_nodes(tree)
    found: list[tuple[str, str | None, bool]] = []
    aliases: dict[str, str] = {}  # a local name bound to an imported module or name -> its dotted path
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                found.append((node.module, alias.name, False))
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                found.append((alias.name, None, False))
                if alias.asname:
                    aliases[alias.asname] = alias.name
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases:
            found.append((aliases[node.value.id], node.attr, True))
    return found


def _resolve(module: str, name: str | None):
    """The object imported, or None when it cannot be imported here."""
    try:
        target = importlib.import_module(module)
    except ImportError:
        return None
    if name is None:
        return target
    if hasattr(target, name):
        return getattr(target, name)
    try:
        return importlib.import_module(f"{module}.{name}")
    except ImportError:
        return None


def reach(module: str, name: str | None) -> str:
    """What an import reaches into: "model", "private" or "" (a public name of an interface)."""
    parts = [*module.split("."), *([name] if name else [])]
    if any(p.startswith("_") and not p.startswith("__") for p in parts):
        return "private"
    if "models" in parts[1:]:
        return "model"
    obj = _resolve(module, name)
    if isinstance(obj, type) and issubclass(obj, models.Model):
        return "model"
    return ""


def violations(importer: str, source: str) -> list[str]:
    """The imports of module `importer` that break the order, as "importer: module.name (what)"."""
    app = importer.split(".")[0]
    out = []
    for module, name, attribute in imports_of(source):
        target = module.split(".")[0]
        if target not in RANK or target == app:
            continue
        if attribute and not isinstance(_resolve(module, None), ModuleType):
            continue  # an attribute of a class imported (Case.State): the class itself was judged
        what = reach(module, name)
        if not what:
            continue
        dashboard_reads = app == "dashboard" and what == "model" and target not in DASHBOARD_MODELS_FROM
        if RANK[target] >= RANK[app] or dashboard_reads:
            out.append(f"{importer}: {module}{'.' + name if name else ''} ({what})")
    return out


def module_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Module -> the modules of the same app it imports (a name imported from a package counts as its submodule
    when there is one)."""
    graph: dict[str, set[str]] = defaultdict(set)
    for importer, path in modules.items():
        for module, name, _attribute in imports_of(path.read_text(encoding="utf-8")):
            target = f"{module}.{name}" if name and f"{module}.{name}" in modules else module
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != importer and target.split(".")[0] == importer.split(".")[0]:
                graph[importer].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.add(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(frozenset(group))
    return found


# -- the rule, over the code as it stands ------------------------------------------------------------------------

def test_no_app_imports_a_model_or_private_name_of_an_app_beside_or_above_it():
    found = {line for importer, path in app_modules().items()
             for line in violations(importer, path.read_text(encoding="utf-8"))}
    keys = {line.rsplit(" (", 1)[0] for line in found}
    allowed = {f"{importer}: {target}" for importer, target in ALLOWED_IMPORTS}
    assert sorted(line for line in found if line.rsplit(" (", 1)[0] not in allowed) == []
    assert sorted(allowed - keys) == []  # an exception no longer needed


def test_no_import_cycle_inside_an_app():
    found = set(cycles(module_graph(app_modules())))
    assert sorted(sorted(c) for c in found - set(ALLOWED_CYCLES)) == []
    assert sorted(sorted(c) for c in set(ALLOWED_CYCLES) - found) == []  # an exception no longer needed


def test_every_app_has_its_place_in_the_order():
    apps = {p.parent.name for p in ROOT.glob("*/apps.py")} | {"fangkong"}
    assert apps == set(RANK)


# -- the checker itself catches what it is for ------------------------------------------------------------------

def test_a_model_of_an_app_beside_is_caught():
    assert violations("volunteers.facts", "from supplies.models import Donation\n") == [
        "volunteers.facts: supplies.models.Donation (model)"]
    assert violations("volunteers.facts", "def f():\n    from supplies import models\n") == [
        "volunteers.facts: supplies.models (model)"]


def test_a_model_reexported_through_a_selector_is_caught():
    assert violations("checkpoints.x", "from persons import selectors\nselectors.Person\n") == []  # persons is below
    assert violations("orgunits.x", "from persons.selectors import Person\n") == [
        "orgunits.x: persons.selectors.Person (model)"]


def test_a_private_name_of_an_app_above_is_caught():
    assert violations("persons.x", "from tracing.services import exposures\nexposures._contact\n") == [
        "persons.x: tracing.services.exposures._contact (private)"]
    assert violations("persons.x", "from tracing.selectors import tasks_visible\n") == []  # public interface


def test_the_dashboard_reads_selectors_not_models():
    assert violations("dashboard.x", "from supplies.models import Item\n") == ["dashboard.x: supplies.models.Item (model)"]
    assert violations("dashboard.x", "from orgunits.models import OrgUnit\n") == []
    assert violations("dashboard.x", "from supplies.selectors import supply_figures\n") == []


def test_annotations_only_are_no_dependency():
    source = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from supplies.models import Donation\n"
    assert violations("volunteers.facts", source) == []


def test_a_deferred_import_closing_a_loop_is_a_cycle(tmp_path):
    sources = {"a.x": "from a.y import f\n", "a.y": "def f():\n    from a.z import g\n",
               "a.z": "import a.x\n", "a.w": "from a import x\n", "a": ""}
    modules = {}
    for name, source in sources.items():
        modules[name] = tmp_path / f"{name}.py"
        modules[name].write_text(source)
    assert cycles(module_graph(modules)) == [frozenset({"a.x", "a.y", "a.z"})]
    assert cycles({"a.x": {"a.y"}, "a.y": set()}) == []


# -- the notification outbox, its channels and the badge are core's ------------------------------------------------

def test_the_outbox_its_channels_and_the_badge_are_cores():
    from core.notifications.channels import channels

    assert {m._meta.app_label for m in apps.get_models() if m.__name__ in ("Notification", "Delivery")} == {"core"}
    assert {type(c).__module__ for c in channels()} == {"core.notifications.channels"}
    outside = [f"{name}: class {node.name}" for name, path in app_modules().items() if not name.startswith("core.")
               for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))) if isinstance(node, ast.ClassDef)
               and any("Channel" in ast.unparse(base) or "Outbox" in ast.unparse(base) for base in node.bases)]
    assert outside == []
    processors = [p for t in settings.TEMPLATES for p in t.get("OPTIONS", {}).get("context_processors", [])]
    assert [p for p in processors if "notification" in p or "badge" in p] == [
        "core.notifications.context_processors.badge"]
    base = (ROOT / "templates" / "base.html").read_text(encoding="utf-8")
    assert "{% url 'notifications:list' %}" in base and "notifications_unread" in base
    assert resolve(reverse("notifications:list")).func.__module__ == "core.notifications.views"

