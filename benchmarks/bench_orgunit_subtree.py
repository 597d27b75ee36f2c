"""Subtree queries on the materialised path vs. a recursive CTE over parent ids, at city-to-country scale.

All of China's official divisions (41,934) plus, under every township of Hunan, 12 communities of
8 grids each (deterministic): about 260,000 units. For 300 seeded random units, count the grids below
each one both ways and compare latencies measured in the same run.
"""

import os
import random
import statistics
import time

from django.db import connection

from benchmarks.timing import percentile, timed
from core.db import is_postgresql, tables_analyze
from core.fields import SEPARATOR
from orgunits.models import OrgUnit
from orgunits.services import divisions_load

DIVISIONS = os.environ.get("BENCH_DIVISIONS") or None  # a division code: only its subtree (default: all of China)
COMMUNITIES_PER_TOWNSHIP = int(os.environ.get("BENCH_COMMUNITIES_PER_TOWNSHIP", "12"))
GRIDS_PER_COMMUNITY = int(os.environ.get("BENCH_GRIDS_PER_COMMUNITY", "8"))
SAMPLES = int(os.environ.get("BENCH_SAMPLES", "300"))


def _populate() -> int:
    divisions_load(root_code=DIVISIONS)
    townships = list(OrgUnit.objects.filter(path__under="430000/", kind=OrgUnit.Kind.TOWNSHIP).order_by("code"))
    communities = []
    for t in townships:
        for i in range(1, COMMUNITIES_PER_TOWNSHIP + 1):
            code = f"{t.code}{i:03d}"
            communities.append(OrgUnit(code=code, name=f"{t.name}{i}社区", kind="community", parent=t,
                                       path=t.path + code + SEPARATOR, depth=t.depth + 1))
    OrgUnit.objects.bulk_create(communities, batch_size=5000)
    grids = []
    for c in communities:
        for g in range(1, GRIDS_PER_COMMUNITY + 1):
            code = f"{c.code}-{g:02d}"
            grids.append(OrgUnit(code=code, name=f"{c.name}{g}网格", kind="grid", parent_id=c.pk,
                                 path=c.path + code + SEPARATOR, depth=c.depth + 1))
    OrgUnit.objects.bulk_create(grids, batch_size=5000)
    return OrgUnit.objects.count()


def _cte_count(unit_id: int) -> int:
    sql = """WITH RECURSIVE sub(id, kind) AS (
                 SELECT id, kind FROM orgunits_orgunit WHERE id = %s
                 UNION ALL
                 SELECT c.id, c.kind FROM orgunits_orgunit c JOIN sub ON c.parent_id = sub.id)
             SELECT COUNT(*) FROM sub WHERE kind = 'grid'"""
    with connection.cursor() as cursor:
        cursor.execute(sql, [unit_id])
        return cursor.fetchone()[0]


def main():
    started = time.perf_counter()
    total = _populate()
    print(f"   units: {total:,} (built in {time.perf_counter() - started:.1f} s)")
    if is_postgresql():
        tables_analyze(OrgUnit._meta.db_table)
    rng = random.Random(20200521)
    candidates = list(OrgUnit.objects.filter(path__under="430000/", kind__in=["county", "township", "prefecture"])
                      .values_list("id", "path"))
    sample = rng.sample(candidates, min(SAMPLES, len(candidates)))
    path_ms, cte_ms = [], []
    for unit_id, path in sample:
        ms_path, n_path = timed(lambda: OrgUnit.objects.filter(path__under=path, kind="grid").count())  # noqa: B023
        ms_cte, n_cte = timed(lambda: _cte_count(unit_id))  # noqa: B023
        assert n_path == n_cte, (path, n_path, n_cte)
        path_ms.append(ms_path)
        cte_ms.append(ms_cte)
    for label, values in (("materialised path (path__under)", path_ms), ("reference: recursive CTE", cte_ms)):
        print(f"   {label:<34} p50 {statistics.median(values):7.2f} ms   p95 {percentile(values, 95):7.2f} ms")
    print(f"   CTE p95 / path p95: {percentile(cte_ms, 95) / percentile(path_ms, 95):.2f} over {len(sample)} subtrees "
          "(the path pays off where other tables filter by unit_path without a join)")
