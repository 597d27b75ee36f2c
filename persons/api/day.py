"""The line list's reads of a day through the API, as on their pages: the grid worker's day, the day's fevers,
and who viewed or exported a person's data. The pages' selectors, scope and masking (names and grids only)."""

import datetime as dt

from django.http import HttpRequest
from django.utils import timezone

from accounts import access
from accounts.roles import AUDIT_VIEW, PERSONS_EDIT, PERSONS_VIEW
from persons import access_log, selectors
from persons.api.router import router
from persons.models import CategoryEpisode, HealthCheck, Person, StatusEpisode
from persons.schemas import AccessLogPage, FeversOut, PersonsDayOut


def _person(person: Person) -> dict:
    return {"id": person.pk, "name": person.name, "grid": person.grid.code, "grid_name": person.grid.name}


def _episode(episode: CategoryEpisode | StatusEpisode) -> dict:
    kind = episode.category if isinstance(episode, CategoryEpisode) else episode.status
    return {"person": _person(episode.person), "code": kind.code, "name": kind.name, "start": episode.start,
            "planned_end": getattr(episode, "planned_end", None)}


def _fever(check: HealthCheck) -> dict:
    return {"person": _person(check.person), "temperature": check.temperature, "checked_at": check.checked_at}


@router.get("/persons/today", response=PersonsDayOut, url_name="persons_today",
            summary="The grid worker's day: checks due, arrivals, releases due and overdue, fevers")
def persons_today(request: HttpRequest, day: dt.date | None = None):
    scope = access.require(request.user, PERSONS_EDIT)
    listed = selectors.persons_day(scope, day=day or timezone.localdate())
    return {"day": listed.day, "checks_due": [_person(p) for p in listed.checks_due],
            "arrivals": [_episode(e) for e in listed.arrivals], "releases_due": [_episode(e) for e in listed.releases_due],
            "releases_overdue": [_episode(e) for e in listed.releases_overdue],
            "fevers": [_fever(c) for c in listed.fevers]}


@router.get("/persons/fevers", response=FeversOut, url_name="persons_fevers",
            summary="The day's fevers at home health checks under a unit (the whole scope without one)")
def persons_fevers(request: HttpRequest, day: dt.date | None = None, unit: str | None = None):
    scope = access.require(request.user, PERSONS_VIEW)
    day = day or timezone.localdate()
    target = access.unit_get_for_user(request.user, unit, perm=PERSONS_VIEW) if unit else None
    listed = selectors.fevers_listed(scope, day=day, under=target.path if target else None)
    return {"day": day, "unit": target.code if target else None, "people": listed.people,
            "limit": selectors.FEVERS_LISTED,
            "checks": [{**_fever(c), "result": c.result, "result_label": c.get_result_display(),
                        "recorded_by": str(c.recorded_by or "")} for c in listed.checks]}


@router.get("/persons/{person_id}/access", response=AccessLogPage, url_name="person_access_log",
            summary="Who viewed or exported a person's data, newest first (to those who read the audit log over "
                    "the person's unit)")
def person_access(request: HttpRequest, person_id: int, after: str | None = None):
    person = selectors.person_get_for_user(request.user, person_id, perm=AUDIT_VIEW)
    page = access_log.person_access_read(request.user, person, cursor=after)
    return {"items": [{"id": e.pk, "at": e.at, "user": e.actor_name, "user_full_name": e.actor.full_name if e.actor
                       else "", "action": e.action, "action_label": e.get_action_display(), "how": e.how,
                       "ip": e.ip or None, "can_open": e.can_open} for e in page.items],
            "next_cursor": page.next_cursor}
