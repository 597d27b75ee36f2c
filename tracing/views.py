"""Tracing pages: cases with their contacts and places, adding a contact, follow-up, tasks (a grid worker's
phone list), the communities where cases stayed. Each view parses, authorizes, calls one
service or selector, renders."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import access
from accounts.models import Membership, User
from accounts.roles import (
    PERSONS_EDIT,
    TRACING_CLASSIFY,
    TRACING_EDIT,
    TRACING_TASKS,
    TRACING_VIEW,
)
from core.errors import DomainError
from core.forms import domain_error_text as _error_message
from core.forms import form_add_domain_error
from core.forms import form_errors_text as _form_errors
from core.pagination import keyset_page
from core.timebounds import day_parse
from orgunits.models import OrgUnit, Site
from persons.disclosure import Disclosure
from persons.models import Person
from tracing import selectors, services
from tracing.forms import (
    CaseEditForm,
    CaseFilterForm,
    CaseForm,
    ClassifyForm,
    ContactForm,
    FollowUpChangeForm,
    FollowUpResultForm,
    FollowUpStopForm,
    TaskForm,
    TaskStatusForm,
    VisitForm,
)
from tracing.models import Case, FollowUp, Task
from tracing.services.tasks import task_may_manage, task_may_work

# -- helpers -------------------------------------------------------------------------------------------

def _post_form(request, form, call) -> bool:
    """Validate a small form and call the service; the outcome goes to the messages. True when saved."""
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return False
    try:
        done = call(form.cleaned_data)
    except DomainError as exc:
        messages.error(request, _error_message(exc))
        return False
    notices = getattr(done, "notices", None)  # what the service changed or set in motion (a fever recorded as one)
    if notices:
        messages.warning(request, " ".join([_("Saved."), *notices]))
    else:
        messages.success(request, _("Saved."))
    return True


def _back(request, default: str):
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(default)


def _hospitals(user) -> list[Site]:
    return list(Site.objects.filter(access.scope_for(user, TRACING_VIEW).q(), kind=Site.Kind.HOSPITAL)
                .order_by("name")[:500])


def _sites(user) -> list[Site]:
    return list(Site.objects.filter(access.scope_for(user, TRACING_VIEW).q()).order_by("unit_path", "name")[:1000])


def _communities(user) -> list[OrgUnit]:
    return list(OrgUnit.objects.filter(access.scope_for(user, TRACING_VIEW).q("path"),
                                       kind__in=[OrgUnit.Kind.COMMUNITY, OrgUnit.Kind.GRID]).order_by("path")[:2000])


def _grids(user) -> list[OrgUnit]:
    return list(OrgUnit.objects.filter(access.scope_for(user, PERSONS_EDIT).q("path"),
                                       kind__in=[OrgUnit.Kind.GRID, OrgUnit.Kind.COMMUNITY]).order_by("path")[:2000])


def _workers(user) -> list[User]:
    """Users who work (tracing.edit) somewhere in the manager's task scope, for assignee lists."""
    scope = access.scope_for(user, TRACING_TASKS)
    memberships = Membership.objects.filter(scope.q()) if not scope.everything else Membership.objects.all()
    ids = memberships.filter(unit__isnull=False).values("user_id")
    users = User.objects.filter(pk__in=ids, is_active=True).order_by("username")[:500]
    return list(users)


def _disclosure(request) -> Disclosure:
    """What the viewer may see of the people on a tracing page: the rule the API follows too."""
    return Disclosure(request.user, perm=TRACING_VIEW)


def _site_or_none(user, pk) -> Site | None:
    return access.site_get_for_user(user, pk, perm=TRACING_VIEW) if pk else None


# -- cases -----------------------------------------------------------------------------------------------

@login_required
def case_list(request):
    access.require(request.user, TRACING_VIEW)
    form = CaseFilterForm(request.GET or None)
    f = selectors.CaseFilter()
    if form.is_valid():
        f.classification, f.name = form.cleaned_data["classification"], form.cleaned_data["name"]
        if form.cleaned_data["unit"]:
            f.unit = access.unit_get_for_user(request.user, form.cleaned_data["unit"].strip(), perm=TRACING_VIEW)
    page = keyset_page(selectors.cases_filtered(request.user, f), order=("-id",), cursor=request.GET.get("after"))
    query = request.GET.copy()
    query.pop("after", None)
    return render(request, "tracing/case_list.html", {
        "form": form, "page": page, "query": query.urlencode(),
        "can_edit": access.has_perm(request.user, TRACING_EDIT)})


@login_required
def case_create(request):
    access.require(request.user, TRACING_EDIT)
    form = CaseForm(request.POST or None, hospitals=_hospitals(request.user),
                    initial={"doc_number": request.GET.get("doc", "")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person, errors = services.person_find_by_document(data["doc_type"], data["doc_number"])
            if errors:
                raise DomainError("invalid_person", _("The document is not valid."), fields=errors)
            if person is None or not access.scope_for(request.user, TRACING_EDIT).covers(person.unit_path):
                raise DomainError("unknown_person", _("Nobody with this document is registered in your units; "
                                                      "register the person in the line list first."),
                                  fields={"doc_number": [_("Not registered in your units.")]})
            if data["classification"] != Case.Classification.SUSPECTED and not access.scope_for(
                    request.user, TRACING_CLASSIFY).covers(person.unit_path):
                raise DomainError("not_allowed", _("You may register suspected cases; the street officer "
                                                   "classifies them."),
                                  fields={"classification": [_("Only “suspected” is yours to give.")]})
            case = services.case_register(
                person=person, classification=data["classification"], label=data["label"],
                onset_date=data["onset_date"], report_date=data["report_date"],
                confirmed_date=data["confirmed_date"], hospital=_site_or_none(request.user, data["hospital"]),
                hospital_name=data["hospital_name"], notes=data["notes"], by=request.user)
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("%(name)s is registered as a case.") % {"name": person.name})
            return redirect("tracing:case_detail", pk=case.pk)
    return render(request, "tracing/form.html", {"form": form, "title": _("Register a case"),
                                                 "cancel": "tracing:case_list"})


@login_required
def case_detail(request, pk: int):
    case = selectors.case_get_for_user(request.user, pk)
    subject = _disclosure(request).subject(case.person, channel="tracing")
    can_edit = access.scope_for(request.user, TRACING_EDIT).covers(case.unit_path)
    visits = selectors.visits_of(case.person)
    for v in visits:
        v.candidates = selectors.candidate_contacts(request.user, v, limit=20) if can_edit else []
    return render(request, "tracing/case_detail.html", {
        "case": case, "subject": subject, "can_edit": can_edit,
        "can_classify": access.scope_for(request.user, TRACING_CLASSIFY).covers(case.unit_path),
        "history": selectors.case_history(case), "visits": visits,
        **selectors.case_contacts(request.user, case),
        "classify_form": ClassifyForm(initial={"classification": case.classification}),
        "visit_form": VisitForm(sites=_sites(request.user), communities=_communities(request.user)),
    })


@login_required
def case_edit(request, pk: int):
    case = selectors.case_get_for_user(request.user, pk, perm=TRACING_EDIT)
    initial = {k: getattr(case, k) for k in ("label", "onset_date", "report_date", "confirmed_date",
                                             "hospital_name", "outcome", "outcome_date", "notes", "version")}
    initial["hospital"] = case.hospital_id
    form = CaseEditForm(request.POST or None, hospitals=_hospitals(request.user), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            data["hospital"] = _site_or_none(request.user, data["hospital"])
            services.case_update(case=case, data=data, version=version, by=request.user)
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("tracing:case_detail", pk=case.pk)
    return render(request, "tracing/form.html", {"form": form, "title": _("Edit the case"), "case": case})


@login_required
@require_POST
def case_classify(request, pk: int):
    case = selectors.case_get_for_user(request.user, pk, perm=TRACING_CLASSIFY)
    _post_form(request, ClassifyForm(request.POST), lambda d: services.case_classify(
        case=case, classification=d["classification"], reason=d["reason"], by=request.user))
    return redirect("tracing:case_detail", pk=case.pk)


@login_required
@require_POST
def visit_add(request, pk: int):
    case = selectors.case_get_for_user(request.user, pk, perm=TRACING_EDIT)
    form = VisitForm(request.POST, sites=_sites(request.user), communities=_communities(request.user))

    def call(d):
        community = (access.unit_get_for_user(request.user, d["community"], perm=TRACING_VIEW)
                     if d["community"] else None)
        services.visit_record(person=case.person, place=d["place"], site=_site_or_none(request.user, d["site"]),
                              community=community, start=d["start"], end=d["end"], note=d["note"], by=request.user)
    _post_form(request, form, call)
    return redirect("tracing:case_detail", pk=case.pk)


@login_required
@require_POST
def visit_delete(request, pk: int):
    visit = selectors.visit_get_for_user(request.user, pk, perm=TRACING_EDIT)
    case = visit.person.cases.first()
    services.visit_delete(visit=visit, by=request.user)
    messages.success(request, _("Removed."))
    return redirect("tracing:case_detail", pk=case.pk) if case else redirect("tracing:case_list")


# -- contacts --------------------------------------------------------------------------------------------

def _contact_form_page(request, *, source: Person, back, title: str):
    form = ContactForm(request.POST or None, grids=_grids(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            exposure, created = services.contact_add(source=source, person_data=form.person_data(),
                                                     exposure_data=form.exposure_data(), by=request.user)
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            messages.success(request, services.contact_added_message(exposure, created))
            if request.POST.get("again"):
                return redirect(request.path)
            return back
    return render(request, "tracing/contact_form.html", {"form": form, "title": title, "source": source})


@login_required
def contact_add(request, pk: int):
    """Add a close contact of a case (phone-friendly)."""
    case = selectors.case_get_for_user(request.user, pk, perm=TRACING_EDIT)
    return _contact_form_page(request, source=case.person, back=redirect("tracing:case_detail", pk=case.pk),
                              title=_("Add a contact of %(name)s") % {"name": case.person.name})


@login_required
def contact_add_secondary(request, pk: int):
    """Add a contact of a close contact (次密接)."""
    exposure = selectors.exposure_get_for_user(request.user, pk, perm=TRACING_EDIT)
    return _contact_form_page(request, source=exposure.exposed,
                              back=redirect("tracing:exposure_detail", pk=exposure.pk),
                              title=_("Add a contact of %(name)s") % {"name": exposure.exposed.name})


@login_required
def exposure_detail(request, pk: int):
    """A contact: how they were exposed, their follow-up, their own contacts."""
    exposure = selectors.exposure_get_for_user(request.user, pk)
    disclosure = _disclosure(request)
    subject = disclosure.subject(exposure.exposed, channel="tracing")
    source = disclosure.show(exposure.source)  # masked as the chain masks them: their case is someone else's
    source_case = Case.objects.filter(person_id=exposure.source_id).first() if source.in_scope else None
    return render(request, "tracing/exposure_detail.html", {
        "exposure": exposure, "subject": subject, "source": source, "source_case": source_case,
        "can_edit": access.scope_for(request.user, TRACING_EDIT).covers(exposure.unit_path),
        "follow_up": FollowUp.objects.filter(person_id=exposure.exposed_id).order_by("-created_at").first(),
        "contacts": selectors.exposures_in_scope(request.user, source=exposure.exposed).order_by("-last_contact"),
    })


# -- follow-up -------------------------------------------------------------------------------------------

@login_required
def follow_up_list(request):
    """Contacts under follow-up with today's result, each with a quick form (a grid worker's phone)."""
    scope = access.require(request.user, TRACING_VIEW)
    day = timezone.localdate()
    state = request.GET.get("state", FollowUp.State.ACTIVE)
    if state not in FollowUp.State.values:
        state = FollowUp.State.ACTIVE
    unit = _unit_param(request)
    qs = selectors.follow_ups_in_scope(scope, state=state, day=day, unit=unit).order_by("seen_today", "end", "id")
    seen = request.GET.get("seen", "")
    if seen in ("0", "1"):  # ?seen=0: those with no result seen today yet
        qs = qs.filter(seen_today=seen == "1")
    return render(request, "tracing/follow_up_list.html", {
        "day": day, "follow_ups": qs[:300], "state": state, "states": FollowUp.State.choices, "unit": unit,
        "result_form": FollowUpResultForm(), "can_edit": access.has_perm(request.user, TRACING_EDIT)})


def _unit_param(request) -> OrgUnit | None:
    """The unit of ?unit=CODE within the user's tracing scope (404 outside it), or None."""
    code = request.GET.get("unit", "").strip()
    return access.unit_get_for_user(request.user, code, perm=TRACING_VIEW) if code else None


@login_required
def follow_up_detail(request, pk: int):
    fu = selectors.follow_up_get_for_user(request.user, pk)
    disclosure = _disclosure(request)
    exposures = list(selectors.exposures_in_scope(request.user).filter(exposed=fu.person).order_by("-last_contact"))
    for e in exposures:
        e.source_shown = disclosure.show(e.source)
    return render(request, "tracing/follow_up_detail.html", {
        "fu": fu, **selectors.follow_up_history(fu), "exposures": exposures,
        "can_edit": access.scope_for(request.user, TRACING_EDIT).covers(fu.unit_path),
        "result_form": FollowUpResultForm(), "change_form": FollowUpChangeForm(initial={"end": fu.end}),
        "stop_form": FollowUpStopForm()})


@login_required
@require_POST
def follow_up_result(request, pk: int):
    fu = selectors.follow_up_get_for_user(request.user, pk, perm=TRACING_EDIT)
    _post_form(request, FollowUpResultForm(request.POST), lambda d: services.follow_up_result_record(
        follow_up=fu, result=d["result"], temperature=d["temperature"], symptoms=d["symptoms"], note=d["note"],
        by=request.user))
    return _back(request, reverse("tracing:follow_up_detail", args=[fu.pk]))


@login_required
@require_POST
def follow_up_change(request, pk: int):
    fu = selectors.follow_up_get_for_user(request.user, pk, perm=TRACING_EDIT)
    _post_form(request, FollowUpChangeForm(request.POST), lambda d: services.follow_up_change(
        follow_up=fu, end=d["end"], reason=d["reason"], by=request.user))
    return redirect("tracing:follow_up_detail", pk=fu.pk)


@login_required
@require_POST
def follow_up_stop(request, pk: int):
    fu = selectors.follow_up_get_for_user(request.user, pk, perm=TRACING_EDIT)
    _post_form(request, FollowUpStopForm(request.POST), lambda d: services.follow_up_end(
        follow_up=fu, state=FollowUp.State.STOPPED, reason=d["reason"], by=request.user))
    return redirect("tracing:follow_up_detail", pk=fu.pk)


# -- tasks -----------------------------------------------------------------------------------------------

@login_required
def my_tasks(request):
    """A grid worker's phone: their open tasks, most urgent first, with one-tap status buttons."""
    access.require(request.user, TRACING_VIEW)
    tasks = list(selectors.my_tasks(request.user)[:200])
    now = timezone.now()
    for t in tasks:
        t.overdue = t.due_at < now
        t.label = services.task_label(t)
    return render(request, "tracing/my_tasks.html", {
        "tasks": tasks, "can_manage": access.has_perm(request.user, TRACING_TASKS)})


@login_required
def task_list(request):
    access.require(request.user, TRACING_VIEW)
    status = request.GET.get("status", "")
    status = status if status in Task.Status.values else ""
    unit = _unit_param(request)
    qs = selectors.tasks_filtered(request.user, status=status, unit=unit, overdue=request.GET.get("overdue") == "1")
    page = keyset_page(qs, order=("-due_at", "-id"), cursor=request.GET.get("after"))
    for t in page.items:
        t.label = services.task_label(t)
    query = request.GET.copy()
    query.pop("after", None)
    return render(request, "tracing/task_list.html", {
        "page": page, "query": query.urlencode(), "status": status, "statuses": Task.Status.choices, "unit": unit,
        "can_manage": access.has_perm(request.user, TRACING_TASKS)})


@login_required
def task_create(request):
    access.require(request.user, TRACING_EDIT)
    initial = {"due_at": timezone.localtime(timezone.now() + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
               "doc_number": request.GET.get("doc", "")}
    form = TaskForm(request.POST or None, users=_workers(request.user), initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            person = unit = None
            if d["doc_number"]:
                person = selectors.person_by_number_for_user(request.user, d["doc_number"])
                if person is None:
                    raise DomainError("unknown_person", _("Nobody with this document is registered in your units."),
                                      fields={"doc_number": [_("Not registered in your units.")]})
            elif d["unit"]:
                unit = access.unit_get_for_user(request.user, d["unit"].strip(), perm=TRACING_EDIT)
            task = services.task_create(kind=d["kind"], priority=d["priority"], title=d["title"], person=person,
                                        unit=unit, due_at=d["due_at"], assignee=d["assignee"],
                                        observers=d["observers"], by=request.user)
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("The task is given to %(who)s.") % {"who": task.assignee or _("nobody")})
            return redirect("tracing:task_detail", pk=task.pk)
    return render(request, "tracing/form.html", {"form": form, "title": _("New task"), "cancel": "tracing:tasks"})


@login_required
def task_detail(request, pk: int):
    task = selectors.task_get_for_user(request.user, pk)
    task.label = services.task_label(task)
    return render(request, "tracing/task_detail.html", {
        "task": task, "observers": list(task.observers.all()),
        "can_work": task_may_work(request.user, task), "can_manage": task_may_manage(request.user, task),
        "status_form": TaskStatusForm(initial={"status": task.status, "result": task.result,
                                               "version": task.version}),
        "overdue": task.is_open and task.due_at < timezone.now()})


@login_required
@require_POST
def task_status(request, pk: int):
    task = selectors.task_get_for_user(request.user, pk, perm=TRACING_EDIT)
    if not task_may_work(request.user, task):
        raise Http404
    _post_form(request, TaskStatusForm(request.POST), lambda d: services.task_update(
        task=task, data={"status": d["status"], "result": d["result"]}, version=d["version"], by=request.user))
    return _back(request, reverse("tracing:task_detail", args=[task.pk]))


# -- places ---------------------------------------------------------------------------------------

@login_required
def stays(request):
    """Per day, the communities where confirmed cases stayed (what form 5 counts), with who and where."""
    scope = access.require(request.user, TRACING_VIEW)
    today = timezone.localdate()
    last = day_parse(request.GET.get("until")) or today
    first = day_parse(request.GET.get("from")) or last - dt.timedelta(6)
    if (last - first).days > 60 or last < first:
        first = last - dt.timedelta(6)
    unit = None
    if request.GET.get("unit"):
        unit = access.unit_get_for_user(request.user, request.GET["unit"].strip(), perm=TRACING_VIEW)
    roots = [unit.path] if unit else (list(scope.paths) if not scope.everything else [""])
    days = []
    for root in roots:
        for entry in selectors.stay_communities_by_day(under=root, first_day=first, last_day=last):
            existing = next((d for d in days if d["day"] == entry["day"]), None)
            if existing is None:
                days.append(entry)
            else:
                existing["communities"].extend(entry["communities"])
    days.sort(key=lambda d: d["day"], reverse=True)
    disclosure = _disclosure(request)
    for d in days:
        for entry in d["communities"]:
            entry["people"] = disclosure.show_all(entry["people"].values())
    return render(request, "tracing/stays.html", {"days": days, "first": first, "last": last, "unit": unit})
