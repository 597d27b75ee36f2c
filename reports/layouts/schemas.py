"""What the template operations of the API take and answer (reports.api.templates)."""

import datetime as dt

from ninja import Field, Schema


class TemplateSummaryOut(Schema):
    id: int
    name: str
    unit: str = Field(..., description="code of the unit the template was uploaded for")
    unit_name: str
    created_at: dt.datetime
    sheets: list[str] = Field(..., description="the sheets holding a report table")


class TemplateVersionOut(Schema):
    form: str = Field(..., description="code of the form")
    version_id: int
    effective_from: dt.date


class TemplateSheetOut(Schema):
    sheet: str
    layout: dict = Field(..., description="the table as understood: header lines, direction, indicators, units, "
                                          "total line, title and the lines to fill (填报单位, 填报人, 日期)")
    proposals: list[dict] = Field(..., description="per indicator: its index, label, kind (figure, indicator, "
                                                   "manual), the figure or expression proposed and why")
    versions: list[TemplateVersionOut] = Field(..., description="the forms' versions made from this sheet")


class TemplateOut(Schema):
    id: int
    name: str
    unit: str
    unit_name: str
    created_at: dt.datetime
    sheets: list[TemplateSheetOut]


class SheetReadIn(Schema):
    header_first: int = Field(..., ge=1, le=2000, description="first line of the header (1 is the sheet's first line)")
    header_last: int = Field(..., ge=1, le=2000, description="last line of the header, at most ten lines below the "
                                                             "first")
    across: str = Field(..., description="'indicators' (units down the side) or 'units' (units across the top)")


class ColumnChoiceIn(Schema):
    """One indicator's choice; what is left out keeps the proposal's."""

    index: int = Field(..., description="the indicator's index, as in the sheet's proposals")
    kind: str | None = Field(None, description="figure, indicator or manual")
    label: str | None = Field(None, max_length=60, description="the column's title")
    figure: str | None = Field(None, description="key of a catalog figure (kind figure)")
    expression: str | None = Field(None, max_length=2000, description="the indicator's expression (kind indicator)")


class FormMakeIn(Schema):
    form: str | None = Field(None, description="code of a form to give a new version (one the caller may); "
                                               "without it, a new form of the template's unit")
    name: str = Field("", max_length=100, description="name of the new form (the sheet's title by default)")
    effective_from: dt.date = Field(..., description="the first day reported under the new version")


class FormMadeOut(Schema):
    form: str
    version_id: int
    effective_from: dt.date


class JumpDayOut(Schema):
    day: dt.date
    before: int | None = Field(..., description="the number under the version in force (null for a new column)")
    now: int | None


class JumpGroupOut(Schema):
    rule: str = Field(..., description="the rule that counts them now and not before, or the other way")
    entered: bool = Field(..., description="true: counted now and not before; false: counted before, not now")
    count: int
    rows: list[dict] = Field(..., description="the people as the caller may see them (masked), at most 50")


class JumpColumnOut(Schema):
    key: str
    label: str
    state: str = Field(..., description="same, changed, new or dropped")
    day: dt.date | None = Field(..., description="the last day the numbers differ: the groups are that day's")
    days: list[JumpDayOut]
    groups: list[JumpGroupOut]


class JumpOut(Schema):
    form: str
    version_id: int
    effective_from: dt.date
    unit: str
    day: dt.date = Field(..., description="the last day compared: today, or the day before the version starts")
    columns: list[JumpColumnOut]
