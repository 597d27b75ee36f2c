"""Reads of public intake: what a worker's scope reaches (the queue, posters, links) and what a token names."""

from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.access import Scope, scope_for
from accounts.roles import PERSONS_EDIT, PERSONS_VIEW
from core.fields import SEPARATOR
from intake.models import Declaration, Poster, SelfReportLink
from orgunits.models import OrgUnit
from persons.disclosure import FULL, Disclosure, PersonShown
from persons.duplicates import REASONS
from persons.identity import mask_doc, mask_phone, resident_id_check
from persons.models import Person


def _ancestors(path: str) -> list[str]:
    parts = [p for p in path.split(SEPARATOR) if p]
    return [SEPARATOR.join(parts[:i]) + SEPARATOR for i in range(1, len(parts))]


def reach_q(scope: Scope) -> Q:
    """Declarations a scope reaches: those of its units and below, and those of a community poster over them (a
    grid worker checks what came through the community's poster as well as the grid's own)."""
    if scope.everything:
        return Q()
    if scope.empty:
        return Q(pk__in=[])
    return reduce(or_, (Q(unit_path__under=p) | Q(unit_path__in=_ancestors(p)) for p in scope.paths))


def reaches(scope: Scope, path: str) -> bool:
    return scope.covers(path) or (not scope.empty and any(p.startswith(path) for p in scope.paths or ()))


def declarations_queue(user, *, state: str = Declaration.State.PENDING) -> QuerySet[Declaration]:
    """The declarations in `state` that `user` may check (persons.edit), oldest first."""
    qs = Declaration.objects.filter(reach_q(scope_for(user, PERSONS_EDIT)), state=state).select_related("unit")
    return qs.order_by("created_at", "id") if state == Declaration.State.PENDING else qs.order_by("-decided_at")


def declaration_get_for_user(user, pk: int) -> Declaration:
    """The declaration `pk` if the user may check it, else 404."""
    declaration = Declaration.objects.filter(pk=pk).select_related("unit", "person", "decided_by").first()
    if declaration is None or not reaches(scope_for(user, PERSONS_EDIT), declaration.unit_path):
        raise Http404
    return declaration


def declaration_grids(user, declaration: Declaration) -> list[OrgUnit]:
    """The grids (or a community without grids) under the declaration's unit the user may register people in."""
    scope = scope_for(user, PERSONS_EDIT)
    units = list(OrgUnit.objects.filter(scope.q("path"), path__under=declaration.unit_path,
                                        kind__in=(OrgUnit.Kind.GRID, OrgUnit.Kind.COMMUNITY)).order_by("path"))
    grids = [u for u in units if u.kind == OrgUnit.Kind.GRID]
    return grids or units


def poster_units(user) -> list[OrgUnit]:
    """The communities and grids `user` may make posters for."""
    scope = scope_for(user, PERSONS_EDIT)
    return list(OrgUnit.objects.filter(scope.q("path"), kind__in=(OrgUnit.Kind.COMMUNITY, OrgUnit.Kind.GRID))
                .order_by("path")[:500])


@dataclass(frozen=True)
class Shown:
    """A declaration's document number and phone as the viewer may see them (persons.disclosure's rule)."""

    full: bool
    doc_number: str
    phone: str


def declaration_shown(user, declaration: Declaration) -> Shown:
    """Unmasked where persons.disclosure's rule would unmask a person of the unit the viewer would register the
    declared person in (the declaration's unit, or the viewer's grid under a community's poster)."""
    scope = scope_for(user, PERSONS_EDIT)
    target = declaration.unit_path
    if not scope.covers(target):
        target = next((p for p in scope.paths or () if p.startswith(target)), target)
    full = Disclosure(user).level(_At(target), known=True) == FULL
    if full:
        return Shown(True, declaration.doc_number, declaration.phone)
    return Shown(False, mask_doc(declaration.doc_number), mask_phone(declaration.phone))


@dataclass(frozen=True)
class _At:
    """Where a declared person would be (what the disclosure rule reads of a person)."""

    unit_path: str


@dataclass(frozen=True)
class Match:
    shown: PersonShown
    reason: str


def declaration_matches(user, declaration: Declaration) -> list[Match]:
    """People already on file who may be the declared person: the same document (anywhere, shown only as the
    viewer's scope allows), the same name and phone, the same name and birth date (persons.duplicates' rules)."""
    scope = scope_for(user, PERSONS_VIEW)
    found: dict[int, tuple[Person, str]] = {}
    by_doc = Person.objects.filter(doc_type=declaration.doc_type, doc_number=declaration.doc_number,
                                   anonymised_at__isnull=True).first()
    if by_doc is not None:
        found[by_doc.pk] = (by_doc, str(Person._meta.get_field("doc_number").verbose_name))
    if declaration.phone:
        for p in Person.objects.filter(scope.q(), name=declaration.name, phone=declaration.phone)[:5]:
            found.setdefault(p.pk, (p, str(REASONS["name_phone"])))
    if declaration.doc_type == Person.DocType.RESIDENT_ID:
        try:
            birth, _sex = resident_id_check(declaration.doc_number, today=timezone.localdate())
        except ValueError:
            birth = None
        if birth is not None:
            for p in Person.objects.filter(scope.q(), name=declaration.name, birth_date=birth)[:5]:
                found.setdefault(p.pk, (p, str(REASONS["name_birth"])))
    disclosure = Disclosure(user)
    people = list(found.values())
    return [Match(shown, reason) for shown, (_p, reason) in zip(disclosure.show_all([p for p, _r in people]), people,
                                                                strict=True)]


def declaration_by_receipt(receipt: str | None) -> Declaration | None:
    if not receipt:
        return None
    return Declaration.objects.filter(receipt=receipt).select_related("unit").first()


def posters_in_scope(user) -> QuerySet[Poster]:
    return Poster.objects.filter(scope_for(user, PERSONS_EDIT).q()).select_related("unit").order_by(
        "unit_path", "-created_at")


def poster_get_for_user(user, pk: int) -> Poster:
    poster = Poster.objects.filter(pk=pk).select_related("unit").first()
    if poster is None or not scope_for(user, PERSONS_EDIT).covers(poster.unit_path):
        raise Http404
    return poster


def poster_by_token(token: str) -> Poster | None:
    """The active poster of `token` (None for an unknown or revoked one: both answered alike)."""
    if not token or len(token) > 64:
        return None
    return Poster.objects.filter(token=token, revoked_at__isnull=True).select_related("unit").first()


def self_report_links_of(person: Person) -> QuerySet[SelfReportLink]:
    return SelfReportLink.objects.filter(person=person).order_by("-created_at")


def self_report_link_get_for_user(user, pk: int) -> SelfReportLink:
    link = SelfReportLink.objects.filter(pk=pk).select_related("person").first()
    if link is None or not scope_for(user, PERSONS_EDIT).covers(link.unit_path):
        raise Http404
    return link


def self_report_link_by_token(token: str) -> SelfReportLink | None:
    """The usable link of `token` (None for an unknown, revoked or expired one: all answered alike)."""
    if not token or len(token) > 64:
        return None
    link = SelfReportLink.objects.filter(token=token).select_related("person").first()
    return link if link is not None and link.usable() else None
