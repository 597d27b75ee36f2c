"""The offline API's shapes (the protocol: offline.api)."""

import datetime as dt
from decimal import Decimal
from typing import Literal
from uuid import UUID

from ninja import Field, Schema
from pydantic import field_validator

from core.timebounds import out_of_range

KIND = Literal["arrival", "check", "status", "result", "task"]


def _within_years(value):
    """A date or time outside core.timebounds is refused where pydantic reads it, naming its place in the list (the
    API's own check runs once the whole body is read, which a write missing another field never is)."""
    reason = out_of_range(value)
    if reason:
        raise ValueError(reason)
    return value


class OfflineErrorOut(Schema):
    """A device check's refusal: wipe (410), login (401), device (403), other_user (409)."""

    code: str
    message: str
    fields: dict[str, list[str]]


class OfflineDeviceIn(Schema):
    device: UUID = Field(description="The key the phone made for itself once (a UUID), kept in its IndexedDB")
    label: str = Field("", max_length=200, description="navigator.userAgent, cut to 200 characters")


class OfflineUserOut(Schema):
    id: int
    username: str
    full_name: str


class OfflineDeviceOut(Schema):
    device: str
    token: str = Field(description="Sent back as X-Offline-Token with X-Offline-Device on every other call; shown "
                                   "once")
    user: OfflineUserOut


class OfflineWriteData(Schema):
    """The fields of every kind of write, each optional: an arrival's (as the arrival page's), a check's, a status
    change's, a follow-up result's (`follow_up`), a task completion's (`task`)."""

    name: str | None = None
    doc_type: str | None = None
    doc_number: str | None = None
    sex: str | None = None
    birth_date: dt.date | None = None
    phone: str | None = None
    address: str | None = None
    grid: str | None = None
    category: str | None = None
    arrived: dt.date | None = None
    origin: str | None = None
    status: str | None = None
    site: int | None = None
    temperature: Decimal | None = None
    symptoms: list[str] = Field([], max_length=20)
    result: str | None = None
    note: str | None = None
    follow_up: int | None = None
    task: int | None = None

    _dates = field_validator("birth_date", "arrived")(_within_years)


class OfflineWriteIn(Schema):
    key: UUID = Field(description="Made on the phone when the write was typed: a write is applied once per key")
    kind: KIND
    at: dt.datetime = Field(description="When it was typed on the phone")
    person: int | None = None
    person_ref: UUID | None = Field(None, description="The key of an earlier arrival write: a person registered "
                                                      "offline, not yet known by id")
    seen: dict | None = Field(None, description="What the phone read (status: {episode, status}; task: {version}; "
                                                "a confirmed arrival: {version}): the conflict basis")
    resolve: Literal["mine"] | None = None
    data: OfflineWriteData = OfflineWriteData()

    _dates = field_validator("at")(_within_years)


class OfflineSyncIn(Schema):
    writes: list[OfflineWriteIn] = Field(max_length=500)


class OfflineConflictOut(Schema):
    field: str
    mine: str | dict
    server: str | dict
    seen: dict


class OfflineResultOut(Schema):
    key: str
    state: Literal["applied", "conflict", "refused", "held"]
    duplicate: bool
    message: str
    fields: dict[str, list[str]]
    conflict: OfflineConflictOut | None
    object: dict | None
    person: int | None
    notices: list[str]


class OfflineSyncOut(Schema):
    results: list[OfflineResultOut]
    applied: int
