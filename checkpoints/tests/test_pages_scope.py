"""The checkpoint pages and API through HTTP: the gate, the live alerts, the recheck, the incident's steps,
and scope — a liaison sees only the enterprise they are stationed at; community B's objects answer 404 to
community A's users."""

import json

import pytest
import time_machine

from checkpoints import services
from checkpoints.models import Alert, Incident, Passage, Reading
from checkpoints.tests.conftest import local


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(local(2020, 2, 21, 16, 0), tick=False) as traveller:
        yield traveller


def test_liaison_sees_only_their_enterprise(gates, client_for):
    client = client_for(gates.liaison)
    page = client.get("/checkpoints/").content.decode()
    assert "涟钢振兴金华" in page and "三元建材厂" not in page and "三元社区东门卡点" not in page
    assert client.get(f"/checkpoints/{gates.gate.pk}/").status_code == 200
    for url in [f"/checkpoints/{gates.other_gate.pk}/", f"/checkpoints/{gates.gate_a.pk}/",
                f"/checkpoints/sites/{gates.other.pk}/", f"/api/checkpoints/{gates.other_gate.pk}/passages"]:
        assert client.get(url).status_code == 404, url
    listed = {c["name"] for c in client.get("/api/checkpoints").json()}
    assert listed == {"厂区大门"}


def test_a_liaison_whose_station_ended_loses_the_enterprise(gates, client_for, cast):
    station = gates.liaison.stations.get()
    services.station_end(station=station, by=cast.street_officer)
    client = client_for(gates.liaison)
    assert client.get(f"/checkpoints/{gates.gate.pk}/").status_code == 404
    assert client.get("/checkpoints/").status_code == 403


def test_community_b_objects_answer_404_to_community_a(gates, client_for, cast):
    reading = services.passage_record(checkpoint=gates.gate_b, direction="in", visitor={"name": "月塘访客"},
                                      temperature="39.0", by=cast.community_b_worker)
    alert = reading.alert
    client = client_for(cast.community_a_worker)
    for url in [f"/checkpoints/{gates.gate_b.pk}/", f"/checkpoints/{gates.gate_b.pk}/log/",
                f"/checkpoints/alerts/{alert.pk}/", f"/checkpoints/sites/{cast.site_b.pk}/",
                f"/api/checkpoint-alerts/{alert.pk}", f"/checkpoints/alerts/live/?checkpoint={gates.gate_b.pk}"]:
        assert client.get(url).status_code == 404, url
    assert client.post(f"/checkpoints/{gates.gate_b.pk}/pass/", {"code": "X", "direction": "in"}).status_code == 404
    assert "月塘访客" not in client.get("/checkpoints/alerts/live/").content.decode()
    assert "月塘访客" in client_for(cast.community_b_worker).get("/checkpoints/alerts/live/").content.decode()


def test_the_gate_registers_a_scan_with_enter_and_answers_htmx(gates, client_for):
    client = client_for(gates.liaison)
    page = client.get(f"/checkpoints/{gates.gate.pk}/").content.decode()
    assert 'id="gate-form"' in page and "autofocus" in page
    response = client.post(f"/checkpoints/{gates.gate.pk}/pass/", {"direction": "in", "code": " lg0102 ",
                                                                    "temperature": "36.4"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and "李志强" in body and "36.4" in body and 'hx-swap-oob="true"' in body
    passage = Passage.objects.get()
    assert passage.person.name == "李志强" and str(passage.reading.temperature) == "36.4"

    unknown = client.post(f"/checkpoints/{gates.gate.pk}/pass/", {"direction": "in", "code": "NOBODY"},
                          HTTP_HX_REQUEST="true").content.decode()
    assert "data-visitor=\"NOBODY\"" in unknown
    refused = client.post(f"/checkpoints/{gates.gate.pk}/pass/", {"direction": "in", "code": "LG0102",
                                                                   "temperature": "45"}, HTTP_HX_REQUEST="true")
    assert "34–43" in refused.content.decode() and Passage.objects.count() == 1


def test_a_visitor_and_a_picked_person_without_htmx(gates, client_for):
    client = client_for(gates.liaison)
    response = client.post(f"/checkpoints/{gates.gate.pk}/pass/", {
        "form": "visitor", "direction": "in", "name": "送货司机 张师傅", "phone": "13812345678", "reason": "送货",
        "temperature": "36.6"})
    assert response.status_code == 302 and Passage.objects.get().visitor_name == "送货司机 张师傅"
    search = client.get(f"/checkpoints/{gates.gate.pk}/people/", {"q": "颜"}).content.decode()
    assert f'data-pick="{gates.yan.pk}"' in search
    client.post(f"/checkpoints/{gates.gate.pk}/pass/", {"direction": "out", "person": gates.yan.pk})
    assert Passage.objects.filter(person=gates.yan, direction="out", method="pick").exists()
    log = client.get(f"/checkpoints/{gates.gate.pk}/log/", {"day": "2020-02-21"}).content.decode()
    assert "送货司机 张师傅" in log and "138****5678" in log and "13812345678" not in log


def test_a_fever_at_the_gate_shows_in_the_live_alerts_of_the_duty_officers(gates, client_for, cast):
    client = client_for(gates.liaison)
    client.post(f"/checkpoints/{gates.gate.pk}/pass/", {"direction": "in", "code": "LG0101", "temperature": "39.5"})
    alert = Alert.objects.get()
    live = client_for(cast.street_officer).get("/checkpoints/alerts/live/").content.decode()
    assert "颜某" in live and "39.5" in live and 'data-due="' in live
    assert "颜某" not in client_for(cast.community_b_worker).get("/checkpoints/alerts/live/").content.decode()
    api = client_for(cast.community_a_worker).get("/api/checkpoint-alerts").json()
    assert api[0]["id"] == alert.pk and api[0]["seconds_to_recheck"] == 600


def test_recheck_and_steps_through_the_pages(gates, client_for, _clock):
    client = client_for(gates.liaison)
    client.post(f"/checkpoints/{gates.gate.pk}/pass/", {"direction": "in", "code": "LG0101", "temperature": "39.5"})
    alert = Alert.objects.get()
    page = client.get(f"/checkpoints/alerts/{alert.pk}/").content.decode()
    assert "countdown" in page
    early = client.post(f"/checkpoints/alerts/{alert.pk}/recheck/", {"temperature": "39.5"}, follow=True)
    assert "16:10" in early.content.decode()
    _clock.move_to(local(2020, 2, 21, 16, 10))
    response = client.post(f"/checkpoints/alerts/{alert.pk}/recheck/", {"temperature": "39.5"})
    incident = Incident.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/checkpoints/incidents/{incident.pk}/"
    client.post(f"/checkpoints/incidents/{incident.pk}/steps/", {"kind": "team_suspended", "team": gates.team.pk})
    answers = {f"answer_{k}": "no" for k in ("hospital", "case_contact", "fever_contact", "travel")}
    client.post(f"/checkpoints/incidents/{incident.pk}/steps/", {"kind": "exposure", **answers,
                                                                 "answer_hospital": "yes", "detail_hospital": "看望母亲"})
    page = client.get(f"/checkpoints/incidents/{incident.pk}/").content.decode()
    assert "看望母亲" in page and "晚班一组" in page
    team_page = client.get(f"/checkpoints/teams/{gates.team.pk}/").content.decode()
    assert team_page.count('class="suspended"') == 8

    api = client.post(f"/api/checkpoint-incidents/{incident.pk}/steps", content_type="application/json",
                      data=json.dumps({"kind": "outcome", "data": {"result": "negative", "tests": ["ct", "nat"]}}))
    assert api.status_code == 201 and api.json()["state"] == "closed"
    assert [s["kind"] for s in api.json()["timeline"]][-2:] == ["team_released", "closed"]


def test_the_gate_page_is_a_few_queries_whatever_the_day_holds(gates, client_for, django_assert_max_num_queries):
    client = client_for(gates.liaison)
    for i in range(30):
        services.passage_record(checkpoint=gates.gate, direction="in" if i % 2 else "out", code=f"LG01{i % 8:02d}",
                                temperature="36.5", by=gates.liaison)
    assert Reading.objects.count() == 30
    with django_assert_max_num_queries(15):
        assert client.get(f"/checkpoints/{gates.gate.pk}/").status_code == 200


@pytest.mark.parametrize("who", ["grid_a_worker", "community_a_worker", "command_a"])
def test_every_checkpoint_url_with_an_id_hides_community_b(cast, client_for, who):
    """The checkpoints' share of accounts/tests/test_scope_enumerated.py, runnable on its own."""
    from accounts.tests.test_scope_enumerated import _fill, _parametrised_urls
    from checkpoints.tests.scope import API_BODIES, objects_of_b

    objects = objects_of_b(cast)
    routes = [(r, n) for r, n in _parametrised_urls() if n.startswith("checkpoints:") or n in objects]
    assert {n for _r, n in routes} == set(objects)
    client = client_for(getattr(cast, who))
    for route, name in routes:
        url = _fill(route, objects[name])
        get = client.get(url)
        if name.startswith("api:"):
            post = client.post(url, data=json.dumps(API_BODIES.get(name, {})), content_type="application/json")
        else:
            post = client.post(url, {"name": "越界", "code": "YT0001", "direction": "in", "temperature": "36.5",
                                     "kind": "separated", "reason": "越界", "doc_number": "431302198808080011",
                                     "username": "yt_liaison", "threshold": "37.0", "recheck_minutes": 5})
        statuses = {get.status_code, post.status_code}
        assert statuses <= {404, 405}, f"{who} {name} {url}: GET {get.status_code}, POST {post.status_code}"
        assert 404 in statuses, f"{who} {name} {url}: never answered 404"
    b = client_for(cast.community_b_worker)
    for name in ["checkpoints:gate", "checkpoints:team", "checkpoints:incident", "api:checkpoint_alert_get"]:
        route = next(r for r, n in _parametrised_urls() if n == name)
        assert b.get(_fill(route, objects[name])).status_code == 200, name
