"""Dates and times from users lie within core.timebounds' years, wherever they are typed: every form of the
project, the import's date reader, the API (fangkong/tests/test_api_dates.py) and the indicator language."""

import datetime as dt

import pytest
from django import forms
from django.utils import translation

from core.errors import DomainError
from core.timebounds import dates_check, out_of_range


def _project_forms() -> list[type[forms.BaseForm]]:
    import fangkong.urls  # noqa: F401  (every page, so every form, is imported)

    found, todo = [], [forms.BaseForm]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] in {"core", "orgunits", "accounts", "persons", "tracing", "checkpoints",
                                            "supplies", "volunteers", "reports", "legal", "dashboard"}:
            found.append(cls)
    return found


def test_every_form_field_that_reads_a_date_refuses_year_1_and_year_9999():
    """A date field made before core's AppConfig.ready would miss the bound: this walk would find it."""
    checked, accepted = [], []
    for form in _project_forms():
        for name, field in getattr(form, "base_fields", {}).items():
            if not isinstance(field, forms.DateField | forms.DateTimeField):
                continue
            checked.append(f"{form.__name__}.{name}")
            for typed in ("0001-01-01", "9999-12-31") if isinstance(field, forms.DateField) else (
                    "0001-01-01 00:00", "9999-12-31 23:59"):
                try:
                    field.clean(typed)
                except forms.ValidationError:
                    continue
                accepted.append(f"{form.__name__}.{name} = {typed}")
    assert len(checked) > 30 and not accepted, accepted


def test_a_page_refuses_a_date_outside_the_years_in_chinese(cast, client_for):
    page = client_for(cast.street_officer).get("/reports/indicator/", {"expression": "count people",
                                                                       "day": "0001-01-01"})
    assert page.status_code == 200 and "日期 0001-01-01 无效：日期须在 1900-01-01 至 2100-12-31 之间。" in \
        page.content.decode()


def test_the_bounds_are_whole_years_so_a_time_zone_shift_stays_in_range():
    assert out_of_range(dt.date(1900, 1, 1)) is None and out_of_range(dt.date(2100, 12, 31)) is None
    assert out_of_range(dt.datetime(2100, 12, 31, 23, 59, tzinfo=dt.UTC)) is None
    with translation.override("en"):
        assert "1900-01-01" in out_of_range(dt.date(1, 1, 1)) and "0001-01-01" in out_of_range(dt.date(1, 1, 1))
        assert out_of_range(dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=dt.UTC))
    with pytest.raises(DomainError) as exc:
        dates_check({"end": dt.date(9999, 12, 31), "start": dt.date(2020, 5, 21)})
    assert set(exc.value.fields) == {"end"}


def test_an_imported_date_outside_the_years_is_a_row_error_not_a_crash():
    from persons.validation import parse_date

    assert parse_date("2020年5月21日") == dt.date(2020, 5, 21)
    for typed in ("0001-01-01", "9999/12/31", "00010101", dt.date(1, 1, 1)):
        with pytest.raises(ValueError):
            parse_date(typed)


PAGES_WITH_A_DAY = [("get", "/tracing/stays/", {"until": "DAY"}), ("get", "/tracing/stays/", {"from": "DAY"}),
                    ("get", "/checkpoints/", {"day": "DAY"}), ("get", "/persons/today/", {"day": "DAY"}),
                    ("get", "/volunteers/", {"day": "DAY"}), ("get", "/reports/", {"day": "DAY"}),
                    ("get", "/reports/day.json", {"unit": "431302004", "day": "DAY"}),
                    ("post", "/reports/forms/hubei_wuhan_daily/compute/", {"unit": "431302004", "day": "DAY"})]


@pytest.mark.parametrize("method, url, params", PAGES_WITH_A_DAY, ids=[f"{p[1]}?{next(iter(p[2]))}"
                                                                      for p in PAGES_WITH_A_DAY])
def test_a_page_asked_for_a_day_in_year_1_or_9999_answers_without_a_server_error(cast, client_for, method, url,
                                                                                  params):
    from reports.services import forms_seed

    forms_seed()
    client = client_for(cast.city_admin)
    client.raise_request_exception = False
    for day in ("0001-01-01", "9999-12-31"):
        response = getattr(client, method)(url, {k: v.replace("DAY", day) for k, v in params.items()})
        assert response.status_code in (200, 302, 400, 404), (day, response.status_code)


def test_every_page_reads_its_day_through_core():
    """A day typed in a query string is read by core.timebounds.day_parse, nowhere by hand."""
    from django.conf import settings

    by_hand = []
    for path in settings.BASE_DIR.glob("*/**/*.py"):
        if ".venv" in path.parts or "tests" in path.parts or "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        if "fromisoformat(request." in text:
            by_hand.append(str(path.relative_to(settings.BASE_DIR)))
    assert not by_hand
