"""The people named on a gate's lists (passages, readings, fever alerts, incidents) as the viewer may see them:
persons.disclosure's rule, with one thing the gate adds: a worker on the roster of the row's site is known to
whoever keeps that site's gate (named, without an id unless the viewer may open them). Anyone else outside the
viewer's line-list scope is "a person outside your area", on the pages and in the API alike."""

from collections.abc import Iterable

from django.db.models import prefetch_related_objects

from checkpoints.models import TeamMember
from persons.disclosure import Disclosure


def _typed(row) -> str:
    """What was typed at the gate for someone not registered: a visitor's name, or the subject of a reading."""
    alert = getattr(row, "alert", None) if not hasattr(row, "subject") else None
    return (getattr(row, "visitor_name", "") or getattr(row, "subject", "")
            or (alert.subject if alert is not None else ""))


def people_shown(user, rows: Iterable) -> list:
    """Set `shown` (a persons.disclosure.PersonShown, or None for a visitor or an unregistered subject) and
    `who_shown` (its label, else what was typed at the gate) on each row, a passage, reading, alert or incident;
    return the rows. One query for the rosters."""
    rows = list(rows)
    named = {(r.site_id, r.person_id) for r in rows if r.person_id}
    roster = set()
    if named:
        roster = set(TeamMember.objects.filter(site_id__in={s for s, _p in named},
                                               person_id__in={p for _s, p in named}, left_at__isnull=True)
                     .values_list("site_id", "person_id"))
    prefetch_related_objects([r.person for r in rows if r.person_id], "grid")
    disclosure = Disclosure(user)
    for r in rows:
        r.shown = disclosure.show(r.person, known=(r.site_id, r.person_id) in roster) if r.person_id else None
        r.who_shown = r.shown.label if r.shown is not None else _typed(r)
    return rows


def person_shown(user, row):
    """`people_shown` for one row."""
    return people_shown(user, [row])[0]


def roster_shown(user, members: Iterable) -> list:
    """Set `shown` on each member of a roster: the team's own workers are known to whoever sees the team (named),
    opened (an id) only within the viewer's scope (persons.disclosure); return the members."""
    members = list(members)
    disclosure = Disclosure(user)
    for m in members:
        m.shown = disclosure.show(m.person, known=True)
    return members
