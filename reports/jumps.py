"""Why a number jumps when the criteria change, before the first report under them goes up: a form's new columns
computed over its last periods (14 days for a daily form) next to the version in force, and for each column whose
number differs, the people counted now and not before (and before and not now), grouped by the rule of the
indicator that lets them in or keeps them out, so that the officer can answer the county's "why did your number
jump" with the list.

Columns are compared by key: the new version's column that keeps an old column's key reports the same thing under
the new criteria. A column without an old one is new (its numbers shown alone); an old column the new version drops
is listed as dropped. Manual columns have no criteria to compare.
"""

import dataclasses
import datetime as dt
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from core.errors import DomainError
from orgunits.models import OrgUnit
from reports.definitions import memo_scope, parsed
from reports.engine import indicators_counts, period_ends, version_for, window_for
from reports.expressions import And, Indicator
from reports.models import Form
from reports.registry import source_for

DAYS = 14
SHOWN = 50  # people listed in a group; the rest are counted
SAME, CHANGED, NEW, DROPPED = "same", "changed", "new", "dropped"


@dataclass
class Group:
    """People who entered (`entered`) or left a column's count, kept out before (or now) by `rule`."""

    rule: str
    entered: bool
    count: int
    rows: list[dict]  # as the source shows them to the user (masked), at most SHOWN


@dataclass
class ColumnJump:
    key: str
    label: str
    state: str  # SAME, CHANGED, NEW, DROPPED
    days: list[tuple[dt.date, int | None, int | None]] = field(default_factory=list)  # (day, before, now)
    day: dt.date | None = None  # the last day the numbers differ: the groups are that day's
    groups: list[Group] = field(default_factory=list)

    @property
    def lines(self) -> list[tuple[dt.date, int | None, int | None, str]]:
        """The days as a page shows them: (day, before, now, the difference as +3 or −2, "" when none)."""
        return [(d, b, n, "" if b is None or n is None or b == n else f"{n - b:+d}".replace("-", "−"))
                for d, b, n in self.days]


def jump_explain(*, form: Form, columns: list[dict], unit: OrgUnit, day: dt.date, user,
                 days: int = DAYS) -> list[ColumnJump]:
    """`columns` (a new version's, resolved: indicators carry their expression) against the version of `form` in
    force on `day`, for `unit` and the periods ending in the `days` days up to `day`."""
    old = {c["key"]: c for c in _columns_in_force(form, day)}
    new = {c["key"]: c for c in columns}
    ends = period_ends(form, day - dt.timedelta(days=days - 1), day)
    jumps = [ColumnJump(key, _column_label(c), NEW if key not in old else SAME) for key, c in new.items()]
    jumps += [ColumnJump(key, _column_label(c), DROPPED) for key, c in old.items() if key not in new]
    compared = [j for j in jumps if _expression(new.get(j.key)) and (j.state == NEW or _expression(old.get(j.key)))]
    with memo_scope():
        for end in ends:
            window, _due = window_for(form, end)
            expressions = [e for j in compared for e in (_expression(old.get(j.key)), _expression(new[j.key])) if e]
            counted = iter(indicators_counts(expressions, window=window, under=unit.path))
            for jump in compared:
                before = sum(next(counted).values()) if jump.state != NEW else None
                now = sum(next(counted).values())
                jump.days.append((end, before, now))
                if jump.state != NEW and before != now:
                    jump.state, jump.day = CHANGED, end
        for jump in compared:
            if jump.state == CHANGED and jump.day is not None:
                window, _due = window_for(form, jump.day)
                jump.groups = _groups(parsed(old[jump.key]["expression"]), parsed(new[jump.key]["expression"]),
                                      window=window, under=unit.path, user=user)
    return jumps


def _columns_in_force(form: Form, day: dt.date) -> list[dict]:
    """The columns in force on `day`; none for a form whose first version starts later (every column is new)."""
    try:
        return version_for(form, day).columns
    except DomainError:
        return []


def _column_label(column: dict) -> str:
    return column.get("label_zh") or column.get("label") or column["key"]


def _expression(column: dict | None) -> str:
    return column.get("expression", "") if column and column.get("kind", "indicator") == "indicator" else ""


def _parts(indicator: Indicator) -> list[Indicator]:
    """The rules of an indicator: each part of its top-level "and" as an indicator of its own."""
    node = indicator.condition
    parts = node.parts if isinstance(node, And) else (node,)
    return [dataclasses.replace(indicator, condition=part) for part in parts if part is not None]


def _groups(before: Indicator, now: Indicator, *, window, under: str, user) -> list[Group]:
    source = source_for(now)
    old_ids = set(source_for(before).members(before, window=window, under=under))
    new_ids = set(source.members(now, window=window, under=under))
    groups = []
    for ids, keeper, entered in ((new_ids - old_ids, before, True), (old_ids - new_ids, now, False)):
        rest = set(ids)
        for rule in _parts(keeper):
            kept_out = rest - set(source.members(rule, window=window, under=under))
            if kept_out:
                groups.append(_group(source, rule, kept_out, entered=entered, user=user))
                rest -= kept_out
        if rest:  # rules that only keep them out together (an "or", a sum)
            groups.append(_group(source, keeper, rest, entered=entered, user=user))
    return groups


def _group(source, rule: Indicator, ids: set[int], *, entered: bool, user) -> Group:
    words = source.describe(rule)
    text = (_("Counted now and not before: the old criteria count only %(rule)s") if entered
            else _("Counted before and not now: the new criteria count only %(rule)s")) % {"rule": words}
    shown = sorted(ids)[:SHOWN]
    rows = source.members_rows(shown, user=user)
    return Group(text, entered, len(ids), [rows[i] for i in shown if i in rows])
