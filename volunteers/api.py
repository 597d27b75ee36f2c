"""Front-line team endpoints: the same services, selectors and scope as the pages."""

from django.http import Http404, HttpRequest
from ninja import Router, Status
from ninja.security import django_auth

from accounts.api import TokenAuth
from volunteers import selectors, services
from volunteers.models import Assignment
from volunteers.schemas import AssignmentOut, NeedOut, SignupIn, TallyRowOut

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


@router.get("/volunteer-tally", response=list[TallyRowOut],
            summary="The contribution tally of the civilised units the user manages, ranked")
def volunteer_tally(request: HttpRequest):
    return [{"rank": r["rank"], "id": r["org"].pk, "name": r["org"].name, "level": r["org"].level,
             "people": r["people"], "hours": r["hours"], "stationed_days": r["stationed_days"],
             "donations": float(r["donations"]), "commendations": r["commendations"]}
            for r in selectors.tally(selectors.orgs_for_user(request.user))]
