"""Nothing in the code stands in for state the processes and servers share: a module-level dict, list or set that
code writes at run time would be one process's own (two gunicorn instances and two workers would each keep
theirs). What is shared lives in the database: sessions (the database session engine), the cache (the database
cache table: throttling, rate limits, replicas' verdicts), login lockouts, tasks, locks (core.locks)."""

import ast
from importlib import import_module
from pathlib import Path

from django.conf import settings
from django.contrib.sessions.backends import db
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache

ROOT = Path(__file__).resolve().parents[2]
MUTATING = {"append", "extend", "insert", "update", "setdefault", "add", "pop", "popitem", "clear", "remove",
            "discard"}
CONTAINERS = {"dict", "list", "set", "defaultdict", "OrderedDict", "Counter", "deque", "WeakValueDictionary",
              "WeakKeyDictionary"}
# Written at run time, and rightly each process's own: the same in every process, derived from code or settings.
ALLOWED = {
    ("core/tabular/reading.py", "_RUNS"): "compiled patterns, one per configured limit",
    ("legal/search.py", "_jieba"): "the word segmenter, loaded once per process",
    ("persons/health_checks.py", "_HOOKS"): "hooks registered by apps' ready()",
    ("persons/retention.py", "_HOLDS"): "hooks registered by apps' ready()",
    ("persons/retention.py", "_ANONYMISERS"): "hooks registered by apps' ready()",
    ("persons/services.py", "_MOVE_HOOKS"): "hooks registered by apps' ready()",
    ("persons/services.py", "_MERGE_HOOKS"): "hooks registered by apps' ready()",
    ("reports/registry.py", "_SOURCES"): "fact sources registered by apps' ready()",
    ("supplies/checks/base.py", "CHECKS"): "audit checks registered by their module's decorators at import",
}


def _mutable(value) -> bool:
    if isinstance(value, ast.Dict | ast.List | ast.Set | ast.DictComp | ast.ListComp | ast.SetComp):
        return True
    if isinstance(value, ast.Call):
        func = value.func
        return (func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")) in CONTAINERS
    return False


def _written_at_run_time(tree: ast.Module) -> set[str]:
    """Module-level containers a function writes to, and names a function rebinds with `global`."""
    containers = {target.id for node in tree.body if isinstance(node, ast.Assign | ast.AnnAssign)
                  and node.value is not None and _mutable(node.value)
                  for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
                  if isinstance(target, ast.Name)}
    written = set()
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.Global):
                written.update(node.names)
            elif isinstance(node, ast.Assign | ast.AugAssign | ast.Delete):
                targets = node.targets if isinstance(node, ast.Assign | ast.Delete) else [node.target]
                written.update(t.value.id for t in targets if isinstance(t, ast.Subscript)
                               and isinstance(t.value, ast.Name) and t.value.id in containers)
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in MUTATING
                  and isinstance(node.func.value, ast.Name) and node.func.value.id in containers):
                written.add(node.func.value.id)
    return written


def test_no_module_keeps_mutable_state_written_at_run_time():
    found = set()
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if (relative.startswith((".", "var/", "benchmarks/")) or "/migrations/" in relative
                or "/tests/" in relative):
            continue
        found |= {(relative, name) for name in _written_at_run_time(ast.parse(path.read_text(encoding="utf-8")))}
    assert found - set(ALLOWED) == set(), "state every process and server must share goes in the database " \
                                          "(the cache, a table, core.locks), not in a module"


def test_the_guard_sees_a_module_level_cache_written_by_a_function():
    tree = ast.parse("SEEN = {}\ndef remember(k, v):\n    SEEN[k] = v\nKNOWN = []\ndef keep(x):\n    KNOWN.append(x)\n")
    assert _written_at_run_time(tree) == {"SEEN", "KNOWN"}


def test_sessions_and_the_cache_are_the_database_s():
    assert issubclass(import_module(settings.SESSION_ENGINE).SessionStore, db.SessionStore)
    assert isinstance(caches["default"], DatabaseCache)
    # The process's own cache holds only what every process computes alike (a rendered form under its digest) or
    # a copy for a second of what they share (core.replica_health.PROCESS_SECONDS).
    assert {alias for alias in settings.CACHES if not isinstance(caches[alias], DatabaseCache)} == {"process"}
    assert settings.TASKS["default"]["BACKEND"] in ("django_tasks_db.DatabaseBackend",
                                                    "django_tasks.backends.immediate.ImmediateBackend")
