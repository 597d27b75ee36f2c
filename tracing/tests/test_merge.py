"""Merging two records of the same person who both have tracing rows: the case, the exposures and the
follow-up that each allow one per person (or per pair) are joined, nothing fails, no history is lost."""

import datetime as dt

import pytest
from django.utils import timezone

from persons import services as person_services
from persons.models import CategoryEpisode, Person
from persons.tests.conftest import resident_id
from tracing import services
from tracing.models import Case, CaseClassification, Exposure, FollowUp, FollowUpEvent, Task
from tracing.tests.conftest import TODAY, days_ago, exposure


@pytest.fixture
def twins(cast):
    """The same 李明 twice: by resident ID in grid A, by passport in grid B."""
    a = person_services.person_register(data={"name": "李明", "doc_type": "resident_id",
                                              "doc_number": resident_id(seq=301), "grid": cast.grid_a.code}, by=None)
    b = person_services.person_register(data={"name": "李明", "doc_type": "passport", "doc_number": "E7654321",
                                              "grid": cast.grid_b.code}, by=None)
    return a, b


def _open(person) -> list[str]:
    return sorted(CategoryEpisode.objects.filter(person=person, end__isnull=True)
                  .values_list("category__code", flat=True))


def test_both_records_contacts_under_follow_up(cast, confirmed_case, twins):
    a, b = twins
    source = confirmed_case.person
    ea = services.exposure_record(source=source, exposed=a, data=exposure(last=3, first=4), by=cast.street_officer)
    eb = services.exposure_record(source=source, exposed=b, data=exposure(last=1), by=cast.street_officer)
    services.exposure_record(source=a, exposed=b, data=exposure(last=1), by=cast.street_officer)  # one person
    services.tasks_generate_daily(day=TODAY)
    fu_a, fu_b = FollowUp.objects.get(person=a), FollowUp.objects.get(person=b)
    assert fu_b.end > fu_a.end

    person_services.person_merge(keep=a, drop=b, by=cast.street_officer)

    assert not Person.objects.filter(pk=b.pk).exists()
    [joined] = Exposure.objects.filter(exposed=a)
    assert joined.pk == ea.pk and (joined.first_contact, joined.last_contact) == (days_ago(4), days_ago(1))
    assert not Exposure.objects.filter(pk=eb.pk).exists() and not Exposure.objects.filter(source=a).exists()
    [active] = FollowUp.objects.filter(person=a, state="active")
    assert active.pk == fu_a.pk and active.end == fu_b.end and active.last_exposure == days_ago(1)
    fu_b.refresh_from_db()
    assert fu_b.person_id == a.pk and fu_b.state == "stopped"  # its history stays, with the person kept
    assert FollowUpEvent.objects.filter(follow_up=fu_b, kind="stopped").exists()
    assert Task.objects.filter(person=a, day=TODAY, status__in=Task.OPEN).count() == 1
    assert _open(a) == ["close_contact"]


def test_both_records_cases(cast, confirmed_case, twins, client_for):
    a, b = twins
    source = confirmed_case.person
    services.exposure_record(source=source, exposed=a, data=exposure(last=5), by=cast.street_officer)
    services.exposure_record(source=source, exposed=b, data=exposure(last=2), by=cast.street_officer)
    now = timezone.now()
    case_a = services.case_register(person=a, classification="suspected", at=now - dt.timedelta(hours=5),
                                    label="疑似12", by=cast.street_officer)
    case_b = services.case_register(person=b, classification="confirmed", at=now - dt.timedelta(hours=2),
                                    onset_date=days_ago(2), hospital_name="娄底市中心医院", by=cast.street_officer)
    services.contact_add(source=b, person_data={"name": "赵红", "doc_number": resident_id(seq=302),
                                                "grid": cast.grid_b.code},
                         exposure_data=exposure(last=1), by=cast.street_officer)
    assert _open(a) == ["suspected"] and _open(b) == ["confirmed"]

    response = client_for(cast.street_officer).post("/persons/duplicates/resolve/",
                                                    {"keep": a.pk, "other": b.pk, "action": "merge"})
    assert response.status_code == 302 and not Person.objects.filter(pk=b.pk).exists()

    [case] = Case.objects.exclude(pk=confirmed_case.pk)
    assert case.pk == case_a.pk and not Case.objects.filter(pk=case_b.pk).exists()
    assert (case.classification, case.label, case.onset_date, case.hospital_name) == (
        "confirmed", "疑似12", days_ago(2), "娄底市中心医院")
    assert case.unit_path == cast.grid_a.path
    assert list(CaseClassification.objects.filter(case=case).values_list("classification", flat=True)) == [
        "suspected", "confirmed"]
    assert _open(a) == ["confirmed"]  # the suspicion ended; the confirmation held by the dropped record moved
    assert Exposure.objects.filter(source=confirmed_case.person, exposed=a).count() == 1
    contact = Exposure.objects.get(exposed__name="赵红")
    assert contact.source_id == a.pk
    assert not FollowUp.objects.filter(person=a, state="active").exists()
    page = client_for(cast.grid_a_worker).get(f"/tracing/cases/{case.pk}/")
    assert page.status_code == 200  # the case follows the record kept, into grid A


def test_one_record_a_case_the_other_under_follow_up(cast, confirmed_case, twins):
    a, b = twins
    services.exposure_record(source=confirmed_case.person, exposed=b, data=exposure(last=1), by=cast.street_officer)
    services.case_register(person=a, classification="confirmed", by=cast.street_officer)
    person_services.person_merge(keep=a, drop=b, by=cast.street_officer)
    fu = FollowUp.objects.get(person=a)
    assert fu.state == "became_case" and _open(a) == ["confirmed"]
    assert Exposure.objects.get(exposed=a).unit_path == cast.grid_a.path
