"""Shapes of the front-line teams API."""

import datetime as dt

from ninja import Schema


class AssignmentOut(Schema):
    id: int
    slot_id: int
    need_id: int
    site_id: int
    site: str
    volunteer_id: int
    name: str
    org: str
    start: dt.datetime
    end: dt.datetime
    stationed: bool
    state: str
    position: int | None = None  # place on the waiting list (1 = next to move up)
    checked_in_at: dt.datetime | None = None
    checked_out_at: dt.datetime | None = None
    minutes: int = 0


class SlotOut(Schema):
    id: int
    start: dt.datetime
    end: dt.datetime
    confirmed: int
    waiting: int
    free: int


class NeedOut(Schema):
    id: int
    site_id: int
    site: str
    post: str
    title: str
    requirements: str
    people: int
    closed: bool
    slots: list[SlotOut] = []


class SignupIn(Schema):
    volunteer_id: int


class TallyRowOut(Schema):
    rank: int
    id: int
    name: str
    level: str
    people: int
    hours: float
    stationed_days: int
    donations: float
    commendations: int
