"""The front-line teams as fact sources for the report engine (reports.facts): the contribution tally of
the civilised units (文明单位战疫贡献统计) and any form that needs it. Counts go under the unit where each
civilised unit is registered (its `unit_path`), up to the cut-off.

volunteers          the units' people
    mobilised       yes/no: on a confirmed shift or stay that started before the cut-off
    stationed       yes/no: on a confirmed stay (驻企) that started before the cut-off
    kind            cadre, staff, retiree
    party           yes/no: a party member
    level           national, provincial, city (their unit's)
    measures: hours (served, from check-in to check-out), stationed_days (person-days stationed)
civilised_units     the civilised units
    level           national, provincial, city
    measures: donations (yuan received from the donors linked to the unit on the supplies ledger), commendations

    count volunteers where mobilised = yes          -- 出动人数
    sum stationed_days of volunteers                 -- 驻企人天
"""

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reports.facts import ChoiceSource, Window
from supplies.selectors import donations_received_by
from volunteers.models import Assignment, CivilisedUnit, Commendation, Volunteer
from volunteers.selectors import stationed_days_by


def _number(value) -> int | float:
    value = round(value, 3)
    return int(value) if value == int(value) else float(value)


def _confirmed(window: Window):
    return Assignment.objects.filter(state=Assignment.State.CONFIRMED, start__lt=window.cutoff)


class VolunteersSource(ChoiceSource):
    name = "volunteers"
    vocabulary = {"mobilised": "yes/no: on a confirmed shift or stay started before the cut-off",
                  "stationed": "yes/no: on a confirmed stay (驻企) started before the cut-off",
                  "kind": "cadre, staff, retiree", "party": "yes/no: a party member",
                  "level": "national, provincial, city (their civilised unit's)"}
    measures = {"hours": "hours served, from check-in to check-out",
                "stationed_days": "person-days stationed in enterprises, up to the cut-off"}
    values = {"mobilised": None, "stationed": None, "kind": set(Volunteer.Kind.values), "party": None,
              "level": set(CivilisedUnit.Level.values)}
    labels = {"__items__": _("people of the civilised units"),
              "mobilised": _("on a confirmed shift or stay begun before the cut-off"),
              "stationed": _("on a confirmed stay in an enterprise begun before the cut-off"),
              "kind": _("the kind of person"), "party": _("party member"),
              "level": _("the level of their civilised unit"), "hours": _("hours served"),
              "stationed_days": _("person-days stationed in enterprises")}
    choice_labels = {"kind": dict(Volunteer.Kind.choices), "level": dict(CivilisedUnit.Level.choices)}

    def flag(self, name, window):
        if name == "mobilised":
            return Q(Exists(_confirmed(window).filter(volunteer_id=OuterRef("pk"))))
        if name == "stationed":
            return Q(Exists(_confirmed(window).filter(volunteer_id=OuterRef("pk"), stationed=True)))
        return Q(party_member=True)

    def value(self, name, values, window):
        return Q(org__level__in=values) if name == "level" else Q(kind__in=values)

    def base(self, indicator, window, under):
        # Registration time is not asked: units and their people are often entered after the fact.
        return Volunteer.objects.filter(unit_path__under=under) if under else Volunteer.objects.all()

    def counts(self, indicator, *, window, under):
        people = self._rows(indicator, window, under)
        if indicator.aggregate != "sum":
            rows = people.order_by().values("unit_path").annotate(n=Count("pk"))
            return dict(rows.values_list("unit_path", "n"))
        done = _confirmed(window).filter(volunteer__in=people.values("pk"))
        if indicator.measure == "hours":
            rows = (done.filter(checked_out_at__lte=window.cutoff).order_by().values("org_path")
                    .annotate(n=Sum("minutes")).values_list("org_path", "n"))
            return {path: _number((n or 0) / 60) for path, n in rows}
        return stationed_days_by(done, "org_path", cutoff=window.cutoff)

    def members_rows(self, ids, *, user) -> dict[int, dict]:
        from django.urls import reverse

        from volunteers.selectors import volunteers_for_user

        people = volunteers_for_user(user).filter(pk__in=ids[:5000]).select_related("org")
        return {p.pk: {"label": p.name, "url": reverse("volunteers:person", args=[p.pk]), "detail": p.org.name}
                for p in people}


class UnitsSource(ChoiceSource):
    name = "civilised_units"
    vocabulary = {"level": "national, provincial, city"}
    measures = {"donations": "yuan received up to the cut-off from the unit's donors on the supplies ledger (linked "
                             "on the unit's page): money, and the declared value of goods",
                "commendations": "commendations given up to the cut-off"}
    values = {"level": set(CivilisedUnit.Level.values)}
    labels = {"__items__": _("civilised units"), "level": _("the level"),
              "donations": _("yuan donated through the supplies ledger"), "commendations": _("commendations")}
    choice_labels = {"level": dict(CivilisedUnit.Level.choices)}

    def value(self, name, values, window):
        return Q(level__in=values)

    def base(self, indicator, window, under):
        return CivilisedUnit.objects.filter(unit_path__under=under) if under else CivilisedUnit.objects.all()

    def counts(self, indicator, *, window, under):
        orgs = self._rows(indicator, window, under)
        if indicator.aggregate != "sum":
            return dict(orgs.order_by().values("unit_path").annotate(n=Count("pk")).values_list("unit_path", "n"))
        day = timezone.localtime(window.cutoff).date()
        if indicator.measure == "commendations":
            rows = (Commendation.objects.filter(org__in=orgs.values("pk"), given_on__lte=day).order_by()
                    .values("unit_path").annotate(n=Count("pk")).values_list("unit_path", "n"))
            return dict(rows)
        rows = donations_received_by(key="civilised_unit_link__org__unit_path",
                                     donors={"civilised_unit_link__org__in": orgs.values("pk")}, until=day)
        return {path: _number(n or 0) for path, n in rows.items()}

    def members_rows(self, ids, *, user) -> dict[int, dict]:
        from django.urls import reverse

        from volunteers.selectors import orgs_for_user

        return {o.pk: {"label": o.name, "url": reverse("volunteers:org", args=[o.pk]), "detail": o.get_level_display()}
                for o in orgs_for_user(user).filter(pk__in=ids)}


SOURCES = [VolunteersSource(), UnitsSource()]
