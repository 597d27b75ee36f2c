"""The emergency plan (应急预案) as an incident: a checklist followed from the confirmed fever to the test
result, every step stamped in the incident's timeline with its time and actor, and audited.

Steps: separate the person; ambulance called and arrived; the enterprise or community lead notified; the
person's shift team stopped; the exposure history; registered as a fever patient (发热病人) in the line
list; the test result — negative closes the incident and puts the team back to work, positive hands the
person to contact tracing as a case.
"""

import datetime as dt
import logging

from django.apps import apps
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.roles import CHECKPOINTS_RECORD
from checkpoints.models import Alert, Incident, IncidentStep, MemberSuspension, Suspension, Team, TeamMember
from checkpoints.services.common import check_scope, in_future, local_time, questions_for
from checkpoints.services.duty import duty_notify, duty_users
from core.audit import audit_record, snapshot
from core.clock import aware
from core.errors import DomainError
from persons.models import Category, CategoryEpisode

logger = logging.getLogger(__name__)

FEVER_CATEGORY = "fever"  # 发热病人, persons' seed data
ANSWERS = ("yes", "no", "unknown")
TESTS = {"ct": gettext_noop("CT"), "nat": gettext_noop("nucleic acid test")}
K = IncidentStep.Kind
# The checklist in its order; each item is done by a step of its kind.
CHECKLIST = [K.SEPARATED, K.AMBULANCE_CALLED, K.AMBULANCE_ARRIVED, K.LEAD_NOTIFIED, K.TEAM_SUSPENDED, K.EXPOSURE,
             K.REGISTERED, K.OUTCOME]
ONCE = {K.STARTED, K.SEPARATED, K.AMBULANCE_CALLED, K.AMBULANCE_ARRIVED, K.LEAD_NOTIFIED, K.TEAM_SUSPENDED,
        K.EXPOSURE, K.REGISTERED, K.OUTCOME, K.TEAM_RELEASED, K.HANDED_OVER, K.CLOSED}
AUDIT_FIELDS = ["state", "outcome", "closed_at", "team", "exposure", "case_id"]


def _step(incident: Incident, kind: str, *, at: dt.datetime, by, data: dict | None = None,
          note: str = "") -> IncidentStep:
    step = IncidentStep.objects.create(incident=incident, kind=kind, at=at, by=by,
                                       by_name=(str(by) if by is not None else "system")[:150], data=data or {},
                                       note=note)
    audit_record(actor=by, action="create", obj=step, unit_path=incident.unit_path,
                 object_repr=f"#{incident.pk} · {IncidentStep.Kind(kind).label}",
                 after={"incident": incident.pk, "kind": kind, "at": at.isoformat(), "data": data or {},
                        "note": note})
    return step


def incident_start(*, alert: Alert, at: dt.datetime, by) -> Incident:
    """Start the emergency plan for an alert whose recheck is still a fever (called inside the recheck)."""
    member = None
    if alert.person_id is not None:
        member = TeamMember.objects.filter(site_id=alert.site_id, person_id=alert.person_id,
                                           left_at__isnull=True).first()
    incident = Incident.objects.create(alert=alert, checkpoint_id=alert.checkpoint_id, site_id=alert.site_id,
                                       unit_path=alert.unit_path, person_id=alert.person_id, started_at=at,
                                       team_id=member.team_id if member else None, created_by=by)
    audit_record(actor=by, action="create", obj=incident, unit_path=incident.unit_path,
                 after=snapshot(incident, ["alert", "checkpoint", "person", "started_at", "team"]))
    _step(incident, K.STARTED, at=at, by=by, data={"temperature": str(alert.temperature),
                                                    "recheck": str(alert.recheck.temperature),
                                                    "first_at": alert.raised_at.isoformat()})
    duty_notify(duty_users(alert.site_id, alert.unit_path), kind="checkpoint_incident",
            title=(gettext_noop("Emergency plan started at %(where)s: %(who)s, recheck %(t)s °C"),
                   {"where": str(alert.checkpoint), "who": alert.who or "?", "t": alert.recheck.temperature}),
            body=(gettext_noop("Separate the person, call an ambulance, stop the shift team, record the exposure "
                               "history."), {}),
            url=reverse("checkpoints:incident", args=[incident.pk]))
    return incident


def checklist(incident: Incident, steps: list[IncidentStep]) -> list[dict]:
    """The checklist with each item's step (None while not done); the team item only at an enterprise."""
    done = {}
    for step in steps:
        done.setdefault(step.kind, step)
    items = []
    for kind in CHECKLIST:
        if kind == K.TEAM_SUSPENDED and incident.site.kind != "enterprise":
            continue
        items.append({"kind": kind, "label": IncidentStep.Kind(kind).label, "step": done.get(kind)})
    return items


def incident_step_record(*, incident: Incident, kind: str, at: dt.datetime | None = None, note: str = "",
                         data: dict | None = None, by) -> IncidentStep:
    """Record one step of the emergency plan (see the module docstring). `data` by kind:
    lead_notified {"who"}; team_suspended {"team_id"} (default the person's team); exposure {"answers":
    {key: {"answer": yes|no|unknown, "detail"}}}; outcome {"result": negative|positive, "tests": [ct, nat]}."""
    check_scope(by, CHECKPOINTS_RECORD, incident)
    data = dict(data or {})
    if kind not in K.values or kind in (K.STARTED, K.TEAM_RELEASED, K.HANDED_OVER, K.CLOSED):
        raise DomainError("invalid_step", _("Unknown step %(kind)s.") % {"kind": kind},
                          fields={"kind": [_("Unknown step.")]})
    at = aware(at) or timezone.now()
    with transaction.atomic():
        incident = (Incident.objects.select_for_update(of=("self",)).select_related("alert", "site", "person", "team")
                    .get(pk=incident.pk))
        if incident.state != Incident.State.OPEN and kind != K.NOTE:
            raise DomainError("incident_closed", _("The incident is closed (%(state)s).")
                              % {"state": incident.get_state_display()}, status=409)
        _time_check(incident, at)
        if kind in ONCE and incident.steps.filter(kind=kind).exists():
            raise DomainError("step_done", _("“%(step)s” is recorded already.") % {"step": K(kind).label},
                              status=409)
        if kind == K.AMBULANCE_ARRIVED:
            called = incident.steps.filter(kind=K.AMBULANCE_CALLED).first()
            if called is None:
                raise DomainError("step_order", _("Record when the ambulance was called first."))
            if at < called.at:
                raise DomainError("invalid_date", _("The ambulance cannot arrive before it was called (%(t)s).")
                                  % {"t": local_time(called.at)}, fields={"at": [_("Before the call.")]})
        if kind == K.LEAD_NOTIFIED:
            who = " ".join(str(data.get("who") or "").split())[:100]
            if not who:
                raise DomainError("invalid_step", _("Say who was notified."), fields={"who": [_("Required.")]})
            data = {"who": who}
        if kind == K.TEAM_SUSPENDED:
            return _team_step(incident, data, at=at, note=note, by=by)
        if kind == K.EXPOSURE:
            data = {"answers": _answers_clean(incident, data.get("answers") or {})}
            before = snapshot(incident, AUDIT_FIELDS)
            incident.exposure = data["answers"]
            incident.save(update_fields=["exposure"])
            audit_record(actor=by, action="update", obj=incident, unit_path=incident.unit_path, before=before,
                         after=snapshot(incident, AUDIT_FIELDS))
        if kind == K.REGISTERED:
            data = _fever_register(incident, at=at, by=by)
        if kind == K.OUTCOME:
            return _outcome(incident, data, at=at, note=note, by=by)
        return _step(incident, kind, at=at, by=by, data=data, note=note)


def _time_check(incident: Incident, at: dt.datetime) -> None:
    if in_future(at):
        raise DomainError("invalid_date", _("In the future."), fields={"at": [_("In the future.")]})
    if at < incident.alert.raised_at:
        raise DomainError("invalid_date", _("The step cannot lie before the first reading (%(t)s).")
                          % {"t": local_time(incident.alert.raised_at)}, fields={"at": [_("Before the alert.")]})


def _answers_clean(incident: Incident, answers: dict) -> dict:
    questions = questions_for(incident.site_id)
    errors: dict[str, list[str]] = {}
    cleaned = {}
    for q in questions:
        given = answers.get(q["key"]) or {}
        if isinstance(given, str):
            given = {"answer": given}
        answer = str(given.get("answer") or "").strip()
        if answer not in ANSWERS:
            errors[q["key"]] = [_("Answer yes, no or unknown.")]
            continue
        cleaned[q["key"]] = {"answer": answer, "detail": " ".join(str(given.get("detail") or "").split())[:300],
                             "question": q.get("zh", "")}
    if errors:
        raise DomainError("invalid_exposure", _("Answer every question of the exposure history."), fields=errors)
    return cleaned


def _fever_register(incident: Incident, *, at: dt.datetime, by) -> dict:
    """Give the person the 发热病人 category in the line list (through persons' service)."""
    from persons.services import category_assign

    if incident.person is None:
        raise DomainError("no_person", _("The person is not registered in the line list: register them, then link "
                                         "them to the incident."), fields={"person": [_("Not registered.")]})
    category = Category.objects.filter(code=FEVER_CATEGORY).first()
    if category is None:
        raise DomainError("unknown_category", _("The category %(code)s is not defined in the line list.")
                          % {"code": FEVER_CATEGORY})
    held = CategoryEpisode.objects.filter(person=incident.person, category=category, end__isnull=True).first()
    if held is not None:
        return {"category": FEVER_CATEGORY, "episode": held.pk, "already_held": True}
    episode = category_assign(person=incident.person, category=category, start=at,
                              note=_("checkpoint incident #%(id)s") % {"id": incident.pk}, by=by)
    return {"category": FEVER_CATEGORY, "episode": episode.pk}


def _team_step(incident: Incident, data: dict, *, at: dt.datetime, note: str, by) -> IncidentStep:
    team_id = data.get("team_id") or incident.team_id
    team = Team.objects.filter(pk=team_id, site_id=incident.site_id).first() if team_id else None
    if team is None:
        raise DomainError("no_team", _("Choose the shift team to stop."), fields={"team_id": [_("Required.")]})
    suspension = _suspend(team, at=at, incident=incident, reason=_("emergency plan #%(id)s") % {"id": incident.pk},
                          by=by)
    if incident.team_id != team.pk:
        before = snapshot(incident, AUDIT_FIELDS)
        incident.team = team
        incident.save(update_fields=["team"])
        audit_record(actor=by, action="update", obj=incident, unit_path=incident.unit_path, before=before,
                     after=snapshot(incident, AUDIT_FIELDS))
    members = list(suspension.members.select_related("person"))
    return _step(incident, K.TEAM_SUSPENDED, at=at, by=by, note=note,
                 data={"team_id": team.pk, "team": team.name, "suspension_id": suspension.pk,
                       "members": len(members), "names": [m.person.name for m in members]})


def _outcome(incident: Incident, data: dict, *, at: dt.datetime, note: str, by) -> IncidentStep:
    result = data.get("result")
    tests = [t for t in (data.get("tests") or []) if t in TESTS]
    if result not in Incident.Outcome.values:
        raise DomainError("invalid_outcome", _("Give the result: negative or positive."),
                          fields={"result": [_("Required.")]})
    if not tests:
        raise DomainError("invalid_outcome", _("Say which tests were done (CT, nucleic acid)."),
                          fields={"tests": [_("Required.")]})
    step = _step(incident, K.OUTCOME, at=at, by=by, note=note, data={"result": result, "tests": tests})
    before = snapshot(incident, AUDIT_FIELDS)
    incident.outcome = result
    if result == Incident.Outcome.NEGATIVE:
        _fever_end(incident, at=at, by=by)
        open_suspension = Suspension.objects.filter(incident=incident, end__isnull=True).select_related("team").first()
        if open_suspension is not None:
            _lift(open_suspension, at=at, by=by)
            _step(incident, K.TEAM_RELEASED, at=at, by=by,
                  data={"team_id": open_suspension.team_id, "team": open_suspension.team.name,
                        "suspension_id": open_suspension.pk})
        incident.state = Incident.State.CLOSED
    else:
        case_id = _hand_over(incident, tests=tests, at=at, by=by)
        incident.case_id = case_id
        incident.state = Incident.State.HANDED_OVER
        _step(incident, K.HANDED_OVER, at=at, by=by, data={"case_id": case_id},
              note="" if case_id else gettext_noop("contact tracing is not available: register the case by hand"))
    incident.closed_at = at
    incident.save(update_fields=["outcome", "state", "closed_at", "case_id"])
    _step(incident, K.CLOSED, at=at, by=by, data={"state": incident.state})
    audit_record(actor=by, action="update", obj=incident, unit_path=incident.unit_path, before=before,
                 after=snapshot(incident, AUDIT_FIELDS))
    return step


def _fever_end(incident: Incident, *, at: dt.datetime, by) -> None:
    """A negative result ends the 发热病人 category this incident opened (never before it began)."""
    from persons.services import category_end

    if incident.person is None:
        return
    episode = CategoryEpisode.objects.filter(person=incident.person, category__code=FEVER_CATEGORY,
                                             end__isnull=True).select_related("category").first()
    if episode is not None:
        category_end(person=incident.person, category=episode.category, end=max(at, episode.start), by=by)


def _hand_over(incident: Incident, *, tests: list[str], at: dt.datetime, by) -> int | None:
    """Make the person a case in contact tracing (confirmed on a positive nucleic acid test, suspected on CT
    alone); returns the case id, or None when tracing is not installed or the person is not registered."""
    if incident.person is None or not apps.is_installed("tracing"):
        return None
    try:
        from tracing.services import case_of_person_register
    except ImportError:
        logger.warning("tracing.services.case_of_person_register is not available; incident %s not handed over",
                       incident.pk)
        return None
    case = case_of_person_register(
        person=incident.person, classification="confirmed" if "nat" in tests else "suspected", at=at,
        reason=_("positive test after a fever at %(where)s (incident #%(id)s)")
        % {"where": incident.checkpoint, "id": incident.pk}, by=by)
    return case.pk


# -- shift-team suspensions ---------------------------------------------------------------------------------

def _suspend(team: Team, *, at: dt.datetime, incident: Incident | None, reason: str, by) -> Suspension:
    if Suspension.objects.filter(team=team, end__isnull=True).exists():
        raise DomainError("already_suspended", _("The team %(team)s is stopped already.") % {"team": team.name},
                          status=409)
    suspension = Suspension.objects.create(team=team, site_id=team.site_id, unit_path=team.unit_path,
                                           incident=incident, start=at, reason=reason[:200], started_by=by)
    members = list(TeamMember.objects.filter(team=team, left_at__isnull=True).select_related("person"))
    MemberSuspension.objects.bulk_create([
        MemberSuspension(suspension=suspension, member=m, person_id=m.person_id, site_id=m.site_id,
                         unit_path=m.unit_path, start=at) for m in members])
    audit_record(actor=by, action="create", obj=suspension, object_repr=f"{team.name} · {reason}"[:200],
                 unit_path=team.unit_path,
                 after={"team": team.pk, "start": at.isoformat(), "incident": incident.pk if incident else None,
                        "members": [m.person_id for m in members]})
    return suspension


def _lift(suspension: Suspension, *, at: dt.datetime, by) -> Suspension:
    if at < suspension.start:
        raise DomainError("invalid_date", _("The team cannot go back to work before it was stopped (%(t)s).")
                          % {"t": local_time(suspension.start)}, fields={"at": [_("Before the stop.")]})
    before = snapshot(suspension, ["end", "ended_by"])
    suspension.end, suspension.ended_by = at, by
    suspension.save(update_fields=["end", "ended_by"])
    suspension.members.filter(end__isnull=True).update(end=at)
    audit_record(actor=by, action="update", obj=suspension, unit_path=suspension.unit_path, before=before,
                 after=snapshot(suspension, ["end", "ended_by"]))
    return suspension


def team_suspend(*, team: Team, at: dt.datetime | None = None, reason: str = "", by) -> Suspension:
    """Stop a shift team by hand (outside an incident); every current member is marked with the time."""
    check_scope(by, CHECKPOINTS_RECORD, team)
    at = aware(at) or timezone.now()
    if in_future(at):
        raise DomainError("invalid_date", _("In the future."), fields={"at": [_("In the future.")]})
    reason = " ".join((reason or "").split())
    if not reason:
        raise DomainError("invalid_reason", _("Give the reason."), fields={"reason": [_("Required.")]})
    with transaction.atomic():
        Team.objects.select_for_update().get(pk=team.pk)
        return _suspend(team, at=at, incident=None, reason=reason, by=by)


def team_release(*, team: Team, at: dt.datetime | None = None, by) -> Suspension:
    """Put a stopped team back to work. A stop made by an open incident is lifted by its negative result."""
    check_scope(by, CHECKPOINTS_RECORD, team)
    at = aware(at) or timezone.now()
    if in_future(at):
        raise DomainError("invalid_date", _("In the future."), fields={"at": [_("In the future.")]})
    with transaction.atomic():
        Team.objects.select_for_update().get(pk=team.pk)
        suspension = Suspension.objects.filter(team=team, end__isnull=True).select_related("incident").first()
        if suspension is None:
            raise DomainError("not_suspended", _("The team %(team)s is at work.") % {"team": team.name}, status=409)
        if suspension.incident is not None and suspension.incident.state == Incident.State.OPEN:
            raise DomainError("incident_open", _("The team was stopped by an emergency plan still in progress; it goes "
                                                 "back to work with the negative test result."), status=409)
        return _lift(suspension, at=at, by=by)
