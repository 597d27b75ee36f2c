"""The five daily forms for every unit of the city on one day, their drill-down, and a past day recomputed.

The population is bench_person_list's (the same generator and seed): 1,000,000 people
(BENCH_PEOPLE to shrink) with their histories over ~3,000 grids of 娄底市 (in the seven streets of 娄星区;
the city's other units are loaded and computed too, they hold nobody). The five street forms are seeded
(reports.services.forms_seed) and computed for 2020-05-21 the way the engine is meant to be used at scale:
each indicator column once over the city's subtree (engine.indicator_counts, grouped by leaf unit path),
then summed into every unit of the city — city, districts, streets, communities, grids. Beside it, the same
numbers from hand-written GROUP BY SQL (one query per form, conditional aggregates), measured in the same run,
interleaved, and asserted equal path by path. Targets: all five forms for every unit under 5 s; engine / hand
SQL ≤ 2. On SQLite the process's CPU time is printed too: the database works in-process, so it is the same
work measured without the noise of other programs on the machine.

Drill-down: reports.selectors.cell_members on the streets' submissions (rows are communities, and the
total), 50 seeded random cells, and every column of the city's total; each list's length is asserted equal
to its number. Target: p95 < 300 ms. Finally a past day (2020-03-01) is computed, the present changed
(episodes ended, new ones opened after that day, inside a transaction rolled back afterwards), and the
past day computed again: the numbers must be identical.
"""

import datetime as dt
import os
import random
import statistics
import time
from collections import defaultdict

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from benchmarks.bench_person_list import COUNTY, SEED, analyzed, population
from benchmarks.timing import line, percentile, timed
from core.clock import day_start
from core.db import json_text, prefix_match, runs_in_process
from core.fields import path_ancestors
from orgunits.models import OrgUnit
from persons.models import Category, CategoryEpisode, ManagementStatus, StatusEpisode
from reports import engine
from reports.expressions import parse
from reports.facts import source_for
from reports.models import Form
from reports.selectors import cell_members
from reports.services import forms_seed, submission_compute

DAY = dt.date(2020, 5, 21)
PAST_DAY = dt.date(2020, 3, 1)
LATER_DAY = dt.date(2020, 6, 30)  # after the change: its numbers must move
CITY = "431300"  # 娄底市
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
DRILL_SAMPLES = int(os.environ.get("BENCH_SAMPLES", "50"))
TARGET_ALL_S = 5.0
TARGET_RATIO = 2.0
TARGET_DRILL_P95_MS = 300


# -- the engine ---------------------------------------------------------------------------------------------

def _forms() -> list[Form]:
    return list(Form.objects.filter(active=True).order_by("order", "code"))


def indicator_columns(forms: list[Form], day: dt.date):
    """(form, column, window) of each indicator column of the forms' versions in force on `day`."""
    for form in forms:
        version = engine.version_for(form, day)
        window, _due = engine.window_for(form, day)
        for column in version.columns:
            if column["kind"] == "indicator":
                yield form, column, window


def engine_counts(forms: list[Form], day: dt.date, under: str) -> dict[tuple[str, str], dict[str, int]]:
    """Per (form, column): the count per leaf unit path, one engine query per indicator column."""
    return {(form.code, column["key"]): engine.indicator_counts(column["expression"], window=window, under=under)
            for form, column, window in indicator_columns(forms, day)}


def sums_per_unit(counts: dict[tuple[str, str], dict[str, int]]) -> dict[tuple[str, str], dict[str, int]]:
    """Per (form, column): the value of every unit that has one (a leaf path's count added to each ancestor)."""
    ancestors: dict[str, list[str]] = {}
    out = {}
    for key, per_path in counts.items():
        totals: dict[str, int] = defaultdict(int)
        for path, n in per_path.items():
            chain = ancestors.get(path)
            if chain is None:
                chain = ancestors[path] = path_ancestors(path)
            for p in chain:
                totals[p] += n
        out[key] = totals
    return out


# -- the reference: hand-written GROUP BY SQL, one query per form -------------------------------------------

_NOW = "{a}.start <= :cut AND ({a}.\"end\" IS NULL OR {a}.\"end\" > :cut)"
_IN_PERIOD = "{a}.start >= :ps AND {a}.start < :cut AND NOT {a}.continued"


def _in(ids) -> str:
    return "(" + ", ".join(str(int(i)) for i in ids) + ")"


def _hand_queries(cat: dict[str, int], st: dict[str, int]) -> dict[str, tuple[list[str], str]]:
    """Per form code: (column keys, SQL). Each column is a COUNT(DISTINCT person) over the category episodes
    of the form, grouped by the episode's unit path; `s` is the status held at the cut-off, `r` a release
    started in the period."""
    now, started = _NOW.format(a="e"), _IN_PERIOD.format(a="e")
    ever = "e.start < :cut"
    hw, ab, ov = _in([cat["hubei"], cat["wuhan"]]), _in([cat["abroad"], cat["planning_return"]]), cat["overseas_returnee"]
    managed4 = _in([st["home_quarantine"], st["central_quarantine"], st["home_monitoring"], st["hospital"]])
    managed5 = _in([st["home_quarantine"], st["central_quarantine"], st["home_monitoring"], st["hospital"],
                    st["released"]])
    hq, cq, hm = st["home_quarantine"], st["central_quarantine"], st["home_monitoring"]
    nat = f"{json_text('p.custom', 'nat_test')} IN ('阴性', '阳性')"

    def query(categories: list[int], columns: list[tuple[str, str]], *, person: bool = False) -> tuple:
        counts = ",\n  ".join(f"COUNT(DISTINCT CASE WHEN {cond} THEN e.person_id END)" for _k, cond in columns)
        sql = f"""
SELECT e.unit_path,
  {counts}
FROM persons_categoryepisode e
LEFT JOIN persons_statusepisode s ON s.person_id = e.person_id AND {_NOW.format(a="s")}
LEFT JOIN persons_statusepisode r ON r.person_id = e.person_id AND r.status_id = {st["released"]}
     AND {_IN_PERIOD.format(a="r")}
{"JOIN persons_person p ON p.id = e.person_id" if person else ""}
WHERE e.category_id IN {_in(categories)} AND e.start <= :cut AND e.unit_path {{like}} :under
GROUP BY e.unit_path"""
        return [k for k, _c in columns], sql

    def measures(held: str) -> list[tuple[str, str]]:
        return [("home", f"{held} AND {now} AND s.status_id = {hq}"),
                ("central", f"{held} AND {now} AND s.status_id = {cq}"),
                ("monitoring", f"{held} AND {now} AND s.status_id = {hm}"),
                ("hospital", f"{held} AND {now} AND s.status_id = {st['hospital']}"),
                ("released", f"{held} AND {now} AND s.status_id = {st['released']}"),
                ("no_status", f"{held} AND {now} AND (s.status_id IS NULL OR s.status_id NOT IN {managed5})"),
                ("released_today", f"{held} AND {now} AND r.id IS NOT NULL")]

    hubei = f"e.category_id IN {hw}"
    returnee, contact = f"e.category_id = {ov}", f"e.category_id = {cat['close_contact']}"
    return {
        "hubei_wuhan_daily": query([cat["hubei"], cat["wuhan"]], [
            ("cumulative", f"{hubei} AND {ever}"), ("new_today", f"{hubei} AND {started}"),
            ("managed", f"{hubei} AND {now}"),
            ("under_measures", f"{hubei} AND {now} AND s.status_id IN {managed4}"), *measures(hubei)]),
        "abroad_daily": query([cat["abroad"], cat["planning_return"]], [
            ("total", f"e.category_id IN {ab} AND {now}"),
            ("abroad", f"e.category_id = {cat['abroad']} AND {now}"),
            ("planning", f"e.category_id = {cat['planning_return']} AND {now}"),
            ("new_today", f"e.category_id IN {ab} AND {started}"),
        ]),
        "overseas_returnee_daily": query([ov], [
            ("cumulative", f"{returnee} AND {ever}"), ("new_today", f"{returnee} AND {started}"),
            ("registered", f"{returnee} AND {now}"),
            ("managed", f"{returnee} AND {now} AND s.status_id IN {managed4}"), *measures(returnee),
            ("nat_tested", f"{returnee} AND {now} AND s.status_id IN {managed4} AND {nat}")], person=True),
        "close_contact_daily": query([cat["close_contact"], cat["secondary_contact"]], [
            ("registered", f"{contact} AND {now}"), ("new_today", f"{contact} AND {started}"),
            ("under_measures", f"{contact} AND {now} AND s.status_id IN {managed4}"), *measures(contact),
            ("secondary", f"e.category_id = {cat['secondary_contact']} AND {now}"),
        ]),
        "confirmed_daily": query([cat["confirmed"], cat["suspected"], cat["asymptomatic"]], [
            ("confirmed", f"e.category_id = {cat['confirmed']} AND {now}"),
            ("new_confirmed", f"e.category_id = {cat['confirmed']} AND {started}"),
            ("suspected", f"e.category_id = {cat['suspected']} AND {now}"),
            ("asymptomatic", f"e.category_id = {cat['asymptomatic']} AND {now}"),
        ]),
    }


def hand_counts(forms: list[Form], day: dt.date, under: str, queries: dict) -> dict[tuple[str, str], dict[str, int]]:
    """The same per-path numbers as engine_counts, from the hand-written queries."""
    like, pattern = prefix_match(under)
    out = {}
    with connection.cursor() as cursor:
        for form in forms:
            window, _due = engine.window_for(form, day)
            keys, sql = queries[form.code]
            values = {"cut": connection.ops.adapt_datetimefield_value(window.cutoff),
                      "ps": connection.ops.adapt_datetimefield_value(window.period_start), "under": pattern}
            params = []

            def take(match, values=values, params=params):
                params.append(values[match])
                return "%s"

            text = sql.replace("{like}", like)
            for name in ("under", "cut", "ps"):
                text = text.replace(f":{name}", f"\0{name}\0")
            parts = text.split("\0")
            text = "".join(take(p) if i % 2 else p for i, p in enumerate(parts))
            cursor.execute(text, params)
            per_key = {k: {} for k in keys}
            for row in cursor.fetchall():
                for k, n in zip(keys, row[1:], strict=True):
                    if n:
                        per_key[k][row[0]] = n
            for k in keys:
                out[form.code, k] = per_key[k]
    return out


# -- helpers ------------------------------------------------------------------------------------------------

def _clocked(into: list, fn):
    """Run `fn`, append (wall seconds, this process's CPU seconds) to `into`, return its value."""
    wall, cpu = time.perf_counter(), time.process_time()
    value = fn()
    into.append((time.perf_counter() - wall, time.process_time() - cpu))
    return value


def _median(pairs: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs)


def _past_day_changes(day: dt.date) -> str:
    """Change the present after `day`: end every open episode, open new ones for a thousand people."""
    later = timezone.make_aware(dt.datetime(2020, 6, 29, 9))
    ended_c = CategoryEpisode.objects.filter(end__isnull=True, start__lte=later).update(end=later)
    ended_s = StatusEpisode.objects.filter(end__isnull=True, start__lte=later).update(end=later)
    hubei = Category.objects.get(code="hubei")
    released = ManagementStatus.objects.get(code="released")
    people = list(CategoryEpisode.objects.filter(start__lt=day_start(day))
                  .values_list("person_id", "unit_path").distinct().order_by("person_id")[:1000])
    CategoryEpisode.objects.bulk_create([CategoryEpisode(person_id=pid, category=hubei, start=later, unit_path=path)
                                         for pid, path in people])
    StatusEpisode.objects.bulk_create([StatusEpisode(person_id=pid, status=released, start=later, unit_path=path)
                                       for pid, path in people])
    return (f"{ended_c:,} category and {ended_s:,} status episodes ended on 2020-06-29, "
            f"{len(people):,} new category and status episodes opened then")


# -- the benchmark ------------------------------------------------------------------------------------------

def main():
    _streets, stats = population()
    analyzed()
    forms_seed()
    forms = _forms()
    city = OrgUnit.objects.get(code=CITY)
    figures = forms_every_unit(city, forms, people=stats.people)
    county = OrgUnit.objects.get(code=COUNTY)
    streets = [s for s in OrgUnit.objects.filter(path__under=county.path, kind=OrgUnit.Kind.TOWNSHIP).order_by("path")
               if OrgUnit.objects.filter(parent=s).exists()]
    drill_down(city, streets, forms, figures["per_unit"])
    past_day_recomputed(city, forms)


def forms_every_unit(root: OrgUnit, forms: list[Form], *, people: int, runs: int = RUNS,
                     target_s: float = TARGET_ALL_S) -> dict:
    """All five forms for every unit under `root` (engine, sums, beside hand SQL; medians of `runs`), printed and
    checked; returns {"total": engine + sums in s, "reference": hand SQL in s, "per_unit": the sums}."""
    units = list(OrgUnit.objects.filter(path__under=root.path).order_by("path"))
    by_kind = defaultdict(list)
    for u in units:
        by_kind[u.kind].append(u)
    columns = sum(1 for f in forms for c in engine.version_for(f, DAY).columns if c["kind"] == "indicator")
    print(f"   {people:,} people; {len(units):,} units of {root.name} "
          + ", ".join(f"{len(v):,} {k}" for k, v in by_kind.items())
          + f"; {len(forms)} forms, {columns} indicator columns for {DAY}")

    cat = dict(Category.objects.values_list("code", "pk"))
    st = dict(ManagementStatus.objects.values_list("code", "pk"))
    queries = _hand_queries(cat, st)

    cold_ms, engine_first = timed(lambda: engine_counts(forms, DAY, root.path))
    clocks: dict[str, list[tuple[float, float]]] = {"engine": [], "hand": [], "sums": []}
    for _run in range(runs):  # interleaved, so that load from elsewhere falls on both alike
        by_engine = _clocked(clocks["engine"], lambda: engine_counts(forms, DAY, root.path))
        by_hand = _clocked(clocks["hand"], lambda: hand_counts(forms, DAY, root.path, queries))
        per_unit = _clocked(clocks["sums"], lambda: sums_per_unit(by_engine))  # noqa: B023
    assert by_engine == engine_first
    for key in by_engine:
        assert by_engine[key] == by_hand[key], f"{key}: engine and hand SQL disagree"
    cells = sum(1 for u in units for key in per_unit if per_unit[key].get(u.path) is not None)

    # The engine's own table for the root (rows: its children) agrees with the sums.
    for form in forms:
        table = engine.table_compute(form=form, unit=root, day=DAY)
        for row in table.rows:
            for key, value in row["cells"].items():
                if (form.code, key) in per_unit:
                    assert value == per_unit[form.code, key].get(row["path"], 0), (form.code, row["unit"], key)

    (eng, eng_cpu), (hand, hand_cpu), (sums, _c) = (_median(clocks[k]) for k in ("engine", "hand", "sums"))
    sqlite = runs_in_process()  # this process's CPU time is the database's work

    def cpu(value):
        return f"   (CPU {value:5.2f} s)" if sqlite else ""

    total = eng + sums
    ratio = eng / hand if hand else float("inf")
    print(f"   five forms, every unit of {root.name}: median of {runs} runs (the first, cold: {cold_ms / 1000:.2f} s)")
    print(f"     engine: {columns} indicator queries over {root.name}            {eng:6.2f} s{cpu(eng_cpu)}")
    print(f"     + sums into {len(units):,} units ({cells:,} non-empty cells)       {sums:6.2f} s")
    print(f"     = all five forms for every unit                          {total:6.2f} s   "
          f"target < {target_s:.0f} s: {'met' if total < target_s else 'NOT MET'}")
    print(f"     reference: hand-written GROUP BY SQL, one query per form   {hand:6.2f} s{cpu(hand_cpu)}")
    print(f"     engine / hand SQL                                        {ratio:6.2f}"
          + (f"     (CPU {eng_cpu / hand_cpu:4.2f})" if sqlite and hand_cpu else "")
          + f"   goal ≤ {TARGET_RATIO:.0f}: {'met' if ratio <= TARGET_RATIO else 'NOT MET'}")
    slowest = sorted(_per_column(forms, root.path).items(), key=lambda kv: -kv[1])[:6]
    print("     slowest engine columns: " + ", ".join(f"{f}.{k} {t:.0f} ms" for (f, k), t in slowest))
    return {"total": total, "reference": hand, "per_unit": per_unit}


def drill_down(root: OrgUnit, streets: list[OrgUnit], forms: list[Form], per_unit: dict,
               *, samples: int = DRILL_SAMPLES) -> dict[str, float]:
    """The five submissions of each of `streets` (submission_compute), then the drill-down: `samples` seeded random
    cells of them and every column of `root`'s total, each list's length checked; printed. Returns the worst p95
    ("worst", ms) and the median of a street's five forms ("street", s)."""
    officer, _new = User.objects.get_or_create(username="bench-reports", defaults={"is_superuser": True})
    submissions, street_s = [], []
    for street in streets:
        started = time.perf_counter()
        for form in forms:
            submissions.append(submission_compute(form=form, unit=street, day=DAY, by=officer))
        street_s.append(time.perf_counter() - started)
    print(f"   a street's five forms through submission_compute (with the previous day): "
          f"median {statistics.median(street_s):.2f} s, max {max(street_s):.2f} s over {len(streets)} streets")

    rng = random.Random(SEED)
    candidates = [(s, row["unit"], key, row["cells"][key]) for s in submissions
                  for row in [*s.values["rows"], {"unit": "__total__", "cells": s.values["total"]}]
                  for key, value in row["cells"].items() if s.version.column(key)["kind"] == "indicator"]
    sample = rng.sample(candidates, min(samples, len(candidates)))
    drill = []
    for s, row, key, value in sample:
        ms, ids = timed(lambda: cell_members(submission=s, row=row, column=key))  # noqa: B023
        assert len(ids) == value, (s.form.code, s.unit.code, row, key, len(ids), value)
        drill.append(ms)
    root_drill = []
    for form in forms:
        version = engine.version_for(form, DAY)
        window, _due = engine.window_for(form, DAY)
        for column in version.columns:
            if column["kind"] != "indicator":
                continue
            indicator = parse(column["expression"])
            source = source_for(indicator)
            ms, ids = timed(lambda: source.members(indicator, window=window, under=root.path))  # noqa: B023
            assert len(ids) == per_unit[form.code, column["key"]].get(root.path, 0)
            root_drill.append(ms)
    line(f"drill-down, {len(drill)} random cells of the streets' reports", drill)
    line(f"drill-down, {root.name}'s total, all {len(root_drill)} columns", root_drill)
    worst = max(percentile(drill, 95), percentile(root_drill, 95))
    print(f"   target p95 < {TARGET_DRILL_P95_MS} ms: {'met' if worst < TARGET_DRILL_P95_MS else 'NOT MET'}")
    return {"worst": worst, "street": statistics.median(street_s)}


def past_day_recomputed(root: OrgUnit, forms: list[Form]) -> None:
    """A past day computed, the present changed, the past day computed again: identical (checked, printed)."""
    before, later_before = engine_counts(forms, PAST_DAY, root.path), engine_counts(forms, LATER_DAY, root.path)
    with transaction.atomic():
        what = _past_day_changes(PAST_DAY)
        after = engine_counts(forms, PAST_DAY, root.path)
        today_after = engine_counts(forms, LATER_DAY, root.path)
        transaction.set_rollback(True)
    assert after == before, "a past day's numbers changed"
    assert today_after != later_before, "the change should have moved the present"
    print(f"   {PAST_DAY} recomputed after {what}: identical ({sum(map(len, before.values())):,} path counts); "
          f"{LATER_DAY} moved as expected")


def _per_column(forms: list[Form], under: str) -> dict[tuple[str, str], float]:
    return {(form.code, column["key"]): timed(lambda: engine.indicator_counts(  # noqa: B023
                column["expression"], window=window, under=under))[0]  # noqa: B023
            for form, column, window in indicator_columns(forms, DAY)}
