"""Reads over many reports at once: the timeliness board (who submitted, on time, late or missing, and the
time left), completeness and on-time rates over a range, and the reconciliation of a unit's report with a
computation made now and with its children's submissions, with the audit trail of who changed what.

Rates follow DHIS2's reporting rates: completeness is submitted (or approved) reports over expected ones,
the on-time rate is reports submitted by their due time over expected ones. A period is expected from a
unit when an active form is submitted by units of its kind and has a version in force on that day; a
period not yet due is only counted once it is submitted, so today's rates do not fall before the deadline.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.utils import timezone, translation

from core.models import AuditEntry
from orgunits.models import OrgUnit
from reports.engine import KIND_LEVELS, period_ends, rolled_up, table_compute, window_for
from reports.models import Form, FormVersion, Submission

ON_TIME, LATE, PENDING, MISSING = "on_time", "late", "pending", "missing"
DONE = (Submission.State.SUBMITTED, Submission.State.APPROVED)
MAX_UNITS = 300  # units on one board; a city's streets fit, a province is read district by district
MAX_RANGE_DAYS = 92


# ---- which units submit what, and when ----------------------------------------------------------------------

def forms_active() -> list[Form]:
    """The active forms with their versions (one query for both)."""
    return list(Form.objects.filter(active=True).prefetch_related(
        Prefetch("versions", queryset=FormVersion.objects.order_by("effective_from"))))


def _in_force(form: Form, day: dt.date) -> bool:
    return any(v.effective_from <= day for v in form.versions.all())


def submits(form: Form, unit: OrgUnit) -> bool:
    """Whether `unit` submits `form`: the form applies to it (everyone's, or made for a unit above it) and it is
    of the submitting kind, or above it and the form rolls up."""
    return form.applies_to(unit) and (form.unit_kind == unit.kind or rolled_up(form, unit))


def board_units(unit: OrgUnit, forms: list[Form]) -> tuple[list[OrgUnit], bool]:
    """The units at or below `unit` that submit one of `forms`, by path; and whether the list was cut."""
    kinds = {f.unit_kind for f in forms}
    for f in forms:  # the units above the submitting level that submit a rolled-up report
        if f.higher_levels == Form.HigherLevels.CHILDREN:
            kinds.update(KIND_LEVELS[:KIND_LEVELS.index(f.unit_kind)])
    units = list(OrgUnit.objects.filter(path__under=unit.path, kind__in=kinds).order_by("path")[:MAX_UNITS + 1])
    return units[:MAX_UNITS], len(units) > MAX_UNITS


# ---- one day ---------------------------------------------------------------------------------------------------

@dataclass
class BoardCell:
    """One form of one unit for one period: its submission (if any) against the due time."""

    form: Form
    unit: OrgUnit
    due: dt.datetime
    submission: Submission | None
    now: dt.datetime

    @property
    def done(self) -> bool:
        return self.submission is not None and self.submission.state in DONE

    @property
    def status(self) -> str:
        if self.submission is not None and self.done:
            submitted = self.submission.submitted_at
            return ON_TIME if submitted is not None and submitted <= self.due else LATE
        return PENDING if self.now <= self.due else MISSING

    @property
    def minutes_left(self) -> int:
        """Minutes until the due time (negative once it has passed)."""
        return int((self.due - self.now).total_seconds() // 60)

    @property
    def countdown(self) -> tuple[int, int]:
        """(hours, minutes) until the due time, or since it when overdue."""
        return divmod(abs(self.minutes_left), 60)

    @property
    def minutes_late(self) -> int:
        if self.submission is None or self.submission.submitted_at is None:
            return 0
        return max(0, int((self.submission.submitted_at - self.due).total_seconds() // 60))


@dataclass
class BoardRow:
    unit: OrgUnit
    cells: list[BoardCell | None]  # one per form; None where the unit does not submit that form


@dataclass
class Board:
    unit: OrgUnit
    day: dt.date
    now: dt.datetime
    forms: list[Form]
    rows: list[BoardRow]
    truncated: bool = False
    counts: dict[str, int] = field(default_factory=dict)  # per status


def board_day(*, unit: OrgUnit, day: dt.date, now: dt.datetime | None = None) -> Board:
    """The state of every report due on `day` from the units at or below `unit`: on time, late, still
    waiting (with the time left) or missing."""
    now = now or timezone.now()
    forms = [f for f in forms_active() if _in_force(f, day) and period_ends(f, day, day)]
    units, truncated = board_units(unit, forms)
    submissions = {(s.form_id, s.unit_id): s for s in Submission.objects.filter(
        day=day, unit_path__under=unit.path, form__in=forms, unit__in=units).select_related("submitted_by")}
    dues = {f.pk: window_for(f, day)[1] for f in forms}
    rows, counts = [], {ON_TIME: 0, LATE: 0, PENDING: 0, MISSING: 0}
    for u in units:
        cells: list[BoardCell | None] = []
        for f in forms:
            if not submits(f, u):
                cells.append(None)
                continue
            cell = BoardCell(form=f, unit=u, due=dues[f.pk], submission=submissions.get((f.pk, u.pk)), now=now)
            counts[cell.status] += 1
            cells.append(cell)
        rows.append(BoardRow(unit=u, cells=cells))
    return Board(unit=unit, day=day, now=now, forms=forms, rows=rows, truncated=truncated, counts=counts)


# ---- a range of days ---------------------------------------------------------------------------------------------

@dataclass
class Rate:
    expected: int = 0
    submitted: int = 0
    on_time: int = 0

    def add(self, other: "Rate") -> None:
        self.expected += other.expected
        self.submitted += other.submitted
        self.on_time += other.on_time

    @property
    def completeness(self) -> float | None:
        """Submitted or approved reports over expected ones, in per cent (None when none was expected)."""
        return 100 * self.submitted / self.expected if self.expected else None

    @property
    def on_time_rate(self) -> float | None:
        """Reports submitted by their due time over expected ones, in per cent."""
        return 100 * self.on_time / self.expected if self.expected else None


@dataclass
class RatesRow:
    unit: OrgUnit
    rates: list[Rate | None]  # per form
    total: Rate


@dataclass
class Rates:
    unit: OrgUnit
    first: dt.date
    last: dt.date
    forms: list[Form]
    rows: list[RatesRow]
    per_form: list[Rate]
    total: Rate
    truncated: bool = False

    @property
    def lines(self) -> list[tuple[OrgUnit | None, list[Rate | None]]]:
        """Each unit's rates per form then its total, and last the totals per form and overall (unit None)."""
        return [*((r.unit, [*r.rates, r.total]) for r in self.rows), (None, [*self.per_form, self.total])]


def board_rates(*, unit: OrgUnit, first: dt.date, last: dt.date, now: dt.datetime | None = None) -> Rates:
    """Completeness and on-time rate per unit (at or below `unit`) and form over the days first…last."""
    now = now or timezone.now()
    forms = [f for f in forms_active() if any(_in_force(f, d) for d in period_ends(f, first, last))]
    units, truncated = board_units(unit, forms)
    done: dict[tuple[int, int, dt.date], dt.datetime | None] = {}
    for form_id, unit_id, day, submitted_at in (
            Submission.objects.filter(day__range=(first, last), unit_path__under=unit.path, form__in=forms,
                                      unit__in=units, state__in=DONE)
            .values_list("form_id", "unit_id", "day", "submitted_at")):
        done[form_id, unit_id, day] = submitted_at
    # Due times depend only on the form and the day.
    periods = {f.pk: [(d, window_for(f, d)[1]) for d in period_ends(f, first, last) if _in_force(f, d)]
               for f in forms}
    rows, per_form, total = [], [Rate() for _f in forms], Rate()
    for u in units:
        rates: list[Rate | None] = []
        row_total = Rate()
        for i, f in enumerate(forms):
            if not submits(f, u):
                rates.append(None)
                continue
            rate = Rate()
            for day, due in periods[f.pk]:
                key = (f.pk, u.pk, day)
                if key in done:
                    rate.expected += 1
                    rate.submitted += 1
                    finished = done[key]
                    rate.on_time += finished is not None and finished <= due
                elif due <= now:
                    rate.expected += 1
            rates.append(rate)
            row_total.add(rate)
            per_form[i].add(rate)
        total.add(row_total)
        rows.append(RatesRow(unit=u, rates=rates, total=row_total))
    return Rates(unit=unit, first=first, last=last, forms=forms, rows=rows, per_form=per_form, total=total,
                 truncated=truncated)


# ---- reconciliation ------------------------------------------------------------------------------------------------

@dataclass
class ReconcileCell:
    key: str
    computed: float | None  # computed now from the line list (None for a manual column)
    children: float | None  # the row's own submission (row = child unit), or the sum of the children's
    submitted: float | None  # what the unit's submission holds for this row

    @property
    def differs(self) -> bool:
        return len({v for v in (self.computed, self.children, self.submitted) if v is not None}) > 1


@dataclass
class ReconcileRow:
    code: str  # the row unit's code, or "__total__"
    name: str
    cells: list[ReconcileCell]
    child: Submission | None = None  # the row unit's own submission of the form, when it submits one
    total: bool = False

    @property
    def differences(self) -> int:
        return sum(c.differs for c in self.cells)


@dataclass
class HistoryEntry:
    entry: AuditEntry
    submission: Submission
    changes: list[tuple[str, object, object]]  # (what, before, after)


@dataclass
class Reconciliation:
    form: Form
    unit: OrgUnit
    day: dt.date
    version: FormVersion
    columns: list[dict]
    submission: Submission | None  # the unit's own
    rows: list[ReconcileRow]
    children_submit: bool  # the row units submit this form themselves
    history: list[HistoryEntry]

    @property
    def differences(self) -> int:
        return sum(r.differences for r in self.rows)


def _num(value):
    return None if value in ("", None) else value


def reconcile(*, form: Form, unit: OrgUnit, day: dt.date) -> Reconciliation:
    """Per cell of `form` for `unit` and `day`: the value computed now, the children's submitted values and
    the value the unit submitted, with the audit trail of those submissions.

    1. Compute the table now (one query per indicator column over the unit's subtree).
    2. Read the unit's submission and, where the rows are units that submit the form themselves (a
       district's streets), their submissions: a child's submitted total is compared with its row.
    3. Sum the children's totals into the total row, and collect the audit entries of every submission.
    """
    table = table_compute(form=form, unit=unit, day=day, direct=True)
    columns = table.version.columns
    indicator = {c["key"] for c in columns if c["kind"] == "indicator"}
    own = (Submission.objects.filter(form=form, unit=unit, day=day)
           .select_related("unit", "version", "submitted_by", "reviewed_by").first())
    row_codes = [r["unit"] for r in table.rows if r["unit"] != unit.code]
    children = {s.unit.code: s for s in Submission.objects.filter(form=form, day=day, unit__code__in=row_codes)
                .select_related("unit", "version", "submitted_by")}
    children_submit = bool(row_codes) and OrgUnit.objects.filter(code__in=row_codes, kind=form.unit_kind).exists()
    submitted_rows = {r["unit"]: r["cells"] for r in (own.values.get("rows", []) if own else [])}
    submitted_total = own.values.get("total", {}) if own else {}

    rows = []
    sums: dict[str, float] = defaultdict(float)
    counted = False
    for r in table.rows:
        child = children.get(r["unit"])
        child_total = child.values.get("total", {}) if child is not None and child.state in DONE else None
        cells = []
        for c in columns:
            key = c["key"]
            child_value = _num(child_total.get(key)) if child_total is not None else None
            if child_value is not None:
                sums[key] += child_value
                counted = True
            cells.append(ReconcileCell(
                key=key, computed=r["cells"].get(key) if key in indicator else None, children=child_value,
                submitted=_num(submitted_rows.get(r["unit"], {}).get(key)) if own else None))
        rows.append(ReconcileRow(code=r["unit"], name=r["name"], cells=cells, child=child))
    total_cells = [ReconcileCell(key=c["key"], computed=table.total.get(c["key"]) if c["key"] in indicator else None,
                                 children=(_int(sums[c["key"]]) if counted and c["key"] in sums else None),
                                 submitted=_num(submitted_total.get(c["key"])) if own else None) for c in columns]
    rows.append(ReconcileRow(code="__total__", name="", cells=total_cells, total=True))
    submissions = [s for s in [own, *children.values()] if s is not None]
    return Reconciliation(form=form, unit=unit, day=day, version=table.version, columns=columns, submission=own,
                          rows=rows, children_submit=children_submit, history=submissions_history(submissions))


def _int(value: float):
    return int(value) if float(value).is_integer() else value


def submissions_history(submissions: list[Submission], *, limit: int = 200) -> list[HistoryEntry]:
    """The audit entries of `submissions`, newest first, each with what it changed: the state, the manual
    cells, the review comment, and every total that moved since the entry before it."""
    by_id = {str(s.pk): s for s in submissions}
    if not by_id:
        return []
    entries = list(AuditEntry.objects.filter(object_type="reports.submission", object_id__in=list(by_id))
                   .select_related("actor").order_by("at", "id"))
    label_field = "label_en" if (translation.get_language() or "").startswith("en") else "label_zh"
    last_total: dict[str, dict] = {}
    out = []
    for e in entries:
        submission = by_id[e.object_id]
        labels = {c["key"]: c.get(label_field) or c["key"] for c in submission.version.columns}
        after, before = e.after or {}, e.before or {}
        changes: list[tuple[str, object, object]] = []
        if "state" in after:
            state = after["state"]
            changes.append((str(Submission._meta.get_field("state").verbose_name), None,
                            Submission.State(state).label if state in Submission.State.values else state))
        if "manual" in after:
            changes.append((str(Submission._meta.get_field("manual").verbose_name), before.get("manual"),
                            after["manual"]))
        if after.get("comment"):
            changes.append((str(Submission._meta.get_field("review_comment").verbose_name), None, after["comment"]))
        if isinstance(after.get("total"), dict):
            previous = last_total.get(e.object_id)
            for key, value in after["total"].items():
                old = previous.get(key) if previous is not None else None
                if previous is None or old != value:
                    changes.append((labels.get(key, key), old, value))
            last_total[e.object_id] = after["total"]
        out.append(HistoryEntry(entry=e, submission=submission, changes=changes))
    out.reverse()
    return out[:limit]
