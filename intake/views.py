"""The workers' intake pages: the 待核实 queue and a declaration's confirm or reject, posters, self-report links.
Each view parses, authorizes through intake.selectors (404 outside scope), calls one service, renders."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import access
from accounts.roles import PERSONS_EDIT
from core.audit import audit_record
from core.pages import page_call, page_form_post
from core.tabular import attachment
from intake import qr, selectors, services
from intake.forms import ConfirmForm, PosterForm, RejectForm
from intake.models import Declaration
from persons import selectors as person_selectors
from persons.services import SYMPTOMS


def _symptom_labels(codes: list[str]) -> list[str]:
    return [str(SYMPTOMS.get(c, c)) for c in codes]


def _category_guess(origin: str) -> str:
    """The category a declared origin most likely means (the worker may change it before confirming)."""
    if "武汉" in origin or "汉" == origin[:1]:
        return "wuhan"
    if "湖北" in origin or "鄂" in origin:
        return "hubei"
    if any(w in origin for w in ("境外", "国外", "海外")):
        return "overseas_returnee"
    return ""


@login_required
def queue(request):
    """待核实: the declarations waiting in the worker's units, and the last ones dealt with."""
    access.require(request.user, PERSONS_EDIT)
    pending = list(selectors.declarations_queue(request.user)[:300])
    decided = list(selectors.declarations_queue(request.user, state=Declaration.State.CONFIRMED)[:20]) + list(
        selectors.declarations_queue(request.user, state=Declaration.State.REJECTED)[:20])
    rows = [(d, selectors.declaration_shown(request.user, d), _symptom_labels(d.symptoms)) for d in pending]
    return render(request, "intake/queue.html", {"rows": rows, "decided": decided})


@login_required
def declaration_detail(request, pk: int):
    declaration = selectors.declaration_get_for_user(request.user, pk)
    shown = selectors.declaration_shown(request.user, declaration)
    if shown.full:
        audit_record(actor=request.user, action="view", obj=declaration, unit_path=declaration.unit_path)
    grids = selectors.declaration_grids(request.user, declaration)
    confirm = ConfirmForm(grids=grids, initial={"category": _category_guess(declaration.origin),
                                                "status": "home_quarantine"})
    return render(request, "intake/declaration.html", {
        "d": declaration, "shown": shown, "symptoms": _symptom_labels(declaration.symptoms),
        "matches": selectors.declaration_matches(request.user, declaration),
        "confirm_form": confirm, "reject_form": RejectForm(),
        "pending": declaration.state == Declaration.State.PENDING})


@login_required
@require_POST
def declaration_confirm(request, pk: int):
    declaration = selectors.declaration_get_for_user(request.user, pk)
    grids = selectors.declaration_grids(request.user, declaration)
    posted = page_form_post(request, ConfirmForm(request.POST, grids=grids), lambda d: services.declaration_confirm(
        declaration=declaration, grid=next(g for g in grids if g.code == d["grid"]), category=d["category"],
        status=d["status"], by=request.user),
        done=lambda person: _("Confirmed: %(name)s is on the line list.") % {"name": person.name})
    return redirect("intake:queue") if posted else redirect("intake:declaration", pk=pk)


@login_required
@require_POST
def declaration_reject(request, pk: int):
    declaration = selectors.declaration_get_for_user(request.user, pk)
    posted = page_form_post(request, RejectForm(request.POST), lambda d: services.declaration_reject(
        declaration=declaration, reason=d["reason"], by=request.user), done=_("Not taken up; the reason is kept."))
    return redirect("intake:queue") if posted else redirect("intake:declaration", pk=pk)


@login_required
def posters(request):
    """The posters of the worker's communities and grids, and a new one."""
    access.require(request.user, PERSONS_EDIT)
    units = selectors.poster_units(request.user)
    form = PosterForm(request.POST or None, units=units)
    if request.method == "POST":
        posted = page_form_post(request, form, lambda d: services.poster_create(
            unit=access.unit_get_for_user(request.user, d["unit"], perm=PERSONS_EDIT), by=request.user),
            done=lambda poster: _("Poster made for %(unit)s.") % {"unit": poster.unit.name})
        if posted:
            return redirect("intake:poster", pk=posted.result.pk)
    return render(request, "intake/posters.html", {"posters": selectors.posters_in_scope(request.user)[:500],
                                                   "form": form})


@login_required
def poster(request, pk: int):
    """A poster to print: the unit, what to do, the QR code (PNG and PDF to download)."""
    item = selectors.poster_get_for_user(request.user, pk)
    return render(request, "intake/poster.html", {"poster": item,
                                                  "url": qr.public_url(request, "intake:declare", item.token)})


@login_required
def poster_file(request, pk: int, kind: str):
    item = selectors.poster_get_for_user(request.user, pk)
    if not item.active:
        raise Http404
    url = qr.public_url(request, "intake:declare", item.token)
    body = qr.qr_png(url) if kind == "png" else qr.qr_pdf(url)
    response = HttpResponse(body, content_type="image/png" if kind == "png" else "application/pdf")
    name = _("declaration poster")  # outside the f-string, where makemessages finds it
    return attachment(response, f"{item.unit.name}-{name}.{kind}", fallback=f"poster-{item.unit.code}.{kind}")


@login_required
@require_POST
def poster_revoke(request, pk: int):
    item = selectors.poster_get_for_user(request.user, pk)
    services.poster_revoke(poster=item, by=request.user)
    messages.success(request, _("Poster revoked: its code leads nowhere from now on."))
    return redirect("intake:posters")


@login_required
def self_report_links(request, pk: int):
    """A person's self-report link: the current one (address and QR code), a new one, revoking it."""
    person = person_selectors.person_get_for_user(request.user, pk, perm=PERSONS_EDIT)
    if request.method == "POST":
        page_call(request, lambda: services.self_report_link_create(person=person, by=request.user),
                  done=_("A new self-report link was made; any earlier one no longer works."))
        return redirect("intake:self_report_links", pk=person.pk)
    links = list(selectors.self_report_links_of(person)[:20])
    current = next((link for link in links if link.usable()), None)
    return render(request, "intake/self_report_links.html", {
        "person": person, "links": links, "current": current,
        "url": qr.public_url(request, "intake:self_report", current.token) if current else "",
        "eligible": services.home_status_of(person) is not None})


@login_required
def self_report_qr(request, pk: int):
    link = selectors.self_report_link_get_for_user(request.user, pk)
    if not link.usable():
        raise Http404
    return HttpResponse(qr.qr_png(qr.public_url(request, "intake:self_report", link.token)),
                        content_type="image/png")


@login_required
@require_POST
def self_report_revoke(request, pk: int):
    link = selectors.self_report_link_get_for_user(request.user, pk)
    services.self_report_link_revoke(link=link, by=request.user)
    messages.success(request, _("The self-report link no longer works."))
    return redirect("intake:self_report_links", pk=link.person_id)
