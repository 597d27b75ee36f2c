"""What each indicator of a county's template should count: a figure of the catalog, an indicator built from the
words of its title, or a column typed by hand; with the reason, and the active form that already reports it.

A title is read for what it names (`title_read`): the categories and statuses in the words the people fact source
knows for them (its `value_words`: 涉鄂涉汉, 密接, 居家观察, 在管…) and a time sense (今日/新增: began in the period;
累计: ever; otherwise held at the cut-off). A 其中 column takes what its parent names and it does not; a title that
names no category takes the sheet title's (密切接触者管理情况统计表 → 居家隔离 means close contacts at home). What
the title names is compared with what each catalog figure counts; the same → that figure, else the indicator it
describes (shown as its expression to form managers), else nothing is read and the column is typed by hand.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from reports.expressions import And, ExpressionError, Indicator, Predicate, parse
from reports.layouts.reading import Layout, Slot
from reports.registry import sources

SOURCE = "people"
FIGURE, INDICATOR, MANUAL = "figure", "indicator", "manual"
# The time a title speaks of, longest words first; one not found means held at the cut-off.
TIME_WORDS = [("今日新增", "started_in_period"), ("当日新增", "started_in_period"), ("本日新增", "started_in_period"),
              ("新增", "started_in_period"), ("今日", "started_in_period"), ("当日", "started_in_period"),
              ("累计", "ever"), ("历史", "ever")]
WHEN_WORDS = {"started_in_period": "started in period", "ever": "ever"}


@dataclass
class Reading:
    """What a title names: field → codes, the time sense, and the words read (word, field or "when", codes)."""

    names: dict[str, tuple[str, ...]] = field(default_factory=dict)
    when: str = "now"
    words: list[tuple[str, str, tuple[str, ...]]] = field(default_factory=list)


@dataclass
class Proposal:
    index: int  # the indicator's column (or line) in the template
    label: str
    kind: str  # FIGURE, INDICATOR or MANUAL
    figure: str = ""  # the catalog figure's key
    expression: str = ""
    reason: str = ""
    same_as: str = ""  # the active form's column that already reports it


def _vocabulary() -> list[tuple[str, str, tuple[str, ...]]]:
    """(word, field, codes), longest words first: a title is read greedily so 居家健康监测 is not 居家."""
    source = sources().get(SOURCE)
    words = [(word, name, codes) for name, pairs in (source.value_words() if source else {}).items()
             for word, codes in pairs if word]
    return sorted(words, key=lambda w: -len(w[0]))


def title_read(text: str, vocabulary: list[tuple[str, str, tuple[str, ...]]]) -> Reading:
    reading = Reading()
    i = 0
    while i < len(text):
        for word, name, codes in vocabulary:
            if text.startswith(word, i):
                reading.names[name] = tuple(dict.fromkeys((*reading.names.get(name, ()), *codes)))
                reading.words.append((word, name, codes))
                i += len(word)
                break
        else:
            for word, when in TIME_WORDS:
                if text.startswith(word, i):
                    reading.when = when if reading.when == "now" else reading.when
                    reading.words.append((word, "when", (when,)))
                    i += len(word)
                    break
            else:
                i += 1
    return reading


def _signature(indicator: Indicator) -> frozenset | None:
    """What a simple indicator counts: {(field, codes, time)}; None for anything else (not, or, comparisons)."""
    node = indicator.condition
    predicates = node.parts if isinstance(node, And) else (node,) if node is not None else ()
    if indicator.aggregate != "count" or not all(isinstance(p, Predicate) and p.op in ("=", "in") for p in predicates):
        return None
    return frozenset((p.name, frozenset(map(str, p.values)), p.when.kind) for p in predicates)


def _expression(reading: Reading) -> str:
    """The indicator a reading describes, its time sense on the status when it names one (今日解除), else on the
    category (今日新增密接)."""
    timed = "status" if "status" in reading.names else "category"
    parts = []
    for name in ("category", "status"):
        codes = reading.names.get(name)
        if not codes:
            continue
        text = f"{name} = {codes[0]}" if len(codes) == 1 else f"{name} in ({', '.join(codes)})"
        if name == timed and reading.when != "now":
            text += f" {WHEN_WORDS[reading.when]}"
        parts.append(text)
    return f"count {SOURCE} where " + " and ".join(parts)


def _inherit(own: Reading, parent: Reading | None, title: Reading) -> tuple[Reading, list[str]]:
    """`own` completed by what its parent column names and it does not (the time too), and by the sheet title's
    category; which fields were taken."""
    merged = Reading(dict(own.names), own.when, list(own.words))
    taken = []
    for name, others in (("category", (parent, title)), ("status", (parent,))):
        if name not in merged.names:
            other = next((o for o in others if o is not None and name in o.names), None)
            if other is not None:
                merged.names[name] = other.names[name]
                taken.append(name)
    if merged.when == "now" and parent is not None:
        merged.when = parent.when
    return merged, taken


def _reason(reading: Reading, taken: list[str], label_of) -> str:
    """The words read and what each was read as: “居家观察”: 居家隔离; “今日新增”: began in the period."""
    when_said = {"started_in_period": _("began in the period"), "ever": _("at any time up to the cut-off")}
    said = [_("“%(word)s”: %(meaning)s") % {
        "word": word, "meaning": when_said[codes[0]] if name == "when" else "、".join(label_of(name, codes))}
        for word, name, codes in reading.words]
    if "category" in taken:
        said.append(_("the category is the one the column above or the sheet's title names"))
    if "status" in taken:
        said.append(_("the status is the one the column above names"))
    return "；".join(said)


def proposals_make(layout: Layout, *, figures: list[tuple[str, str]],
                   reported: Sequence[tuple[str, int, str]] = ()) -> list[Proposal]:
    """A proposal for each indicator of `layout`. `figures`: the catalog's (key, expression); `reported`: the
    columns of active forms as (form name, column number, expression)."""
    source = sources().get(SOURCE)
    vocabulary = _vocabulary()
    by_signature: dict[frozenset, str] = {}
    for key, expression in figures:
        signature = _signed(expression)
        if signature is not None:
            by_signature.setdefault(signature, key)
    reported_by: dict[frozenset, tuple[str, int]] = {}
    for form_name, number, expression in reported:
        signature = _signed(expression)
        if signature is not None:
            reported_by.setdefault(signature, (form_name, number))
    title = title_read(layout.title, vocabulary)
    readings: dict[int, Reading] = {}
    out = []
    for slot in layout.indicators:
        own = title_read(slot.label, vocabulary)
        parent = readings.get(slot.part_of) if slot.part_of is not None else None
        reading, taken = _inherit(own, parent, title)
        readings[slot.index] = reading
        out.append(_proposal(slot, own, reading, taken, by_signature, reported_by,
                             lambda name, codes: source.value_labels(name, list(codes)) if source else list(codes)))
    return out


def _signed(expression: str) -> frozenset | None:
    try:
        return _signature(parse(expression))
    except ExpressionError:
        return None


def _proposal(slot: Slot, own: Reading, reading: Reading, taken, by_signature, reported_by, label_of) -> Proposal:
    if not own.words or not reading.names:
        return Proposal(slot.index, slot.label, MANUAL, reason=_("Nothing in the title names a category or a "
                                                                 "status: the value is typed in by hand."))
    expression = _expression(reading)
    signature = _signed(expression)
    reason = _reason(reading, taken, label_of)
    same = reported_by.get(signature)
    same_as = _("Same as column %(n)d of 《%(form)s》") % {"n": same[1], "form": same[0]} if same else ""
    if signature in by_signature:
        return Proposal(slot.index, slot.label, FIGURE, figure=by_signature[signature], expression=expression,
                        reason=reason, same_as=same_as)
    return Proposal(slot.index, slot.label, INDICATOR, expression=expression, reason=reason, same_as=same_as)


# ---- the guided indicator: categories, statuses and a time sense picked from lists ------------------------------

WHENS = ("now", "started_in_period", "ever")


def guided_expression(*, categories: list[str], statuses: list[str], when: str, custom: str = "",
                      custom_value: str = "") -> str:
    """The indicator counting people of `categories` under `statuses` (either may be empty, not both) at `when`,
    and (given) whose additional field `custom` holds `custom_value`."""
    names = {k: tuple(v) for k, v in (("category", categories), ("status", statuses)) if v}
    if not names:
        return ""
    expression = _expression(Reading(names=names, when=when if when in WHENS else "now"))
    value = custom_value.replace('"', "").strip()
    if custom and value:
        shown = value if re.fullmatch(r"-?\d+(\.\d+)?", value) else f'"{value}"'
        expression += f" and custom.{custom} = {shown}"
    return expression


def guided_parts(expression: str) -> dict | None:
    """The categories, statuses, time sense and additional field's value of an indicator the guided form can show;
    None for others."""
    signature = _signed(expression) if expression else None
    if not signature:
        return None
    parts: dict = {"categories": [], "statuses": [], "when": "now", "custom": "", "custom_value": ""}
    whens = set()
    for name, values, when in signature:
        if name in ("category", "status"):
            parts["categories" if name == "category" else "statuses"] = sorted(values)
            whens.add(when)
        elif name.startswith("custom.") and len(values) == 1 and when == "now" and not parts["custom"]:
            parts["custom"], parts["custom_value"] = name[7:], next(iter(values))
        else:
            return None
    whens -= {"now"}
    if len(whens) > 1 or not whens <= set(WHENS) or not (parts["categories"] or parts["statuses"]):
        return None
    parts["when"] = next(iter(whens), "now")
    return parts
