"""Computing reports from the line list: counts per row, dated versions, drill-down, changes, rules,
submission and review."""

import datetime as dt

import pytest
from django.utils import timezone, translation

from core.errors import DomainError
from persons import services as people
from persons.models import Category, ManagementStatus
from reports import engine, selectors, services
from reports.engine import table_compute, version_for
from reports.models import Submission, SubmissionRevision
from reports.tests.conftest import DAY, at, register


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_rows_per_community_and_total(cast, forms):
    register(cast, 1, cast.grid_a, "hubei", at(DAY, 10), "home_quarantine")  # new today (after 15:00 yesterday)
    register(cast, 2, cast.grid_a, "wuhan", at(DAY - dt.timedelta(days=3), 9), "central_quarantine")
    register(cast, 3, cast.grid_b, "hubei", at(DAY, 16))  # after the cut-off: not yet counted
    table = table_compute(form=forms["hubei_wuhan_daily"], unit=cast.street, day=DAY)
    rows = {r["name"]: r["cells"] for r in table.rows}
    assert rows["三元社区"]["managed"] == 2 and rows["三元社区"]["new_today"] == 1
    assert rows["三元社区"]["home"] == 1 and rows["三元社区"]["central"] == 1
    assert rows["月塘社区"]["managed"] == 0
    assert table.total["managed"] == 2 and table.total["cumulative"] == 2


def test_a_table_counted_from_the_ids_it_keeps_has_the_numbers_counted_alone(cast, forms, monkeypatch):
    """A draft's table counts each counting column from the ids it keeps behind the cells (one read for both); every
    form gives the same numbers so as when counted alone, and a table past MEMBERS_MAX ids keeps none of them."""
    register(cast, 11, cast.grid_a, "hubei", at(DAY, 10), "home_quarantine")
    register(cast, 12, cast.grid_b, "close_contact", at(DAY - dt.timedelta(days=2), 9), "central_quarantine")
    compared = 0
    for form in forms.values():
        for unit in (cast.street, cast.city):
            try:
                alone = table_compute(form=form, unit=unit, day=DAY, direct=True)
            except DomainError:  # not this unit's form, or no period of it ends on DAY
                continue
            kept = table_compute(form=form, unit=unit, day=DAY, direct=True, members=True)
            assert (kept.rows, kept.total) == (alone.rows, alone.total), form.code
            assert alone.members is None and kept.members is not None, form.code
            compared += 1
    assert compared >= 5
    monkeypatch.setattr(engine, "MEMBERS_MAX", 0)
    table = table_compute(form=forms["hubei_wuhan_daily"], unit=cast.street, day=DAY, members=True)
    alone = table_compute(form=forms["hubei_wuhan_daily"], unit=cast.street, day=DAY)
    assert table.members is None and (table.rows, table.total) == (alone.rows, alone.total)
    assert table.total["managed"] == 1


def test_a_person_with_two_categories_counts_once(cast, forms):
    person = register(cast, 4, cast.grid_a, "hubei", at(DAY, 9))
    people.category_assign(person=person, category=Category.objects.get(code="wuhan"), start=at(DAY, 9), by=None)
    assert table_compute(form=forms["hubei_wuhan_daily"], unit=cast.street, day=DAY).total["managed"] == 1


def test_criteria_change_is_dated(cast, forms):
    form = forms["overseas_returnee_daily"]
    assert "nat_tested" not in [c["key"] for c in version_for(form, dt.date(2020, 3, 10)).columns]
    assert "nat_tested" in [c["key"] for c in version_for(form, dt.date(2020, 3, 15)).columns]
    before = table_compute(form=form, unit=cast.street, day=dt.date(2020, 3, 10))
    assert "nat_tested" not in before.total


def test_past_days_recompute_identically(cast, forms):
    register(cast, 5, cast.grid_a, "close_contact", at(DAY, 9), "central_quarantine")
    first = table_compute(form=forms["close_contact_daily"], unit=cast.street, day=DAY)
    register(cast, 6, cast.grid_a, "close_contact", at(DAY + dt.timedelta(days=2), 9))
    again = table_compute(form=forms["close_contact_daily"], unit=cast.street, day=DAY)
    assert first.rows == again.rows and first.total == again.total


def test_drill_down_and_who_entered(cast, forms):
    old = register(cast, 7, cast.grid_a, "hubei", at(DAY - dt.timedelta(days=5), 9), "home_quarantine")
    new = register(cast, 8, cast.grid_a, "hubei", at(DAY, 9), "home_quarantine")
    submission = services.submission_compute(form=forms["hubei_wuhan_daily"], unit=cast.street, day=DAY,
                                             by=cast.street_officer)
    assert sorted(selectors.cell_members(submission=submission, row=cast.community_a.code, column="managed")) == \
        sorted([old.pk, new.pk])
    assert selectors.cell_members(submission=submission, row=cast.community_b.code, column="managed") == []
    changes = selectors.cell_changes(submission=submission, row="__total__", column="managed")
    assert [pid for pid, _reason in changes.entered] == [new.pk] and changes.left == []
    assert changes.entered[0][1] == "category or status change"


def test_validation_blocks_submission_until_the_record_is_fixed(cast, forms):
    broken = register(cast, 9, cast.grid_a, "hubei", at(DAY, 9))  # no management status recorded
    form = forms["hubei_wuhan_daily"]
    submission = services.submission_compute(form=form, unit=cast.street, day=DAY, by=cast.street_officer)
    assert any("management status" in i["message"] for i in submission.issues if i["importance"] == "error")
    with pytest.raises(DomainError) as exc:
        services.submission_submit(submission=submission, by=cast.street_officer)
    assert exc.value.code == "validation_failed"
    assert selectors.cell_members(submission=submission, row=cast.community_a.code, column="no_status") == [broken.pk]
    people.status_set(person=broken, status=ManagementStatus.objects.get(code="home_quarantine"), start=at(DAY, 10),
                      by=None)
    with pytest.raises(services.NumbersChanged) as changed:  # submitted only once the fixed numbers are seen
        services.submission_submit(submission=submission, by=cast.street_officer)
    assert {(c.row, c.column, c.old, c.new) for c in changed.value.changes if c.column == "no_status"} == {
        (cast.community_a.code, "no_status", 1, 0), ("__total__", "no_status", 1, 0)}
    submitted = services.submission_submit(submission=submission, seen_version=changed.value.lock_version,
                                           by=cast.street_officer)
    assert submitted.state == "submitted" and submitted.revision == 1
    with pytest.raises(DomainError):
        services.submission_compute(form=form, unit=cast.street, day=DAY, by=cast.street_officer)
    returned = services.submission_review(submission=submitted, approve=False, comment="核对三元社区", by=cast.city_admin)
    again = services.submission_submit(submission=returned, by=cast.street_officer)
    approved = services.submission_review(submission=again, approve=True, by=cast.city_admin)
    assert approved.state == "approved" and approved.revision == 2
    assert list(SubmissionRevision.objects.filter(submission=approved).values_list("revision", "state")) == [
        (1, "submitted"), (1, "returned"), (2, "submitted"), (2, "approved")]


def test_manual_cells_and_warnings_need_an_explanation(cast, forms):
    register(cast, 10, cast.grid_a, "confirmed", at(DAY, 9), "hospital")
    form = forms["confirmed_daily"]
    submission = services.submission_compute(form=form, unit=cast.street, day=DAY, by=cast.street_officer)
    with pytest.raises(DomainError) as exc:
        services.submission_manual_set(submission=submission, values={cast.community_a.code: {"compounds": "x"}},
                                       lock_version=None, by=cast.street_officer)
    assert f"{cast.community_a.code}.compounds" in exc.value.fields
    submission = services.submission_manual_set(submission=submission,
                                                values={cast.community_a.code: {"compounds": "3"},
                                                        cast.community_b.code: {"compounds": "无"}},
                                                lock_version=None, by=cast.street_officer)
    assert submission.values["total"]["compounds"] == 3
    assert [(i["importance"], i["row"]) for i in submission.issues] == [  # 3 compounds for 1 case
        ("warning", cast.community_a.code), ("warning", "__total__")]
    with pytest.raises(DomainError) as exc:
        services.submission_submit(submission=submission, by=cast.street_officer)
    assert exc.value.code == "explanation_needed"
    assert services.submission_submit(submission=submission, explanation="病例活动涉及三个小区",
                                      by=cast.street_officer).state == "submitted"


def test_new_version_cannot_rewrite_submitted_days(cast, forms):
    form = forms["close_contact_daily"]
    submission = services.submission_compute(form=form, unit=cast.street, day=DAY, by=cast.street_officer)
    services.submission_submit(submission=submission, by=cast.street_officer)
    columns = version_for(form, DAY).columns
    with pytest.raises(DomainError):
        services.form_version_create(form=form, effective_from=DAY, columns=columns, rules=[], note="x",
                                     by=cast.city_admin)
    with pytest.raises(DomainError) as exc:
        services.form_version_create(form=form, effective_from=DAY + dt.timedelta(days=1),
                                     columns=[*columns, {"key": "bad", "kind": "indicator",
                                                         "expression": "count people where category = nobody"}],
                                     rules=[], note="x", by=cast.city_admin)
    assert "nobody" in exc.value.fields["bad"][0]
    assert Submission.objects.get().version.effective_from == dt.date(2020, 1, 1)


def test_pages_drill_down_and_scope(cast, forms, client_for):
    register(cast, 11, cast.grid_a, "hubei", at(DAY, 9), "home_quarantine")
    client = client_for(cast.street_officer)
    response = client.post("/reports/forms/hubei_wuhan_daily/compute/", {"unit": cast.street.code, "day": "2020-05-21"})
    submission = Submission.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/reports/s/{submission.pk}/"
    page = client.get(f"/reports/s/{submission.pk}/").content.decode()
    assert f"/reports/s/{submission.pk}/cell/{cast.community_a.code}/managed/" in page
    cell = client.get(f"/reports/s/{submission.pk}/cell/{cast.community_a.code}/managed/").content.decode()
    assert "人11" in cell
    assert client_for(cast.other_street_officer).get(f"/reports/s/{submission.pk}/").status_code == 404
    outsider = client_for(cast.other_street_officer).post("/reports/forms/hubei_wuhan_daily/compute/",
                                                          {"unit": cast.street.code, "day": "2020-05-21"})
    assert outsider.status_code == 404


def test_indicator_preview_shows_the_position_of_a_mistake(cast, forms, client_for):
    client = client_for(cast.street_officer)
    page = client.get("/reports/indicator/", {"expression": "count people where category = nobody"}).content.decode()
    assert "nobody" in page and "31" in page.split("errorlist")[1][:200]
    register(cast, 12, cast.grid_a, "hubei", at(timezone.localdate() - dt.timedelta(days=1), 9))
    page = client.get("/reports/indicator/", {"expression": "count people where category = hubei"}).content.decode()
    assert "<strong>1</strong>" in page and "人12" in page
