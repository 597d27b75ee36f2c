"""Tracing endpoints: cases, exposures, places visited, follow-up and tasks — the same services,
selectors and scope as the pages; objects outside scope answer 404."""


from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema, Status, UploadedFile

from accounts import access
from accounts.roles import PERSONS_EDIT, PERSONS_VIEW, TRACING_CLASSIFY, TRACING_EDIT, TRACING_VIEW
from core.errors import DomainError
from core.pagination import keyset_page
from core.tabular.import_jobs import import_job_api_reads
from persons.disclosure import Disclosure
from persons.models import Person
from persons.selectors import person_get_for_user
from tracing import chains, selectors, services
from tracing.models import Case, ContactImport, Exposure, FollowUp, Task, Visit
from tracing.schemas import (
    CaseIn,
    CaseOut,
    CasePage,
    CasePatch,
    ChainOut,
    ChainStatisticsOut,
    ClassifyIn,
    ContactImportOut,
    ExposureCreated,
    ExposureIn,
    ExposureOut,
    ExposurePage,
    ExposurePatch,
    FollowUpEndIn,
    FollowUpOut,
    ReachedOut,
    ResultIn,
    ResultOut,
    TaskIn,
    TaskOut,
    TaskPage,
    TaskPatch,
    VisitIn,
    VisitOut,
)

router = Router(tags=["tracing"])


# -- shapes ----------------------------------------------------------------------------------------------

def _disclosure(request) -> Disclosure:
    """What the caller may see of the people in tracing's answers (one rule with the pages), read once a request."""
    disclosure = getattr(request, "_fk_tracing_disclosure", None)
    if disclosure is None:
        disclosure = request._fk_tracing_disclosure = Disclosure(request.user, perm=TRACING_VIEW)
    return disclosure


def _person(request, person: Person | None) -> dict:
    return _disclosure(request).show(person).ref()


def _case_item(request, case: Case, *, detail: bool = False) -> dict:
    person = (_disclosure(request).subject(case.person, channel="api").ref(detail=True) if detail
              else _person(request, case.person))
    return {"id": case.pk, "person": person, "label": case.label,
            "classification": case.classification, "classification_method": case.classification_method,
            "classified_at": case.classified_at, "onset_date": case.onset_date,
            "confirmed_date": case.confirmed_date, "outcome": case.outcome}


def _case_out(request, case: Case, *, detail: bool = False) -> dict:
    """A case; with `detail` (the case's own GET) its person's document and phone as the case page shows them."""
    contacts = Exposure.objects.filter(source=case.person)
    return {**_case_item(request, case, detail=detail), "version": case.version, "report_date": case.report_date,
            "hospital_id": case.hospital_id, "hospital": case.hospital_display, "outcome_date": case.outcome_date,
            "notes": case.notes, "contacts": contacts.count(),
            "secondary_contacts": Exposure.objects.filter(source_id__in=contacts.values("exposed_id")).count(),
            "history": [{"classification": h.classification, "method": h.method, "rule": h.rule,
                         "reason": h.reason, "at": h.at, "by": str(h.by) if h.by else None}
                        for h in selectors.case_history(case)]}


def _visit_out(v: Visit) -> dict:
    return {"id": v.pk, "person_id": v.person_id, "place": v.place, "site_id": v.site_id,
            "site": v.site.name if v.site_id else None, "community": v.community.code,
            "community_name": v.community.name, "start": v.start, "end": v.end, "note": v.note}


def _exposures_out(request, exposures: list[Exposure], *, detail: bool = False) -> list[dict]:
    """Exposures with their contacts' latest follow-up (one query for the whole page); the source and the
    contact each as the caller may see them, as on the contact's page (with `detail`, the contact's document
    and phone too)."""
    disclosure = _disclosure(request)
    latest: dict[int, FollowUp] = {}
    for fu in FollowUp.objects.filter(person_id__in=[e.exposed_id for e in exposures]).order_by("created_at", "id"):
        latest[fu.person_id] = fu
    rows = []
    for e in exposures:
        fu = latest.get(e.exposed_id)
        exposed = (disclosure.subject(e.exposed, channel="api").ref(detail=True) if detail
                   else disclosure.show(e.exposed).ref())
        rows.append({"id": e.pk, "source": disclosure.show(e.source).ref(), "exposed": exposed,
                     "degree": e.degree, "first_contact": e.first_contact, "last_contact": e.last_contact,
                     "setting": e.setting, "proximity": e.proximity, "certainty": e.certainty, "note": e.note,
                     "follow_up_id": fu.pk if fu else None, "follow_up_end": fu.end if fu else None})
    return rows


def _exposure_out(request, e: Exposure, *, detail: bool = False) -> dict:
    return _exposures_out(request, [e], detail=detail)[0]


def _follow_up_out(request, fu: FollowUp) -> dict:
    return {"id": fu.pk, "person": _person(request, fu.person), "category": fu.category.code, "state": fu.state,
            "start": fu.start, "last_exposure": fu.last_exposure, "end": fu.end, "end_manual": fu.end_manual,
            "missed_days": fu.missed_days, "seen_today": getattr(fu, "seen_today", None)}


def _task_out(request, task: Task) -> dict:
    return {"id": task.pk, "version": task.version, "kind": task.kind, "priority": task.priority,
            "status": task.status, "title": task.title, "label": services.task_label(task),
            "person": _person(request, task.person) if task.person_id else None, "day": task.day,
            "due_at": task.due_at,
            "assignee_id": task.assignee_id, "assignee": str(task.assignee) if task.assignee_id else None,
            "observers": sorted(u.pk for u in task.observers.all()),
            "escalated_to_id": task.escalated_to_id, "escalated_at": task.escalated_at, "result": task.result,
            "done_at": task.done_at}


def _site(request, site_id: int | None):
    return access.site_get_for_user(request.user, site_id, perm=TRACING_VIEW) if site_id else None


# -- cases -----------------------------------------------------------------------------------------------

class CaseQuery(Schema):
    classification: str | None = None
    unit: str | None = None
    name: str | None = None
    cursor: str | None = None
    limit: int = 50


@router.get("/cases", response=CasePage, summary="Cases in scope, newest first, a page at a time")
def case_list(request: HttpRequest, q: Query[CaseQuery]):
    access.require(request.user, TRACING_VIEW)
    f = selectors.CaseFilter(classification=q.classification or "", name=q.name or "")
    if q.unit:
        f.unit = access.unit_get_for_user(request.user, q.unit, perm=TRACING_VIEW)
    page = keyset_page(selectors.cases_filtered(request.user, f), order=("-id",), cursor=q.cursor,
                       size=max(1, min(q.limit, 500)))
    return {"items": [_case_item(request, c) for c in page.items], "next_cursor": page.next_cursor}


@router.post("/cases", response={201: CaseOut}, summary="Make a registered person a case")
def case_create(request: HttpRequest, payload: CaseIn):
    access.require(request.user, TRACING_EDIT)
    person = person_get_for_user(request.user, payload.person_id, perm=TRACING_EDIT)
    if payload.classification != Case.Classification.SUSPECTED and not access.scope_for(
            request.user, TRACING_CLASSIFY).covers(person.unit_path):
        raise PermissionDenied  # suspected cases are anyone's to register; the rest are classified by officers
    case = services.case_register(
        person=person, classification=payload.classification, label=payload.label, onset_date=payload.onset_date,
        report_date=payload.report_date, confirmed_date=payload.confirmed_date,
        hospital=_site(request, payload.hospital_id), hospital_name=payload.hospital_name, notes=payload.notes,
        by=request.user)
    return Status(201, _case_out(request, case))


@router.get("/cases/{case_id}", response=CaseOut)
def case_get(request: HttpRequest, case_id: int):
    return _case_out(request, selectors.case_get_for_user(request.user, case_id), detail=True)


@router.patch("/cases/{case_id}", response=CaseOut)
def case_patch(request: HttpRequest, case_id: int, payload: CasePatch):
    case = selectors.case_get_for_user(request.user, case_id, perm=TRACING_EDIT)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version", None)
    if "hospital_id" in data:
        data["hospital"] = _site(request, data.pop("hospital_id"))
    case = services.case_update(case=case, data=data, version=version, by=request.user)
    return _case_out(request, case)


@router.post("/cases/{case_id}/classification", response=CaseOut, summary="Classify a case by hand")
def case_classify(request: HttpRequest, case_id: int, payload: ClassifyIn):
    case = selectors.case_get_for_user(request.user, case_id, perm=TRACING_CLASSIFY)
    case = services.case_classify(case=case, classification=payload.classification, reason=payload.reason,
                                  at=payload.at, by=request.user)
    return _case_out(request, case)


@router.get("/cases/{case_id}/contacts", response=list[ReachedOut],
            summary="Everyone reached from the case along exposures, to `depth` steps (1 or 2)")
def case_contacts(request: HttpRequest, case_id: int, depth: int = 2):
    case = selectors.case_get_for_user(request.user, case_id)
    reached = selectors.contacts_to_depth([case.person_id], depth=max(1, min(depth, 2)))
    people = Person.objects.select_related("grid").in_bulk([pid for pid, _steps in reached])
    return [{"person": _person(request, people[pid]), "steps": steps} for pid, steps in reached if pid in people]


def _chain_out(graph: chains.ChainGraph) -> dict:
    """The graph as its page draws it: a masked node is its key alone (no id of its person, case or exposure)."""
    nodes = []
    for n in graph.nodes:
        nodes.append({"key": n.key, "person": n.shown.ref(), "case_id": n.case.pk if n.case and n.in_scope else None,
                      "classification": n.case.classification if n.case else None, "generation": n.generation,
                      "steps": n.steps, "contacts": n.contacts,
                      "exposure_id": n.exposure.pk if n.exposure and n.in_scope else None, "url": n.url or None})
    edges = [{"exposure_id": e.exposure.pk if e.in_scope else None, "source": e.source.key,
              "exposed": e.exposed.key, "transmission": e.transmission,
              **({"degree": e.exposure.degree, "first_contact": e.exposure.first_contact,
                  "last_contact": e.exposure.last_contact, "setting": e.exposure.setting} if e.in_scope else
                 {"degree": None, "first_contact": None, "last_contact": None, "setting": None})}
             for e in graph.edges]
    return {"case_id": graph.case.pk, "depth": graph.depth, "truncated": graph.truncated,
            "index": graph.index.key if graph.index else None, "nodes": nodes, "edges": edges,
            "generations": [[n.key for n in column] for column in graph.generations],
            "chains": [[n.key for n in chain] for chain in graph.chains],
            "cluster": [n.key for n in graph.cluster]}


@router.get("/cases/{case_id}/chain", response=ChainOut,
            summary="The case's transmission chain: everyone linked to it by exposures within `depth` steps, "
                    "with generations, the chains among the cases and the cluster")
def case_chain(request: HttpRequest, case_id: int, depth: int = chains.CHAIN_DEPTH):
    case = selectors.case_get_for_user(request.user, case_id)
    return _chain_out(chains.case_chain(request.user, case, depth=depth))


def _counts(pairs) -> list[dict]:
    return [{"value": value, "count": count} for value, count in pairs]


@router.get("/chain-statistics", response=ChainStatisticsOut,
            summary="Contacts per case, chain and cluster sizes and their distribution, over the caller's units "
                    "or one of them")
def chain_statistics(request: HttpRequest, unit: str | None = None, classification: str | None = None):
    stats, found = chains.chain_statistics_for_user(request.user, unit_code=unit or "",
                                                    classification=classification or "")
    return {"unit": found.code if found else None, "cases": stats.cases, "contacts": stats.contacts,
            "contacts_mean": stats.contacts_mean, "contacts_median": stats.contacts_median,
            "contacts_max": stats.contacts_max, "contacts_per_case": _counts(stats.contacts_per_case),
            "chains": stats.chains, "chain_sizes": _counts(stats.chain_sizes), "transmitted": stats.transmitted,
            "clusters": stats.clusters, "cluster_sizes": _counts(stats.cluster_sizes),
            "largest": [{"index_case_id": c.index.pk, "size": c.size, "generations": c.generations,
                         "case_ids": [x.pk for x in c.cases]} for c in stats.largest]}


# -- contact list imports ----------------------------------------------------------------------------------

def _import_out(record: ContactImport) -> dict:
    done, total = services.contact_import_progress(record)  # a run whose process died says so
    return {"id": record.pk, "case_id": record.case_id, "unit": record.unit.code, "filename": record.filename,
            "state": record.state, "state_label": record.get_state_display(), "total_rows": total,
            "processed_rows": done, "created": record.created, "linked": record.linked, "updated": record.updated,
            "unchanged": record.unchanged, "error_rows": record.error_rows, "errors": record.errors,
            "message": record.message, "created_at": record.created_at, "finished_at": record.finished_at,
            "error_file": reverse("api:contact_import_errors", args=[record.pk]) if record.error_file else None}


@router.post("/cases/{case_id}/contact-imports", response={202: ContactImportOut}, url_name="contact_import_create",
             summary="Import a contact list of the case (CSV or XLSX; runs in the background): every row written, "
                     "or none and the errors")
def contact_import_create(request: HttpRequest, case_id: int, file: File[UploadedFile] = None,
                          unit: Form[str | None] = None):
    case = selectors.case_get_for_user(request.user, case_id, perm=TRACING_EDIT)
    if file is None:
        raise DomainError("no_file", _("Attach the contact list as `file`."), fields={"file": [_("Required.")]})
    code = unit or (case.person.grid.code if case.person.grid_id else "")
    target = access.unit_get_for_user(request.user, code, perm=PERSONS_EDIT)
    record = services.contact_import_create(case=case, uploaded_file=file, filename=file.name, unit=target,
                                            by=request.user)
    record.refresh_from_db()  # it may already have run (TASKS_RUN_INLINE)
    return Status(202, _import_out(record))


@router.get("/cases/{case_id}/contact-imports", response=list[ContactImportOut], url_name="contact_import_list",
            summary="The case's contact list imports, newest first")
def contact_import_list(request: HttpRequest, case_id: int):
    case = selectors.case_get_for_user(request.user, case_id, perm=TRACING_EDIT)
    return [_import_out(r) for r in selectors.contact_imports_of(case, limit=100)]


import_job_api_reads(router, path="/contact-imports", param="import_id", get=selectors.contact_import_get_for_user,
                     out=_import_out, response=ContactImportOut, open_file=services.contact_import_error_file_open,
                     fallback="contact-import", url_names=("contact_import_get", "contact_import_errors"),
                     operation_ids=("tracing_api_contact_import_get", "tracing_api_contact_import_errors"),
                     summary="Contact Import Get")


@router.get("/cases/{case_id}/visits", response=list[VisitOut], summary="Places the case visited")
def visit_list(request: HttpRequest, case_id: int):
    case = selectors.case_get_for_user(request.user, case_id)
    return [_visit_out(v) for v in selectors.visits_of(case.person)]


@router.post("/cases/{case_id}/visits", response={201: VisitOut}, summary="Record a place the case visited")
def visit_create(request: HttpRequest, case_id: int, payload: VisitIn):
    case = selectors.case_get_for_user(request.user, case_id, perm=TRACING_EDIT)
    community = (access.unit_get_for_user(request.user, payload.community, perm=TRACING_VIEW)
                 if payload.community else None)
    visit = services.visit_record(person=case.person, place=payload.place, site=_site(request, payload.site_id),
                                  community=community, start=payload.start, end=payload.end, note=payload.note,
                                  by=request.user)
    return Status(201, _visit_out(visit))


@router.delete("/visits/{visit_id}", response={204: None}, url_name="visit_delete",
               summary="Remove a stay recorded by mistake (the audit log keeps what it was)")
def visit_delete(request: HttpRequest, visit_id: int):
    services.visit_delete(visit=selectors.visit_get_for_user(request.user, visit_id, perm=TRACING_EDIT),
                          by=request.user)
    return Status(204, None)


# -- exposures -------------------------------------------------------------------------------------------

@router.get("/exposures", response=ExposurePage, summary="Contacts in scope, optionally of one source person")
def exposure_list(request: HttpRequest, source_person_id: int | None = None, cursor: str | None = None,
                  limit: int = 50):
    access.require(request.user, TRACING_VIEW)
    source = person_get_for_user(request.user, source_person_id, perm=PERSONS_VIEW) if source_person_id else None
    page = keyset_page(selectors.exposures_in_scope(request.user, source=source), order=("-id",), cursor=cursor,
                       size=max(1, min(limit, 500)))
    return {"items": _exposures_out(request, page.items), "next_cursor": page.next_cursor}


class ContactReferredOut(Schema):
    """A contact registered outside the caller's units: referred to theirs for verification (协查)."""

    referred: bool
    message: str


@router.post("/exposures", response={201: ExposureCreated, 202: ContactReferredOut},
             summary="Record a contact: a registered person by id, or one given by document (linked if registered)")
def exposure_create(request: HttpRequest, payload: ExposureIn):
    access.require(request.user, TRACING_EDIT)
    source = person_get_for_user(request.user, payload.source_person_id, perm=TRACING_EDIT)
    data = payload.dict(include={"first_contact", "last_contact", "setting", "proximity", "certainty", "note"})
    if payload.exposed_person_id is not None:
        exposed = person_get_for_user(request.user, payload.exposed_person_id, perm=TRACING_EDIT)
        exposure = services.exposure_record(source=source, exposed=exposed, data=data, by=request.user)
        created = False
    elif payload.contact is not None:
        person_data = payload.contact.dict()
        for key, value in person_data.pop("custom", {}).items():
            person_data[f"custom.{key}"] = value
        exposure, created = services.contact_add(source=source, person_data=person_data, exposure_data=data,
                                                 by=request.user)
        if exposure is None:
            return Status(202, {"referred": True, "message": str(services.CONTACT_REFERRED)})
    else:
        raise DomainError("invalid_exposure", _("Give the exposed person's id or the contact's details."),
                          fields={"contact": [_("Required.")]})
    return Status(201, {**_exposure_out(request, exposure), "person_created": created})


@router.get("/exposures/{exposure_id}", response=ExposureOut)
def exposure_get(request: HttpRequest, exposure_id: int):
    return _exposure_out(request, selectors.exposure_get_for_user(request.user, exposure_id), detail=True)


@router.patch("/exposures/{exposure_id}", response=ExposureOut)
def exposure_patch(request: HttpRequest, exposure_id: int, payload: ExposurePatch):
    exposure = selectors.exposure_get_for_user(request.user, exposure_id, perm=TRACING_EDIT)
    exposure = services.exposure_update(exposure=exposure, data=payload.dict(exclude_unset=True), by=request.user)
    return _exposure_out(request, exposure)


# -- follow-up -------------------------------------------------------------------------------------------

@router.get("/follow-ups", response=list[FollowUpOut], summary="Follow-ups in scope (active by default)")
def follow_up_list(request: HttpRequest, state: str = FollowUp.State.ACTIVE):
    scope = access.require(request.user, TRACING_VIEW)
    if state not in FollowUp.State.values:
        raise DomainError("invalid_state", _("Unknown state."), fields={"state": [_("Unknown.")]})
    qs = selectors.follow_ups_in_scope(scope, state=state).order_by("end", "id")
    return [_follow_up_out(request, fu) for fu in qs[:2000]]


@router.get("/follow-ups/{follow_up_id}", response=FollowUpOut)
def follow_up_get(request: HttpRequest, follow_up_id: int):
    return _follow_up_out(request, selectors.follow_up_get_for_user(request.user, follow_up_id))


@router.post("/follow-ups/{follow_up_id}/results", response={201: ResultOut},
             summary="Record the day's follow-up result (a health check of the person)")
def follow_up_result(request: HttpRequest, follow_up_id: int, payload: ResultIn):
    fu = selectors.follow_up_get_for_user(request.user, follow_up_id, perm=TRACING_EDIT)
    check = services.follow_up_result_record(follow_up=fu, result=payload.result, temperature=payload.temperature,
                                             symptoms=payload.symptoms, note=payload.note,
                                             checked_at=payload.checked_at, by=request.user)
    return Status(201, check)


@router.post("/follow-ups/{follow_up_id}/end", response=FollowUpOut,
             summary="Set the last day of a follow-up by hand (with the reason)")
def follow_up_change(request: HttpRequest, follow_up_id: int, payload: FollowUpEndIn):
    fu = selectors.follow_up_get_for_user(request.user, follow_up_id, perm=TRACING_EDIT)
    return _follow_up_out(request, services.follow_up_change(follow_up=fu, end=payload.end, reason=payload.reason,
                                                             by=request.user))


# -- tasks -----------------------------------------------------------------------------------------------

class TaskQuery(Schema):
    mine: bool = False
    status: str | None = None
    kind: str | None = None
    unit: str | None = None
    overdue: bool = False
    cursor: str | None = None
    limit: int = 50


@router.get("/tasks", response=TaskPage, summary="Tasks in scope, or (mine=true) the caller's own open tasks")
def task_list(request: HttpRequest, q: Query[TaskQuery]):
    access.require(request.user, TRACING_VIEW)
    if q.mine:
        items = list(selectors.my_tasks(request.user).prefetch_related("observers")[:500])
        return {"items": [_task_out(request, t) for t in items], "next_cursor": None}
    unit = access.unit_get_for_user(request.user, q.unit, perm=TRACING_VIEW) if q.unit else None
    qs = selectors.tasks_filtered(request.user, status=q.status or "", kind=q.kind or "", unit=unit,
                                  overdue=q.overdue).prefetch_related("observers")
    page = keyset_page(qs, order=("-due_at", "-id"), cursor=q.cursor, size=max(1, min(q.limit, 500)))
    return {"items": [_task_out(request, t) for t in page.items], "next_cursor": page.next_cursor}


@router.post("/tasks", response={201: TaskOut}, summary="Create a task (urgent ones escalate when overdue)")
def task_create(request: HttpRequest, payload: TaskIn):
    access.require(request.user, TRACING_EDIT)
    person = person_get_for_user(request.user, payload.person_id, perm=TRACING_VIEW) if payload.person_id else None
    unit = access.unit_get_for_user(request.user, payload.unit, perm=TRACING_EDIT) if payload.unit else None
    task = services.task_create(kind=payload.kind, priority=payload.priority, title=payload.title, person=person,
                                unit=unit, due_at=payload.due_at, assignee=payload.assignee_id,
                                observers=payload.observers, by=request.user)
    return Status(201, _task_out(request, task))


@router.get("/tasks/{task_id}", response=TaskOut)
def task_get(request: HttpRequest, task_id: int):
    return _task_out(request, selectors.task_get_for_user(request.user, task_id))


@router.patch("/tasks/{task_id}", response=TaskOut, summary="Change a task's status or (managers) anything else")
def task_patch(request: HttpRequest, task_id: int, payload: TaskPatch):
    task = selectors.task_get_for_user(request.user, task_id, perm=TRACING_EDIT)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version", None)
    if "assignee_id" in data:
        data["assignee"] = data.pop("assignee_id")
    return _task_out(request, services.task_update(task=task, data=data, version=version, by=request.user))
