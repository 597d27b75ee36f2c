"""Exposures and contacts: one person per document, contacts of contacts, re-exposure, the graph query."""

import pytest
from django.utils import timezone

from core.errors import DomainError
from persons.models import CategoryEpisode, Person
from persons.tests.conftest import resident_id
from tracing import selectors, services
from tracing.models import Exposure, FollowUp, FollowUpEvent
from tracing.tests.conftest import contact_data, days_ago, exposure


def open_codes(person) -> set[str]:
    return set(CategoryEpisode.objects.filter(person=person, end__isnull=True).values_list("category__code", flat=True))


def test_a_new_contact_is_registered_and_put_under_follow_up(cast, confirmed_case):
    e, created = services.contact_add(source=confirmed_case.person, person_data=contact_data("李明", 201, cast.grid_a),
                                      exposure_data=exposure(last=2, first=5), by=cast.grid_a_worker)
    assert created and e.degree == 1 and e.unit_path == cast.grid_a.path
    assert (e.first_contact, e.last_contact, e.setting) == (days_ago(5), days_ago(2), "household")
    fu = FollowUp.objects.get(person=e.exposed)
    assert (fu.start, fu.last_exposure, fu.end) == (timezone.localdate(), days_ago(2), days_ago(2 - 14))
    assert open_codes(e.exposed) == {"close_contact"}


def test_a_contact_already_registered_is_linked_not_registered_again(cast, confirmed_case, register):
    known = register("李明", 201, grid=cast.grid_b)
    number = resident_id(seq=201)
    typed = {"name": "李 明", "doc_type": "身份证", "doc_number": " " + number[:-1] + number[-1].lower() + " ",
             "grid": ""}  # another spelling of the same document; no grid needed for a known person
    e, created = services.contact_add(source=confirmed_case.person, person_data=typed, exposure_data=exposure(),
                                      by=cast.street_officer)
    assert not created and e.exposed == known and Person.objects.filter(doc_number=number).count() == 1
    assert e.unit_path == cast.grid_b.path  # the contact's own grid follows them up


def test_a_contact_of_a_close_contact_is_a_secondary_contact(cast, confirmed_case):
    close, _ = services.contact_add(source=confirmed_case.person, person_data=contact_data("李明", 201, cast.grid_a),
                                    exposure_data=exposure(), by=cast.grid_a_worker)
    second, _ = services.contact_add(source=close.exposed, person_data=contact_data("赵红", 202, cast.grid_a),
                                     exposure_data=exposure(last=1, setting="workplace"), by=cast.grid_a_worker)
    assert second.degree == 2 and open_codes(second.exposed) == {"secondary_contact"}
    with pytest.raises(DomainError) as exc:  # contacts of a secondary contact are not traced
        services.contact_add(source=second.exposed, person_data=contact_data("钱七", 203, cast.grid_a),
                             exposure_data=exposure(), by=cast.grid_a_worker)
    assert exc.value.code == "not_traced" and "source" in exc.value.fields
    assert not Person.objects.filter(name="钱七").exists()  # nothing half written

    # Exposed to the case itself: the secondary contact becomes a close contact.
    services.exposure_record(source=confirmed_case.person, exposed=second.exposed, data=exposure(last=0),
                             by=cast.grid_a_worker)
    assert open_codes(second.exposed) == {"close_contact"}
    assert FollowUp.objects.get(person=second.exposed, state="active").category.code == "close_contact"


def test_re_exposure_moves_the_window(cast, confirmed_case, register):
    e, _ = services.contact_add(source=confirmed_case.person, person_data=contact_data("李明", 201, cast.grid_a),
                                exposure_data=exposure(last=6), by=cast.grid_a_worker)
    fu = FollowUp.objects.get(person=e.exposed)
    assert fu.end == days_ago(6 - 14)

    # Exposed again by another case, later: the end moves to that exposure plus the period.
    other_case = services.case_register(person=register("周强", 102), classification="confirmed",
                                        by=cast.street_officer)
    services.exposure_record(source=other_case.person, exposed=e.exposed, data=exposure(last=1), by=cast.grid_a_worker)
    fu.refresh_from_db()
    assert (fu.last_exposure, fu.end) == (days_ago(1), days_ago(1 - 14))
    moved = FollowUpEvent.objects.get(follow_up=fu, kind="exposure")
    assert (moved.old_end, moved.new_end) == (days_ago(6 - 14), days_ago(1 - 14))
    assert FollowUp.objects.filter(person=e.exposed).count() == 1  # the same follow-up, moved
    assert CategoryEpisode.objects.filter(person=e.exposed, category__code="close_contact").count() == 1

    # The same pair again widens their one exposure; an earlier date moves nothing.
    services.exposure_record(source=confirmed_case.person, exposed=e.exposed, data=exposure(last=0, first=8),
                             by=cast.grid_a_worker)
    e.refresh_from_db()
    assert (e.first_contact, e.last_contact) == (days_ago(8), days_ago(0))
    assert Exposure.objects.filter(source=confirmed_case.person, exposed=e.exposed).count() == 1
    fu.refresh_from_db()
    assert fu.end == days_ago(-14)
    services.exposure_record(source=other_case.person, exposed=e.exposed, data=exposure(last=3), by=None)
    fu.refresh_from_db()
    assert fu.end == days_ago(-14)


def test_the_period_is_the_category_s(cast, confirmed_case):
    from persons.models import Category

    Category.objects.filter(code="close_contact").update(period_days=21)
    e, _ = services.contact_add(source=confirmed_case.person, person_data=contact_data("李明", 201, cast.grid_a),
                                exposure_data=exposure(last=2), by=cast.grid_a_worker)
    assert FollowUp.objects.get(person=e.exposed).end == days_ago(2 - 21)


def test_exposure_input_errors_name_the_field(cast, confirmed_case, register):
    person = register("李明", 201)
    with pytest.raises(DomainError) as exc:
        services.exposure_record(source=confirmed_case.person, exposed=person, by=cast.grid_a_worker,
                                 data={"first_contact": days_ago(1), "last_contact": days_ago(3), "setting": "bar"})
    assert set(exc.value.fields) == {"last_contact", "setting"}
    with pytest.raises(DomainError) as exc:
        services.exposure_record(source=person, exposed=confirmed_case.person, data=exposure(), by=None)
    assert exc.value.fields.keys() == {"source"}
    with pytest.raises(DomainError) as exc:
        services.contact_add(source=confirmed_case.person, by=cast.grid_a_worker, exposure_data=exposure(),
                             person_data=contact_data("孙八", 204, cast.grid_a, doc_number="431302199001011230"))
    assert "doc_number" in exc.value.fields
    assert not Exposure.objects.exists()


def test_contacts_to_depth_two_in_one_query(cast, confirmed_case, django_assert_num_queries):
    close, _ = services.contact_add(source=confirmed_case.person, person_data=contact_data("李明", 201, cast.grid_a),
                                    exposure_data=exposure(), by=None)
    other, _ = services.contact_add(source=confirmed_case.person, person_data=contact_data("赵红", 202, cast.grid_b),
                                    exposure_data=exposure(), by=None)
    second, _ = services.contact_add(source=close.exposed, person_data=contact_data("钱七", 203, cast.grid_a),
                                     exposure_data=exposure(), by=None)
    # A cycle back to a contact reached in one step must not count twice or at two steps.
    services.exposure_record(source=close.exposed, exposed=other.exposed, data=exposure(), by=None)
    with django_assert_num_queries(1):
        reached = selectors.contacts_to_depth([confirmed_case.person_id], depth=2)
    assert reached == sorted([(close.exposed_id, 1), (other.exposed_id, 1), (second.exposed_id, 2)],
                             key=lambda r: (r[1], r[0]))
    assert selectors.contacts_to_depth([confirmed_case.person_id], depth=1) == sorted(
        [(close.exposed_id, 1), (other.exposed_id, 1)])
