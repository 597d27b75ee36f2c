"""Computing a form for a unit and a day: the version in force, the period window, the table.

Each indicator column is one set-based query over the whole subtree, grouped by leaf unit path; the
rows (each child unit) and the total are sums of those paths. So a street's five forms are a few
dozen GROUP BY queries whatever the number of communities, and a city's are the same queries.
"""

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from core.clock import day_moment
from core.errors import DomainError
from core.replicas import heavy_reads
from orgunits.models import OrgUnit
from reports.definitions import memo_scope, parsed
from reports.expressions import parse
from reports.facts import Window, source_for
from reports.models import Form, FormVersion, Submission


def version_for(form: Form, day: dt.date) -> FormVersion:
    """The version of `form` in force on `day`."""
    version = form.versions.filter(effective_from__lte=day).order_by("-effective_from").first()
    if version is None:
        raise DomainError("no_version", _("%(form)s has no version in force on %(day)s.")
                          % {"form": form.name, "day": day.isoformat()})
    return version


# ---- periods ---------------------------------------------------------------------------------------------------

def _requested(form: Form) -> list[dt.date]:
    return sorted(dt.date.fromisoformat(d) for d in form.requested_days or [])


def period_ends(form: Form, first: dt.date, last: dt.date) -> list[dt.date]:
    """The days in [first, last] on which a period of `form` ends: every day, each Sunday, each month's last
    day, or the days an ad hoc report was asked for."""
    if form.period == Form.Period.AD_HOC:
        return [d for d in _requested(form) if first <= d <= last]
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    if form.period == Form.Period.WEEKLY:
        return [d for d in days if d.isoweekday() == 7]
    if form.period == Form.Period.MONTHLY:
        return [d for d in days if d.day == calendar.monthrange(d.year, d.month)[1]]
    return days


def period_check(form: Form, day: dt.date) -> None:
    """Refuse a day on which no period of `form` ends, naming the days that would do."""
    if period_ends(form, day, day):
        return
    if form.period == Form.Period.WEEKLY:
        hint = _("a weekly report ends on a Sunday")
    elif form.period == Form.Period.MONTHLY:
        hint = _("a monthly report ends on the last day of a month")
    else:
        hint = _("this ad hoc report is asked for on: %(days)s") % {
            "days": "、".join(d.isoformat() for d in _requested(form)) or _("no day yet")}
    raise DomainError("not_a_period", _("%(form)s has no period ending on %(day)s: %(hint)s.")
                      % {"form": form.name, "day": day.isoformat(), "hint": hint})


def previous_period_end(form: Form, day: dt.date) -> dt.date | None:
    """The end of the period before the one ending `day` (None before the first ad hoc request)."""
    if form.period == Form.Period.WEEKLY:
        return day - dt.timedelta(days=7)
    if form.period == Form.Period.MONTHLY:
        return day.replace(day=1) - dt.timedelta(days=1)
    if form.period == Form.Period.AD_HOC:
        earlier = [d for d in _requested(form) if d < day]
        return earlier[-1] if earlier else None
    return day - dt.timedelta(days=1)


def _cutoff(form: Form, day: dt.date) -> dt.datetime:
    return day_moment(day, minutes=form.cutoff_minutes)


def window_for(form: Form, day: dt.date) -> tuple[Window, dt.datetime]:
    """The period ending on `day` (from the previous period's cut-off to this one's) and the time it is due.
    The first ad hoc report covers the day before its cut-off."""
    cutoff = _cutoff(form, day)
    previous = previous_period_end(form, day) or day - dt.timedelta(days=1)
    return Window(cutoff=cutoff, period_start=_cutoff(form, previous)), cutoff + dt.timedelta(minutes=form.due_minutes)


# ---- the table -------------------------------------------------------------------------------------------------

KIND_LEVELS = [k.value for k in OrgUnit.Kind]  # from the province down to the grid


def rolled_up(form: Form, unit: OrgUnit) -> bool:
    """Whether `unit`'s report of `form` is made of its children's submitted reports: the form says so and
    the unit lies above the level that submits it."""
    return (form.higher_levels == Form.HigherLevels.CHILDREN and form.rows == Form.Rows.CHILDREN
            and KIND_LEVELS.index(unit.kind) < KIND_LEVELS.index(form.unit_kind))


def row_units(form: Form, unit: OrgUnit) -> list[OrgUnit]:
    """The units that are the rows of `form` for `unit`: its children, or itself."""
    if form.rows == Form.Rows.CHILDREN:
        children = list(unit.children.order_by("code"))
        if children:
            return children
    return [unit]


@dataclass
class Table:
    version: FormVersion
    window: Window
    due: dt.datetime
    rows: list[dict]  # {"unit": code, "name", "path", "cells": {key: value}}
    total: dict  # {key: value}
    rolled_up: bool = False  # the rows are the children's submitted reports
    missing: list[dict] = field(default_factory=list)  # rolled up: the rows whose unit has not submitted yet
    under: str = ""  # the path of the unit the table is computed for
    # The ids counted in each computed cell ({row code or TOTAL: {column key: [ids]}}), when asked for and at most
    # MEMBERS_MAX of them; None otherwise (and for a rolled-up table, whose rows are the units' submitted reports).
    members: dict | None = None


MEMBERS_MAX = 100_000  # ids a table keeps behind its cells; a larger one keeps its numbers only
TOTAL = "__total__"  # the total's row in Table.members


class _Members:
    """Table.members being gathered column by column: each id given to the rows whose path holds its path, as a
    row's count sums its paths, and to the total; given up (None) past MEMBERS_MAX ids."""

    def __init__(self, rows: list[dict]):
        self.rows = rows
        self.out: dict[str, dict[str, list[int]]] | None = {row["unit"]: {} for row in rows}
        self.out[TOTAL] = {}
        self.kept = 0

    def add(self, key: str, per_path: dict[str, list[int]]) -> None:
        if self.out is None:
            return
        every: set[int] = set()
        for row in self.rows:
            ids = sorted({i for path, members in per_path.items() if path.startswith(row["path"]) for i in members})
            self.out[row["unit"]][key] = ids
            every.update(ids)
            self.kept += len(ids)
        self.out[TOTAL][key] = sorted(every)  # the total is the sum of the rows
        self.kept += len(every)
        if self.kept > MEMBERS_MAX:
            self.out = None


@heavy_reads()  # counting: on a replica when one may serve (never inside a transaction of the primary)
def indicator_counts(expression: str, *, window: Window, under: str) -> dict[str, int]:
    indicator = parsed(expression)
    return source_for(indicator).counts(indicator, window=window, under=under)


@heavy_reads()
def indicator_members(expression: str, *, window: Window, under: str) -> dict[str, list[int]]:
    """The ids behind an indicator per unit path, the paths indicator_counts groups by."""
    indicator = parsed(expression)
    return source_for(indicator).members_by_path(indicator, window=window, under=under)


@heavy_reads()
def indicators_counts(expressions: list[str], *, window: Window, under: str) -> list[dict[str, int]]:
    """The counts per unit path of several indicators in one window, in their order: each source is asked for all
    of its indicators at once (FactSource.counts_many), so it may count those of the same shape in one query."""
    return _per_source(expressions, lambda source, indicators: source.counts_many(indicators, window=window,
                                                                                 under=under))


@heavy_reads()
def indicators_totals(expressions: list[str], *, window: Window, under: str) -> list[int]:
    """Each indicator's total over the subtree `under`, in their order: the sum of what indicators_counts gives
    per unit path, summed by the source where it can (FactSource.totals_many), which spares the rows per path."""
    return _per_source(expressions, lambda source, indicators: source.totals_many(indicators, window=window,
                                                                                 under=under))


def _per_source(expressions: list[str], ask) -> list:
    """ask(source, its indicators) for each source named, all of its indicators at once; the answers in the
    expressions' order."""
    with memo_scope():  # the trees and the codes the indicators name, read once
        trees = [parsed(e) for e in expressions]
        by_source: dict[str, list[int]] = {}
        for i, indicator in enumerate(trees):
            by_source.setdefault(indicator.source, []).append(i)
        out: list = [None for _e in expressions]
        for positions in by_source.values():
            indicators = [trees[i] for i in positions]
            source = [source_for(indicator) for indicator in indicators][0]  # each sum's measure checked
            for i, answer in zip(positions, ask(source, indicators), strict=True):
                out[i] = answer
    return out


def table_compute(*, form: Form, unit: OrgUnit, day: dt.date, manual: dict | None = None,
                  direct: bool = False, members: bool = False) -> Table:
    """Compute the form for `unit` and the period ending `day` under the version in force then: from the
    line list, or (a rolled-up form above the submitting level, unless `direct`) from the children's
    submitted reports.

    With `members`, the table also keeps the ids behind its cells (Table.members): a column that counts is then
    counted from its ids, read in one query per column, so the ids behind a cell are always the ones its number
    counted; a column that sums is summed as without. Past MEMBERS_MAX ids, the rest is counted alone."""
    period_check(form, day)
    if not form.applies_to(unit):
        raise DomainError("not_reported_here", _("%(form)s is another unit's own form; %(unit)s does not report it.")
                          % {"form": form.name, "unit": unit.name}, status=404)
    version = version_for(form, day)
    window, due = window_for(form, day)
    units = row_units(form, unit)
    rows: list[dict[str, Any]] = [{"unit": u.code, "name": u.name, "path": u.path, "cells": {}} for u in units]
    if not direct and rolled_up(form, unit):
        return _table_rolled_up(form=form, day=day, version=version, window=window, due=due, rows=rows)
    manual = manual or {}
    kept = _Members(rows) if members else None
    with memo_scope():  # the trees and the codes the columns name, read once for the table
        for column in version.columns:
            key = column["key"]
            if column["kind"] == "indicator":
                expression = column["expression"]
                ids = None
                if kept is not None and kept.out is not None:
                    ids = indicator_members(expression, window=window, under=unit.path)
                    kept.add(key, ids)
                per_path = ({path: len(v) for path, v in ids.items()}
                            if ids is not None and parsed(expression).aggregate == "count"
                            else indicator_counts(expression, window=window, under=unit.path))
                for row in rows:
                    row["cells"][key] = sum(n for path, n in per_path.items() if path.startswith(row["path"]))
            else:
                for row in rows:
                    value = manual.get(row["unit"], {}).get(key)
                    row["cells"][key] = value if value not in ("", None) else None
    return Table(version=version, window=window, due=due, rows=rows, total=_total(version, rows), under=unit.path,
                 members=kept.out if kept is not None else None)


def _table_rolled_up(*, form, day, version, window, due, rows) -> Table:
    """Each row is the total of the row unit's own submitted (or approved) report; a unit that has not
    submitted yet leaves its row empty and is listed in `missing`."""
    submitted = {s.unit.code: s for s in Submission.objects.filter(
        form=form, day=day, unit__code__in=[r["unit"] for r in rows],
        state__in=[Submission.State.SUBMITTED, Submission.State.APPROVED]).select_related("unit")}
    missing = []
    for row in rows:
        submission = submitted.get(row["unit"])
        values = submission.values.get("total", {}) if submission else {}
        row["cells"] = {c["key"]: values.get(c["key"]) for c in version.columns}
        if submission is None:
            missing.append({"unit": row["unit"], "name": row["name"]})
    return Table(version=version, window=window, due=due, rows=rows, total=_total(version, rows), rolled_up=True,
                 missing=missing)


def _total(version: FormVersion, rows: list[dict]) -> dict:
    total = {}
    for column in version.columns:
        values = [r["cells"][column["key"]] for r in rows]
        total[column["key"]] = None if all(v is None for v in values) else sum(v or 0 for v in values)
    return total


def expression_check(expression: str) -> None:
    """Raise ExpressionError (with its position) for an indicator that cannot be computed."""
    indicator = parse(expression)
    source_for(indicator).check(indicator)


# ---- validation rules ------------------------------------------------------------------------------

_TERM = re.compile(r"\s*([+-])?\s*(previous\.)?([A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d+)?)\s*")
_OPS = {"=": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
        "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}


def rule_side_read(text: str, cells: dict, previous: dict | None) -> float | None:
    """Evaluate a sum such as "home + central - 1" or "previous.cumulative" (None if a value is missing)."""
    pos, total = 0, 0.0
    text = text.strip()
    while pos < len(text):
        m = _TERM.match(text, pos)
        if not m or m.end() == pos:
            raise ValueError(_("Cannot read %(text)s at position %(pos)d.") % {"text": text, "pos": pos + 1})
        sign, prev, name = m.groups()
        if name[0].isdigit():
            value = float(name)
        else:
            source = previous if prev else cells
            if source is None or source.get(name) is None:
                return None
            value = float(source[name])
        total += -value if sign == "-" else value
        pos = m.end()
    return total


def rules_check(version: FormVersion, table_rows: list[dict], total: dict, previous_total: dict | None,
                previous_rows: dict | None = None) -> list[dict]:
    """Apply the version's rules to every row and the total; return the broken ones.

    A rule: left, op (= != < <= > >=, "pair": both or neither filled, "exclusive": not both), right,
    importance (error blocks submission; a warning needs an explanation), missing ("skip" — the rule
    is not checked when a value is missing — or "zero" — missing counts as 0)."""
    issues = []
    labels = {c["key"]: c for c in version.columns}
    targets = [(r["unit"], r["name"], r["cells"], (previous_rows or {}).get(r["unit"])) for r in table_rows]
    targets.append(("__total__", _("total"), total, previous_total))
    for rule in version.rules:
        for code, name, cells, prev in targets:
            values = dict(cells)
            if rule.get("missing") == "zero":
                values = {k: (v if v is not None else 0) for k, v in values.items()}
            op = rule["op"]
            if op in ("pair", "exclusive"):
                a, b = values.get(rule["left"]) is not None, values.get(rule["right"]) is not None
                broken = (a != b) if op == "pair" else (a and b)
            else:
                left, right = rule_side_read(rule["left"], values, prev), rule_side_read(rule["right"], values, prev)
                if left is None or right is None:
                    continue
                broken = not _OPS[op](left, right)
            if broken:
                message = rule.get("message_en") if _english() else rule.get("message_zh")
                message = f"{name}: {message}" if message else None
                issues.append({"row": code, "row_name": name, "importance": rule.get("importance", "error"),
                               "rule": f"{rule['left']} {op} {rule['right']}",
                               "message": message or _("%(row)s: %(l)s %(op)s %(r)s does not hold.") % {
                                   "row": name, "l": _label(labels, rule["left"]), "op": op,
                                   "r": _label(labels, rule["right"])}})
    return issues


def _english() -> bool:
    return (translation.get_language() or "").startswith("en")


def _label(labels: dict, side: str) -> str:
    """A rule's side with column keys replaced by the columns' names, e.g. 在管人数 ≥ 居家隔离 + 集中隔离."""
    out = side
    field = "label_en" if _english() else "label_zh"
    for key, column in sorted(labels.items(), key=lambda kv: -len(kv[0])):
        out = re.sub(rf"\b{re.escape(key)}\b", column.get(field, key), out)
    return out

