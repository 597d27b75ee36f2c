"""The indicator language: what parses, and mistakes reported with their position."""

import datetime as dt

import pytest
from django.utils import translation

from reports.expressions import And, ExpressionError, Not, Predicate, parse
from reports.facts import source_for


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_a_full_indicator():
    ind = parse("count people where category in (hubei, wuhan) started since 2020-01-01 and not age >= 60")
    assert ind.source == "people"
    first, second = ind.condition.parts
    assert isinstance(ind.condition, And) and isinstance(second, Not)
    assert first == Predicate("category", "in", ("hubei", "wuhan"), first.when, 19, 31)
    assert (first.when.kind, first.when.since) == ("started_since", dt.date(2020, 1, 1))
    assert second.part.values == (60,)


def test_chinese_values_punctuation_and_operators():
    ind = parse("count people where custom.nat_test in (“阴性”，阳性) and age ≥ 18")
    assert ind.condition.parts[0].values == ("阴性", "阳性")
    assert ind.condition.parts[1].op == ">="


@pytest.mark.parametrize("text, position, words", [
    ("", 0, "empty"),
    ("total people", 0, "count"),
    ("sum people", 10, "“of”"),
    ("sum of people", 4, "sum quantity"),
    ("count people where", 18, "field"),
    ("count people where category = ", 30, "value"),
    ("count people where category in (a b)", 34, "“,” or “)”"),
    ("count people where (category = a", 32, "not closed"),
    ('count people where x = "abc', 23, "not closed"),
    ("count people where category = a started last week", 40, "in period"),
    ("count people where category = a or", 34, "field"),
])
def test_mistakes_name_their_position(text, position, words):
    with pytest.raises(ExpressionError) as exc:
        parse(text)
    assert exc.value.position == position and words in exc.value.message


def test_no_python_is_ever_evaluated():
    with pytest.raises(ExpressionError):
        parse("count people where __import__('os').system('true') = 1")


def test_a_sum_names_its_measure_and_the_source_must_have_it():
    indicator = parse("sum quantity of publicity where kind = booklets started in period")
    assert (indicator.aggregate, indicator.measure, indicator.source) == ("sum", "quantity", "publicity")
    assert indicator.measure_position == 4 and indicator.source_position == 16
    with pytest.raises(ExpressionError) as error:
        source_for(parse("sum age of people"))
    assert error.value.position == 4 and "age" in error.value.message
