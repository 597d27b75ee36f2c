"""API shapes of the report engine."""

import datetime as dt

from ninja import Field, Schema

from orgunits.models import OrgUnit
from reports.models import Figure, Form


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
    lock_version: int = Field(..., description="the lock_version of the numbers the caller saw: if any cell changed "
                                               "since, nothing is submitted and the answer is 409 with the changes")
    explanation: str = Field("", description="required when the report has warnings")
    values: dict[str, dict[str, int | float | str | None]] = Field(
        default_factory=dict, description="manual cells typed with the submission, as for /manual")


class ChangedPersonOut(Schema):
    id: int | None = Field(None, description="null for someone outside the caller's area (not named)")
    label: str
    reason: str


class ChangedCellOut(Schema):
    row: str = Field(..., description="the row unit's code, or __total__")
    row_name: str
    column: str
    label: str
    old: int | float | str | None
    new: int | float | str | None
    manual: bool
    people_known: bool = Field(..., description="false when the people behind the seen number were not kept")
    entered: list[ChangedPersonOut]
    left: list[ChangedPersonOut]


class SubmitChangedOut(Schema):
    """409 from submit: the numbers changed since the version the caller saw; nothing was submitted. Submit again
    with `lock_version` (the version now) to confirm."""

    code: str
    message: str
    fields: dict[str, list[str]]
    lock_version: int
    changes: list[ChangedCellOut]


class ReviewIn(Schema):
    approve: bool
    comment: str = Field("", description="required when returning the report")


class CellOut(Schema):
    """The people counted in one cell, by id only (their details are on the person pages): the ids of those the
    caller may open, as the cell's page lists them; `hidden` counts the others, who are not named."""

    submission_id: int
    row: str
    column: str
    count: int
    hidden: int = 0
    ids: list[int]


class CellMoveOut(Schema):
    id: int | None = Field(..., description="null for one the caller may not open")
    reason: str


class CellMovesOut(Schema):
    """Who entered or left one cell's count since the previous period's report, as the cell's page lists them."""

    submission_id: int
    row: str
    column: str
    entered: list[CellMoveOut] = Field(..., description="counted now and not in the previous period's report")
    left: list[CellMoveOut] = Field(..., description="counted in the previous period's report and not now")
    criteria_changed: bool = Field(..., description="the criteria changed since the previous period")


class DataValueOut(Schema):
    dataElement: str
    period: str
    orgUnit: str
    value: str
    storedBy: str
    lastUpdated: str
    comment: str | None = Field(None, description="未计算，未上报 / 草稿，未上报 / 已退回 when the report is not submitted")


class DataValueSetOut(Schema):
    """A DHIS2 dataValueSets document identified by codes (import it with idScheme=CODE)."""

    dataValues: list[DataValueOut]


class BoardCellOut(Schema):
    form: str
    status: str = Field(..., description="on_time, late, pending (before the due time) or missing")
    due: dt.datetime
    minutes_left: int = Field(..., description="negative once the due time has passed")
    submission_id: int | None
    state: str | None
    submitted_at: dt.datetime | None
    minutes_late: int


class BoardRowOut(Schema):
    unit: str
    unit_name: str
    cells: list[BoardCellOut]


class BoardOut(Schema):
    """Which units at or below a unit have submitted the day's reports: on time, late, pending or missing."""

    unit: str
    day: dt.date
    forms: list[str]
    counts: dict[str, int]
    rows: list[BoardRowOut]
    truncated: bool


class RateOut(Schema):
    expected: int
    submitted: int
    on_time: int


class RatesRowOut(Schema):
    unit: str
    unit_name: str
    total: RateOut
    per_form: dict[str, RateOut]


class RatesOut(Schema):
    """Completeness (submitted / expected) and timeliness (on time / expected) over a range of days."""

    unit: str
    first: dt.date
    last: dt.date
    total: RateOut
    per_form: dict[str, RateOut]
    rows: list[RatesRowOut]
    truncated: bool


class ReconcileCellOut(Schema):
    key: str
    computed: float | None = Field(..., description="computed now from the line list (none for a manual column)")
    children: float | None = Field(..., description="the row unit's own submitted total, or the children's sum")
    submitted: float | None = Field(..., description="what the unit's submission holds")
    differs: bool


class ReconcileRowOut(Schema):
    unit: str = Field(..., description="the row unit's code, or __total__")
    name: str
    cells: list[ReconcileCellOut]


class ReconcileHistoryOut(Schema):
    at: dt.datetime
    actor: str | None
    submission_id: int
    unit: str
    changes: list[list] = Field(..., description="[what, before, after] per change")


class ReconcileOut(Schema):
    form: str
    unit: str
    day: dt.date
    differences: int
    rows: list[ReconcileRowOut]
    history: list[ReconcileHistoryOut]


class FormColumnIn(Schema):
    key: str
    figure: str = Field("", description="a figure of the catalog: the column counts as it does (its indicator is "
                                        "copied into the version) and takes its column labels unless others are given")
    label_zh: str = ""
    label_en: str = ""
    kind: str = Field("indicator", description="indicator or manual")
    expression: str = Field("", description="an indicator column's indicator (a figure's own, or none, with a figure)")


class FormRuleIn(Schema):
    left: str
    op: str = Field(..., description="= != < <= > >= pair exclusive")
    right: str
    importance: str = "error"
    missing: str = "skip"
    message_zh: str = ""
    message_en: str = ""


class FormVersionIn(Schema):
    effective_from: dt.date
    note: str = ""
    columns: list[FormColumnIn]
    rules: list[FormRuleIn] = []


class FormVersionOut(Schema):
    effective_from: dt.date
    note: str
    columns: list[dict]
    rules: list[dict]


class FormOut(Schema):
    code: str
    name_zh: str
    name_en: str
    period: str
    cutoff_minutes: int
    due_minutes: int
    requested_days: list[str]
    rows: str
    higher_levels: str
    unit_kind: str
    active: bool
    versions: list[FormVersionOut]


# ---- a form's settings, its versions explained, the indicator preview, the catalog of figures ---------------------

def _one_of(choices) -> str:
    return ", ".join(repr(v) for v in choices.values)


class FormSettingsUpdateIn(Schema):
    """A form's settings as the editor's page sets them; a form made through the API gets its first version from
    POST /reports/forms/{code}/versions."""

    name_zh: str
    name_en: str
    period: str = Field("daily", description=_one_of(Form.Period))
    cutoff_minutes: int = Field(15 * 60, description="the cut-off in minutes after midnight: 900 is 15:00, 1440 24:00")
    due_minutes: int = Field(120, description="how long after the cut-off the report is due")
    requested_days: list[dt.date] = Field([], description="an ad hoc form's days")
    rows: str = Field("children", description=_one_of(Form.Rows))
    higher_levels: str = Field("computed", description=_one_of(Form.HigherLevels))
    unit_kind: str = Field("township", description="the kind of unit that submits it: " + _one_of(OrgUnit.Kind))
    order: int = 0
    active: bool = True


class FormSettingsIn(FormSettingsUpdateIn):
    code: str = Field(..., description="lower-case letters, digits, - and _; names the form in files and links")


class VersionColumnOut(Schema):
    key: str
    label: str = Field(..., description="the column's label in the reader's language")
    label_full: str = Field(..., description="its figure's full label (the column label without a figure)")
    figure: str
    kind: str
    expression: str | None = None
    definition: str


class VersionExplainedOut(Schema):
    effective_from: dt.date
    note: str
    columns: list[VersionColumnOut]
    rules: list[dict]


class VersionChangeOut(Schema):
    key: str
    change: str = Field(..., description="added, removed, changed, or rules")
    before: dict | list | None
    after: dict | list | None


class VersionsDiffOut(Schema):
    before: dt.date
    after: dt.date
    changes: list[VersionChangeOut]


class FormVersionsOut(Schema):
    code: str
    name: str
    versions: list[VersionExplainedOut]
    diffs: list[VersionsDiffOut]


class IndicatorPreviewOut(Schema):
    value: int
    cutoff: dt.datetime
    definition: str
    sample: list[dict] = Field(..., description="the first ones counted, as the caller may see them")


class FigureIn(Schema):
    label_zh: str
    label_en: str
    short_zh: str
    short_en: str
    expression: str
    parts: list[str] = Field([], description="keys of the figures it is made of")
    parts_overlap: bool = False
    home: str = Field("", description="its place on the home page: " + _one_of(Figure.Home))
    home_parts: bool = False


class FigureCreateIn(FigureIn):
    key: str = Field(..., description="lower-case letters, digits, _ and ., e.g. hubei_wuhan.registered")


class FigureOut(Schema):
    key: str
    label: str = Field(..., description="its full label in the reader's language")
    short: str = Field(..., description="its column label in the reader's language")
    label_zh: str
    label_en: str
    short_zh: str
    short_en: str
    definition: str
    expression: str | None = Field(..., description="to those who manage forms")
    parts: list[str]
    parts_overlap: bool
    home: str
    home_parts: bool


class VersionRefOut(Schema):
    form: str
    form_name: str
    effective_from: dt.date


class FigureSavedOut(FigureOut):
    otherwise: list[VersionRefOut] = Field(..., description="versions in force that still count the figure otherwise")


class FigurePartOut(Schema):
    key: str
    label: str
    value: float


class FigureCountOut(Schema):
    """One figure for a unit at a day's statistical time point, as the home page shows it: what it counts by id
    only (those the caller may open; `hidden` counts the others, who are not named) and its parts' values."""

    key: str
    label: str
    definition: str
    unit: str
    unit_name: str
    day: dt.date
    at: dt.datetime
    value: int
    hidden: int
    ids: list[int]
    parts: list[FigurePartOut]


class WaitingOut(Schema):
    submission_id: int
    form: str
    form_name: str
    unit: str
    unit_name: str
    day: dt.date
    submitted_at: dt.datetime | None
    submitted_by: str | None
    minutes: int = Field(..., description="since it was submitted")


class FormCountOut(Schema):
    form: str
    form_name: str
    count: int


class ReviewQueueOut(Schema):
    """The submitted reports waiting for the caller's review (the level above the unit), the longest waiting first."""

    count: int
    per_form: list[FormCountOut]
    items: list[WaitingOut]
