"""Civilised units through the API: the office registers a unit, appoints its coordinator, commends and links its
donors; the coordinator reads the unit and adds its people; a person's record reads as on their page. Another
unit's people and another community's donors answer exactly as ones that do not exist."""

import json

from core.models import AuditEntry
from supplies import services as supplies
from supplies.models import Donor
from volunteers.models import CivilisedUnit, Commendation, UnitDonor

MISSING = 987654321


def _post(client, path: str, body: dict):
    return client.post(path, data=json.dumps(body), content_type="application/json")


def test_the_office_registers_a_unit_and_appoints_its_coordinator(cast, teams, client_for):
    office = client_for(teams.office)
    created = _post(office, "/api/volunteer-units", {"code": "finance", "name": "娄底市财政局", "level": "city"})
    assert created.status_code == 201, created.content
    org = CivilisedUnit.objects.get(code="finance")
    assert created.json()["unit"] == cast.city.code and org.unit == cast.city  # the top of the office's scope
    appointed = _post(office, f"/api/volunteer-units/{org.pk}/coordinators", {"username": "hefang"})
    assert appointed.status_code == 201 and appointed.json()["coordinators"] == ["hefang"]
    again = _post(office, "/api/volunteer-units", {"code": "finance", "name": "重复", "level": "city"})
    assert again.status_code == 400 and again.json()["code"] == "duplicate" and "code" in again.json()["fields"]
    # a community worker is no civilisation office
    assert _post(client_for(cast.community_a_worker), "/api/volunteer-units",
                 {"code": "x", "name": "x", "level": "city"}).status_code == 403


def test_a_coordinator_reads_their_unit_and_adds_people(cast, teams, client_for):
    coordinator = client_for(teams.audit_coordinator)
    unit = coordinator.get(f"/api/volunteer-units/{teams.audit.pk}")
    assert unit.status_code == 200 and unit.json()["people"][0]["name"] in {p.name for p in teams.people}
    assert unit.json()["coordinators"] == ["shenjiju"]
    added = _post(coordinator, f"/api/volunteer-units/{teams.audit.pk}/people",
                  {"name": "聂子远", "kind": "retiree", "party_member": True})
    assert added.status_code == 201 and added.json()["kind"] == "retiree"
    assert teams.audit.people.filter(name="聂子远", party_member=True).exists()
    assert AuditEntry.objects.filter(actor=teams.audit_coordinator, object_type="volunteers.volunteer").exists()
    unknown = _post(coordinator, f"/api/volunteer-units/{teams.audit.pk}/people", {"name": "某人", "username": "nobody"})
    assert unknown.status_code == 400 and unknown.json()["code"] == "unknown_user"
    # only the office appoints and commends
    assert _post(coordinator, f"/api/volunteer-units/{teams.audit.pk}/coordinators",
                 {"username": "hefang"}).status_code == 403


def test_another_units_objects_answer_as_missing_ones(cast, teams, client_for):
    justice = client_for(teams.justice_coordinator)
    for theirs, missing in (
            (justice.get(f"/api/volunteer-units/{teams.audit.pk}"), justice.get(f"/api/volunteer-units/{MISSING}")),
            (_post(justice, f"/api/volunteer-units/{teams.audit.pk}/people", {"name": "越界"}),
             _post(justice, f"/api/volunteer-units/{MISSING}/people", {"name": "越界"})),
            (justice.get(f"/api/volunteer-people/{teams.hefang.pk}"), justice.get(f"/api/volunteer-people/{MISSING}"))):
        assert theirs.status_code == missing.status_code == 404 and theirs.json() == missing.json()
    assert not teams.audit.people.filter(name="越界").exists()
    record = justice.get(f"/api/volunteer-people/{teams.lawyer.pk}")
    assert record.status_code == 200 and record.json()["person"]["name"] == "罗平" and record.json()["hours"] == 0


def test_the_office_commends_and_links_donors_within_its_scope(cast, teams, client_for):
    office = client_for(teams.office)
    commended = _post(office, f"/api/volunteer-units/{teams.audit.pk}/commendations",
                      {"title": "抗疫先锋", "given_on": "2020-02-20", "volunteer_id": teams.hefang.pk})
    assert commended.status_code == 201 and Commendation.objects.get().volunteer == teams.hefang
    # a person of another unit is not found among this unit's people
    other = _post(office, f"/api/volunteer-units/{teams.audit.pk}/commendations",
                  {"title": "越界", "given_on": "2020-02-20", "volunteer_id": teams.lawyer.pk})
    missing = _post(office, f"/api/volunteer-units/{teams.audit.pk}/commendations",
                    {"title": "越界", "given_on": "2020-02-20", "volunteer_id": MISSING})
    assert other.status_code == missing.status_code == 404 and other.json() == missing.json()
    donor = supplies.donor_register(name="审计局职工", kind=Donor.Kind.ORGANISATION, unit=cast.city, by=None)
    linked = _post(office, f"/api/volunteer-units/{teams.audit.pk}/donors", {"donor_id": donor.pk})
    assert linked.status_code == 201 and UnitDonor.objects.filter(org=teams.audit, donor=donor).exists()
    twice = _post(office, f"/api/volunteer-units/{teams.justice.pk}/donors", {"donor_id": donor.pk})
    assert twice.status_code == 400 and twice.json()["code"] == "duplicate"
    unlinked = _post(office, f"/api/volunteer-units/{teams.audit.pk}/donors/unlink", {"donor_id": donor.pk})
    assert unlinked.status_code == 200 and not UnitDonor.objects.exists()
    # the unit is not a community worker's to manage: not found
    assert _post(client_for(cast.community_a_worker), f"/api/volunteer-units/{teams.audit.pk}/donors",
                 {"donor_id": donor.pk}).status_code == 404
