"""Case pages: the list, registering and editing a case, its page with contacts and places, classifying it,
the places it visited."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import access
from accounts.roles import TRACING_CLASSIFY, TRACING_EDIT, TRACING_VIEW
from core.errors import DomainError
from core.pages import page_form_post
from core.pagination import keyset_page
from tracing import selectors, services
from tracing.forms import CaseEditForm, CaseFilterForm, CaseForm, ClassifyForm, VisitForm
from tracing.models import Case
from tracing.views.common import communities, disclosure, hospitals, site_or_none, sites


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


def _case_register(request, data) -> Case:
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
    return services.case_register(
        person=person, classification=data["classification"], label=data["label"],
        onset_date=data["onset_date"], report_date=data["report_date"],
        confirmed_date=data["confirmed_date"], hospital=site_or_none(request.user, data["hospital"]),
        hospital_name=data["hospital_name"], notes=data["notes"], by=request.user)


@login_required
def case_create(request):
    access.require(request.user, TRACING_EDIT)
    form = CaseForm(request.POST or None, hospitals=hospitals(request.user),
                    initial={"doc_number": request.GET.get("doc", "")})
    if request.method == "POST":
        posted = page_form_post(request, form, lambda d: _case_register(request, d), on_form=True,
                                done=lambda case: _("%(name)s is registered as a case.") % {"name": case.person.name})
        if posted:
            return redirect("tracing:case_detail", pk=posted.result.pk)
    return render(request, "tracing/form.html", {"form": form, "title": _("Register a case"),
                                                 "cancel": "tracing:case_list"})


@login_required
def case_detail(request, pk: int):
    case = selectors.case_get_for_user(request.user, pk)
    subject = disclosure(request).subject(case.person, channel="tracing")
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
        "visit_form": VisitForm(sites=sites(request.user), communities=communities(request.user)),
    })


@login_required
def case_edit(request, pk: int):
    case = selectors.case_get_for_user(request.user, pk, perm=TRACING_EDIT)
    initial = {k: getattr(case, k) for k in ("label", "onset_date", "report_date", "confirmed_date",
                                             "hospital_name", "outcome", "outcome_date", "notes", "version")}
    initial["hospital"] = case.hospital_id
    form = CaseEditForm(request.POST or None, hospitals=hospitals(request.user), initial=initial)

    def call(d):
        data = {**d, "hospital": site_or_none(request.user, d["hospital"])}
        version = data.pop("version")
        services.case_update(case=case, data=data, version=version, by=request.user)

    if request.method == "POST" and page_form_post(request, form, call, on_form=True):
        return redirect("tracing:case_detail", pk=case.pk)
    return render(request, "tracing/form.html", {"form": form, "title": _("Edit the case"), "case": case})


@login_required
@require_POST
def case_classify(request, pk: int):
    case = selectors.case_get_for_user(request.user, pk, perm=TRACING_CLASSIFY)
    page_form_post(request, ClassifyForm(request.POST), lambda d: services.case_classify(
        case=case, classification=d["classification"], reason=d["reason"], by=request.user))
    return redirect("tracing:case_detail", pk=case.pk)


@login_required
@require_POST
def visit_add(request, pk: int):
    case = selectors.case_get_for_user(request.user, pk, perm=TRACING_EDIT)
    form = VisitForm(request.POST, sites=sites(request.user), communities=communities(request.user))

    def call(d):
        community = (access.unit_get_for_user(request.user, d["community"], perm=TRACING_VIEW)
                     if d["community"] else None)
        services.visit_record(person=case.person, place=d["place"], site=site_or_none(request.user, d["site"]),
                              community=community, start=d["start"], end=d["end"], note=d["note"], by=request.user)
    page_form_post(request, form, call)
    return redirect("tracing:case_detail", pk=case.pk)


@login_required
@require_POST
def visit_delete(request, pk: int):
    visit = selectors.visit_get_for_user(request.user, pk, perm=TRACING_EDIT)
    case = visit.person.cases.first()
    services.visit_delete(visit=visit, by=request.user)
    messages.success(request, _("Removed."))
    return redirect("tracing:case_detail", pk=case.pk) if case else redirect("tracing:case_list")
