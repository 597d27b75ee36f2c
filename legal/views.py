"""Legal pages: the knowledge base with search as you type, entries, the hotline's call log with a lookup
while the lawyer types, and the publicity campaign's activities with their totals."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import access
from accounts.roles import LEGAL_CALLS, LEGAL_MANAGE, PUBLICITY_RECORD, REPORTS_VIEW
from core.pages import page_call, page_form_post
from core.replicas import heavy_reads
from legal import selectors, services
from legal.forms import ActivityForm, ActivityQuery, CallForm, EntryForm, SearchForm
from legal.models import KnowledgeEntry, PublicityActivity
from legal.search import search


@login_required
@heavy_reads()  # the search
def knowledge(request):
    """The knowledge base: anyone signed in may search it; htmx asks for the results alone as one types."""
    form = SearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    hits = search(query) if query.strip() else []
    template = "legal/_hits.html" if request.htmx else "legal/knowledge.html"
    return render(request, template, {"form": form, "query": query, "hits": hits, "pick": False,
                                      "can_manage": access.has_perm(request.user, LEGAL_MANAGE)})


@login_required
@heavy_reads()
def lookup(request):
    """The call page's lookup: entries matching what the lawyer has typed, each with a box to cite it."""
    access.require(request.user, LEGAL_CALLS)
    query = request.GET.get("question", "")[:500]
    return render(request, "legal/_hits.html", {"hits": search(query, limit=8) if query.strip() else [],
                                                "query": query, "pick": True})


@login_required
def entry_detail(request, pk: int):
    entry = get_object_or_404(KnowledgeEntry, pk=pk)
    return render(request, "legal/entry_detail.html", {
        "entry": entry, "can_manage": access.has_perm(request.user, LEGAL_MANAGE)})


@login_required
def entry_edit(request, pk: int | None = None):
    access.require(request.user, LEGAL_MANAGE)
    entry = get_object_or_404(KnowledgeEntry, pk=pk) if pk else None
    form = EntryForm(request.POST or None, instance=entry)
    if request.method == "POST":
        posted = page_form_post(request, form, lambda d: services.entry_save(entry=entry, data=d, by=request.user),
                                on_form=True)
        if posted:
            return redirect("legal:entry", pk=posted.result.pk)
    return render(request, "legal/entry_form.html", {"form": form, "entry": entry})


@login_required
def calls(request):
    scope = access.require(request.user, LEGAL_CALLS)
    rows = list(selectors.calls_for_user(request.user).select_related("unit")[:200])
    for call in rows:
        call.caller_masked = selectors.caller_masked(call)
    return render(request, "legal/calls.html", {"calls": rows, "scope": scope})


@login_required
def call_new(request):
    access.require(request.user, LEGAL_CALLS)
    form = CallForm(request.POST or None, initial={"received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")})

    def record(d):
        unit = access.unit_or_top_for_user(request.user, d["unit"].strip(), perm=LEGAL_CALLS)
        entries = list(KnowledgeEntry.objects.filter(pk__in=[int(x) for x in request.POST.getlist("entries")
                                                              if x.isdigit()]))
        return services.call_record(unit=unit, data=d, entries=entries, by=request.user)

    if request.method == "POST":
        posted = page_form_post(request, form, record, done=_("Call logged."), on_form=True)
        if posted:
            return redirect("legal:call", pk=posted.result.pk)
    return render(request, "legal/call_form.html", {"form": form})


@login_required
def call_detail(request, pk: int):
    call = selectors.call_get_for_user(request.user, pk)
    return render(request, "legal/call_detail.html", {"call": call, "entries": call.entries.all()})


@login_required
@require_POST
def call_follow_up(request, pk: int):
    call = selectors.call_get_for_user(request.user, pk)
    page_call(request, lambda: services.call_follow_up_done(call=call, note=request.POST.get("note", ""),
                                                            by=request.user), done=_("Follow-up recorded."))
    return redirect("legal:call", pk=call.pk)


@login_required
def activities(request):
    """The campaign: totals per kind for a unit's subtree and a range, the latest activities, and a form to
    record one (for those who record publicity)."""
    query = ActivityQuery(request.GET or None)
    data = query.cleaned_data if query.is_valid() else {}
    unit = access.unit_or_top_for_user(request.user, (data.get("unit") or "").strip(), perm=REPORTS_VIEW)
    can_record = access.scope_for(request.user, PUBLICITY_RECORD).covers(unit.path)
    form = ActivityForm(request.POST or None, initial={"day": timezone.localdate()}) if can_record else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if page_form_post(request, form, lambda d: services.activity_record(
                unit=access.unit_or_top_for_user(request.user, d["unit"].strip() or unit.code, perm=PUBLICITY_RECORD),
                by=request.user, **{k: d[k] for k in ("kind", "quantity", "day", "place", "note")}),
                done=_("Activity recorded."), on_form=True):
            return redirect(request.get_full_path())
    return render(request, "legal/activities.html", {
        "unit": unit, "query": query, "form": form,
        "totals": selectors.activity_totals(under=unit.path, first=data.get("first"), last=data.get("last")),
        "latest": PublicityActivity.objects.filter(unit_path__under=unit.path).select_related("unit")[:50]})
