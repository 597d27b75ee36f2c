"""Shapes of the checkpoints API. A batch of readings is a list of loose objects: each item is checked on
its own, so one bad item is answered by itself instead of refusing the whole batch."""

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Schema


class CheckpointOut(Schema):
    id: int
    name: str
    site_id: int
    site: str
    site_kind: str
    unit_path: str
    active: bool


class ReadingBatchIn(Schema):
    readings: list[Any]


class ReadingItemOut(Schema):
    index: int
    device_id: str = ""
    event_id: str = ""
    status: str  # accepted | duplicate | refused
    code: str | None = None
    reason: str | None = None
    alert_id: int | None = None


class ReadingBatchOut(Schema):
    accepted: int
    duplicates: int
    refused: int
    alerts: list[int]
    items: list[ReadingItemOut]


class ReadingIn(Schema):
    temperature: str | float
    taken_at: dt.datetime | None = None
    person_id: int | None = None
    code: str = ""  # badge or document number
    subject: str = ""  # a name, when nobody registered matches


class ReadingOut(Schema):
    id: int
    checkpoint_id: int
    person_id: int | None
    subject: str
    taken_at: dt.datetime
    temperature: Decimal
    fever: bool
    alert_id: int | None = None


class PassageIn(Schema):
    direction: str = "in"  # in | out | check (a temperature without a passage)
    code: str = ""
    person_id: int | None = None
    visitor: dict[str, str] | None = None  # {name, phone, doc_number, reason}
    temperature: str | float | None = None
    at: dt.datetime | None = None


class PassageOut(Schema):
    id: int | None
    direction: str | None
    at: dt.datetime | None
    person_id: int | None
    name: str
    temperature: Decimal | None
    fever: bool
    alert_id: int | None


class AlertOut(Schema):
    id: int
    checkpoint_id: int
    checkpoint: str
    person_id: int | None
    who: str
    temperature: Decimal
    threshold: Decimal
    raised_at: dt.datetime
    recheck_due_at: dt.datetime
    seconds_to_recheck: int
    state: str
    recheck_temperature: Decimal | None
    incident_id: int | None


class RecheckIn(Schema):
    temperature: str | float
    taken_at: dt.datetime | None = None


class StepIn(Schema):
    kind: str
    at: dt.datetime | None = None
    note: str = ""
    data: dict[str, Any] = {}


class StepOut(Schema):
    kind: str
    label: str
    at: dt.datetime
    by: str
    data: dict[str, Any]
    note: str
    recorded_at: dt.datetime


class ChecklistItemOut(Schema):
    kind: str
    label: str
    done_at: dt.datetime | None


class IncidentOut(Schema):
    id: int
    alert_id: int
    checkpoint_id: int
    person_id: int | None
    who: str
    state: str
    outcome: str
    started_at: dt.datetime
    closed_at: dt.datetime | None
    team_id: int | None
    case_id: int | None
    exposure: dict[str, Any]
    checklist: list[ChecklistItemOut]
    timeline: list[StepOut]


class MemberOut(Schema):
    """A worker on the roster: named to whoever sees the team; `person_id` only when the caller may open them."""

    id: int
    person_id: int | None
    name: str
    badge: str
    suspended_at: dt.datetime | None


class TeamOut(Schema):
    id: int
    site_id: int
    name: str
    suspended_since: dt.datetime | None
    members: list[MemberOut]
