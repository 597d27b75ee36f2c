"""Checkpoint endpoints: the same services, selectors and scope as the pages. Thermometers and gate
terminals send batches of readings to /api/checkpoint-readings with their device's own key, which opens
nothing else."""

import datetime as dt
import json

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.security import HttpBearer, django_auth

from accounts import access
from accounts.api import DEVICE_KEY_PREFIX, TokenAuth
from accounts.roles import CHECKPOINTS_RECORD, CHECKPOINTS_VIEW
from accounts.throttling import credential_failed, credential_gate
from checkpoints import selectors, services
from checkpoints.access import site_require
from checkpoints.api import sites
from checkpoints.api.sites import checkpoint_out, team_out
from checkpoints.models import Incident, IncidentStep
from checkpoints.people import people_shown, person_shown
from checkpoints.schemas import (
    AlertOut,
    CheckpointOut,
    GatePersonOut,
    IncidentOut,
    IncidentSummaryOut,
    PassageIn,
    PassageOut,
    ReadingBatchOut,
    ReadingIn,
    ReadingOut,
    RecheckIn,
    StepIn,
    TeamOut,
)
from checkpoints.services.alerts import seconds_to_recheck
from core.errors import DomainError
from persons.identity import mask_doc

# The token is tried before the session: the session's CSRF check would otherwise refuse a device's POST
# (it runs before the session cookie is even looked at) instead of letting the token authenticate it.
router = Router(tags=["checkpoints"], auth=[TokenAuth(), django_auth])

BATCH_DOC = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {
            "description": "A list of readings, or {\"readings\": [...]}; at most 5,000 per batch.",
            "type": "array",
            "items": {"type": "object", "required": ["device_id", "event_id", "time", "temperature"], "properties": {
                "device_id": {"type": "string", "description": "the id the device is registered with"},
                "event_id": {"type": "string", "description": "unique per device; a repeat is a duplicate"},
                "time": {"type": "string", "format": "date-time",
                         "description": "ISO 8601 (local time when without an offset) or Unix seconds"},
                "temperature": {"type": "number", "description": "°C, 34–43"},
                "person_id": {"type": "integer"},
                "badge": {"type": "string", "description": "a staff badge of the device's enterprise"},
                "doc_number": {"type": "string", "description": "a resident ID or other document number"},
            }}}}},
    },
}


class DeviceKeyAuth(HttpBearer):
    """`Authorization: Bearer fkd_…`: a device's own key, from its site's page. A credential of the device
    alone: accepted by the readings endpoint only, for that device's own readings."""

    def authenticate(self, request, token):
        credential_gate(request)
        device = services.device_authenticate(token)
        if device is None:
            if token.startswith(DEVICE_KEY_PREFIX):  # other keys are TokenAuth's to judge, next
                credential_failed(request)
            return None
        request.device = device
        return device


@router.post("/checkpoint-readings", response={200: ReadingBatchOut}, openapi_extra=BATCH_DOC,
             auth=[DeviceKeyAuth(), TokenAuth(), django_auth],
             summary="A batch of device readings, answered item by item (accepted, duplicate, refused)")
def checkpoint_readings_batch(request: HttpRequest):
    device = getattr(request, "device", None)
    if device is None:
        site_require(request.user, CHECKPOINTS_RECORD)
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, RecursionError):
        raise DomainError("invalid_json", _("The body is not JSON.")) from None
    items = body.get("readings") if isinstance(body, dict) else body
    if device is not None:
        result = services.readings_ingest(items=items, by=None, device=device)
    else:
        result = services.readings_ingest(items=items, by=request.user)
    # Plain JSON in the documented shape: validating thousands of answers against the schema would cost
    # more than storing the readings.
    return JsonResponse({"accepted": result.accepted, "duplicates": result.duplicates, "refused": result.refused,
                         "alerts": result.alerts, "items": result.items})


@router.get("/checkpoints", response=list[CheckpointOut], summary="Checkpoints in scope")
def checkpoint_list(request: HttpRequest):
    scope = site_require(request.user, CHECKPOINTS_VIEW)
    return [checkpoint_out(c) for c in selectors.checkpoints_in_scope(scope)[:1000]]


def _of_day(request, checkpoint_id: int, day: dt.date | None, rows_of_day) -> list:
    """A checkpoint's passages or readings of a day (today by default), their people as the caller may see them."""
    checkpoint = selectors.checkpoint_get_for_user(request.user, checkpoint_id)
    return people_shown(request.user, rows_of_day(checkpoint, day or timezone.localdate(), limit=5000))


@router.get("/checkpoints/{checkpoint_id}/passages", response=list[PassageOut],
            summary="The passages of a checkpoint on a day (today by default)")
def checkpoint_passage_list(request: HttpRequest, checkpoint_id: int, day: Query[dt.date | None] = None):
    passages = _of_day(request, checkpoint_id, day, selectors.passages_of_day)
    return [{"id": p.pk, "direction": p.direction, "at": p.at, "person_id": p.shown.id if p.shown else None,
             "name": p.who_shown,
             "temperature": p.reading.temperature if p.reading else None,
             "fever": bool(p.reading and p.reading.fever), "alert_id": None} for p in passages]


@router.get("/checkpoints/{checkpoint_id}/people", response=list[GatePersonOut],
            summary="People to pick at a gate by name, pinyin initials or the end of the badge or document number")
def checkpoint_people_search(request: HttpRequest, checkpoint_id: int, q: str = ""):
    checkpoint = selectors.checkpoint_get_for_user(request.user, checkpoint_id, perm=CHECKPOINTS_RECORD)
    return [{"id": p.pk, "name": p.name, "doc_masked": mask_doc(p.doc_number)}
            for p in selectors.gate_people_search(request.user, checkpoint, q)]


@router.post("/checkpoints/{checkpoint_id}/passages", response={201: PassageOut},
             summary="Register a passage: a code (badge or document number), a person id or a visitor")
def checkpoint_passage_create(request: HttpRequest, checkpoint_id: int, payload: PassageIn):
    checkpoint = selectors.checkpoint_get_for_user(request.user, checkpoint_id, perm=CHECKPOINTS_RECORD)
    person = selectors.person_pickable(request.user, checkpoint, payload.person_id) if payload.person_id else None
    result = services.passage_record(checkpoint=checkpoint, direction=payload.direction, code=payload.code,
                                     person=person, visitor=payload.visitor, temperature=payload.temperature,
                                     at=payload.at, by=request.user)
    p, r = result.passage, result.reading
    return Status(201, {"id": p.pk if p else None, "direction": p.direction if p else None, "at": p.at if p else None,
                        "person_id": result.person.pk if result.person else None, "name": result.name,
                        "temperature": r.temperature if r else None, "fever": bool(r and r.fever),
                        "alert_id": result.alert.pk if result.alert else None})


@router.get("/checkpoints/{checkpoint_id}/readings", response=list[ReadingOut],
            summary="The temperatures read at a checkpoint on a day (today by default), as on its log")
def checkpoint_reading_list(request: HttpRequest, checkpoint_id: int, day: Query[dt.date | None] = None):
    readings = _of_day(request, checkpoint_id, day, selectors.readings_of_day)
    return [{"id": r.pk, "checkpoint_id": r.checkpoint_id, "person_id": r.shown.id if r.shown else None,
             "subject": r.who_shown, "taken_at": r.taken_at, "temperature": r.temperature, "fever": r.fever,
             "alert_id": _alert_of(r)} for r in readings]


def _alert_of(reading) -> int | None:
    alert = getattr(reading, "alert", None)  # none: the reverse one-to-one raises an AttributeError
    return alert.pk if alert else None


@router.post("/checkpoints/{checkpoint_id}/readings", response={201: ReadingOut},
             summary="One temperature taken by hand")
def checkpoint_reading_create(request: HttpRequest, checkpoint_id: int, payload: ReadingIn):
    checkpoint = selectors.checkpoint_get_for_user(request.user, checkpoint_id, perm=CHECKPOINTS_RECORD)
    person = selectors.person_pickable(request.user, checkpoint, payload.person_id) if payload.person_id else None
    if person is None and payload.code:
        person = services.subject_find(checkpoint=checkpoint, code=payload.code, by=request.user).person
    reading = services.reading_record(checkpoint=checkpoint, temperature=payload.temperature,
                                      taken_at=payload.taken_at, person=person,
                                      subject=payload.subject or ("" if person else payload.code), by=request.user)
    alert = getattr(reading, "alert", None) if reading.fever else None
    return Status(201, {"id": reading.pk, "checkpoint_id": checkpoint.pk, "person_id": reading.person_id,
                        "subject": reading.subject, "taken_at": reading.taken_at, "temperature": reading.temperature,
                        "fever": reading.fever, "alert_id": alert.pk if alert else None})


def _alert_out(request, a) -> dict:
    """An alert; its person as the caller may see them (checkpoints.people), as on the duty page."""
    incident = Incident.objects.filter(alert=a).values_list("pk", flat=True).first()
    if not hasattr(a, "who_shown"):
        person_shown(request.user, a)
    return {"id": a.pk, "checkpoint_id": a.checkpoint_id, "checkpoint": str(a.checkpoint),
            "person_id": a.shown.id if a.shown else None, "who": a.who_shown, "temperature": a.temperature, "threshold": a.threshold, "raised_at": a.raised_at,
            "recheck_due_at": a.recheck_due_at, "seconds_to_recheck": seconds_to_recheck(a), "state": a.state,
            "recheck_temperature": a.recheck.temperature if a.recheck_id else None, "incident_id": incident}


@router.get("/checkpoint-alerts", response=list[AlertOut],
            summary="Live fever alerts in scope: waiting for the recheck, then those closed in the last hours; with "
                    "`day`, those raised that day (in `state`, under the unit `unit`), as on the duty page")
def checkpoint_alert_list(request: HttpRequest, after: int = 0, day: Query[dt.date | None] = None, state: str = "",
                          unit: str = ""):
    scope = site_require(request.user, CHECKPOINTS_VIEW)
    if day is None:
        alerts = selectors.alerts_live(scope)
    else:
        alerts = selectors.alerts_of_day(scope, day, under=_under(request, unit), state=state)
    return [_alert_out(request, a) for a in people_shown(request.user, alerts) if a.pk > after]


def _under(request, code: str) -> str:
    """The path of the unit `code` in the caller's scope (404 outside it); "" without a code."""
    code = code.strip()
    return access.unit_get_for_user(request.user, code, perm=CHECKPOINTS_VIEW).path if code else ""


@router.get("/checkpoint-incidents", response=list[IncidentSummaryOut],
            summary="The emergency plans in progress in scope (under the unit `unit`), newest first")
def checkpoint_incident_list(request: HttpRequest, unit: str = ""):
    scope = site_require(request.user, CHECKPOINTS_VIEW)
    incidents = people_shown(request.user, selectors.incidents_in_scope(scope, under=_under(request, unit))[:100])
    return [{"id": i.pk, "alert_id": i.alert_id, "checkpoint_id": i.checkpoint_id, "checkpoint": str(i.checkpoint),
             "person_id": i.shown.id if i.shown else None, "who": i.who_shown, "started_at": i.started_at,
             "team_id": i.team_id} for i in incidents]


@router.get("/checkpoint-alerts/{alert_id}", response=AlertOut)
def checkpoint_alert_get(request: HttpRequest, alert_id: int):
    return _alert_out(request, selectors.alert_get_for_user(request.user, alert_id))


@router.post("/checkpoint-alerts/{alert_id}/recheck", response=AlertOut,
             summary="The recheck: below the threshold clears the alert, at or above starts the emergency plan")
def checkpoint_alert_recheck(request: HttpRequest, alert_id: int, payload: RecheckIn):
    alert = selectors.alert_get_for_user(request.user, alert_id, perm=CHECKPOINTS_RECORD)
    alert = services.alert_recheck(alert=alert, temperature=payload.temperature, taken_at=payload.taken_at,
                                   by=request.user)
    return _alert_out(request, selectors.alert_get_for_user(request.user, alert.pk))


def _incident_out(request, incident) -> dict:
    steps = selectors.incident_timeline(incident)
    person_shown(request.user, incident)
    return {
        "id": incident.pk, "alert_id": incident.alert_id, "checkpoint_id": incident.checkpoint_id,
        "person_id": incident.shown.id if incident.shown else None, "who": incident.who_shown, "state": incident.state,
        "outcome": incident.outcome, "started_at": incident.started_at, "closed_at": incident.closed_at,
        "team_id": incident.team_id, "case_id": incident.case_id, "exposure": incident.exposure,
        "checklist": [{"kind": i["kind"], "label": str(i["label"]), "done_at": i["step"].at if i["step"] else None}
                      for i in services.checklist(incident, steps)],
        "timeline": [{"kind": s.kind, "label": str(IncidentStep.Kind(s.kind).label), "at": s.at, "by": s.by_name,
                      "data": s.data, "note": s.note, "recorded_at": s.recorded_at} for s in steps],
    }


@router.get("/checkpoint-incidents/{incident_id}", response=IncidentOut,
            summary="An incident: its checklist and timeline")
def checkpoint_incident_get(request: HttpRequest, incident_id: int):
    return _incident_out(request, selectors.incident_get_for_user(request.user, incident_id))


@router.post("/checkpoint-incidents/{incident_id}/steps", response={201: IncidentOut},
             summary="Record a step of the emergency plan (see the data each kind takes in the docs)")
def checkpoint_incident_step(request: HttpRequest, incident_id: int, payload: StepIn):
    incident = selectors.incident_get_for_user(request.user, incident_id, perm=CHECKPOINTS_RECORD)
    services.incident_step_record(incident=incident, kind=payload.kind, at=payload.at, note=payload.note,
                                  data=payload.data, by=request.user)
    return Status(201, _incident_out(request, selectors.incident_get_for_user(request.user, incident.pk)))


@router.get("/checkpoint-teams/{team_id}", response=TeamOut,
            summary="A shift team: its roster and suspensions, as on its page")
def checkpoint_team_get(request: HttpRequest, team_id: int):
    return team_out(request.user, selectors.team_get_for_user(request.user, team_id))


router.add_router("", sites.router)
