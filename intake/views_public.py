"""The public pages (no sign-in): the declaration a poster leads to, the receipt look-up, the daily self-report.

Plain HTML forms in Chinese that work in WeChat's browser without scripts. Every answer about a token or a receipt
is the same for one that does not exist, is malformed, revoked or expired."""

from collections.abc import Callable

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from core.errors import DomainError
from core.forms import form_add_domain_error
from intake import guard, selectors, services
from intake.forms import DeclarationForm, SelfReportForm
from intake.models import Declaration


def _over_limit(request, hit: Callable[[], object]) -> HttpResponse | None:
    """Count what `hit` counts (the address's views or sends, a poster's budget): the page asking to wait a moment
    when that is over its limit, else None."""
    try:
        hit()
    except DomainError as exc:
        return render(request, "intake/public_message.html", {
            "title": _("Please wait a moment"), "message": str(exc.message)}, status=exc.status)
    return None


def _visit_over_limit(request) -> HttpResponse | None:
    """A page's view (a send when posted) counted against the address's limits: see _over_limit."""
    return _over_limit(request, lambda: guard.sends_hit(request) if request.method == "POST"
                       else guard.views_hit(request))


def _gone(request):
    return render(request, "intake/public_message.html", {
        "title": _("Link not valid"),
        "message": _("This link is not valid (any more). Ask your community or grid worker for a new one.")},
        status=404)


def _declare_page(request, poster, form=None, status=200):
    challenge = guard.challenge_make(scope=str(poster.pk))
    if form is None:
        form = DeclarationForm(initial={"challenge": challenge.signed}, question=challenge.question)
    else:
        data = form.data.copy()
        data["challenge"], data["answer"] = challenge.signed, ""
        form.data = data
        form.fields["answer"].help_text = challenge.question
    return render(request, "intake/declare.html", {"form": form, "unit": poster.unit}, status=status)


@never_cache
def declare(request, token: str):
    """A poster's page: the declaration form, and the receipt once sent."""
    if waiting := _visit_over_limit(request):
        return waiting
    poster = selectors.poster_by_token(token)
    if poster is None:
        return _gone(request)
    if request.method != "POST":
        return _declare_page(request, poster)
    form = DeclarationForm(request.POST)
    try:
        guard.challenge_check(signed=request.POST.get("challenge", ""), answer=request.POST.get("answer", ""),
                              honeypot=request.POST.get(guard.HONEYPOT, ""), scope=str(poster.pk))
    except DomainError as exc:
        form.is_valid()
        form_add_domain_error(form, exc)
        return _declare_page(request, poster, form, status=400)
    # counted once a person's answer is in: forms a program cannot answer do not use up the poster's budget
    if waiting := _over_limit(request, lambda: guard.poster_hit(poster.pk)):
        return waiting
    if not form.is_valid():
        return _declare_page(request, poster, form, status=400)
    try:
        declaration = services.declaration_submit(poster=poster, data=form.cleaned_data,
                                                  address=guard.client_address(request))
    except DomainError as exc:
        form_add_domain_error(form, exc)
        return _declare_page(request, poster, form, status=exc.status)
    return render(request, "intake/declare_done.html", {"receipt": declaration.receipt, "unit": poster.unit})


@never_cache
def receipt(request):
    """The state of a declaration by its receipt number: no personal data, and one answer for any number that
    names no declaration, well-formed or not."""
    number = (request.GET.get("no") or "").strip()
    found, asked = None, bool(number)
    if asked:
        if waiting := _over_limit(request, lambda: guard.views_hit(request)):
            return waiting
        found = selectors.declaration_by_receipt(services.receipt_normalize(number))
    return render(request, "intake/receipt.html", {
        "asked": asked, "found": found, "pending": found is not None and found.state == Declaration.State.PENDING,
        "confirmed": found is not None and found.state == Declaration.State.CONFIRMED})


@never_cache
def self_report(request, token: str):
    """A person's daily self-report (健康打卡) through their personal link."""
    if waiting := _visit_over_limit(request):
        return waiting
    link = selectors.self_report_link_by_token(token)
    if link is None or services.home_status_of(link.person) is None:
        return _gone(request)
    done = services.self_report_today(link)
    form = SelfReportForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and done is None:
        if form.is_valid():
            try:
                done = services.self_report_submit(link=link, temperature=form.cleaned_data["temperature"],
                                                   symptoms=form.cleaned_data["symptoms"],
                                                   address=guard.client_address(request))
            except DomainError as exc:
                if exc.code == "link_unusable":
                    return _gone(request)
                form_add_domain_error(form, exc)
                status = exc.status
        else:
            status = 400
    return render(request, "intake/self_report.html", {
        "form": form, "done": done, "day": timezone.localdate(), "until": link.expires_at}, status=status)
