"""Readings from devices in batches: idempotent by (device, event id), answered item by item, set-based."""

import json

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from checkpoints import services
from checkpoints.models import Alert, Reading
from checkpoints.tests.conftest import local
from core.models import AuditEntry

NOW = local(2020, 2, 21, 16, 30)


def item(event, temperature="36.5", *, device="GATE-01", time="2020-02-21T16:00:00+08:00", **who):
    who = who or {"badge": "LG0100"}
    return {"device_id": device, "event_id": str(event), "time": time, "temperature": temperature, **who}


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def test_duplicate_device_events_are_ignored(gates):
    first = services.readings_ingest(items=[item(1), item(2), item(3), item(3)], by=gates.liaison)
    assert (first.accepted, first.duplicates, first.refused) == (3, 1, 0)
    assert [i["status"] for i in first.items] == ["accepted", "accepted", "accepted", "duplicate"]

    again = services.readings_ingest(items=[item(1), item(2, "37.0"), item(3), item(4)], by=gates.liaison)
    assert (again.accepted, again.duplicates) == (1, 3)
    assert [i["status"] for i in again.items] == ["duplicate", "duplicate", "duplicate", "accepted"]
    assert Reading.objects.filter(device=gates.device).count() == 4
    assert Reading.objects.get(device=gates.device, event_id="2").temperature == 36.5  # the first one stays


def test_an_event_stored_after_the_look_up_is_not_stored_again_at_another_time(gates, monkeypatch):
    """Two batches racing: the second looked its events up before the first committed, and sends one of them
    with another time (the unique constraint holds the time, the partition key). The insert still skips it."""
    services.readings_ingest(items=[item(1, time="2020-02-21T16:00:00+08:00")], by=gates.liaison)
    monkeypatch.setattr("checkpoints.services.readings._stored_pairs", lambda device_ids, event_ids: set())
    late = services.readings_ingest(items=[item(1, "38.9", time="2020-02-21T16:01:00+08:00"), item(2)],
                                    by=gates.liaison)
    assert late.accepted == 2  # answered from its look-up; the sender of the first batch holds the event
    stored = Reading.objects.filter(device=gates.device).order_by("event_id")
    assert [(r.event_id, str(r.temperature)) for r in stored] == [("1", "36.5"), ("2", "36.5")]
    assert not Alert.objects.exists()  # the skipped fever raised nothing


def test_out_of_range_readings_are_refused_item_by_item(gates):
    batch = [item(1, "33.9"), item(2, "43.1"), item(3, "发烧"), item(4, "36.6"), item(5, None),
             item(6, time="2020-02-21T18:00:00+08:00"), item(7, device="NO-SUCH"), item(8, time="yesterday"),
             item(9, "38.2"), "not an object", {"device_id": "GATE-01", "event_id": "10", "time": 1582272000,
                                                "temperature": 36.4}]
    result = services.readings_ingest(items=batch, by=gates.liaison)
    statuses = [(i["status"], i.get("code")) for i in result.items]
    assert statuses == [("refused", "out_of_range"), ("refused", "out_of_range"), ("refused", "invalid_temperature"),
                        ("accepted", None), ("refused", "invalid_temperature"), ("refused", "future_time"),
                        ("refused", "unknown_device"), ("refused", "invalid_time"), ("accepted", None),
                        ("refused", "invalid_item"), ("refused", "no_person")]
    assert "34–43" in result.items[0]["reason"] and "33.9" in result.items[0]["reason"]
    assert "NO-SUCH" in result.items[6]["reason"]
    assert (result.accepted, result.refused) == (2, 9)
    assert sorted(str(t) for t in Reading.objects.values_list("temperature", flat=True)) == ["36.6", "38.2"]


def test_badge_doc_number_and_unknown_subjects(gates):
    yan = gates.yan
    result = services.readings_ingest(items=[item(1, badge="lg0101"), item(2, doc_number=yan.doc_number.lower()),
                                             item(3, person_id=yan.pk), item(4, badge="VISITOR-9"),
                                             item(5, person_id=999999)], by=gates.liaison)
    assert [i["status"] for i in result.items] == ["accepted"] * 4 + ["refused"]
    readings = {r.event_id: r for r in Reading.objects.all()}
    assert {readings[e].person_id for e in "123"} == {yan.pk}
    assert readings["4"].person_id is None and readings["4"].subject == "VISITOR-9"


def test_fever_in_a_batch_raises_one_alert_per_person(gates):
    result = services.readings_ingest(items=[item(1, "39.5", badge="LG0101", time="2020-02-21T16:00:00+08:00"),
                                             item(2, "39.4", badge="LG0101", time="2020-02-21T16:01:00+08:00"),
                                             item(3, "37.3", badge="LG0102"), item(4, "37.2", badge="LG0103")],
                                      by=gates.liaison)
    assert len(result.alerts) == 2
    assert result.items[0]["alert_id"] == result.alerts[0] and "alert_id" not in result.items[1]
    alert = Alert.objects.get(pk=result.alerts[0])
    assert alert.person == gates.yan and str(alert.temperature) == "39.5"
    assert alert.recheck_due_at == local(2020, 2, 21, 16, 10)
    # Another fever of the same person while the alert waits raises no second alert.
    later = services.readings_ingest(items=[item(5, "39.0", badge="LG0101", time="2020-02-21T16:05:00+08:00")],
                                     by=gates.liaison)
    assert later.alerts == [] and Alert.objects.count() == 2


def test_a_batch_costs_the_same_queries_for_ten_or_five_hundred_readings(gates):
    def queries(first: int, n: int) -> int:
        batch = [item(first + i, "37.5" if i == 3 else "36.5", badge=f"LG01{i % 8:02d}") for i in range(n)]
        with CaptureQueriesContext(connection) as ctx:
            result = services.readings_ingest(items=batch, by=gates.liaison)
        assert result.accepted == n
        return len(ctx.captured_queries)

    small, large = queries(0, 10), queries(1000, 500)
    assert large <= small + 2, (small, large)  # the bulk insert may take a second statement


def test_batches_are_audited_per_site(gates):
    services.readings_ingest(items=[item(1), item(2)], by=gates.liaison)
    entry = AuditEntry.objects.get(object_type="checkpoints.reading", note="readings sent in one batch")
    assert entry.after["accepted"] == 2 and entry.unit_path == gates.enterprise.unit_path
    assert entry.actor == gates.liaison


def test_the_api_takes_a_batch_with_the_device_token(gates, client, cast):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {gates.key}"}
    body = json.dumps([item(1), item(2, "45")])
    response = client.post("/api/checkpoint-readings", data=body, content_type="application/json", **auth)
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["accepted"], data["refused"]) == (1, 1)
    assert data["items"][1]["code"] == "out_of_range"
    again = client.post("/api/checkpoint-readings", data=json.dumps({"readings": [item(1)]}),
                        content_type="application/json", **auth).json()
    assert again["duplicates"] == 1

    # A device's token sends only for its own devices.
    services.device_register(checkpoint=gates.gate, code="GATE-02", by=cast.street_officer)
    other = client.post("/api/checkpoint-readings", data=json.dumps([item(3, device="GATE-02")]),
                        content_type="application/json", **auth).json()
    assert other["items"][0]["code"] == "device_not_yours"


def test_the_api_refuses_devices_out_of_scope(gates, client_for, cast):
    result = client_for(cast.community_b_worker).post(
        "/api/checkpoint-readings", data=json.dumps([item(1)]), content_type="application/json").json()
    unknown = client_for(cast.community_b_worker).post(
        "/api/checkpoint-readings", data=json.dumps([item(1, device="NO-SUCH")]),
        content_type="application/json").json()
    assert result["items"][0]["code"] == "unknown_device" and Reading.objects.count() == 0
    assert result["items"][0]["reason"] == unknown["items"][0]["reason"].replace("NO-SUCH", "GATE-01")


def test_a_deactivated_device_is_refused(gates, cast):
    services.device_deactivate(device=gates.device, by=cast.street_officer)
    result = services.readings_ingest(items=[item(1)], by=None)
    assert result.items[0]["code"] == "device_inactive"


def test_impossible_times_and_ids_are_refused_one_by_one_and_the_rest_is_stored(gates, client):
    """Times no clock gives (beyond what a timestamp holds, NaN, infinities, year 99999, an offset past year 1)
    and ids no column holds are each refused with their reason; the valid readings of the batch are stored."""
    bad_times = [-1e20, 1e308, float("nan"), float("inf"), float("-inf"), 10**30, "99999-01-01T00:00:00",
                 "0001-01-01T00:00:00+08:00", "9999-12-31T23:59:59-12:00", "1970-01-01T00:00:00Z", ""]
    batch = [item(i, time=t) for i, t in enumerate(bad_times)]
    batch += [item(100, person_id=10**30), item(101, person_id=1.5), item(102, device="GATE\x00"), item(103),
              {"device_id": "GATE-01", "event_id": "104", "time": 1582272000123, "temperature": 36.4,
               "badge": "LG0101"}]
    body = json.dumps(batch)  # NaN and Infinity as JSON's extensions, as Python's json reads them back
    response = client.post("/api/checkpoint-readings", data=body, content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {gates.key}")
    assert response.status_code == 200, response.content
    codes = [i.get("code") for i in response.json()["items"]]
    assert codes == ["invalid_time"] * len(bad_times) + ["invalid_person", "invalid_person", "invalid_item", None,
                                                         None]
    assert sorted(Reading.objects.values_list("event_id", flat=True)) == ["103", "104"]


def test_a_batch_is_streamed_to_postgresql_by_copy_and_inserted_skipping_stored_pairs(gates):
    services.readings_ingest(items=[item(1)], by=gates.liaison)
    with CaptureQueriesContext(connection) as ctx:
        result = services.readings_ingest(items=[item(2, badge='V"Q\\{B},C'), item(3)],
                                          by=gates.liaison)
    assert result.accepted == 2
    inserts = [q["sql"] for q in ctx.captured_queries if "INSERT INTO \"checkpoints_reading\" " in q["sql"]]
    if connection.vendor == "postgresql":  # the rows went by COPY, unseen here: no array literal is built
        assert len(inserts) == 1 and "FROM \"checkpoints_reading_batch\"" in inserts[0] and "unnest" not in inserts[0]
    else:
        assert inserts and all("NOT EXISTS" in sql for sql in inserts)  # one prepared statement, run per row
    assert Reading.objects.filter(device=gates.device).count() == 3
    assert Reading.objects.get(event_id="2").subject == 'V"Q\\{B},C'
    # Within one transaction the next batch finds the staging table empty: nothing of this one is inserted again.
    again = services.readings_ingest(items=[item(4, "39.5", badge="LG0101")], by=gates.liaison)
    assert (again.accepted, len(again.alerts)) == (1, 1) and Reading.objects.count() == 4
