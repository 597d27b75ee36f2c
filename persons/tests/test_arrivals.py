"""An arrival on one screen: the person, the category with its arrival date and origin, the status and a first
health check in one transaction; a document on file in the worker's units opens that person; outside them the
answer names no one; bad input keeps what was typed, with the reason beside the field."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.apps import apps
from django.utils import timezone

from core.errors import DomainError
from core.models import AuditEntry
from orgunits.models import Site
from persons.arrivals import ArrivalKnown, arrival_register
from persons.models import CategoryEpisode, HealthCheck, Person, StatusEpisode
from persons.tests.conftest import resident_id
from reports import services as reports
from reports.models import Form

DAY = dt.date(2020, 5, 21)
NOW = timezone.make_aware(dt.datetime(2020, 5, 21, 10, 0))


@pytest.fixture(autouse=True)
def _at_ten():
    with time_machine.travel(NOW, tick=False):
        yield


def _arrival(cast, **overrides) -> dict:
    data = {"name": "何芳", "doc_type": "resident_id", "doc_number": resident_id(seq=532, birth=dt.date(1988, 3, 2)),
            "phone": "13900001234", "address": "三元社区5栋", "grid": cast.grid_a.code, "category": "wuhan",
            "arrived": DAY.isoformat(), "origin": "420100", "status": "home_quarantine"}
    data.update(overrides)
    return data


def test_grid_worker_registers_an_arrival_with_category_origin_status_and_check_in_one_call(cast):
    arrival = arrival_register(data=_arrival(cast, temperature="36.6"), by=cast.grid_a_worker)

    person = arrival.person
    assert arrival.created and person.grid == cast.grid_a and person.sex == "F"  # sex read from the ID number
    episode = CategoryEpisode.objects.get(person=person)
    assert (episode.category.code, episode.origin_code, episode.origin) == ("wuhan", "420100", "湖北省武汉市")
    assert timezone.localtime(episode.start).date() == DAY
    status = StatusEpisode.objects.get(person=person)
    assert status.status.code == "home_quarantine" and status.start == episode.start
    assert timezone.localtime(status.planned_end).date() == DAY + dt.timedelta(days=14)
    check = HealthCheck.objects.get(person=person)
    assert check.temperature == Decimal("36.6") and not check.flagged
    audited = set(AuditEntry.objects.filter(actor=cast.grid_a_worker).values_list("object_type", flat=True))
    assert {"persons.person", "persons.categoryepisode", "persons.statusepisode", "persons.healthcheck"} <= audited


def test_an_arrival_with_a_fever_is_recorded_as_a_fever_and_raises_the_follow_up(cast):
    arrival = arrival_register(data=_arrival(cast, temperature="38.2"), by=cast.grid_a_worker)

    assert arrival.check.flagged and arrival.check.result != "well"
    task = apps.get_model("tracing", "Task")
    assert task.objects.filter(person=arrival.person, kind="fever").count() == 1
    assert any("37.3" in n or "复查" in n or "recheck" in n for n in arrival.notices)


def test_an_error_in_any_part_writes_nothing(cast):
    site = Site.objects.create(unit=cast.street, unit_path=cast.street.path, kind=Site.Kind.QUARANTINE_HOTEL,
                               name="长青集中隔离酒店")
    with pytest.raises(DomainError) as caught:
        arrival_register(data=_arrival(cast, status="central_quarantine", temperature="50"), by=cast.grid_a_worker)

    assert {"site"} <= set(caught.value.fields)  # 集中隔离 needs its site
    assert not Person.objects.exists() and not CategoryEpisode.objects.exists()
    # The street's hotel may be chosen by the grid worker (a unit above theirs); the bad temperature still stops it.
    with pytest.raises(DomainError) as caught:
        arrival_register(data=_arrival(cast, status="central_quarantine", site=str(site.pk), temperature="50"),
                         by=cast.grid_a_worker)
    assert set(caught.value.fields) == {"temperature"}
    assert not Person.objects.exists() and not StatusEpisode.objects.exists() and not HealthCheck.objects.exists()


def test_a_document_on_file_in_scope_opens_the_person_and_the_confirmed_arrival_updates_them(cast):
    first = arrival_register(data=_arrival(cast, category="hubei", origin="420000", phone=""),
                             by=cast.grid_a_worker).person

    with pytest.raises(ArrivalKnown) as caught:
        arrival_register(data=_arrival(cast), by=cast.grid_a_worker)
    assert caught.value.person == first and "何芳" in str(caught.value.message)

    again = arrival_register(data=_arrival(cast, status="home_monitoring"), by=cast.grid_a_worker,
                             person_id=first.pk, version=first.version)
    assert not again.created and again.person.pk == first.pk and Person.objects.count() == 1
    assert again.person.phone == "13900001234"
    assert sorted(CategoryEpisode.objects.filter(person=first).values_list("category__code", flat=True)) == [
        "hubei", "wuhan"]
    assert StatusEpisode.objects.get(person=first, end__isnull=True).status.code == "home_monitoring"


def test_grid_worker_cannot_learn_who_holds_a_document_of_another_community(cast):
    number = resident_id(seq=777)
    arrival_register(data=_arrival(cast, doc_number=number, name="赵六", grid=cast.grid_b.code),
                     by=cast.community_b_worker)

    with pytest.raises(DomainError) as caught:
        arrival_register(data=_arrival(cast, doc_number=number), by=cast.grid_a_worker)
    assert caught.value.code == "registered_elsewhere"
    text = str(caught.value.as_dict())
    assert "赵六" not in text and str(Person.objects.get().pk) not in text.replace(number, "")


def test_the_arrival_is_counted_in_the_days_hubei_wuhan_report(cast):
    reports.forms_seed()
    form = Form.objects.get(code="hubei_wuhan_daily")
    before = reports.submission_compute(form=form, unit=cast.street, day=DAY, by=cast.street_officer).values["total"]
    arrival_register(data=_arrival(cast), by=cast.grid_a_worker)

    after = reports.submission_compute(form=form, unit=cast.street, day=DAY, by=cast.street_officer).values["total"]
    assert after["new_today"] == before["new_today"] + 1
    assert after["home"] == before["home"] + 1


# -- the page and the API ----------------------------------------------------------------------------

def test_the_arrival_page_defaults_to_the_workers_grid_and_registers_in_one_post(cast, client_for):
    client = client_for(cast.grid_a_worker)
    page = client.get("/persons/arrival/").content.decode()
    assert f'<option value="{cast.grid_a.code}" selected>' in page
    assert "湖北省武汉市" in page and "来自" in page
    assert '<option value="home_quarantine" selected>' in page or '<option value="home_quarantine">' in page
    assert '<option value="central_quarantine" data-needs-site="1">' in page

    data = _arrival(cast)
    data.pop("arrived")
    response = client.post("/persons/arrival/", data)
    person = Person.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/persons/{person.pk}/"
    assert CategoryEpisode.objects.get(person=person).origin == "湖北省武汉市"


def test_bad_input_keeps_what_was_typed_with_a_chinese_reason_beside_the_field(cast, client_for):
    response = client_for(cast.grid_a_worker).post("/persons/arrival/", _arrival(
        cast, doc_number="43130219880302123X", phone="1390000", category=""))
    page = response.content.decode()
    assert response.status_code == 200 and not Person.objects.exists()
    assert 'value="43130219880302123X"' in page and 'value="1390000"' in page and 'value="何芳"' in page
    assert page.count('class="field has-error') >= 3
    assert "请选择人员类别" in page


def test_a_document_on_file_shows_what_is_there_and_the_next_post_updates(cast, client_for):
    first = arrival_register(data=_arrival(cast, category="hubei"), by=cast.grid_a_worker).person
    client = client_for(cast.grid_a_worker)
    page = client.post("/persons/arrival/", _arrival(cast, phone="13900005678")).content.decode()
    assert 'id="known"' in page and "涉鄂人员" in page and "居家隔离" in page
    assert f'name="person" value="{first.pk}"' in page and 'value="13900005678"' in page

    response = client.post("/persons/arrival/", {**_arrival(cast, phone="13900005678"), "person": first.pk,
                                                 "version": first.version})
    assert response.status_code == 302
    assert Person.objects.get().phone == "13900005678" and CategoryEpisode.objects.filter(person=first).count() == 2


def test_today_and_the_list_link_to_the_arrival_page(cast, client_for):
    client = client_for(cast.grid_a_worker)
    for url in ("/persons/today/", "/persons/"):
        assert 'href="/persons/arrival/"' in client.get(url).content.decode(), url


def test_the_api_registers_an_arrival_and_answers_409_with_the_person_for_a_document_on_file(cast, client_for):
    client = client_for(cast.grid_a_worker)
    response = client.post("/api/persons/arrivals", _arrival(cast, temperature="36.5"),
                           content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["created"] and body["person"]["grid"] == cast.grid_a.code
    assert [c["origin"] for c in body["person"]["categories"]] == ["湖北省武汉市"]

    again = client.post("/api/persons/arrivals", _arrival(cast), content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "already_registered"
    assert again.json()["person"] == body["person"]["id"]
    confirmed = client.post("/api/persons/arrivals", {**_arrival(cast, category="hubei"),
                                                      "person_id": body["person"]["id"]},
                            content_type="application/json")
    assert confirmed.status_code == 200 and not confirmed.json()["created"]


def test_the_person_page_offers_and_accepts_the_same_quarantine_sites_as_the_arrival_form(cast, client_for):
    hotel = Site.objects.create(unit=cast.street, unit_path=cast.street.path, kind=Site.Kind.QUARANTINE_HOTEL,
                                name="长青集中隔离酒店")
    elsewhere = Site.objects.create(unit=cast.community_b, unit_path=cast.community_b.path,
                                    kind=Site.Kind.QUARANTINE_HOTEL, name="月塘隔离点")
    person = arrival_register(data=_arrival(cast), by=cast.grid_a_worker).person
    client = client_for(cast.grid_a_worker)

    for page in (client.get("/persons/arrival/"), client.get(f"/persons/{person.pk}/")):
        assert "长青集中隔离酒店" in page.content.decode() and "月塘隔离点" not in page.content.decode()
    refused = client.post(f"/persons/{person.pk}/status/", {
        "status": "central_quarantine", "start": "2020-05-21T10:00", "site": elsewhere.pk}, follow=True)
    assert "请从列表中选择集中隔离点" in refused.content.decode()
    client.post(f"/persons/{person.pk}/status/", {
        "status": "central_quarantine", "start": "2020-05-21T10:00", "site": hotel.pk})
    assert StatusEpisode.objects.get(person=person, end__isnull=True).site == hotel


def test_the_sites_offered_are_those_of_the_queryset_read_in_one_statement(cast):
    """selectors.quarantine_sites_list (a plain statement) against selectors.quarantine_sites (the ORM's): every
    scope gets the same sites in the same order, a path with the characters a LIKE or GLOB reads as wildcards
    included."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.access import Scope
    from persons.selectors import quarantine_sites, quarantine_sites_list

    for unit, name in ((cast.city, "市级医院"), (cast.street, "长青隔离酒店"), (cast.street, "长青第二隔离点"),
                       (cast.community_a, "三元隔离点"), (cast.community_b, "月塘隔离点"), (cast.other_street, "乐坪酒店")):
        Site.objects.create(unit=unit, unit_path=unit.path, kind=Site.Kind.QUARANTINE_HOTEL, name=name)
    Site.objects.create(unit=cast.street, unit_path=cast.street.path, kind=Site.Kind.CHECKPOINT, name="卡点")
    wild = cast.street.path + "a_b%c*d/"
    Site.objects.create(unit=cast.street, unit_path=wild, kind=Site.Kind.HOSPITAL, name="通配")
    Site.objects.create(unit=cast.street, unit_path=cast.street.path + "aXbYcZd/", kind=Site.Kind.HOSPITAL, name="不该")
    for scope in (Scope(None), Scope(()), Scope((cast.grid_a.path,)), Scope((cast.community_a.path, cast.other_street.path)),
                  Scope((cast.street.path,)), Scope((wild,))):
        with CaptureQueriesContext(connection) as queries:
            read = quarantine_sites_list(scope)
        assert len(queries) == (0 if scope.paths == () else 1)
        assert [(s.pk, s.name, s.unit_path, s.kind) for s in read] == [
            (s.pk, s.name, s.unit_path, s.kind) for s in quarantine_sites(scope).order_by("unit_path", "name", "id")]
    assert {s.name for s in quarantine_sites_list(Scope((wild,)))} == {"市级医院", "长青隔离酒店", "长青第二隔离点", "通配"}
    assert len(quarantine_sites_list(Scope(None), limit=2)) == 2
