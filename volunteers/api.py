"""Front-line team endpoints: the same services, selectors and scope as the pages."""

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.security import django_auth

from accounts.access import require, scope_for, site_get_for_user, unit_get_for_user
from accounts.api import TokenAuth
from accounts.roles import VOLUNTEERS_COORDINATE, VOLUNTEERS_OFFICE, VOLUNTEERS_VIEW
from core.clock import day_start
from core.errors import DomainError
from supplies.selectors import donors_in_scope
from volunteers import selectors, services
from volunteers.models import Assignment, CivilisedUnit, Volunteer
from volunteers.schemas import (
    AreaRosterOut,
    AssignmentOut,
    CancelOut,
    CommendationIn,
    CommendationOut,
    CoordinatorIn,
    DonorLinkIn,
    MyShiftsOut,
    NeedIn,
    NeedOut,
    OrgIn,
    OrgOut,
    SignupIn,
    SiteRosterOut,
    SwapIn,
    SwapOut,
    TallyRowOut,
    VolunteerIn,
    VolunteerOut,
    VolunteerRecordOut,
)

router = Router(tags=["volunteers"], auth=[TokenAuth(), django_auth])


def _assignment_out(a: Assignment, position: int | None = None) -> dict:
    return {"id": a.pk, "slot_id": a.slot_id, "need_id": a.need_id, "site_id": a.site_id, "site": a.site.name,
            "volunteer_id": a.volunteer_id, "name": a.volunteer.name, "org": a.org.name, "start": a.start,
            "end": a.end, "stationed": a.stationed, "state": a.state, "position": position,
            "checked_in_at": a.checked_in_at, "checked_out_at": a.checked_out_at, "minutes": a.minutes}


def _need_out(need, slots=None) -> dict:
    return {"id": need.pk, "site_id": need.site_id, "site": need.site.name, "post": need.post, "title": need.title,
            "requirements": need.requirements, "people": need.people, "closed": need.closed,
            "slots": [{"id": v.slot.pk, "start": v.slot.start, "end": v.slot.end, "confirmed": len(v.confirmed),
                       "waiting": len(v.waiting), "free": v.free} for v in (slots or [])]}


@router.get("/volunteer-needs", response=list[NeedOut], summary="Open needs visible to the user")
def volunteer_need_list(request: HttpRequest):
    return [_need_out(n) for n in selectors.needs_for_user(request.user).filter(closed=False)[:500]]


@router.get("/volunteer-needs/{need_id}", response=NeedOut, summary="A need with its slots and places")
def volunteer_need_get(request: HttpRequest, need_id: int):
    need = selectors.need_get_for_user(request.user, need_id)
    return _need_out(need, selectors.need_slots(need, user=request.user))


@router.post("/volunteer-sites/{site_id}/needs", response={201: NeedOut},
             summary="Post a need for a site with its time slots (the site's coordinators, or the civilisation office)")
def volunteer_need_create(request: HttpRequest, site_id: int, payload: NeedIn):
    site = site_get_for_user(request.user, site_id, perm=VOLUNTEERS_COORDINATE)
    need = services.need_post(site=site, post=payload.post, title=payload.title, people=payload.people,
                              requirements=payload.requirements, slots=[(s.start, s.end) for s in payload.slots],
                              by=request.user)
    return Status(201, _need_out(need, selectors.need_slots(need, user=request.user)))


@router.post("/volunteer-slots/{slot_id}/signups", response={201: AssignmentOut},
             summary="Sign oneself up or assign one of one's people (confirmed, or on the waiting list)")
def volunteer_signup(request: HttpRequest, slot_id: int, payload: SignupIn):
    slot = selectors.slot_get_for_user(request.user, slot_id)
    person = selectors.volunteers_signable(request.user).filter(pk=payload.volunteer_id).select_related("org").first()
    if person is None:
        raise Http404
    a = services.signup(slot=slot, person=person, by=request.user, assign=person.user_id != request.user.pk)
    position = None
    if a.state == Assignment.State.WAITING:
        position = slot.assignments.filter(state=Assignment.State.WAITING, signed_up_at__lte=a.signed_up_at).count()
    return Status(201, _assignment_out(a, position))


@router.post("/volunteer-assignments/{assignment_id}/check-in", response=AssignmentOut, summary="Check in")
def volunteer_check_in(request: HttpRequest, assignment_id: int):
    a = selectors.assignment_get_for_user(request.user, assignment_id, check_in=True)
    return _assignment_out(services.check_in(assignment=a, by=request.user))


@router.post("/volunteer-assignments/{assignment_id}/check-out", response=AssignmentOut, summary="Check out")
def volunteer_check_out(request: HttpRequest, assignment_id: int):
    a = selectors.assignment_get_for_user(request.user, assignment_id, check_in=True)
    return _assignment_out(services.check_out(assignment=a, by=request.user))


@router.get("/volunteer-shifts/mine", response=MyShiftsOut,
            summary="The signed-in volunteer's shifts on a day (today without `day`) and those to come, as on their "
                    "home page")
def volunteer_my_shifts(request: HttpRequest, day: dt.date | None = None):
    day = day or timezone.localdate()
    after = day_start(day + dt.timedelta(days=1))
    return {"day": day, "today": [_assignment_out(a) for a in selectors.my_assignments(request.user, day=day)],
            "upcoming": [_assignment_out(a) for a in selectors.my_upcoming(request.user, after=after)]}


@router.get("/volunteer-tally", response=list[TallyRowOut],
            summary="The contribution tally of the civilised units the user manages, ranked")
def volunteer_tally(request: HttpRequest):
    return [{"rank": r["rank"], "id": r["org"].pk, "name": r["org"].name, "level": r["org"].level,
             "people": r["people"], "hours": r["hours"], "stationed_days": r["stationed_days"],
             "donations": float(r["donations"]), "commendations": r["commendations"]}
            for r in selectors.tally(selectors.orgs_for_user(request.user))]


@router.post("/volunteer-assignments/{assignment_id}/cancel", response=CancelOut,
             summary="Cancel a shift not begun (one's own, or of one's people): the first on the waiting list moves up")
def volunteer_cancel(request: HttpRequest, assignment_id: int):
    a = selectors.assignment_get_for_user(request.user, assignment_id)
    if not selectors.assignment_cancellable_by(request.user, a):
        raise PermissionDenied
    moved = services.assignment_cancel(assignment=a, by=request.user)
    a.refresh_from_db()
    return {"cancelled": _assignment_out(a), "moved_up": _assignment_out(moved) if moved else None}


@router.post("/volunteer-assignments/{assignment_id}/swap", response=SwapOut,
             summary="Swap the people of two confirmed shifts not begun (the sites' coordinators, or whoever "
                     "manages both people)")
def volunteer_swap(request: HttpRequest, assignment_id: int, payload: SwapIn):
    a = selectors.assignment_get_for_user(request.user, assignment_id)
    b = selectors.assignment_get_for_user(request.user, payload.other_id)
    if not selectors.assignments_swappable_by(request.user, a, b):
        raise PermissionDenied
    services.assignment_swap(first=a, second=b, by=request.user)
    a.refresh_from_db()
    b.refresh_from_db()
    return {"first": _assignment_out(a), "second": _assignment_out(b)}


@router.get("/volunteer-sites/{site_id}/roster", response=SiteRosterOut,
            summary="Who is on duty at a site on a day (today without `day`)")
def volunteer_site_roster(request: HttpRequest, site_id: int, day: dt.date | None = None):
    site = site_get_for_user(request.user, site_id, perm=VOLUNTEERS_VIEW)
    day = day or timezone.localdate()
    return {"site_id": site.pk, "site": site.name, "day": day,
            "can_check": scope_for(request.user, VOLUNTEERS_COORDINATE).covers(site.unit_path),
            "items": [_assignment_out(a) for a in selectors.roster(site, day)]}


_PROGRESS = {selectors.NOT_IN: "not_in", selectors.IN: "in", selectors.OUT: "out"}


@router.get("/volunteer-areas/{code}/roster", response=AreaRosterOut,
            summary="Who is on duty on a day at every site under a unit (a street, a community), site by site")
def volunteer_area_roster(request: HttpRequest, code: str, day: dt.date | None = None):
    unit = unit_get_for_user(request.user, code, perm=VOLUNTEERS_VIEW)
    day = day or timezone.localdate()
    rows = selectors.area_roster(unit, day, limit=selectors.AREA_ROSTER_LIMIT)
    return {"unit": unit.code, "name": unit.name, "day": day, "too_many": rows is None,
            "limit": selectors.AREA_ROSTER_LIMIT,
            "children": list(unit.children.order_by("code").values_list("code", flat=True)) if rows is None else [],
            "items": [{"id": r.pk, "site_id": r.site_id, "site": r.site, "start": r.start, "end": r.end,
                       "stationed": r.stationed, "name": r.name, "org": r.org, "post": r.post,
                       "progress": _PROGRESS[r.progress]} for r in rows or []]}


# -- civilised units (文明单位), their people, coordinators, commendations and donors ---------------------------

def _volunteer_out(v: Volunteer) -> dict:
    return {"id": v.pk, "org_id": v.org_id, "name": v.name, "kind": v.kind, "party_member": v.party_member,
            "phone": v.phone, "username": v.user.get_username() if v.user_id else None, "active": v.active}


def _org_out(org: CivilisedUnit) -> dict:
    return {"id": org.pk, "code": org.code, "name": org.name, "level": org.level, "unit": org.unit.code,
            "people": [_volunteer_out(v) for v in org.people.select_related("user").order_by("name", "pk")],
            "coordinators": list(org.coordinators.order_by("username").values_list("username", flat=True))}


def _office_org(request, org_id: int) -> CivilisedUnit:
    """The unit, for what only the civilisation office over it does (appoint, commend, link donors): 403 else."""
    org = selectors.org_get_for_user(request.user, org_id)
    if not selectors.office_covers(request.user, org):
        raise PermissionDenied
    return org


def _account(request, username: str, message: str):
    user = selectors.account_nameable(request.user, username)
    if user is None:
        raise DomainError("unknown_user", message, fields={"username": [message]})
    return user


@router.post("/volunteer-units", response={201: OrgOut},
             summary="Register a civilised unit with the city (the civilisation office)")
def volunteer_org_create(request: HttpRequest, payload: OrgIn):
    require(request.user, VOLUNTEERS_OFFICE)
    unit = selectors.office_home_unit(request.user)
    if unit is None:
        raise PermissionDenied
    org = services.org_create(code=payload.code, name=payload.name, level=payload.level, unit=unit, by=request.user)
    return Status(201, _org_out(org))


@router.get("/volunteer-units/{org_id}", response=OrgOut, summary="A civilised unit one manages, with its people")
def volunteer_org_get(request: HttpRequest, org_id: int):
    return _org_out(selectors.org_get_for_user(request.user, org_id))


@router.post("/volunteer-units/{org_id}/people", response={201: VolunteerOut},
             summary="Add a person to a civilised unit one manages (with their login, optionally)")
def volunteer_add(request: HttpRequest, org_id: int, payload: VolunteerIn):
    org = selectors.org_get_for_user(request.user, org_id)
    user = None
    if payload.username:
        user = _account(request, payload.username, _("No user account %(u)s.") % {"u": payload.username})
    person = services.volunteer_add(org=org, name=payload.name, kind=payload.kind, party_member=payload.party_member,
                                    phone=payload.phone, user=user, by=request.user)
    return Status(201, _volunteer_out(person))


@router.post("/volunteer-units/{org_id}/coordinators", response={201: OrgOut},
             summary="Appoint an account as a unit's coordinator (the civilisation office)")
def volunteer_coordinator_add(request: HttpRequest, org_id: int, payload: CoordinatorIn):
    org = _office_org(request, org_id)
    services.coordinator_add(org=org, user=_account(request, payload.username, _("No such user account.")),
                             by=request.user)
    return Status(201, _org_out(org))


@router.post("/volunteer-units/{org_id}/commendations", response={201: CommendationOut},
             summary="Record a commendation of the unit or of one of its people (the civilisation office)")
def volunteer_commendation_add(request: HttpRequest, org_id: int, payload: CommendationIn):
    org = _office_org(request, org_id)
    person = None
    if payload.volunteer_id is not None:
        person = org.people.filter(pk=payload.volunteer_id).first()
        if person is None:
            raise Http404
    c = services.commendation_add(org=org, title=payload.title, story=payload.story, given_on=payload.given_on,
                                  volunteer=person, by=request.user)
    return Status(201, {"id": c.pk, "org_id": org.pk, "title": c.title, "story": c.story, "given_on": c.given_on,
                        "volunteer_id": c.volunteer_id})


@router.post("/volunteer-units/{org_id}/donors", response={201: OrgOut},
             summary="Link a donor of the supplies ledger to the unit it gives for (the civilisation office)")
def volunteer_org_donor_link(request: HttpRequest, org_id: int, payload: DonorLinkIn):
    org = _office_org(request, org_id)
    donor = donors_in_scope(request.user).filter(pk=payload.donor_id).first()
    if donor is None:
        raise Http404
    services.org_donor_link(org=org, donor=donor, by=request.user)
    return Status(201, _org_out(org))


@router.post("/volunteer-units/{org_id}/donors/unlink", response=OrgOut,
             summary="Unlink a donor from the unit (the civilisation office)")
def volunteer_org_donor_unlink(request: HttpRequest, org_id: int, payload: DonorLinkIn):
    org = _office_org(request, org_id)
    donor = org.donors.filter(pk=payload.donor_id).first()
    if donor is None:
        raise Http404
    services.org_donor_unlink(org=org, donor=donor, by=request.user)
    return _org_out(org)


@router.get("/volunteer-people/{volunteer_id}", response=VolunteerRecordOut,
            summary="A person's service record (their unit's managers, or the person themself)")
def volunteer_record(request: HttpRequest, volunteer_id: int):
    person = selectors.volunteer_get_for_user(request.user, volunteer_id)
    record = selectors.person_hours(person)
    return {"person": _volunteer_out(person), **record,
            "assignments": [_assignment_out(a) for a in selectors.person_assignments(person)]}
