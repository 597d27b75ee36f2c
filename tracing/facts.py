"""Tracing as fact sources for the report engine (reports.facts): "count cases where …" and
"count communities where …".

cases        a case per person, grouped by the case's unit.
    classification   suspected, confirmed, asymptomatic, excluded — from the classification history:
                     now (held at the cut-off, the default), started in period (classified so in the
                     period), started since DATE, ever (held at some time before the cut-off)
    outcome          "" (under treatment), recovered, died, transferred — at the cut-off
communities  the communities where cases stayed (places visited), each counted once, grouped by the
             community's own path.
    classification   the classification of the people who stayed, as it was at the cut-off; its time
                     sense is about the stay: now (the default) — a stay overlapping the reporting period
                     (the day, for a daily form); started in period — a stay that began in it; started
                     since DATE — overlapping [DATE, cut-off); ever — any stay before the cut-off.

    count communities where classification = confirmed      -- 涉及小区数: where confirmed cases stayed that day
"""

import datetime as dt

from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.clock import day_start
from reports.expressions import ExpressionError, Indicator, Predicate, predicates_of
from reports.facts import FactSource, Window, by_path, condition_q
from tracing.models import Case, CaseClassification, Visit

CLASSIFICATIONS = set(Case.Classification.values)
OUTCOMES = set(Case.Outcome.values)


def _values_check(p: Predicate, known: set[str]) -> None:
    unknown = [str(v) for v in p.values if str(v) not in known]
    if unknown:
        raise ExpressionError(_("Unknown value(s): %(v)s; known: %(known)s.")
                              % {"v": ", ".join(unknown), "known": ", ".join(sorted(k for k in known if k))},
                              p.value_position)


def _classification_at(person_ref: str, at: dt.datetime) -> Subquery:
    return Subquery(CaseClassification.objects.filter(case__person_id=OuterRef(person_ref), at__lte=at)
                    .order_by("-at", "-id").values("classification")[:1])


class CasesSource(FactSource):
    name = "cases"
    unit_zh = "例"
    vocabulary = {
        "classification": "suspected, confirmed, asymptomatic or excluded, from the history "
                          "(now, started in period, started since DATE, ever)",
        "outcome": "\"\" (under treatment), recovered, died, transferred",
    }

    def check(self, indicator: Indicator) -> None:
        for p in predicates_of(indicator.condition):
            if p.name not in self.vocabulary:
                raise ExpressionError(_("Unknown field %(n)s; cases have: %(known)s.")
                                      % {"n": p.name, "known": ", ".join(self.vocabulary)}, p.position)
            if p.op not in ("=", "!=", "in", "not_in"):
                raise ExpressionError(_("%(n)s is compared with =, != or in.") % {"n": p.name}, p.position)
            _values_check(p, CLASSIFICATIONS if p.name == "classification" else OUTCOMES)
            if p.when.kind == "ended_in_period" or (p.name == "outcome" and p.when.kind != "now"):
                raise ExpressionError(_("This time is not available for %(n)s.") % {"n": p.name}, p.position)

    def _predicate_q(self, p: Predicate, window: Window) -> Q:
        values = [str(v) for v in p.values]
        if p.name == "outcome":
            q = Q(outcome__in=values)
        elif p.when.kind == "now":
            q = Q(classification_then__in=values)
        else:
            rows = CaseClassification.objects.filter(case=OuterRef("pk"), classification__in=values,
                                                     at__lt=window.cutoff)
            if p.when.kind == "started_in_period":
                rows = rows.filter(at__gte=window.period_start)
            elif p.when.kind == "started_since":
                rows = rows.filter(at__gte=day_start(p.when.since))
            q = Q(Exists(rows))
        return ~q if p.op in ("!=", "not_in") else q

    def _q(self, node, window: Window) -> Q:
        return condition_q(node, lambda p: self._predicate_q(p, window))

    def _base(self, indicator: Indicator, window: Window, under: str):
        # Only cases classified by the cut-off exist then; "now" reads the classification held at it.
        existed = CaseClassification.objects.filter(case=OuterRef("pk"), at__lt=window.cutoff)
        return (Case.objects.filter(Exists(existed), unit_path__under=under)
                .alias(classification_then=_classification_at("person_id", window.cutoff))
                .filter(self._q(indicator.condition, window)))

    def counts(self, indicator: Indicator, *, window: Window, under: str) -> dict[str, int]:
        qs = self._base(indicator, window, under)
        return dict(qs.order_by().values("unit_path").annotate(n=Count("id")).values_list("unit_path", "n"))

    def counts_many(self, indicators: list[Indicator], *, window: Window, under: str) -> list[dict[str, int]]:
        """Indicators of one classification held at the cut-off (classification = X, or in (…)) are counted from one
        GROUP BY of the cases by unit and classification then (the rows `counts` reads); the others one by one."""
        simple = {n: {str(v) for v in i.condition.values} for n, i in enumerate(indicators)
                  if isinstance(i.condition, Predicate) and i.condition.name == "classification"
                  and i.condition.op in ("=", "in") and i.condition.when.kind == "now"}
        if len(simple) < 2:
            return super().counts_many(indicators, window=window, under=under)
        existed = CaseClassification.objects.filter(case=OuterRef("pk"), at__lt=window.cutoff)
        rows = (Case.objects.filter(Exists(existed), unit_path__under=under)
                .annotate(then=_classification_at("person_id", window.cutoff)).order_by()
                .values("unit_path", "then").annotate(n=Count("id")).values_list("unit_path", "then", "n"))
        rows = list(rows)
        out = []
        for n, indicator in enumerate(indicators):
            if n not in simple:
                out.append(self.counts(indicator, window=window, under=under))
                continue
            counts: dict[str, int] = {}
            for path, then, k in rows:
                if then in simple[n]:
                    counts[path] = counts.get(path, 0) + k
            out.append(counts)
        return out

    def members(self, indicator: Indicator, *, window: Window, under: str) -> list[int]:
        return list(self._base(indicator, window, under).order_by().values_list("pk", flat=True))

    def members_by_path(self, indicator: Indicator, *, window: Window, under: str) -> dict[str, list[int]]:
        return by_path(self._base(indicator, window, under).order_by().values_list("unit_path", "pk"))

    def members_rows(self, ids, *, user) -> dict[int, dict]:
        from accounts.roles import TRACING_VIEW
        from persons.disclosure import Disclosure

        disclosure = Disclosure(user, perm=TRACING_VIEW)  # a case carries its person's unit
        rows = {}
        for case in Case.objects.filter(pk__in=ids).select_related("person", "person__grid"):
            shown = disclosure.show(case.person)
            if shown.in_scope:
                rows[case.pk] = {"label": shown.name, "url": reverse("tracing:case_detail", args=[case.pk]),
                                 "detail": " · ".join(x for x in (case.get_classification_display(), case.label,
                                                                   shown.grid_name) if x)}
        return rows

    def members_open(self, ids, *, user) -> list[int]:
        from accounts.roles import TRACING_VIEW
        from persons.disclosure import Disclosure

        disclosure = Disclosure(user, perm=TRACING_VIEW)
        paths = dict(Case.objects.filter(pk__in=ids).values_list("pk", "unit_path"))
        return [i for i in ids if i in paths and disclosure.may_open(paths[i])]

    view_permission = "tracing.view"
    labels = {"__items__": gettext_lazy("cases"), "classification": gettext_lazy("the classification"),
              "outcome": gettext_lazy("the outcome")}

    def count_label(self) -> str:
        return _("number of cases")

    def value_labels(self, name: str, values: list) -> list[str]:
        names = dict(Case.Classification.choices if name == "classification" else Case.Outcome.choices)
        return [str(names.get(str(v), v)) for v in values]

    def changes_explain(self, *, entered, left, since, until) -> dict[int, str]:
        reclassified = set(CaseClassification.objects.filter(case_id__in=[*entered, *left], at__gte=since,
                                                             at__lt=until).values_list("case_id", flat=True))
        return {pk: (_("classification changed") if pk in reclassified else _("other change"))
                for pk in [*entered, *left]}


class CommunitiesSource(FactSource):
    name = "communities"
    unit_zh = "个"
    vocabulary = {
        "classification": "the classification (at the cut-off) of the people who stayed; the time is the "
                          "stay's: now = overlapping the period, started in period, started since DATE, ever",
    }

    def _predicate(self, indicator: Indicator) -> Predicate | None:
        condition = indicator.condition
        if condition is None:
            return None
        if not isinstance(condition, Predicate):
            position = predicates_of(condition)[0].position if predicates_of(condition) else 0
            raise ExpressionError(_("Communities are counted by one condition on classification, e.g. "
                                    "classification = confirmed."), position)
        return condition

    def check(self, indicator: Indicator) -> None:
        p = self._predicate(indicator)
        if p is None:
            return
        if p.name != "classification":
            raise ExpressionError(_("Unknown field %(n)s; communities have: %(known)s.")
                                  % {"n": p.name, "known": ", ".join(self.vocabulary)}, p.position)
        if p.op not in ("=", "in"):
            raise ExpressionError(_("%(n)s is compared with = or in.") % {"n": p.name}, p.position)
        _values_check(p, CLASSIFICATIONS)
        if p.when.kind == "ended_in_period":
            raise ExpressionError(_("This time is not available for %(n)s.") % {"n": p.name}, p.position)

    def _stays(self, indicator: Indicator, window: Window, under: str):
        p = self._predicate(indicator)
        values = [str(v) for v in p.values] if p else [c for c in CLASSIFICATIONS if c != "excluded"]
        kind = p.when.kind if p else "now"
        qs = Visit.objects.filter(community_path__under=under, start__lt=window.cutoff)
        if kind == "now":
            qs = qs.filter(end__gt=window.period_start)
        elif kind == "started_in_period":
            qs = qs.filter(start__gte=window.period_start)
        elif kind == "started_since":
            qs = qs.filter(end__gt=day_start(p.when.since))
        return qs.alias(classification_then=_classification_at("person_id", window.cutoff)).filter(
            classification_then__in=values)

    def counts(self, indicator: Indicator, *, window: Window, under: str) -> dict[str, int]:
        paths = self._stays(indicator, window, under).order_by().values_list("community_path", flat=True).distinct()
        return {path: 1 for path in paths}

    def members(self, indicator: Indicator, *, window: Window, under: str) -> list[int]:
        return list(self._stays(indicator, window, under).order_by().values_list("community_id", flat=True)
                    .distinct())

    def members_by_path(self, indicator: Indicator, *, window: Window, under: str) -> dict[str, list[int]]:
        return by_path(self._stays(indicator, window, under).order_by()
                       .values_list("community_path", "community_id").distinct())

    def members_rows(self, ids, *, user) -> dict[int, dict]:
        from accounts.access import scope_for
        from accounts.roles import TRACING_VIEW
        from orgunits.models import OrgUnit
        from orgunits.selectors import path_names

        scope = scope_for(user, TRACING_VIEW)
        units = [u for u in OrgUnit.objects.filter(pk__in=ids) if scope.covers(u.path)]
        names = path_names([u.path for u in units])
        return {u.pk: {"label": u.name, "url": reverse("tracing:stays") + f"?unit={u.code}",
                       "detail": names.get(u.path, "")} for u in units}

    view_permission = "tracing.view"

    def describe(self, indicator: Indicator) -> str:
        """The time sense of a community count is the stay's, the classification the one held at the cut-off."""
        from reports.definitions import day_text, values_or

        p = self._predicate(indicator)
        values = [str(v) for v in p.values] if p else [c for c in CLASSIFICATIONS if c != "excluded"]
        names = dict(Case.Classification.choices)
        who = values_or([str(names.get(v, v)) for v in values])
        kind = p.when.kind if p else "now"
        template = {"now": _("Number of communities where a person whose classification at the cut-off is "
                             "%(who)s stayed during the period"),
                    "started_in_period": _("Number of communities where a person whose classification at the "
                                           "cut-off is %(who)s began a stay during the period"),
                    "started_since": _("Number of communities where a person whose classification at the cut-off "
                                       "is %(who)s stayed on or after %(date)s"),
                    "ever": _("Number of communities where a person whose classification at the cut-off is "
                              "%(who)s stayed at some time up to the cut-off")}[kind]
        return template % {"who": who, "date": day_text(p.when.since) if p and p.when.since else ""}

    def changes_explain(self, *, entered, left, since, until) -> dict[int, str]:
        reasons = {pk: _("a case stayed here in the period") for pk in entered}
        reasons.update({pk: _("no case stayed here in the period") for pk in left})
        return reasons

