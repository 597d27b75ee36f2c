"""Shapes of the front-line teams API."""

import datetime as dt

from ninja import Field, Schema

from volunteers.models import Need


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


class SiteRosterOut(Schema):
    """Who is on duty at a site on a day: confirmed shifts and stays overlapping it, by start."""

    site_id: int
    site: str
    day: dt.date
    can_check: bool = Field(description="whether the caller checks people in and out here (the site's coordinators)")
    items: list[AssignmentOut]


class AreaRosterRowOut(Schema):
    id: int
    site_id: int
    site: str
    start: dt.datetime
    end: dt.datetime
    stationed: bool
    name: str
    org: str
    post: str
    progress: str = Field(description="not_in, in or out")


class AreaRosterOut(Schema):
    """Who is on duty on a day at every site under a unit, by site, start and name. `too_many`: more than `limit`
    people are; `items` is then empty and `children` lists the units to ask for one by one."""

    unit: str
    name: str
    day: dt.date
    too_many: bool
    limit: int
    children: list[str] = []
    items: list[AreaRosterRowOut]


class CancelOut(Schema):
    cancelled: AssignmentOut
    moved_up: AssignmentOut | None = Field(None, description="the first on the waiting list, who took the freed place")


class SwapIn(Schema):
    other_id: int = Field(description="the assignment whose person takes this one's place, and gives theirs")


class SwapOut(Schema):
    first: AssignmentOut
    second: AssignmentOut


class SlotIn(Schema):
    start: dt.datetime
    end: dt.datetime


class NeedIn(Schema):
    """A need of a site with its time slots (for a stationed post, each slot is a whole stay)."""

    post: Need.Post
    title: str = Field(max_length=100)
    requirements: str = Field("", max_length=300)
    people: int = Field(ge=1, le=500, description="people per slot")
    slots: list[SlotIn] = Field(min_length=1, max_length=60)
