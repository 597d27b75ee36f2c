"""Reads of contact tracing: the scoped access functions, lists, a case's contacts and places, the
communities where cases stayed, candidate contacts, the to-do lists."""

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.access import scope_for
from accounts.roles import TRACING_EDIT, TRACING_VIEW
from core.clock import day_bounds, days_bounds
from orgunits.models import OrgUnit
from persons.disclosure import Disclosure
from persons.models import HealthCheck, Person
from tracing.models import (
    Case,
    CaseClassification,
    ContactImport,
    Exposure,
    FollowUp,
    Task,
    Visit,
)

# -- access: one function per object type; out of scope is 404 ------------------------------------------


def case_get_for_user(user, pk: int, *, perm: str = TRACING_VIEW) -> Case:
    """The case `pk` if its person's unit lies in the user's scope for `perm`, else 404."""
    case = Case.objects.filter(pk=pk).select_related("person", "person__grid", "hospital").first()
    if case is None or not scope_for(user, perm).covers(case.unit_path):
        raise Http404
    return case


def exposure_get_for_user(user, pk: int, *, perm: str = TRACING_VIEW) -> Exposure:
    """The exposure `pk` if the exposed person's unit lies in scope (their contact, their follow-up)."""
    exposure = (Exposure.objects.filter(pk=pk).select_related("source", "source__grid", "exposed", "exposed__grid")
                .first())
    if exposure is None or not scope_for(user, perm).covers(exposure.unit_path):
        raise Http404
    return exposure


def visit_get_for_user(user, pk: int, *, perm: str = TRACING_VIEW) -> Visit:
    visit = Visit.objects.filter(pk=pk).select_related("person", "site", "community").first()
    if visit is None or not scope_for(user, perm).covers(visit.unit_path):
        raise Http404
    return visit


def follow_up_get_for_user(user, pk: int, *, perm: str = TRACING_VIEW) -> FollowUp:
    fu = FollowUp.objects.filter(pk=pk).select_related("person", "person__grid", "category").first()
    if fu is None or not scope_for(user, perm).covers(fu.unit_path):
        raise Http404
    return fu


def tasks_visible(user, *, perm: str = TRACING_VIEW) -> QuerySet[Task]:
    """Tasks whose unit lies in the user's scope. Assignees and observers must work in a task's unit
    (tasks.task_create checks it), so a user's own tasks are among these."""
    scope = scope_for(user, perm)
    return Task.objects.filter(scope.q())


def task_get_for_user(user, pk: int, *, perm: str = TRACING_VIEW) -> Task:
    task = (tasks_visible(user, perm=perm).filter(pk=pk)
            .select_related("person", "person__grid", "assignee", "escalated_to", "follow_up").first())
    if task is None:
        raise Http404
    return task


def contact_import_get_for_user(user, pk: int) -> ContactImport:
    """The contact list import `pk` if its case lies where the user may trace (tracing.edit), else 404: the
    import and its error file hold the people of the list as typed."""
    record = ContactImport.objects.filter(pk=pk).select_related("case", "case__person", "unit", "created_by").first()
    if record is None or not scope_for(user, TRACING_EDIT).covers(record.unit_path):
        raise Http404
    return record


def contact_imports_of(case: Case, *, limit: int = 20) -> list[ContactImport]:
    return list(case.imports.select_related("created_by", "unit").order_by("-created_at", "-id")[:limit])


# -- lists -----------------------------------------------------------------------------------------------

@dataclass
class CaseFilter:
    classification: str = ""
    unit: OrgUnit | None = None
    name: str = ""


def cases_filtered(user, f: CaseFilter, *, perm: str = TRACING_VIEW) -> QuerySet[Case]:
    """Cases in scope matching the filter (unordered: callers paginate by keyset)."""
    qs = Case.objects.filter(scope_for(user, perm).q())
    if f.classification:
        qs = qs.filter(classification=f.classification)
    if f.unit is not None:
        qs = qs.filter(unit_path__under=f.unit.path)
    if f.name:
        qs = qs.filter(person__name__contains=f.name.strip())
    return qs.select_related("person", "person__grid")


def exposures_in_scope(user, *, source: Person | None = None, perm: str = TRACING_VIEW) -> QuerySet[Exposure]:
    qs = Exposure.objects.filter(scope_for(user, perm).q())
    if source is not None:
        qs = qs.filter(source=source)
    return qs.select_related("source", "source__grid", "exposed", "exposed__grid")


def person_by_number_for_user(user, number: str, *, perm: str = TRACING_VIEW) -> Person | None:
    """The person in the user's scope with this document number (any document type), or None."""
    from persons.identity import normalize_doc_number

    number = normalize_doc_number(number or "")
    if not number:
        return None
    return Person.objects.filter(scope_for(user, perm).q(), doc_number=number).order_by("id").first()


def case_contacts(user, case: Case) -> dict:
    """A case's contacts (degree 1) and their contacts (degree 2), each with its follow-up and `shown` (the
    contact as the viewer may see them, persons.disclosure); a second-degree contact also with `source_shown`,
    the first-degree contact they were exposed by. Contacts outside the viewer's area are listed unnamed."""
    disclosure = Disclosure(user, perm=TRACING_VIEW)
    first = list(Exposure.objects.filter(source=case.person).select_related("exposed", "exposed__grid")
                 .order_by("-last_contact", "id"))
    second = list(Exposure.objects.filter(source_id__in=[e.exposed_id for e in first])
                  .select_related("source", "source__grid", "exposed", "exposed__grid")
                  .order_by("source_id", "-last_contact"))
    people = [e.exposed for e in first + second]
    follow_ups = {fu.person_id: fu for fu in FollowUp.objects.filter(person__in=people).order_by("created_at")}
    for e in first + second:
        e.shown = disclosure.show(e.exposed)
        e.in_scope = e.shown.in_scope
        e.follow_up = follow_ups.get(e.exposed_id)
    for e in second:
        e.source_shown = disclosure.show(e.source)
    return {"contacts": first, "secondary": second}


def contacts_to_depth(person_ids: list[int], *, depth: int = 2) -> list[tuple[int, int]]:
    """Everyone reached from the given people along exposures, up to `depth` steps: (person id, steps),
    each person once at their fewest steps. One recursive query, the same SQL on SQLite and PostgreSQL."""
    if not person_ids:
        return []
    table = connection.ops.quote_name(Exposure._meta.db_table)
    marks = ", ".join(["%s"] * len(person_ids))
    sql = f"""
        WITH RECURSIVE reached(person_id, steps) AS (
            SELECT e.exposed_id, 1 FROM {table} e WHERE e.source_id IN ({marks})
            UNION
            SELECT e.exposed_id, r.steps + 1
            FROM reached r JOIN {table} e ON e.source_id = r.person_id
            WHERE r.steps < %s
        )
        SELECT person_id, MIN(steps) FROM reached
        WHERE person_id NOT IN ({marks})
        GROUP BY person_id
        ORDER BY MIN(steps), person_id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [*person_ids, int(depth), *person_ids])
        return [tuple(row) for row in cursor.fetchall()]


def case_history(case: Case) -> list[CaseClassification]:
    return list(case.classifications.select_related("by").order_by("at", "id"))


def visits_of(person: Person) -> list[Visit]:
    return list(Visit.objects.filter(person=person).select_related("site", "community").order_by("start", "id"))


# -- places --------------------------------------------------------------------------------------------

def _classification_at(at: dt.datetime):
    from django.db.models import Subquery

    return Subquery(CaseClassification.objects.filter(case__person_id=OuterRef("person_id"), at__lte=at)
                    .order_by("-at", "-id").values("classification")[:1])


def stays_of_cases(*, under: str, start: dt.datetime, end: dt.datetime, classifications: tuple[str, ...],
                   as_of: dt.datetime) -> QuerySet[Visit]:
    """Stays overlapping [start, end) in communities under `under`, of people who were cases of the given
    classifications at `as_of` (classification history, so a past day reads as it was)."""
    return (Visit.objects.filter(community_path__under=under, start__lt=end, end__gt=start)
            .annotate(classification_then=_classification_at(as_of))
            .filter(classification_then__in=classifications))


def stay_communities_by_day(*, under: str, first_day: dt.date, last_day: dt.date,
                            classifications: tuple[str, ...] = (Case.Classification.CONFIRMED,),
                            as_of: dt.datetime | None = None) -> list[dict]:
    """Per day from `first_day` to `last_day`: the communities where cases of the classifications (confirmed
    by default, as of `as_of`, now by default) stayed that day, with the people who stayed there."""
    as_of = as_of or timezone.now()
    start, end = days_bounds(first_day, last_day)
    visits = list(stays_of_cases(under=under, start=start, end=end, classifications=classifications,
                                 as_of=as_of).select_related("community", "person", "site").order_by("start"))
    days = []
    day = first_day
    while day <= last_day:
        start, end = day_bounds(day)
        communities: dict[int, dict] = {}
        for v in visits:
            if v.start < end and v.end > start:
                entry = communities.setdefault(v.community_id, {"community": v.community, "people": {},
                                                                "places": []})
                entry["people"][v.person_id] = v.person
                entry["places"].append(v)
        days.append({"day": day, "communities": sorted(communities.values(), key=lambda c: c["community"].path)})
        day += dt.timedelta(days=1)
    return days


def candidate_contacts(user, visit: Visit, *, limit: int = 100) -> list[Visit]:
    """Stays of other people at the same place (the same site, or the same place name in the same
    community) overlapping in time: people to consider as contacts, each with `shown` (as the viewer may see
    them: people outside the viewer's area are listed unnamed, like the transmission chain shows them). Those
    already recorded as the person's contacts are left out."""
    same_place = Q(site_id=visit.site_id) if visit.site_id else Q(community_id=visit.community_id,
                                                                   place=visit.place)
    known = Exposure.objects.filter(source_id=visit.person_id, exposed_id=OuterRef("person_id"))
    stays = list(Visit.objects.filter(same_place, start__lt=visit.end, end__gt=visit.start)
                 .exclude(person_id=visit.person_id).exclude(Exists(known))
                 .select_related("person", "person__grid", "site").order_by("start")[:limit])
    disclosure = Disclosure(user, perm=TRACING_VIEW)
    for stay in stays:
        stay.shown = disclosure.show(stay.person)
    return stays


# -- follow-up and tasks ---------------------------------------------------------------------------------

def results_seen(day: dt.date) -> QuerySet:
    """The health checks of `day` that count as a follow-up's result seen: the person was reached, well or not."""
    return HealthCheck.objects.filter(check_date=day, result__in=(HealthCheck.Result.WELL,
                                                                  HealthCheck.Result.SYMPTOMS))


def follow_ups_in_scope(scope, *, state: str = FollowUp.State.ACTIVE, day: dt.date | None = None,
                        unit: OrgUnit | None = None) -> QuerySet:
    """Follow-ups in scope (active by default; under `unit` if given), each annotated with whether a result
    was seen on `day`."""
    seen = results_seen(day or timezone.localdate()).filter(person=OuterRef("person_id"))
    qs = FollowUp.objects.filter(scope.q())
    if state:
        qs = qs.filter(state=state)
    if unit is not None:
        qs = qs.filter(unit_path__under=unit.path)
    return qs.annotate(seen_today=Exists(seen)).select_related("person", "person__grid", "category")


def follow_up_history(fu: FollowUp) -> dict:
    return {"events": list(fu.events.select_related("by").order_by("at", "id")),
            "checks": list(HealthCheck.objects.filter(person_id=fu.person_id, check_date__gte=fu.start)
                           .select_related("recorded_by").order_by("-checked_at")[:100]),
            "tasks": list(fu.tasks.select_related("assignee").order_by("-day")[:60])}


def my_tasks(user, *, include_done: bool = False) -> QuerySet[Task]:
    """The user's tasks: given to them, escalated to them or observed by them, within the units they work
    in; the open ones by default, most urgent and earliest due first."""
    mine = Q(assignee=user) | Q(escalated_to=user) | Q(observers=user)
    qs = tasks_visible(user).filter(mine)
    if not include_done:
        qs = qs.filter(status__in=Task.OPEN)
    return (qs.distinct().select_related("person", "person__grid", "assignee", "escalated_to")
            .order_by("-priority", "due_at", "id"))


def tasks_filtered(user, *, status: str = "", kind: str = "", unit: OrgUnit | None = None,
                   overdue: bool = False) -> QuerySet[Task]:
    qs = tasks_visible(user)
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if unit is not None:
        qs = qs.filter(unit_path__under=unit.path)
    if overdue:
        qs = qs.filter(status__in=Task.OPEN, due_at__lt=timezone.now())
    return qs.select_related("person", "person__grid", "assignee", "escalated_to")


# -- the dashboard's figures -------------------------------------------------------------------------------

@dataclass
class TracingFigures:
    """Tracing's counts under a unit: each is (value, label, count) unless said otherwise."""

    stayed: list[tuple[OrgUnit, int]]  # communities where confirmed cases stayed in the period, with the people
    follow_ups: list[tuple[str, str, int]]  # by state, every state
    seen: tuple[int, int] | None  # today only: active follow-ups with a result seen today, and not yet
    tasks: list[tuple[str, str, int]]  # pending and in progress
    overdue: int  # open tasks past their due time
    active: str = FollowUp.State.ACTIVE


def tracing_figures(*, scope, unit: OrgUnit, day: dt.date, window) -> TracingFigures:
    """The communities where confirmed cases stayed in the `window`'s period (as classified at its cut-off), follow-up
    by state (now) and the open tasks, under the unit in `scope` (tracing.view): one GROUP BY each."""
    stays = stays_of_cases(under=unit.path, start=window.period_start, end=window.cutoff,
                           classifications=(Case.Classification.CONFIRMED,), as_of=window.cutoff)
    people = dict(stays.order_by().values("community").annotate(n=Count("person", distinct=True))
                  .values_list("community", "n"))
    places = OrgUnit.objects.in_bulk(list(people))
    stayed = [(u, people[u.pk]) for u in sorted(places.values(), key=lambda u: u.path)]

    in_unit = FollowUp.objects.filter(scope.q(), unit_path__under=unit.path).order_by()
    by_state = dict(in_unit.values("state").annotate(n=Count("id")).values_list("state", "n"))
    seen = None
    if day == timezone.localdate():
        # One semi-join with the day's results (not a lookup per follow-up); the rest have not been seen.
        seen_n = in_unit.filter(state=FollowUp.State.ACTIVE,
                                person_id__in=results_seen(day).values("person_id")).count()
        seen = (seen_n, by_state.get(FollowUp.State.ACTIVE, 0) - seen_n)

    counts = Task.objects.filter(scope.q()).filter(unit_path__under=unit.path).aggregate(
        pending=Count("id", filter=Q(status=Task.Status.PENDING)),
        in_progress=Count("id", filter=Q(status=Task.Status.IN_PROGRESS)),
        overdue=Count("id", filter=Q(status__in=Task.OPEN, due_at__lt=timezone.now())))
    return TracingFigures(
        stayed=stayed,
        follow_ups=[(value, label, by_state.get(value, 0)) for value, label in FollowUp.State.choices],
        seen=seen,
        tasks=[(status.value, status.label, counts[status.value]) for status in Task.OPEN],
        overdue=counts["overdue"])

