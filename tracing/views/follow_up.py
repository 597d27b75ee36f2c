"""Follow-up pages: the contacts under follow-up with today's result (a grid worker's phone), one follow-up with
its history, recording a day's result, changing its end, stopping it."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import access
from accounts.roles import TRACING_EDIT, TRACING_VIEW
from core.pages import page_back, page_form_post
from tracing import selectors, services
from tracing.forms import FollowUpChangeForm, FollowUpResultForm, FollowUpStopForm
from tracing.models import FollowUp
from tracing.views.common import disclosure, unit_param


@login_required
def follow_up_list(request):
    """Contacts under follow-up with today's result, each with a quick form (a grid worker's phone)."""
    scope = access.require(request.user, TRACING_VIEW)
    day = timezone.localdate()
    state = request.GET.get("state", FollowUp.State.ACTIVE)
    if state not in FollowUp.State.values:
        state = FollowUp.State.ACTIVE
    unit = unit_param(request)
    qs = selectors.follow_ups_in_scope(scope, state=state, day=day, unit=unit).order_by("seen_today", "end", "id")
    seen = request.GET.get("seen", "")
    if seen in ("0", "1"):  # ?seen=0: those with no result seen today yet
        qs = qs.filter(seen_today=seen == "1")
    return render(request, "tracing/follow_up_list.html", {
        "day": day, "follow_ups": qs[:300], "state": state, "states": FollowUp.State.choices, "unit": unit,
        "result_form": FollowUpResultForm(), "can_edit": access.has_perm(request.user, TRACING_EDIT)})


@login_required
def follow_up_detail(request, pk: int):
    fu = selectors.follow_up_get_for_user(request.user, pk)
    shown = disclosure(request)
    exposures = list(selectors.exposures_in_scope(request.user).filter(exposed=fu.person).order_by("-last_contact"))
    for e in exposures:
        e.source_shown = shown.show(e.source)
    return render(request, "tracing/follow_up_detail.html", {
        "fu": fu, **selectors.follow_up_history(fu), "exposures": exposures,
        "can_edit": access.scope_for(request.user, TRACING_EDIT).covers(fu.unit_path),
        "result_form": FollowUpResultForm(), "change_form": FollowUpChangeForm(initial={"end": fu.end}),
        "stop_form": FollowUpStopForm()})


@login_required
@require_POST
def follow_up_result(request, pk: int):
    fu = selectors.follow_up_get_for_user(request.user, pk, perm=TRACING_EDIT)
    page_form_post(request, FollowUpResultForm(request.POST), lambda d: services.follow_up_result_record(
        follow_up=fu, result=d["result"], temperature=d["temperature"], symptoms=d["symptoms"], note=d["note"],
        by=request.user))
    return page_back(request, "tracing:follow_up_detail", fu.pk)


@login_required
@require_POST
def follow_up_change(request, pk: int):
    fu = selectors.follow_up_get_for_user(request.user, pk, perm=TRACING_EDIT)
    page_form_post(request, FollowUpChangeForm(request.POST), lambda d: services.follow_up_change(
        follow_up=fu, end=d["end"], reason=d["reason"], by=request.user))
    return redirect("tracing:follow_up_detail", pk=fu.pk)


@login_required
@require_POST
def follow_up_stop(request, pk: int):
    fu = selectors.follow_up_get_for_user(request.user, pk, perm=TRACING_EDIT)
    page_form_post(request, FollowUpStopForm(request.POST), lambda d: services.follow_up_end(
        follow_up=fu, state=FollowUp.State.STOPPED, reason=d["reason"], by=request.user))
    return redirect("tracing:follow_up_detail", pk=fu.pk)
