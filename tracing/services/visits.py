"""Places visited (活动轨迹): a person's stays at sites or named places, each within a community."""

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from core.audit import audit_record, snapshot
from core.errors import DomainError
from orgunits.models import OrgUnit, Site
from persons.models import Person
from tracing.models import Visit
from tracing.services.common import not_in_future

VISIT_AUDIT_FIELDS = ["person", "place", "site", "community", "start", "end", "note"]


def community_of(unit: OrgUnit | None) -> OrgUnit | None:
    """The community a unit lies in: itself, or a grid's parent; None above the community level."""
    if unit is None:
        return None
    if unit.kind == OrgUnit.Kind.COMMUNITY:
        return unit
    if unit.kind == OrgUnit.Kind.GRID:
        return unit.parent
    return None


def visit_record(*, person: Person, start: dt.datetime, end: dt.datetime, place: str = "", site: Site | None = None,
                 community: OrgUnit | None = None, note: str = "", by) -> Visit:
    """Record a stay of `person` from `start` to `end` at a site and/or a named place in a community
    (the site's community when none is given)."""
    place = (place or "").strip()
    errors: dict[str, list[str]] = {}
    if not place and site is None:
        errors["place"] = [_("Name the place or choose a site.")]
    if len(place) > 100:
        errors["place"] = [_("At most 100 characters.")]
    community = community_of(community) if community is not None else community_of(site.unit if site else None)
    if community is None:
        errors["community"] = [_("Choose the community (or grid) where the place lies.")]
    if start is None:
        errors["start"] = [_("Give the time the stay began.")]
    if end is None:
        errors["end"] = [_("Give the time the stay ended.")]
    if start is not None and end is not None and end < start:
        errors["end"] = [_("The stay ends before it begins.")]
    not_in_future(start, "start", errors)
    not_in_future(end, "end", errors, slack_minutes=24 * 60)
    if errors:
        raise DomainError("invalid_visit", _("The place visited cannot be recorded; correct the fields marked."),
                          fields=errors)
    with transaction.atomic():
        visit = Visit.objects.create(person=person, unit_path=person.unit_path, place=place, site=site,
                                     community=community, community_path=community.path, start=start, end=end,
                                     note=(note or "").strip(), created_by=by)
        audit_record(actor=by, action="create", obj=visit, object_repr=f"{person.name} · {visit.place_display}",
                     unit_path=visit.unit_path, after=snapshot(visit, VISIT_AUDIT_FIELDS))
    return visit


def visit_delete(*, visit: Visit, by) -> None:
    """Remove a stay recorded by mistake (the audit log keeps what it was)."""
    with transaction.atomic():
        audit_record(actor=by, action="delete", obj=visit, unit_path=visit.unit_path,
                     before=snapshot(visit, VISIT_AUDIT_FIELDS))
        visit.delete()
