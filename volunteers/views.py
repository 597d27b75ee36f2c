"""Front-line team pages: the home page (today's shifts with check-in and check-out on a phone, one's duty to
come, the units one manages, the open needs), a civilised unit with its people, donors and duties done, a
person's service record, a need with its sign-up lists, the duty roster of a site or of an area for a day, the
contribution tally and its exports. Each view parses, authorizes, calls one service or selector, and renders."""

import datetime as dt
from html import escape

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import require, scope_for, site_get_for_user, unit_get_for_user
from accounts.roles import VOLUNTEERS_COORDINATE, VOLUNTEERS_OFFICE, VOLUNTEERS_VIEW
from core.clock import day_start
from core.errors import DomainError
from core.pages import page_back, page_call, page_day, page_form_post
from core.tabular import FORMATS, date_for_reader, table_download
from orgunits.models import OrgUnit
from supplies.selectors import donors_in_scope
from volunteers import selectors, services
from volunteers.forms import (
    CommendationForm,
    CoordinatorForm,
    DonorLinkForm,
    NeedForm,
    OrgForm,
    SignupForm,
    VolunteerForm,
)
from volunteers.models import Assignment, CivilisedUnit, Need


@login_required
def home(request):
    """Today's shifts of the signed-in volunteer (check in, check out, cancel one not begun), their duty to come
    (cancel), the units they manage, the rosters of the areas they see, open needs."""
    user = request.user
    today = timezone.localdate()
    now = timezone.now()
    view = scope_for(user, VOLUNTEERS_VIEW)
    areas = OrgUnit.objects.filter(depth=1) if view.everything else OrgUnit.objects.filter(path__in=view.paths)
    return render(request, "volunteers/home.html", {
        "mine": selectors.my_assignments(user, day=today), "today": today, "now": now,
        "upcoming": selectors.my_upcoming(user, after=day_start(today + dt.timedelta(days=1))),
        "areas": areas.order_by("depth", "path")[:5],
        "orgs": selectors.orgs_for_user(user)[:200],
        "needs": selectors.needs_for_user(user).filter(closed=False)[:100],
        "office": not scope_for(user, VOLUNTEERS_OFFICE).empty,
        "org_form": OrgForm(),
    })


@login_required
@require_POST
def org_create(request):
    require(request.user, VOLUNTEERS_OFFICE)

    def call(d):
        unit = selectors.office_home_unit(request.user)
        if unit is None:
            raise PermissionDenied
        return services.org_create(**d, unit=unit, by=request.user)

    posted = page_form_post(request, OrgForm(request.POST), call, done="")
    return redirect("volunteers:org", posted.result.pk) if posted else redirect("volunteers:home")


@login_required
def org_detail(request, pk: int):
    org = selectors.org_get_for_user(request.user, pk)
    people = org.people.order_by("name")
    office = selectors.office_covers(request.user, org)
    search = request.GET.get("donor_q", "").strip()[:100]
    return render(request, "volunteers/org.html", {
        "org": org, "people": people, "office": office,
        "coordinators": org.coordinators.order_by("username"),
        "no_shows": selectors.no_shows(CivilisedUnit.objects.filter(pk=org.pk)),
        "commendations": selectors.commendations_of(org),
        "tally": selectors.tally(CivilisedUnit.objects.filter(pk=org.pk))[0],
        "duties": selectors.duties_done(Assignment.objects.filter(org=org)),
        "donors": selectors.org_donors(org),
        "volunteer_form": VolunteerForm(), "coordinator_form": CoordinatorForm(),
        "commendation_form": CommendationForm(people=people), "donor_search": search,
        "donor_form": DonorLinkForm(donors=donors_in_scope(request.user), search=search) if office else None,
    })


def _office_org(request, pk: int) -> CivilisedUnit:
    """The civilised unit `pk` for the civilisation office over it (403 for anyone else who sees it)."""
    org = selectors.org_get_for_user(request.user, pk)
    if not selectors.office_covers(request.user, org):
        raise PermissionDenied
    return org


@login_required
@require_POST
def org_donors(request, pk: int):
    """Link a donor of the supplies ledger to the unit (`donor`), or unlink one (`remove`): the office only."""
    org = _office_org(request, pk)
    if "remove" in request.POST:
        donor = org.donors.filter(pk=request.POST["remove"]).first() if request.POST["remove"].isdigit() else None
        if donor is None:
            messages.error(request, _("No such donor on this unit."))
        else:
            page_call(request, lambda: services.org_donor_unlink(org=org, donor=donor, by=request.user))
        return redirect("volunteers:org", org.pk)
    page_form_post(request, DonorLinkForm(request.POST, donors=donors_in_scope(request.user)),
                   lambda d: services.org_donor_link(org=org, donor=d["donor"], by=request.user))
    return redirect("volunteers:org", org.pk)


@login_required
@require_POST
def volunteer_add(request, pk: int):
    org = selectors.org_get_for_user(request.user, pk)

    def call(d):
        data = dict(d)
        username = data.pop("username")
        user = selectors.account_nameable(request.user, username) if username else None
        if username and user is None:
            raise DomainError("unknown_user", _("No user account %(u)s.") % {"u": username})
        return services.volunteer_add(org=org, user=user, by=request.user, **data)

    page_form_post(request, VolunteerForm(request.POST), call, done=_("Added."))
    return redirect("volunteers:org", org.pk)


@login_required
@require_POST
def coordinator_add(request, pk: int):
    org = _office_org(request, pk)
    form = CoordinatorForm(request.POST)
    user = selectors.account_nameable(request.user, form.cleaned_data["username"]) if form.is_valid() else None
    if user is None:
        messages.error(request, _("No such user account."))
    else:
        page_call(request, lambda: services.coordinator_add(org=org, user=user, by=request.user))
    return redirect("volunteers:org", org.pk)


@login_required
@require_POST
def commendation_add(request, pk: int):
    org = _office_org(request, pk)
    page_form_post(request, CommendationForm(request.POST, people=org.people.all()),
                   lambda d: services.commendation_add(org=org, by=request.user, **d))
    return redirect("volunteers:org", org.pk)


@login_required
def person_detail(request, pk: int):
    person = selectors.volunteer_get_for_user(request.user, pk)
    return render(request, "volunteers/person.html", {
        "person": person, "record": selectors.person_hours(person),
        "duties": selectors.duties_done(person.assignments.all()),
        "assignments": selectors.person_assignments(person),
        "commendations": person.commendations.all(),
    })


@login_required
def need_create(request, pk: int):
    """Post a need for a site (the site's coordinators, or the civilisation office)."""
    site = site_get_for_user(request.user, pk, perm=VOLUNTEERS_COORDINATE)
    form = NeedForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        slots = [(d["start"] + dt.timedelta(days=i), d["end"] + dt.timedelta(days=i)) for i in range(d["days"])]
        posted = page_call(request, lambda: services.need_post(
            site=site, post=d["post"], title=d["title"], people=d["people"], requirements=d["requirements"],
            slots=slots, by=request.user), form=form, done="")
        if posted:
            return redirect("volunteers:need", posted.result.pk)
    return render(request, "volunteers/need_form.html", {"site": site, "form": form})


@login_required
def need_detail(request, pk: int):
    need = selectors.need_get_for_user(request.user, pk)
    people = selectors.volunteers_signable(request.user).select_related("org").order_by("org__name", "name")
    return render(request, "volunteers/need.html", {
        "need": need, "slots": selectors.need_slots(need, user=request.user),
        "signup_form": SignupForm(people=people), "can_sign": people.exists(),
    })


@login_required
@require_POST
def slot_signup(request, pk: int):
    """Sign oneself up, or assign one of one's people, to a slot."""
    slot = selectors.slot_get_for_user(request.user, pk)
    posted = page_form_post(request, SignupForm(request.POST, people=selectors.volunteers_signable(request.user)),
                            lambda d: services.signup(slot=slot, person=d["volunteer"], by=request.user,
                                                      assign=d["volunteer"].user_id != request.user.pk), done="")
    if posted:
        a = posted.result
        if a.state == Assignment.State.CONFIRMED:
            messages.success(request, _("%(name)s is on the slot.") % {"name": a.volunteer.name})
        else:
            messages.warning(request, _("The slot is full: %(name)s is on the waiting list.") % {"name": a.volunteer.name})
    return redirect("volunteers:need", slot.need_id)


@login_required
def roster(request, pk: int):
    """Who is on duty at a site on a day, with check-in and check-out for the site's coordinators."""
    site = site_get_for_user(request.user, pk, perm=VOLUNTEERS_VIEW)
    day = page_day(request)
    rows = selectors.roster(site, day)
    return render(request, "volunteers/roster.html", {
        "site": site, "day": day, "rows": rows,
        "swappable": [a for a in rows if not a.checked_in_at and not a.stationed],
        "prev": day - dt.timedelta(days=1), "next": day + dt.timedelta(days=1),
        "can_check": scope_for(request.user, VOLUNTEERS_COORDINATE).covers(site.unit_path),
    })


AREA_ROSTER_LIMIT = selectors.AREA_ROSTER_LIMIT


def _area_rows_html(rows: list[selectors.RosterRow], day: dt.date) -> SafeString:
    """The rows of an area's roster as HTML, one format string a row: a street's day is some 1,700 people, which
    the template engine renders ten times slower (every piece of text is escaped here)."""
    tz = timezone.get_current_timezone()
    now = timezone.now()
    stationed = escape(_("stationed"))
    posts = {k: escape(str(v)) for k, v in Need.Post.choices}
    progress = {selectors.IN: escape(_("checked in")), selectors.OUT: escape(_("checked out"))}
    not_in = escape(_("not checked in"))  # outside the f-string, where makemessages finds it
    missing = f'<span class="tag late">{not_in}</span>'
    site_url = reverse("volunteers:roster", args=[0]).replace("/0/", "/{}/") + f"?day={day.isoformat()}"
    spans: dict[tuple, str] = {}
    orgs: dict[str, str] = {}  # some fifty units' names over a street's thousands of rows
    out, site = [], None
    for r in rows:
        if r.site_id != site:
            site = r.site_id
            out.append(f'<tr class="site" data-site="{site}"><th colspan="5"><a href="{site_url.format(site)}">'
                       f"{escape(r.site)}</a></th></tr>")
        span = spans.get((r.start, r.end, r.stationed))
        if span is None:
            start, end = r.start.astimezone(tz), r.end.astimezone(tz)
            span = (f'{start:%m-%d}–{end:%m-%d} <span class="tag">{stationed}</span>' if r.stationed
                    else f"{start:%H:%M}–{end:%H:%M}")
            spans[(r.start, r.end, r.stationed)] = span
        state = progress.get(r.progress) or (missing if r.start <= now and not r.stationed else "")
        org = orgs.get(r.org)
        if org is None:
            org = orgs[r.org] = escape(r.org)
        out.append(f'<tr data-assignment="{r.pk}"><td>{span}</td><td>{escape(r.name)}</td><td>{org}</td>'
                   f"<td>{posts[r.post]}</td><td>{state}</td></tr>")
    return mark_safe("\n".join(out))  # noqa: S308 (every piece escaped above)


@login_required
def area_roster(request, code: str):
    """Who is on duty at every site of an area (a street, a community) on a day, site by site."""
    unit = unit_get_for_user(request.user, code, perm=VOLUNTEERS_VIEW)
    day = page_day(request)
    rows = selectors.area_roster(unit, day, limit=AREA_ROSTER_LIMIT)
    return render(request, "volunteers/area_roster.html", {
        "unit": unit, "day": day, "rows": _area_rows_html(rows or [], day), "count": len(rows or []),
        "sites": len({r.site_id for r in rows or []}), "too_many": rows is None, "limit": AREA_ROSTER_LIMIT,
        "children": unit.children.order_by("code") if rows is None else (),
        "prev": day - dt.timedelta(days=1), "next": day + dt.timedelta(days=1),
    })


def _back(request):
    """Back to the volunteers' page the post came from (its `next`), else home."""
    return page_back(request, "volunteers:home", under="/volunteers/")


def _attendance(request, pk: int, record, done: str):
    """Check a volunteer in or out of a shift (`record`: the service) and go back; `done` names them."""
    a = selectors.assignment_get_for_user(request.user, pk, check_in=True)
    page_call(request, lambda: record(assignment=a, by=request.user), done=done % {"name": a.volunteer.name})
    return _back(request)


@login_required
@require_POST
def assignment_check_in(request, pk: int):
    return _attendance(request, pk, services.check_in, _("%(name)s checked in."))


@login_required
@require_POST
def assignment_check_out(request, pk: int):
    return _attendance(request, pk, services.check_out, _("%(name)s checked out."))


@login_required
@require_POST
def assignment_cancel(request, pk: int):
    a = selectors.assignment_get_for_user(request.user, pk)
    if not selectors.assignment_cancellable_by(request.user, a):
        raise PermissionDenied
    page_call(request, lambda: services.assignment_cancel(assignment=a, by=request.user), done=_("Cancelled."))
    return _back(request)


@login_required
@require_POST
def assignment_swap(request, pk: int):
    """Swap the people of two shifts: by the site's coordinators, or by whoever manages both people."""
    a = selectors.assignment_get_for_user(request.user, pk)
    try:
        b = selectors.assignment_get_for_user(request.user, int(request.POST.get("other", "")))
    except ValueError:
        messages.error(request, _("Choose the shift to swap with."))
        return _back(request)
    if not selectors.assignments_swappable_by(request.user, a, b):
        raise PermissionDenied
    page_call(request, lambda: services.assignment_swap(first=a, second=b, by=request.user),
              done=_("%(a)s and %(b)s swapped shifts.") % {"a": a.volunteer.name, "b": b.volunteer.name})
    return _back(request)


@login_required
def tally(request):
    """The contribution tally: the civilised units the user manages, ranked; ?format=csv or xlsx exports it."""
    rows = selectors.tally(selectors.orgs_for_user(request.user))
    fmt = request.GET.get("format")
    if fmt not in FORMATS:
        return render(request, "volunteers/tally.html", {"rows": rows})
    header = [_("rank"), _("civilised unit"), _("level"), _("people mobilised"), _("hours"),
              _("stationed person-days"), _("donations (yuan)"), _("commendations")]
    table = [[r["rank"], r["org"].name, r["org"].get_level_display(), r["people"], r["hours"], r["stationed_days"],
              r["donations"], r["commendations"]] for r in rows]
    today, title = date_for_reader(timezone.localdate()), _("Contribution tally")
    return table_download(header=header, rows=table, fmt=fmt, filename=f"{title}-{today}",
                          fallback="volunteer-tally", sheet=title)
