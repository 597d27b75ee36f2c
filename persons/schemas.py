import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Schema


class PersonIn(Schema):
    """A person as registered; strings are normalised (full-width, spaces, x → X) and checked."""

    name: str
    doc_type: str = "resident_id"
    doc_number: str
    sex: str = ""
    birth_date: dt.date | None = None
    phone: str = ""
    address: str = ""
    grid: str
    household_head: str = ""
    household_relation: str = ""
    notes: str = ""
    custom: dict[str, Any] = {}


class PersonPatch(Schema):
    """The fields to change, and the `version` read before editing (a conflict if it moved on)."""

    version: int
    name: str | None = None
    doc_type: str | None = None
    doc_number: str | None = None
    sex: str | None = None
    birth_date: dt.date | None = None
    phone: str | None = None
    address: str | None = None
    grid: str | None = None
    household_head: str | None = None
    household_relation: str | None = None
    notes: str | None = None
    custom: dict[str, Any] | None = None


class PersonListItem(Schema):
    id: int
    name: str
    sex: str
    doc_type: str
    doc_number: str
    phone: str
    grid: str
    categories: list[str]
    status: str | None


class PersonPage(Schema):
    items: list[PersonListItem]
    next_cursor: str | None


class EpisodeOut(Schema):
    code: str
    name: str
    start: dt.datetime
    end: dt.datetime | None
    planned_end: dt.datetime | None = None
    site: str | None = None
    origin: str | None = Field(None, description="where the person came from (categories of arrivals)")


class CheckOut(Schema):
    id: int
    checked_at: dt.datetime
    temperature: Decimal | None
    symptoms: list[str]
    result: str
    flagged: bool
    notices: list[str] = Field(default_factory=list, description="What recording it changed or set in motion: "
                               "a fever recorded as one, the recheck task, who was told")


class PersonOut(Schema):
    id: int
    version: int
    name: str
    sex: str
    birth_date: dt.date | None
    doc_type: str
    doc_number: str
    phone: str
    address: str
    grid: str
    household_relation: str
    notes: str
    custom: dict[str, Any]
    masked: bool
    categories: list[EpisodeOut]
    statuses: list[EpisodeOut]


class CategoryIn(Schema):
    category: str
    start: dt.datetime | None = None
    note: str = ""


class CategoryEndIn(Schema):
    category: str
    end: dt.datetime | None = None


class StatusIn(Schema):
    status: str
    start: dt.datetime | None = None
    site_id: int | None = None
    planned_end: dt.datetime | None = None
    note: str = ""


class CheckIn(Schema):
    checked_at: dt.datetime | None = None
    temperature: Decimal | None = None
    symptoms: list[str] = []
    result: str | None = Field(None, description="well, symptoms, missed or unreachable; empty: from the reading "
                               "(a fever or symptoms make it symptoms). A fever is never recorded as well.")
    note: str = ""


class CheckDueOut(Schema):
    id: int
    name: str
    grid: str


class PersonRef(Schema):
    """A person mentioned in an answer, as the caller may see them (persons.disclosure): outside the caller's
    area `id` is null and `name` empty; `doc_number` and `phone` only where one person is the answer's subject,
    masked unless the caller may see them unmasked."""

    id: int | None
    name: str
    grid: str
    in_scope: bool = True
    doc_number: str | None = None
    phone: str | None = None


class ArrivalIn(Schema):
    """An arrival in one call (persons.arrivals): the person, the category from `arrived` with `origin` (a province
    or prefecture code of the official divisions), the status (`site` for centralised quarantine) and an optional
    first health check. `person_id`: the person answered with 409 already_registered, to record the arrival for."""

    name: str = ""
    doc_type: str = "resident_id"
    doc_number: str = ""
    sex: str = ""
    birth_date: dt.date | None = None
    phone: str = ""
    address: str = ""
    grid: str = ""
    category: str = ""
    arrived: dt.date | None = None
    origin: str = ""
    status: str = ""
    site: int | None = None
    temperature: Decimal | None = None
    symptoms: list[str] = []
    person_id: int | None = None
    version: int | None = None


class ArrivalOut(Schema):
    created: bool
    person: PersonOut
    notices: list[str] = Field(default_factory=list, description="what the arrival's check set in motion, or a "
                               "category kept as it was")


class DuplicatePersonOut(Schema):
    """One of a probable pair, as the review page shows them: document and phone masked."""

    id: int
    name: str
    doc_type: str
    doc_number: str
    phone: str
    grid: str
    grid_name: str


class DuplicatePairOut(Schema):
    reason: str = Field(description="name_phone, name_birth or doc_one_apart")
    reason_label: str
    first: DuplicatePersonOut
    second: DuplicatePersonOut


class MergeIn(Schema):
    """Merge `drop_id` into `keep_id`: every record of the dropped person moves to the kept one."""

    keep_id: int
    drop_id: int


class DuplicateDismissIn(Schema):
    """Two people listed as probable duplicates who are different people: the pair is not listed again."""

    first_id: int
    second_id: int


class CustomFieldIn(Schema):
    """An additional field (新增要素) of the line list: its key and type are fixed once created."""

    key: str = Field(max_length=40, description="lower-case letters, digits and _, starting with a letter")
    label: str = Field(max_length=50)
    label_en: str = Field("", max_length=80)
    help_text: str = Field("", max_length=200)
    type: str = Field(description="text, number, date, choice or boolean")
    choices: list[str] = Field(default_factory=list, description="for a choice field")
    required_from: dt.date | None = None
    active: bool = True


class CustomFieldPatch(Schema):
    """What may change in an additional field: its key and type stay."""

    label: str = Field(max_length=50)
    label_en: str = Field("", max_length=80)
    help_text: str = Field("", max_length=200)
    choices: list[str] = Field(default_factory=list)
    required_from: dt.date | None = None
    active: bool = True


class CustomFieldOut(Schema):
    id: int
    key: str
    label: str
    label_en: str
    help_text: str
    type: str
    choices: list[str]
    required_from: dt.date | None
    active: bool


class ImportRemapIn(Schema):
    """The columns an import did not know, each given a field key (or "ignore"): saved under the mapping `name`
    for every later file, and the job's file imported again with it, as a new job."""

    columns: dict[str, str]
    name: str = Field(min_length=1, max_length=100)


class AwaitingGridOut(Schema):
    """A person a street's sheet placed in their community, waiting for one of its grids (待分配网格)."""

    id: int
    name: str
    community: str
    community_name: str
    grids: list[str] = Field(description="the codes of the community's grids the caller may place them in")


class AwaitingGridPage(Schema):
    items: list[AwaitingGridOut]
    next_cursor: str | None


class GridAssignIn(Schema):
    grid: str = Field(description="the code of one of the person's community's grids")


# -- the grid worker's day, the day's fevers, a person's access log (as their pages show them) --------------------

class DayPersonOut(Schema):
    """A person on the day's lists: their id, name and grid (no document or phone, as on the page)."""

    id: int
    name: str
    grid: str
    grid_name: str


class DayEpisodeOut(Schema):
    person: DayPersonOut
    code: str = Field(..., description="the category or the management status")
    name: str
    start: dt.datetime
    planned_end: dt.datetime | None = None


class DayFeverOut(Schema):
    person: DayPersonOut
    temperature: Decimal | None
    checked_at: dt.datetime


class PersonsDayOut(Schema):
    day: dt.date
    checks_due: list[DayPersonOut]
    arrivals: list[DayEpisodeOut] = Field(..., description="categories that began on the day")
    releases_due: list[DayEpisodeOut]
    releases_overdue: list[DayEpisodeOut] = Field(..., description="past their planned end without a decision")
    fevers: list[DayFeverOut]


class FeverCheckOut(DayFeverOut):
    result: str
    result_label: str
    recorded_by: str


class FeversOut(Schema):
    day: dt.date
    unit: str | None
    people: int = Field(..., description="people with a temperature at or above the fever threshold that day")
    limit: int = Field(..., description="at most this many checks are listed, the latest first")
    checks: list[FeverCheckOut]


class AccessEntryOut(Schema):
    id: int
    at: dt.datetime
    user: str
    user_full_name: str
    action: str
    action_label: str
    how: str = Field(..., description="where the data was seen: a page, the API, a list or an export")
    ip: str | None
    can_open: bool = Field(..., description="whether the caller may open the entry in the audit log")


class AccessLogPage(Schema):
    items: list[AccessEntryOut]
    next_cursor: str | None
