"""The fact sources the apps offer to the report engine, by name (reports.facts describes what a source is)."""

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from reports.expressions import ExpressionError, Indicator

if TYPE_CHECKING:
    from reports.facts import FactSource

_SOURCES: dict[str, "FactSource"] = {}


def source_register(source: "FactSource") -> None:
    """Offer a fact source to the report engine (called from an app's ready())."""
    _SOURCES[source.name] = source


def source_for(indicator: Indicator) -> "FactSource":
    """The source an indicator counts, its measure checked (a sum must name one of the source's measures)."""

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


def sources() -> dict[str, "FactSource"]:
    return dict(_SOURCES)
