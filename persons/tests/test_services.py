"""Registering and editing people; categories and statuses as dated episodes; health checks."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import translation

from core.errors import DomainError
from core.models import AuditEntry
from persons import selectors, services
from persons.models import CategoryEpisode, CustomField, Person
from persons.tests.conftest import at, cat, resident_id, status


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_register_derives_sex_and_birth_and_normalises(cast, person_data):
    person = services.person_register(data=person_data(
        name=" 张　三 ", doc_number=" ４３１３０２" + resident_id(seq=123)[6:].lower(), phone="138 1234 5678"),
        by=cast.grid_a_worker)
    assert person.name == "张 三" and person.doc_number == resident_id(seq=123)
    assert (person.sex, person.birth_date) == ("M", dt.date(1990, 1, 1))
    assert person.phone == "13812345678" and person.name_initials == "zs" and person.unit_path == cast.grid_a.path
    entry = AuditEntry.objects.get(object_type="persons.person", action="create")
    assert entry.after["doc_number"] == person.doc_number and entry.actor == cast.grid_a_worker


def test_typed_sex_or_birth_date_must_match_the_id(cast, person_data):
    with pytest.raises(DomainError) as exc:
        services.person_register(data=person_data(sex="女", birth_date="1991-01-01"), by=cast.grid_a_worker)
    assert set(exc.value.fields) == {"sex", "birth_date"}
    assert "1990-01-01" in exc.value.fields["birth_date"][0]


def test_same_document_twice_is_refused_with_the_reason(cast, person_data):
    services.person_register(data=person_data(), by=cast.grid_a_worker)
    with pytest.raises(DomainError) as exc:
        services.person_register(data=person_data(name="张三三"), by=cast.grid_a_worker)
    assert exc.value.code == "duplicate_person" and "doc_number" in exc.value.fields
    assert Person.objects.count() == 1


def test_passport_needs_no_check_digit_but_a_shape(cast, person_data):
    person = services.person_register(data=person_data(doc_type="护照", doc_number="e1234 5678", birth_date="1985-2-3"),
                                      by=cast.grid_a_worker)
    assert (person.doc_type, person.doc_number, person.birth_date) == ("passport", "E12345678", dt.date(1985, 2, 3))
    with pytest.raises(DomainError) as exc:
        services.person_register(data=person_data(doc_type="passport", doc_number="@@"), by=cast.grid_a_worker)
    assert "doc_number" in exc.value.fields


def test_grid_outside_scope_is_refused(cast, person_data):
    with pytest.raises(DomainError) as exc:
        services.person_register(data=person_data(grid=cast.grid_b.code), by=cast.grid_a_worker)
    assert exc.value.fields["grid"]
    assert not Person.objects.exists()


def test_edit_with_a_stale_version_is_a_conflict(cast, person_data):
    person = services.person_register(data=person_data(), by=cast.grid_a_worker)
    services.person_update(person=person, data={"address": "三元社区2栋"}, version=1, by=cast.grid_a_worker)
    with pytest.raises(DomainError) as exc:
        services.person_update(person=person, data={"address": "三元社区3栋"}, version=1, by=cast.community_a_worker)
    assert exc.value.code == "conflict" and exc.value.status == 409
    person.refresh_from_db()
    assert (person.address, person.version) == ("三元社区2栋", 2)
    entry = AuditEntry.objects.filter(object_type="persons.person", action="update").get()
    assert entry.before["address"] == "三元社区1栋" and entry.after["address"] == "三元社区2栋"


def test_status_as_of_any_time(cast, person_data):
    person = services.person_register(data=person_data(), by=cast.grid_a_worker)
    services.category_assign(person=person, category=cat("hubei"), start=at("2020-01-25"), by=None)
    services.status_set(person=person, status=status("home_quarantine"), start=at("2020-01-25"), by=None)
    services.status_set(person=person, status=status("released"), start=at("2020-02-08"), by=None)
    assert selectors.status_as_of(person, at("2020-02-01")).status.code == "home_quarantine"
    assert selectors.status_as_of(person, at("2020-02-08", 10)).status.code == "released"
    assert selectors.status_as_of(person, at("2020-01-20")) is None
    first = person.status_episodes.order_by("start").first()
    assert first.planned_end == at("2020-02-08")  # 14 days of the 涉鄂 category
    assert [e.category.code for e in selectors.categories_as_of(person, at("2020-03-01"))] == ["hubei"]


def test_a_status_cannot_start_before_the_current_one(cast, person_data):
    person = services.person_register(data=person_data(), by=cast.grid_a_worker)
    services.status_set(person=person, status=status("home_quarantine"), start=at("2020-02-01"), by=None)
    with pytest.raises(DomainError):
        services.status_set(person=person, status=status("released"), start=at("2020-01-30"), by=None)


def test_centralised_quarantine_needs_its_site(cast, person_data):
    person = services.person_register(data=person_data(), by=cast.grid_a_worker)
    with pytest.raises(DomainError) as exc:
        services.status_set(person=person, status=status("central_quarantine"), by=None)
    assert "site" in exc.value.fields


def test_overdue_release_list(cast, person_data):
    from accounts.access import scope_for
    from accounts.roles import PERSONS_EDIT

    person = services.person_register(data=person_data(), by=cast.grid_a_worker)
    services.status_set(person=person, status=status("home_quarantine"), start=at("2020-02-01"), by=None)
    scope = scope_for(cast.grid_a_worker, PERSONS_EDIT)
    assert list(selectors.releases_overdue(scope, now=at("2020-02-10"))) == []
    assert [e.person for e in selectors.releases_overdue(scope, now=at("2020-02-16"))] == [person]
    assert [e.person for e in selectors.releases_due(scope, day=dt.date(2020, 2, 15))] == [person]


def test_checks_due_and_fever_flag(cast, person_data):
    from accounts.access import scope_for
    from accounts.roles import PERSONS_EDIT

    person = services.person_register(data=person_data(), by=cast.grid_a_worker)
    with time_machine.travel(at("2020-02-03", 10)):
        services.status_set(person=person, status=status("home_quarantine"), start=at("2020-02-01"), by=None)
        scope = scope_for(cast.grid_a_worker, PERSONS_EDIT)
        assert list(selectors.checks_due(scope, day=dt.date(2020, 2, 3))) == [person]
        check = services.health_check_record(person=person, temperature="37.5", by=cast.grid_a_worker)
        assert check.flagged and check.temperature == Decimal("37.5") and check.check_date == dt.date(2020, 2, 3)
        assert list(selectors.checks_due(scope, day=dt.date(2020, 2, 3))) == []
        assert not services.health_check_record(person=person, temperature="37.2", by=None).flagged


def test_impossible_temperature_is_refused(cast, person_data):
    person = services.person_register(data=person_data(), by=cast.grid_a_worker)
    with pytest.raises(DomainError) as exc:
        services.health_check_record(person=person, temperature="45", by=None)
    assert "34" in exc.value.fields["temperature"][0]


def test_moving_a_person_splits_open_episodes(cast, person_data):
    person = services.person_register(data=person_data(), by=cast.city_admin)
    services.category_assign(person=person, category=cat("hubei"), start=at("2020-01-25"), by=None)
    services.person_update(person=person, data={"grid": cast.grid_b.code}, version=1, by=cast.city_admin)
    episodes = list(CategoryEpisode.objects.filter(person=person).order_by("start"))
    assert [(e.unit_path, e.continued, e.end is None) for e in episodes] == [
        (cast.grid_a.path, False, False), (cast.grid_b.path, True, True)]


def test_custom_field_values_are_checked_and_filterable(cast, person_data):
    services.custom_field_save(data={"key": "nat_test", "label": "核酸检测", "type": "choice",
                                     "choices": "阴性, 阳性, 未检测"}, by=cast.city_admin)
    services.custom_field_save(data={"key": "vaccinated", "label": "接种疫苗", "type": "boolean"}, by=cast.city_admin)
    with pytest.raises(DomainError) as exc:
        services.person_register(data=person_data(**{"custom.nat_test": "不知道"}), by=cast.grid_a_worker)
    assert "custom.nat_test" in exc.value.fields
    person = services.person_register(data=person_data(**{"custom.nat_test": "阴性", "custom.vaccinated": "是"}),
                                      by=cast.grid_a_worker)
    assert person.custom == {"nat_test": "阴性", "vaccinated": True}
    f = selectors.PersonFilter(custom={"nat_test": "阴性"})
    assert list(selectors.persons_filtered(cast.street_officer, f)) == [person]
    f = selectors.PersonFilter(custom={"vaccinated": False})
    assert list(selectors.persons_filtered(cast.street_officer, f)) == []


def test_required_from_date_applies_from_that_day(cast, person_data):
    services.custom_field_save(data={"key": "nat_test", "label": "核酸检测", "type": "text",
                                     "required_from": dt.date(2020, 3, 15)}, by=cast.city_admin)
    with time_machine.travel(at("2020-03-14")):
        services.person_register(data=person_data(), by=cast.grid_a_worker)
    with time_machine.travel(at("2020-03-16")):
        with pytest.raises(DomainError) as exc:
            services.person_register(data=person_data(doc_number=resident_id(seq=125)), by=cast.grid_a_worker)
    assert "custom.nat_test" in exc.value.fields
    assert CustomField.objects.count() == 1


def test_household_head_is_linked_by_document_number(cast, person_data):
    head = services.person_register(data=person_data(), by=cast.grid_a_worker)
    child = services.person_register(data=person_data(name="张小三", doc_number=resident_id(seq=124, birth=dt.date(
        2010, 3, 3)), household_head=head.doc_number.lower(), household_relation="子女"), by=cast.grid_a_worker)
    assert (child.household_head, child.household_relation) == (head, "child")
    with pytest.raises(DomainError) as exc:
        services.person_register(data=person_data(doc_number=resident_id(seq=126), household_head="E000000"),
                                 by=cast.grid_a_worker)
    assert "household_head" in exc.value.fields


@pytest.mark.parametrize("few_holders", [0, 2000])
def test_a_category_or_status_filter_lists_its_holders_at_the_moment_asked(cast, person_data, monkeypatch,
                                                                           few_holders):
    """Held by few (looked up from the episodes) or by many (checked person by person): the same people."""
    monkeypatch.setattr(selectors, "FEW_HOLDERS", few_holders)
    people = [services.person_register(data=person_data(doc_number=resident_id(seq=n), phone=f"1381234{n:04d}"),
                                       by=cast.grid_a_worker) for n in range(200, 204)]
    for person in people[:3]:
        services.category_assign(person=person, category=cat("hubei"), start=at("2020-02-01"), by=cast.grid_a_worker)
    services.category_end(person=people[0], category=cat("hubei"), end=at("2020-02-10"), by=cast.grid_a_worker)
    services.status_set(person=people[1], status=status("home_quarantine"), start=at("2020-02-02"),
                        by=cast.grid_a_worker)

    def listed(**filters):
        return {p.pk for p in selectors.persons_filtered(cast.street_officer, selectors.PersonFilter(**filters))}
    assert listed(category="hubei", as_of=at("2020-02-05")) == {p.pk for p in people[:3]}
    assert listed(category="hubei") == {people[1].pk, people[2].pk}
    assert listed(category="hubei", as_of=at("2020-01-05")) == set()
    assert listed(category="hubei", status="home_quarantine") == {people[1].pk}
    assert listed(category="wuhan") == set()
