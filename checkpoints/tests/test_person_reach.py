"""A person named at a gate — by id, badge or document number — is looked up through the scope of whoever names
them: a device, its site's roster and the people under its site's unit; a user, the site's roster and their
line-list scope. Anyone else is answered exactly as someone who does not exist (DESIGN.md invariant 8)."""

import json
import re

import pytest
import time_machine

from checkpoints import services
from checkpoints.models import Alert, Incident, Passage, Reading
from checkpoints.tests.conftest import local
from persons.models import Person
from persons.tests.conftest import resident_id

NOW = local(2020, 2, 21, 16, 30)
NOBODY = 987654321


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def outsider(cast):
    """A resident of 月塘社区 (community B), on no roster of community A."""
    return Person.objects.create(name="月塘居民甲", doc_number=resident_id(seq=901), grid=cast.grid_b,
                                 unit_path=cast.grid_b.path)


def item(event, temperature="36.5", **who):
    return {"device_id": "GATE-01", "event_id": str(event), "time": "2020-02-21T16:00:00+08:00",
            "temperature": temperature, **who}


def batch(client, items, **headers):
    response = client.post("/api/checkpoint-readings", data=json.dumps(items), content_type="application/json",
                           **headers)
    assert response.status_code == 200, response.content
    return response.json()


def _same(answer: dict) -> dict:
    return {k: v for k, v in answer.items() if k not in ("index", "event_id")}


def test_a_device_naming_a_person_of_another_community_is_answered_as_for_nobody(gates, client, outsider):
    data = batch(client, [item(1, "39.6", person_id=outsider.pk), item(2, "39.6", person_id=NOBODY)],
                 HTTP_AUTHORIZATION=f"Bearer {gates.key}")
    outside, unknown = data["items"]
    assert outside["code"] == "unknown_person"
    assert _same(outside) == _same(unknown | {"reason": unknown["reason"].replace(str(NOBODY), str(outsider.pk))})
    assert not Reading.objects.exists() and not Alert.objects.exists()


def test_a_device_naming_an_outsiders_document_stores_only_the_number_it_sent(gates, client, client_for, outsider,
                                                                              cast):
    data = batch(client, [item(1, "39.6", doc_number=outsider.doc_number)], HTTP_AUTHORIZATION=f"Bearer {gates.key}")
    assert data["items"][0]["status"] == "accepted"
    reading = Reading.objects.get()
    assert reading.person_id is None and reading.subject == outsider.doc_number
    alert = Alert.objects.get()
    assert alert.person_id is None and outsider.name not in alert.who
    # The recheck still a fever opens the emergency plan against nobody registered, not the outsider.
    alert.recheck_due_at = alert.raised_at
    alert.save(update_fields=["recheck_due_at"])
    services.alert_recheck(alert=alert, temperature="39.5", by=gates.liaison)
    assert Incident.objects.get().person_id is None
    live = client_for(cast.community_a_worker).get("/api/checkpoint-alerts")
    assert live.status_code == 200 and outsider.name not in live.content.decode()


def test_a_device_names_its_roster_and_the_people_under_its_sites_unit(gates, client, cast):
    neighbour = Person.objects.create(name="三元居民乙", doc_number=resident_id(seq=902), grid=cast.grid_a,
                                      unit_path=cast.grid_a.path)
    data = batch(client, [item(1, person_id=gates.yan.pk), item(2, person_id=neighbour.pk),
                          item(3, doc_number=neighbour.doc_number)], HTTP_AUTHORIZATION=f"Bearer {gates.key}")
    assert [i["status"] for i in data["items"]] == ["accepted"] * 3
    assert sorted(Reading.objects.values_list("person_id", flat=True)) == sorted([gates.yan.pk, neighbour.pk,
                                                                                  neighbour.pk])


def test_a_users_batch_names_only_people_in_their_scope(gates, client_for, cast, outsider):
    data = batch(client_for(cast.community_a_worker), [item(1, person_id=outsider.pk), item(2, person_id=NOBODY),
                                                       item(3, person_id=gates.yan.pk)])
    assert [i.get("code") for i in data["items"]] == ["unknown_person", "unknown_person", None]
    # The street officer's line list holds both communities.
    data = batch(client_for(cast.street_officer), [item(4, person_id=outsider.pk)])
    assert data["items"][0]["status"] == "accepted"


def test_the_gates_code_lookup_treats_an_outsiders_document_as_unregistered(gates, client_for, cast, outsider):
    client = client_for(cast.community_a_worker)

    def scan(code):
        return client.post(f"/api/checkpoints/{gates.gate_a.pk}/passages",
                           data={"direction": "in", "code": code}, content_type="application/json")

    outside, unknown = scan(outsider.doc_number), scan("431302199001010000")
    assert outside.status_code == unknown.status_code == 404
    assert outside.json() == json.loads(unknown.content.decode().replace("431302199001010000", outsider.doc_number))
    assert outsider.name not in outside.content.decode()
    # The visitor form with that number registers a visitor, linked to nobody.
    answer = client.post(f"/api/checkpoints/{gates.gate_a.pk}/passages", content_type="application/json", data={
        "direction": "in", "temperature": "36.5", "visitor": {"name": "访客", "doc_number": outsider.doc_number}}).json()
    assert answer["person_id"] is None and answer["name"] == "访客"
    assert Passage.objects.get().person_id is None
    # The gate page's scan says the same.
    page = client.post(f"/checkpoints/{gates.gate_a.pk}/pass/", {"direction": "in", "code": outsider.doc_number},
                       follow=True).content.decode()
    assert outsider.name not in page


def test_a_reading_by_hand_for_an_outsiders_id_is_not_found_as_for_nobody(gates, client_for, cast, outsider):
    client = client_for(cast.community_a_worker)

    def take(person_id):
        return client.post(f"/api/checkpoints/{gates.gate_a.pk}/readings", content_type="application/json",
                           data={"temperature": "36.6", "person_id": person_id})

    outside, unknown = take(outsider.pk), take(NOBODY)
    assert (outside.status_code, outside.json()) == (unknown.status_code, unknown.json()) == (
        404, {"code": "not_found", "message": unknown.json()["message"], "fields": {}})
    with pytest.raises(Exception) as exc:
        services.reading_record(checkpoint=gates.gate_a, temperature="36.6", person=outsider,
                                by=cast.community_a_worker)
    assert getattr(exc.value, "code", None) == "not_found"


def _messages(response) -> str:
    return re.search(r'<ul class="messages">(.*?)</ul>', response.content.decode(), re.S).group(1)


def test_the_roster_and_stations_name_no_one_outside_scope(gates, client_for, cast, outsider):
    """The team-roster add by document number and the stationing of a liaison by user name answer for someone
    outside scope exactly as for nobody."""
    client = client_for(cast.community_a_worker)

    def add(number):
        return _messages(client.post(f"/checkpoints/teams/{gates.team.pk}/members/",
                                     {"name": "张三", "doc_number": number, "badge": ""}, follow=True))

    outside, unknown = add(outsider.doc_number), add("431302199001010000")
    assert outside == unknown.replace("431302199001010000", outsider.doc_number)
    assert outsider.name not in outside and not gates.team.members.filter(person=outsider).exists()

    officer = client_for(cast.street_officer)

    def station(username):
        return _messages(officer.post(f"/checkpoints/sites/{gates.enterprise.pk}/stations/", {"username": username},
                                      follow=True))

    not_liaison, nobody = station(cast.community_b_worker.username), station("no_such_account")
    assert not_liaison == nobody.replace("no_such_account", cast.community_b_worker.username)
    assert cast.community_b_worker.full_name not in not_liaison


def test_a_worker_registered_in_another_community_joins_the_roster_by_name_and_document(gates, client_for, cast,
                                                                                      outsider):
    """Enterprises employ people from anywhere: the name and number of the worker's ID card together find them,
    and the roster names them without giving their id to the enterprise."""
    client = client_for(cast.community_a_worker)
    page = client.post(f"/checkpoints/teams/{gates.team.pk}/members/",
                       {"name": f" {outsider.name} ", "doc_number": outsider.doc_number, "badge": "LG0999"},
                       follow=True).content.decode()
    member = gates.team.members.get(person=outsider)
    assert member.badge == "LG0999" and outsider.name in page
    assert f"/persons/{outsider.pk}/" not in page
