"""The one small interface between the report engine and the apps that hold facts.

An app offers a fact source (e.g. persons offers "people") by registering it in its AppConfig.ready.
The engine parses an indicator, finds its source by the name after "count", and asks the source to
check the names, to count per unit path, or to list the people behind a count. The engine never
imports a domain app, so a new app becomes reportable without touching `reports`.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q

from reports.expressions import And, ExpressionError, Indicator, Not, Predicate


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

    def members_rows(self, ids: list[int], *, user) -> dict[int, dict]:
        """For display: per id it may show to `user`, {"label", "url", "detail"} — scope-checked and
        with personal data masked as the source's own pages mask it."""
        return {}

    def changes_explain(self, *, entered: list[int], left: list[int], since: dt.datetime,
                        until: dt.datetime) -> dict[int, str]:
        """Why each item entered or left a count between two cut-offs: a short reason per id."""
        return {}


_SOURCES: dict[str, FactSource] = {}


def source_register(source: FactSource) -> None:
    """Offer a fact source to the report engine (called from an app's ready())."""
    _SOURCES[source.name] = source


def source_for(indicator: Indicator) -> FactSource:
    """The source an indicator counts, its measure checked (a sum must name one of the source's measures)."""
    from django.utils.translation import gettext as _

    source = _SOURCES.get(indicator.source)
    if source is None:
        raise ExpressionError(_("Nothing called “%(s)s” can be counted; known: %(known)s.")
                              % {"s": indicator.source, "known": ", ".join(sorted(_SOURCES))},
                              indicator.source_position)
    if indicator.aggregate == "sum" and indicator.measure not in source.measures:
        raise ExpressionError(_("%(s)s has nothing called “%(m)s” to add up; it has: %(known)s.")
                              % {"s": indicator.source, "m": indicator.measure,
                                 "known": ", ".join(sorted(source.measures)) or _("nothing")},
                              indicator.measure_position)
    return source


def sources() -> dict[str, FactSource]:
    return dict(_SOURCES)


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
