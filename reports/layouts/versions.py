"""A template's indicators as a form version's columns, and a computed report as the template's filling.

Each indicator becomes a column in the template's order: a catalog figure's, an indicator's expression, or a
manual column; its `template` is the indicator's column (or line) in the sheet, where the filling writes it. A
column keeps the key of the old version's column that counts the same (the same figure, the same criteria or the
same title), so the versions page and the jump explanation compare them; a new one is keyed t<index>.
"""

from collections.abc import Sequence

from django.utils import translation

from reports.definitions import definition
from reports.engine import Table
from reports.exporting import ReportValues
from reports.layouts.filling import Filling
from reports.layouts.proposing import FIGURE, INDICATOR, Proposal
from reports.layouts.reading import Layout


def columns_from(proposals: list[Proposal], *, old_columns: Sequence[dict] = ()) -> list[dict]:
    """The version's columns for the chosen proposals (the officer's choices already applied to them)."""
    by_figure = {c["figure"]: c["key"] for c in old_columns if c.get("figure")}
    by_expression = {c["expression"]: c["key"] for c in old_columns if c.get("expression")}
    by_label = {c.get("label_zh"): c["key"] for c in old_columns if c.get("label_zh")}
    used: set[str] = set()
    columns = []
    for proposal in proposals:
        key = (by_figure.get(proposal.figure) if proposal.kind == FIGURE else None) \
            or (by_expression.get(proposal.expression) if proposal.kind != "manual" else None) \
            or by_label.get(proposal.label)
        if not key or key in used:
            key = f"t{proposal.index}"
        used.add(key)
        column = {"key": key, "label_zh": proposal.label, "template": proposal.index}
        if proposal.kind == FIGURE:
            column.update(kind="indicator", figure=proposal.figure)
        elif proposal.kind == INDICATOR:
            with translation.override("en"):
                english = definition(proposal.expression)
            column.update(kind="indicator", expression=proposal.expression, label_en=english[:150])
        else:
            column.update(kind="manual", label_en=proposal.label)
        columns.append(column)
    return columns


def filling_from(layout: Layout, table: Table | ReportValues, *, fields: dict[str, str], mark: str = "") -> Filling:
    """The computed (or submitted) table as the filling of the template's sheet: each row's cells at their
    indicators' places, the total, the field lines, and `mark` (草稿，未上报) after the title of a report not
    submitted."""
    places = {c["template"]: c["key"] for c in table.version.columns if c.get("template") is not None}
    units = [(row["name"], {place: row["cells"].get(key) for place, key in places.items()}) for row in table.rows]
    total = {place: table.total.get(key) for place, key in places.items()}
    return Filling(units=units, total=total, fields=fields, mark=mark)
