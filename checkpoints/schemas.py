"""Shapes of the checkpoints API. A batch of readings is a list of loose objects: each item is checked on
its own, so one bad item is answered by itself instead of refusing the whole batch."""

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Schema


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


class SuspensionOut(Schema):
    start: dt.datetime
    end: dt.datetime | None
    reason: str
    incident_id: int | None
    members: int  # how many of the roster it stopped


class TeamOut(Schema):
    """A shift team: its roster and, newest first, its suspensions (the open one is `suspended_since`)."""

    id: int
    site_id: int
    name: str
    leader: str = ""
    leader_phone: str = ""
    suspended_since: dt.datetime | None
    members: list[MemberOut]
    suspensions: list[SuspensionOut] = []


# -- setting a site up: its checkpoints and devices, stationed liaisons, shift teams, fever rule -------------

class CheckpointIn(Schema):
    name: str = Field(max_length=100, description="e.g. 东门, 厂区大门")


class DeviceIn(Schema):
    code: str = Field(max_length=64, description="the id the device sends with its readings")
    name: str = Field("", max_length=100)


class DeviceOut(Schema):
    id: int
    checkpoint_id: int
    code: str
    name: str
    active: bool
    key_prefix: str  # the key's first characters, to tell keys apart ("" once revoked)
    key_issued_at: dt.datetime | None
    last_used_at: dt.datetime | None


class DeviceKeyOut(DeviceOut):
    key: str  # the device's key: shown only in this answer, never again


class StationIn(Schema):
    username: str = Field(max_length=150, description="the user name of a liaison whose units hold the site")


class StationOut(Schema):
    id: int
    site_id: int
    user: str
    start: dt.datetime
    end: dt.datetime | None


class TeamIn(Schema):
    name: str = Field(max_length=100)
    leader: str = Field("", max_length=50)
    leader_phone: str = Field("", max_length=20)


class MemberIn(Schema):
    """A worker as on their ID card; someone registered in another community is found by both together."""

    name: str = Field(max_length=50)
    doc_number: str = Field(max_length=40)
    badge: str = Field("", max_length=40)


class SuspendIn(Schema):
    reason: str = Field(max_length=200)
    at: dt.datetime | None = None  # empty: now


class ReleaseIn(Schema):
    at: dt.datetime | None = None  # empty: now


class RuleIn(Schema):
    threshold: str | float  # °C, 35–42
    recheck_minutes: int  # 1–240
    temperature_required: str | None = None  # unchanged when left out


class RuleOut(Schema):
    site_id: int
    own: bool  # the site's own rule (else the default rule applies)
    threshold: Decimal
    recheck_minutes: int
    temperature_required: str


class CheckpointDevicesOut(Schema):
    id: int
    name: str
    active: bool
    devices: list[DeviceOut]


class TeamSummaryOut(Schema):
    id: int
    name: str
    leader: str
    active: bool
    members: int  # on the roster now
    suspended_since: dt.datetime | None


class CheckpointSiteOut(Schema):
    """A community checkpoint or an enterprise as on its page: its gates with their devices, the liaisons stationed
    there, its shift teams and the fever rule in force."""

    id: int
    name: str
    kind: str
    unit_path: str
    checkpoints: list[CheckpointDevicesOut]
    stations: list[StationOut]
    teams: list[TeamSummaryOut]
    rule: RuleOut


class SiteSummaryOut(Schema):
    id: int
    name: str
    kind: str
    unit_path: str
    checkpoints: list[CheckpointOut]


class IncidentSummaryOut(Schema):
    """An emergency plan in progress, as listed on the duty page."""

    id: int
    alert_id: int
    checkpoint_id: int
    checkpoint: str
    person_id: int | None
    who: str
    started_at: dt.datetime
    team_id: int | None


class GatePersonOut(Schema):
    """Someone to pick at a gate: on the site's roster or in the caller's line list; the document number masked."""

    id: int
    name: str
    doc_masked: str
