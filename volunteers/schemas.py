"""Shapes of the front-line teams API."""

import datetime as dt

from ninja import Field, Schema

from volunteers.models import CivilisedUnit, Need, Volunteer


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


class VolunteerOut(Schema):
    id: int
    org_id: int
    name: str
    kind: str
    party_member: bool
    phone: str
    username: str | None = None
    active: bool


class OrgIn(Schema):
    code: str = Field(max_length=40, pattern=r"^[-a-zA-Z0-9_]+$")
    name: str = Field(max_length=100)
    level: CivilisedUnit.Level


class OrgOut(Schema):
    """A civilised unit with its people and coordinators."""

    id: int
    code: str
    name: str
    level: str
    unit: str
    people: list[VolunteerOut] = []
    coordinators: list[str] = []


class VolunteerIn(Schema):
    name: str = Field(max_length=50)
    kind: Volunteer.Kind = Volunteer.Kind.STAFF
    party_member: bool = False
    phone: str = Field("", max_length=20)
    username: str = Field("", max_length=150, description="the person's login, so that they sign up and check in "
                          "themselves (an account the caller may name)")


class CoordinatorIn(Schema):
    username: str = Field(max_length=150)


class CommendationIn(Schema):
    title: str = Field(max_length=100)
    story: str = ""
    given_on: dt.date
    volunteer_id: int | None = Field(None, description="the person commended, one of the unit's people")


class CommendationOut(Schema):
    id: int
    org_id: int
    title: str
    story: str
    given_on: dt.date
    volunteer_id: int | None


class DonorLinkIn(Schema):
    donor_id: int = Field(description="a donor of the supplies ledger")


class VolunteerRecordOut(Schema):
    """A person's service record: hours, shifts, days stationed, and their assignments (latest first)."""

    person: VolunteerOut
    hours: float
    shifts: int
    stationed_days: int
    assignments: list[AssignmentOut]


class MyShiftsOut(Schema):
    """The signed-in volunteer's shifts: those overlapping `day` (to check in and out), and those to come."""

    day: dt.date
    today: list[AssignmentOut]
    upcoming: list[AssignmentOut]
