"""A deterministic generator of people for the demo and the benchmarks, at any size.

Households with realistic names, resident ID numbers issued under each grid's county, phones and
addresses; and, for a share of them, category and status histories over January–June 2020 with daily
health checks while a status needs them. Everything is drawn from one `random.Random(seed)` in a fixed
order, so the same seed, units and count give identical rows. Rows are written set-based (COPY on
PostgreSQL, executemany on SQLite) with person ids reserved up front; one audit entry records the run.

Times are kept as epoch seconds while planning and become aware datetimes (settings.TIME_ZONE for
every local-time rule: days, office hours) only when written.

vocabulary  names by generation and sex, places, phone prefixes, household sizes
plan        profiles, cohorts, clusters, the default mix, a run's statistics, units and clock
draw        the plan of a run; each household and history drawn
rows        the rows written in batches; statistics refreshed
this module the entry points: people_generate, grids_ensure
"""

import datetime as dt
from collections.abc import Callable, Iterable

from django.db import transaction
from django.utils.translation import gettext_noop

from core.audit import audit_record
from core.fields import SEPARATOR
from orgunits.models import OrgUnit
from persons.generator.draw import Draw
from persons.generator.plan import DEFAULT_MIX, Cluster, Cohort, GenerateStats
from persons.generator.rows import Rows, statistics_refresh

__all__ = ["DEFAULT_MIX", "Cluster", "Cohort", "GenerateStats", "grids_ensure", "people_generate", "statistics_refresh"]


class _Generator(Rows, Draw):
    """A run: `Draw` plans it and draws each household and history, `Rows` writes them."""


def people_generate(*, units: list[OrgUnit], count: int, seed: int, start: dt.date = dt.date(2020, 1, 1),
                    end: dt.date = dt.date(2020, 6, 30), cohorts: Iterable[Cohort] = (),
                    clusters: list[Cluster] | None = None,
                    mix: Iterable[tuple[float, Cohort]] = DEFAULT_MIX, duplicates: int = 0, analyze: bool = True,
                    progress: Callable[[int, int], None] | None = None, by=None) -> GenerateStats:
    """Generate `count` people over `units` (grids or communities) with their histories; return counts.

    1. Plan: split `count` over the units, into households; give `cohorts` and `clusters` exactly their
       people, the rest their profile by the shares in `mix` (clusters drawn from it when None).
    2. Draw each household (names, documents under the unit's county, phones, address) and each
       history, clipped to [start, end]; `duplicates` deliberate second records of earlier people.
    3. Write in batches inside one transaction, with one audit entry for the run; then, with `analyze`,
       refresh the planner statistics of the line-list tables.
    """
    if count < 0:
        raise ValueError("count must not be negative")
    return _Generator(units=list(units), count=count, seed=seed, start=start, end=end, cohorts=cohorts,
                      clusters=clusters, mix=tuple(mix), duplicates=duplicates, analyze=analyze, progress=progress,
                      by=by).run()


# -- more grids for large runs ---------------------------------------------------------------------------------

COMMUNITY_STEMS = ("三元 长青 月塘 杉山 花山 石塘 新星 湘中 东风 向阳 和平 建设 光明 幸福 青山 金桥 城南 城北 新华 "
                   "友谊 红旗 育才 学府 钢城 涟滨 大科 乐坪 黄泥 万宝 水洞 春园 秋实 枫林 桃源 梅溪 荷塘 竹山 "
                   "松柏 石马 珠山").split()
ORDINALS = "一二三四五六七八九十"


def _ordinal(n: int) -> str:
    if n <= 10:
        return ORDINALS[n - 1]
    if n < 20:
        return "十" + ORDINALS[n - 11]
    return str(n)


def grids_ensure(*, parent: OrgUnit, grids: int, per_community: int = 10, by=None) -> list[OrgUnit]:
    """Make sure at least `grids` grids exist under `parent`, adding communities of `per_community` grids
    with deterministic codes (parent code + 3 digits, grids "-NN") under it, or, for a county or city,
    spread over its townships. Returns every grid under `parent`, by path."""
    existing = OrgUnit.objects.filter(path__under=parent.path, kind=OrgUnit.Kind.GRID).count()
    missing = grids - existing
    if missing > 0:
        if parent.kind == OrgUnit.Kind.TOWNSHIP:
            streets = [parent]
        else:
            streets = list(OrgUnit.objects.filter(path__under=parent.path, kind=OrgUnit.Kind.TOWNSHIP)
                           .order_by("path"))
            if not streets:
                raise ValueError(f"{parent.name} has no township or street to add communities to")
        communities_needed = -(-missing // per_community)
        taken = set(OrgUnit.objects.filter(path__under=parent.path, kind=OrgUnit.Kind.COMMUNITY)
                    .values_list("code", flat=True))
        new_communities, next_suffix = [], {s.code: 1 for s in streets}
        for n in range(communities_needed):
            street = streets[n % len(streets)]
            while f"{street.code}{next_suffix[street.code]:03d}" in taken:
                next_suffix[street.code] += 1
            suffix = next_suffix[street.code]
            if suffix > 999:
                raise ValueError(f"{street.name} has no free community codes left")
            code = f"{street.code}{suffix:03d}"
            taken.add(code)
            stem = COMMUNITY_STEMS[(suffix - 1) % len(COMMUNITY_STEMS)]
            round_ = (suffix - 1) // len(COMMUNITY_STEMS)
            new_communities.append(OrgUnit(code=code, name=f"{stem}{_ordinal(round_ + 1) if round_ else ''}社区",
                                           kind=OrgUnit.Kind.COMMUNITY, parent=street,
                                           path=street.path + code + SEPARATOR, depth=street.depth + 1,
                                           source=OrgUnit.Source.LOCAL))
        with transaction.atomic():
            OrgUnit.objects.bulk_create(new_communities, batch_size=2000)
            new_grids = []
            for c in new_communities:
                for g in range(1, per_community + 1):
                    code = f"{c.code}-{g:02d}"
                    new_grids.append(OrgUnit(code=code, name=f"{c.name}第{_ordinal(g)}网格", kind=OrgUnit.Kind.GRID,
                                             parent=c, path=c.path + code + SEPARATOR, depth=c.depth + 1,
                                             source=OrgUnit.Source.LOCAL))
            OrgUnit.objects.bulk_create(new_grids, batch_size=2000)
            audit_record(actor=by, action="create", object_type="orgunits.orgunit", object_id="generated",
                         object_repr=gettext_noop("generated communities and grids"),
                         unit_path=parent.path, after={"communities": len(new_communities), "grids": len(new_grids)})
    return list(OrgUnit.objects.filter(path__under=parent.path, kind=OrgUnit.Kind.GRID).order_by("path"))
