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


REPORTED = [  # (indicator, where the mistake is, what the Chinese message says)
    ("count people where age > 99999999999999999999999", 25, "数字 99999999999999999999999 太大"),
    ("count people where age >= 1e10", 26, "age 须与 0 到 150 之间的整数比较，不能是 “1e10”"),
    ("count people where " + "(" * 2000 + "age > 1" + ")" * 2000, 19 + 32, "嵌套过深"),
    ("count people where " + "not " * 2000 + "age > 1", 19 + 4 * 32, "嵌套过深"),
    ("count people where category = hubei started since 0001-01-01", 50, "日期 0001-01-01 无效"),
    ('count people where custom.nat_test in ("a",1,2020-01-01)', 43, "custom.nat_test 是文本，而 “1” 是数字或日期"),
    ('count people where age = "\\x00"', 25, "age 须与 0 到 150 之间的整数比较"),
    ("count people where sex in (M, 男)", 30, "未知取值：男"),
    ("count people where age = " + "9" * 5000, 25, "太大"),
]


@pytest.mark.parametrize("text, position, words", REPORTED, ids=[r[0][:60] for r in REPORTED])
def test_the_preview_answers_what_an_attacker_typed_with_a_positioned_chinese_error(cast, forms, client_for, text,
                                                                                     position, words):
    from persons.models import CustomField

    CustomField.objects.create(key="nat_test", label="核酸检测结果", type=CustomField.Type.TEXT)
    client = client_for(cast.street_officer)
    page = client.get("/reports/indicator/", {"expression": text}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    error = page.content.decode().split('class="errorlist">')[1].split("</p>")[0]
    assert words in error and f"第 {position + 1} 个字符" in error, error


def test_new_criteria_with_such_indicators_are_refused_column_by_column(cast, forms, client_for):
    columns = [{"key": f"c{i}", "label_zh": "列", "label_en": "column", "kind": "indicator", "expression": text}
               for i, (text, _position, _words) in enumerate(REPORTED)]
    response = client_for(cast.city_admin).post("/api/reports/forms/hubei_wuhan_daily/versions", {
        "effective_from": "2020-06-01", "note": "", "columns": columns, "rules": []}, content_type="application/json")
    assert response.status_code == 400 and set(response.json()["fields"]) == {c["key"] for c in columns}


def test_a_nul_character_is_a_positioned_mistake():
    with pytest.raises(ExpressionError) as exc:
        parse('count people where custom.nat_test = "a\x00"')
    assert exc.value.position == 39 and "code 0" in exc.value.message


def test_values_are_checked_against_the_type_of_their_field(cast):
    from persons.models import CustomField

    for key, kind in (("floor", "number"), ("tested_on", "date"), ("fever", "boolean"), ("nat_test", "text")):
        CustomField.objects.create(key=key, label=key, type=kind)
    source = source_for(parse("count people"))
    accepted = ["custom.floor >= 3", "custom.floor in (1, 2.5)", "custom.tested_on < 2020-05-21", "custom.fever = 是",
                'custom.nat_test in ("阴性", 阳性)', "age in (18, 60)", "sex != U", "doc_type = passport"]
    for condition in accepted:
        source.check(parse(f"count people where {condition}"))
    refused = {"custom.floor = 阴性": 34, "custom.tested_on = 3": 38, "custom.fever = maybe": 34,
               "custom.nat_test > 阴性": 19, "age = 151": 25, "age > -1": 25, "age = 1.5": 25, "sex = 男": 25,
               "custom.floor = 1 ever": 19}
    for condition, position in refused.items():
        with pytest.raises(ExpressionError) as exc:
            source.check(parse(f"count people where {condition}"))
        assert exc.value.position == position, (condition, exc.value.message)
