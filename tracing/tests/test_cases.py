"""Cases: classification with its history, the registry categories written, the rules and the manual
override, a contact becoming a case."""

import datetime as dt

import pytest
from django.utils import timezone

from core.errors import DomainError
from core.models import AuditEntry
from persons import services as person_services
from persons.models import Category, CategoryEpisode
from persons.selectors import open_at
from tracing import services
from tracing.models import Case, CaseClassification, Exposure, FollowUp, FollowUpEvent, Task
from tracing.tests.conftest import contact_data, days_ago, exposure


def held(person, at=None) -> set[str]:
    return set(CategoryEpisode.objects.filter(open_at(at or timezone.now()), person=person)
               .values_list("category__code", flat=True))


def test_registering_a_case_writes_its_history_category_and_audit(cast, register):
    person = register("王芳", 101)
    case = services.case_register(person=person, classification="suspected", onset_date=days_ago(2),
                                  by=cast.street_officer)
    assert held(person) == {"suspected"}
    [history] = CaseClassification.objects.filter(case=case)
    assert (history.classification, history.method, history.by) == ("suspected", "manual", cast.street_officer)
    assert AuditEntry.objects.filter(object_type="tracing.case", action="create", actor=cast.street_officer).exists()
    assert case.unit_path == cast.grid_a.path


def test_reclassification_moves_the_category_and_keeps_every_step(cast, register):
    person = register("王芳", 101)
    case = services.case_register(person=person, classification="suspected", at=timezone.now() - dt.timedelta(days=2),
                                  by=cast.street_officer)
    services.case_classify(case=case, classification="confirmed", reason="核酸阳性", by=cast.street_officer)
    two_days_ago = timezone.now() - dt.timedelta(days=1, hours=12)
    assert held(person, two_days_ago) == {"suspected"}  # the past reads as it was
    assert held(person) == {"confirmed"}
    case.refresh_from_db()
    assert case.confirmed_date == timezone.localdate()
    assert [h.classification for h in case.classifications.all()] == ["suspected", "confirmed"]

    services.case_classify(case=case, classification="excluded", reason="复核排除", by=cast.street_officer)
    assert held(person) == set()
    assert CategoryEpisode.objects.filter(person=person).count() == 2  # both episodes kept, both ended


def test_a_person_is_one_case(cast, register):
    person = register("王芳", 101)
    services.case_register(person=person, classification="suspected", by=cast.street_officer)
    with pytest.raises(DomainError) as exc:
        services.case_register(person=person, classification="confirmed", by=cast.street_officer)
    assert exc.value.code == "already_a_case" and "person" in exc.value.fields


def test_invalid_dates_are_named_by_field(cast, register):
    person = register("王芳", 101)
    with pytest.raises(DomainError) as exc:
        services.case_register(person=person, classification="confirmed", onset_date=days_ago(1),
                               report_date=days_ago(3), confirmed_date=days_ago(-2), by=cast.street_officer)
    assert set(exc.value.fields) == {"report_date", "confirmed_date"}
    assert not Case.objects.exists()


def test_outcome_ends_the_case_category_at_its_date(cast, confirmed_case):
    services.case_update(case=confirmed_case, data={"outcome": "recovered", "outcome_date": timezone.localdate()},
                         by=cast.street_officer)
    assert held(confirmed_case.person) == set()
    with pytest.raises(DomainError) as exc:
        services.case_update(case=confirmed_case, data={"outcome": "", "outcome_date": days_ago(1)},
                             by=cast.street_officer)
    assert "outcome" in exc.value.fields


def _symptomatic_contact(cast, case, name, seq):
    contact, _created = services.contact_add(source=case.person, person_data=contact_data(name, seq, cast.grid_a),
                                             exposure_data=exposure(last=1), by=cast.grid_a_worker)
    fu = FollowUp.objects.get(person=contact.exposed, state="active")
    return contact.exposed, fu


def test_symptoms_during_follow_up_make_a_suspected_case_by_rule(cast, confirmed_case):
    person, fu = _symptomatic_contact(cast, confirmed_case, "李明", 201)
    services.tasks_generate_daily(day=timezone.localdate())
    services.follow_up_result_record(follow_up=fu, result="symptoms", temperature="38.2", symptoms=["fever"],
                                     by=cast.grid_a_worker)
    case = Case.objects.get(person=person)
    assert (case.classification, case.classification_method) == ("suspected", "rule")
    assert case.classifications.get().rule == "contact_symptoms"
    # The contact became a case: follow-up over, its history and the exposure kept, categories moved.
    fu.refresh_from_db()
    assert fu.state == FollowUp.State.BECAME_CASE and fu.ended_at is not None
    assert list(fu.events.values_list("kind", flat=True)) == ["opened", "became_case"]
    assert Exposure.objects.filter(exposed=person).exists()
    assert held(person) == {"suspected"}
    assert CategoryEpisode.objects.get(person=person, category__code="close_contact").end is not None
    assert Task.objects.get(follow_up=fu).status == Task.Status.DONE  # the day's visit was made


def test_a_manual_classification_survives_the_rules(cast, confirmed_case, register):
    """Someone excluded by hand, under follow-up again as a new contact, reports symptoms: the rule would
    suspect them, but a classification made by hand is never overridden by a rule."""
    person = register("李明", 201)
    earlier = services.case_register(person=person, classification="suspected",
                                     at=timezone.now() - dt.timedelta(days=20), by=cast.street_officer)
    services.case_classify(case=earlier, classification="excluded", at=timezone.now() - dt.timedelta(days=18),
                           reason="两次核酸阴性", by=cast.street_officer)
    services.exposure_record(source=confirmed_case.person, exposed=person, data=exposure(last=1),
                             by=cast.grid_a_worker)
    fu = FollowUp.objects.get(person=person, state="active")
    person_services.health_check_record(person=person, temperature="38.5", result="symptoms", by=cast.grid_a_worker)

    counts = services.case_rules_apply()
    earlier.refresh_from_db()
    assert counts == {"classified": 0, "kept_manual": 1}
    assert (earlier.classification, earlier.classification_method) == ("excluded", "manual")
    assert earlier.classifications.count() == 2
    fu.refresh_from_db()
    assert fu.state == FollowUp.State.ACTIVE  # still followed up as a contact

    # The same case excluded by a rule is suspected again by the rule.
    CaseClassification.objects.filter(case=earlier).update(method="rule")
    Case.objects.filter(pk=earlier.pk).update(classification_method="rule")
    assert services.case_rules_apply()["classified"] == 1
    earlier.refresh_from_db()
    assert (earlier.classification, earlier.classification_method) == ("suspected", "rule")

    # And a classification by hand replaces the rule's, and sticks.
    services.case_classify(case=earlier, classification="excluded", reason="复核", by=cast.street_officer)
    ruled = services.case_classify(case=earlier, classification="suspected", method="rule", by=None)
    assert (ruled.classification, ruled.classification_method) == ("excluded", "manual")


def test_a_contact_registered_as_a_case_ends_follow_up_and_keeps_history(cast, confirmed_case):
    person, fu = _symptomatic_contact(cast, confirmed_case, "李明", 201)
    services.tasks_generate_daily(day=timezone.localdate())
    case = services.case_register(person=person, classification="confirmed", by=cast.street_officer)
    fu.refresh_from_db()
    assert fu.state == FollowUp.State.BECAME_CASE
    assert FollowUpEvent.objects.filter(follow_up=fu, kind="became_case").exists()
    assert Task.objects.get(follow_up=fu).status == Task.Status.NOT_POSSIBLE  # no visit owed any more
    assert held(person) == {"confirmed"}
    assert case.active and Exposure.objects.filter(exposed=person, source=confirmed_case.person).exists()
    # A case is not followed up as a contact again.
    with pytest.raises(DomainError) as exc:
        services.exposure_record(source=confirmed_case.person, exposed=person, data=exposure(last=0),
                                 by=cast.grid_a_worker)
    assert exc.value.code == "already_a_case"


def test_categories_are_those_of_the_registry(cast):
    codes = set(Category.objects.values_list("code", flat=True))
    assert {"close_contact", "secondary_contact", "confirmed", "suspected", "asymptomatic"} <= codes
