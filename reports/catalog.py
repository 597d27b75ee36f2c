"""The catalog of figures (指标库): one meaning under one label, wherever a figure is shown.

A figure is a row of reports.models.Figure (seeded from reports/defaults/figures.json by `manage.py
reports_seed` and the demo; changed on the catalog page by form managers): its key, its full label naming the
population and the measure, the short label a form's column carries, its expression in the indicator language,
and the figures it is made of. Its definition in words is generated from the expression (reports.definitions).

A form's column names a figure (`"figure": key`); when the version is made the figure's expression is copied
into it, so a version keeps the criteria it was made with whatever later happens to the catalog. The home page
shows figures of the same catalog, computed through the same engine, for a unit and a day: a day's figures are
taken at its statistical time point (统计时点), the cut-off of the daily forms (15:00 for the five forms of a
street), the cut-off the forms of that day count at — so a form and the home page give the same number under the
same label for the same unit and day.
"""

import datetime as dt
import json
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Field
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.actors import Actor
from core.audit import audit_record
from core.clock import day_moment
from core.errors import DomainError
from orgunits.models import OrgUnit
from reports.definitions import definitions, memo
from reports.engine import expression_check, indicators_totals
from reports.expressions import ExpressionError
from reports.facts import Window
from reports.models import Figure, Form

DEFAULT_FIGURES = Path(__file__).parent / "defaults" / "figures.json"
DAY_CUTOFF_MINUTES = 15 * 60  # the statistical time point when no daily form says otherwise
FIELDS = ("label_zh", "label_en", "short_zh", "short_en", "expression", "parts", "parts_overlap", "home", "home_parts")


# ---- seeding and reading ------------------------------------------------------------------------------------------

def figures_check(specs: list[dict], *, sources: bool = True) -> dict[str, list[str]]:
    """Mistakes per figure key: keys and labels unique, parts that are figures, expressions that parse (and, with
    `sources`, that their source can count)."""
    errors: dict[str, list[str]] = {}
    keys = [s.get("key", "") for s in specs]
    for spec in specs:
        key = spec.get("key", "")
        problems = errors.setdefault(key or "?", [])
        if keys.count(key) > 1:
            problems.append(_("Each figure needs its own key."))
        for field in ("label_zh", "label_en"):
            if sum(1 for s in specs if s.get(field) == spec.get(field)) > 1:
                problems.append(_("The label %(label)s is already another figure's.") % {"label": spec.get(field)})
        problems += [_("%(name)s is not a figure of the catalog.") % {"name": p}
                     for p in spec.get("parts", []) if p not in keys]
        try:
            (expression_check if sources else _parse_only)(spec.get("expression", ""))
        except ExpressionError as exc:
            problems.append(str(exc))
        if not problems:
            del errors[key or "?"]
    return errors


def _parse_only(expression: str) -> None:
    from reports.expressions import parse

    parse(expression)


def _default(field: str):
    """The model's default of a Figure field (a figure's fields are all concrete)."""
    model_field = Figure._meta.get_field(field)
    assert isinstance(model_field, Field)
    return model_field.get_default()


def figures_seed(*, path: Path = DEFAULT_FIGURES, by: Actor = None, dry_run: bool = False) -> int:
    """Create or update the figures of a catalog file; returns how many changed. With `dry_run` nothing is written.
    Expressions are parsed, not checked against their sources: a figure may count an additional field an
    administrator adds later (a form's dry run checks the figures its columns name). Figures the file does not name
    are left alone."""
    specs = json.loads(path.read_text("utf-8"))["figures"]
    errors = figures_check(specs, sources=False)
    if errors:
        raise DomainError("invalid_figures", "; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()),
                          fields=errors)
    if dry_run:
        return 0
    changed = 0
    with transaction.atomic():
        current = {f.key: f for f in Figure.objects.select_for_update()}
        for order, spec in enumerate(specs):
            values = {field: spec.get(field, _default(field)) for field in FIELDS}
            values["order"] = order
            figure = current.get(spec["key"])
            if figure is not None and all(getattr(figure, k) == v for k, v in values.items()):
                continue
            # a label moving from one figure to another within the file: free it first
            Figure.objects.filter(label_zh=values["label_zh"]).exclude(key=spec["key"]).update(
                label_zh=f"~{spec['key']}")
            Figure.objects.filter(label_en=values["label_en"]).exclude(key=spec["key"]).update(
                label_en=f"~{spec['key']}")
            Figure.objects.update_or_create(key=spec["key"], defaults=values)
            changed += 1
        if changed:
            audit_record(actor=by, action="update", object_type="reports.figure", object_repr=path.name,
                         after={"figures_changed": changed})
    return changed


def figures_all() -> list[Figure]:
    return memo(("figures",), lambda: list(Figure.objects.all()))  # once within a memo scope (a page)


def figures_by_key(keys) -> dict[str, Figure]:
    return {f.key: f for f in Figure.objects.filter(key__in=list(keys))}


def figure_get(key: str) -> Figure | None:
    return Figure.objects.filter(key=key).first()


# ---- form columns -------------------------------------------------------------------------------------------------

def catalog_file_figures(path: Path = DEFAULT_FIGURES) -> dict[str, SimpleNamespace]:
    """The figures of a catalog file, by key, as they would be seeded (for checking a forms file unwritten)."""
    return {s["key"]: SimpleNamespace(**{"parts": [], **s}) for s in json.loads(path.read_text("utf-8"))["figures"]}


def columns_resolve(columns: list[dict], *, figures: dict | None = None) -> list[dict]:
    """The columns as a version stores them: a column naming a figure takes the figure's expression (copied, so
    the version keeps it) and, unless given, its column labels. An unknown figure is refused, naming it.
    `figures` (by key) stands in for the catalog in the database."""
    wanted = {c["figure"] for c in columns if c.get("figure")}
    named = {k: v for k, v in figures.items() if k in wanted} if figures is not None else figures_by_key(wanted)
    unknown = {c.get("key", "?"): [_("%(name)s is not a figure of the catalog.") % {"name": c["figure"]}]
               for c in columns if c.get("figure") and c["figure"] not in named}
    if unknown:
        raise DomainError("unknown_figure", _("A column names a figure the catalog does not have."), fields=unknown)
    otherwise = {c.get("key", "?"): [_("The column names the figure %(name)s but gives another indicator: leave the "
                                       "indicator out, or name no figure.") % {"name": c["figure"]}]
                 for c in columns if c.get("figure") and (c.get("expression") or "").strip()
                 and c["expression"].strip() != named[c["figure"]].expression.strip()}
    if otherwise:
        raise DomainError("invalid_version", _("The form version cannot be saved."), fields=otherwise)
    out = []
    for column in columns:
        figure = named.get(column.get("figure") or "")
        if figure is None:
            out.append(column)
            continue
        out.append({"key": column["key"], "figure": figure.key, "label_zh": column.get("label_zh") or figure.short_zh,
                    "label_en": column.get("label_en") or figure.short_en, "kind": "indicator",
                    "expression": figure.expression,
                    **({"template": column["template"]} if "template" in column else {})})
    return out


def columns_explained(columns: list[dict]) -> list[dict]:
    """The columns of a version for a page: each with `label` (its column label in the reader's language),
    `label_full` (its figure's full label; the column label when it names none) and `definition` (generated
    from the expression the version holds)."""
    english = (translation.get_language() or "").startswith("en")
    named = figures_by_key({c["figure"] for c in columns if c.get("figure")})
    texts = definitions([c.get("expression", "") if c.get("kind") == "indicator" else "" for c in columns])
    out = []
    for column, text in zip(columns, texts, strict=True):
        label = column.get("label_en" if english else "label_zh") or column["key"]
        figure = named.get(column.get("figure") or "")
        out.append({**column, "figure": figure.key if figure else "", "label": label,
                    "label_full": figure.label if figure else label,
                    "definition": text if column.get("kind") == "indicator" else _("Entered by hand.")})
    return out


# ---- a day's figures outside a form ---------------------------------------------------------------------------------

def day_cutoff_minutes() -> int:
    """The statistical time point of a day, in minutes after midnight: the cut-off most of the active daily forms
    share (15:00 for the street's five), else 15:00."""
    cutoffs = Counter(Form.objects.filter(active=True, period=Form.Period.DAILY)
                      .values_list("cutoff_minutes", flat=True))
    return cutoffs.most_common(1)[0][0] if cutoffs else DAY_CUTOFF_MINUTES


def day_window(day: dt.date) -> Window:
    """The window a day's figures are read in: the day's period of the daily forms, from the previous day's
    statistical time point to this one — the window the daily forms of that day count in. While the point is still
    ahead the figures are those of now (nothing is recorded for a later time)."""
    minutes = day_cutoff_minutes()
    point = day_moment(day, minutes=minutes)
    return Window(cutoff=point, period_start=point - dt.timedelta(days=1))


def figures_values(figures: list[Figure], *, unit: OrgUnit, window: Window) -> dict[str, int | float]:
    """Each figure's value for `unit`'s subtree in `window`, through the report engine (figures sharing a source
    and a shape are counted together where the source can)."""
    totals = indicators_totals([f.expression for f in figures], window=window, under=unit.path)
    return {f.key: total for f, total in zip(figures, totals, strict=True)}


def sums_check(values: dict[str, int | float], figures: list[Figure]) -> list[str]:
    """The figures whose parts (all among `values`) do not make them up: an empty list when every whole holds."""
    broken = []
    for figure in figures:
        if not figure.parts or figure.key not in values or not all(p in values for p in figure.parts):
            continue
        whole, parts = values[figure.key], [values[p] for p in figure.parts]
        ok = (all(p <= whole for p in parts) and whole <= sum(parts)) if figure.parts_overlap else whole == sum(parts)
        if not ok:
            broken.append(figure.key)
    return broken


# ---- changing a figure ------------------------------------------------------------------------------------------

def figure_save(*, figure: Figure, data: dict, by: Actor) -> Figure:
    """Create or change a figure of the catalog (labels, expression, parts); audited. The expression is checked
    against its source and the parts must be figures. Versions of forms already made keep the expression they
    copied: a changed expression reaches a form through a new version of it."""
    spec = {**{k: getattr(figure, k) for k in FIELDS}, **data}
    others = Figure.objects.exclude(pk=figure.pk) if figure.pk else Figure.objects.all()
    errors: dict[str, list[str]] = {}
    for field in ("label_zh", "label_en"):
        if others.filter(**{field: spec[field]}).exists():
            errors[field] = [_("The label %(label)s is already another figure's.") % {"label": spec[field]}]
    known = set(others.values_list("key", flat=True))
    unknown = [p for p in spec.get("parts") or [] if p not in known]
    if unknown:
        errors["parts"] = [_("%(name)s is not a figure of the catalog.") % {"name": p} for p in unknown]
    try:
        expression_check(spec["expression"])
    except ExpressionError as exc:
        errors["expression"] = [str(exc)]
    if errors:
        raise DomainError("invalid_figure", _("The figure cannot be saved."), fields=errors)
    before = {k: getattr(figure, k) for k in FIELDS} if figure.pk else None
    with transaction.atomic():
        for key, value in spec.items():
            setattr(figure, key, value)
        figure.updated_by = by if getattr(by, "is_authenticated", False) else None
        row_clean(figure, code="invalid_figure", message=_("The figure cannot be saved."))
        figure.save()
        audit_record(actor=by, action="update" if before else "create", obj=figure, before=before,
                     after={k: getattr(figure, k) for k in FIELDS})
    return figure


def row_clean(row: models.Model, *, code: str, message: str) -> None:
    """The row's own checks (lengths, choices, patterns, uniqueness) as a DomainError naming each field's reasons,
    as a page's form shows them beside its fields."""
    try:
        row.full_clean()
    except ValidationError as exc:
        raise DomainError(code, message, fields={k: list(v) for k, v in exc.message_dict.items()}) from None


def versions_counting_otherwise(figure: Figure, *, day: dt.date | None = None) -> list:
    """The versions in force on `day` (today) whose column naming `figure` counts with another expression: where
    the same label would show another number until the form gets a new version."""
    from reports.engine import version_for

    day = day or timezone.localdate()
    out = []
    for form in Form.objects.filter(active=True):
        try:
            version = version_for(form, day)
        except DomainError:
            continue
        if any(c.get("figure") == figure.key and c.get("expression") != figure.expression for c in version.columns):
            out.append(version)
    return out
