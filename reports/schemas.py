"""API shapes of the report engine."""

import datetime as dt

from ninja import Field, Schema


class DueOut(Schema):
    """A form due from a unit on a day: its state and the time left before it is due."""

    form: str
    form_name: str
    unit: str
    unit_name: str
    day: dt.date
    submission_id: int | None
    state: str | None
    state_label: str | None
    errors: int
    warnings: int
    due: dt.datetime
    minutes_left: int
    late: bool
    submitted_at: dt.datetime | None


class ComputeIn(Schema):
    unit: str = Field(..., description="code of the unit the report is for")
    day: dt.date = Field(..., description="the day the period ends on")


class ColumnOut(Schema):
    key: str
    label: str
    kind: str


class RowOut(Schema):
    unit: str
    name: str
    cells: dict[str, int | float | None]


class IssueOut(Schema):
    row: str
    row_name: str
    importance: str
    rule: str
    message: str


class SubmissionOut(Schema):
    id: int
    form: str
    form_name: str
    version_from: dt.date
    unit: str
    unit_name: str
    day: dt.date
    state: str
    state_label: str
    revision: int
    lock_version: int = Field(..., description="send it back with manual cells to detect concurrent edits")
    columns: list[ColumnOut]
    rows: list[RowOut]
    total: dict[str, int | float | None]
    issues: list[IssueOut]
    explanation: str
    cutoff: dt.datetime
    due: dt.datetime
    computed_at: dt.datetime | None
    submitted_at: dt.datetime | None
    submitted_by: str | None
    reviewed_at: dt.datetime | None
    reviewed_by: str | None
    review_comment: str
    can_submit: bool
    can_review: bool


class ManualIn(Schema):
    values: dict[str, dict[str, int | float | str | None]] = Field(
        ..., description='{row unit code: {manual column key: number}}, e.g. {"431302004001": {"compounds": 2}}')
    lock_version: int | None = None


class SubmitIn(Schema):
    explanation: str = Field("", description="required when the report has warnings")


class ReviewIn(Schema):
    approve: bool
    comment: str = Field("", description="required when returning the report")


class CellOut(Schema):
    """The people counted in one cell, by id only (their details are on the person pages, in scope)."""

    submission_id: int
    row: str
    column: str
    count: int
    ids: list[int]


class DataValueOut(Schema):
    dataElement: str
    period: str
    orgUnit: str
    value: str
    storedBy: str
    lastUpdated: str


class DataValueSetOut(Schema):
    """A DHIS2 dataValueSets document identified by codes (import it with idScheme=CODE)."""

    dataValues: list[DataValueOut]
