"""Property: whatever is typed as an indicator — up to 500 characters of any text, or of the language's own
words, values and brackets put together at random — parsing gives a tree or a mistake with its position, never
another exception; and a tree its source accepts is counted and listed against the database without error.

Examples are derandomised by the suite's hypothesis profile (fangkong/testing.py)."""

import datetime as dt

import pytest
from django.utils import timezone, translation
from hypothesis import event, example, given, settings
from hypothesis import strategies as st

from reports.expressions import KEYWORDS, ExpressionError, parse
from reports.facts import Window, source_for, sources


def _vocabulary() -> tuple[list[str], list[str], list[str], list[str]]:
    """(sources, measures, fields, values) every registered fact source offers, and the people source's own."""
    names, measures, fields, values = set(), set(), set(), set()
    for name, source in sources().items():
        names.add(name)
        measures |= set(source.measures)
        fields |= {f for f in source.vocabulary if "<" not in f}
        for allowed in getattr(source, "values", {}).values():
            values |= set(allowed or {"yes", "no"})
    fields |= {"custom.nat_test", "custom.floor", "custom.tested_on", "custom.fever", "custom.nothing", "Category"}
    values |= {"hubei", "wuhan", "home_quarantine", "released", "M", "F", "resident_id", "阴性", "confirmed"}
    return sorted(names), sorted(measures), sorted(fields), sorted(values)


SOURCES, MEASURES, FIELDS, NAMED_VALUES = _vocabulary()
VALUES = NAMED_VALUES + ['"阴性"', "“阳性”", "'x'", "否", "0", "1", "-1", "18", "150", "151", "1.5", "-0.0", "1e10",
                         "99999999999999999999999", "9" * 400, "9" * 400 + ".5", "2020-01-01", "0001-01-01",
                         "9999-12-31", "2020-02-30", '"\\x00"', '"\\"', '"', "“", "”", "'"]
OPS = ["=", "!=", "<", "<=", ">", ">=", "≠", "≤", "≥", "in", "not in"]
PUNCT = ["(", ")", ",", "，", "（", "）"]
WORDS = sorted(KEYWORDS) + SOURCES + MEASURES + ["started in period", "started since", "ended in period"]

# Any text, and text made of the language's own tokens, so that the search reaches deep into the grammar.
tokens = st.lists(st.sampled_from(FIELDS + VALUES + OPS + PUNCT + WORDS) | st.integers().map(str), max_size=150)
token_text = tokens.map(" ".join)
# Well-formed conditions nested at random, mostly over the source's own fields and values: what is parsed
# reaches the sources' checks and their SQL.
GOOD_VALUES = ['"阴性"', "阴性", "0", "1", "18", "60", "150", "151", "-1", "1.5", "1e10", "99999999999999999999999",
               "2020-01-01", "2020-05-20", "0001-01-01", "yes", "no"]
WHEN = st.sampled_from(["", "", "", "", "", "", "", "", " now", " ever", " started in period", " ended in period",
                        " started since 2020-01-01", " started since 0001-01-01"])


def _condition(fields: list[str], values: list[str]):
    field, value = st.sampled_from(fields * 25 + FIELDS), st.sampled_from(values * 6 + GOOD_VALUES)
    predicate = st.builds(lambda f, o, v, w: f"{f} {o} {v}{w}", field, st.sampled_from(OPS[:9]), value, WHEN) | (
        st.builds(lambda f, o, vs, w: f"{f} {o} ({', '.join(vs)}){w}", field, st.sampled_from(["in", "not in"]),
                  st.lists(value, min_size=1, max_size=4), WHEN))
    return st.recursive(predicate, lambda inner: st.one_of(
        inner.map(lambda c: f"not {c}"), inner.map(lambda c: f"({c})"),
        st.tuples(inner, st.sampled_from(["and", "or"]), inner).map(" ".join)), max_leaves=5)


def _indicators(name: str):
    source = sources()[name]
    fields = [f for f in source.vocabulary if "<" not in f] + (
        ["custom.nat_test", "custom.floor", "custom.tested_on", "custom.fever"] if name == "people" else [])
    values = sorted({v for allowed in getattr(source, "values", {}).values() for v in allowed or {"yes", "no"}}) or [
        "hubei", "wuhan", "home_quarantine", "released", "M", "F", "resident_id"]
    heads = [f"count {name}"] + [f"sum {m} of {name}" for m in source.measures]
    return st.builds(lambda head, c: f"{head} where {c}", st.sampled_from(heads), _condition(fields, values))


indicator_text = st.one_of([_indicators(name) for name in SOURCES])
any_text = (st.text(max_size=500) | token_text | indicator_text).filter(lambda t: len(t) <= 500)

REPORTED = [  # what was thrown at the preview page
    "count people where age > 99999999999999999999999",
    "count people where age >= 1e10",
    "count people where " + "(" * 2000 + "age > 1" + ")" * 2000,
    "count people where category = hubei started since 0001-01-01",
    'count people where custom.nat_test in ("a",1,2020-01-01)',
    'count people where age = "\\x00"',
    "count people where age = \"\x00\"",
]


@pytest.fixture
def _english():
    with translation.override("en"):
        yield


def _parsed_or_positioned(text: str):
    """The tree, or None after checking the mistake's position lies within the text."""
    try:
        return parse(text)
    except ExpressionError as exc:
        assert 0 <= exc.position <= len(text) and str(exc)
        return None


@settings(max_examples=400)
@given(text=any_text)
@example(text=REPORTED[2])
@example(text="count people where " + "not " * 2000 + "age > 1")
@example(text="count people where age = " + "9" * 5000)
def test_any_text_parses_or_names_the_position_of_its_mistake(text):
    _parsed_or_positioned(text)


@pytest.fixture
def people(cast):
    from persons.models import CustomField
    from persons.services import person_register

    for key, kind in (("nat_test", "text"), ("floor", "number"), ("tested_on", "date"), ("fever", "boolean")):
        CustomField.objects.create(key=key, label=key, type=kind)
    for n, birth in enumerate(("1950-03-01", "2001-07-15")):
        person_register(data={"name": f"人{n}", "doc_type": "passport", "doc_number": f"E1234567{n}",
                              "birth_date": birth, "grid": cast.grid_a.code, "custom.nat_test": "阴性",
                              "custom.floor": 3 + n, "custom.tested_on": "2020-05-20", "custom.fever": n == 1},
                        by=None)
    return cast


def _examples(test):
    for text in REPORTED:
        test = example(text=text)(test)
    return test


@settings(max_examples=500)
@given(text=indicator_text)
@_examples
def test_an_indicator_its_source_accepts_is_counted_without_error(people, _english, text):
    """Every tree the parser gives is either refused by its source's check with a position, or counted and
    listed: the check refuses everything the SQL could not take (values of the wrong type, ages beyond any
    person's, numbers no column holds)."""
    indicator = _parsed_or_positioned(text)
    if indicator is None:
        return
    try:
        source = source_for(indicator)
        source.check(indicator)
    except ExpressionError as exc:
        assert 0 <= exc.position <= len(text) and str(exc)
        event("refused by its source")
        return
    event("counted")  # --hypothesis-show-statistics shows how many examples reach the database
    cutoff = timezone.make_aware(dt.datetime(2020, 5, 21, 15))
    window = Window(cutoff=cutoff, period_start=cutoff - dt.timedelta(days=1))
    assert isinstance(source.counts(indicator, window=window, under=people.city.path), dict)
    assert isinstance(source.members(indicator, window=window, under=people.city.path), list)


def test_every_source_is_explored():
    """The strategies are drawn from the registered sources, so a new source is exercised by the property above."""
    assert {"people", "cases", "publicity", "supplies", "readings", "volunteers"} <= set(SOURCES)
    assert {"age", "category", "classification", "kind", "fever", "level"} <= set(FIELDS)
