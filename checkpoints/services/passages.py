"""Passages through a checkpoint: a scanned or typed badge or document number, a person picked from the
list, or a visitor's quick form; with the temperature taken at the gate, when there is one."""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import CHECKPOINTS_RECORD
from checkpoints.models import Checkpoint, MemberSuspension, Passage, Reading, TeamMember
from checkpoints.selectors import person_reach
from checkpoints.services.common import (
    FUTURE_SLACK,
    TemperatureError,
    check_scope,
    in_future,
    local_time,
    rule_for,
    temperature_parse,
)
from checkpoints.services.readings import DOC_TYPES, _reading_create
from core.audit import audit_record, snapshot
from core.clock import aware
from core.errors import DomainError
from persons.identity import normalize_doc_number, normalize_name, normalize_phone
from persons.models import Person

DIRECTIONS = {"in": Passage.Direction.IN, "out": Passage.Direction.OUT, "check": None}


@dataclass
class Found:
    person: Person | None
    member: TeamMember | None


def subject_find(*, checkpoint: Checkpoint, code: str, by) -> Found:
    """Who a scanned or typed code names: a badge of the checkpoint's enterprise, else the document number of
    someone `by` may name at this gate (on its roster or in their line-list scope; checkpoints.selectors.
    person_reach). Anyone else is not found, exactly as a number nobody has."""
    code = normalize_doc_number(code)
    if not code:
        return Found(None, None)
    member = (TeamMember.objects.filter(site_id=checkpoint.site_id, badge=code, left_at__isnull=True)
              .select_related("person", "team").first())
    if member is not None:
        return Found(member.person, member)
    person = Person.objects.filter(doc_type__in=DOC_TYPES, doc_number=code).first()
    if person is None:
        return Found(None, None)
    member = (TeamMember.objects.filter(site_id=checkpoint.site_id, person=person, left_at__isnull=True)
              .select_related("team").first())
    if member is None and not person_reach(by=by).covers(person.unit_path):
        return Found(None, None)
    return Found(person, member)


def person_not_found() -> DomainError:
    """The answer for a person named by id that nobody has, or that the caller may not name: the same."""
    return DomainError("not_found", _("Not found."), status=404)


def member_suspension(member: TeamMember | None) -> MemberSuspension | None:
    if member is None:
        return None
    return MemberSuspension.objects.filter(member=member, end__isnull=True).select_related("suspension").first()


@dataclass
class GateResult:
    passage: Passage | None
    reading: Reading | None
    alert: object | None
    person: Person | None
    name: str


def passage_record(*, checkpoint: Checkpoint, direction: str, code: str = "", person: Person | None = None,
                   visitor: dict | None = None, temperature=None, at: dt.datetime | None = None, by) -> GateResult:
    """Register someone at the gate. `direction` is in, out, or check (a temperature without a passage).

    1. Identify them: the person picked, else the code scanned or typed (badge, then document number),
       else the visitor form (name required; a document number that is registered links the person).
    2. Refuse entry to a member of a stopped shift team.
    3. Refuse a passage the site's rule wants a temperature for (every entry by default) when none is typed and
       no thermometer at this checkpoint read the person in the last DEVICE_READING_WINDOW (that reading is then
       the passage's); "temperature only" always needs one.
    4. Save the temperature (a fever raises an alert), then the passage; both audited.
    """
    check_scope(by, CHECKPOINTS_RECORD, checkpoint)
    if direction not in DIRECTIONS:
        raise DomainError("invalid_direction", _("Choose in, out or temperature only."),
                          fields={"direction": [_("Unknown direction.")]})
    if not checkpoint.active:
        raise DomainError("inactive", _("This checkpoint is not in use."))
    at = aware(at) or timezone.now()
    errors: dict[str, list[str]] = {}
    if in_future(at):
        errors["at"] = [_("In the future.")]
    value = None
    if temperature not in (None, ""):
        try:
            value = temperature_parse(temperature)
        except TemperatureError as exc:
            errors["temperature"] = [str(exc)]
    member, method, visitor_fields = None, Passage.Method.SCAN, {}
    if person is not None:
        method = Passage.Method.PICK
        member = TeamMember.objects.filter(site_id=checkpoint.site_id, person=person, left_at__isnull=True).first()
        if member is None and not person_reach(by=by).covers(person.unit_path):
            raise person_not_found()
    elif visitor:
        method = Passage.Method.VISITOR
        visitor_fields = _visitor_clean(visitor, errors)
        doc = visitor_fields.get("visitor_doc")
        if doc:
            found = subject_find(checkpoint=checkpoint, code=doc, by=by)
            person, member = found.person, found.member
    else:
        found = subject_find(checkpoint=checkpoint, code=code, by=by)
        person, member = found.person, found.member
        if person is None:
            shown = normalize_doc_number(code)
            raise DomainError("not_found", _("Nobody registered has the badge or document number %(code)s: use the "
                                             "visitor form.") % {"code": shown or "—"},
                              fields={"code": [_("Not found.")]}, status=404)
    if errors:
        raise DomainError("invalid_passage", _("The passage cannot be saved."), fields=errors)
    suspended = member_suspension(member)
    if suspended is not None and DIRECTIONS[direction] == Passage.Direction.IN:
        raise DomainError("team_suspended", _("%(name)s's team is stopped since %(t)s: do not let them in.")
                          % {"name": person.name, "t": local_time(suspended.start)},
                          fields={"code": [_("Team stopped.")]}, status=409)
    name = person.name if person is not None else visitor_fields.get("visitor_name", "")
    measured = None
    if value is None:
        measured = _temperature_missing(checkpoint, direction, person=person, at=at)
    with transaction.atomic():
        reading, alert = measured, None
        if value is not None:
            reading, alert = _reading_create(checkpoint=checkpoint, value=value, taken_at=at, person=person,
                                             subject="" if person else name, by=by)
        passage = None
        if DIRECTIONS[direction] is not None:
            passage = Passage.objects.create(checkpoint=checkpoint, site_id=checkpoint.site_id,
                                             unit_path=checkpoint.unit_path, direction=DIRECTIONS[direction],
                                             method=method, at=at, person=person, reading=reading, recorded_by=by,
                                             **visitor_fields)
            audit_record(actor=by, action="create", obj=passage, unit_path=passage.unit_path,
                         object_repr=f"{name} · {passage.get_direction_display()} · {checkpoint.name}",
                         after=snapshot(passage, ["checkpoint", "direction", "method", "at", "person", "visitor_name",
                                                  "reading"]))
    return GateResult(passage=passage, reading=reading, alert=alert, person=person, name=name)


DEVICE_READING_WINDOW = dt.timedelta(minutes=10)


def _temperature_missing(checkpoint: Checkpoint, direction: str, *, person: Person | None,
                         at: dt.datetime) -> Reading | None:
    """For a passage without a typed temperature: the reading a thermometer at this checkpoint took of the person
    just before (not yet any passage's), or None when the site's rule does not ask for one; else the refusal."""
    if direction == "check":
        raise DomainError("temperature_required", _("Temperature only: fill in the temperature taken."),
                          fields={"temperature": [_("Fill in the temperature.")]})
    if not rule_for(checkpoint.site_id).requires_temperature(direction):
        return None
    if person is not None:
        reading = (Reading.objects.filter(checkpoint=checkpoint, person=person, passages__isnull=True,
                                          taken_at__gte=at - DEVICE_READING_WINDOW, taken_at__lte=at + FUTURE_SLACK)
                   .order_by("-taken_at").first())
        if reading is not None:
            return reading
    if direction == "in":
        message = _("No temperature: this checkpoint lets nobody in unmeasured. Take the temperature, fill it in "
                    "and register again.")
    else:
        message = _("No temperature: this checkpoint measures everyone going in or out. Take the temperature, "
                    "fill it in and register again.")
    raise DomainError("temperature_required", message, fields={"temperature": [_("Fill in the temperature.")]})


def _visitor_clean(visitor: dict, errors: dict) -> dict:
    name = normalize_name(str(visitor.get("name") or ""))
    if not name:
        errors["visitor_name"] = [_("The visitor's name is required.")]
    phone = ""
    if visitor.get("phone"):
        try:
            phone = normalize_phone(str(visitor["phone"]))
        except ValueError as exc:
            errors["visitor_phone"] = [str(exc)]
    doc = normalize_doc_number(str(visitor.get("doc_number") or ""))
    if len(doc) > 32:
        errors["visitor_doc"] = [_("At most %(n)d characters.") % {"n": 32}]
    return {"visitor_name": name, "visitor_phone": phone, "visitor_doc": doc[:32],
            "reason": " ".join(str(visitor.get("reason") or "").split())}
