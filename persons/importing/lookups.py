"""What an import's cells name, looked up once per import: grids and communities (by code or name), categories,
management statuses and quarantine sites. Each map holds plain values, for the worker processes."""

from django.utils.translation import gettext as _

from accounts.access import Scope
from core.tabular import listed
from orgunits.models import OrgUnit
from persons.identity import normalize_doc_number
from persons.models import Category, ManagementStatus
from persons.selectors import quarantine_sites
from persons.words import STATUS_WORDS

SUFFIXES = ("社区居委会", "居委会", "社区", "村委会", "村")


def unit_key(name: str) -> str:
    """A unit's name as looked up: half-width, no spaces, letters upper-case."""
    return normalize_doc_number(str(name or ""))


def short_name(name: str) -> str:
    """三元社区 → 三元: a community as sheets often write it."""
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[:-len(suffix)]
    return name


class Grids:
    """Grid and community codes and names → (id, path) or the reason the value cannot be used; resolved in bulk.

    A grid is named by its code, its name, or (beside a community) its name within that community (第一网格); a
    community by its code or name, with or without 社区. A person may be placed in a community without a grid:
    the community then assigns one (待分配网格)."""

    def __init__(self, *, unit: OrgUnit, scope: Scope):
        self.unit, self.scope = unit, scope
        self.found: dict[str, tuple[int, str] | str] = {}
        self.path_of: dict[int, str] = {}
        self.community_code: dict[str, str] = {}  # code, name or short name → the community's code
        self.community_names: list[str] = []
        names: dict[str, list[tuple[int, str]]] = {}
        units = OrgUnit.objects.filter(path__under=unit.path, kind__in=[OrgUnit.Kind.GRID, OrgUnit.Kind.COMMUNITY])
        communities = {}
        rows = list(units.order_by("path").values_list("code", "id", "path", "name", "kind", "parent_id"))
        for _code, pk, _path, name, kind, _parent in rows:
            if kind == OrgUnit.Kind.COMMUNITY:
                communities[pk] = name
        for code, pk, path, name, kind, parent in rows:
            if not scope.covers(path):
                continue
            self.found[code.upper()] = (pk, path)
            self.path_of[pk] = path
            keys = {unit_key(name)}
            if kind == OrgUnit.Kind.COMMUNITY:
                self.community_names.append(name)
                for key in (code.upper(), unit_key(name), unit_key(short_name(name))):
                    self.community_code.setdefault(key, code.upper())
            elif parent in communities:
                inner = name.removeprefix(communities[parent])
                keys |= {f"{parent}/{unit_key(inner)}", f"{parent}/{unit_key(name)}"}
            for key in keys:
                names.setdefault(key, []).append((pk, path))
        for key, hits in names.items():
            if key in self.found:
                continue
            self.found[key] = hits[0] if len(hits) == 1 else _(
                "%(name)s names more than one unit; give its code.") % {"name": key.split("/")[-1]}
        self.community_id = {key: self.found[code][0] for key, code in self.community_code.items()}

    def ids(self) -> dict[str, int | str]:
        """Code or name → id or reason, what a worker process needs."""
        return {code: hit if hit.__class__ is str else hit[0] for code, hit in self.found.items()}

    def communities_listed(self) -> str:
        """The communities of the import's unit, for a message naming an unknown one."""
        return listed(self.community_names, most=30) or "—"

    def why_not(self, code: str) -> str:
        """Why a code that is not a grid or community under the unit cannot be used (asked once per code). A
        unit outside the importer's scope is named as an unknown code is (DESIGN invariant 8)."""
        hit = self.found.get(code)
        if hit is None:
            other = OrgUnit.objects.filter(code__iexact=code).first()
            if other is None or not self.scope.covers(other.path):
                hit = _("Unknown grid code %(code)s.") % {"code": code}
            elif other.kind not in (OrgUnit.Kind.GRID, OrgUnit.Kind.COMMUNITY):
                hit = _("%(code)s (%(name)s) is not a grid or community.") % {"code": code, "name": other.name}
            else:
                hit = _("%(code)s (%(name)s) is outside %(unit)s, the unit of this import.") % {
                    "code": code, "name": other.name, "unit": self.unit.name}
            self.found[code] = hit
        return hit


def categories_by_word() -> dict[str, int]:
    """Active categories by Chinese name, English name and code (lower-case)."""
    found = {}
    for pk, code, zh, en in Category.objects.filter(active=True).values_list("id", "code", "name_zh", "name_en"):
        found[zh] = found[code.lower()] = found[en.lower()] = pk
    return found


def statuses_by_word() -> dict[str, tuple[int, bool]]:
    """Management statuses by name, code and the words sheets use for them → (id, needs a site)."""
    found = {}
    for pk, code, zh, en, needs_site in ManagementStatus.objects.values_list("id", "code", "name_zh", "name_en",
                                                                             "needs_site"):
        for word in (zh, code.lower(), en.lower(), *STATUS_WORDS.get(code, [])):
            found.setdefault(word, (pk, needs_site))
    return found


def sites_by_name(*, scope: Scope) -> dict[str, int]:
    """The quarantine sites and hospitals the importer may name (persons.selectors.quarantine_sites), by name."""
    found = {}
    for pk, name in quarantine_sites(scope).order_by("unit_path", "name").values_list("id", "name"):
        found.setdefault(unit_key(name), pk)
    return found
