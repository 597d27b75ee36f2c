"""The line list's figures totalled over a subtree in one query per shared anchor (PeopleSource.totals_many).

Besides its anchor (the category or status it counts) an indicator's conditions are about the person (held at
the cut-off, age, sex, …), the same for all of a person's episodes. So the episodes are grouped by (unit path,
person) into what the person holds there (a bit per kind on PostgreSQL, BIT_OR; a flag per anchor elsewhere) and
whether the person meets each distinct other condition; those groups are then counted by what they hold and
meet, which leaves a few rows whatever the subtree's size, and each indicator adds up the rows it counts. One row
per person and place is aggregated once, where a distinct count per unit path and indicator aggregated it once
per indicator, and one subquery runs per distinct condition, not per indicator. The groups' queries (one for the
categories held, one for the statuses) run at once (core.reads_at_once).
"""

from dataclasses import dataclass, replace

from django.db.models import Aggregate, BigIntegerField, Case, IntegerField, Max, Q, QuerySet, Value, When
from django.db.models.functions import Cast

from core.db import is_postgresql
from reports.expressions import Not, Predicate


@dataclass
class Shared:
    """Indicators counted over the same episodes: positions, those episodes, the anchor's id field, each
    indicator's anchored ids and its other conditions (about the person), as a Q and as a comparable key."""

    positions: list[int]
    rows: QuerySet
    id_field: str
    ids: dict[int, list[int]]
    rest: dict[int, Q]
    rest_key: dict[int, object]


class _BitOr(Aggregate):
    function = "BIT_OR"
    output_field = BigIntegerField()


BITS = 63  # kinds held as bits of a bigint: ids below this


@dataclass
class Tally:
    """A group's one query (core.reads_at_once.Statement) and how each of its indicators reads the rows back."""

    statement: tuple[str, str, tuple]
    columns: list[str]  # the rows' columns before their count
    wants: dict[int, tuple[str, int, str | None]]  # position: (column of what is held, its bits, the flag or None)

    def totals(self, rows: list[tuple]) -> dict[int, int]:
        counted = [dict(zip([*self.columns, "n"], row, strict=True)) for row in rows]
        return {n: sum(row["n"] for row in counted if row[column] & bits and (flag is None or row[flag]))
                for n, (column, bits, flag) in self.wants.items()}


def group_tally(group: Shared) -> Tally:
    """The group's query (PeopleSource.totals_many): one GROUP BY (unit path, person) into what is held there and
    which other conditions are met, counted by those."""
    conditions: dict[object, str] = {}  # each distinct other condition (None: none), its flag
    flags = {}
    for n in group.positions:
        key = group.rest_key[n]
        if key is not None and key not in conditions:
            conditions[key] = f"p{len(conditions)}"
            flags[conditions[key]] = Max(Case(When(group.rest[n], then=1), default=0, output_field=IntegerField()))
    kinds = sorted({i for ids in group.ids.values() for i in ids})
    if is_postgresql() and kinds[-1] < BITS:
        held = {"h": _BitOr(Cast(Value(1), BigIntegerField()).bitleftshift(Cast(group.id_field, IntegerField())))}
        wanted = {n: ("h", sum(1 << i for i in group.ids[n])) for n in group.positions}
    else:  # a flag for each distinct set of anchored ids
        sets = {tuple(ids): f"a{i}" for i, ids in enumerate(sorted({tuple(v) for v in group.ids.values()}))}
        held = {name: Max(Case(When(**{f"{group.id_field}__in": ids}, then=1), default=0, output_field=IntegerField()))
                for ids, name in sets.items()}
        wanted = {n: (sets[tuple(group.ids[n])], 1) for n in group.positions}
    grouped = group.rows.values("unit_path", "person_id").annotate(**held, **flags)
    columns = [*held, *flags]
    sql, params = grouped.query.sql_with_params()
    listed = ", ".join(columns)
    return Tally(statement=(grouped.db, f"SELECT {listed}, COUNT(*) FROM ({sql}) AS g GROUP BY {listed}", params),
                 columns=columns,
                 wants={n: (*wanted[n], conditions.get(group.rest_key[n])) for n in group.positions})


def positionless(node, *, skip=None):
    """An indicator's condition without `skip` (its anchor) and without the places of its words: equal for two
    indicators asking the same of the person."""
    if node is None or node is skip:
        return None
    if isinstance(node, Predicate):
        return replace(node, position=0, value_position=0)
    if isinstance(node, Not):
        return Not(positionless(node.part))
    return type(node)(tuple(positionless(part) for part in node.parts if part is not skip))
