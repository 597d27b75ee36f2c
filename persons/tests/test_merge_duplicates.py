"""Probable duplicates are found by rule, merged with every record moved, or dismissed for good."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.access import scope_for
from accounts.roles import PERSONS_MERGE
from core.models import AuditEntry
from persons import services
from persons.duplicates import duplicates_scan
from persons.models import (
    Category,
    CategoryEpisode,
    HealthCheck,
    ManagementStatus,
    Person,
    PersonMerge,
    StatusEpisode,
)
from persons.tests.conftest import resident_id

TZ = timezone.get_fixed_timezone(8 * 60)


@pytest.fixture
def pair(cast, person_data):
    a = services.person_register(data=person_data(), by=None)
    b = services.person_register(data=person_data(doc_type="passport", doc_number="E1234567", phone="13812345678",
                                                  birth_date="1990-01-01"), by=None)
    return a, b


def _reasons(scope):
    return {(p.low_id, p.high_id): p.reason for p in duplicates_scan(scope)}


def test_same_name_and_phone_is_listed(cast, pair):
    a, b = pair
    assert _reasons(scope_for(cast.street_officer, PERSONS_MERGE)) == {(a.pk, b.pk): "name_phone"}
    assert _reasons(scope_for(cast.other_street_officer, PERSONS_MERGE)) == {}


def test_same_name_and_birth_date_is_listed(cast, person_data):
    a = services.person_register(data=person_data(phone=""), by=None)
    b = services.person_register(data=person_data(doc_type="passport", doc_number="E7654321", phone="",
                                                  birth_date="1990-01-01"), by=None)
    assert _reasons(scope_for(cast.street_officer, PERSONS_MERGE)) == {(a.pk, b.pk): "name_birth"}


def test_documents_one_character_apart_are_listed(cast, person_data):
    a = services.person_register(data=person_data(name="李四", phone="", doc_type="passport", doc_number="G1234567",
                                                  birth_date="1980-01-01"), by=None)
    b = services.person_register(data=person_data(name="李思", phone="", doc_type="passport", doc_number="G1284567",
                                                  birth_date="1981-01-01"), by=None)
    services.person_register(data=person_data(name="王五", phone="", doc_type="passport", doc_number="G9999999",
                                              birth_date="1982-01-01"), by=None)
    assert _reasons(scope_for(cast.street_officer, PERSONS_MERGE)) == {(a.pk, b.pk): "doc_one_apart"}


def test_dismissed_pairs_stay_dismissed(cast, pair):
    a, b = pair
    services.duplicate_dismiss(a=b, b=a, by=cast.street_officer)
    assert _reasons(scope_for(cast.street_officer, PERSONS_MERGE)) == {}


def test_merge_moves_checks_categories_and_statuses(cast, pair):
    a, b = pair
    hubei = Category.objects.get(code="hubei")
    services.category_assign(person=a, category=hubei, start=dt.datetime(2020, 1, 25, tzinfo=TZ), by=None)
    services.category_assign(person=b, category=hubei, start=dt.datetime(2020, 1, 20, tzinfo=TZ), by=None)
    services.status_set(person=b, status=ManagementStatus.objects.get(code="home_quarantine"),
                        start=dt.datetime(2020, 1, 20, tzinfo=TZ), by=None)
    services.health_check_record(person=b, temperature="36.5", by=None)
    services.person_merge(keep=a, drop=b, by=cast.street_officer)
    assert not Person.objects.filter(pk=b.pk).exists()
    assert HealthCheck.objects.get().person_id == a.pk
    assert StatusEpisode.objects.get().person_id == a.pk
    episodes = list(CategoryEpisode.objects.filter(person=a).order_by("start"))
    assert [(timezone.localtime(e.start).day, e.end is None) for e in episodes] == [(20, False), (25, True)]
    merge = PersonMerge.objects.get()
    assert merge.dropped_id == b.pk and merge.dropped["doc_number"] == "E1234567"
    notes = list(AuditEntry.objects.filter(object_type="persons.person", object_id__in=[str(a.pk), str(b.pk)])
                 .exclude(note="").values_list("action", flat=True))
    assert sorted(notes) == ["delete", "update"]


def test_merge_page_keeps_the_chosen_person(cast, pair, client_for):
    a, b = pair
    client = client_for(cast.street_officer)
    assert "E1234567"[:2] in client.get("/persons/duplicates/").content.decode()
    response = client.post("/persons/duplicates/resolve/", {"keep": b.pk, "other": a.pk, "action": "merge"})
    assert response.status_code == 302
    assert list(Person.objects.values_list("pk", flat=True)) == [b.pk]


def test_merging_or_dismissing_a_person_with_themself_on_the_page_says_why_and_changes_nothing(cast, pair,
                                                                                               client_for):
    a, _b = pair
    client = client_for(cast.street_officer)
    for action, reason in (("merge", "不能将人员与其自身合并"), ("dismiss", "不能把一个人标记为与其本人不是同一人")):
        response = client.post("/persons/duplicates/resolve/", {"keep": a.pk, "other": a.pk, "action": action},
                               follow=True)
        assert response.status_code == 200 and reason in response.content.decode()
    assert Person.objects.count() == 2


def test_merge_outside_scope_is_404(cast, pair, client_for):
    a, b = pair
    response = client_for(cast.other_street_officer).post("/persons/duplicates/resolve/",
                                                          {"keep": a.pk, "other": b.pk, "action": "merge"})
    assert response.status_code == 404 and Person.objects.count() == 2


def test_number_one_apart_needs_same_length(cast, person_data):
    services.person_register(data=person_data(name="赵六", doc_number=resident_id(seq=201)), by=None)
    services.person_register(data=person_data(name="赵七", phone="13900000000", doc_number=resident_id(seq=202)),
                             by=None)
    # valid resident IDs never differ in one character only: GB 11643's check digit rules it out
    assert _reasons(scope_for(cast.street_officer, PERSONS_MERGE)) == {}
