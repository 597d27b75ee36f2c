"""What the reports count and how, through the API as on the editor's pages: the forms' settings and their
versions with what changed, the indicator preview, and the catalog of figures. Readable by whoever reads
reports; written only by form managers, through the pages' services."""

import datetime as dt

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema, Status

from accounts import access
from accounts.roles import FORMS_MANAGE, REPORTS_VIEW
from core.errors import DomainError
from reports import catalog, selectors, services
from reports.definitions import definition
from reports.expressions import ExpressionError
from reports.models import Figure, Form
from reports.schemas import (
    FigureCountOut,
    FigureCreateIn,
    FigureIn,
    FigureOut,
    FigureSavedOut,
    FormOut,
    FormSettingsIn,
    FormSettingsUpdateIn,
    FormVersionIn,
    FormVersionsOut,
    IndicatorPreviewOut,
)

router = Router()


def form_out(form: Form) -> dict:
    return {**{k: getattr(form, k) for k in ("code", "name_zh", "name_en", "period", "cutoff_minutes",
                                             "due_minutes", "rows", "higher_levels", "unit_kind", "active")},
            "requested_days": form.requested_days or [],
            "versions": [{"effective_from": v.effective_from, "note": v.note, "columns": v.columns, "rules": v.rules}
                         for v in form.versions.order_by("effective_from")]}


def form_managed(request: HttpRequest, code: str) -> Form:
    """The form `code`, active or not, to a form manager (403 to others; 404 for no such form), as the editor's
    page finds it."""
    access.require(request.user, FORMS_MANAGE)
    form = Form.objects.filter(code=code).first()
    if form is None:
        raise Http404
    return form


# ---- forms ------------------------------------------------------------------------------------------------------

@router.get("/reports/forms", response=list[FormOut], operation_id="reports_api_report_form_list",
            summary="The report forms with their dated versions (口径)")
def report_form_list(request: HttpRequest):
    access.require(request.user, REPORTS_VIEW)
    forms = Form.objects.visible_in(access.scope_for(request.user, REPORTS_VIEW))
    return [form_out(f) for f in forms.prefetch_related("versions").order_by("order", "code")]


@router.post("/reports/forms/{code}/versions", response={201: FormOut},
             operation_id="reports_api_report_form_version_create",  # as when it was written in reports/api.py
             summary="New criteria of a form from a date (reports before it keep the old ones)")
def report_form_version_create(request: HttpRequest, code: str, payload: FormVersionIn):
    """Every indicator is parsed and every rule read; a mistake answers 400 naming the column or rule and,
    for an indicator, the position."""
    form = form_managed(request, code)
    services.form_version_create(form=form, effective_from=payload.effective_from,
                                 columns=[c.dict() for c in payload.columns], rules=[r.dict() for r in payload.rules],
                                 note=payload.note, by=access.request_user(request))
    return Status(201, form_out(form))


@router.post("/reports/forms", response={201: FormOut}, url_name="report_form_create",
             summary="A new form (its settings); its first version follows with POST /reports/forms/{code}/versions")
def report_form_create(request: HttpRequest, payload: FormSettingsIn):
    access.require(request.user, FORMS_MANAGE)
    form = services.form_settings_save(form=Form(), data=payload.dict(), by=access.request_user(request))
    return Status(201, form_out(form))


@router.put("/reports/forms/{code}", response=FormOut, url_name="report_form_update",
            summary="Change a form's settings (period, cut-off, due time, rows, roll-up, order, active)")
def report_form_update(request: HttpRequest, code: str, payload: FormSettingsUpdateIn):
    form = form_managed(request, code)
    return form_out(services.form_settings_save(form=form, data=payload.dict(), by=access.request_user(request)))


@router.get("/reports/forms/{code}/versions", response=FormVersionsOut, url_name="report_form_versions",
            summary="A form's versions (口径) with each column's definition, and what changed between each two")
def report_form_versions(request: HttpRequest, code: str):
    access.require(request.user, REPORTS_VIEW)
    form = selectors.form_get(code, request.user)
    explained = selectors.form_versions_explained(form)
    return {"code": form.code, "name": form.name,
            "versions": [{"effective_from": v.effective_from, "note": v.note, "columns": columns, "rules": v.rules}
                         for v, columns in explained.versions],
            "diffs": [{"before": a.effective_from, "after": b.effective_from, "changes": changes}
                      for a, b, changes in explained.diffs]}


# ---- the indicator preview --------------------------------------------------------------------------------------

class IndicatorQuery(Schema):
    expression: str
    unit: str | None = None
    day: dt.date | None = None


@router.get("/reports/indicator", response=IndicatorPreviewOut, url_name="report_indicator_preview",
            summary="Try an indicator: its value on a day under a unit, a sample of what it counts, its definition; "
                    "a mistake answers 400 with its position")
def report_indicator_preview(request: HttpRequest, q: Query[IndicatorQuery]):
    access.require(request.user, REPORTS_VIEW)
    unit = access.unit_get_for_user(request.user, q.unit, perm=REPORTS_VIEW) if q.unit else None
    try:
        preview = selectors.indicator_preview(user=request.user, expression=q.expression, unit=unit,
                                              day=q.day or timezone.localdate())
    except ExpressionError as exc:
        raise DomainError("invalid_indicator", str(exc), fields={"expression": [str(exc)]}) from None
    return {"value": preview.value, "cutoff": preview.cutoff, "definition": preview.definition,
            "sample": preview.sample}


# ---- the catalog of figures -------------------------------------------------------------------------------------

def _figure_out(figure: Figure, *, manager: bool) -> dict:
    return {**{k: getattr(figure, k) for k in ("key", "label", "short", *catalog.FIELDS)},
            "definition": definition(figure.expression), "expression": figure.expression if manager else None}


@router.get("/reports/figures", response=list[FigureOut], url_name="report_figure_list",
            summary="Every figure of the catalog with its definition in words (its indicator to form managers)")
def report_figure_list(request: HttpRequest):
    access.require(request.user, REPORTS_VIEW)
    manager = access.has_perm(request.user, FORMS_MANAGE)
    return [_figure_out(f, manager=manager) for f in catalog.figures_all()]


class FigureQuery(Schema):
    unit: str | None = None
    day: dt.date | None = None


@router.get("/reports/figures/{key}", response=FigureCountOut, url_name="report_figure_count",
            summary="A figure for a unit at a day's statistical time point: its value, what it counts (ids the caller "
                    "may open) and its parts")
def report_figure_count(request: HttpRequest, key: str, q: Query[FigureQuery]):
    figure = catalog.figure_get(key)
    if figure is None:
        raise Http404
    day = q.day or timezone.localdate()
    count = selectors.figure_count(user=request.user, figure=figure, unit_code=q.unit or "", day=day)
    return {"key": figure.key, "label": figure.label, "definition": definition(figure.expression),
            "unit": count.unit.code, "unit_name": count.unit.name, "day": day, "at": count.at, "value": count.value,
            "hidden": count.value - len(count.opened), "ids": count.opened,
            "parts": [{"key": p.key, "label": p.label, "value": v} for p, v in count.parts]}


def _figure_written(request: HttpRequest, figure: Figure, payload: FigureIn) -> dict:
    """The figure saved by a form manager (catalog.figure_save, as its page), with the versions that still count
    it otherwise."""
    figure = catalog.figure_save(figure=figure, data=payload.dict(), by=access.request_user(request))
    return {**_figure_out(figure, manager=True), "otherwise": [
        {"form": v.form.code, "form_name": v.form.name, "effective_from": v.effective_from}
        for v in catalog.versions_counting_otherwise(figure)]}


@router.post("/reports/figures", response={201: FigureSavedOut}, url_name="report_figure_create",
             summary="A new figure of the catalog (its indicator checked, its parts figures of the catalog)")
def report_figure_create(request: HttpRequest, payload: FigureCreateIn):
    access.require(request.user, FORMS_MANAGE)
    return Status(201, _figure_written(request, Figure(), payload))


@router.put("/reports/figures/{key}", response=FigureSavedOut, url_name="report_figure_update",
            summary="Change a figure; `otherwise` lists the versions in force that still count it as before")
def report_figure_update(request: HttpRequest, key: str, payload: FigureIn):
    access.require(request.user, FORMS_MANAGE)
    figure = catalog.figure_get(key)
    if figure is None:
        raise Http404
    return _figure_written(request, figure, payload)
