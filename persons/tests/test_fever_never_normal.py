"""A fever is never "seen, well" (已监测，正常): a check at or above the threshold sent as well is recorded as a
fever and the sender is told, in the service, on the page and through the API; the database refuses the
combination; the community and the street see the day's fevers in a list of their own scope."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import timezone

from persons import services
from persons.models import HealthCheck

NOW = timezone.make_aware(dt.datetime(2020, 5, 21, 9, 30))


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def zhang(cast, person_data):
    return services.person_register(data=person_data(), by=cast.grid_a_worker)


def test_a_fever_sent_as_well_is_recorded_as_a_fever_and_the_worker_is_told(cast, zhang):
    check = services.health_check_record(person=zhang, temperature="37.8", result="well", by=cast.grid_a_worker)
    check.refresh_from_db()
    assert check.result == HealthCheck.Result.SYMPTOMS and check.result != HealthCheck.Result.WELL
    assert check.flagged and check.symptoms == ["fever"] and check.temperature == Decimal("37.8")
    assert any("37.8" in n and "37.3" in n for n in check.notices)


def test_the_threshold_itself_is_a_fever_and_just_below_is_well(cast, zhang, settings):
    settings.FEVER_THRESHOLD = Decimal("37.3")
    assert services.health_check_record(person=zhang, temperature="37.3", result="well", by=None).result == "symptoms"
    below = services.health_check_record(person=zhang, temperature="37.2", result="well", by=None)
    assert below.result == "well" and not below.flagged and below.notices == []


def test_symptoms_ticked_keep_their_order_after_fever(cast, zhang):
    check = services.health_check_record(person=zhang, temperature="38.4", symptoms=["cough", "fever"],
                                         result="symptoms", by=cast.grid_a_worker)
    assert check.result == "symptoms" and check.symptoms == ["cough", "fever"] and check.flagged


def test_without_a_result_the_reading_decides(cast, zhang):
    assert services.health_check_record(person=zhang, temperature="36.5", by=None).result == "well"
    assert services.health_check_record(person=zhang, temperature="38.0", by=None).result == "symptoms"


def test_the_database_refuses_a_fever_saved_as_well(cast, zhang):
    with pytest.raises(IntegrityError), transaction.atomic():
        HealthCheck.objects.create(person=zhang, checked_at=NOW, check_date=NOW.date(), temperature=Decimal("37.8"),
                                   result="well", flagged=True, unit_path=zhang.unit_path)


def test_the_page_records_a_fever_sent_as_well_as_a_fever_and_says_so_in_chinese(cast, zhang, client_for):
    client = client_for(cast.grid_a_worker)
    page = client.post(f"/persons/{zhang.pk}/checks/", {"temperature": "37.8", "result": "well"}, follow=True,
                       HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    check = zhang.health_checks.get()
    assert check.result == "symptoms" and check.flagged
    assert "37.8 °C 达到发热标准（37.3 °C）" in page and "已监测，正常" in page


def test_the_api_records_a_fever_sent_as_well_as_a_fever_and_says_so(cast, zhang, client_for):
    client = client_for(cast.grid_a_worker)
    answer = client.post(f"/api/persons/{zhang.pk}/checks", {"temperature": "37.8", "result": "well"},
                         content_type="application/json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["result"] == "symptoms" and body["flagged"] is True and "fever" in body["symptoms"]
    assert any("发热" in n for n in body["notices"])
    assert zhang.health_checks.get().result == "symptoms"
    listed = client.get(f"/api/persons/{zhang.pk}/checks").json()
    assert [c["result"] for c in listed] == ["symptoms"] and listed[0]["notices"] == []


def test_the_community_and_the_street_see_the_days_fevers(cast, zhang, client_for, person_data):
    from persons.tests.conftest import resident_id

    li = services.person_register(data=person_data(name="李四", doc_number=resident_id(seq=777),
                                                   grid=cast.grid_b.code), by=cast.community_b_worker)
    services.health_check_record(person=zhang, temperature="37.8", result="well", by=cast.grid_a_worker)
    services.health_check_record(person=li, temperature="38.2", by=cast.community_b_worker)
    for user in (cast.street_officer, cast.community_a_worker):
        page = client_for(user).get(f"/persons/fevers/?unit={cast.community_a.code}&day=2020-05-21")
        assert page.status_code == 200
        text = page.content.decode()
        assert "张三" in text and "37.8" in text and "李四" not in text
    street = client_for(cast.street_officer).get("/persons/fevers/").content.decode()
    assert "张三" in street and "李四" in street
    # Community B's worker sees their own, and community A's unit answers as one that does not exist.
    b = client_for(cast.community_b_worker)
    assert "张三" not in b.get("/persons/fevers/").content.decode()
    assert b.get(f"/persons/fevers/?unit={cast.community_a.code}").status_code == 404
    assert b.get("/persons/fevers/?unit=nonexistent").status_code == 404
    # Another day has none.
    assert "张三" not in client_for(cast.street_officer).get("/persons/fevers/?day=2020-05-20").content.decode()
