"""What the duty page and a gate's log list, through the API: the sites in scope with their gates, the emergency
plans in progress, the alerts raised on a day, the temperatures read at a gate; people as the reader may see them,
another community's unit answered 404 as on the page."""

import pytest
import time_machine

from checkpoints import services
from checkpoints.tests.conftest import local


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(local(2020, 2, 21, 16, 0), tick=False) as traveller:
        yield traveller


@pytest.fixture
def fever(gates):
    """颜某 read at 39.0 °C at the enterprise's gate, still at 39.0 on the recheck: an emergency plan in progress."""
    alert = services.passage_record(checkpoint=gates.gate, direction="in", code="LG0101", temperature="39.0",
                                    by=gates.liaison).alert
    alert.recheck_due_at = alert.raised_at
    alert.save(update_fields=["recheck_due_at"])
    return services.alert_recheck(alert=alert, temperature="39.0", by=gates.liaison)


def test_the_sites_and_plans_in_progress_list_as_on_the_duty_page(gates, fever, cast, client_for):
    liaison = client_for(gates.liaison)
    sites = liaison.get("/api/checkpoint-sites").json()
    assert [(s["name"], [c["name"] for c in s["checkpoints"]]) for s in sites] == [("涟钢振兴金华", ["厂区大门"])]
    incidents = liaison.get("/api/checkpoint-incidents").json()
    assert [(i["id"], i["who"], i["checkpoint_id"]) for i in incidents] == [(fever.incident.pk, "颜某", gates.gate.pk)]
    officer = client_for(cast.street_officer)
    assert [i["id"] for i in officer.get(f"/api/checkpoint-incidents?unit={cast.community_a.code}").json()] == [
        fever.incident.pk]
    assert officer.get(f"/api/checkpoint-incidents?unit={cast.community_b.code}").json() == []
    outsider = client_for(cast.community_b_worker)
    assert outsider.get("/api/checkpoint-incidents").json() == []
    assert "涟钢振兴金华" not in str(outsider.get("/api/checkpoint-sites").json())
    assert outsider.get(f"/api/checkpoint-incidents?unit={cast.community_a.code}").status_code == 404


def test_the_alerts_of_a_day_list_by_state_as_on_the_duty_page(gates, fever, cast, client_for):
    officer = client_for(cast.street_officer)
    day = officer.get("/api/checkpoint-alerts?day=2020-02-21").json()
    assert [(a["id"], a["state"], a["incident_id"]) for a in day] == [(fever.pk, "escalated", fever.incident.pk)]
    assert officer.get("/api/checkpoint-alerts?day=2020-02-21&state=cleared").json() == []
    assert officer.get("/api/checkpoint-alerts?day=2020-02-20").json() == []
    assert officer.get(f"/api/checkpoint-alerts?day=2020-02-21&unit={cast.community_b.code}").json() == []
    assert client_for(cast.community_b_worker).get(
        f"/api/checkpoint-alerts?day=2020-02-21&unit={cast.community_a.code}").status_code == 404


def test_a_gates_readings_list_as_on_its_log(gates, fever, cast, client_for):
    readings = client_for(gates.liaison).get(f"/api/checkpoints/{gates.gate.pk}/readings?day=2020-02-21").json()
    assert [(r["subject"], r["temperature"], r["fever"]) for r in readings] == [("颜某", "39.0", True),
                                                                               ("颜某", "39.0", True)]
    assert readings[1]["alert_id"] == fever.pk and readings[0]["alert_id"] is None  # the recheck raises none
    assert client_for(gates.liaison).get(f"/api/checkpoints/{gates.gate.pk}/readings?day=2020-02-20").json() == []
    assert client_for(cast.community_b_worker).get(f"/api/checkpoints/{gates.gate.pk}/readings").status_code == 404


def test_people_are_picked_at_a_gate_as_on_its_page_with_their_document_masked(gates, cast, client_for):
    found = client_for(gates.liaison).get(f"/api/checkpoints/{gates.gate.pk}/people?q=颜").json()
    assert [(p["id"], p["name"]) for p in found] == [(gates.yan.pk, "颜某")]
    assert found[0]["doc_masked"] != gates.yan.doc_number and found[0]["doc_masked"][-4:] == gates.yan.doc_number[-4:]
    page = client_for(gates.liaison).get(f"/checkpoints/{gates.gate.pk}/people/?q=颜").content.decode()
    assert found[0]["doc_masked"] in page and f'data-pick="{gates.yan.pk}"' in page
    assert client_for(cast.community_b_worker).get(f"/api/checkpoints/{gates.gate.pk}/people?q=颜").status_code == 404
