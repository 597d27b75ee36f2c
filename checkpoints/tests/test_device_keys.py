"""A device's key is a credential of the device alone: it posts that device's readings and opens nothing else."""

import json
import re

import pytest
import time_machine

from accounts import services as account_services
from checkpoints import services
from checkpoints.models import Device, Reading
from checkpoints.tests.conftest import local
from core.models import AuditEntry
from fangkong.api import api

NOW = local(2020, 2, 21, 16, 30)
READINGS = "/api/checkpoint-readings"


def item(event, temperature="36.5", *, device="GATE-01", **who):
    who = who or {"badge": "LG0100"}
    return {"device_id": device, "event_id": str(event), "time": "2020-02-21T16:00:00+08:00",
            "temperature": temperature, **who}


def post(client, key, items):
    return client.post(READINGS, data=json.dumps(items), content_type="application/json",
                       HTTP_AUTHORIZATION=f"Bearer {key}")


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def _operations():
    """(method, path with every parameter filled, needs auth) of every operation of the API."""
    for path, operations in api.get_openapi_schema()["paths"].items():
        for method, operation in operations.items():
            yield method.upper(), re.sub(r"\{[^}]+\}", "1", path), bool(operation.get("security"))


def test_a_device_key_opens_no_operation_but_the_readings_batch(gates, client):
    """Every operation of the API but the readings batch refuses a device's key as unauthenticated: it reads no
    person, registers nobody, posts no voucher."""
    opened = []
    for method, path, secured in _operations():
        if not secured or (method, path) == ("POST", READINGS):
            continue
        response = client.generic(method, path, data="{}", content_type="application/json",
                                  HTTP_AUTHORIZATION=f"Bearer {gates.key}")
        if response.status_code != 401:
            opened.append((method, path, response.status_code))
    assert opened == []
    for path in (f"/api/persons/{gates.yan.pk}", "/api/me"):
        assert client.get(path, HTTP_AUTHORIZATION=f"Bearer {gates.key}").status_code == 401
    assert post(client, gates.key, [item(1)]).json()["accepted"] == 1


def test_a_device_key_is_no_token_of_the_officer_who_registered_it(gates, client_for):
    """The key is not listed among the registering liaison's API tokens, and revoking those leaves it working."""
    assert not gates.liaison.api_tokens.exists()
    page = client_for(gates.liaison).get("/accounts/me/").content.decode()
    assert gates.key[:10] not in page


def test_a_device_sends_only_its_own_readings_recorded_as_from_the_device(gates, client, cast):
    services.device_register(checkpoint=gates.gate, code="GATE-02", by=cast.street_officer)
    data = post(client, gates.key, [item(1), item(2, device="GATE-02"), item(3, device="NO-SUCH")]).json()
    assert [(i["status"], i.get("code")) for i in data["items"]] == [
        ("accepted", None), ("refused", "device_not_yours"), ("refused", "device_not_yours")]
    reading = Reading.objects.get()
    assert reading.device == gates.device and reading.recorded_by is None
    entry = AuditEntry.objects.get(object_type="checkpoints.reading", note="readings sent in one batch")
    assert entry.actor is None and entry.after["sent_by_device"] == "GATE-01"


def test_a_new_key_replaces_the_old_one_and_taking_out_of_use_revokes_it(gates, client, client_for, cast):
    officer = client_for(cast.street_officer)
    response = officer.post(f"/checkpoints/devices/{gates.device.pk}/key/", follow=True)
    new_key = re.search(r"fkd_[\w-]+", response.content.decode()).group(0)
    assert post(client, gates.key, [item(1)]).status_code == 401
    assert post(client, new_key, [item(1)]).json()["accepted"] == 1
    assert AuditEntry.objects.filter(object_type="checkpoints.device", note="new device key").exists()

    officer.post(f"/checkpoints/devices/{gates.device.pk}/deactivate/")
    assert post(client, new_key, [item(2)]).status_code == 401
    assert Device.objects.get(pk=gates.device.pk).key_hash is None


def test_a_personal_token_still_sends_batches_within_its_owners_scope(gates, client):
    _token, key = account_services.token_create(user=gates.liaison, name="script")
    assert post(client, key, [item(1)]).json()["accepted"] == 1
    assert client.get(f"/api/persons/{gates.yan.pk}", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200
