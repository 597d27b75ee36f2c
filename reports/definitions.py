"""An indicator's definition in words, generated from its parsed tree in the reader's language.

    count people where category in (hubei, wuhan) and status = home_quarantine
    → 类别为涉鄂人员或涉汉人员、且管理状态为居家隔离的人数
    → Number of people where category is “arrived from Hubei” or “arrived from Wuhan” and status is “home quarantine”

The tree's shape (and, or, not, the comparisons, the time senses) is rendered here, once for every source; what
the names and values mean is the source's: `FactSource.field_label`, `value_labels`, `flag_fields`, `count_label`,
`items_label` and `measure_label` (reports.facts). Nothing is typed by hand, so a definition cannot drift from
what is counted.
"""

import datetime as dt
from contextlib import contextmanager
from contextvars import ContextVar

from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from reports.expressions import And, ExpressionError, Indicator, Not, Predicate, parse
from reports.registry import source_for

NEGATED = {"=": "!=", "!=": "=", "in": "not_in", "not_in": "in", "<": ">=", ">=": "<", "<=": ">", ">": "<="}


_MEMO: ContextVar[dict | None] = ContextVar("definitions_memo", default=None)


def memo(key, compute):
    """What `compute()` gives, kept to the end of the `memo_scope` it is called in (a source's names or ids of codes,
    looked up once for a page's many definitions or a batch of counts instead of once each)."""
    cache = _MEMO.get()
    if cache is None:
        return compute()
    if key not in cache:
        cache[key] = compute()
    return cache[key]


@contextmanager
def memo_scope():
    """Within it, `memo` keeps what it computed (a page's definitions, a batch of counts); outside, it keeps nothing."""
    token = _MEMO.set({}) if _MEMO.get() is None else None
    try:
        yield
    finally:
        if token is not None:
            _MEMO.reset(token)


def parsed(expression: str) -> Indicator:
    """The parsed indicator, parsed once within a `memo_scope` (a page reads each figure's tree several times)."""
    return memo(("parsed", expression), lambda: parse(expression))


def definitions(expressions: list[str]) -> list[str]:
    """The definitions of several indicators, the names they use looked up once."""
    with memo_scope():
        return [memo(("definition", e, translation.get_language()), lambda e=e: definition(e)) for e in expressions]


def definition(expression: str) -> str:
    """The definition of an indicator in words; "" for a blank one, the mistake for one that cannot be read."""
    if not (expression or "").strip():
        return ""
    try:
        indicator = parsed(expression)
        return source_for(indicator).describe(indicator)
    except ExpressionError as exc:
        return str(exc)


def describe(source, indicator: Indicator) -> str:
    """`indicator` in words, with `source`'s names for its fields and values."""
    if indicator.aggregate == "sum":
        what = _("total %(measure)s of %(items)s") % {"measure": source.measure_label(indicator.measure),
                                                      "items": source.items_label()}
    else:
        what = str(source.count_label())
    if indicator.condition is None:
        return capfirst(what)
    return capfirst(_("%(what)s where %(condition)s") % {"what": what,
                                                          "condition": _condition(source, indicator.condition)})


def _condition(source, node, inside: str = "") -> str:
    if isinstance(node, Predicate):
        return _predicate(source, node, negated=False)
    if isinstance(node, Not):
        if isinstance(node.part, Predicate):
            return _predicate(source, node.part, negated=True)
        return _("not (%(condition)s)") % {"condition": _condition(source, node.part)}
    kind = "and" if isinstance(node, And) else "or"
    texts = [_condition(source, part, kind) for part in node.parts]
    text = texts[0]
    for more in texts[1:]:
        text = (_("%(a)s and %(b)s") if kind == "and" else _("%(a)s, or %(b)s")) % {"a": text, "b": more}
    return _("(%(condition)s)") % {"condition": text} if kind == "or" and inside == "and" else text


def values_or(labels: list[str]) -> str:
    """“a”, “b” or “c”."""
    quoted = [_("“%(value)s”") % {"value": label} for label in labels]
    if len(quoted) == 1:
        return quoted[0]
    head = quoted[0]
    for more in quoted[1:-1]:
        head = _("%(a)s, %(b)s") % {"a": head, "b": more}
    return _("%(list)s or %(last)s") % {"list": head, "last": quoted[-1]}


def day_text(day: dt.date) -> str:
    return _("%(year)d-%(month)02d-%(day)02d") % {"year": day.year, "month": day.month, "day": day.day}


def _predicate(source, p: Predicate, *, negated: bool) -> str:
    op = NEGATED[p.op] if negated else p.op
    if p.name in source.flag_fields():
        wanted = {str(v).lower() in ("yes", "true", "1", "是") for v in p.values}
        if op in ("!=", "not_in"):
            wanted = {True, False} - wanted
        phrase = str(source.field_label(p.name))
        text = phrase if wanted == {True} else (_("not: %(phrase)s") % {"phrase": phrase} if wanted == {False}
                                                else _("%(phrase)s, or not") % {"phrase": phrase})
    else:
        field = str(source.field_label(p.name))
        values = values_or(source.value_labels(p.name, list(p.values)))
        text = source.comparison_text(p.name, op, field, values)
    return _when(source, p, text)


def comparison_text(op: str, field: str, values: str) -> str:
    """The usual words for `field op values` (a source may say it otherwise, e.g. for a missing value)."""
    template = {
        "=": _("%(field)s is %(values)s"), "in": _("%(field)s is %(values)s"),
        "!=": _("%(field)s is not %(values)s"), "not_in": _("%(field)s is not %(values)s"),
        "<": _("%(field)s is less than %(values)s"), "<=": _("%(field)s is at most %(values)s"),
        ">": _("%(field)s is more than %(values)s"), ">=": _("%(field)s is at least %(values)s"),
    }[op]
    return template % {"field": field, "values": values}


def _when(source, p: Predicate, text: str) -> str:
    kind = p.when.kind
    if kind == "now":
        return text
    if source.dated:  # rows dated by a day: the time sense bounds the days
        template = {"started_in_period": _("%(condition)s, in the period"),
                    "ended_in_period": _("%(condition)s, in the period"),
                    "started_since": _("%(condition)s, on or after %(date)s"),
                    "ever": _("%(condition)s, up to the cut-off")}[kind]
    else:
        template = {"started_in_period": _("%(condition)s, begun in the period"),
                    "ended_in_period": _("%(condition)s, ended in the period"),
                    "started_since": _("%(condition)s, begun on or after %(date)s"),
                    "ever": _("%(condition)s at some time up to the cut-off")}[kind]
    return template % {"condition": text, "date": day_text(p.when.since) if p.when.since else ""}

