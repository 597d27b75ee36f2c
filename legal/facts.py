"""The publicity campaign as a fact source for the report engine: "sum quantity of publicity where …".

    kind      booklets, posters, events, vehicles, vehicle_rounds, broadcast_hours, wechat_posts, views
    place     the place named on the activity

An activity is dated by its day and counted from the start of that day: "started in period" keeps the
activities whose day begins within the reporting period (a form with a 24:00 cut-off counts each day's
activities in that day's report); "started since DATE" and "now"/"ever" keep those up to the cut-off.
"count publicity" counts activity records; "sum quantity of publicity" adds up their quantities.
"""

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from legal.models import PublicityActivity
from reports.expressions import ExpressionError, Indicator, Predicate, When, predicates_of
from reports.facts import FactSource, Window, by_path, condition_q, day_dated_q

_FIELDS = {"kind": "kind", "place": "place"}


class PublicitySource(FactSource):
    name = "publicity"
    vocabulary = {"kind": "booklets, posters, events, vehicles, vehicle_rounds, broadcast_hours, wechat_posts, views",
                  "place": "the place of the activity"}
    measures = {"quantity": "booklets, posters, rounds, hours, posts or views of the activity"}
    dated = True
    labels = {"__items__": gettext_lazy("publicity activities"), "kind": gettext_lazy("the kind"),
              "place": gettext_lazy("the place"), "quantity": gettext_lazy("quantity")}

    def value_labels(self, name: str, values: list) -> list[str]:
        names = dict(PublicityActivity.Kind.choices) if name == "kind" else {}
        return [str(names.get(str(v), v)) for v in values]

    def check(self, indicator: Indicator) -> None:
        kinds = set(PublicityActivity.Kind.values)
        for p in predicates_of(indicator.condition):
            if p.name not in _FIELDS:
                raise ExpressionError(_("Unknown field %(n)s; publicity has: %(known)s.")
                                      % {"n": p.name, "known": ", ".join(self.vocabulary)}, p.position)
            if p.op not in ("=", "!=", "in", "not_in"):
                raise ExpressionError(_("%(n)s is compared with =, != or in.") % {"n": p.name}, p.position)
            if p.name == "kind":
                unknown = [str(v) for v in p.values if str(v) not in kinds]
                if unknown:
                    raise ExpressionError(_("Unknown code(s): %(codes)s.") % {"codes": ", ".join(unknown)},
                                          p.value_position)

    def _q(self, node, window: Window) -> Q:
        return condition_q(node, lambda p: self._predicate_q(p, window))

    def _predicate_q(self, p: Predicate, window: Window) -> Q:
        match = Q(**{f"{_FIELDS[p.name]}__in": [str(v) for v in p.values]})
        return (~match if p.op in ("!=", "not_in") else match) & self._when(p.when, window)

    @staticmethod
    def _when(when, window: Window) -> Q:
        return day_dated_q("day", when, window)

    def _rows(self, indicator: Indicator, window: Window, under: str):
        rows = PublicityActivity.objects.filter(unit_path__under=under) if under else PublicityActivity.objects.all()
        # every predicate carries its own time sense; with none, activities up to the cut-off
        q = self._q(indicator.condition, window) if indicator.condition is not None else self._when(When(), window)
        return rows.filter(q)

    def counts(self, indicator: Indicator, *, window: Window, under: str) -> dict[str, int]:
        aggregate = Sum("quantity") if indicator.aggregate == "sum" else Count("id")
        out = {}
        for path, value in self._rows(indicator, window, under).values_list("unit_path").annotate(n=aggregate):
            out[path] = int(value) if value == int(value) else float(value)
        return out

    def members(self, indicator: Indicator, *, window: Window, under: str) -> list[int]:
        return list(self._rows(indicator, window, under).order_by("day", "id").values_list("id", flat=True))

    def members_by_path(self, indicator: Indicator, *, window: Window, under: str) -> dict[str, list[int]]:
        return by_path(self._rows(indicator, window, under).order_by().values_list("unit_path", "id"))

    def members_rows(self, ids, *, user) -> dict[int, dict]:
        from django.urls import reverse

        from accounts.access import scope_for
        from accounts.roles import REPORTS_VIEW

        scope = scope_for(user, REPORTS_VIEW)
        return {a.pk: {"label": f"{a.get_kind_display()} {a.quantity.normalize():f}",
                       "url": reverse("legal:activities") + f"?unit={a.unit.code}",
                       "detail": " · ".join(x for x in (a.day.isoformat(), a.unit.name, a.place) if x)}
                for a in PublicityActivity.objects.filter(pk__in=ids).select_related("unit")
                if scope.covers(a.unit_path)}
