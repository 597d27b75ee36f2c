"""The fever rule and the emergency plan: alert, timed recheck, incident checklist, the shift team stopped and
put back to work, the registry category, the hand-over to tracing; every step in the timeline and audited."""

import pytest
import time_machine
from django.apps import apps
from django.utils import timezone

from checkpoints import services
from checkpoints.models import Alert, Incident, IncidentStep, MemberSuspension, Passage, Suspension
from checkpoints.tests.conftest import local
from core.errors import DomainError
from core.models import AuditEntry, Notification
from persons.models import CategoryEpisode

K = IncidentStep.Kind
ANSWERS = {"hospital": {"answer": "yes", "detail": "20日去医院看望生病的母亲"},
           "case_contact": {"answer": "no"}, "fever_contact": {"answer": "unknown"}, "travel": {"answer": "no"}}


def _fever_at_the_gate(gates, clock):
    """16:00: 颜某 scans his badge at the gate and reads 39.5 °C."""
    clock.move_to(local(2020, 2, 21, 16, 0))
    return services.passage_record(checkpoint=gates.gate, direction="in", code="LG0101", temperature="39.5",
                                   by=gates.liaison)


def _incident(gates, clock, temperature: str) -> Incident:
    """The fever at the gate, then at 16:10 a recheck still at or above the threshold opens the incident."""
    alert = _fever_at_the_gate(gates, clock).alert
    clock.move_to(local(2020, 2, 21, 16, 10))
    services.alert_recheck(alert=alert, temperature=temperature, by=gates.liaison)
    return Incident.objects.get()


@pytest.fixture
def clock():
    with time_machine.travel(local(2020, 2, 21, 15, 0), tick=False) as traveller:
        yield traveller


def test_fever_recheck_incident_and_the_team_stopped_and_released(gates, clock, cast):
    result = _fever_at_the_gate(gates, clock)
    alert = result.alert
    assert alert is not None and alert.state == Alert.State.OPEN and result.passage.reading == result.reading
    assert alert.recheck_due_at == local(2020, 2, 21, 16, 10)

    # The recheck is refused before its ten minutes are up, and clears nothing.
    clock.move_to(local(2020, 2, 21, 16, 6))
    with pytest.raises(DomainError) as early:
        services.alert_recheck(alert=alert, temperature="39.5", by=gates.liaison)
    assert early.value.code == "recheck_too_early" and "16:10" in str(early.value.message)
    assert services.alerts.seconds_to_recheck(alert) == 240

    clock.move_to(local(2020, 2, 21, 16, 10))
    alert = services.alert_recheck(alert=alert, temperature="39.5", by=gates.liaison)
    assert alert.state == Alert.State.ESCALATED
    incident = Incident.objects.get(alert=alert)
    assert incident.team == gates.team and incident.person == gates.yan and incident.state == Incident.State.OPEN

    def step(kind, minute, **data):
        clock.move_to(local(2020, 2, 21, 16, minute))
        return services.incident_step_record(incident=incident, kind=kind, data=data, by=gates.liaison)

    step(K.SEPARATED, 11)
    step(K.AMBULANCE_CALLED, 11)
    step(K.LEAD_NOTIFIED, 12, who="企业负责人 刘总；长青街道值班室")
    step(K.TEAM_SUSPENDED, 12)
    team_suspension = Suspension.objects.get(team=gates.team, end__isnull=True)
    marks = MemberSuspension.objects.filter(suspension=team_suspension, end__isnull=True)
    assert marks.count() == 8 and {m.start for m in marks} == {local(2020, 2, 21, 16, 12)}

    # A teammate is turned away at the gate while the team is stopped.
    with pytest.raises(DomainError) as turned_away:
        services.passage_record(checkpoint=gates.gate, direction="in", code="LG0102", by=gates.liaison)
    assert turned_away.value.code == "team_suspended"

    step(K.EXPOSURE, 15, answers=ANSWERS)
    step(K.AMBULANCE_ARRIVED, 30)
    step(K.REGISTERED, 31)
    fever = CategoryEpisode.objects.get(person=gates.yan, category__code="fever")
    assert fever.end is None and fever.start == local(2020, 2, 21, 16, 31)

    clock.move_to(local(2020, 2, 21, 22, 0))
    services.incident_step_record(incident=incident, kind=K.OUTCOME, data={"result": "negative", "tests": ["ct", "nat"]},
                                  by=gates.liaison)
    incident.refresh_from_db()
    assert incident.state == Incident.State.CLOSED and incident.outcome == "negative"
    assert incident.closed_at == local(2020, 2, 21, 22, 0)
    team_suspension.refresh_from_db()
    assert team_suspension.end == local(2020, 2, 21, 22, 0)
    assert not MemberSuspension.objects.filter(end__isnull=True).exists()
    fever.refresh_from_db()
    assert fever.end == local(2020, 2, 21, 22, 0)
    assert incident.exposure["hospital"]["answer"] == "yes"

    timeline = [(s.kind, timezone.localtime(s.at).strftime("%H:%M"), s.by_name) for s in incident.steps.order_by("at", "id")]
    assert [k for k, _t, _b in timeline] == [K.STARTED, K.SEPARATED, K.AMBULANCE_CALLED, K.LEAD_NOTIFIED,
                                              K.TEAM_SUSPENDED, K.EXPOSURE, K.AMBULANCE_ARRIVED, K.REGISTERED,
                                              K.OUTCOME, K.TEAM_RELEASED, K.CLOSED]
    assert timeline[0][1] == "16:10" and timeline[-1][1] == "22:00" and {b for _k, _t, b in timeline} == {"康双丰"}
    audited = AuditEntry.objects.filter(object_type="checkpoints.incidentstep").count()
    assert audited == len(timeline)

    # The team is back: its members pass again.
    services.passage_record(checkpoint=gates.gate, direction="in", code="LG0102", temperature="36.6",
                            by=gates.liaison)
    assert Passage.objects.filter(person=gates.members[2].person).exists()
    # A closed incident takes no more steps, only notes.
    with pytest.raises(DomainError):
        services.incident_step_record(incident=incident, kind=K.SEPARATED, by=gates.liaison)
    services.incident_step_record(incident=incident, kind=K.NOTE, note="已回访，体温正常", by=gates.liaison)


def test_a_recheck_below_the_threshold_clears_the_alert(gates, clock):
    alert = _fever_at_the_gate(gates, clock).alert
    clock.move_to(local(2020, 2, 21, 16, 12))
    alert = services.alert_recheck(alert=alert, temperature="36.9", by=gates.liaison)
    assert alert.state == Alert.State.CLEARED and not Incident.objects.exists()
    with pytest.raises(DomainError) as again:
        services.alert_recheck(alert=alert, temperature="36.9", by=gates.liaison)
    assert again.value.code == "already_rechecked"


def test_steps_keep_their_order_and_answers(gates, clock):
    incident = _incident(gates, clock, "39.1")
    with pytest.raises(DomainError) as arrived:
        services.incident_step_record(incident=incident, kind=K.AMBULANCE_ARRIVED, by=gates.liaison)
    assert arrived.value.code == "step_order"
    with pytest.raises(DomainError) as missing:
        services.incident_step_record(incident=incident, kind=K.EXPOSURE, data={"answers": {"hospital": "yes"}},
                                      by=gates.liaison)
    assert set(missing.value.fields) == {"case_contact", "fever_contact", "travel"}
    with pytest.raises(DomainError) as before:
        services.incident_step_record(incident=incident, kind=K.SEPARATED, at=local(2020, 2, 21, 15, 0),
                                      by=gates.liaison)
    assert before.value.code == "invalid_date"
    services.incident_step_record(incident=incident, kind=K.SEPARATED, at=local(2020, 2, 21, 16, 1), by=gates.liaison)
    with pytest.raises(DomainError) as twice:
        services.incident_step_record(incident=incident, kind=K.SEPARATED, by=gates.liaison)
    assert twice.value.code == "step_done"


def test_a_positive_result_hands_the_person_to_tracing_and_keeps_the_team_stopped(gates, clock):
    incident = _incident(gates, clock, "39.5")
    services.incident_step_record(incident=incident, kind=K.TEAM_SUSPENDED, by=gates.liaison)
    clock.move_to(local(2020, 2, 21, 23, 0))
    services.incident_step_record(incident=incident, kind=K.OUTCOME, data={"result": "positive", "tests": ["nat"]},
                                  by=gates.liaison)
    incident.refresh_from_db()
    assert incident.state == Incident.State.HANDED_OVER
    assert Suspension.objects.get(team=gates.team).end is None
    assert incident.steps.filter(kind=K.HANDED_OVER).exists()
    if apps.is_installed("tracing"):
        from tracing.models import Case

        case = Case.objects.get(person=gates.yan)
        assert incident.case_id == case.pk and case.classification == "confirmed"


def test_a_site_rule_overrides_the_default(gates, clock, cast):
    services.fever_rule_set(site=gates.enterprise, threshold="37.0", recheck_minutes=5, by=cast.street_officer)
    clock.move_to(local(2020, 2, 21, 16, 0))
    here = services.reading_record(checkpoint=gates.gate, temperature="37.1", person=gates.yan, by=gates.liaison)
    elsewhere = services.reading_record(checkpoint=gates.other_gate, temperature="37.1", subject="访客",
                                        by=cast.street_officer)
    assert here.fever and not elsewhere.fever
    assert Alert.objects.get().recheck_due_at == local(2020, 2, 21, 16, 5)
    # A liaison may not change the rule: it is the officers' of the unit.
    with pytest.raises(DomainError):
        services.fever_rule_set(site=gates.enterprise, threshold="38", recheck_minutes=10, by=gates.liaison)


def test_the_people_on_duty_are_notified(gates, clock, cast):
    alert = _fever_at_the_gate(gates, clock).alert
    notified = set(Notification.objects.filter(kind="checkpoint_fever_alert").values_list("recipient__username",
                                                                                             flat=True))
    assert {"kang", "community_a", "street_officer"} <= notified
    assert "community_b" not in notified and "grid_a" not in notified
    note = Notification.objects.filter(kind="checkpoint_fever_alert").first()
    assert "39.5" in note.title and note.url == f"/checkpoints/alerts/{alert.pk}/"


def test_teams_are_stopped_and_released_by_hand(gates, clock, cast):
    services.team_suspend(team=gates.team, reason="班组长密接", by=gates.liaison)
    assert MemberSuspension.objects.filter(end__isnull=True).count() == 8
    with pytest.raises(DomainError):
        services.team_suspend(team=gates.team, reason="again", by=gates.liaison)
    clock.move_to(local(2020, 2, 21, 18, 0))
    services.team_release(team=gates.team, by=gates.liaison)
    assert not MemberSuspension.objects.filter(end__isnull=True).exists()
    assert Suspension.objects.get().end == local(2020, 2, 21, 18, 0)
