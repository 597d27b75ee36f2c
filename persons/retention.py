"""Retention: the personal data of people released from management is anonymised
settings.PERSONS_RETENTION_DAYS after their management ended (`manage.py persons_retention`).

Released from management means: the person held at least one category or status; holds no open
category and no open status other than a release (解除管理, ManagementStatus.is_release); and the last
of their episodes ended, or their release began, before the cut-off. Reports count people by open
categories, so nobody a report still counts as managed is anonymised.

What identifies a person goes: name (a pseudonym "已匿名 #id" takes its place), pinyin initials, document
number (a unique placeholder), phone, address, notes, household links, the day and month of birth, the
values of free additional fields (text, number, date), the free-text notes of episodes and health checks,
and the full copy of records merged into them. What the reports count stays: category and status
episodes with their dates and units, the unit, sex, birth year, document type, the values of choice
and yes/no additional fields, health-check readings. The row is stamped `anonymised_at` and is never
selected again. Audit entries written before are left as they are: the audit log is append-only
(database triggers refuse to change it) and keeps the record of who did what.

Apps holding rows about people register hooks (from their AppConfig.ready), like the merge hooks:
`hold` keeps people they still need (an open follow-up, a current shift team), `anonymise` clears
what their own rows hold about the people being anonymised.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import (
    CharField,
    Count,
    DateTimeField,
    Exists,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Concat, Greatest, Right
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.models import AuditEntry
from orgunits.models import OrgUnit
from persons.models import (
    CategoryEpisode,
    CustomField,
    HealthCheck,
    ManagementStatus,
    Person,
    PersonMerge,
    StatusEpisode,
)

# The fields whose values are replaced or cleared (named in the audit entry; their old values are not).
ANONYMISED_FIELDS = ["name", "name_initials", "doc_number", "phone", "address", "notes", "household_head",
                     "household_relation", "birth_date", "custom"]
# Additional fields whose values are categories, not free text, and stay for the reports.
KEPT_CUSTOM_TYPES = (CustomField.Type.CHOICE, CustomField.Type.BOOLEAN)
DOC_PLACEHOLDER = "ANON"
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

_HOLDS: list[Callable[..., QuerySet]] = []
_ANONYMISERS: list[Callable[..., None]] = []


def person_retention_hook_register(*, hold: Callable[..., QuerySet] | None = None,
                                   anonymise: Callable[..., None] | None = None) -> None:
    """Have `hold(cutoff=)` return a queryset of person ids (values("person_id")) that must not be
    anonymised yet, and `anonymise(person_ids=, by=)` clear the app's own personal data about those
    people, inside the batch's transaction after the people's rows are locked."""
    if hold is not None and hold not in _HOLDS:
        _HOLDS.append(hold)
    if anonymise is not None and anonymise not in _ANONYMISERS:
        _ANONYMISERS.append(anonymise)


def retention_days() -> int:
    return int(settings.PERSONS_RETENTION_DAYS)


def retention_cutoff(*, now: dt.datetime | None = None, days: int | None = None) -> dt.datetime:
    """The moment before which management must have ended: `days` (the setting) before `now`."""
    return (now or timezone.now()) - dt.timedelta(days=retention_days() if days is None else days)


def retention_candidates(*, cutoff: dt.datetime, under: str = "") -> QuerySet[Person]:
    """People released from management before `cutoff`, not yet anonymised and held by no app
    (under the unit path `under` when given)."""
    releases = list(ManagementStatus.objects.filter(is_release=True).values_list("id", flat=True))
    categories = CategoryEpisode.objects.filter(person=OuterRef("pk"))
    statuses = StatusEpisode.objects.filter(person=OuterRef("pk"))
    qs = Person.objects.filter(anonymised_at__isnull=True)
    if under:
        qs = qs.filter(unit_path__under=under)
    qs = qs.filter(Exists(categories) | Exists(statuses))
    qs = qs.exclude(Exists(categories.filter(Q(end__isnull=True) | Q(end__gte=cutoff))))
    still = Q(end__gte=cutoff) | Q(end__isnull=True, start__gte=cutoff) | (
        Q(end__isnull=True) & ~Q(status_id__in=releases))
    qs = qs.exclude(Exists(statuses.filter(still)))
    for hold in _HOLDS:
        qs = qs.exclude(pk__in=hold(cutoff=cutoff))
    return qs


def _ended():
    """The moment a person's management ended: the last end (or the start of an open release)."""
    def last(model):
        return Coalesce(Subquery(model.objects.filter(person=OuterRef("pk")).order_by().values("person")
                                 .annotate(m=Max(Coalesce("end", "start"))).values("m")[:1]),
                        Value(_EPOCH), output_field=DateTimeField())
    return Greatest(last(CategoryEpisode), last(StatusEpisode), output_field=DateTimeField())


@dataclass
class UnitLine:
    path: str
    code: str
    name: str
    people: int
    oldest: dt.datetime


@dataclass
class RetentionReport:
    cutoff: dt.datetime
    days: int
    people: int = 0
    oldest: dt.datetime | None = None
    units: list[UnitLine] = field(default_factory=list)
    sample_ids: list[int] = field(default_factory=list)


def retention_report(*, cutoff: dt.datetime, days: int, under: str = "", sample: int = 10) -> RetentionReport:
    """What an anonymisation run would do: how many people, per unit with the oldest release, sample ids."""
    qs = retention_candidates(cutoff=cutoff, under=under)
    rows = list(qs.annotate(ended=_ended()).order_by().values("unit_path")
                .annotate(n=Count("id"), oldest=Min("ended")).order_by("unit_path"))
    units = {u.path: u for u in OrgUnit.objects.filter(path__in=[r["unit_path"] for r in rows])}
    report = RetentionReport(cutoff=cutoff, days=days)
    for r in rows:
        unit = units.get(r["unit_path"])
        report.units.append(UnitLine(path=r["unit_path"], code=unit.code if unit else "", name=unit.name if unit else "",
                                     people=r["n"], oldest=r["oldest"]))
    report.people = sum(u.people for u in report.units)
    report.oldest = min((u.oldest for u in report.units), default=None)
    report.sample_ids = list(qs.order_by("pk").values_list("pk", flat=True)[:sample])
    return report


@dataclass
class RetentionResult:
    people: int = 0
    batches: int = 0
    household_links: int = 0
    ids: list[int] = field(default_factory=list)


def _pseudonym_parts() -> tuple[str, str]:
    """The text before and after the id in a pseudonym, in the site's language (e.g. "已匿名 #", "")."""
    with translation.override(settings.LANGUAGE_CODE):
        text = _("anonymised #%(id)s")
    before, _sep, after = text.partition("%(id)s")
    return before, after


def retention_anonymise(*, cutoff: dt.datetime, under: str = "", batch_size: int = 500, by=None,
                        progress: Callable[[int], None] | None = None) -> RetentionResult:
    """Anonymise every candidate, `batch_size` people per transaction, in id order; return counts.
    Rerunning changes nothing: anonymised people are never candidates again."""
    if batch_size < 1:
        raise ValueError("batch_size must be positive")
    result, last = RetentionResult(), 0
    while True:
        ids = list(retention_candidates(cutoff=cutoff, under=under).filter(pk__gt=last).order_by("pk")
                   .values_list("pk", flat=True)[:batch_size])
        if not ids:
            return result
        last = ids[-1]
        done, links = _anonymise_batch(ids, cutoff=cutoff, by=by)
        result.people += len(done)
        result.household_links += links
        result.batches += 1
        result.ids.extend(done)
        if progress is not None:
            progress(result.people)


def _anonymise_batch(ids: list[int], *, cutoff: dt.datetime, by) -> tuple[list[int], int]:
    """Anonymise the people `ids` that are still candidates once locked; (ids done, household links cut).

    1. Lock the rows (in id order), then check again that each is still a candidate: someone may have
       given a category or status in between (those services lock the person first).
    2. One UPDATE replaces the identifying fields; per-row values (birth date, additional fields)
       follow in one bulk UPDATE.
    3. Household links to them are cut, episode and health-check notes cleared, merged copies emptied.
    4. The apps' hooks clear their own rows; one audit entry per person changed, naming fields only.
    """
    now = timezone.now()
    before, after = _pseudonym_parts()
    doc = Concat(Value(DOC_PLACEHOLDER), Cast("id", output_field=CharField()), output_field=CharField())
    with transaction.atomic():
        list(Person.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))
        people = list(retention_candidates(cutoff=cutoff).filter(pk__in=ids).order_by("pk")
                      .values_list("pk", "unit_path", "birth_date", "custom"))
        if not people:
            return [], 0
        done = [p[0] for p in people]
        Person.objects.filter(pk__in=done).update(
            name=Concat(Value(before), Cast("id", output_field=CharField()), Value(after), output_field=CharField()),
            name_initials="", doc_number=doc, doc_tail=Right(doc, 4), phone="", address="", notes="",
            household_head=None, household_relation="", anonymised_at=now, updated_at=now,
            version=F("version") + 1)
        kept_keys = set(CustomField.objects.filter(type__in=KEPT_CUSTOM_TYPES).values_list("key", flat=True))
        changed = []
        for pk, _path, birth, custom in people:
            year_only = dt.date(birth.year, 7, 1) if birth is not None else None
            kept = {k: v for k, v in (custom or {}).items() if k in kept_keys}
            if year_only != birth or kept != (custom or {}):
                changed.append(Person(pk=pk, birth_date=year_only, custom=kept))
        Person.objects.bulk_update(changed, ["birth_date", "custom"], batch_size=500)
        members = list(Person.objects.filter(household_head_id__in=done).exclude(pk__in=done)
                       .values_list("pk", "unit_path", "household_head_id", "name"))
        if members:
            Person.objects.filter(pk__in=[m[0] for m in members]).update(
                household_head=None, updated_at=now, version=F("version") + 1)
        for model in (CategoryEpisode, StatusEpisode, HealthCheck):
            model.objects.filter(person_id__in=done).exclude(note="").update(note="")
        PersonMerge.objects.filter(kept_id__in=done).update(dropped={"anonymised": True})
        for hook in _ANONYMISERS:
            hook(person_ids=done, by=by)
        actor = by if by is not None and getattr(by, "is_authenticated", False) else None
        actor_name = actor.get_username() if actor is not None else "system"
        entries = [AuditEntry(actor=actor, actor_name=actor_name, action=AuditEntry.Action.UPDATE,
                              object_type="persons.person", object_id=str(pk), object_repr=f"{before}{pk}{after}",
                              unit_path=path, after={"anonymised": ANONYMISED_FIELDS},
                              note=gettext_noop("personal data anonymised after the retention period"))
                   for pk, path, _birth, _custom in people]
        entries += [AuditEntry(actor=actor, actor_name=actor_name, action=AuditEntry.Action.UPDATE,
                               object_type="persons.person", object_id=str(pk), object_repr=name[:200],
                               unit_path=path, before={"household_head": head}, after={"household_head": None},
                               note=gettext_noop("the household head's data was anonymised: link removed"))
                    for pk, path, head, name in members]
        AuditEntry.objects.bulk_create(entries, batch_size=500)
    return done, len(members)
