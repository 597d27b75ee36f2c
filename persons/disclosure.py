"""What a viewer sees of a person: the one rule that every page, endpoint, list and drill-down showing people
follows, so that page and API show and mask the same things the same way (DESIGN, invariant 8).

For a viewer, a person, and the permission of the area the person appears in (`perm`: persons.view on the
line list and behind report figures, tracing.view in contact tracing), the person is shown at one level:

full    `perm` and persons.view cover the person's unit, and so does persons.view_full: name, id and link;
        where one person is the subject of a page or answer (`subject`), document number and phone unmasked,
        and that showing is written to the audit log.
masked  `perm` and persons.view cover the person's unit, persons.view_full does not: name, id and link;
        document number and phone masked. Also a person the area itself names to the viewer (`known`: a
        worker on the roster of the enterprise whose gate the viewer keeps) whom the viewer's scope does not
        cover: then the name alone, with no id and no link, since the viewer may not open the person.
hidden  everyone else: nothing of the person, neither name, id, document, phone nor link; the placeholder
        "a person outside your area", and where a structure must tell people apart (a transmission chain),
        an opaque key that holds within one answer.

An answer gives a person's id only when the viewer may open that person (persons.view and `perm` over their
unit), so ids never name people the page would not.
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace

from django.db import connection
from django.db.models import BooleanField, prefetch_related_objects
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils.translation import gettext_lazy, gettext_noop

from accounts.access import scope_for
from accounts.roles import PERSONS_VIEW, PERSONS_VIEW_FULL
from core import db
from core.audit import audit_record
from persons.identity import mask_doc, mask_phone
from persons.models import Person

FULL, MASKED, HIDDEN = "full", "masked", "hidden"
OUTSIDE = gettext_lazy("a person outside your area")
# Where a person's data was seen, as the audit entry's note: a msgid, translated when the log is read.
CHANNELS = {"": gettext_noop("the person's page"), "api": gettext_noop("the API"),
            "tracing": gettext_noop("contact tracing")}


@dataclass(frozen=True)
class PersonShown:
    """What one viewer sees of one person; empty strings and None where the level withholds a part."""

    level: str
    id: int | None = None
    name: str = ""
    grid: str = ""  # the grid's code
    grid_name: str = ""
    doc_type: str = ""
    doc_number: str = ""
    phone: str = ""
    url: str = ""

    @property
    def in_scope(self) -> bool:
        """Whether the viewer may open the person (their id and link are given)."""
        return self.id is not None

    @property
    def hidden(self) -> bool:
        return self.level == HIDDEN

    @property
    def label(self) -> str:
        """The name, or the placeholder for a person outside the viewer's area."""
        return self.name or str(OUTSIDE)

    def ref(self, *, detail: bool = False) -> dict:
        """The API's shape of a mentioned person (persons.schemas.PersonRef); with `detail`, the document and
        phone as this level shows them."""
        out = {"id": self.id, "name": self.name, "grid": self.grid, "in_scope": self.in_scope}
        if detail:
            out.update(doc_number=self.doc_number or None, phone=self.phone or None)
        return out


HIDDEN_PERSON = PersonShown(level=HIDDEN)


class Disclosure:
    """The rule above for one viewer within one area, the viewer's scopes read once for any number of people."""

    def __init__(self, user, *, perm: str = PERSONS_VIEW):
        self.user = user
        self.perm = perm
        self._open = scope_for(user, PERSONS_VIEW)
        self._area = self._open if perm == PERSONS_VIEW else scope_for(user, perm)
        self._full = scope_for(user, PERSONS_VIEW_FULL)

    def may_open(self, unit_path: str) -> bool:
        """Whether a person of this unit is named, with id and link, to the viewer in this area."""
        return self._open.covers(unit_path) and self._area.covers(unit_path)

    def level(self, person: Person, *, known: bool = False) -> str:
        if self.may_open(person.unit_path):
            return FULL if self._full.covers(person.unit_path) else MASKED
        return MASKED if known else HIDDEN

    def show(self, person: Person | None, *, known: bool = False) -> PersonShown:
        """A person mentioned in a list or on another object's page: document and phone masked at any level."""
        if person is None:
            return HIDDEN_PERSON
        level = self.level(person, known=known)
        if level == HIDDEN:
            return HIDDEN_PERSON
        opened = self.may_open(person.unit_path)
        grid = person.grid if opened and person.grid_id else None
        return PersonShown(level=level, id=person.pk if opened else None, name=person.name,
                           grid=grid.code if grid else "", grid_name=grid.name if grid else "",
                           doc_type=person.doc_type, doc_number=mask_doc(person.doc_number),
                           phone=mask_phone(person.phone),
                           url=reverse("persons:detail", args=[person.pk]) if opened else "")

    def show_all(self, people: Iterable[Person | None], *, known: Iterable[int] = ()) -> list[PersonShown]:
        """`show` for many people (their grids read in one query when not already read)."""
        people, known = list(people), set(known)
        prefetch_related_objects([p for p in people if p is not None], "grid")
        return [self.show(p, known=p is not None and p.pk in known) for p in people]

    def subject(self, person: Person, *, channel: str = "") -> PersonShown:
        """The person a page or answer is about: unmasked document and phone at the full level, that view
        audited (`channel`: "" for the person's page, "api", "tracing")."""
        shown = self.show(person)
        if shown.level != FULL:
            return shown
        audit_record(actor=self.user, action="view", obj=person, unit_path=person.unit_path,
                     note=CHANNELS[channel])
        return replace(shown, doc_number=person.doc_number, phone=person.phone)

    def ids_open(self, ids: Iterable[int]) -> list[int]:
        """The ids among `ids` of people the viewer may open, in the order given: one query, the ids one
        parameter (a province's figure lists hundreds of thousands; as IN-lists they cost seconds to parse)."""
        ids = list(ids)
        if not ids:
            return []
        column, (match, param) = connection.ops.quote_name(Person._meta.pk.column), db.any_of(ids)
        paths = dict(Person.objects.filter(RawSQL(f"{column} {match}", [param], output_field=BooleanField()))
                     .values_list("pk", "unit_path"))
        return [pk for pk in ids if pk in paths and self.may_open(paths[pk])]


def person_shown(user, person: Person | None, *, perm: str = PERSONS_VIEW, known: bool = False) -> PersonShown:
    """What `user` sees of `person` mentioned in the area of `perm` (see the module's rule)."""
    return Disclosure(user, perm=perm).show(person, known=known)
