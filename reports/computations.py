"""What the officer saw: each computation of a draft is kept (its numbers and the items behind each computed cell)
under the draft's lock version, which the page shows and submitting sends back. Submitting compares the
computation made then with the one made now: each cell that changed, old → new, with who entered and who left
its count in between (and why, as the fact source explains it), so a difference is never submitted unseen."""

from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from core.actors import Actor
from reports.catalog import columns_explained
from reports.definitions import parsed
from reports.engine import TOTAL, Table
from reports.facts import source_for
from reports.models import Computation, Submission

KEPT = 10  # computations kept per submission: the versions pages opened a while ago may still show


def computation_keep(*, submission: Submission, table: Table, by: Actor) -> Computation:
    """Keep the draft's computation just saved (its lock version) with the ids its table counted (Table.members,
    read with its numbers), and drop the oldest beyond KEPT."""
    computed_at = submission.computed_at
    assert computed_at is not None  # kept right after the draft was computed
    computation = Computation.objects.create(
        submission=submission, lock_version=submission.lock_version, computed_at=computed_at, by=by,
        values={"rows": submission.values.get("rows", []), "total": submission.values.get("total", {})},
        members=table.members)
    stale = list(Computation.objects.filter(submission=submission).order_by("-lock_version")
                 .values_list("pk", flat=True)[KEPT:])
    if stale:
        Computation.objects.filter(pk__in=stale).delete()
    return computation


def computations_prune(submission: Submission) -> None:
    """Once a report is submitted only its submitted computation can still be the one seen (when it is returned and
    submitted again); once approved, none. The ids behind a street's cells can run to a megabyte a computation."""
    kept = Computation.objects.filter(submission=submission)
    if submission.state == Submission.State.SUBMITTED:
        kept = kept.exclude(lock_version=submission.lock_version)
    kept.delete()


def computation_get(submission: Submission, lock_version: int | None) -> Computation | None:
    if lock_version is None:
        return None
    return Computation.objects.filter(submission=submission, lock_version=lock_version).first()


@dataclass
class Person:
    """Someone who entered or left a count, as the viewer may see them (no label: outside their area)."""

    id: int | None
    label: str
    url: str
    reason: str


@dataclass
class CellChange:
    row: str  # the row unit's code, or "__total__"
    row_name: str
    column: str
    label: str
    old: object
    new: object
    manual: bool = False
    known: bool = True  # whether the items behind it were kept, so who entered and left can be said
    entered: list[Person] = field(default_factory=list)
    left: list[Person] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"row": self.row, "row_name": self.row_name, "column": self.column, "label": self.label,
                "old": self.old, "new": self.new, "manual": self.manual, "people_known": self.known,
                "entered": [vars(p) for p in self.entered], "left": [vars(p) for p in self.left]}


def _cells(values: dict) -> dict[str, tuple[str, dict]]:
    out = {r["unit"]: (r["name"], r["cells"]) for r in values.get("rows", [])}
    out[TOTAL] = (_("total"), values.get("total", {}))
    return out


def computation_changes(*, seen: Computation, now: Computation, columns: list[dict], user,
                        skip: AbstractSet[tuple[str, str]] = frozenset()) -> list[CellChange]:
    """Each cell whose value differs between the computation `seen` and `now` (rows, then the total), except
    the (row, column) pairs in `skip` (manual cells the caller just typed); for a computed cell, the people (or
    other items) who entered and left its count, as `user` may see them."""
    before, after = _cells(seen.values), _cells(now.values)
    changes: list[CellChange] = []
    for column in columns_explained(columns):
        key = column["key"]
        for row, (name, cells) in after.items():
            old = before.get(row, (name, {}))[1].get(key)
            new = cells.get(key)
            if old == new or (row, key) in skip:
                continue
            change = CellChange(row=row, row_name=name, column=key, label=column["label_full"], old=old, new=new,
                                manual=column["kind"] != "indicator")
            if not change.manual:
                _explain(change, column, seen, now, user)
            changes.append(change)
    return sorted(changes, key=lambda c: c.row == TOTAL)


def _explain(change: CellChange, column: dict, seen: Computation, now: Computation, user) -> None:
    was = (seen.members or {}).get(change.row, {}).get(change.column)
    is_ = (now.members or {}).get(change.row, {}).get(change.column)
    if was is None or is_ is None:
        change.known = False
        return
    entered, left = sorted(set(is_) - set(was)), sorted(set(was) - set(is_))
    source = source_for(parsed(column["expression"]))
    reasons = source.changes_explain(entered=entered, left=left, since=seen.computed_at, until=now.computed_at)
    moved = entered + left
    rows = source.members_rows(source.members_open(moved, user=user), user=user) if moved else {}
    outside = _("not shown: outside your area")

    def person(i: int) -> Person:
        shown = rows.get(i)
        return Person(id=i if shown else None, label=shown["label"] if shown else outside,
                      url=shown.get("url", "") if shown else "", reason=str(reasons.get(i, "")))

    change.entered, change.left = [person(i) for i in entered], [person(i) for i in left]


def value_text(value) -> str:
    """A cell's value in a list of changes (blank said as such)."""
    return _("blank") if value in (None, "") else str(value)


def changes_since(*, submission: Submission, lock_version: int | None, user) -> list[CellChange]:
    """The cells of the draft `submission` that changed since its computation `lock_version` (what a page showed
    before it was saved or recomputed); none when that computation is not kept."""
    if lock_version is None or lock_version == submission.lock_version:
        return []
    seen, now = computation_get(submission, lock_version), computation_get(submission, submission.lock_version)
    if seen is None or now is None:
        return []
    return computation_changes(seen=seen, now=now, columns=submission.version.columns, user=user)
