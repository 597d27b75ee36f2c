"""The offline API's device, snapshot and checks (the protocol: offline.api): who may register a phone, what the
phone keeps (their scope only, masked as the lists mask it, one access-log entry), and what the device headers
decide — wipe (410), log in again (401), register again (403), another user (409) — and logout's wipe."""

import datetime as dt
import json
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import services as account_services
from core.models import AuditEntry
from offline.models import Device
from offline.tests.conftest import Phone, managed, write
from persons.models import PersonDisclosure
from tracing import services as tracing_services

# -- devices ----------------------------------------------------------------------------------------------------


def test_grid_worker_registers_a_phone_and_gets_a_token_kept_only_as_its_hash(cast, phone_of):
    phone = Phone(cast.grid_a_worker)
    response = phone.register()
    assert response.status_code == 201
    body = response.json()
    assert body["device"] == phone.key
    assert body["user"] == {"id": cast.grid_a_worker.pk, "username": "grid_a", "full_name": "三元网格员"}
    device = Device.objects.get(user=cast.grid_a_worker, key=phone.key)
    assert body["token"] not in device.token_hash and len(body["token"]) >= 40
    assert AuditEntry.objects.filter(object_type="offline.device", object_id=str(device.pk)).exists()


def test_registering_again_replaces_the_token(cast, phone_of):
    phone = phone_of(cast.grid_a_worker)
    old = phone.token
    assert phone.register().status_code == 201
    assert phone.snapshot().status_code == 200
    phone.token = old
    response = phone.snapshot()
    assert (response.status_code, response.json()["code"]) == (403, "device")
    assert Device.objects.filter(user=cast.grid_a_worker).count() == 1


def test_a_user_who_may_not_edit_the_line_list_cannot_register_a_phone(cast):
    response = Phone(cast.command_a).register()
    assert response.status_code == 403 and not Device.objects.exists()


def test_registering_needs_a_session(cast):
    response = Phone(cast.grid_a_worker, client=Client()).register()
    assert response.status_code == 401


@pytest.mark.parametrize("body", [{"device": "not-a-uuid"}, {"device": str(uuid.uuid4()), "label": "x" * 201}])
def test_a_malformed_registration_is_refused_naming_the_field(cast, client_for, body):
    response = client_for(cast.grid_a_worker).post("/api/offline/devices", json.dumps(body),
                                                   content_type="application/json")
    assert response.status_code == 422 and response.json()["code"] == "invalid_input"


# -- the device headers -------------------------------------------------------------------------------------------

def _code(response) -> tuple[int, str]:
    return response.status_code, response.json()["code"]


def test_a_deactivated_users_phone_is_told_to_wipe_even_without_a_session(cast, world, phone_of):
    phone = phone_of(cast.grid_a_worker)
    account_services.user_update(user=cast.grid_a_worker, data={"is_active": False}, by=cast.street_officer)
    assert _code(phone.snapshot()) == (410, "wipe")  # the session is gone: the deactivated user is anonymous
    assert _code(phone.sync([write("check", person=world.a.pk, temperature="36.5")])) == (410, "wipe")
    assert "已停用" in phone.snapshot().json()["message"]


def test_a_phone_whose_user_lost_the_role_is_told_to_wipe(cast, phone_of):
    phone = phone_of(cast.grid_a_worker)
    account_services.membership_revoke(membership=cast.grid_a_worker.memberships.get(), by=cast.street_officer)
    assert _code(phone.snapshot()) == (410, "wipe")


def test_a_revoked_device_is_told_to_wipe(cast, phone_of):
    from offline.services import device_revoke

    phone = phone_of(cast.grid_a_worker)
    device_revoke(device=Device.objects.get(key=phone.key), by=cast.street_officer)
    assert _code(phone.snapshot()) == (410, "wipe")


def test_an_expired_session_asks_to_log_in_again_and_keeps_the_queue(cast, world, phone_of):
    phone = phone_of(cast.grid_a_worker)
    phone.client.logout()
    assert _code(phone.sync([write("check", person=world.a.pk, temperature="36.5")])) == (401, "login")
    assert not world.a.health_checks.exists()


def test_another_user_signed_in_on_the_phone_is_told_apart(cast, phone_of):
    phone = phone_of(cast.grid_a_worker)
    phone.client.force_login(cast.community_a_worker)
    assert _code(phone.snapshot()) == (409, "other_user")


@pytest.mark.parametrize("headers", [{}, {"X-Offline-Device": str(uuid.uuid4()), "X-Offline-Token": "x"},
                                     "bad token"])
def test_an_unknown_device_or_a_wrong_token_registers_again(cast, phone_of, headers):
    phone = phone_of(cast.grid_a_worker)
    if headers == "bad token":
        headers = {**phone.headers(), "X-Offline-Token": phone.token[:-2] + "zz"}
    assert _code(phone.client.get("/api/offline/snapshot", headers=headers)) == (403, "device")


# -- the sync's body ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("writes, field", [
    ("not a list", "writes"),
    ([write("check", person=1, temperature="36.5") for _ in range(501)], "writes"),
    ([{**write("check", person=1), "key": "12345"}], "writes.0.key"),
    ([{**write("check", person=1), "kind": "delete"}], "writes.0.kind"),
])
def test_a_malformed_sync_is_refused_naming_what_is_wrong(cast, phone_of, writes, field):
    phone = phone_of(cast.grid_a_worker)
    response = phone.client.post("/api/offline/sync", json.dumps({"writes": writes}),
                                 content_type="application/json", headers=phone.headers())
    assert response.status_code == 422
    assert field in response.json()["fields"]


# -- the snapshot ---------------------------------------------------------------------------------------------

def test_the_snapshot_holds_the_workers_scope_only_masked_as_the_lists_mask_it(cast, world, phone_of):
    task = tracing_services.task_create(kind="verify", person=world.a, due_at=timezone.now() + dt.timedelta(hours=2),
                                        by=None)
    body = phone_of(cast.grid_a_worker).snapshot().json()
    people = {p["id"]: p for p in body["people"]}
    assert set(people) == {world.a.pk, world.a2.pk}  # 月塘's person is not on the phone
    a = people[world.a.pk]
    assert a["name"] == "张三" and a["doc"] == "431302********1010" and a["phone"] == "138****5678"
    assert a["status"]["code"] == "home_quarantine" and a["status"]["episode"] == world.a.status_episodes.get().pk
    assert a["grid"] == cast.grid_a.code and a["version"] == world.a.version
    assert set(body["checks_due"]) == {world.a.pk, world.a2.pk}
    assert body["tasks"] == [{"id": task.pk, "version": task.version, "kind": "verify", "label": "核实密接 · 张三",
                              "person": world.a.pk, "due_at": timezone.localtime(task.due_at).isoformat(),
                              "status": "pending"}]
    assert body["fever_threshold"] == "37.3"
    assert [g["code"] for g in body["grids"]] == [cast.grid_a.code]
    assert body["results"][0]["code"] == "well" and body["statuses"][0]["code"]
    assert "月塘" not in json.dumps(body, ensure_ascii=False)


def test_each_snapshot_is_one_access_log_entry_listing_the_people_on_the_phone(cast, world, phone_of):
    phone = phone_of(cast.grid_a_worker)
    phone.snapshot()
    phone.snapshot()
    entries = AuditEntry.objects.filter(action=AuditEntry.Action.VIEW, actor=cast.grid_a_worker)
    assert entries.count() == 2
    entry = entries.latest("id")
    assert entry.object_repr == "the day kept on a phone for offline work" and entry.after == {"people": 2}
    assert set(PersonDisclosure.objects.filter(entry=entry).values_list("person_id", flat=True)) == {
        world.a.pk, world.a2.pk}
    log = Client()
    log.force_login(cast.city_admin)
    assert "离线同步" in log.get(f"/persons/{world.a.pk}/access/").content.decode()


def test_the_snapshot_reads_as_many_queries_for_many_people_as_for_few(cast, world, phone_of):
    phone = phone_of(cast.grid_a_worker)
    with CaptureQueriesContext(connection) as few:
        assert phone.snapshot().status_code == 200
    for seq in range(300, 330):
        managed(f"居民{seq}", seq, cast.grid_a)
    with CaptureQueriesContext(connection) as many:
        body = phone.snapshot().json()
    assert len(body["people"]) == 32
    assert len(many.captured_queries) == len(few.captured_queries)


# -- logout -----------------------------------------------------------------------------------------------------

def test_logging_out_tells_the_browser_to_drop_what_the_site_kept(cast, client_for):
    response = client_for(cast.grid_a_worker).post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache", "storage"'
