import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from persons.schemas import PersonRef


class ClassificationOut(Schema):
    classification: str
    method: str
    rule: str
    reason: str
    at: dt.datetime
    by: str | None


class VisitOut(Schema):
    id: int
    person_id: int
    place: str
    site_id: int | None
    site: str | None
    community: str
    community_name: str
    start: dt.datetime
    end: dt.datetime
    note: str


class CaseListItem(Schema):
    id: int
    person: PersonRef
    label: str
    classification: str
    classification_method: str
    classified_at: dt.datetime
    onset_date: dt.date | None
    confirmed_date: dt.date | None
    outcome: str


class CasePage(Schema):
    items: list[CaseListItem]
    next_cursor: str | None


class CaseOut(CaseListItem):
    version: int
    report_date: dt.date | None
    hospital_id: int | None
    hospital: str
    outcome_date: dt.date | None
    notes: str
    history: list[ClassificationOut]
    contacts: int
    secondary_contacts: int


class CaseIn(Schema):
    """A registered person becomes a case. Classifications other than "suspected" take tracing.classify."""

    person_id: int
    classification: str
    label: str = ""
    onset_date: dt.date | None = None
    report_date: dt.date | None = None
    confirmed_date: dt.date | None = None
    hospital_id: int | None = None
    hospital_name: str = ""
    notes: str = ""


class CasePatch(Schema):
    version: int | None = None
    label: str | None = None
    onset_date: dt.date | None = None
    report_date: dt.date | None = None
    confirmed_date: dt.date | None = None
    hospital_id: int | None = None
    hospital_name: str | None = None
    outcome: str | None = None
    outcome_date: dt.date | None = None
    notes: str | None = None


class ClassifyIn(Schema):
    classification: str
    reason: str = ""
    at: dt.datetime | None = None


class VisitIn(Schema):
    place: str = ""
    site_id: int | None = None
    community: str | None = None
    start: dt.datetime
    end: dt.datetime
    note: str = ""


class ReachedOut(Schema):
    person: PersonRef
    steps: int


class ExposureOut(Schema):
    id: int
    source: PersonRef
    exposed: PersonRef
    degree: int
    first_contact: dt.date
    last_contact: dt.date
    setting: str
    proximity: str
    certainty: str
    note: str
    follow_up_id: int | None
    follow_up_end: dt.date | None


class ExposureCreated(ExposureOut):
    person_created: bool


class ExposurePage(Schema):
    items: list[ExposureOut]
    next_cursor: str | None


class ContactPersonIn(Schema):
    """The contact, as for registering a person; someone with the same document is linked instead."""

    name: str = ""
    doc_type: str = "resident_id"
    doc_number: str
    phone: str = ""
    address: str = ""
    grid: str = ""
    custom: dict[str, Any] = {}


class ExposureIn(Schema):
    """`source_person_id` exposed either a registered person (`exposed_person_id`) or `contact`."""

    source_person_id: int
    exposed_person_id: int | None = None
    contact: ContactPersonIn | None = None
    first_contact: dt.date | None = None
    last_contact: dt.date
    setting: str = "other"
    proximity: str = "close"
    certainty: str = "high"
    note: str = ""


class ExposurePatch(Schema):
    first_contact: dt.date | None = None
    last_contact: dt.date | None = None
    setting: str | None = None
    proximity: str | None = None
    certainty: str | None = None
    note: str | None = None


class FollowUpOut(Schema):
    id: int
    person: PersonRef
    category: str
    state: str
    start: dt.date
    last_exposure: dt.date
    end: dt.date
    end_manual: bool
    missed_days: int
    seen_today: bool | None = None


class FollowUpEndIn(Schema):
    end: dt.date
    reason: str


class ResultIn(Schema):
    result: str | None = Field(None, description="well, symptoms, missed or unreachable; empty: from the reading. "
                               "A fever is never recorded as well.")
    temperature: Decimal | None = None
    symptoms: list[str] = []
    note: str = ""
    checked_at: dt.datetime | None = None


class ResultOut(Schema):
    id: int
    checked_at: dt.datetime
    temperature: Decimal | None
    result: str
    flagged: bool
    notices: list[str] = Field(default_factory=list, description="What recording it changed or set in motion: "
                               "a fever recorded as one, the recheck task, who was told")


class TaskOut(Schema):
    id: int
    version: int
    kind: str
    priority: int
    status: str
    title: str
    label: str
    person: PersonRef | None
    day: dt.date | None
    due_at: dt.datetime
    assignee_id: int | None
    assignee: str | None
    observers: list[int]
    escalated_to_id: int | None
    escalated_at: dt.datetime | None
    result: str
    done_at: dt.datetime | None


class TaskPage(Schema):
    items: list[TaskOut]
    next_cursor: str | None


class TaskIn(Schema):
    kind: str
    due_at: dt.datetime
    priority: int = 2
    title: str = ""
    person_id: int | None = None
    unit: str | None = None
    assignee_id: int | None = None
    observers: list[int] = []


class TaskPatch(Schema):
    version: int | None = None
    status: str | None = None
    result: str | None = None
    priority: int | None = None
    due_at: dt.datetime | None = None
    title: str | None = None
    assignee_id: int | None = None
    observers: list[int] | None = None


class ChainNodeOut(Schema):
    """A person of a case's component; outside the caller's area only the place in the graph is given: the
    node's `key` (opaque, the same for the node throughout one answer), no id of the person, case or exposure."""

    key: str
    person: PersonRef
    case_id: int | None
    classification: str | None
    generation: int
    steps: int
    contacts: int
    exposure_id: int | None
    url: str | None


class ChainEdgeOut(Schema):
    """An exposure between two nodes (by their keys); its id and details only when the exposed person is in the
    caller's area."""

    exposure_id: int | None
    source: str
    exposed: str
    transmission: bool
    degree: int | None
    first_contact: dt.date | None
    last_contact: dt.date | None
    setting: str | None


class ChainOut(Schema):
    case_id: int
    depth: int
    truncated: bool
    index: str | None
    nodes: list[ChainNodeOut]
    edges: list[ChainEdgeOut]
    generations: list[list[str]]
    chains: list[list[str]]
    cluster: list[str]


class CountOut(Schema):
    value: int
    count: int


class ChainSummaryOut(Schema):
    index_case_id: int
    size: int
    generations: int
    case_ids: list[int]


class ChainStatisticsOut(Schema):
    unit: str | None
    cases: int
    contacts: int
    contacts_mean: float
    contacts_median: float
    contacts_max: int
    contacts_per_case: list[CountOut]
    chains: int
    chain_sizes: list[CountOut]
    transmitted: int
    clusters: int
    cluster_sizes: list[CountOut]
    largest: list[ChainSummaryOut]


class ImportErrorOut(Schema):
    line: int
    column: str
    reason: str


class ContactImportOut(Schema):
    id: int
    case_id: int
    unit: str
    filename: str
    state: str
    state_label: str
    total_rows: int
    processed_rows: int
    created: int
    linked: int
    updated: int
    unchanged: int
    error_rows: int
    errors: list[ImportErrorOut]
    message: str
    error_file: str | None
    created_at: dt.datetime
    finished_at: dt.datetime | None
