"""Periods set per form (daily, weekly, monthly, ad hoc on the days asked for) and the roll-up of a higher
unit's report from its children's submitted reports."""

import datetime as dt

import pytest
import time_machine

from core.errors import DomainError
from reports import board, selectors, services
from reports.engine import period_ends, previous_period_end, table_compute, window_for
from reports.models import Form, Submission
from reports.tests.test_board import DAY, at, register, submit


def test_a_weekly_report_ends_on_sunday_and_covers_seven_days(cast, forms):
    form = forms["hubei_wuhan_daily"]
    form.period = Form.Period.WEEKLY
    sunday = dt.date(2020, 5, 24)
    window, _due = window_for(form, sunday)
    assert window.cutoff - window.period_start == dt.timedelta(days=7)
    assert previous_period_end(form, sunday) == dt.date(2020, 5, 17)
    with pytest.raises(DomainError, match="2020-05-21") as refused:
        table_compute(form=form, unit=cast.street, day=DAY)
    assert refused.value.code == "not_a_period"
    # a fortnight and a day from Saturday 16 May: the periods end on Sundays 17, 24 and 31 May, on no other day
    assert period_ends(form, dt.date(2020, 5, 16), dt.date(2020, 5, 31)) == [
        dt.date(2020, 5, 17), dt.date(2020, 5, 24), dt.date(2020, 5, 31)]
    with pytest.raises(DomainError, match="2020-05-23"):
        table_compute(form=form, unit=cast.street, day=dt.date(2020, 5, 23))  # the Saturday before
    assert table_compute(form=form, unit=cast.street, day=sunday).window.cutoff.date() == sunday


def test_a_monthly_report_runs_from_the_last_cutoff_of_the_month_before(forms):
    form = forms["hubei_wuhan_daily"]
    form.period = Form.Period.MONTHLY
    window, _due = window_for(form, dt.date(2020, 5, 31))
    assert (window.period_start.date(), window.cutoff.date()) == (dt.date(2020, 4, 30), dt.date(2020, 5, 31))


def test_an_ad_hoc_report_covers_the_time_since_the_previous_request(cast, forms):
    form = forms["hubei_wuhan_daily"]
    services.form_settings_save(form=form, data={"period": Form.Period.AD_HOC,
                                                 "requested_days": ["2020-05-18", "2020-05-21"]}, by=cast.city_admin)
    register(1, cast.grid_a, "hubei", at(dt.date(2020, 5, 19), 10))  # between the two requests
    register(2, cast.grid_a, "hubei", at(dt.date(2020, 5, 21), 9))  # on the day

    table = table_compute(form=form, unit=cast.street, day=DAY)

    assert table.window.period_start == at(dt.date(2020, 5, 18), 15)
    assert table.total["new_today"] == 2
    first = table_compute(form=form, unit=cast.street, day=dt.date(2020, 5, 18))  # the first covers one day
    assert first.window.period_start == at(dt.date(2020, 5, 17), 15)
    with pytest.raises(DomainError, match="2020-05-18、2020-05-21"):
        table_compute(form=form, unit=cast.street, day=dt.date(2020, 5, 20))
    with time_machine.travel(at(DAY, 16), tick=False):
        due_on_request = selectors.reports_due(cast.street_officer, day=DAY)
        due_between = selectors.reports_due(cast.street_officer, day=dt.date(2020, 5, 20))
    assert form.code in {d.form.code for d in due_on_request}
    assert form.code not in {d.form.code for d in due_between}


def test_an_ad_hoc_form_needs_its_days(cast, forms):
    with pytest.raises(DomainError) as refused:
        services.form_settings_save(form=forms["hubei_wuhan_daily"], data={"period": Form.Period.AD_HOC,
                                                                           "requested_days": []}, by=cast.city_admin)
    assert "requested_days" in refused.value.fields


@pytest.fixture
def rolled(cast, forms):
    form = forms["hubei_wuhan_daily"]
    services.form_settings_save(form=form, data={"higher_levels": Form.HigherLevels.CHILDREN}, by=cast.city_admin)
    register(1, cast.grid_a, "hubei", at(DAY, 9), "home_quarantine")
    register(2, cast.grid_b, "wuhan", at(DAY, 10), "home_quarantine")
    return form


def test_a_district_report_is_rolled_up_from_the_streets_submitted_reports(cast, rolled):
    street = submit(rolled, cast.street, at(DAY, 16), cast.street_officer)
    register(3, cast.grid_a, "hubei", at(DAY, 11), "home_quarantine")  # registered after the street submitted

    with time_machine.travel(at(DAY, 16, 30), tick=False):
        district = services.submission_compute(form=rolled, unit=cast.county, day=DAY, by=cast.city_admin)

    rows = {r["unit"]: r["cells"] for r in district.values["rows"]}
    assert rows[cast.street.code] == street.values["total"]  # the submitted values, not a new computation
    assert rows[cast.street.code]["new_today"] == 2
    assert set(rows[cast.other_street.code].values()) == {None}  # 乐坪 has not submitted
    assert district.values["total"]["new_today"] == 2
    warnings = [i for i in district.issues if i["rule"] == "submitted"]
    assert [w["row"] for w in warnings] == [cast.other_street.code] and "乐坪街道" in warnings[0]["message"]
    direct = table_compute(form=rolled, unit=cast.county, day=DAY, direct=True)
    assert direct.total["new_today"] == 3  # the reconciliation's "computed now" still counts the line list
    rec = board.reconcile(form=rolled, unit=cast.county, day=DAY)
    assert rec.differences > 0

    with pytest.raises(DomainError) as refused:
        services.submission_manual_set(submission=district, values={}, lock_version=None, by=cast.city_admin)
    assert refused.value.code == "rolled_up"


def test_the_rolled_up_report_is_due_from_the_top_of_the_scope_and_on_the_board(cast, rolled):
    with time_machine.travel(at(DAY, 16), tick=False):
        due = selectors.reports_due(cast.city_admin, day=DAY)
        day_board = board.board_day(unit=cast.county, day=DAY)
    assert (rolled.code, cast.city.code) in {(d.form.code, d.unit.code) for d in due}
    county_row = next(r for r in day_board.rows if r.unit.pk == cast.county.pk)
    assert [c.form.code for c in county_row.cells if c is not None] == [rolled.code]
    with time_machine.travel(at(DAY, 16), tick=False):
        assert not Submission.objects.filter(unit=cast.county).exists()
        street = services.submission_compute(form=rolled, unit=cast.street, day=DAY, by=cast.street_officer)
    assert street.values["total"]["new_today"] == 2  # the submitting level still computes from the line list
