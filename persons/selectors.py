"""Reads of the line list: the scoped access function, filtered lists, "as of" questions, to-do lists."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connections, router
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.access import Scope, scope_for
from accounts.roles import PERSONS_VIEW
from core import plain_reads
from core.clock import day_bounds
from core.fields import SEPARATOR, under_condition
from orgunits.models import OrgUnit, Site
from persons.identity import mask_doc, mask_phone
from persons.models import (
    Category,
    CategoryEpisode,
    CustomField,
    HealthCheck,
    ManagementStatus,
    Person,
    StatusEpisode,
)


def person_get_for_user(user, pk: int, *, perm: str = PERSONS_VIEW) -> Person:
    """The person `pk` with their grid if they lie in the user's scope for `perm`, else 404."""
    person = person_with_grid(pk)
    if person is None or not scope_for(user, perm).covers(person.unit_path):
        raise Http404
    return person


def person_with_grid(pk: int) -> Person | None:
    """`Person.objects.select_related("grid").filter(pk=pk).first()` as a plain statement (every person's page,
    check and change reads it)."""
    found = plain_reads.at_once(person_with_grid_reading(pk))[0]
    return found[0] if found else None


def person_with_grid_reading(pk: int) -> plain_reads.Statement | None:
    """person_with_grid's statement, for plain_reads.at_once (its answer a list of the person or none)."""
    return plain_reads.reading(Person, where={"id": pk}, related=("grid",))


QUARANTINE_KINDS = (Site.Kind.QUARANTINE_HOTEL, Site.Kind.HOSPITAL)


def quarantine_sites(scope: Scope) -> QuerySet[Site]:
    """The quarantine hotels and hospitals people may be sent to by a caller of `scope` (their scope for
    persons.edit): the sites of the units in it and of the units above them (a grid worker sends people to the
    street's or the city's quarantine hotel). The one rule of the arrival form, the status change (page and API)
    and the import."""
    sites = Site.objects.filter(kind__in=QUARANTINE_KINDS)
    if scope.paths is None:
        return sites
    return sites.filter(scope.q() | Q(unit_path__in=_above(scope.paths)))


def _above(paths: Iterable[str]) -> list[str]:
    """The paths of the units above those of `paths` (not theirs)."""
    above = set()
    for path in paths:
        parts = [p for p in path.split(SEPARATOR) if p]
        above.update(SEPARATOR.join(parts[:i]) + SEPARATOR for i in range(1, len(parts)))
    return sorted(above)


def quarantine_sites_list(scope: Scope, *, limit: int = 200) -> list[Site]:
    """`list(quarantine_sites(scope).order_by("unit_path", "name", "id")[:limit])` as a plain statement
    (core.plain_reads): a person's page offers them on every view."""
    return plain_reads.at_once(quarantine_sites_reading(scope, limit=limit))[0]


def quarantine_sites_reading(scope: Scope, *, limit: int = 200) -> plain_reads.Statement | None:
    """quarantine_sites_list's statement, for plain_reads.at_once (None: a scope of nothing reads nothing)."""
    if scope.paths == ():
        return None
    alias = router.db_for_read(Site)
    vendor = connections[alias].vendor
    fields = [f.attname for f in Site._meta.concrete_fields]
    path, kind, name, pk = plain_reads.columns(Site, ["unit_path", "kind", "name", "id"])
    conditions, params = [f"{kind} IN ({', '.join(['%s'] * len(QUARANTINE_KINDS))})"], [str(k) for k in QUARANTINE_KINDS]
    if scope.paths is not None:
        reach = []
        for prefix in scope.paths:
            sql, prefix_params = under_condition(path, prefix, vendor)
            reach.append(sql)
            params += prefix_params
        above = _above(scope.paths)
        if above:
            reach.append(f"{path} IN ({', '.join(['%s'] * len(above))})")
            params += above
        conditions.append(f"({' OR '.join(reach)})")
    return plain_reads.Statement(
        alias, f'SELECT {", ".join(plain_reads.columns(Site, fields))} FROM "{Site._meta.db_table}"'
               f' WHERE {" AND ".join(conditions)} ORDER BY {path}, {name}, {pk} LIMIT {int(limit)}', params,
        lambda rows: plain_reads.rows_as(Site, fields, rows, alias))


def quarantine_site_get(scope: Scope, value) -> Site | None:
    """The quarantine site named by id among those of `scope` (None for any other id, existing or not, and for a
    site that is no quarantine site: one answer whatever the reason)."""
    try:
        site_id = int(value)
    except (TypeError, ValueError):
        return None
    return quarantine_sites(scope).filter(pk=site_id).first()


def open_at(at: dt.datetime) -> Q:
    """Episodes open at `at`: started at or before it and not ended by then."""
    return Q(start__lte=at) & (Q(end__isnull=True) | Q(end__gt=at))


def as_of_day(day: dt.date) -> dt.datetime:
    """The moment a local day's figures are read at: its last instant, or now while the day lasts. An episode
    begun at the next midnight is not yet held then; one ended at it still is."""
    last = day_bounds(day)[1] - dt.timedelta(microseconds=1)
    return min(last, timezone.now())


@dataclass
class PersonFilter:
    """The filters of the person list; every one maps to an indexed condition."""

    unit: OrgUnit | None = None
    category: str = ""
    status: str = ""
    name: str = ""
    initials: str = ""
    doc_suffix: str = ""
    phone: str = ""
    custom: dict[str, str] = field(default_factory=dict)
    as_of: dt.datetime | None = None
    arrived: dt.date | None = None  # a category (the filtered one, or any) began that local day


def persons_filtered(user, f: PersonFilter, *, perm: str = PERSONS_VIEW) -> QuerySet[Person]:
    """People in the user's scope matching the filter (no ordering: callers paginate by keyset)."""
    qs = Person.objects.filter(scope_for(user, perm).q())
    if f.unit is not None:
        qs = qs.filter(unit_path__under=f.unit.path)
    at = f.as_of or timezone.now()
    # Codes are turned into ids first: the planner then estimates the episode filter from the index
    # statistics of category_id instead of through a join, and starts from the unit's people.
    if f.category:
        category_id = Category.objects.filter(code=f.category).values_list("id", flat=True).first()
    if f.arrived is not None:  # arrivals: an episode begun that day, not one continued after a move
        # A day's arrivals are few: both databases read them from the episodes' (category, start) index and
        # look their people up by id, instead of walking every person of the unit.
        start, end = day_bounds(f.arrived)
        began = CategoryEpisode.objects.filter(start__gte=start, start__lt=end, continued=False)
        qs = qs.filter(pk__in=(began.filter(category_id=category_id) if f.category else began).values("person_id"))
    elif f.category:
        qs = qs.filter(_holders(CategoryEpisode.objects.filter(open_at(at), category_id=category_id)))
    if f.status:
        status_id = ManagementStatus.objects.filter(code=f.status).values_list("id", flat=True).first()
        qs = qs.filter(_holders(StatusEpisode.objects.filter(open_at(at), status_id=status_id)))
    if f.name:
        qs = qs.filter(name__contains=f.name.strip())
    if f.initials:
        qs = qs.filter(name_initials__startswith=f.initials.strip().lower())
    if f.doc_suffix:
        suffix = f.doc_suffix.strip().upper()
        qs = qs.filter(doc_tail=suffix[-4:], doc_number__endswith=suffix) if len(suffix) >= 4 else qs.filter(
            doc_number__endswith=suffix)
    if f.phone:
        digits = "".join(c for c in f.phone if c.isdigit())
        qs = qs.filter(phone=digits) if len(digits) == 11 else qs.filter(phone__contains=digits)
    for key, value in f.custom.items():
        if value not in ("", None):
            qs = qs.filter(**{f"custom__{key}": value})
    return qs


FEW_HOLDERS = 2000  # a category or status held by at most this many people is listed from its episodes


def _holders(episodes: QuerySet) -> Q:
    """The people of the open `episodes` (one category or status at a moment). Whether they are few is read
    from the episodes' (category or status, start, end) index, at most FEW_HOLDERS + 1 rows: few are looked up
    by id, as the planners cannot tell them from many and would walk every person of the unit in list order
    to find the 21 with a fever among a district's million; many are checked person by person as the list is
    walked in order, which fills a page within a few hundred people."""
    episodes = episodes.order_by()
    ids = list(episodes.values_list("person_id", flat=True)[:FEW_HOLDERS + 1])
    if len(ids) <= FEW_HOLDERS:
        return Q(pk__in=ids)
    return Q(Exists(episodes.filter(person=OuterRef("pk"))))


def with_current_state(people: list[Person], *, categories: Iterable[Category] = (),
                       statuses: Iterable[ManagementStatus] = ()) -> list[Person]:
    """Attach the open categories (`current_categories`, Category objects) and status (`current_status`, a
    ManagementStatus or None) to each person of a page. The page's open episodes are read as pairs of ids (no
    episode built: their times cost more to read than the rest of the page's rows), named from `categories` and
    `statuses` (what the page has read already) and, for any other, from their small tables."""
    ids = [p.pk for p in people]
    now = timezone.now()
    held: dict[int, list[int]] = {}
    under: dict[int, int] = {}
    if ids:
        categories_open, statuses_open = plain_reads.at_once(_open_pairs(CategoryEpisode, "category_id", ids, now),
                                                             _open_pairs(StatusEpisode, "status_id", ids, now))
        for person_id, category_id in categories_open:
            held.setdefault(person_id, []).append(category_id)
        under = dict(statuses_open)  # one open at a time; else the latest begun
    category_of = _named(Category, categories, {i for ids_held in held.values() for i in ids_held})
    status_of = _named(ManagementStatus, statuses, set(under.values()))
    for p in people:
        p.current_categories = [category_of[i] for i in held.get(p.pk, [])]
        p.current_status = status_of[under[p.pk]] if p.pk in under else None
        p.doc_masked, p.phone_masked = mask_doc(p.doc_number), mask_phone(p.phone)
    return people


def _open_pairs(model, held: str, ids: list[int], at: dt.datetime) -> plain_reads.Statement:
    """The statement of (person, `held`) of `model`'s episodes of the people `ids` open at `at` (selectors.open_at),
    oldest first: `model.objects.filter(open_at(at), person_id__in=ids).order_by("start", "id").values_list(
    "person_id", held)` as a plain statement (core.plain_reads), as the list reads it for every page."""
    person, other, start, end, pk = plain_reads.columns(model, ["person_id", held, "start", "end", "id"])
    moment = connections[router.db_for_read(model)].ops.adapt_datetimefield_value(at)
    return plain_reads.rows_reading(
        model, f'SELECT {person}, {other} FROM "{model._meta.db_table}" WHERE {start} <= %s'
               f" AND ({end} IS NULL OR {end} > %s) AND {person} IN ({', '.join(['%s'] * len(ids))})"
               f" ORDER BY {start}, {pk}", [moment, moment, *ids])


def _named(model, known: Iterable, wanted: set[int]) -> dict:
    """{id: object} for the ids `wanted`: from `known`, and the others read."""
    named = {o.pk: o for o in known if o.pk in wanted}
    missing = wanted - named.keys()
    if missing:
        named.update({o.pk: o for o in model.objects.filter(pk__in=missing)})
    return named


def status_as_of(person: Person, at: dt.datetime | None = None) -> StatusEpisode | None:
    """The person's management status at `at` (now by default)."""
    at = at or timezone.now()
    return (StatusEpisode.objects.filter(open_at(at), person=person).select_related("status", "site")
            .order_by("-start").first())


def categories_as_of(person: Person, at: dt.datetime | None = None) -> list[CategoryEpisode]:
    """The categories the person held at `at` (now by default)."""
    at = at or timezone.now()
    return list(CategoryEpisode.objects.filter(open_at(at), person=person).select_related("category"))


def person_history(person: Person) -> dict:
    """Everything about a person: category and status episodes, oldest first; the latest 200 health checks, newest
    first (plain statements: the person's page reads them on every view)."""
    return dict(zip(("categories", "statuses", "checks"), plain_reads.at_once(*person_history_readings(person)),
                    strict=True))


def person_history_readings(person: Person) -> list[plain_reads.Statement | None]:
    """person_history's statements (categories, statuses, checks), for plain_reads.at_once."""
    return [plain_reads.reading(CategoryEpisode, where={"person_id": person.pk}, related=("category",),
                                order=("start", "id")),
            plain_reads.reading(StatusEpisode, where={"person_id": person.pk}, related=("status", "site"),
                                order=("start", "id")),
            plain_reads.reading(HealthCheck, where={"person_id": person.pk}, related=("recorded_by",),
                                order=("-checked_at",), limit=200)]


def releases_overdue(scope, *, now: dt.datetime | None = None) -> QuerySet[StatusEpisode]:
    """Open management past its planned end with no decision yet (to release or to extend)."""
    now = now or timezone.now()
    return (StatusEpisode.objects.filter(scope.q(), end__isnull=True, planned_end__lt=now, status__is_release=False)
            .select_related("person", "status").order_by("planned_end"))


def releases_due(scope, *, day: dt.date) -> QuerySet[StatusEpisode]:
    """Open management whose planned end falls on `day` (local)."""
    start, end = day_bounds(day)
    return (StatusEpisode.objects.filter(scope.q(), end__isnull=True, planned_end__gte=start, planned_end__lt=end,
                                         status__is_release=False)
            .select_related("person", "status").order_by("planned_end"))


def checks_due(scope, *, day: dt.date) -> QuerySet[Person]:
    """People under a status that needs daily checks on `day` and with no check recorded that day."""
    start, end = day_bounds(day)
    needing = StatusEpisode.objects.filter(person=OuterRef("pk"), status__needs_checks=True, start__lt=end).filter(
        Q(end__isnull=True) | Q(end__gt=end))
    done = HealthCheck.objects.filter(person=OuterRef("pk"), check_date=day)
    return (Person.objects.filter(scope.q()).filter(Exists(needing)).exclude(Exists(done))
            .select_related("grid").order_by("unit_path", "name"))


def arrivals(scope, *, day: dt.date) -> QuerySet[CategoryEpisode]:
    """Category episodes that began on `day` (arrivals, new contacts…), not continuations after moves."""
    start, end = day_bounds(day)
    return (CategoryEpisode.objects.filter(scope.q(), start__gte=start, start__lt=end, continued=False)
            .select_related("person", "category").order_by("start"))


def fevers(scope, *, day: dt.date, under: str | None = None) -> QuerySet[HealthCheck]:
    """The health checks of `day` at or above the fever threshold, in scope (and under a unit's path)."""
    qs = HealthCheck.objects.filter(scope.q(), check_date=day, flagged=True)
    if under is not None:
        qs = qs.filter(unit_path__under=under)
    return qs.select_related("person").order_by("-checked_at", "-id")


# The small tables the list, a person's page and their forms read on every request (core.plain_reads); each with its
# statement, for the pages that read them with their other reads at once.

def categories_all() -> list[Category]:
    """The active categories: `list(Category.objects.filter(active=True))`."""
    return plain_reads.at_once(categories_reading())[0]


def categories_reading() -> plain_reads.Statement:
    return plain_reads.table_reading(Category, active=True)


def statuses_all() -> list[ManagementStatus]:
    return plain_reads.at_once(statuses_reading())[0]


def statuses_reading() -> plain_reads.Statement:
    return plain_reads.table_reading(ManagementStatus)


def custom_fields_active() -> list[CustomField]:
    return plain_reads.at_once(custom_fields_reading())[0]


def custom_fields_reading() -> plain_reads.Statement:
    return plain_reads.table_reading(CustomField, active=True)


def person_managed_since(person: Person) -> dt.datetime:
    """When the person first came under management: their registration, or an earlier category or status
    episode entered for them (a history typed in afterwards)."""
    starts = [person.created_at,
              CategoryEpisode.objects.filter(person=person).order_by("start").values_list("start", flat=True).first(),
              StatusEpisode.objects.filter(person=person).order_by("start").values_list("start", flat=True).first()]
    return min(s for s in starts if s is not None)


# -- the dashboard's figures -------------------------------------------------------------------------------

def people_figures(*, scope: Scope, unit: OrgUnit, day: dt.date) -> dict[str, int]:
    """The line list's own figures of the unit's subtree on `day` in `scope`: `fevers`, the people whose home health
    check was at or above the fever threshold (one COUNT DISTINCT over the day's flagged checks)."""
    return {"fevers": fevers(scope, day=day, under=unit.path).order_by().values("person").distinct().count()}


def people_arrived_by_period(*, under: str, categories: list[str], points: list[dt.datetime],
                             until: dt.datetime) -> list[int]:
    """The people who came into one of the `categories` (codes) under a path in each period
    [points[i], points[i + 1]) before `until`: one conditional count per period, in one query."""
    ids = list(Category.objects.filter(code__in=categories).values_list("pk", flat=True))
    counts = CategoryEpisode.objects.filter(
        unit_path__under=under, category_id__in=ids, continued=False, start__gte=points[0],
        start__lt=until).aggregate(**{
            f"d{i}": Count("person", distinct=True, filter=Q(start__gte=points[i], start__lt=points[i + 1]))
            for i in range(len(points) - 1)})
    return [counts[f"d{i}"] for i in range(len(points) - 1)]


def people_status_changes_by_period(*, under: str, statuses: list[str], points: list[dt.datetime],
                                    until: dt.datetime) -> list[tuple[int, int]]:
    """How many episodes of the `statuses` (codes) under a path started and how many ended in each period
    (points[i], points[i + 1]], up to `until`: one conditional count per period and edge, in one query."""
    ids = list(ManagementStatus.objects.filter(code__in=statuses).values_list("pk", flat=True))
    changes = StatusEpisode.objects.filter(unit_path__under=under, status_id__in=ids).filter(
        Q(start__gt=points[0], start__lte=until) | Q(end__gt=points[0], end__lte=until))
    counts = changes.aggregate(**{
        f"{edge}{i}": Count("id", filter=Q(**{f"{edge}__gt": points[i - 1], f"{edge}__lte": points[i]}))
        for i in range(1, len(points)) for edge in ("start", "end")})
    return [(counts[f"start{i}"], counts[f"end{i}"]) for i in range(1, len(points))]



# -- the grid worker's day and the day's fevers (the pages and the API) ----------------------------------------------

@dataclass
class PersonsDay:
    day: dt.date
    checks_due: list[Person]
    arrivals: list[CategoryEpisode]
    releases_due: list[StatusEpisode]
    releases_overdue: list[StatusEpisode]
    fevers: list[HealthCheck]


DAY_CHECKS_LISTED, DAY_LISTED = 300, 200


def persons_day(scope, *, day: dt.date) -> PersonsDay:
    """The grid worker's day in `scope`: checks due, arrivals, releases due and overdue, fevers (each list capped)."""
    grid = "person__grid"
    return PersonsDay(day=day, checks_due=list(checks_due(scope, day=day)[:DAY_CHECKS_LISTED]),
                      arrivals=list(arrivals(scope, day=day).select_related(grid)[:DAY_LISTED]),
                      releases_due=list(releases_due(scope, day=day).select_related(grid)[:DAY_LISTED]),
                      releases_overdue=list(releases_overdue(scope).select_related(grid)[:DAY_LISTED]),
                      fevers=list(fevers(scope, day=day).select_related(grid)[:DAY_LISTED]))


@dataclass
class FeversListed:
    checks: list[HealthCheck]  # the latest first, at most FEVERS_LISTED
    people: int  # how many people had a fever that day, listed or not


FEVERS_LISTED = 500


def fevers_listed(scope, *, day: dt.date, under: str | None = None) -> FeversListed:
    """The day's fevers at home health checks in `scope` (under a unit's path), and how many people they are."""
    checks = fevers(scope, day=day, under=under)
    return FeversListed(checks=list(checks.select_related("person__grid", "recorded_by")[:FEVERS_LISTED]),
                        people=checks.order_by().values("person").distinct().count())
