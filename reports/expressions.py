"""The indicator language: a small, safe language for "which people, counted how, as of when".

    count people where category in (hubei, wuhan)
    count people where category = overseas_returnee and status in (home_quarantine, central_quarantine)
    count people where category = close_contact started in period
    count people where status = released started in period and category = overseas_returnee
    count people where category = overseas_returnee and custom.nat_test = "阴性"
    count people where category in (hubei, wuhan) started since 2020-01-01
    sum quantity of publicity where kind = booklets started in period

Grammar (keywords are case-insensitive; Chinese values are quoted or bare):

    indicator   := "count" SOURCE ["where" condition]
                 | "sum" MEASURE "of" SOURCE ["where" condition]   -- a source's measures, e.g. quantity
    condition   := conjunction ("or" conjunction)*
    conjunction := negation ("and" negation)*
    negation    := "not" negation | "(" condition ")" | predicate
    predicate   := NAME ("=" | "!=" | "<" | "<=" | ">" | ">=") value [when]
                 | NAME ["not"] "in" "(" value ("," value)* ")" [when]
    when        := "now"                     -- held at the cut-off (the default)
                 | "started" "in" "period"   -- began within the reporting period (not a move)
                 | "ended" "in" "period"     -- ended within the period
                 | "started" "since" DATE    -- began on or after DATE, up to the cut-off (cumulative)
                 | "ever"                    -- held at any time up to the cut-off
    value       := NAME | NUMBER | STRING | DATE

What a NAME means (category, status, sex, age, custom.<key>…) is up to the fact source named by
SOURCE; the parser only checks the shape, the source checks the names when the indicator is saved.
Nothing is ever evaluated as Python: the tree is compiled to SQL by the source.

Whatever is typed, the answer is a tree or an ExpressionError with its position, never another exception: the
text holds no control characters, brackets and "not" nest at most MAX_DEPTH deep, a list holds at most
MAX_VALUES values, numbers fit a 64-bit column, dates lie within core.timebounds' range, a quoted value is at
most MAX_TEXT characters. A source checks each value's type against its field with `values_check`.
"""

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from core.timebounds import out_of_range

MAX_DEPTH = 32  # brackets and "not" inside one another
MAX_VALUES = 500  # values in one list
MAX_TEXT = 200  # characters of one value (the longest text an additional field holds)
BIGINT = 2**63 - 1  # the widest integer column of both databases


class ExpressionError(ValueError):
    """A mistake in an indicator, with its position (0-based character offset)."""

    def __init__(self, message: str, position: int):
        super().__init__(message)
        self.message = message
        self.position = position

    def __str__(self):
        return _("%(message)s (at character %(pos)d)") % {"message": self.message, "pos": self.position + 1}


# ---- the tree ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class When:
    kind: str = "now"  # now | started_in_period | ended_in_period | started_since | ever
    since: dt.date | None = None


@dataclass(frozen=True)
class Predicate:
    name: str
    op: str  # = != < <= > >= in not_in
    values: tuple
    when: When = field(default_factory=When)
    position: int = 0
    value_position: int = 0  # where the value(s) begin, for "unknown value" errors
    value_positions: tuple = field(default=(), compare=False)  # where each value begins


@dataclass(frozen=True)
class And:
    parts: tuple


@dataclass(frozen=True)
class Or:
    parts: tuple


@dataclass(frozen=True)
class Not:
    part: object


@dataclass(frozen=True)
class Indicator:
    aggregate: str  # count | sum
    source: str
    condition: object | None
    measure: str | None = None  # what "sum" adds up
    measure_position: int = 0
    source_position: int = 6


def predicates_of(node) -> list[Predicate]:
    """Every predicate in a condition tree, left to right."""
    if node is None:
        return []
    if isinstance(node, Predicate):
        return [node]
    if isinstance(node, Not):
        return predicates_of(node.part)
    return [p for part in node.parts for p in predicates_of(part)]


# ---- the type of values --------------------------------------------------------------------------------------

COMPARISONS = ("=", "!=", "<", "<=", ">", ">=")
EQUALITY = ("=", "!=", "in", "not_in")
_YES, _NO = {"yes", "true", "1", "是"}, {"no", "false", "0", "否"}


def _shown(value) -> str:
    text = value.isoformat() if isinstance(value, dt.date) else str(value)
    return f"“{text[:30]}”"


def values_check(p: Predicate, kind: str, *, low: int = 0, high: int = 0) -> tuple:
    """The values of `p` as a field of `kind` holds them — "text", "number", "whole" (from `low` to `high`), "date"
    or "yes_no" (True/False) — or ExpressionError at the first value that is not one, or at the field when its
    comparison does not suit it (text and yes/no are compared with =, != or in; numbers and dates also ordered)."""
    ops = EQUALITY if kind in ("text", "yes_no") else (*COMPARISONS, "in", "not_in")
    if p.op not in ops:
        raise ExpressionError(_("%(n)s is compared with %(ops)s.")
                              % {"n": p.name, "ops": " ".join(o.replace("not_in", "not in") for o in ops)}, p.position)
    out: list[object] = []
    for i, value in enumerate(p.values):
        position = p.value_positions[i] if i < len(p.value_positions) else p.value_position
        is_number = isinstance(value, int | float) and not isinstance(value, bool)
        if kind == "text" and isinstance(value, str):
            out.append(value)
        elif kind == "number" and is_number:
            out.append(value)
        elif kind == "whole" and isinstance(value, int) and low <= value <= high:
            out.append(value)
        elif kind == "date" and isinstance(value, dt.date):
            out.append(value)
        elif kind == "yes_no" and str(value).lower() in _YES | _NO:
            out.append(str(value).lower() in _YES)
        else:
            raise ExpressionError({
                "text": _("%(n)s holds text, and %(v)s is a number or a date: put it in quotes if it is meant as "
                          "text."),
                "number": _("%(n)s holds a number, and %(v)s is not one."),
                "whole": _("%(n)s is compared with a whole number from %(low)d to %(high)d, not %(v)s."),
                "date": _("%(n)s holds a date, written as 2020-05-21, not %(v)s."),
                "yes_no": _("%(n)s holds yes or no, not %(v)s."),
            }[kind] % {"n": p.name, "v": _shown(value), "low": low, "high": high}, position)
    return tuple(out)


# ---- tokens --------------------------------------------------------------------------------------

_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<date>\d{4}-\d{2}-\d{2}(?![\w.-]))
  | (?P<number>-?\d+(?:\.\d+)?(?![\w.-]))
  | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|“[^”]*”)
  | (?P<op><=|>=|!=|≠|≤|≥|=|<|>)
  | (?P<punct>[(),，（）])
  | (?P<name>[^\s()=<>!,，（）"'“”≠≤≥]+)
""", re.VERBOSE)

_PUNCT = {"，": ",", "（": "(", "）": ")"}
_OPS = {"≠": "!=", "≤": "<=", "≥": ">="}
KEYWORDS = {"count", "sum", "of", "where", "and", "or", "not", "in", "now", "started", "ended", "since", "period",
            "ever"}
AGGREGATES = {"count", "sum"}


@dataclass
class Token:
    kind: str
    text: str
    position: int

    @property
    def word(self) -> str:
        return self.text.lower() if self.kind == "name" else ""


def tokenize(text: str) -> list[Token]:
    for pos, char in enumerate(text):
        if unicodedata.category(char) in ("Cc", "Cs") and char not in "\t\n\r":
            raise ExpressionError(_("The character with code %(code)d cannot be used in an indicator.")
                                  % {"code": ord(char)}, pos)
    tokens, pos = [], 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            if text[pos] in "\"'“":
                raise ExpressionError(_("A quoted value is not closed."), pos)
            raise ExpressionError(_("Unexpected character %(c)s.") % {"c": text[pos]}, pos)
        kind = match.lastgroup or ""  # every alternative of _TOKEN is a named group
        value = match.group()
        if kind != "space":
            if kind == "punct":
                value = _PUNCT.get(value, value)
            elif kind == "op":
                value = _OPS.get(value, value)
            tokens.append(Token(kind, value, pos))
        pos = match.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


# ---- parser --------------------------------------------------------------------------------------

class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0  # brackets and "not" open around the current token

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def advance(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def expect_word(self, word: str) -> Token:
        if self.tok.word != word:
            raise ExpressionError(_("Expected “%(w)s” but found %(f)s.") % {"w": word, "f": self._found()},
                                  self.tok.position)
        return self.advance()

    def _found(self) -> str:
        return f"“{self.tok.text}”" if self.tok.kind != "end" else _("the end")

    def indicator(self) -> Indicator:
        tok = self.tok
        if tok.word not in AGGREGATES:
            raise ExpressionError(_("An indicator starts with “count” or “sum”."), tok.position)
        self.advance()
        measure = None
        if tok.word == "sum":
            measure = self.tok
            if measure.kind != "name" or measure.word in KEYWORDS:
                raise ExpressionError(_("Name what is added up, e.g. “sum quantity of publicity”."), measure.position)
            self.advance()
            self.expect_word("of")
        source = self.tok
        if source.kind != "name" or source.word in KEYWORDS:
            raise ExpressionError(_("Name what is counted, e.g. “count people”."), source.position)
        self.advance()
        condition = None
        if self.tok.word == "where":
            self.advance()
            condition = self.condition()
        if self.tok.kind != "end":
            raise ExpressionError(_("Unexpected %(f)s: expected “and”, “or” or the end.") % {"f": self._found()},
                                  self.tok.position)
        return Indicator(aggregate=tok.word, source=source.word, condition=condition,
                         measure=measure.word if measure else None,
                         measure_position=measure.position if measure else 0, source_position=source.position)

    def condition(self):
        parts = [self.conjunction()]
        while self.tok.word == "or":
            self.advance()
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def conjunction(self):
        parts = [self.negation()]
        while self.tok.word == "and":
            self.advance()
            parts.append(self.negation())
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def negation(self):
        if self.tok.word == "not" or (self.tok.text == "(" and self.tok.kind == "punct"):
            if self.depth >= MAX_DEPTH:
                raise ExpressionError(_("Too deeply nested: at most %(n)d brackets or “not” may stand inside one "
                                        "another.") % {"n": MAX_DEPTH}, self.tok.position)
            self.depth += 1
            try:
                return self._nested()
            finally:
                self.depth -= 1
        return self.predicate()

    def _nested(self):
        if self.advance().word == "not":
            return Not(self.negation())
        inner = self.condition()
        if self.tok.text != ")":
            raise ExpressionError(_("A “(” is not closed: expected “)” but found %(f)s.") % {"f": self._found()},
                                  self.tok.position)
        self.advance()
        return inner

    def predicate(self) -> Predicate:
        name = self.tok
        if name.kind != "name" or name.word in KEYWORDS:
            raise ExpressionError(_("Expected a field such as category, status or custom.<key>, found %(f)s.")
                                  % {"f": self._found()}, name.position)
        self.advance()
        if self.tok.kind == "op":
            op = self.advance().text
            value_position = self.tok.position
            values, positions = (self.value(),), (value_position,)
        else:
            negated = False
            if self.tok.word == "not":
                self.advance()
                negated = True
            if self.tok.word != "in":
                raise ExpressionError(_("After %(n)s expected a comparison (=, !=, <, >…) or “in”, found %(f)s.")
                                      % {"n": name.text, "f": self._found()}, self.tok.position)
            self.advance()
            op = "not_in" if negated else "in"
            value_position = self.tok.position
            values, positions = self.value_list()
        return Predicate(name=name.text.lower() if not name.text.lower().startswith("custom.") else
                         "custom." + name.text[7:], op=op, values=values, when=self.when(), position=name.position,
                         value_position=value_position, value_positions=positions)

    def value_list(self) -> tuple[tuple, tuple]:
        """The values of a list and where each begins."""
        if self.tok.text != "(":
            raise ExpressionError(_("Expected “(” to open the list of values, found %(f)s.") % {"f": self._found()},
                                  self.tok.position)
        self.advance()
        positions = [self.tok.position]
        values = [self.value()]
        while self.tok.text == ",":
            self.advance()
            if len(values) >= MAX_VALUES:
                raise ExpressionError(_("A list holds at most %(n)d values.") % {"n": MAX_VALUES}, self.tok.position)
            positions.append(self.tok.position)
            values.append(self.value())
        if self.tok.text != ")":
            raise ExpressionError(_("Expected “,” or “)” in the list of values, found %(f)s.") % {"f": self._found()},
                                  self.tok.position)
        self.advance()
        return tuple(values), tuple(positions)

    def value(self):
        tok = self.tok
        if tok.kind in ("string", "name") and len(tok.text) > MAX_TEXT + 2 * (tok.kind == "string"):
            raise ExpressionError(_("A value is at most %(n)d characters long.") % {"n": MAX_TEXT}, tok.position)
        if tok.kind == "string":
            self.advance()
            return tok.text[1:-1].replace('\\"', '"').replace("\\'", "'")
        if tok.kind == "number":
            self.advance()
            whole = tok.text.lstrip("-").split(".")[0].lstrip("0")
            # the digits are counted first: Python refuses to read an integer of more than 4,300 digits
            number = (float(tok.text) if "." in tok.text else int(tok.text)) if len(whole) <= 19 else math.inf
            if not (math.isfinite(number) and -BIGINT - 1 <= number <= BIGINT):
                raise ExpressionError(_("The number %(v)s is too large.") % {"v": tok.text[:30]}, tok.position)
            return number
        if tok.kind == "date":
            self.advance()
            return _date(tok)
        if tok.kind == "name" and tok.word not in KEYWORDS:
            self.advance()
            return tok.text
        raise ExpressionError(_("Expected a value, found %(f)s.") % {"f": self._found()}, tok.position)

    def when(self) -> When:
        word = self.tok.word
        if word == "now":
            self.advance()
            return When("now")
        if word == "ever":
            self.advance()
            return When("ever")
        if word in ("started", "ended"):
            self.advance()
            if self.tok.word == "in":
                self.advance()
                self.expect_word("period")
                return When(f"{word}_in_period")
            if word == "started" and self.tok.word == "since":
                self.advance()
                if self.tok.kind != "date":
                    raise ExpressionError(_("Expected a date such as 2020-01-01 after “since”."), self.tok.position)
                return When("started_since", since=_date(self.advance()))
            raise ExpressionError(_("Expected “in period”%(since)s after “%(w)s”.")
                                  % {"since": _(" or “since <date>”") if word == "started" else "", "w": word},
                                  self.tok.position)
        return When("now")


def _date(tok: Token) -> dt.date:
    try:
        day = dt.date.fromisoformat(tok.text)
    except ValueError:
        raise ExpressionError(_("%(d)s is not a valid date.") % {"d": tok.text}, tok.position) from None
    reason = out_of_range(day)
    if reason:
        raise ExpressionError(reason, tok.position)
    return day


def parse(text: str) -> Indicator:
    """Parse an indicator; raises ExpressionError naming the mistake and its position."""
    if not text or not text.strip():
        raise ExpressionError(_("The indicator is empty."), 0)
    return _Parser(text).indicator()
