"""The day a phone keeps for offline work: the worker's people and lists in their persons.edit scope, masked as the
list pages mask them, read in a fixed number of queries whatever the number of people."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone

from accounts.access import scope_for
from accounts.roles import PERSONS_EDIT, TRACING_EDIT
from orgunits.models import OrgUnit
from persons import selectors as persons
from persons.arrivals import quarantine_sites_for
from persons.disclosure import Disclosure
from persons.health_checks import fever_threshold
from persons.models import Category, CategoryEpisode, HealthCheck, ManagementStatus, Person, StatusEpisode
from persons.origins import origin_choices
from persons.services import SYMPTOMS
from tracing import selectors as tracing
from tracing.services import task_label

PEOPLE_CAP = 3000  # a grid has a few hundred people under management; a community a few thousand
CHUNK = 900  # ids per IN (…) list


@dataclass
class Snapshot:
    body: dict  # the answer of GET /api/offline/snapshot
    people: list[Person]  # who is on it (the access log's entry)


def _choices(choices) -> list[dict]:
    return [{"code": str(code), "name": str(name)} for code, name in choices]


def _origins() -> list[dict]:
    """The arrival page's places of origin, flat: the frequent ones first, each code once."""
    out, seen = [], set()
    for _group, options in origin_choices()[1:]:
        for code, name in options:
            if code not in seen:
                seen.add(code)
                out.append({"code": code, "name": str(name)})
    return out


def _chunks(ids: list[int]):
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def _iso(value):
    return timezone.localtime(value).isoformat() if value is not None else None


def snapshot_for(user, *, day: dt.date) -> Snapshot:
    """What `user`'s phone keeps for `day` (the protocol: offline.api): everyone
    under management in their persons.edit scope (an open status that is no release) and everyone the day's lists
    name, at most PEOPLE_CAP; each with their open categories and status and their last check; the day's lists,
    follow-ups and open tasks; the choices the forms offer. Documents and phones masked as in the lists."""
    scope = scope_for(user, PERSONS_EDIT)
    tracing_scope = scope_for(user, TRACING_EDIT)
    listed = persons.persons_day(scope, day=day)
    follow_ups = list(tracing.follow_ups_in_scope(tracing_scope, day=day).filter(scope.q())
                      .order_by("end", "id")[:PEOPLE_CAP])
    tasks = list(tracing.my_tasks(user).filter(scope.q())[:500])
    named = list(dict.fromkeys(
        [p.pk for p in listed.checks_due] + [e.person_id for e in listed.arrivals]
        + [e.person_id for e in listed.releases_due] + [e.person_id for e in listed.releases_overdue]
        + [f.person_id for f in follow_ups] + [t.person_id for t in tasks if t.person_id]))
    managed = StatusEpisode.objects.filter(person=OuterRef("pk"), end__isnull=True, status__is_release=False)
    last_check = HealthCheck.objects.filter(person=OuterRef("pk")).order_by("-checked_at", "-id").values("pk")[:1]
    people_qs = (Person.objects.filter(scope.q(), anonymised_at__isnull=True).select_related("grid")
                 .annotate(last_check_id=Subquery(last_check)))
    people = list(people_qs.filter(Exists(managed)).order_by("unit_path", "id")[:PEOPLE_CAP])
    have = {p.pk for p in people}
    missing = [pk for pk in named if pk not in have][:max(PEOPLE_CAP - len(people), 0)]
    for ids in _chunks(missing):
        people += list(people_qs.filter(pk__in=ids))
    ids = [p.pk for p in people]
    categories: dict[int, list] = {}
    statuses: dict[int, StatusEpisode] = {}
    checks: dict[int, HealthCheck] = {}
    check_ids = [p.last_check_id for p in people if p.last_check_id]
    for part in _chunks(ids):
        for e in CategoryEpisode.objects.filter(person_id__in=part, end__isnull=True).select_related("category"):
            categories.setdefault(e.person_id, []).append(e)
        for e in StatusEpisode.objects.filter(person_id__in=part, end__isnull=True).select_related("status"):
            statuses[e.person_id] = e
    for part in _chunks(check_ids):
        checks.update((c.person_id, c) for c in HealthCheck.objects.filter(pk__in=part))
    shown = Disclosure(user).show_all(people)
    on_phone = set(ids)
    body = {
        "user": user_out(user), "day": day.isoformat(), "taken_at": timezone.now().isoformat(),
        "fever_threshold": str(fever_threshold()),
        "symptoms": _choices(SYMPTOMS.items()), "results": _choices(HealthCheck.Result.choices),
        "categories": [{"code": c.code, "name": c.name} for c in Category.objects.filter(active=True)],
        "statuses": [{"code": s.code, "name": s.name, "needs_site": s.needs_site, "is_release": s.is_release}
                     for s in ManagementStatus.objects.all()],
        "origins": _origins(),
        "sites": [{"id": s.pk, "name": s.name} for s in quarantine_sites_for(user)],
        "grids": [{"code": g.code, "name": g.name} for g in OrgUnit.objects.filter(
            scope.q("path"), kind__in=[OrgUnit.Kind.GRID, OrgUnit.Kind.COMMUNITY]).order_by("path")[:2000]],
        "doc_types": _choices(Person.DocType.choices), "sexes": _choices(Person.Sex.choices),
        "people": [_person_out(p, s, categories.get(p.pk, []), statuses.get(p.pk), checks.get(p.pk))
                   for p, s in zip(people, shown, strict=True)],
        "checks_due": [p.pk for p in listed.checks_due if p.pk in on_phone],
        "arrivals": list(dict.fromkeys(e.person_id for e in listed.arrivals if e.person_id in on_phone)),
        "releases_due": [e.person_id for e in listed.releases_due if e.person_id in on_phone],
        "releases_overdue": [e.person_id for e in listed.releases_overdue if e.person_id in on_phone],
        "follow_ups": [{"id": f.pk, "person": f.person_id, "day": day.isoformat(), "end": f.end.isoformat(),
                        "recorded_today": f.seen_today} for f in follow_ups if f.person_id in on_phone],
        "tasks": [{"id": t.pk, "version": t.version, "kind": t.kind, "label": task_label(t),
                   "person": t.person_id if t.person_id in on_phone else None, "due_at": _iso(t.due_at),
                   "status": t.status} for t in tasks if t.person_id is None or t.person_id in on_phone],
    }
    return Snapshot(body=body, people=people)


def user_out(user) -> dict:
    return {"id": user.pk, "username": user.get_username(), "full_name": getattr(user, "full_name", "") or ""}


def _person_out(p: Person, shown, categories: list[CategoryEpisode], status: StatusEpisode | None,
                check: HealthCheck | None) -> dict:
    return {
        "id": p.pk, "version": p.version, "name": p.name, "sex": p.sex, "doc": shown.doc_number,
        "phone": shown.phone, "grid": p.grid.code, "grid_name": p.grid.name, "address": p.address,
        "categories": [{"code": e.category.code, "name": e.category.name, "start": _iso(e.start)} for e in categories],
        "status": {"code": status.status.code, "name": status.status.name, "episode": status.pk,
                   "start": _iso(status.start), "planned_end": _iso(status.planned_end)} if status else None,
        "last_check": {"at": _iso(check.checked_at), "temperature": str(check.temperature)
                       if check.temperature is not None else None, "result": check.result} if check else None,
    }


def persons_in_scope(user, ids: list[int]) -> dict[int, Person]:
    """The people among `ids` that `user` may edit (one query per CHUNK ids); any other id is absent."""
    scope = scope_for(user, PERSONS_EDIT)
    found: dict[int, Person] = {}
    for part in _chunks(list(dict.fromkeys(ids))):
        found.update((p.pk, p) for p in Person.objects.filter(scope.q(), pk__in=part).select_related("grid"))
    return found

