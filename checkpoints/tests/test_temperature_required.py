"""A gate whose rule requires a temperature lets nobody through unmeasured: a passage without one is refused with a
Chinese message in the service, on the gate page and through the API (by default every entry needs one; a site's
rule may ask it of exits too, or not at all); a thermometer of the gate that read the person just before counts."""

import pytest
import time_machine
from django.utils import translation

from checkpoints import services
from checkpoints.models import FeverRule, Passage, Reading
from checkpoints.tests.conftest import local
from core.errors import DomainError

REFUSED = "未填体温：本卡点规定进入必须测温"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(local(2020, 2, 21, 16, 0), tick=False) as traveller:
        yield traveller


def test_an_entry_without_a_temperature_is_refused_in_chinese(gates):
    with translation.override("zh-hans"), pytest.raises(DomainError) as refused:
        services.passage_record(checkpoint=gates.gate, direction="in", code="LG0100", by=gates.liaison)
    assert refused.value.code == "temperature_required" and REFUSED in str(refused.value.message)
    assert not Passage.objects.exists()
    passed = services.passage_record(checkpoint=gates.gate, direction="in", code="LG0100", temperature="36.5",
                                     by=gates.liaison)
    assert passed.passage.reading.temperature == passed.reading.temperature


def test_the_gate_page_refuses_the_empty_temperature_box_and_says_why(gates, client_for):
    client = client_for(gates.liaison)
    answer = client.post(f"/checkpoints/{gates.gate.pk}/pass/", {"direction": "in", "code": "LG0100",
                                                                  "temperature": ""}, HTTP_HX_REQUEST="true",
                         HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert REFUSED in answer and "✓" not in answer and "temperature" not in answer.split("result error")[1][:300]
    visitor = client.post(f"/checkpoints/{gates.gate.pk}/pass/", {"form": "visitor", "direction": "in", "name": "周敏",
                                                                   "temperature": ""}, HTTP_HX_REQUEST="true",
                          HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert REFUSED in visitor and "✓ 周敏" not in visitor
    assert not Passage.objects.exists()


def test_the_api_refuses_an_entry_without_a_temperature(gates, client_for):
    answer = client_for(gates.liaison).post(f"/api/checkpoints/{gates.gate.pk}/passages",
                                            {"direction": "in", "visitor": {"name": "周敏"}},
                                            content_type="application/json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert answer.status_code == 400 and answer.json()["code"] == "temperature_required"
    assert REFUSED in answer.json()["message"]


def test_exits_pass_unmeasured_unless_the_sites_rule_asks_for_every_passage(gates, cast):
    assert services.passage_record(checkpoint=gates.gate, direction="out", code="LG0100", by=gates.liaison).passage
    rule = services.fever_rule_set(site=gates.enterprise, threshold="37.3", recheck_minutes=10,
                                   temperature_required=FeverRule.Required.ALWAYS, by=cast.street_officer)
    assert rule.temperature_required == "always"
    with pytest.raises(DomainError) as refused:
        services.passage_record(checkpoint=gates.gate, direction="out", code="LG0100", by=gates.liaison)
    assert refused.value.code == "temperature_required"
    services.fever_rule_set(site=gates.enterprise, threshold="37.3", recheck_minutes=10,
                            temperature_required=FeverRule.Required.NEVER, by=cast.street_officer)
    assert services.passage_record(checkpoint=gates.gate, direction="in", code="LG0100", by=gates.liaison).passage
    # Other sites keep the default rule: every entry.
    with pytest.raises(DomainError):
        services.passage_record(checkpoint=gates.gate_a, direction="in", visitor={"name": "周敏"},
                                by=cast.community_a_worker)


def test_a_rule_changed_without_saying_keeps_its_requirement(gates, cast):
    services.fever_rule_set(site=gates.enterprise, threshold="37.3", recheck_minutes=10,
                            temperature_required=FeverRule.Required.NEVER, by=cast.street_officer)
    rule = services.fever_rule_set(site=gates.enterprise, threshold="37.5", recheck_minutes=10, by=cast.street_officer)
    assert rule.temperature_required == "never"
    with pytest.raises(DomainError) as wrong:
        services.fever_rule_set(site=gates.enterprise, threshold="37.5", recheck_minutes=10,
                                temperature_required="sometimes", by=cast.street_officer)
    assert "temperature_required" in wrong.value.fields


def test_the_site_page_sets_the_requirement(gates, cast, client_for):
    client = client_for(cast.street_officer)
    client.post(f"/checkpoints/sites/{gates.enterprise.pk}/rule/", {"threshold": "37.3", "recheck_minutes": "10",
                                                                    "temperature_required": "always"})
    assert FeverRule.objects.get(site=gates.enterprise).temperature_required == "always"
    page = client.get(f"/checkpoints/sites/{gates.enterprise.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "须测体温：每次进出" in page


def test_temperature_only_needs_a_temperature(gates):
    with pytest.raises(DomainError) as refused:
        services.passage_record(checkpoint=gates.gate, direction="check", code="LG0100", by=gates.liaison)
    assert refused.value.code == "temperature_required" and not Reading.objects.exists()


def test_the_gates_thermometer_reading_just_before_counts(gates, clock):
    member = gates.members[0]
    items = [{"device_id": "GATE-01", "event_id": "e1", "person_id": member.person.pk,
              "temperature": 36.6, "time": local(2020, 2, 21, 15, 55).isoformat()}]
    assert services.readings_ingest(items=items, device=gates.device, by=None).accepted == 1
    result = services.passage_record(checkpoint=gates.gate, direction="in", code=member.badge, by=gates.liaison)
    assert result.passage.reading.event_id == "e1" and str(result.reading.temperature) == "36.6"
    # Used once: the next entry needs its own temperature, and so does a reading older than ten minutes.
    with pytest.raises(DomainError):
        services.passage_record(checkpoint=gates.gate, direction="in", code=member.badge, by=gates.liaison)
    clock.move_to(local(2020, 2, 21, 16, 20))
    items[0].update(event_id="e2", time=local(2020, 2, 21, 16, 5).isoformat())
    services.readings_ingest(items=items, device=gates.device, by=None)
    with pytest.raises(DomainError):
        services.passage_record(checkpoint=gates.gate, direction="in", code=member.badge, by=gates.liaison)
