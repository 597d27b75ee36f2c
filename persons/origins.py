"""Where a person came from (来自): a province or prefecture-level city of the official divisions that the
orgunits app loads (orgunits.services.divisions_source), offered as one grouped choice."""

from functools import lru_cache

from django.utils.translation import gettext_lazy as _

from orgunits.services import divisions_source

# Most arrivals the reports count come from here: offered first (湖北省武汉市, then the rest of 湖北省).
FREQUENT = ("420100", "420000")


@lru_cache(maxsize=1)
def _tree() -> tuple[dict[str, str], tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...]]:
    """(full name by code, provinces with their prefectures): read once, the data set ships with a package."""
    _metadata, rows = divisions_source()
    provinces = {code: name for level, code, _parent, name in rows if level == 1}
    cities: dict[str, list[tuple[str, str]]] = {code: [] for code in provinces}
    names = dict(provinces)
    for level, code, parent, name in rows:
        if level == 2 and parent in provinces:
            cities[parent].append((code, name))
            names[code] = provinces[parent] + name
    tree = tuple((code, name, tuple(cities[code])) for code, name in provinces.items())
    return names, tree


def origin_name(code: str) -> str | None:
    """The full name of a province or prefecture (湖北省武汉市), None for any other code."""
    return _tree()[0].get(code or "")


def origin_choices() -> list:
    """Grouped choices for a select: the frequent ones, then each province (the whole province first) with
    its prefectures."""
    names, tree = _tree()
    choices: list = [("", "—"), (_("frequent"), [(code, names[code]) for code in FREQUENT])]
    for code, name, cities in tree:
        if not cities:  # a municipality: the province is the city
            choices.append((name, [(code, name)]))
            continue
        choices.append((name, [(code, _("%(province)s (whole province)") % {"province": name}),
                               *[(c, n) for c, n in cities]]))
    return choices
