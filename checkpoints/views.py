"""Checkpoint pages: the duty page with the live alerts, a site's checkpoints and teams, the gate page for a
phone, the day's log, an alert with its recheck timer, an incident's checklist and timeline, a team.
Each view parses, authorizes, calls one service or selector, and renders."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import access
from accounts.roles import CHECKPOINTS_MANAGE, CHECKPOINTS_RECORD, CHECKPOINTS_VIEW
from checkpoints import selectors, services
from checkpoints.access import site_require, site_scope
from checkpoints.forms import (
    CheckpointForm,
    DeviceForm,
    GateForm,
    MemberForm,
    RecheckForm,
    ReleaseForm,
    RuleForm,
    StationForm,
    StepForm,
    SuspendForm,
    TeamForm,
    VisitorForm,
)
from checkpoints.models import Alert, Incident, IncidentStep, Team
from checkpoints.people import people_shown, person_shown, roster_shown
from checkpoints.questions import question_text as _question_text
from checkpoints.services.alerts import seconds_to_recheck
from checkpoints.services.common import questions_for, rule_for
from checkpoints.services.incidents import TESTS
from core.errors import DomainError
from core.forms import form_errors_text
from core.pages import page_call, page_day, page_error, page_form_post
from persons.identity import mask_doc, mask_phone, normalize_doc_number


def _can(user, perm: str, obj) -> bool:
    return site_scope(user, perm).covers(obj.unit_path, getattr(obj, "site_id", None) or obj.pk)


# -- the duty page and the live alerts ------------------------------------------------------------------

@login_required
def index(request):
    """The duty page: live alerts (polled), incidents in progress, the sites and their gates. With ?day= the
    alerts raised that day (?state= one state); ?unit=CODE keeps a unit's subtree."""
    scope = site_require(request.user, CHECKPOINTS_VIEW)
    code = request.GET.get("unit", "").strip()
    unit = access.unit_get_for_user(request.user, code, perm=CHECKPOINTS_VIEW) if code else None
    under = unit.path if unit else ""
    day, alerts = None, None
    if request.GET.get("day"):
        day = page_day(request)
        alerts = people_shown(request.user, selectors.alerts_of_day(scope, day, under=under,
                                                                    state=request.GET.get("state", "")))
    return render(request, "checkpoints/index.html", {
        "sites": selectors.sites_in_scope(scope)[:300],
        "incidents": people_shown(request.user, selectors.incidents_in_scope(scope, under=under)[:100]),
        "can_manage": not site_scope(request.user, CHECKPOINTS_MANAGE).empty,
        "unit": unit, "day": day, "alerts": alerts,
    })


@login_required
def alerts_live(request):
    """The live alerts as a fragment, polled every two seconds by the gate and duty pages."""
    scope = site_require(request.user, CHECKPOINTS_VIEW)
    checkpoint = None
    if request.GET.get("checkpoint"):
        try:
            checkpoint = selectors.checkpoint_get_for_user(request.user, int(request.GET["checkpoint"]))
        except ValueError:
            raise Http404 from None
    alerts = people_shown(request.user, selectors.alerts_live(scope, checkpoint=checkpoint))
    return render(request, "checkpoints/_alerts.html", {"alerts": alerts, "now": timezone.now()})


# -- a site: its checkpoints, devices, liaisons, teams, fever rule ---------------------------------------

@login_required
def site_detail(request, pk: int):
    site = selectors.site_get_for_user(request.user, pk)
    manage = _can(request.user, CHECKPOINTS_MANAGE, site)
    officer = site_scope(request.user, CHECKPOINTS_MANAGE).covers_subtree(site.unit_path)
    rule = rule_for(site.pk)
    return render(request, "checkpoints/site.html", {
        "site": site, "checkpoints": selectors.site_checkpoints(site),
        "teams": selectors.teams_of(site), "stations": selectors.stations_of(site), "rule": rule,
        "own_rule": rule.site_id == site.pk, "can_manage": manage, "officer": officer,
        "checkpoint_form": CheckpointForm(), "team_form": TeamForm(), "station_form": StationForm(),
        "device_form": DeviceForm(),
        "rule_form": RuleForm(initial={"threshold": rule.threshold, "recheck_minutes": rule.recheck_minutes,
                                       "temperature_required": rule.temperature_required}),
    })


def _site_post(request, pk: int, form_class, call, *, perm: str = CHECKPOINTS_MANAGE):
    site = selectors.site_get_for_user(request.user, pk, perm=perm)
    page_form_post(request, form_class(request.POST), lambda d: call(site, d), done=lambda message: message)
    return redirect("checkpoints:site", pk=site.pk)


@login_required
@require_POST
def checkpoint_create(request, pk: int):
    return _site_post(request, pk, CheckpointForm, lambda site, d: services.checkpoint_create(
        site=site, name=d["name"], by=request.user) and None)


@login_required
@require_POST
def team_create(request, pk: int):
    return _site_post(request, pk, TeamForm, lambda site, d: services.team_create(
        site=site, name=d["name"], leader=d["leader"], leader_phone=d["leader_phone"], by=request.user) and None)


@login_required
@require_POST
def station_assign(request, pk: int):
    def call(site, d):
        station = services.station_assign_named(site=site, username=d["username"], by=request.user)
        return _("%(user)s is stationed at %(site)s.") % {"user": station.user, "site": site.name}
    return _site_post(request, pk, StationForm, call)


@login_required
@require_POST
def rule_set(request, pk: int):
    def call(site, d):
        services.fever_rule_set(site=site, threshold=d["threshold"], recheck_minutes=d["recheck_minutes"],
                                temperature_required=d["temperature_required"], by=request.user)
    return _site_post(request, pk, RuleForm, call)


def _key_shown(text: str):
    """What a post that gives a device a key says: `text` with the device's code and the key (shown only now)."""
    return lambda device_and_key: text % {"code": device_and_key[0].code, "key": device_and_key[1]}


@login_required
@require_POST
def device_register(request, pk: int):
    checkpoint = selectors.checkpoint_get_for_user(request.user, pk, perm=CHECKPOINTS_MANAGE)
    page_form_post(request, DeviceForm(request.POST), lambda d: services.device_register(
        checkpoint=checkpoint, code=d["code"], name=d["name"], by=request.user),
        done=_key_shown(_("Device %(code)s registered. Its key, shown only now: %(key)s")))
    return redirect("checkpoints:site", pk=checkpoint.site_id)


def _manage_post(get, call, back, *, done=""):
    """The view of a post acting on one object of a site found in the manager's scope (else 404): it calls the service
    `call(obj, by)`, says how it went (core.pages.page_call, `done` a text or a function of the service's result) and
    goes back to the page `back(obj)` names (URL name, pk)."""
    @login_required
    @require_POST
    def view(request, pk: int):
        obj = get(request.user, pk, perm=CHECKPOINTS_MANAGE)
        page_call(request, lambda: call(obj, request.user), done=done)
        name, back_pk = back(obj)
        return redirect(name, pk=back_pk)
    return view


def _site_of(obj) -> tuple[str, int]:
    return "checkpoints:site", obj.site_id


# A new key for a device (the old one stops working at once), shown once.
device_key_rotate = _manage_post(
    selectors.device_get_for_user, lambda device, by: services.device_key_rotate(device=device, by=by), _site_of,
    done=lambda device_and_key: _key_shown(_("Device %(code)s has a new key; the old one no longer works. The new "
                                             "key, shown only now: %(key)s"))(device_and_key))
device_deactivate = _manage_post(
    selectors.device_get_for_user, lambda device, by: services.device_deactivate(device=device, by=by), _site_of,
    done=lambda device: _("Device %(code)s is out of use; its key is revoked.") % {"code": device.code})
station_end = _manage_post(
    selectors.station_get_for_user, lambda station, by: services.station_end(station=station, by=by), _site_of)
member_remove = _manage_post(
    selectors.member_get_for_user, lambda member, by: services.team_member_remove(member=member, by=by),
    lambda member: ("checkpoints:team", member.team_id))


# -- the gate ---------------------------------------------------------------------------------------------

def _gate_context(request, checkpoint, **extra) -> dict:
    day = timezone.localdate()
    return {"checkpoint": checkpoint,
            "passages": people_shown(request.user, selectors.passages_of_day(checkpoint, day, limit=20)),
            "counts": selectors.passage_counts(checkpoint, day), "rule": rule_for(checkpoint.site_id),
            "can_record": _can(request.user, CHECKPOINTS_RECORD, checkpoint), **extra}


@login_required
def gate(request, pk: int):
    """The gate page for a phone: scan or type, Enter, next."""
    checkpoint = selectors.checkpoint_get_for_user(request.user, pk)
    return render(request, "checkpoints/gate.html", _gate_context(
        request, checkpoint, form=GateForm(), visitor_form=VisitorForm()))


@login_required
@require_POST
def gate_pass(request, pk: int):
    """Register a passage (scan, pick or visitor form); htmx gets the result and the refreshed list."""
    checkpoint = selectors.checkpoint_get_for_user(request.user, pk, perm=CHECKPOINTS_RECORD)
    visitor = request.POST.get("form") == "visitor"
    form = VisitorForm(request.POST) if visitor else GateForm(request.POST)
    result, error, code = None, None, ""
    if form.is_valid():
        d = form.cleaned_data
        person = None
        if not visitor and d.get("person"):
            person = selectors.person_pickable(request.user, checkpoint, d["person"])
        code = "" if visitor else d["code"]
        try:
            result = services.passage_record(
                checkpoint=checkpoint, direction=d["direction"], code=code, person=person,
                visitor={"name": d["name"], "phone": d["phone"], "doc_number": d["doc_number"],
                         "reason": d["reason"]} if visitor else None,
                temperature=d["temperature"], at=None if visitor else d["at"], by=request.user)
        except DomainError as exc:
            error = exc
    else:
        error = DomainError("invalid", form_errors_text(form))
    context = {"result": result, "error": error, "code": normalize_doc_number(code), "checkpoint": checkpoint,
               "rule": rule_for(checkpoint.site_id)}
    if request.htmx:
        day = timezone.localdate()
        context.update(passages=people_shown(request.user, selectors.passages_of_day(checkpoint, day, limit=20)),
                       counts=selectors.passage_counts(checkpoint, day), oob=True)
        return render(request, "checkpoints/_gate_result.html", context)
    if error is not None:
        page_error(request, error)
    else:
        messages.success(request, _gate_message(result))
        if result.alert is not None:
            return redirect("checkpoints:alert", pk=result.alert.pk)
    return redirect("checkpoints:gate", pk=checkpoint.pk)


def _gate_message(result) -> str:
    parts = [result.name]
    if result.passage is not None:
        parts.append(result.passage.get_direction_display())
    if result.reading is not None:
        parts.append(f"{result.reading.temperature} °C")
    return " · ".join(parts)


@login_required
def gate_people(request, pk: int):
    """People to pick at the gate (htmx fragment)."""
    checkpoint = selectors.checkpoint_get_for_user(request.user, pk, perm=CHECKPOINTS_RECORD)
    people = selectors.gate_people_search(request.user, checkpoint, request.GET.get("q", ""))
    for p in people:
        p.doc_masked = mask_doc(p.doc_number)
    return render(request, "checkpoints/_people.html", {"people": people, "checkpoint": checkpoint})


@login_required
def log(request, pk: int):
    """The passage log and the readings of a checkpoint on a day."""
    checkpoint = selectors.checkpoint_get_for_user(request.user, pk)
    day = page_day(request)
    passages = people_shown(request.user, selectors.passages_of_day(checkpoint, day, limit=2000))
    for p in passages:
        p.visitor_phone_masked, p.visitor_doc_masked = mask_phone(p.visitor_phone), mask_doc(p.visitor_doc)
    return render(request, "checkpoints/log.html", {
        "checkpoint": checkpoint, "day": day, "passages": passages,
        "counts": selectors.passage_counts(checkpoint, day),
        "readings": people_shown(request.user, selectors.readings_of_day(checkpoint, day, limit=2000)),
        "previous": day - dt.timedelta(days=1), "next": day + dt.timedelta(days=1),
    })


# -- alerts and incidents --------------------------------------------------------------------------------

@login_required
def alert_detail(request, pk: int):
    alert = person_shown(request.user, selectors.alert_get_for_user(request.user, pk))
    incident = Incident.objects.filter(alert=alert).first()
    return render(request, "checkpoints/alert.html", {
        "alert": alert, "incident": incident, "form": RecheckForm(), "now": timezone.now(),
        "seconds_left": seconds_to_recheck(alert), "can_record": _can(request.user, CHECKPOINTS_RECORD, alert),
    })


@login_required
@require_POST
def alert_recheck(request, pk: int):
    alert = selectors.alert_get_for_user(request.user, pk, perm=CHECKPOINTS_RECORD)
    posted = page_form_post(request, RecheckForm(request.POST), lambda d: services.alert_recheck(
        alert=alert, temperature=d["temperature"], taken_at=d["taken_at"], by=request.user), done="")
    if not posted:
        return redirect("checkpoints:alert", pk=alert.pk)
    alert = posted.result
    if alert.state == Alert.State.ESCALATED:
        messages.error(request, _("The recheck is still a fever: the emergency plan has started."))
        return redirect("checkpoints:incident", pk=alert.incident.pk)
    messages.success(request, _("The recheck is below the threshold: the alert is cleared."))
    return redirect("checkpoints:alert", pk=alert.pk)


@login_required
def incident_detail(request, pk: int):
    incident = person_shown(request.user, selectors.incident_get_for_user(request.user, pk))
    steps = selectors.incident_timeline(incident)
    questions = [{**q, "text": _question_text(q), "given": incident.exposure.get(q["key"], {})}
                 for q in questions_for(incident.site_id)]
    return render(request, "checkpoints/incident.html", {
        "incident": incident, "alert": incident.alert, "steps": steps,
        "checklist": services.checklist(incident, steps), "questions": questions,
        "teams": Team.objects.filter(site_id=incident.site_id, active=True).order_by("name"),
        "tests": TESTS, "results": Incident.Outcome.choices,
        "can_record": _can(request.user, CHECKPOINTS_RECORD, incident) and incident.state == Incident.State.OPEN,
    })


@login_required
@require_POST
def incident_step(request, pk: int):
    incident = selectors.incident_get_for_user(request.user, pk, perm=CHECKPOINTS_RECORD)

    def call(d):
        data = {"who": d["who"], "team_id": d["team"], "result": d["result"], "tests": d["tests"]}
        if d["kind"] == IncidentStep.Kind.EXPOSURE:
            data["answers"] = {q["key"]: {"answer": request.POST.get(f"answer_{q['key']}", ""),
                                          "detail": request.POST.get(f"detail_{q['key']}", "")}
                               for q in questions_for(incident.site_id)}
        services.incident_step_record(incident=incident, kind=d["kind"], at=d["at"], note=d["note"], data=data,
                                      by=request.user)
        return IncidentStep.Kind(d["kind"]).label

    page_form_post(request, StepForm(request.POST), call, done=lambda step: _("Recorded: %(step)s.") % {"step": step})
    return redirect("checkpoints:incident", pk=incident.pk)


# -- teams -------------------------------------------------------------------------------------------------

@login_required
def team_detail(request, pk: int):
    team = selectors.team_get_for_user(request.user, pk)
    roster = roster_shown(request.user, selectors.team_roster(team))
    suspensions = selectors.suspensions_of(team)
    return render(request, "checkpoints/team.html", {
        "team": team, "roster": roster, "suspensions": suspensions,
        "current": next((s for s in suspensions if s.end is None), None),
        "can_manage": _can(request.user, CHECKPOINTS_MANAGE, team),
        "can_record": _can(request.user, CHECKPOINTS_RECORD, team),
        "member_form": MemberForm(), "suspend_form": SuspendForm(), "release_form": ReleaseForm(),
    })


def _team_post(request, pk: int, form_class, call, *, perm: str):
    team = selectors.team_get_for_user(request.user, pk, perm=perm)
    page_form_post(request, form_class(request.POST), lambda d: call(team, d))
    return redirect("checkpoints:team", pk=team.pk)


@login_required
@require_POST
def member_add(request, pk: int):
    return _team_post(request, pk, MemberForm, lambda team, d: services.team_member_add_by_card(
        team=team, name=d["name"], doc_number=d["doc_number"], badge=d["badge"], by=request.user),
        perm=CHECKPOINTS_MANAGE)


@login_required
@require_POST
def team_suspend(request, pk: int):
    return _team_post(request, pk, SuspendForm, lambda team, d: services.team_suspend(
        team=team, at=d["at"], reason=d["reason"], by=request.user), perm=CHECKPOINTS_RECORD)


@login_required
@require_POST
def team_release(request, pk: int):
    return _team_post(request, pk, ReleaseForm, lambda team, d: services.team_release(
        team=team, at=d["at"], by=request.user), perm=CHECKPOINTS_RECORD)
