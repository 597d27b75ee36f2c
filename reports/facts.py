"""The one small interface between the report engine and the apps that hold facts.

An app offers a fact source (e.g. persons offers "people") by registering it in its AppConfig.ready.
The engine parses an indicator, finds its source by the name after "count", and asks the source to
check the names, to count per unit path, or to list the people behind a count. The engine never
imports a domain app, so a new app becomes reportable without touching `reports`.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from core.clock import first_day_from, last_day_before
from reports.definitions import comparison_text, day_text, describe
from reports.expressions import And, ExpressionError, Indicator, Not, Predicate, When, predicates_of
from reports.registry import source_for, source_register, sources

__all__ = ["FactSource", "Window", "by_path", "condition_q", "source_for", "source_register", "sources"]


@dataclass(frozen=True)
class Window:
    """The time frame of a computation: the cut-off and the start of the reporting period."""

    cutoff: dt.datetime
    period_start: dt.datetime


class FactSource:
    """What a domain app implements to make its facts countable."""

    name = ""
    #: the names an indicator may use, with a one-line description each (shown in the editor)
    vocabulary: dict[str, str] = {}
    #: what "sum MEASURE of SOURCE" may add up, with a description; counts() then returns sums
    measures: dict[str, str] = {}
    #: what one counted item is measured in on an official form's 单位 line (人, 例, 个); "" when unknown
    unit_zh = ""

    def check(self, indicator: Indicator) -> None:
        """Raise ExpressionError (with the position) for a name or value the source does not know."""
        raise NotImplementedError

    def counts(self, indicator: Indicator, *, window: Window, under: str) -> dict[str, int]:
        """The count per unit path (the leaf unit each counted item belonged to at the cut-off),
        within the subtree `under`. One set-based query; the engine sums paths into any unit."""
        raise NotImplementedError

    def members(self, indicator: Indicator, *, window: Window, under: str) -> list[int]:
        """The ids of the items counted within the subtree `under` (the drill-down)."""
        raise NotImplementedError

    def members_by_path(self, indicator: Indicator, *, window: Window, under: str) -> dict[str, list[int]]:
        """The ids `members` gives, per leaf unit path (the paths `counts` groups by): one query for all the rows
        of a report, where `members` per row would be one query a row."""
        raise NotImplementedError

    def members_rows(self, ids: list[int], *, user) -> dict[int, dict]:
        """For display: per id it may show to `user`, {"label", "url", "detail"} — scope-checked and
        with personal data masked as the source's own pages mask it."""
        return {}

    def members_open(self, ids: list[int], *, user) -> list[int]:
        """The ids among `ids` that `user` may open (those `members_rows` would show), in the order given:
        the only ids a drill-down gives, on the page and in the API. Sources whose rows are costly to build,
        or whose showing is audited, answer from the scope alone."""
        rows = self.members_rows(ids, user=user)
        return [i for i in ids if i in rows]

    def changes_explain(self, *, entered: list[int], left: list[int], since: dt.datetime,
                        until: dt.datetime) -> dict[int, str]:
        """Why each item entered or left a count between two cut-offs: a short reason per id."""
        return {}

    def counts_many(self, indicators: list[Indicator], *, window: Window, under: str) -> list[dict[str, int]]:
        """The counts of several indicators over the same window and subtree, in their order. A source may
        answer those that share a shape in one query; by default each is counted on its own."""
        return [self.counts(indicator, window=window, under=under) for indicator in indicators]

    def totals_many(self, indicators: list[Indicator], *, window: Window, under: str) -> list[int]:
        """Each indicator's total over the subtree: the sum of its counts per unit path (counts_many). A source
        may sum in the database instead, to the same numbers."""
        return [sum(counts.values()) for counts in self.counts_many(indicators, window=window, under=under)]

    # -- the definition in words (reports.definitions renders the tree; these say what names and values mean) --

    #: names and measures in words (lazy translations), e.g. {"category": _("category")}
    labels: dict = {}
    #: rows dated by a day (a ledger line, an activity): their time senses bound the days
    dated = False
    #: the permission whose scope over a unit lets a user open a figure of this source there, besides reports.view
    view_permission = "reports.view"

    def describe(self, indicator: Indicator) -> str:
        """The indicator in plain words in the current language, e.g. 类别为涉鄂人员或涉汉人员的人数."""
        return describe(self, indicator)

    def count_label(self) -> str:
        """What "count" counts, e.g. "number of people" (人数)."""
        return _("number of %(items)s") % {"items": self.items_label()}

    def items_label(self) -> str:
        """What one counted item is, in the plural, e.g. "people"."""
        return str(self.labels.get("__items__", self.name))

    def measure_label(self, measure: str) -> str:
        return str(self.labels.get(measure, measure))

    def field_label(self, name: str) -> str:
        """A name of the indicator language in words; for a yes/no field, the phrase that holds when it is yes."""
        return str(self.labels.get(name, name))

    def flag_fields(self) -> set[str]:
        """The names that take yes or no."""
        return set()

    def value_labels(self, name: str, values: list) -> list[str]:
        """The values of `name` in words (codes by their display names)."""
        return [day_text(v) if isinstance(v, dt.date) else str(v) for v in values]

    def value_choices(self, name: str) -> list[tuple[str, str]]:
        """The values of `name` one may pick from a list, as (code, label); none by default."""
        return []

    def value_words(self) -> dict[str, list[tuple[str, tuple[str, ...]]]]:
        """The words titles use for values, by field: (word, the codes it names), e.g. ("密接", ("close_contact",)).
        A template's column titles are read with them (reports.layouts.proposing); none by default."""
        return {}

    def comparison_text(self, name: str, op: str, field: str, values: str) -> str:
        """`field op values` in words (an episode source adds that "not" includes holding none)."""
        return comparison_text(op, field, values)


def by_path(pairs) -> dict[str, list[int]]:
    """(path, id) pairs as {path: [ids]}, each id once per path."""
    out: dict[str, set[int]] = {}
    for path, pk in pairs:
        out.setdefault(path, set()).add(pk)
    return {path: sorted(ids) for path, ids in out.items()}


def condition_q(node, leaf) -> Q:
    """The filter of a condition tree (and, or, not over predicates), `leaf(predicate)` giving each predicate's;
    no condition keeps everything."""
    if node is None:
        return Q()
    if isinstance(node, Predicate):
        return leaf(node)
    if isinstance(node, Not):
        return ~condition_q(node.part, leaf)
    q = Q()
    for part in node.parts:
        q = (q & condition_q(part, leaf)) if isinstance(node, And) else (q | condition_q(part, leaf))
    return q


def day_dated_q(field: str, when: When, window: Window) -> Q:
    """The filter of a source whose rows are dated by a local day (`field`), each counted from its day's start:
    the days that begin before the cut-off, and of them, in the period, those that begin within it; since a
    date, those from it."""
    q = Q(**{f"{field}__lte": last_day_before(window.cutoff)})
    if when.kind in ("started_in_period", "ended_in_period"):
        q &= Q(**{f"{field}__gte": first_day_from(window.period_start)})
    elif when.kind == "started_since":
        q &= Q(**{f"{field}__gte": when.since})
    return q


YES = {"yes", "true", "1", "是"}
NO = {"no", "false", "0", "否"}


class ChoiceSource(FactSource):
    """A source whose names are yes/no flags or values from a fixed list, each compiled to a Q: a subclass
    gives `values`, `flag` (the rows where a yes/no name holds), `value` (the rows with one of the values)
    and `base` (its rows under a unit in the window); counts and members follow."""

    model = None
    #: name -> allowed values (None: yes/no)
    values: dict[str, set[str] | None] = {}

    #: name -> {value: its display name} for the names whose values come from a list (e.g. a model's choices)
    choice_labels: dict[str, dict] = {}

    def flag_fields(self) -> set[str]:
        return {name for name, allowed in self.values.items() if allowed is None}

    def value_labels(self, name: str, values: list) -> list[str]:
        names = self.choice_labels.get(name, {})
        return [str(names.get(str(v).lower(), v)) for v in values]

    def flag(self, name: str, window: Window) -> Q:
        raise NotImplementedError

    def value(self, name: str, values: list[str], window: Window) -> Q:
        raise NotImplementedError

    def base(self, indicator: Indicator, window: Window, under: str):
        raise NotImplementedError

    def check(self, indicator: Indicator) -> None:
        for p in predicates_of(indicator.condition):
            if p.name not in self.values:
                raise ExpressionError(_("Unknown field %(n)s; %(source)s have: %(known)s.")
                                      % {"n": p.name, "source": self.name, "known": ", ".join(self.values)},
                                      p.position)
            if p.op not in ("=", "!=", "in", "not_in"):
                raise ExpressionError(_("%(n)s is compared with =, != or in.") % {"n": p.name}, p.position)
            if p.when.kind != "now":
                raise ExpressionError(_("This time is not available for %(n)s.") % {"n": p.name}, p.position)
            allowed = self.values[p.name]
            known = (YES | NO) if allowed is None else allowed
            unknown = [str(v) for v in p.values if str(v).lower() not in known]
            if unknown:
                raise ExpressionError(_("Unknown value(s): %(v)s; known: %(known)s.")
                                      % {"v": ", ".join(unknown),
                                         "known": "yes, no" if allowed is None else ", ".join(sorted(allowed))},
                                      p.value_position)

    def _predicate_q(self, p: Predicate, window: Window) -> Q:
        values = [str(v).lower() for v in p.values]
        negate = p.op in ("!=", "not_in")
        if self.values[p.name] is None:
            wanted = {v in YES for v in values}
            if negate:
                wanted = {True, False} - wanted
            if wanted == {True, False}:
                return Q()
            if not wanted:
                return Q(pk__in=[])
            q = self.flag(p.name, window)
            return q if True in wanted else ~q
        q = self.value(p.name, values, window)
        return ~q if negate else q

    def _q(self, node, window: Window) -> Q:
        return condition_q(node, lambda p: self._predicate_q(p, window))

    def _rows(self, indicator: Indicator, window: Window, under: str):
        return self.base(indicator, window, under).filter(self._q(indicator.condition, window))

    def counts(self, indicator: Indicator, *, window: Window, under: str) -> dict[str, int]:
        rows = self._rows(indicator, window, under).order_by().values("unit_path").annotate(n=Count("pk"))
        return dict(rows.values_list("unit_path", "n"))

    def members(self, indicator: Indicator, *, window: Window, under: str) -> list[int]:
        return list(self._rows(indicator, window, under).order_by().values_list("pk", flat=True))

    def members_by_path(self, indicator: Indicator, *, window: Window, under: str) -> dict[str, list[int]]:
        return by_path(self._rows(indicator, window, under).order_by().values_list("unit_path", "pk"))
