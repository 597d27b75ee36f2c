"""Line-list endpoints: the same services, selectors and scope as the pages."""

import datetime as dt
import json

from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Schema, Status, UploadedFile

from accounts import access
from accounts.roles import FIELDS_MANAGE, PERSONS_EDIT, PERSONS_IMPORT, PERSONS_MERGE, PERSONS_VIEW
from core.errors import DomainError
from core.pagination import keyset_page
from core.tabular.import_jobs import import_job_api_reads
from persons import importing, selectors, services
from persons.api import day  # noqa: F401 (its paths, such as /persons/today, go before /persons/{person_id})
from persons.api.router import router
from persons.arrivals import ArrivalKnown, arrival_register, quarantine_site_chosen
from persons.disclosure import FULL, Disclosure
from persons.duplicates import duplicates_for_review
from persons.importing.mapping import grids_of, import_job_remap, people_awaiting_grid, person_grid_assign
from persons.models import Category, CustomField, ImportJob, ImportMapping, ManagementStatus, Person
from persons.schemas import (
    ArrivalIn,
    ArrivalOut,
    AwaitingGridPage,
    CategoryEndIn,
    CategoryIn,
    CheckDueOut,
    CheckIn,
    CheckOut,
    CustomFieldIn,
    CustomFieldOut,
    CustomFieldPatch,
    DuplicateDismissIn,
    DuplicatePairOut,
    GridAssignIn,
    ImportRemapIn,
    MergeIn,
    PersonIn,
    PersonOut,
    PersonPage,
    PersonPatch,
    StatusIn,
)


class PersonQuery(Schema):
    unit: str | None = None
    category: str | None = None
    status: str | None = None
    name: str | None = None
    initials: str | None = None
    doc_suffix: str | None = None
    phone: str | None = None
    cursor: str | None = None
    limit: int = 50


def _raw(payload) -> dict:
    data = payload.dict(exclude_unset=True)
    custom = data.pop("custom", None) or {}
    data.pop("version", None)
    for key, value in custom.items():
        data[f"custom.{key}"] = value
    return {k: ("" if v is None else v) for k, v in data.items()}


def _out(request, person: Person) -> dict:
    shown = Disclosure(request.user).subject(person, channel="api")  # the rule of the person's page
    history = selectors.person_history(person)
    return {
        "id": person.pk, "version": person.version, "name": person.name, "sex": person.sex,
        "birth_date": person.birth_date, "doc_type": person.doc_type,
        "doc_number": shown.doc_number, "phone": shown.phone, "address": person.address,
        "grid": person.grid.code, "household_relation": person.household_relation, "notes": person.notes,
        "custom": person.custom, "masked": shown.level != FULL,
        "categories": [{"code": e.category.code, "name": e.category.name, "start": e.start, "end": e.end,
                        "origin": e.origin or None} for e in history["categories"]],
        "statuses": [{"code": e.status.code, "name": e.status.name, "start": e.start, "end": e.end,
                      "planned_end": e.planned_end, "site": e.site.name if e.site else None}
                     for e in history["statuses"]],
    }


@router.get("/persons", response=PersonPage, summary="People in scope, filtered, a page at a time (masked)")
def person_list(request: HttpRequest, q: Query[PersonQuery]):
    access.require(request.user, PERSONS_VIEW)
    f = selectors.PersonFilter(category=q.category or "", status=q.status or "", name=q.name or "",
                               initials=q.initials or "", doc_suffix=q.doc_suffix or "", phone=q.phone or "")
    if q.unit:
        f.unit = access.unit_get_for_user(request.user, q.unit, perm=PERSONS_VIEW)
    qs = selectors.persons_filtered(request.user, f).select_related("grid")
    page = keyset_page(qs, order=("unit_path", "id"), cursor=q.cursor, size=max(1, min(q.limit, 500)))
    selectors.with_current_state(page.items)
    return {"items": [{"id": p.pk, "name": p.name, "sex": p.sex, "doc_type": p.doc_type, "doc_number": p.doc_masked,
                       "phone": p.phone_masked, "grid": p.grid.code,
                       "categories": [c.code for c in p.current_categories],
                       "status": p.current_status.code if p.current_status else None} for p in page.items],
            "next_cursor": page.next_cursor}


@router.post("/persons", response={201: PersonOut})
def person_create(request: HttpRequest, payload: PersonIn):
    access.require(request.user, PERSONS_EDIT)
    person = services.person_register(data=_raw(payload), by=request.user)
    return Status(201, _out(request, person))


@router.post("/persons/arrivals", response={200: ArrivalOut, 201: ArrivalOut, 409: dict},
             summary="An arrival in one call: person, category with arrival date and origin, status, first check",
             description="A document on file in the caller's units answers 409 already_registered with `person`, "
                         "the id to send back as `person_id` to record the arrival for them.")
def arrival_create(request: HttpRequest, payload: ArrivalIn):
    access.require(request.user, PERSONS_EDIT)
    data = payload.dict(exclude={"person_id", "version"})
    data = {k: ("" if v is None else v) for k, v in data.items()}
    try:
        result = arrival_register(data=data, by=request.user, person_id=payload.person_id,
                                  version=payload.version)
    except ArrivalKnown as exc:
        return Status(409, exc.as_dict())
    body = {"created": result.created, "person": _out(request, result.person), "notices": result.notices}
    return Status(201 if result.created else 200, body)


@router.get("/persons/checks-due", response=list[CheckDueOut], summary="People whose health check is due today")
def checks_due(request: HttpRequest, unit: str | None = None):
    scope = access.require(request.user, PERSONS_EDIT)
    qs = selectors.checks_due(scope, day=timezone.localdate())
    if unit:
        qs = qs.filter(unit_path__under=access.unit_get_for_user(request.user, unit, perm=PERSONS_EDIT).path)
    return [{"id": p.pk, "name": p.name, "grid": p.grid.code} for p in qs[:1000]]


# -- probable duplicates (重复人员): the review page's list, merge and dismissal ----------------------------------

def _duplicate_out(p: Person) -> dict:
    return {"id": p.pk, "name": p.name, "doc_type": p.doc_type, "doc_number": p.doc_masked, "phone": p.phone_masked,
            "grid": p.grid.code, "grid_name": p.grid.name}


@router.get("/persons/duplicates", response=list[DuplicatePairOut], url_name="person_duplicates",
            summary="Probable duplicates among the people in scope (document and phone masked), as on the review page")
def duplicates_list(request: HttpRequest):
    scope = access.require(request.user, PERSONS_MERGE)
    return [{"reason": pair.reason, "reason_label": pair.reason_label, "first": _duplicate_out(a),
             "second": _duplicate_out(b)} for pair, a, b in duplicates_for_review(scope, limit=200)]


@router.post("/persons/merges", response=PersonOut, url_name="person_merge",
             summary="Merge two records of the same person, keeping `keep_id`: the other's records move to it")
def person_merge(request: HttpRequest, payload: MergeIn):
    keep = selectors.person_get_for_user(request.user, payload.keep_id, perm=PERSONS_MERGE)
    drop = selectors.person_get_for_user(request.user, payload.drop_id, perm=PERSONS_MERGE)
    return _out(request, services.person_merge(keep=keep, drop=drop, by=request.user))


@router.post("/persons/duplicate-dismissals", response={201: DuplicateDismissIn}, url_name="person_duplicate_dismiss",
             summary="Two probable duplicates are different people: the pair is not listed again")
def duplicate_dismiss(request: HttpRequest, payload: DuplicateDismissIn):
    first = selectors.person_get_for_user(request.user, payload.first_id, perm=PERSONS_MERGE)
    second = selectors.person_get_for_user(request.user, payload.second_id, perm=PERSONS_MERGE)
    services.duplicate_dismiss(a=first, b=second, by=request.user)
    return Status(201, {"first_id": first.pk, "second_id": second.pk})


@router.get("/persons/awaiting-grid", response=AwaitingGridPage, url_name="persons_awaiting_grid",
            summary="People placed in their community by a street's sheet, waiting for a grid, a page at a time")
def awaiting_grid_list(request: HttpRequest, cursor: str | None = None):
    access.require(request.user, PERSONS_EDIT)
    page = keyset_page(people_awaiting_grid(request.user), order=("unit_path", "id"), cursor=cursor, size=50)
    grids: dict[int, list[str]] = {}
    for p in page.items:
        if p.grid_id not in grids:
            grids[p.grid_id] = [g.code for g in grids_of(p.grid, request.user)]
    return {"items": [{"id": p.pk, "name": p.name, "community": p.grid.code, "community_name": p.grid.name,
                       "grids": grids[p.grid_id]} for p in page.items], "next_cursor": page.next_cursor}


@router.post("/persons/{person_id}/grid", response=PersonOut, url_name="person_grid_assign",
             summary="Place a person awaiting a grid in one of their community's grids")
def grid_assign(request: HttpRequest, person_id: int, payload: GridAssignIn):
    person = selectors.person_get_for_user(request.user, person_id, perm=PERSONS_EDIT)
    grid = access.unit_get_for_user(request.user, payload.grid, perm=PERSONS_EDIT)
    return _out(request, person_grid_assign(person=person, grid=grid, by=request.user))


@router.get("/persons/{person_id}", response=PersonOut)
def person_get(request: HttpRequest, person_id: int):
    return _out(request, selectors.person_get_for_user(request.user, person_id))


@router.patch("/persons/{person_id}", response=PersonOut)
def person_patch(request: HttpRequest, person_id: int, payload: PersonPatch):
    person = selectors.person_get_for_user(request.user, person_id, perm=PERSONS_EDIT)
    person = services.person_update(person=person, data=_raw(payload), version=payload.version, by=request.user)
    return _out(request, person)


def _category(code: str) -> Category:
    category = Category.objects.filter(code=code).first()
    if category is None:
        message = _("The category %(code)s is not defined in the line list.") % {"code": code}
        raise DomainError("unknown_category", message, fields={"category": [message]})
    return category


@router.post("/persons/{person_id}/categories", response={201: PersonOut})
def category_assign(request: HttpRequest, person_id: int, payload: CategoryIn):
    person = selectors.person_get_for_user(request.user, person_id, perm=PERSONS_EDIT)
    services.category_assign(person=person, category=_category(payload.category), start=payload.start,
                             note=payload.note, by=request.user)
    return Status(201, _out(request, person))


@router.post("/persons/{person_id}/categories/end", response=PersonOut)
def category_end(request: HttpRequest, person_id: int, payload: CategoryEndIn):
    person = selectors.person_get_for_user(request.user, person_id, perm=PERSONS_EDIT)
    services.category_end(person=person, category=_category(payload.category), end=payload.end, by=request.user)
    return _out(request, person)


@router.post("/persons/{person_id}/status", response={201: PersonOut})
def status_set(request: HttpRequest, person_id: int, payload: StatusIn):
    person = selectors.person_get_for_user(request.user, person_id, perm=PERSONS_EDIT)
    status = ManagementStatus.objects.filter(code=payload.status).first()
    if status is None:
        message = _("Unknown management status %(v)s.") % {"v": payload.status}
        raise DomainError("unknown_status", message, fields={"status": [message]})
    site = quarantine_site_chosen(request.user, payload.site_id) if payload.site_id else None
    services.status_set(person=person, status=status, start=payload.start, site=site,
                        planned_end=payload.planned_end, note=payload.note, by=request.user)
    return Status(201, _out(request, person))


@router.get("/persons/{person_id}/checks", response=list[CheckOut])
def checks_list(request: HttpRequest, person_id: int):
    person = selectors.person_get_for_user(request.user, person_id)
    return list(person.health_checks.order_by("-checked_at")[:500])


@router.post("/persons/{person_id}/checks", response={201: CheckOut})
def check_create(request: HttpRequest, person_id: int, payload: CheckIn):
    person = selectors.person_get_for_user(request.user, person_id, perm=PERSONS_EDIT)
    check = services.health_check_record(person=person, checked_at=payload.checked_at,
                                         temperature=payload.temperature, symptoms=payload.symptoms,
                                         result=payload.result, note=payload.note, by=request.user)
    return Status(201, check)


# -- import (人员导入): a background job with its status and error file ------------------------------------

class ImportJobOut(Schema):
    id: int
    state: str
    state_label: str
    unit: str
    filename: str
    keep_valid: bool
    total_rows: int
    processed_rows: int
    created: int
    updated: int
    unchanged: int
    error_rows: int
    message: str
    error_file: str | None
    created_at: dt.datetime
    finished_at: dt.datetime | None


def _job_out(job: ImportJob) -> dict:
    return {"id": job.pk, "state": job.state, "state_label": job.get_state_display(), "unit": job.unit.code,
            "filename": job.filename, "keep_valid": job.keep_valid, "total_rows": job.total_rows,
            "processed_rows": job.processed_rows, "created": job.created, "updated": job.updated,
            "unchanged": job.unchanged, "error_rows": job.error_rows, "message": job.message,
            "error_file": reverse("api:person_import_errors", args=[job.pk]) if job.error_file else None,
            "created_at": job.created_at, "finished_at": job.finished_at}


@router.post("/person-imports", response={202: ImportJobOut}, url_name="person_import_create",
             summary="Import people from a CSV or XLSX file (checked whole first; runs in the background)")
def import_create(request: HttpRequest, file: File[UploadedFile], unit: Form[str], keep_valid: Form[bool] = False,
                  mapping: Form[str | None] = None, columns: Form[str | None] = None, year: Form[int | None] = None):
    access.require(request.user, PERSONS_IMPORT)
    target = access.unit_get_for_user(request.user, unit, perm=PERSONS_IMPORT)
    saved = None
    if mapping:
        saved = ImportMapping.objects.filter(name=mapping).first()
        if saved is None:
            raise DomainError("unknown_mapping", _("No column mapping is named %(name)s.") % {"name": mapping},
                              fields={"mapping": [_("Unknown mapping.")]})
    try:
        explicit = json.loads(columns) if columns else None
    except ValueError:
        explicit = []
    if explicit is not None and not (isinstance(explicit, dict) and all(isinstance(v, str) for v in explicit.values())):
        raise DomainError("invalid_mapping", _("columns is a JSON object {column title: field key}."),
                          fields={"columns": [_("Not a JSON object.")]})
    job = importing.import_job_create(unit=target, uploaded_file=file, filename=file.name, mapping=saved,
                                      columns=explicit, keep_valid=keep_valid, year=year, by=request.user)
    job.refresh_from_db()  # the job may already have run (TASKS_RUN_INLINE)
    return Status(202, _job_out(job))


@router.get("/person-imports", response=list[ImportJobOut], url_name="person_import_list",
            summary="Recent imports into units in scope")
def import_list(request: HttpRequest):
    access.require(request.user, PERSONS_IMPORT)
    return [_job_out(job) for job in importing.import_jobs_for_user(request.user).order_by("-created_at")[:100]]


import_job_api_reads(router, path="/person-imports", param="job_id", get=importing.import_job_get_for_user,
                     out=_job_out, response=ImportJobOut, open_file=importing.import_error_file_open,
                     fallback="import", url_names=("person_import_get", "person_import_errors"),
                     operation_ids=("persons_api_import_get", "persons_api_import_errors"),
                     summary="An import's state and progress")


@router.post("/person-imports/{job_id}/mapping", response={202: ImportJobOut}, url_name="person_import_remap",
             summary="Map the columns an import did not know and import its file again (a new job)")
def import_remap(request: HttpRequest, job_id: int, payload: ImportRemapIn):
    job = importing.import_job_get_for_user(request.user, job_id)
    access.require(request.user, PERSONS_IMPORT)
    again = import_job_remap(job=job, columns=payload.columns, name=payload.name, by=request.user)
    again.refresh_from_db()
    return Status(202, _job_out(again))


# -- additional fields (新增要素): shared definitions, managed by those who hold persons.fields -----------------

def _field_get(request, field_id: int) -> CustomField:
    """The field, to whoever manages fields; 404 to anyone else, as on its page."""
    field = CustomField.objects.filter(pk=field_id).first()
    if field is None or not access.has_perm(request.user, FIELDS_MANAGE):
        raise Http404
    return field


@router.get("/person-fields", response=list[CustomFieldOut], url_name="custom_field_list",
            summary="The additional fields of the line list")
def custom_field_list(request: HttpRequest):
    access.require(request.user, FIELDS_MANAGE)
    return list(CustomField.objects.all())


@router.post("/person-fields", response={201: CustomFieldOut}, url_name="custom_field_create",
             summary="Add a field to the line list")
def custom_field_create(request: HttpRequest, payload: CustomFieldIn):
    access.require(request.user, FIELDS_MANAGE)
    return Status(201, services.custom_field_save(data=payload.dict(), by=request.user))


@router.patch("/person-fields/{field_id}", response=CustomFieldOut, url_name="custom_field_update",
              summary="Change a field's label, help, choices, the date it is required from, or whether it is active")
def custom_field_update(request: HttpRequest, field_id: int, payload: CustomFieldPatch):
    field = _field_get(request, field_id)
    return services.custom_field_save(data=payload.dict(), field=field, by=request.user)
