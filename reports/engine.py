"""Computing a form for a unit and a day: the version in force, the period window, the table.

Each indicator column is one set-based query over the whole subtree, grouped by leaf unit path; the
rows (each child unit) and the total are sums of those paths. So a street's five forms are a few
dozen GROUP BY queries whatever the number of communities, and a city's are the same queries.
"""

import datetime as dt
import re
from dataclasses import dataclass

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.errors import DomainError
from orgunits.models import OrgUnit
from reports.expressions import parse
from reports.facts import Window, source_for
from reports.models import Form, FormVersion


def version_for(form: Form, day: dt.date) -> FormVersion:
    """The version of `form` in force on `day`."""
    version = form.versions.filter(effective_from__lte=day).order_by("-effective_from").first()
    if version is None:
        raise DomainError("no_version", _("%(form)s has no version in force on %(day)s.")
                          % {"form": form.name, "day": day.isoformat()})
    return version


def window_for(form: Form, day: dt.date) -> tuple[Window, dt.datetime]:
    """The period ending on `day` (its cut-off and start) and the time the report is due."""
    midnight = timezone.make_aware(dt.datetime.combine(day, dt.time()))
    cutoff = midnight + dt.timedelta(minutes=form.cutoff_minutes)
    if form.period == Form.Period.DAILY:
        start = cutoff - dt.timedelta(days=1)
    elif form.period == Form.Period.WEEKLY:
        start = cutoff - dt.timedelta(days=7)
    else:
        first = day.replace(day=1)
        start = timezone.make_aware(dt.datetime.combine(first, dt.time())) + dt.timedelta(
            minutes=form.cutoff_minutes) - dt.timedelta(days=1)
    return Window(cutoff=cutoff, period_start=start), cutoff + dt.timedelta(minutes=form.due_minutes)


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


def indicator_counts(expression: str, *, window: Window, under: str) -> dict[str, int]:
    indicator = parse(expression)
    return source_for(indicator).counts(indicator, window=window, under=under)


def table_compute(*, form: Form, unit: OrgUnit, day: dt.date, manual: dict | None = None) -> Table:
    """Compute the form for `unit` and the period ending `day` under the version in force then."""
    version = version_for(form, day)
    window, due = window_for(form, day)
    units = row_units(form, unit)
    rows = [{"unit": u.code, "name": u.name, "path": u.path, "cells": {}} for u in units]
    manual = manual or {}
    for column in version.columns:
        key = column["key"]
        if column["kind"] == "indicator":
            per_path = indicator_counts(column["expression"], window=window, under=unit.path)
            for row in rows:
                row["cells"][key] = sum(n for path, n in per_path.items() if path.startswith(row["path"]))
        else:
            for row in rows:
                value = manual.get(row["unit"], {}).get(key)
                row["cells"][key] = value if value not in ("", None) else None
    total = {}
    for column in version.columns:
        values = [r["cells"][column["key"]] for r in rows]
        total[column["key"]] = None if all(v is None for v in values) else sum(v or 0 for v in values)
    return Table(version=version, window=window, due=due, rows=rows, total=total)


def expression_check(expression: str) -> None:
    """Raise ExpressionError (with its position) for an indicator that cannot be computed."""
    indicator = parse(expression)
    source_for(indicator).check(indicator)


# ---- validation rules ------------------------------------------------------------------------------

_TERM = re.compile(r"\s*([+-])?\s*(previous\.)?([A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d+)?)\s*")
_OPS = {"=": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
        "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}


def _side(text: str, cells: dict, previous: dict | None) -> float | None:
    """Evaluate a sum such as "home + central - 1" or "previous.cumulative" (None if a value is missing)."""
    pos, total = 0, 0.0
    text = text.strip()
    while pos < len(text):
        m = _TERM.match(text, pos)
        if not m or m.end() == pos:
            raise ValueError(f"cannot read {text!r} at {pos}")
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
                left, right = _side(rule["left"], values, prev), _side(rule["right"], values, prev)
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

