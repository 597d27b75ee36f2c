"""The demo city: 娄底市 from the official data, and under 长青街道 its communities, grids and sites."""

from orgunits.models import OrgUnit, Site
from orgunits.services import divisions_load, site_create, unit_create

DEMO_CITY = "431300"  # 娄底市
DEMO_STREET = "431302004"  # 长青街道, 娄星区

# (code suffix, name, number of grids): deterministic, codes follow the street's code.
DEMO_COMMUNITIES = [
    ("001", "三元社区", 4),
    ("002", "长青社区", 3),
    ("003", "月塘社区", 3),
    ("004", "杉山社区", 3),
    ("005", "花山社区", 2),
]
_ORDINALS = "一二三四五六七八九十"

# (unit code, kind, name, address)
DEMO_SITES = [
    (DEMO_STREET + "001", Site.Kind.CHECKPOINT, "三元社区东门卡点", "三元社区东门"),
    (DEMO_STREET + "001", Site.Kind.CHECKPOINT, "三元社区北门卡点", "三元社区北门"),
    (DEMO_STREET, Site.Kind.ENTERPRISE, "娄底市涟钢振兴金华建设有限公司", "长青街道"),
    (DEMO_STREET, Site.Kind.HOSPITAL, "娄底市中心医院", "长青中街"),
    (DEMO_STREET, Site.Kind.QUARANTINE_HOTEL, "长青集中隔离酒店", "长青街道"),
    (DEMO_STREET, Site.Kind.WAREHOUSE, "长青街道防疫物资仓库", "长青街道办事处"),
]


def grid_code(community_code: str, n: int) -> str:
    return f"{community_code}-{n:02d}"


def demo_tree() -> dict[str, int]:
    """Load the demo tree; idempotent (a second run creates nothing)."""
    result = divisions_load(root_code=DEMO_CITY, by=None)
    counts = {"divisions": result.created, "communities": 0, "grids": 0, "sites": 0}
    street = OrgUnit.objects.get(code=DEMO_STREET)
    for suffix, name, n_grids in DEMO_COMMUNITIES:
        code = DEMO_STREET + suffix
        community = OrgUnit.objects.filter(code=code).first()
        if community is None:
            community = unit_create(parent=street, code=code, name=name, kind=OrgUnit.Kind.COMMUNITY, by=None)
            counts["communities"] += 1
        for i in range(1, n_grids + 1):
            if not OrgUnit.objects.filter(code=grid_code(code, i)).exists():
                unit_create(parent=community, code=grid_code(code, i), name=f"{name}第{_ORDINALS[i - 1]}网格",
                            kind=OrgUnit.Kind.GRID, by=None)
                counts["grids"] += 1
    for unit_code, kind, name, address in DEMO_SITES:
        unit = OrgUnit.objects.get(code=unit_code)
        if not Site.objects.filter(unit=unit, name=name).exists():
            site_create(unit=unit, kind=kind, name=name, address=address, by=None)
            counts["sites"] += 1
    return counts
