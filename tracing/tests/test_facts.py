"""Tracing's facts in the reports: the communities where confirmed cases stayed on the day (form 5's
涉及小区数, computed instead of typed), the cases by classification, and the registry categories."""

import datetime as dt

import pytest
from django.utils import timezone

from reports.engine import expression_check, indicator_counts
from reports.expressions import ExpressionError
from reports.facts import Window
from tracing import selectors, services
from tracing.tests.conftest import TODAY


def window(day: dt.date) -> Window:
    """A daily form's window: the 24 hours up to 15:00 of `day`."""
    cutoff = timezone.make_aware(dt.datetime.combine(day, dt.time(15)))
    return Window(cutoff=cutoff, period_start=cutoff - dt.timedelta(days=1))


def at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@pytest.fixture
def stays(cast, register):
    """王芳 (confirmed yesterday) stayed in A two days ago and in B yesterday; 周强 (only suspected) in B
    today; 孙丽 (confirmed, then excluded) in A yesterday."""
    yesterday, before = TODAY - dt.timedelta(days=1), TODAY - dt.timedelta(days=2)
    wang = services.case_register(person=register("王芳", 101), classification="confirmed",
                                  at=at(yesterday, 9), by=None)
    zhou = services.case_register(person=register("周强", 102, grid=cast.grid_b), classification="suspected",
                                  at=at(yesterday, 9), by=None)
    sun = services.case_register(person=register("孙丽", 103), classification="confirmed", at=at(before, 8),
                                 by=None)
    services.case_classify(case=sun, classification="excluded", at=at(TODAY, 8), by=None)
    services.visit_record(person=wang.person, place="三元超市", community=cast.community_a,
                          start=at(before, 10), end=at(before, 11), by=None)
    services.visit_record(person=wang.person, site=cast.site_b, start=at(yesterday, 16), end=at(yesterday, 17),
                          by=None)
    services.visit_record(person=zhou.person, site=cast.site_b, start=at(TODAY, 8), end=at(TODAY, 9), by=None)
    services.visit_record(person=sun.person, place="三元公园", community=cast.grid_a,  # a grid: its community
                          start=at(yesterday, 18), end=at(yesterday, 19), by=None)
    return wang, zhou, sun


COMPOUNDS = "count communities where classification = confirmed"


def test_communities_where_confirmed_cases_stayed_on_the_day(cast, stays):
    street = cast.street.path
    # Today's form (yesterday 15:00 – today 15:00): 王芳 in B; 孙丽 was excluded by the cut-off.
    assert indicator_counts(COMPOUNDS, window=window(TODAY), under=street) == {cast.community_b.path: 1}
    # Yesterday's form read today: 孙丽 was confirmed then and stayed in A that evening — after the
    # cut-off, so not counted; 王芳's stay in A two days ago was before the period.
    assert indicator_counts(COMPOUNDS, window=window(TODAY - dt.timedelta(days=1)), under=street) == {}
    # The day before: only stays up to its cut-off count, by cases confirmed at it (孙丽, not yet 王芳).
    assert indicator_counts(COMPOUNDS, window=window(TODAY - dt.timedelta(days=2)), under=street) == {}
    # Cumulative: every community a confirmed case (at the cut-off) ever stayed in.
    assert indicator_counts(COMPOUNDS + " ever", window=window(TODAY), under=street) == {
        cast.community_a.path: 1, cast.community_b.path: 1}
    # Any case but the excluded: suspected 周强 in B too, still one community.
    assert indicator_counts("count communities", window=window(TODAY), under=street) == {cast.community_b.path: 1}
    assert indicator_counts(COMPOUNDS, window=window(TODAY), under=cast.community_a.path) == {}


def test_the_selector_lists_the_communities_per_day(cast, stays):
    days = selectors.stay_communities_by_day(under=cast.street.path, first_day=TODAY - dt.timedelta(days=2),
                                             last_day=TODAY)
    listed = {d["day"]: [c["community"].name for c in d["communities"]] for d in days}
    assert listed == {TODAY - dt.timedelta(days=2): ["三元社区"], TODAY - dt.timedelta(days=1): ["月塘社区"], TODAY: []}


def test_cases_by_classification_as_of_the_cut_off(cast, stays):
    street = cast.street.path
    assert indicator_counts("count cases where classification = confirmed", window=window(TODAY),
                            under=street) == {cast.grid_a.path: 1}
    assert indicator_counts("count cases where classification = confirmed",
                            window=window(TODAY - dt.timedelta(days=1)), under=street) == {cast.grid_a.path: 2}
    assert indicator_counts("count cases where classification = confirmed started in period", window=window(TODAY),
                            under=street) == {}
    assert indicator_counts("count cases where classification = confirmed started in period",
                            window=window(TODAY - dt.timedelta(days=1)), under=street) == {cast.grid_a.path: 1}
    assert indicator_counts("count cases where classification in (suspected, confirmed) and outcome = \"\"",
                            window=window(TODAY), under=street) == {cast.grid_a.path: 1, cast.grid_b.path: 1}


def test_the_registry_counts_the_categories_tracing_wrote(cast, stays):
    # Form 5 counts people by category: tracing's classifications are those categories.
    people = "count people where category = confirmed"
    assert indicator_counts(people, window=window(TODAY), under=cast.street.path) == {cast.grid_a.path: 1}
    assert indicator_counts("count people where category = suspected", window=window(TODAY),
                            under=cast.street.path) == {cast.grid_b.path: 1}


@pytest.mark.parametrize("expression, fragment", [
    ("count communities where classification = cured", "cured"),
    ("count communities where setting = household", "setting"),
    ("count communities where classification = confirmed and classification = suspected", "one condition"),
    ("count cases where outcome = recovered started in period", "not available"),
])
def test_indicator_mistakes_are_explained(cast, expression, fragment):
    with pytest.raises(ExpressionError) as exc:
        expression_check(expression)
    assert fragment in str(exc.value)



def test_form_5_counts_the_communities_from_its_dated_version_on(cast, register):
    """Form (5)'s 涉及小区数 is typed by hand under its first version and computed from the places visited
    from 22 May 2020 on; the first version stays as it was for the days before."""
    import time_machine

    from reports.models import Form
    from reports.services import forms_seed, submission_compute

    forms_seed()
    form = Form.objects.get(code="confirmed_daily")
    day = dt.date(2020, 5, 23)
    with time_machine.travel(at(day, 16), tick=False):
        case = services.case_register(person=register("王芳", 101), classification="confirmed",
                                      at=at(day - dt.timedelta(days=1), 9), by=None)
        services.visit_record(person=case.person, site=cast.site_b, start=at(day, 8), end=at(day, 9), by=None)
        services.visit_record(person=case.person, place="三元超市", community=cast.community_a,
                              start=at(day, 10), end=at(day, 11), by=None)
        after = submission_compute(form=form, unit=cast.street, day=day, by=None)
        before = submission_compute(form=form, unit=cast.street, day=dt.date(2020, 5, 21), by=None)
    assert after.version.effective_from == dt.date(2020, 5, 22) and after.version.note.startswith("涉及小区数")
    rows = {r["name"]: r["cells"] for r in after.values["rows"]}
    assert rows["三元社区"]["compounds"] == rows["月塘社区"]["compounds"] == 1
    assert after.values["total"]["compounds"] == 2 and after.values["total"]["confirmed"] == 1
    assert before.version.effective_from == dt.date(2020, 1, 1) and before.values["total"]["compounds"] is None
    manual = [c for c in before.version.columns if c["key"] == "compounds"]
    assert manual[0]["kind"] == "manual"
