"""Every write service leaves an audit entry.

The rule: a write service is a public function of an app's services module (`<app>/services.py`,
`<app>/services/*.py`, or an area's own `<app>/<area>/services.py`) that writes to the database — it, or a project function it calls or hands on, saves,
deletes, creates or updates through the ORM (queuing a message in the notification outbox is not a write:
the change it announces is audited where it is made). Each must reach `core.audit.audit_record` (or a bulk
`AuditEntry.objects.bulk_create`) the same way. The check is static: the modules are parsed, names resolved
through their imports, and calls followed from function to function (a class it uses brings its methods).
Calling each of the ~150 services in a small world would need arguments made for each one, which a walk cannot
invent; the static walk sees every path a service may take, including the ones a test world would not reach.

EXCEPTIONS lists, with the reason, the writers that rightly leave no entry of their own."""

import ast
from dataclasses import dataclass, field
from pathlib import Path

from core.lengths import PROJECT_APPS

ROOT = Path(__file__).resolve().parents[2]

EXCEPTIONS = {
    # Bookkeeping of a sign-in, not a change of anything a user owns: the last use of a credential.
    "accounts.services.token_authenticate": "notes the token's last use",
    "checkpoints.services.setup.device_authenticate": "notes the device's last use (at most once a minute)",
    # Seed data recreated when missing (the migrations write it): nobody's action.
    "checkpoints.services.common.rule_default": "recreates the default fever rule",
    "checkpoints.services.common.rules_for": "reads the rules (recreating the default one)",
    "checkpoints.services.common.rule_for": "reads a rule (recreating the default one)",
    "checkpoints.services.common.questions_for": "reads the questions (recreating the default rule)",
    "supplies.services.common.money_item": "the money item, created on first use",
    "supplies.services.common.location_pseudo": "a unit's pseudo-location, created on first use",
    # The line list's import jobs, alike: the people are audited when the import writes them (persons.importing.write).
    "persons.importing.services.import_job_create": "queues the import, audited when it writes",
    "persons.importing.services.import_job_get_for_user": "reads the job (noting a dead worker)",
    "persons.importing.services.import_job_progress": "reads the progress (noting a dead worker)",
    # A contact list's import: its record is audited when the import writes its rows (contact_rows_import);
    # queuing it, its progress and a failure that wrote nothing are the job's own state.
    "tracing.services.import_jobs.contact_import_create": "queues the import, audited when it writes",
    "tracing.services.import_jobs.contact_import_failed": "notes a failure that wrote nothing",
    "tracing.services.import_jobs.contact_import_interrupted": "notes that the worker running it died",
    "tracing.services.import_jobs.contact_import_progress": "reads the progress (noting a dead worker)",
    # Part of a caller's change: the caller's entry records it (ending a follow-up records the tasks closed).
    "tracing.services.tasks.tasks_close_for_follow_up": "the follow-up's end records the tasks it closed",
}

WRITES_ANYWHERE = {"save", "delete", "bulk_create", "bulk_update", "get_or_create", "update_or_create"}
WRITES_ON_QUERYSETS = {"update", "create"}  # on X.objects or a queryset, not on a dict or a set
AUDIT = ("core.audit", "audit_record")
OUTBOX = "core.notifications"  # queuing a message is not a change: what it announces is audited where made


@dataclass
class Module:
    name: str
    functions: dict[str, ast.AST] = field(default_factory=dict)  # "f" and "Class.method"
    classes: dict[str, list[str]] = field(default_factory=dict)
    names: dict[str, tuple] = field(default_factory=dict)  # alias → ("module", m) or ("object", m, name)


class Project:
    """The parsed modules of the project's apps (tests and migrations left out)."""

    def __init__(self, sources: dict[str, str], packages: set[str]):
        self.package_names = packages
        self.packages = packages | set(sources)  # every module a "from x import y" may name as y
        self.modules: dict[str, Module] = {}
        for name, source in sources.items():
            module = self.modules[name] = Module(name)
            for node in ast.parse(source).body:
                self._read(module, node)
        self._used: dict = {}

    def _read(self, module: Module, node: ast.AST) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            module.functions[node.name] = node
        elif isinstance(node, ast.ClassDef):
            methods = [n for n in node.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
            module.classes[node.name] = [f"{node.name}.{m.name}" for m in methods]
            module.functions.update({f"{node.name}.{m.name}": m for m in methods})
        elif isinstance(node, ast.ImportFrom):
            package = module.name if module.name in self.package_names else module.name.rpartition(".")[0]
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([node.module] if node.module else []))
            for alias in node.names:
                full = f"{base}.{alias.name}"
                module.names[alias.asname or alias.name] = (
                    ("module", full) if full in self.packages else ("object", base, alias.name))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                module.names[alias.asname or alias.name.split(".")[0]] = ("module", alias.name if alias.asname
                                                                           else alias.name.split(".")[0])
        elif isinstance(node, ast.If | ast.Try):
            for child in [*node.body, *node.orelse, *getattr(node, "finalbody", [])]:
                self._read(module, child)

    def resolve(self, module_name: str, name: str, depth: int = 0) -> list[tuple[str, str]]:
        """The functions `name` means in `module_name` (a class: its methods), following re-exports."""
        module = self.modules.get(module_name)
        if module is None or depth > 8:
            return []
        if name in module.classes:
            return [(module_name, method) for method in module.classes[name]]
        if name in module.functions:
            return [(module_name, name)]
        ref = module.names.get(name)
        if ref and ref[0] == "object":
            return self.resolve(ref[1], ref[2], depth + 1) or ([AUDIT] if (ref[1], ref[2]) == AUDIT else [])
        return []

    def used(self, key: tuple[str, str]) -> tuple[bool, bool, set]:
        """(writes itself, audits itself, the project functions it calls or names)."""
        if key not in self._used:
            self._used[key] = self._read_function(key)
        return self._used[key]

    def _read_function(self, key: tuple[str, str]) -> tuple[bool, bool, set]:
        module = self.modules[key[0]]
        writes = audits = False
        out: set = set()
        for node in ast.walk(module.functions[key[1]]):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                method, receiver = node.func.attr, node.func.value
                on_manager = isinstance(receiver, ast.Attribute) and receiver.attr == "objects"
                if on_manager and isinstance(receiver.value, ast.Name) and receiver.value.id == "AuditEntry":
                    audits = audits or method in ("bulk_create", "create")
                elif method in WRITES_ANYWHERE or (method in WRITES_ON_QUERYSETS
                                                   and (on_manager or isinstance(receiver, ast.Call))):
                    writes = True
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                out.update(self.resolve(key[0], node.id))
            elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                ref = module.names.get(node.value.id)
                if ref and ref[0] == "module":
                    out.update(self.resolve(ref[1], node.attr))
        return writes, audits, out

    def reaches(self, key: tuple[str, str], which: int, seen: set | None = None) -> bool:
        """Whether `key` or a function it reaches writes (which=0) or audits (which=1)."""
        if key == AUDIT:
            return which == 1
        seen = set() if seen is None else seen
        if key in seen or key[0] not in self.modules or (which == 0 and key[0].startswith(OUTBOX)):
            return False
        seen.add(key)
        itself = self.used(key)
        return itself[which] or any(self.reaches(k, which, seen) for k in itself[2])

    def services(self) -> list[tuple[str, str]]:
        return [(name, function) for name, module in sorted(self.modules.items())
                if name.split(".")[1:2] == ["services"] or name.endswith(".services") for function in module.functions
                if not function.startswith("_") and "." not in function]


def project() -> Project:
    sources, packages = {}, set()
    for app in PROJECT_APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if "tests" in parts or "migrations" in parts:
                continue
            if parts[-1] == "__init__":
                parts = parts[:-1]
                packages.add(".".join(parts))
            sources[".".join(parts)] = path.read_text(encoding="utf-8")
    return Project(sources, packages)


def test_every_write_service_leaves_an_audit_entry():
    walk = project()
    writers = [s for s in walk.services() if walk.reaches(s, 0)]
    silent = {f"{m}.{f}" for m, f in writers if not walk.reaches((m, f), 1)}
    assert len(writers) > 100  # the walk finds the services (persons, tracing, supplies, reports …)
    assert silent - EXCEPTIONS.keys() == set(), "write services that leave no audit entry"
    assert EXCEPTIONS.keys() - {f"{m}.{f}" for m, f in writers} == set(), "exceptions that are no write service"


def test_the_walk_tells_a_silent_writer_from_an_audited_one():
    sources = {
        "app.services": "from core.audit import audit_record\nfrom app import helpers\nfrom app.helpers import Saver\n"
                        "def silent(*, obj):\n    obj.save()\n"
                        "def audited(*, obj, by):\n    helpers.store(obj)\n    audit_record(actor=by, action='update', obj=obj)\n"
                        "def through_a_class(*, obj):\n    Saver(obj).run()\n"
                        "def reads(*, q):\n    d = dict(q)\n    d.update(a=1)\n    return d\n",
        "app.helpers": "from core.audit import audit_record as record\n"
                       "def store(obj):\n    Thing.objects.filter(pk=obj.pk).update(x=1)\n"
                       "class Saver:\n    def run(self):\n        self.obj.save()\n        record(actor=None, action='x')\n",
        "core.audit": "def audit_record(**kw):\n    pass\n",
    }
    walk = Project(sources, {"app"})
    found = {f: (walk.reaches(("app.services", f), 0), walk.reaches(("app.services", f), 1))
             for _m, f in walk.services()}
    assert found == {"silent": (True, False), "audited": (True, True), "through_a_class": (True, True),
                     "reads": (False, False)}
