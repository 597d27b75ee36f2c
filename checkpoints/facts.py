"""Checkpoints as fact sources for the report engine (reports.facts), for the enterprise daily prevention
report (复工复产企业防控日报) and any form that needs gate figures. Each count is grouped by the unit path
of the site (enterprise or community checkpoint) the item belongs to.

staff       the people on the enterprises' team rosters at the cut-off
    entered     yes/no: passed in at a gate of their enterprise in the reporting period (在岗)
    checked     yes/no: had their temperature taken there in the period
    fever       yes/no: had a reading at or above the fever threshold there in the period
    suspended   yes/no: their shift team was stopped at the cut-off
teams       the enterprises' shift teams (班组) at the cut-off
    suspended   yes/no: stopped at the cut-off
readings    the temperature readings taken in the period
    fever       yes/no
    recheck     yes/no: a recheck of an alert
    device      yes/no: sent by a device (no: taken by hand)
alerts      the fever alerts raised in the period
    state       open, cleared or escalated, as at the cut-off
incidents   the emergency-plan incidents started in the period
    open        yes: open at the cut-off, whenever they started (no: closed by then)
    outcome     negative or positive, as known at the cut-off

    count staff where entered = yes            -- 在岗人数
    count teams where suspended = yes          -- 停工班组
    count incidents where open = yes           -- 处置中的应急事件
"""

import datetime as dt

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from checkpoints.models import (
    Alert,
    Incident,
    MemberSuspension,
    Passage,
    Reading,
    Suspension,
    Team,
    TeamMember,
)
from orgunits.models import Site
from reports.expressions import predicates_of
from reports.facts import ChoiceSource, Window


def _open_at(at: dt.datetime, start: str = "start", end: str = "end") -> Q:
    return Q(**{f"{start}__lte": at}) & (Q(**{f"{end}__isnull": True}) | Q(**{f"{end}__gt": at}))


def _in_period(window: Window, field: str) -> Q:
    return Q(**{f"{field}__gte": window.period_start, f"{field}__lt": window.cutoff})


class _Source(ChoiceSource):
    """A checkpoint source: its rows are shown to those whose site scope covers them."""

    def _visible(self, user, rows):
        from accounts.roles import CHECKPOINTS_VIEW
        from checkpoints.access import site_scope

        scope = site_scope(user, CHECKPOINTS_VIEW)
        return [r for r in rows if scope.covers(r.unit_path, r.site_id)]


def _sites_under(under: str):
    return Site.objects.filter(unit_path__under=under).values("pk")


class StaffSource(_Source):
    name = "staff"
    vocabulary = {
        "entered": "yes/no: passed in at a gate of their enterprise in the period",
        "checked": "yes/no: temperature taken at their enterprise in the period",
        "fever": "yes/no: a reading at or above the fever threshold there in the period",
        "suspended": "yes/no: their shift team stopped at the cut-off",
    }
    values = {"entered": None, "checked": None, "fever": None, "suspended": None}
    labels = {"__items__": _("people on the shift-team rosters"),
              "entered": _("passed in at a gate of their enterprise in the period"),
              "checked": _("had their temperature taken at their enterprise in the period"),
              "fever": _("had a fever reading at their enterprise in the period"),
              "suspended": _("their shift team was stopped at the cut-off")}

    def flag(self, name: str, window: Window) -> Q:
        if name == "suspended":
            return Q(Exists(MemberSuspension.objects.filter(_open_at(window.cutoff), member_id=OuterRef("pk"))))
        if name == "entered":
            return Q(Exists(Passage.objects.filter(_in_period(window, "at"), person_id=OuterRef("person_id"),
                                                   site_id=OuterRef("site_id"), direction=Passage.Direction.IN)))
        readings = Reading.objects.filter(_in_period(window, "taken_at"), person_id=OuterRef("person_id"),
                                          site_id=OuterRef("site_id"))
        if name == "fever":
            readings = readings.filter(fever=True)
        return Q(Exists(readings))

    def base(self, indicator, window, under):
        return TeamMember.objects.filter(_open_at(window.cutoff, "joined_at", "left_at"), unit_path__under=under)

    def members_rows(self, ids, *, user) -> dict[int, dict]:
        from django.urls import reverse

        members = TeamMember.objects.filter(pk__in=ids).select_related("person", "team")
        return {m.pk: {"label": m.person.name, "url": reverse("checkpoints:team", args=[m.team_id]),
                       "detail": m.team.name} for m in self._visible(user, members)}


class TeamsSource(_Source):
    name = "teams"
    vocabulary = {"suspended": "yes/no: stopped at the cut-off"}
    values = {"suspended": None}
    labels = {"__items__": _("shift teams"), "suspended": _("stopped at the cut-off")}

    def flag(self, name, window):
        return Q(Exists(Suspension.objects.filter(_open_at(window.cutoff), team_id=OuterRef("pk"))))

    def base(self, indicator, window, under):
        return Team.objects.filter(unit_path__under=under, created_at__lt=window.cutoff, active=True)

    def members_rows(self, ids, *, user) -> dict[int, dict]:
        from django.urls import reverse

        teams = Team.objects.filter(pk__in=ids).select_related("site")
        return {t.pk: {"label": t.name, "url": reverse("checkpoints:team", args=[t.pk]), "detail": t.site.name}
                for t in self._visible(user, teams)}


class ReadingsSource(_Source):
    name = "readings"
    vocabulary = {"fever": "yes/no", "recheck": "yes/no: a recheck of an alert",
                  "device": "yes/no: sent by a device (no: taken by hand)"}
    values = {"fever": None, "recheck": None, "device": None}
    labels = {"__items__": _("temperature readings taken in the period"),
              "fever": _("at or above the fever threshold"), "recheck": _("a recheck of an alert"),
              "device": _("sent by a device")}

    def flag(self, name, window):
        if name == "device":
            return Q(device__isnull=False)
        return Q(**{"fever" if name == "fever" else "is_recheck": True})

    def base(self, indicator, window, under):
        # Through the sites: the readings table is reached by its (site, time) index.
        return Reading.objects.filter(_in_period(window, "taken_at"), site_id__in=_sites_under(under))

    def members_rows(self, ids, *, user) -> dict[int, dict]:
        from django.urls import reverse
        from django.utils import timezone

        readings = Reading.objects.filter(pk__in=ids[:5000]).select_related("person", "checkpoint")
        rows = {}
        for r in self._visible(user, readings):
            day = timezone.localtime(r.taken_at)
            rows[r.pk] = {"label": r.person.name if r.person_id else r.subject,
                          "url": reverse("checkpoints:log", args=[r.checkpoint_id]) + f"?day={day:%Y-%m-%d}",
                          "detail": f"{r.temperature} °C · {day:%H:%M} · {r.checkpoint.name}"}
        return rows


class AlertsSource(_Source):
    name = "alerts"
    vocabulary = {"state": "open, cleared or escalated, as at the cut-off"}
    values = {"state": set(Alert.State.values)}
    labels = {"__items__": _("fever alerts raised in the period"), "state": _("the state at the cut-off")}
    choice_labels = {"state": dict(Alert.State.choices)}

    def value(self, name, values, window):
        q = Q(pk__in=[])
        if Alert.State.OPEN in values:
            q |= Q(closed_at__isnull=True) | Q(closed_at__gt=window.cutoff)
        closed = [v for v in values if v != Alert.State.OPEN]
        if closed:
            q |= Q(state__in=closed, closed_at__lte=window.cutoff)
        return q

    def base(self, indicator, window, under):
        return Alert.objects.filter(_in_period(window, "raised_at"), unit_path__under=under)

    def members_rows(self, ids, *, user) -> dict[int, dict]:
        from django.urls import reverse

        alerts = Alert.objects.filter(pk__in=ids).select_related("person", "checkpoint")
        return {a.pk: {"label": a.who, "url": reverse("checkpoints:alert", args=[a.pk]),
                       "detail": f"{a.temperature} °C · {a.checkpoint.name}"} for a in self._visible(user, alerts)}


class IncidentsSource(_Source):
    name = "incidents"
    vocabulary = {"open": "yes: open at the cut-off, whenever started (no: closed by then)",
                  "outcome": "negative or positive, as known at the cut-off"}
    values = {"open": None, "outcome": set(Incident.Outcome.values)}
    labels = {"__items__": _("emergency-plan incidents"), "open": _("still open at the cut-off"),
              "outcome": _("the outcome known at the cut-off")}
    choice_labels = {"outcome": dict(Incident.Outcome.choices)}

    def flag(self, name, window):
        return Q(closed_at__isnull=True) | Q(closed_at__gt=window.cutoff)

    def value(self, name, values, window):
        return Q(outcome__in=values, closed_at__lte=window.cutoff)

    def base(self, indicator, window, under):
        qs = Incident.objects.filter(unit_path__under=under, started_at__lt=window.cutoff)
        if not any(p.name == "open" for p in predicates_of(indicator.condition)):
            qs = qs.filter(started_at__gte=window.period_start)
        return qs

    def members_rows(self, ids, *, user) -> dict[int, dict]:
        from django.urls import reverse

        incidents = Incident.objects.filter(pk__in=ids).select_related("alert__person", "checkpoint")
        return {i.pk: {"label": i.alert.who, "url": reverse("checkpoints:incident", args=[i.pk]),
                       "detail": f"{i.get_state_display()} · {i.checkpoint.name}"}
                for i in self._visible(user, incidents)}


SOURCES = [StaffSource(), TeamsSource(), ReadingsSource(), AlertsSource(), IncidentsSource()]
