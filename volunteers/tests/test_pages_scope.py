"""Who sees what: a unit's coordinator manages only its own people, a community sees who is on duty at its
sites, the civilisation office sees its whole city; out-of-scope objects answer 404."""

import json

from volunteers import services
from volunteers.tests.conftest import local


def test_a_coordinator_cannot_see_another_units_people(teams, client_for):
    justice = client_for(teams.justice_coordinator)
    assert justice.get(f"/volunteers/people/{teams.hefang.pk}/").status_code == 404
    assert justice.get(f"/volunteers/units/{teams.audit.pk}/").status_code == 404
    assert justice.post(f"/volunteers/units/{teams.audit.pk}/people/", {"name": "越界"}).status_code == 404
    assert justice.get(f"/volunteers/people/{teams.lawyer.pk}/").status_code == 200
    tally = justice.get("/volunteers/tally/").content.decode()
    assert "娄底市司法局" in tally and "娄底市审计局" not in tally
    # nor sign them up
    response = justice.post(f"/api/volunteer-slots/{teams.slot.pk}/signups",
                            data=json.dumps({"volunteer_id": teams.hefang.pk}), content_type="application/json")
    assert response.status_code == 404


def test_a_coordinator_adds_people_to_their_own_unit(teams, client_for):
    response = client_for(teams.audit_coordinator).post(f"/volunteers/units/{teams.audit.pk}/people/",
                                                        {"name": "聂子远", "kind": "retiree", "party_member": "on"})
    assert response.status_code == 302 and teams.audit.people.filter(name="聂子远", kind="retiree").exists()


def test_the_community_sees_who_is_on_duty_at_its_sites(cast, teams, client_for):
    services.signup(slot=teams.slot, person=teams.hefang, by=teams.hefang_user)
    page = client_for(cast.community_a_worker).get(f"/volunteers/sites/{cast.site_a.pk}/roster/?day=2020-02-01")
    assert page.status_code == 200 and "何芳" in page.content.decode() and "娄底市审计局" in page.content.decode()
    assert client_for(cast.community_b_worker).get(
        f"/volunteers/sites/{cast.site_a.pk}/roster/?day=2020-02-01").status_code == 404
    assert client_for(cast.community_b_worker).get(f"/volunteers/needs/{teams.duty.pk}/").status_code == 404
    # the community sees the duty, not the unit's people records
    assert client_for(cast.community_a_worker).get(f"/volunteers/people/{teams.hefang.pk}/").status_code == 404


def test_only_the_sites_coordinators_or_the_volunteer_check_in(cast, teams, client_for):
    a = services.signup(slot=teams.slot, person=teams.people[1], by=teams.audit_coordinator, assign=True)
    assert client_for(cast.community_b_worker).post(f"/volunteers/assignments/{a.pk}/check-in/").status_code == 404
    assert client_for(teams.hefang_user).post(f"/volunteers/assignments/{a.pk}/check-in/").status_code == 404


def test_the_office_sees_its_whole_city(cast, teams, client_for):
    office = client_for(teams.office)
    tally = office.get("/volunteers/tally/").content.decode()
    assert "娄底市审计局" in tally and "娄底市司法局" in tally
    assert office.get(f"/volunteers/people/{teams.lawyer.pk}/").status_code == 200
    assert office.post(f"/volunteers/units/{teams.audit.pk}/coordinators/", {"username": "hefang"}).status_code == 302
    assert teams.audit.coordinators.filter(username="hefang").exists()
    # a street officer posts needs at the street's sites; another street's officer cannot
    assert client_for(cast.street_officer).get(f"/volunteers/sites/{cast.site_a.pk}/needs/new/").status_code == 200
    assert client_for(cast.other_street_officer).get(
        f"/volunteers/sites/{cast.site_a.pk}/needs/new/").status_code == 404


def test_a_need_is_posted_with_daily_slots(cast, teams, client_for):
    response = client_for(cast.community_a_worker).post(f"/volunteers/sites/{cast.site_a.pk}/needs/new/", {
        "post": "checkpoint", "title": "东门值守", "people": 4, "start": "2020-02-03T08:00", "end": "2020-02-03T18:00",
        "days": 3})
    assert response.status_code == 302
    from volunteers.models import Need

    need = Need.objects.get(title="东门值守")
    assert [s.start for s in need.slots.all()] == [local(2020, 2, d, 8) for d in (3, 4, 5)]
    assert client_for(teams.audit_coordinator).get(f"/volunteers/needs/{need.pk}/").status_code == 200


def test_the_site_coordinator_swaps_two_people_on_the_roster(cast, teams, client_for):
    evening = services.need_post(site=cast.site_a, post="registration", title="晚班登记", people=1,
                                 slots=[(local(2020, 2, 1, 19), local(2020, 2, 1, 22))], by=cast.community_a_worker)
    day = services.signup(slot=teams.slot, person=teams.hefang, by=teams.hefang_user)
    night = services.signup(slot=evening.slots.get(), person=teams.lawyer, by=teams.justice_coordinator, assign=True)
    # neither unit's coordinator manages both people
    assert client_for(teams.audit_coordinator).post(f"/volunteers/assignments/{day.pk}/swap/",
                                                    {"other": night.pk}).status_code in (403, 404)
    worker = client_for(cast.community_a_worker)
    roster = worker.get(f"/volunteers/sites/{cast.site_a.pk}/roster/?day=2020-02-01").content.decode()
    assert f'action="/volunteers/assignments/{day.pk}/swap/"' in roster
    assert worker.post(f"/volunteers/assignments/{day.pk}/swap/", {"other": night.pk}).status_code == 302
    day.refresh_from_db()
    assert day.volunteer == teams.lawyer and day.how == "swapped"
