"""Reads of the report engine: access to submissions, the officer's day, drill-down and day-over-day."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import scope_for
from accounts.roles import REPORTS_REVIEW, REPORTS_SUBMIT, REPORTS_VIEW
from core.errors import DomainError
from orgunits.models import OrgUnit
from orgunits.selectors import scope_roots
from reports import board, catalog
from reports.engine import period_ends, previous_period_end, rolled_up, row_units, version_for, window_for
from reports.expressions import parse
from reports.facts import FactSource, source_for
from reports.models import Figure, Form, Submission


def submission_get_for_user(user, pk: int, *, perm: str = REPORTS_VIEW) -> Submission:
    """The submission `pk` if its unit lies in the user's scope for `perm`, else 404."""
    submission = Submission.objects.filter(pk=pk).select_related("form", "version", "unit").first()
    if submission is None or not scope_for(user, perm).covers(submission.unit_path):
        raise Http404
    return submission


def may_review(user, submission: Submission) -> bool:
    """Reviewing is for the level above: the reviewer's scope must cover the unit's parent."""
    parent = submission.unit_path[: -len(submission.unit.code) - 1]
    return bool(parent) and scope_for(user, REPORTS_REVIEW).covers(parent)


@dataclass
class Waiting:
    submission: Submission
    minutes: int  # since it was submitted


@dataclass
class ReviewQueue:
    """The reports waiting for a reviewer (待审核): the oldest first, and how many in all and per form."""

    items: list[Waiting]
    count: int
    per_form: list[tuple[Form, int]]


def review_queue(user, *, limit: int = 50) -> ReviewQueue:
    """The submitted reports `user` may review (of the units below their reports.review scope: a unit's report
    is reviewed by the level above it), the longest waiting first, at most `limit` of them listed."""
    scope = scope_for(user, REPORTS_REVIEW)
    if scope.empty:
        return ReviewQueue(items=[], count=0, per_form=[])
    waiting = Submission.objects.filter(scope.q("unit_path"), state=Submission.State.SUBMITTED)
    # The scope's own units (the whole tree's roots) have no level of theirs above them to review.
    waiting = (waiting.exclude(unit__parent__isnull=True) if scope.everything
               else waiting.exclude(unit_path__in=scope.paths or ()))
    counts = dict(waiting.order_by().values_list("form").annotate(n=Count("id")).values_list("form", "n"))
    forms = Form.objects.in_bulk(list(counts))
    now = timezone.now()
    items = [Waiting(submission=s, minutes=int((now - (s.submitted_at or now)).total_seconds() // 60))
             for s in waiting.select_related("form", "unit", "submitted_by").order_by("submitted_at", "id")[:limit]]
    return ReviewQueue(items=items, count=sum(counts.values()),
                       per_form=sorted(((forms[k], n) for k, n in counts.items()), key=lambda fn: fn[0].order))


def form_get(code: str, user) -> Form:
    """The active form `code`, when `user` may read it (Form.objects.visible_in); 404 otherwise, alike."""
    form = Form.objects.filter(code=code, active=True).visible_in(scope_for(user, REPORTS_VIEW)).first()
    if form is None:
        raise Http404
    return form


@dataclass
class DueReport:
    form: Form
    unit: OrgUnit
    submission: Submission | None
    due: dt.datetime

    @property
    def minutes_left(self) -> int:
        return int((self.due - timezone.now()).total_seconds() // 60)

    @property
    def late(self) -> bool:
        submitted = self.submission and self.submission.submitted_at
        return (submitted or timezone.now()) > self.due


def reports_due(user, *, day: dt.date) -> list[DueReport]:
    """The forms the user submits on `day`: for each unit of the submitting kind in their scope, and for
    the units at the top of their scope whose report of a form is rolled up from their children's."""
    scope = scope_for(user, REPORTS_SUBMIT)
    if scope.empty:
        return []
    forms = [f for f in Form.objects.filter(active=True) if period_ends(f, day, day)]
    units = list(OrgUnit.objects.filter(scope.q("path"), kind__in={f.unit_kind for f in forms}).order_by("path")[:50])
    top_units = OrgUnit.objects.filter(depth=1) if scope.everything else OrgUnit.objects.filter(path__in=scope.paths or ())
    tops = [u for u in top_units.order_by("path")
            if any(rolled_up(f, u) for f in forms)]
    submissions = {(s.form_id, s.unit_id): s for s in Submission.objects.filter(day=day, unit__in=[*tops, *units])}
    due = []
    for unit in [*tops, *units]:
        for form in forms:
            if (form.applies_to(unit) and (form.unit_kind == unit.kind or rolled_up(form, unit))
                    and form.versions.filter(effective_from__lte=day).exists()):
                due.append(DueReport(form, unit, submissions.get((form.pk, unit.pk)), window_for(form, day)[1]))
    return due


def indicator_column(submission: Submission, column: str) -> dict:
    """The column `column` of the submission's version, an indicator's (404 otherwise)."""
    spec = submission.version.column(column)
    if spec is None or spec["kind"] != "indicator":
        raise Http404
    return spec


def cell_members(*, submission: Submission, row: str, column: str) -> list[int]:
    """The ids of the people counted in one cell (a row unit, or "__total__", and a column)."""
    spec = indicator_column(submission, column)
    if row == "__total__":
        path = submission.unit.path
    else:
        unit = next((u for u in row_units(submission.form, submission.unit) if u.code == row), None)
        if unit is None:
            raise Http404
        path = unit.path
    indicator = parse(spec["expression"])
    window, _due = window_for(submission.form, submission.day)
    return source_for(indicator).members(indicator, window=window, under=path)


@dataclass
class CellChange:
    entered: list[tuple[int, str]]
    left: list[tuple[int, str]]
    criteria_changed: bool


def cell_changes(*, submission: Submission, row: str, column: str) -> CellChange:
    """Who entered and who left the cell's count since the previous period, and why."""
    now = set(cell_members(submission=submission, row=row, column=column))
    previous_day = previous_period_end(submission.form, submission.day)
    spec = indicator_column(submission, column)
    try:
        previous_version = version_for(submission.form, previous_day) if previous_day else None
    except DomainError:  # no version then: everything is new
        previous_version = None
    prev_spec = previous_version.column(column) if previous_version else None
    criteria_changed = prev_spec is None or prev_spec.get("expression") != spec.get("expression")
    before: set[int] = set()
    if prev_spec is not None and prev_spec["kind"] == "indicator" and previous_day is not None:
        indicator = parse(prev_spec["expression"])
        window, _due = window_for(submission.form, previous_day)
        path = submission.unit.path if row == "__total__" else OrgUnit.objects.get(code=row).path
        before = set(source_for(indicator).members(indicator, window=window, under=path))
    entered, left = sorted(now - before), sorted(before - now)
    window_now, _due = window_for(submission.form, submission.day)
    indicator = parse(spec["expression"])
    reasons = source_for(indicator).changes_explain(entered=entered, left=left, since=window_now.period_start,
                                                    until=window_now.cutoff)
    if criteria_changed:
        reasons = {k: _("criteria change") for k in [*entered, *left]}
    return CellChange(entered=[(i, reasons.get(i, "")) for i in entered], left=[(i, reasons.get(i, "")) for i in left],
                      criteria_changed=criteria_changed)


DRILL_DOWN_ROWS = 500  # people listed on a cell's page; the API gives every id the viewer may open


@dataclass
class CellDrillDown:
    """A cell's people as one viewer may see them: the ids they may open (all of them), the rows of the first
    ones, and how many they may not see (counted, never named)."""

    count: int
    ids: list[int]
    hidden: int
    members: list[dict]
    entered: list[tuple[dict | None, str]]
    left: list[tuple[dict | None, str]]
    criteria_changed: bool


def cell_drill_down(*, user, submission: Submission, row: str, column: str) -> CellDrillDown:
    """The people behind one number as `user` may see them, the same for the page and the API: only the ids of
    people the viewer may open (the fact source's rule, persons.disclosure for people), the others counted."""
    members = cell_members(submission=submission, row=row, column=column)
    changes = cell_changes(submission=submission, row=row, column=column)
    source = source_for(parse(indicator_column(submission, column)["expression"]))
    ids = source.members_open(members, user=user)
    moved = [i for i, _r in changes.entered] + [i for i, _r in changes.left]
    shown = source.members_rows(list(dict.fromkeys([*ids[:DRILL_DOWN_ROWS], *source.members_open(moved, user=user)])),
                                user=user)
    return CellDrillDown(count=len(members), ids=ids, hidden=len(members) - len(ids),
                         members=[{"id": i, **shown[i]} for i in ids[:DRILL_DOWN_ROWS] if i in shown],
                         entered=[(_row(shown, i), r) for i, r in changes.entered],
                         left=[(_row(shown, i), r) for i, r in changes.left], criteria_changed=changes.criteria_changed)


def _row(shown: dict[int, dict], pk: int) -> dict | None:
    return {"id": pk, **shown[pk]} if pk in shown else None


def versions_diff(a, b) -> list[dict]:
    """What changed between two versions of a form: columns added, removed, or counted differently."""
    cols_a = {c["key"]: c for c in a.columns}
    cols_b = {c["key"]: c for c in b.columns}
    out = []
    for key in [*cols_a, *[k for k in cols_b if k not in cols_a]]:
        ca, cb = cols_a.get(key), cols_b.get(key)
        if ca is None:
            out.append({"key": key, "change": "added", "before": None, "after": cb})
        elif cb is None:
            out.append({"key": key, "change": "removed", "before": ca, "after": None})
        elif ca != cb:
            out.append({"key": key, "change": "changed", "before": ca, "after": cb})
    if a.rules != b.rules:
        out.append({"key": "rules", "change": "rules", "before": a.rules, "after": b.rules})
    return out


# -- the dashboard's figures -------------------------------------------------------------------------------

HOME_PEOPLE, HOME_NEW, HOME_CASES = Figure.Home.PEOPLE, Figure.Home.NEW, Figure.Home.CASES  # the catalog's places


@dataclass
class ReportFigures:
    board: dict[str, int]  # the day's reports of the unit's board by status (board.ON_TIME, LATE, PENDING, MISSING)
    completeness: float | None  # over `first`…`day`
    on_time_rate: float | None


def report_figures(*, unit: OrgUnit, day: dt.date, first: dt.date) -> ReportFigures:
    """The day's timeliness board of the unit and its completeness and on-time rates from `first` to `day`."""
    counts = board.board_day(unit=unit, day=day).counts
    rates = board.board_rates(unit=unit, first=first, last=day).total
    return ReportFigures(board=counts, completeness=rates.completeness, on_time_rate=rates.on_time_rate)



# -- the form editor's reads: versions and what changed, the indicator preview ---------------------------------------

@dataclass
class VersionsExplained:
    versions: list[tuple]  # (version, its columns explained)
    diffs: list[tuple]  # (version before, version after, the changes with each column explained)


def form_versions_explained(form: Form) -> VersionsExplained:
    """A form's versions, oldest first, with their columns explained, and what changed between each two."""
    versions = list(form.versions.order_by("effective_from"))
    diffs = []
    for a, b in zip(versions, versions[1:], strict=False):
        changes = versions_diff(a, b)
        for change in changes:
            for side in ("before", "after"):
                if change["change"] != "rules" and change[side] is not None:
                    [change[side]] = catalog.columns_explained([change[side]])
        diffs.append((a, b, changes))
    return VersionsExplained(versions=[(v, catalog.columns_explained(v.columns)) for v in versions], diffs=diffs)


@dataclass
class IndicatorPreview:
    value: int
    sample: list[dict]  # the first people (or cases…) counted, as the viewer may see them
    cutoff: dt.datetime
    definition: str


PREVIEW_SAMPLE = 20


def indicator_preview(*, user, expression: str, unit: OrgUnit | None, day: dt.date) -> IndicatorPreview:
    """What an indicator counts on `day` (a daily form's window) under `unit` (the first unit of the viewer's
    reports.view scope without one): its value, a sample and its definition. ExpressionError for a mistake."""
    indicator = parse(expression)
    source = source_for(indicator)
    source.check(indicator)
    window, _due = window_for(Form(period=Form.Period.DAILY, cutoff_minutes=15 * 60), day)
    scope = scope_for(user, REPORTS_VIEW)
    under = unit.path if unit else (scope.paths[0] if scope.paths else "")
    ids = source.members(indicator, window=window, under=under)
    sample = source.members_rows(ids[:PREVIEW_SAMPLE], user=user)
    return IndicatorPreview(value=len(ids), sample=list(sample.values()), cutoff=window.cutoff,
                            definition=source.describe(indicator))


# -- one figure for a unit and a day (the figure's page and the API) ---------------------------------------------------

def _unit_for(user, code: str, perms: tuple[str, ...]) -> OrgUnit:
    """The unit `code` when one of `perms` covers it (404 otherwise); without a code, the top of the first scope."""
    scopes = [scope_for(user, perm) for perm in perms]
    if code:
        unit = OrgUnit.objects.filter(code=code).first()
        if unit is None or not any(s.covers(unit.path) for s in scopes):
            raise Http404
        return unit
    for scope in scopes:
        if not scope.empty:
            return scope_roots(scope)[0]
    raise Http404


@dataclass
class FigureCount:
    unit: OrgUnit
    at: dt.datetime  # the day's statistical time point, or now before it
    value: int
    opened: list[int]  # the ids of what it counts that the viewer may open; the others are only counted
    parts: list[tuple[Figure, int | float]]  # the figures it is made of, in its order, with their values
    source: FactSource  # shows the viewer the rows of `opened`


def figure_count(*, user, figure: Figure, unit_code: str, day: dt.date) -> FigureCount:
    """`figure` for the unit `unit_code` (the top of the viewer's scope without one; 404 outside the scope of its
    source's view permission and of reports.view) at `day`'s statistical time point: its value, what it counts that
    the viewer may open, and its parts' values, as the home page shows them."""
    indicator = parse(figure.expression)
    source = source_for(indicator)
    unit = _unit_for(user, unit_code, (source.view_permission, REPORTS_VIEW))
    window = catalog.day_window(day)
    # Counted per unit path and summed, as the forms' rows and the home page count it (catalog.figures_values): a
    # person counted under two units (a category held before a move, another after) is listed once, counted twice.
    by_path = source.members_by_path(indicator, window=window, under=unit.path)
    ids = sorted({pk for members in by_path.values() for pk in members})
    parts = sorted(catalog.figures_by_key(figure.parts).values(), key=lambda p: figure.parts.index(p.key))
    values = catalog.figures_values(parts, unit=unit, window=window) if parts else {}
    return FigureCount(unit=unit, at=min(window.cutoff, timezone.now()), value=sum(map(len, by_path.values())),
                       opened=source.members_open(ids, user=user), parts=[(p, values.get(p.key, 0)) for p in parts],
                       source=source)
