"""Rosters and shifts through the API: the same selectors, services and scope as the pages. A site's coordinators
read its roster and post needs; a civilised unit's coordinator cancels and swaps their own people's shifts; an area's
roster comes site by site; another community's sites, areas and shifts answer exactly as ones that do not exist."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from core.models import AuditEntry
from volunteers import selectors, services
from volunteers.models import Assignment, Need
from volunteers.tests.conftest import local

MISSING = 987654321


def _post(client, path: str, body: dict | None = None):
    return client.post(path, data=json.dumps(body or {}), content_type="application/json")


@pytest.fixture
def tomorrow(cast, teams):
    """Two shifts at 三元社区's checkpoint tomorrow, 何芳 on the day one and 王洪军 on the evening one (both of the
    audit bureau), and 罗平 of the justice bureau waiting for the day one, which is full."""
    start = timezone.localtime().replace(hour=8, minute=0, second=0, microsecond=0) + dt.timedelta(days=1)
    day = services.need_post(site=cast.site_a, post="checkpoint", title="明日值守", people=1,
                             slots=[(start, start + dt.timedelta(hours=10))], by=cast.community_a_worker)
    evening = services.need_post(site=cast.site_a, post="registration", title="明日晚班", people=1,
                                 slots=[(start + dt.timedelta(hours=11), start + dt.timedelta(hours=14))],
                                 by=cast.community_a_worker)
    first = services.signup(slot=day.slots.get(), person=teams.hefang, by=teams.hefang_user)
    second = services.signup(slot=evening.slots.get(), person=teams.people[1], by=teams.audit_coordinator, assign=True)
    waiting = services.signup(slot=day.slots.get(), person=teams.lawyer, by=teams.justice_coordinator, assign=True)
    return start.date(), first, second, waiting


def test_a_civilised_units_coordinator_swaps_and_cancels_their_peoples_shifts(cast, teams, tomorrow, client_for):
    day, first, second, waiting = tomorrow
    coordinator = client_for(teams.audit_coordinator)
    need = coordinator.get(f"/api/volunteer-needs/{first.need_id}").json()  # the sign-up list they read
    assert [(s["confirmed"], s["waiting"]) for s in need["slots"]] == [(1, 1)]

    swapped = _post(coordinator, f"/api/volunteer-assignments/{first.pk}/swap", {"other_id": second.pk})
    assert swapped.status_code == 200, swapped.content
    assert (swapped.json()["first"]["name"], swapped.json()["second"]["name"]) == ("王洪军", "何芳")
    first.refresh_from_db()
    assert first.volunteer == teams.people[1] and first.how == "swapped"

    cancelled = _post(coordinator, f"/api/volunteer-assignments/{first.pk}/cancel")
    assert cancelled.status_code == 200, cancelled.content
    assert cancelled.json()["cancelled"]["state"] == "cancelled"
    assert cancelled.json()["moved_up"]["name"] == "罗平"  # the waiting list moves up, as on the page
    assert AuditEntry.objects.filter(actor=teams.audit_coordinator, object_type="volunteers.assignment").count() >= 2
    # the site's roster is the sites' staff's, not the unit's: 404 as on the page
    assert coordinator.get(f"/api/volunteer-sites/{cast.site_a.pk}/roster?day={day}").status_code == 404
    assert coordinator.get(f"/volunteers/sites/{cast.site_a.pk}/roster/?day={day}").status_code == 404


def test_a_coordinator_may_not_touch_another_units_people(cast, teams, tomorrow, client_for):
    _day, first, second, waiting = tomorrow
    justice = client_for(teams.justice_coordinator)
    # 罗平 is theirs but 何芳 is not: neither the site's coordinators nor managing both, refused as on the page
    assert _post(justice, f"/api/volunteer-assignments/{waiting.pk}/swap", {"other_id": first.pk}).status_code in (
        403, 404)
    assert _post(justice, f"/api/volunteer-assignments/{first.pk}/cancel").status_code in (403, 404)
    first.refresh_from_db()
    assert first.volunteer == teams.hefang and first.state == Assignment.State.CONFIRMED


def test_the_sites_coordinator_reads_and_changes_the_roster(cast, teams, tomorrow, client_for):
    day, first, second, _waiting = tomorrow
    worker = client_for(cast.community_a_worker)
    roster = worker.get(f"/api/volunteer-sites/{cast.site_a.pk}/roster?day={day}")
    assert roster.status_code == 200
    body = roster.json()
    assert body["can_check"] and body["site"] == cast.site_a.name
    assert [(r["name"], r["org"]) for r in body["items"]] == [("何芳", "娄底市审计局"), ("王洪军", "娄底市审计局")]
    assert [r.volunteer.name for r in selectors.roster(cast.site_a, day)] == [r["name"] for r in body["items"]]
    assert _post(worker, f"/api/volunteer-assignments/{first.pk}/swap", {"other_id": second.pk}).status_code == 200
    after = worker.get(f"/api/volunteer-sites/{cast.site_a.pk}/roster?day={day}").json()
    assert [r["name"] for r in after["items"]] == ["王洪军", "何芳"]
    # the page says the same
    page = worker.get(f"/volunteers/sites/{cast.site_a.pk}/roster/?day={day}").content.decode()
    assert page.index("王洪军") < page.index("何芳")


def test_the_area_roster_comes_site_by_site_and_sends_a_crowded_area_to_its_parts(cast, teams, tomorrow, client_for,
                                                                                 monkeypatch):
    day, first, _second, _waiting = tomorrow
    services.check_in(assignment=first, by=teams.hefang_user, at=first.start)
    officer = client_for(cast.street_officer)
    body = officer.get(f"/api/volunteer-areas/{cast.street.code}/roster?day={day}").json()
    assert not body["too_many"] and body["unit"] == cast.street.code
    assert [(r["site"], r["name"], r["progress"]) for r in body["items"]] == [
        (cast.site_a.name, "何芳", "in"), (cast.site_a.name, "王洪军", "not_in")]
    monkeypatch.setattr(selectors, "AREA_ROSTER_LIMIT", 1)
    crowded = officer.get(f"/api/volunteer-areas/{cast.street.code}/roster?day={day}").json()
    assert crowded["too_many"] and crowded["items"] == [] and cast.community_a.code in crowded["children"]


def test_a_need_is_posted_through_the_api_with_its_slots(cast, teams, client_for):
    worker = client_for(cast.community_a_worker)
    slots = [{"start": local(2020, 2, d, 8).isoformat(), "end": local(2020, 2, d, 18).isoformat()} for d in (3, 4)]
    response = _post(worker, f"/api/volunteer-sites/{cast.site_a.pk}/needs",
                     {"post": "checkpoint", "title": "东门值守", "people": 4, "slots": slots})
    assert response.status_code == 201, response.content
    need = Need.objects.get(pk=response.json()["id"])
    assert [s.start for s in need.slots.order_by("start")] == [local(2020, 2, 3, 8), local(2020, 2, 4, 8)]
    assert AuditEntry.objects.filter(actor=cast.community_a_worker, object_type="volunteers.need").exists()
    too_long = _post(worker, f"/api/volunteer-sites/{cast.site_a.pk}/needs", {
        "post": "checkpoint", "title": "通宵", "people": 1,
        "slots": [{"start": local(2020, 2, 5, 8).isoformat(), "end": local(2020, 2, 6, 20).isoformat()}]})
    assert too_long.status_code == 400 and too_long.json()["code"] == "invalid" and "end" in too_long.json()["fields"]


def test_another_communitys_sites_areas_and_shifts_answer_as_missing_ones(cast, teams, tomorrow, client_for):
    _day, first, second, _waiting = tomorrow
    outsider = client_for(cast.community_b_worker)
    pairs = [
        (outsider.get(f"/api/volunteer-sites/{cast.site_a.pk}/roster"),
         outsider.get(f"/api/volunteer-sites/{MISSING}/roster")),
        (outsider.get(f"/api/volunteer-areas/{cast.community_a.code}/roster"),
         outsider.get("/api/volunteer-areas/431302004099/roster")),
        (_post(outsider, f"/api/volunteer-assignments/{first.pk}/cancel"),
         _post(outsider, f"/api/volunteer-assignments/{MISSING}/cancel")),
        (_post(outsider, f"/api/volunteer-assignments/{first.pk}/swap", {"other_id": second.pk}),
         _post(outsider, f"/api/volunteer-assignments/{MISSING}/swap", {"other_id": second.pk})),
        (_post(outsider, f"/api/volunteer-sites/{cast.site_a.pk}/needs", {
            "post": "checkpoint", "title": "越界", "people": 1,
            "slots": [{"start": local(2020, 2, 3, 8).isoformat(), "end": local(2020, 2, 3, 18).isoformat()}]}),
         _post(outsider, f"/api/volunteer-sites/{MISSING}/needs", {
             "post": "checkpoint", "title": "越界", "people": 1,
             "slots": [{"start": local(2020, 2, 3, 8).isoformat(), "end": local(2020, 2, 3, 18).isoformat()}]})),
    ]
    for theirs, missing in pairs:
        assert theirs.status_code == missing.status_code == 404
        assert theirs.json() == missing.json()
    first.refresh_from_db()
    assert first.state == Assignment.State.CONFIRMED and first.volunteer == teams.hefang
    assert not Need.objects.filter(title="越界").exists()


def test_a_volunteer_reads_their_own_shifts_as_on_their_home_page(cast, teams, tomorrow, client_for):
    day, first, _second, _waiting = tomorrow
    phone = client_for(teams.hefang_user)
    mine = phone.get("/api/volunteer-shifts/mine").json()
    assert mine["today"] == [] and [a["id"] for a in mine["upcoming"]] == [first.pk]
    on_the_day = phone.get(f"/api/volunteer-shifts/mine?day={day}").json()
    assert [(a["id"], a["state"]) for a in on_the_day["today"]] == [(first.pk, "confirmed")]
    # somebody else's phone holds nobody's shifts
    assert client_for(teams.audit_coordinator).get(f"/api/volunteer-shifts/mine?day={day}").json()["today"] == []
