"""Setting checkpoints up through the API as on a site's and a team's pages: the same services (same rows, same
audit entries), the same refusals in the reader's language, and another community's sites, gates, devices,
stations, teams and members answered exactly as ones that do not exist."""

import json

import pytest
import time_machine
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import Membership, User
from accounts.roles import Role
from checkpoints import services
from checkpoints.models import Checkpoint, Device, FeverRule, Station, Suspension, Team, TeamMember
from checkpoints.tests.conftest import local
from core.models import AuditEntry
from persons.models import Person
from persons.tests.conftest import resident_id

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(local(2020, 2, 21, 16, 0), tick=False) as traveller:
        yield traveller


def _send(client, method: str, path: str, body: dict | None = None):
    return client.generic(method, path, data=json.dumps(body or {}), content_type="application/json", **ZH)


def _post(client, path: str, body: dict | None = None):
    return _send(client, "POST", path, body)


def _zh(text: str, **values) -> str:
    with translation.override("zh-hans"):
        return _(text) % values if values else _(text)


def _audited(actor, obj, action: str) -> bool:
    return AuditEntry.objects.filter(actor=actor, object_type=obj._meta.label_lower, object_id=str(obj.pk),
                                     action=action).exists()


def test_a_site_reads_as_on_its_page_and_another_community_gets_404(gates, cast, client_for):
    body = client_for(gates.liaison).get(f"/api/checkpoint-sites/{gates.enterprise.pk}").json()
    assert [(c["name"], [d["code"] for d in c["devices"]]) for c in body["checkpoints"]] == [("厂区大门", ["GATE-01"])]
    assert body["checkpoints"][0]["devices"][0]["key_prefix"] == gates.key[:10]
    assert "key" not in body["checkpoints"][0]["devices"][0]  # the key itself is shown once, at registration
    assert [s["user"] for s in body["stations"]] == ["康双丰"]
    assert [(t["name"], t["members"], t["suspended_since"]) for t in body["teams"]] == [("晚班一组", 8, None)]
    assert body["rule"]["own"] is False and body["rule"]["recheck_minutes"] > 0
    outsider = client_for(cast.community_b_worker)
    assert outsider.get(f"/api/checkpoint-sites/{gates.enterprise.pk}").status_code == 404
    assert outsider.get(f"/api/checkpoint-sites/{gates.enterprise.pk}/rule").status_code == 404
    assert client_for(gates.liaison).get(f"/api/checkpoint-sites/{gates.other.pk}").status_code == 404


def test_a_gate_opened_through_the_api_is_the_pages_checkpoint_and_a_second_of_its_name_is_refused(
        gates, cast, client_for):
    officer = client_for(cast.street_officer)
    opened = _post(officer, f"/api/checkpoint-sites/{gates.other.pk}/checkpoints", {"name": " 北门 "})
    assert opened.status_code == 201, opened.content
    checkpoint = Checkpoint.objects.get(pk=opened.json()["id"])
    assert (checkpoint.site, checkpoint.name, opened.json()["site"]) == (gates.other, "北门", "三元建材厂")
    assert _audited(cast.street_officer, checkpoint, "create")
    again = _post(officer, f"/api/checkpoint-sites/{gates.other.pk}/checkpoints", {"name": "北门"})
    assert again.status_code == 409
    assert again.json()["message"] == _zh("%(site)s already has a checkpoint called %(name)s.", site="三元建材厂",
                                          name="北门")
    assert _post(client_for(cast.community_b_worker), f"/api/checkpoint-sites/{gates.other.pk}/checkpoints",
                 {"name": "南门"}).status_code == 404
    assert Checkpoint.objects.filter(site=gates.other).count() == 2


def test_a_device_key_is_shown_once_at_registration_and_again_only_when_replaced(gates, cast, client_for):
    officer = client_for(cast.street_officer)
    registered = _post(officer, f"/api/checkpoints/{gates.gate.pk}/devices", {"code": "GATE-02", "name": "测温枪"})
    assert registered.status_code == 201, registered.content
    key = registered.json()["key"]
    device = Device.objects.get(code="GATE-02")
    assert services.device_authenticate(key) == device and _audited(cast.street_officer, device, "create")
    listed = officer.get(f"/api/checkpoint-sites/{gates.enterprise.pk}").json()["checkpoints"][0]["devices"]
    assert key not in json.dumps(listed)

    rotated = _post(officer, f"/api/checkpoint-devices/{device.pk}/key")
    assert rotated.status_code == 200, rotated.content
    assert rotated.json()["key"] != key and services.device_authenticate(key) is None
    assert services.device_authenticate(rotated.json()["key"]) == device

    out = _post(officer, f"/api/checkpoint-devices/{device.pk}/deactivate")
    assert (out.json()["active"], out.json()["key_prefix"]) == (False, "")
    assert services.device_authenticate(rotated.json()["key"]) is None
    refused = _post(officer, f"/api/checkpoint-devices/{device.pk}/key")
    assert refused.status_code == 409
    assert refused.json()["message"] == _zh("The device %(code)s is no longer in use.", code="GATE-02")
    duplicate = _post(officer, f"/api/checkpoints/{gates.gate.pk}/devices", {"code": "GATE-01"})
    assert duplicate.status_code == 409
    assert duplicate.json()["message"] == _zh("A device with the id %(code)s is already registered.", code="GATE-01")


def test_another_communitys_devices_answer_404_and_keep_their_keys(gates, cast, client_for):
    outsider = client_for(cast.community_b_worker)
    for path in [f"/api/checkpoint-devices/{gates.device.pk}/key", f"/api/checkpoint-devices/{gates.device.pk}/deactivate",
                 f"/api/checkpoints/{gates.gate.pk}/devices"]:
        assert _post(outsider, path, {"code": "YT-02"}).status_code == 404, path
    assert services.device_authenticate(gates.key) == gates.device


def test_a_liaison_is_stationed_by_user_name_and_their_station_ended(gates, cast, client_for):
    zhou = User.objects.create_user(username="zhouli", password="Test-password-2020", full_name="周里")
    Membership.objects.create(user=zhou, role=Role.LIAISON, unit=cast.street, unit_path=cast.street.path)
    officer = client_for(cast.street_officer)
    stationed = _post(officer, f"/api/checkpoint-sites/{gates.other.pk}/stations", {"username": " zhouli "})
    assert stationed.status_code == 201, stationed.content
    station = Station.objects.get(pk=stationed.json()["id"])
    assert (station.user, station.site, stationed.json()["user"]) == (zhou, gates.other, "周里")
    assert _audited(cast.street_officer, station, "create")
    unknown = _post(officer, f"/api/checkpoint-sites/{gates.other.pk}/stations", {"username": "nobody"})
    assert unknown.status_code == 400
    assert unknown.json()["message"] == _zh("No liaison whose units hold this site has the user name %(u)s.",
                                            u="nobody")
    # a worker who is no liaison is answered as an account that does not exist
    worker = _post(officer, f"/api/checkpoint-sites/{gates.other.pk}/stations", {"username": "community_a"})
    assert worker.json()["message"] == _zh("No liaison whose units hold this site has the user name %(u)s.",
                                           u="community_a")

    assert _post(client_for(cast.community_b_worker), f"/api/checkpoint-stations/{station.pk}/end").status_code == 404
    ended = _post(officer, f"/api/checkpoint-stations/{station.pk}/end")
    assert ended.status_code == 200 and ended.json()["end"] is not None
    station.refresh_from_db()
    assert station.end is not None and _audited(cast.street_officer, station, "update")


def test_a_sites_own_fever_rule_is_set_with_put_and_a_bad_threshold_named_in_chinese(gates, cast, client_for):
    officer = client_for(cast.street_officer)
    path = f"/api/checkpoint-sites/{gates.enterprise.pk}/rule"
    answer = _send(officer, "PUT", path, {"threshold": "37.5", "recheck_minutes": 10,
                                          "temperature_required": "always"})
    assert answer.status_code == 200, answer.content
    assert answer.json()["own"] is True and answer.json()["threshold"] == "37.5"
    rule = FeverRule.objects.get(site=gates.enterprise)
    assert (str(rule.threshold), rule.recheck_minutes, rule.temperature_required) == ("37.5", 10, "always")
    assert officer.get(path).json() == answer.json()
    assert _audited(cast.street_officer, rule, "create")
    bad = _send(officer, "PUT", path, {"threshold": "45", "recheck_minutes": 10})
    assert bad.status_code == 400
    assert bad.json()["fields"]["threshold"] == [_zh("A fever threshold lies between 35 and 42 °C.")]
    assert _send(client_for(cast.community_b_worker), "PUT", path,
                 {"threshold": "36.0", "recheck_minutes": 5}).status_code == 404
    rule.refresh_from_db()
    assert str(rule.threshold) == "37.5"


def test_a_team_is_added_to_an_enterprise_only(gates, cast, client_for):
    officer = client_for(cast.street_officer)
    added = _post(officer, f"/api/checkpoint-sites/{gates.enterprise.pk}/teams",
                  {"name": "晚班二组", "leader": "周敏", "leader_phone": "13800000000"})
    assert added.status_code == 201, added.content
    team = Team.objects.get(pk=added.json()["id"])
    assert (team.name, team.leader, added.json()["members"]) == ("晚班二组", "周敏", [])
    assert _audited(cast.street_officer, team, "create")
    at_a_checkpoint = _post(client_for(cast.community_a_worker), f"/api/checkpoint-sites/{cast.site_a.pk}/teams",
                            {"name": "一组"})
    assert at_a_checkpoint.status_code == 400
    assert at_a_checkpoint.json()["message"] == _zh("Shift teams belong to enterprises.")
    assert _post(client_for(cast.community_b_worker), f"/api/checkpoint-sites/{gates.enterprise.pk}/teams",
                 {"name": "越界"}).status_code == 404


def test_a_worker_is_put_on_the_roster_by_their_id_card_and_taken_off(gates, cast, client_for):
    worker = Person.objects.create(name="月塘职工", doc_number=resident_id(seq=777), grid=cast.grid_b,
                                   unit_path=cast.grid_b.path)
    manager = client_for(cast.community_a_worker)  # 月塘's people are outside their line list
    path = f"/api/checkpoint-teams/{gates.team.pk}/members"
    wrong = _post(manager, path, {"name": "别人", "doc_number": worker.doc_number.lower()})
    assert wrong.status_code == 400
    assert wrong.json()["message"] == _zh(
        "Nobody named %(name)s with the document number %(n)s is registered: check both, or register them in the "
        "line list first.", name="别人", n=worker.doc_number)
    added = _post(manager, path, {"name": "月塘职工", "doc_number": worker.doc_number, "badge": "lg0109"})
    assert added.status_code == 201, added.content
    assert (added.json()["name"], added.json()["badge"], added.json()["person_id"]) == ("月塘职工", "LG0109", None)
    member = TeamMember.objects.get(pk=added.json()["id"])
    assert member.person == worker and _audited(cast.community_a_worker, member, "create")

    assert _post(client_for(cast.community_b_worker), f"/api/checkpoint-members/{member.pk}/remove").status_code == 404
    removed = _post(manager, f"/api/checkpoint-members/{member.pk}/remove")
    assert removed.status_code == 200, removed.content
    assert "月塘职工" not in [m["name"] for m in removed.json()["members"]]
    member.refresh_from_db()
    assert member.left_at is not None and _audited(cast.community_a_worker, member, "update")


def test_a_team_is_stopped_and_released_as_on_its_page(gates, cast, client_for):
    liaison = client_for(gates.liaison)
    stopped = _post(liaison, f"/api/checkpoint-teams/{gates.team.pk}/suspend", {"reason": "密接排查"})
    assert stopped.status_code == 200, stopped.content
    assert stopped.json()["suspended_since"] is not None
    assert {m["suspended_at"] is not None for m in stopped.json()["members"]} == {True}
    suspension = Suspension.objects.get(team=gates.team)
    assert suspension.reason == "密接排查" and _audited(gates.liaison, suspension, "create")
    team = liaison.get(f"/api/checkpoint-teams/{gates.team.pk}").json()
    assert [(s["reason"], s["members"], s["end"]) for s in team["suspensions"]] == [("密接排查", 8, None)]

    released = _post(liaison, f"/api/checkpoint-teams/{gates.team.pk}/release")
    assert released.status_code == 200 and released.json()["suspended_since"] is None
    again = _post(liaison, f"/api/checkpoint-teams/{gates.team.pk}/release")
    assert again.status_code == 409
    assert again.json()["message"] == _zh("The team %(team)s is at work.", team="晚班一组")
    no_reason = _post(liaison, f"/api/checkpoint-teams/{gates.team.pk}/suspend", {"reason": " "})
    assert no_reason.status_code == 400 and no_reason.json()["message"] == _zh("Give the reason.")
    outsider = client_for(cast.community_b_worker)
    assert _post(outsider, f"/api/checkpoint-teams/{gates.team.pk}/suspend", {"reason": "越界"}).status_code == 404
    assert Suspension.objects.filter(team=gates.team, end__isnull=True).count() == 0
