"""上报 submits the numbers the officer saw: when a grid worker back-dates a status between compute and submit,
nothing is submitted; the page (and the API's 409) lists each changed cell, old → new, with the person who
entered or left its count, and the report goes in only once confirmed with the new version."""

import re

import pytest

from orgunits.models import OrgUnit
from persons import services as people
from persons.models import Category, ManagementStatus
from persons.tests.conftest import resident_id
from reports import services
from reports.engine import window_for
from reports.expressions import parse
from reports.facts import source_for
from reports.models import Computation, Submission
from reports.tests.conftest import DAY, at


def _person(seq: int, name: str, grid, status: str):
    person = people.person_register(data={"name": name, "doc_number": resident_id(seq=seq), "grid": grid.code},
                                    by=None)
    people.category_assign(person=person, category=Category.objects.get(code="hubei"), start=at(DAY, 8), by=None)
    people.status_set(person=person, status=ManagementStatus.objects.get(code=status), start=at(DAY, 8), by=None)
    return person


@pytest.fixture
def drafted(cast, forms):
    """The officer's draft of form 1 with 李明 in home quarantine, then a grid worker's back-dated change: 李明 in
    home health monitoring since 9:00, before the cut-off the officer's numbers were computed for."""
    _person(31, "王芳", cast.grid_a, "home_monitoring")
    li = _person(32, "李明", cast.grid_a, "home_quarantine")
    draft = services.submission_compute(form=forms["hubei_wuhan_daily"], unit=cast.street, day=DAY,
                                        by=cast.street_officer)
    assert (draft.values["total"]["home"], draft.values["total"]["monitoring"]) == (1, 1)
    people.status_set(person=li, status=ManagementStatus.objects.get(code="home_monitoring"), start=at(DAY, 9),
                      by=None)
    return draft, li


def test_submitting_numbers_changed_since_they_were_seen_submits_nothing_and_shows_the_changes(cast, drafted,
                                                                                             client_for):
    draft, li = drafted
    client = client_for(cast.street_officer)
    seen = draft.lock_version
    response = client.post(f"/reports/s/{draft.pk}/action/", {"action": "submit", "lock_version": seen})

    assert response.status_code == 409
    assert Submission.objects.get(pk=draft.pk).state == "draft"  # nothing submitted
    page = response.content.decode()
    changes = page[page.index('id="changes"'):page.index('id="report-form"')]
    assert "您打开报表后数字有变化" in changes
    home = re.search(rf'<tr data-cell="{cast.community_a.code}\.home">(.*?)</tr>', changes, re.S).group(1)
    assert re.sub(r"<[^>]+>", " ", home).split() == ["三元社区", "涉鄂涉汉人员·居家隔离", "1", "0", "−", "李明",
                                                      "（类别或状态变化）"]
    monitoring = re.search(rf'<tr data-cell="{cast.community_a.code}\.monitoring">(.*?)</tr>', changes, re.S).group(1)
    assert "1</td>" in monitoring and "<strong>2</strong>" in monitoring and f'href="/persons/{li.pk}/"' in monitoring
    assert 'data-cell="__total__.home"' in changes
    # The page now shows the new numbers, under a new version, with the button that confirms them.
    current = Submission.objects.get(pk=draft.pk)
    assert current.lock_version > seen and current.values["total"]["monitoring"] == 2
    assert f'name="lock_version" value="{current.lock_version}"' in page
    assert "确认上报" in page and 'class="changed" title="原为 1"' in page

    confirmed = client.post(f"/reports/s/{draft.pk}/action/", {"action": "submit",
                                                                "lock_version": current.lock_version})
    assert confirmed.status_code == 302
    submitted = Submission.objects.get(pk=draft.pk)
    assert submitted.state == "submitted" and submitted.values["total"]["monitoring"] == 2


def test_the_api_answers_409_with_the_changed_cells_then_submits_the_confirmed_version(cast, drafted, client_for):
    draft, li = drafted
    client = client_for(cast.street_officer)
    url = f"/api/reports/submissions/{draft.pk}/submit"
    refused = client.post(url, {"lock_version": draft.lock_version}, content_type="application/json")

    assert refused.status_code == 409
    body = refused.json()
    assert body["code"] == "numbers_changed" and Submission.objects.get(pk=draft.pk).state == "draft"
    cells = {(c["row"], c["column"]): c for c in body["changes"]}
    home = cells[cast.community_a.code, "home"]
    assert (home["old"], home["new"], home["entered"]) == (1, 0, [])
    assert [(p["id"], p["label"]) for p in home["left"]] == [(li.pk, "李明")]
    assert [(p["id"], p["label"]) for p in cells[cast.community_a.code, "monitoring"]["entered"]] == [(li.pk, "李明")]
    assert body["fields"][f"{cast.community_a.code}.home"] == ["1 → 0"]
    assert body["lock_version"] == Submission.objects.get(pk=draft.pk).lock_version

    stale = client.post(url, {"lock_version": draft.lock_version}, content_type="application/json")
    assert stale.status_code == 409  # still not the version seen: it never goes in unseen
    confirmed = client.post(url, {"lock_version": stale.json()["lock_version"]}, content_type="application/json")
    assert confirmed.status_code == 200 and confirmed.json()["state"] == "submitted"


def test_unchanged_numbers_are_submitted_at_once_and_computations_are_kept_only_while_they_can_be_seen(cast, forms):
    li = _person(33, "李明", cast.grid_a, "home_quarantine")
    draft = services.submission_compute(form=forms["hubei_wuhan_daily"], unit=cast.street, day=DAY,
                                        by=cast.street_officer)
    kept = Computation.objects.get(submission=draft, lock_version=draft.lock_version)
    assert kept.members[cast.community_a.code]["home"] == [li.pk] and kept.members["__total__"]["home"] == [li.pk]
    services.submission_compute(form=forms["hubei_wuhan_daily"], unit=cast.street, day=DAY, by=cast.street_officer)
    draft.refresh_from_db()
    submitted = services.submission_submit(submission=draft, seen_version=draft.lock_version, by=cast.street_officer)
    assert submitted.state == "submitted"
    # submitted, only the computation submitted stays (a return sends it back as the one seen); approved, none
    assert list(Computation.objects.filter(submission=draft).values_list("lock_version", flat=True)) == [
        submitted.lock_version]
    services.submission_review(submission=submitted, approve=True, by=cast.city_admin)
    assert not Computation.objects.filter(submission=draft).exists()
    for _n in range(12):  # only the latest computations of a draft are kept
        services.submission_compute(form=forms["close_contact_daily"], unit=cast.street, day=DAY, by=None)
    assert Computation.objects.filter(submission__form=forms["close_contact_daily"]).count() == 10


def test_the_people_kept_behind_each_cell_are_those_its_drill_down_counts(cast, forms):
    for seq, (name, grid, status) in enumerate([("王芳", cast.grid_a, "home_monitoring"),
                                                ("李明", cast.grid_a, "home_quarantine"),
                                                ("赵四", cast.grid_b, "released"),
                                                ("钱五", cast.grid_b, "home_quarantine")], start=40):
        _person(seq, name, grid, status)
    draft = services.submission_compute(form=forms["hubei_wuhan_daily"], unit=cast.street, day=DAY, by=None)
    kept = Computation.objects.get(submission=draft, lock_version=draft.lock_version).members
    window = window_for(draft.form, DAY)[0]
    for column in draft.version.columns:
        indicator = parse(column["expression"])
        for row in draft.values["rows"]:
            unit = OrgUnit.objects.get(code=row["unit"])
            expected = sorted(source_for(indicator).members(indicator, window=window, under=unit.path))
            assert kept[row["unit"]][column["key"]] == expected, (row["unit"], column["key"])
            assert len(expected) == row["cells"][column["key"]]
        assert len(kept["__total__"][column["key"]]) == draft.values["total"][column["key"]]
