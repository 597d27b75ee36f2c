"""The timeliness board (submitted on time, late, still waiting with the time left, missing; rates over a
range) and the reconciliation of a report with a computation made now and with the children's reports."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orgunits.models import OrgUnit, Site
from persons import services as people
from persons.models import Category, ManagementStatus
from persons.tests.conftest import resident_id
from reports import board, services
from reports.models import Submission
from reports.tests.conftest import DAY, at


@pytest.fixture
def english(client_for):
    def make(user):
        client = client_for(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client
    return make


def submit(form, unit, when: dt.datetime, by, day: dt.date = DAY) -> Submission:
    """Compute and submit `form` for `unit` and `day` at the moment `when`."""
    with time_machine.travel(when, tick=False):
        draft = services.submission_compute(form=form, unit=unit, day=day, by=by)
        return services.submission_submit(submission=draft, by=by)


def register(seq: int, grid, category: str, start: dt.datetime, status: str | None = None):
    person = people.person_register(data={"name": f"人{seq}", "doc_number": resident_id(seq=seq), "grid": grid.code},
                                    by=None)
    people.category_assign(person=person, category=Category.objects.get(code=category), start=start, by=None)
    if status:
        people.status_set(person=person, status=ManagementStatus.objects.get(code=status), start=start, by=None,
                          site=None if status != "central_quarantine" else Site.objects.get_or_create(
                              unit=grid.parent, name="隔离点", defaults={"unit_path": grid.parent.path,
                                                                      "kind": Site.Kind.QUARANTINE_HOTEL})[0])
    return person


def statuses(result: board.Board) -> dict[tuple[str, str], str]:
    return {(c.unit.code, c.form.code): c.status for row in result.rows for c in row.cells if c}


# ---- the board for one day -------------------------------------------------------------------------------------

def test_board_shows_on_time_then_waiting_with_the_time_left(cast, forms):
    submit(forms["hubei_wuhan_daily"], cast.street, at(DAY, 16, 30), cast.street_officer)
    result = board.board_day(unit=cast.county, day=DAY, now=at(DAY, 16, 45))
    states = statuses(result)
    assert [r.unit for r in result.rows] == [cast.other_street, cast.street]  # by path: 乐坪 (001), 长青 (004)
    assert states[cast.street.code, "hubei_wuhan_daily"] == board.ON_TIME
    assert states[cast.street.code, "abroad_daily"] == board.PENDING
    assert states[cast.other_street.code, "hubei_wuhan_daily"] == board.PENDING
    assert result.counts == {board.ON_TIME: 1, board.LATE: 0, board.PENDING: 9, board.MISSING: 0}
    waiting = next(c for c in result.rows[1].cells if c.form.code == "abroad_daily")
    assert waiting.minutes_left == 15 and waiting.countdown == (0, 15)


def test_board_shows_late_and_missing_after_the_due_time(cast, forms):
    submit(forms["hubei_wuhan_daily"], cast.street, at(DAY, 16, 30), cast.street_officer)
    submit(forms["abroad_daily"], cast.street, at(DAY, 17, 30), cast.street_officer)
    draft_at = at(DAY, 17, 40)
    with time_machine.travel(draft_at, tick=False):  # computed but never submitted: still missing
        services.submission_compute(form=forms["close_contact_daily"], unit=cast.street, day=DAY,
                                    by=cast.street_officer)
    result = board.board_day(unit=cast.county, day=DAY, now=at(DAY, 19, 5))
    states = statuses(result)
    assert states[cast.street.code, "hubei_wuhan_daily"] == board.ON_TIME
    assert states[cast.street.code, "abroad_daily"] == board.LATE
    assert states[cast.street.code, "close_contact_daily"] == board.MISSING
    assert states[cast.other_street.code, "confirmed_daily"] == board.MISSING
    assert result.counts == {board.ON_TIME: 1, board.LATE: 1, board.PENDING: 0, board.MISSING: 8}
    late = next(c for c in result.rows[1].cells if c.form.code == "abroad_daily")
    assert late.minutes_late == 30
    missing = next(c for c in result.rows[0].cells if c.form.code == "abroad_daily")
    assert missing.countdown == (2, 5)


def test_board_page_for_the_district_with_countdown(cast, forms, english):
    submit(forms["hubei_wuhan_daily"], cast.street, at(DAY, 16, 30), cast.street_officer)
    with time_machine.travel(at(DAY, 16, 45), tick=False):
        response = english(cast.city_admin).get(f"/reports/board/?unit={cast.county.code}&day={DAY}")
    assert response.status_code == 200
    page = response.content.decode()
    assert "长青街道" in page and "乐坪街道" in page
    assert "15 min left" in page and "0 h" not in page and "on time" in page
    assert f"/reports/reconcile/?form=abroad_daily&amp;unit={cast.street.code}&amp;day={DAY}" in page


def test_street_officer_sees_their_street_by_default(cast, forms, english):
    with time_machine.travel(at(DAY, 18), tick=False):
        response = english(cast.street_officer).get("/reports/board/")
    assert response.status_code == 200
    assert response.context["unit"] == cast.street
    assert [r.unit for r in response.context["board"].rows] == [cast.street]
    assert response.context["board"].counts[board.MISSING] == 5


# ---- rates over a range ------------------------------------------------------------------------------------------

def test_completeness_and_on_time_rate_over_a_range(cast, forms):
    hubei = forms["hubei_wuhan_daily"]
    first, last = DAY - dt.timedelta(days=2), DAY
    for day, when in [(first, at(first, 16)), (first + dt.timedelta(days=1), at(first + dt.timedelta(days=1), 18)),
                      (last, at(last, 16, 59))]:
        submit(hubei, cast.street, when, cast.street_officer, day=day)
    submit(hubei, cast.other_street, at(first, 16, 30), cast.other_street_officer, day=first)
    returned = submit(hubei, cast.other_street, at(last, 16), cast.other_street_officer, day=last)
    with time_machine.travel(at(last, 16, 30), tick=False):
        services.submission_review(submission=returned, approve=False, comment="数字不对", by=cast.city_admin)

    rates = board.board_rates(unit=cast.county, first=first, last=last, now=at(last, 20))
    rows = {r.unit.code: dict(zip([f.code for f in rates.forms], r.rates, strict=True)) for r in rates.rows}
    street, other = rows[cast.street.code]["hubei_wuhan_daily"], rows[cast.other_street.code]["hubei_wuhan_daily"]
    assert (street.expected, street.submitted, street.on_time) == (3, 3, 2)
    assert street.completeness == 100 and round(street.on_time_rate) == 67
    assert (other.expected, other.submitted, other.on_time) == (3, 1, 1)  # a returned report is not complete
    assert rows[cast.street.code]["abroad_daily"].completeness == 0
    per_form = dict(zip([f.code for f in rates.forms], rates.per_form, strict=True))
    assert (per_form["hubei_wuhan_daily"].expected, per_form["hubei_wuhan_daily"].submitted) == (6, 4)
    assert rates.total.expected == 2 * 5 * 3 and rates.total.on_time == 3


def test_a_report_not_yet_due_counts_only_once_submitted(cast, forms):
    hubei = forms["hubei_wuhan_daily"]
    submit(hubei, cast.street, at(DAY, 16), cast.street_officer)
    rates = board.board_rates(unit=cast.county, first=DAY, last=DAY, now=at(DAY, 16, 30))
    rows = {r.unit.code: r for r in rates.rows}
    assert rows[cast.street.code].total.expected == 1 and rows[cast.street.code].total.completeness == 100
    assert rows[cast.other_street.code].total.expected == 0 and rows[cast.other_street.code].total.completeness is None


def test_board_page_refuses_a_backwards_range(cast, forms, english):
    response = english(cast.city_admin).get(f"/reports/board/?unit={cast.county.code}&from=2020-05-21&to=2020-05-01")
    assert response.status_code == 200
    assert "The range must start on or before its end." in response.content.decode()


# ---- scope -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("who, unit", [
    ("street_officer", "county"),  # the level above is not theirs
    ("street_officer", "other_street"),
    ("other_street_officer", "street"),
    ("community_b_worker", "street"),  # reports.view over community B only
    ("grid_a_worker", "community_a"),  # no reports.view at all
])
def test_board_and_reconciliation_outside_scope_answer_404(cast, forms, client_for, who, unit):
    client = client_for(getattr(cast, who))
    code = getattr(cast, unit).code
    assert client.get(f"/reports/board/?unit={code}").status_code == 404
    assert client.get(f"/reports/reconcile/?form=hubei_wuhan_daily&unit={code}&day={DAY}").status_code == 404


def test_unknown_unit_or_form_answers_404(cast, forms, client_for):
    client = client_for(cast.city_admin)
    assert client.get("/reports/board/?unit=999999").status_code == 404
    assert client.get(f"/reports/reconcile/?form=nope&unit={cast.street.code}&day={DAY}").status_code == 404


# ---- reconciliation ------------------------------------------------------------------------------------------------

def test_reconciliation_highlights_a_community_whose_submitted_value_differs(cast, forms, english):
    hubei = forms["hubei_wuhan_daily"]
    register(1, cast.grid_a, "hubei", at(DAY, 10), "home_quarantine")
    register(2, cast.grid_b, "wuhan", at(DAY, 9), "home_quarantine")
    submit(hubei, cast.street, at(DAY, 16, 30), cast.street_officer)
    # The next morning someone is registered late, arrived from Hubei the day before the cut-off.
    with time_machine.travel(at(DAY + dt.timedelta(days=1), 9), tick=False):
        register(3, cast.grid_a, "hubei", at(DAY, 8), "home_quarantine")

    rec = board.reconcile(form=hubei, unit=cast.street, day=DAY)
    rows = {r.code: {c.key: c for c in r.cells} for r in rec.rows}
    a, b, total = rows[cast.community_a.code], rows[cast.community_b.code], rows["__total__"]
    assert not rec.children_submit
    assert (a["managed"].computed, a["managed"].submitted, a["managed"].children) == (2, 1, None)
    assert a["managed"].differs and a["home"].differs and a["new_today"].differs
    assert not b["managed"].differs and b["managed"].computed == b["managed"].submitted == 1
    assert (total["managed"].computed, total["managed"].submitted) == (3, 2) and total["managed"].differs
    assert rec.differences == sum(r.differences for r in rec.rows) and rec.differences > 0

    response = english(cast.street_officer).get(
        f"/reports/reconcile/?form=hubei_wuhan_daily&unit={cast.street.code}&day={DAY}")
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("<mark>") >= 6  # managed, home, new today… of 三元社区 and of the total
    assert "street_officer" in page and "Who changed what" in page  # the submission's audit trail
    drill = f"/reports/s/{rec.submission.pk}/cell/{cast.community_a.code}/managed/"
    assert drill in page


def test_reconciliation_of_a_district_compares_its_streets_submissions(cast, forms, english):
    hubei = forms["hubei_wuhan_daily"]
    register(1, cast.grid_a, "hubei", at(DAY, 10), "home_quarantine")
    submit(hubei, cast.street, at(DAY, 16, 30), cast.street_officer)
    submit(hubei, cast.other_street, at(DAY, 16, 40), cast.other_street_officer)
    with time_machine.travel(at(DAY + dt.timedelta(days=1), 9), tick=False):
        register(2, cast.grid_b, "hubei", at(DAY, 8), "central_quarantine")

    rec = board.reconcile(form=hubei, unit=cast.county, day=DAY)
    assert rec.children_submit and rec.submission is None
    rows = {r.code: {c.key: c for c in r.cells} for r in rec.rows}
    street, other, total = rows[cast.street.code], rows[cast.other_street.code], rows["__total__"]
    assert (street["managed"].computed, street["managed"].children) == (2, 1) and street["managed"].differs
    assert (other["managed"].computed, other["managed"].children) == (0, 0) and not other["managed"].differs
    assert (total["managed"].computed, total["managed"].children) == (2, 1)
    assert {h.submission.unit for h in rec.history} == {cast.street, cast.other_street}

    with time_machine.travel(at(DAY + dt.timedelta(days=1), 10), tick=False):
        response = english(cast.city_admin).get(
            f"/reports/reconcile/?form=hubei_wuhan_daily&unit={cast.county.code}&day={DAY}")
    assert response.status_code == 200
    assert "<mark>" in response.content.decode()



def test_board_queries_do_not_grow_with_the_units(cast, forms, client_for):
    client = client_for(cast.city_admin)
    url = f"/reports/board/?unit={cast.county.code}&day={DAY}&from=2020-05-01&to={DAY}"
    with time_machine.travel(at(DAY, 18), tick=False):
        with CaptureQueriesContext(connection) as two_streets:
            assert client.get(url).status_code == 200
        for n in range(5):
            code = f"43130200{n + 5}"
            street = OrgUnit.objects.create(code=code, name=f"新街道{n}", kind=OrgUnit.Kind.TOWNSHIP,
                                            parent=cast.county, path=f"{cast.county.path}{code}/", depth=4)
            submit(forms["hubei_wuhan_daily"], street, at(DAY, 16), cast.city_admin)
        with CaptureQueriesContext(connection) as seven_streets:
            response = client.get(url)
    assert len(response.context["board"].rows) == 7
    assert len(seven_streets.captured_queries) == len(two_streets.captured_queries)
