"""The line list as a fact source for the report engine: "count people where …".

Names an indicator may use:
    category   a category code held (episode), e.g. category in (hubei, wuhan)
    status     a management status code (episode), e.g. status = home_quarantine
    sex        M / F / U
    age        whole years at the cut-off
    doc_type   resident_id, passport, hk_macao, taiwan, other
    custom.<key>  an additional field's value

Category and status predicates take a time sense (now, started in period, ended in period,
started since DATE, ever). A count is grouped by the unit the person belonged to at that time: the
unit path of the first positive category/status predicate of a top-level "and" (episodes carry the
unit path they were held under), or the person's current unit when there is none.
"""

import datetime as dt

from django.db import connection
from django.db.models import Count, Exists, F, Func, OuterRef, Q
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, gettext_noop
from django.utils.translation import gettext as _

from core.clock import day_start
from core.db import is_sqlite
from core.fields import PathField
from core.reads_at_once import rows_at_once
from persons.fact_totals import Shared, group_tally, positionless
from persons.models import (
    Category,
    CategoryEpisode,
    CustomField,
    ManagementStatus,
    Person,
    PersonMerge,
    StatusEpisode,
)
from persons.words import CATEGORY_GROUPS, CATEGORY_WORDS, MANAGED_WORDS, STATUS_WORDS
from reports.definitions import memo
from reports.expressions import And, ExpressionError, Indicator, Not, Predicate, predicates_of, values_check
from reports.facts import FactSource, Window, by_path

EPISODE_NAMES = {"category": (CategoryEpisode, Category, "category_id"),
                 "status": (StatusEpisode, ManagementStatus, "status_id")}
PERSON_FIELDS = {"sex": "sex", "doc_type": "doc_type"}
_OPS = {"=": "exact", "<": "lt", "<=": "lte", ">": "gt", ">=": "gte"}
MAX_AGE = 150
CUSTOM_KINDS = {CustomField.Type.NUMBER: "number", CustomField.Type.DATE: "date", CustomField.Type.BOOLEAN: "yes_no"}
PERSON_FIELD_VALUES = {"sex": Person.Sex.values, "doc_type": Person.DocType.values}


def _typed_values(p: Predicate, custom_types: dict[str, str]) -> tuple:
    """The values of an age, sex, doc_type or custom.<key> predicate as its field holds them (an additional
    field's date as ISO text), or ExpressionError at the first value the field cannot hold."""
    if p.name == "age":
        return values_check(p, "whole", low=0, high=MAX_AGE)
    if p.name in PERSON_FIELD_VALUES:
        values = values_check(p, "text")
        known = PERSON_FIELD_VALUES[p.name]
        for i, value in enumerate(values):
            if value not in known:
                raise ExpressionError(_("Unknown value(s): %(v)s; known: %(known)s.")
                                      % {"v": value, "known": ", ".join(known)}, p.value_positions[i])
        return values
    values = values_check(p, CUSTOM_KINDS.get(custom_types.get(p.name[7:]), "text"))
    return tuple(v.isoformat() if isinstance(v, dt.date) else v for v in values)


def _codes_to_ids(model, values, position) -> list[int]:
    known = memo((model._meta.label, "ids"), lambda: dict(model.objects.values_list("code", "id")))  # a few rows
    ids = {str(v): known[str(v)] for v in values if str(v) in known}
    unknown = [str(v) for v in values if str(v) not in ids]
    if unknown:
        raise ExpressionError(_("Unknown code(s): %(codes)s.") % {"codes": ", ".join(unknown)}, position)
    return list(ids.values())


def _time_q(when, window: Window) -> Q:
    cutoff, start = window.cutoff, window.period_start
    if when.kind == "now":
        return Q(start__lte=cutoff) & (Q(end__isnull=True) | Q(end__gt=cutoff))
    if when.kind == "started_in_period":
        return Q(start__gte=start, start__lt=cutoff, continued=False)
    if when.kind == "ended_in_period":
        return Q(end__gte=start, end__lt=cutoff)
    if when.kind == "started_since":
        since = day_start(when.since)
        return Q(start__gte=since, start__lt=cutoff, continued=False)
    return Q(start__lt=cutoff)  # ever


# SQLite keeps no per-value statistics (its stock build has no STAT4): it takes every category to hold an
# average share of the episodes and any subtree to be small. So over a city it walks all the city's episodes
# even for a category a few dozen people hold, and probes the status of each of a common category's
# thousands of holders one by one. Bounded index-only counts (the anchor's episodes, the subtree's) tell
# which case it is: a rare anchor is read through its own index (a unary + keeps the planner off the path
# index); a common anchor over a large subtree checks its other predicates against IN-lists read once from
# their indexes. PostgreSQL's statistics let its planner make both choices itself.
RARE = 8  # the anchor holds fewer episodes than an eighth of the subtree's
COMMON = 4  # the anchor, and the subtree, hold a quarter of all the episodes or more


def _subtree_plan(*, model, id_field: str, ids: list[int], when, window: Window, under: str) -> tuple[bool, bool]:
    """(walk the subtree `under` by its path index, check the other episode predicates as IN-lists)."""
    if not is_sqlite():
        return True, False
    table, kind = connection.ops.quote_name(model._meta.db_table), connection.ops.quote_name(id_field)
    # The anchor's bounds on the start alone, which its index on (kind, start, end) answers without the table.
    since = window.period_start if when.kind == "started_in_period" else (
        day_start(when.since) if when.kind == "started_since" else None)
    anchored = f"{kind} IN ({', '.join(str(int(i)) for i in ids)}) AND start {'<=' if when.kind == 'now' else '<'} %s"
    anchored_params = [connection.ops.adapt_datetimefield_value(window.cutoff)]
    if since is not None:
        anchored += " AND start >= %s"
        anchored_params.append(connection.ops.adapt_datetimefield_value(since))
    # A path ends with "/": its subtree is the range [path, path with "0", the next character, at the end).
    subtree, subtree_params = ("unit_path >= %s AND unit_path < %s", [under, under[:-1] + "0"]) if under else ("1", [])
    with connection.cursor() as cursor:
        def count(where: str, params: list, limit: int) -> int:
            cursor.execute(f"SELECT COUNT(*) FROM (SELECT 1 FROM {table} WHERE {where} LIMIT {int(limit)})", params)
            return cursor.fetchone()[0]

        cursor.execute(f"SELECT COUNT(*) FROM {table}")
        total = cursor.fetchone()[0]
        quarter = total // COMMON + 1
        anchor_rows = count(anchored, anchored_params, quarter)
        if anchor_rows < quarter:
            bound = anchor_rows * RARE + 1
            return bound > total or count(subtree, subtree_params, bound) < bound, False
        return True, count(subtree, subtree_params, quarter) == quarter


class PeopleSource(FactSource):
    name = "people"
    unit_zh = "人"
    vocabulary = {
        "category": "category code held, e.g. category in (hubei, wuhan)",
        "status": "management status, e.g. status = home_quarantine",
        "sex": "M, F or U",
        "age": "whole years at the cut-off",
        "doc_type": "resident_id, passport, hk_macao, taiwan, other",
        "custom.<key>": "an additional field",
    }

    def value_choices(self, name: str) -> list[tuple[str, str]]:
        """The active categories, the statuses, or (custom) the additional fields, by code with their names."""
        if name == "category":
            return [(c.code, c.name) for c in Category.objects.filter(active=True)]
        if name == "status":
            return [(s.code, s.name) for s in ManagementStatus.objects.all()]
        if name == "custom":  # the additional fields, by key
            return list(CustomField.objects.filter(active=True).order_by("order", "key").values_list("key", "label"))
        return []

    def value_words(self) -> dict[str, list[tuple[str, tuple[str, ...]]]]:
        """Categories and statuses by their names, their names without 人员/病例/者, and persons.words."""
        categories = []
        for code, zh in Category.objects.filter(active=True).values_list("code", "name_zh"):
            short = {zh.removesuffix(end) for end in ("人员", "病例", "者")}
            categories += [(word, (code,)) for word in sorted({zh, *short, *CATEGORY_WORDS.get(code, [])})]
        categories += [(word, tuple(codes)) for word, codes in CATEGORY_GROUPS.items()]
        statuses, managed = [], []
        for code, zh, release in ManagementStatus.objects.values_list("code", "name_zh", "is_release"):
            statuses += [(word, (code,)) for word in sorted({zh, *STATUS_WORDS.get(code, [])})]
            if not release:
                managed.append(code)
        statuses += [(word, tuple(managed)) for word in MANAGED_WORDS]
        return {"category": categories, "status": statuses}

    def check(self, indicator: Indicator) -> None:
        types = dict(CustomField.objects.values_list("key", "type"))
        for p in predicates_of(indicator.condition):
            if p.name in EPISODE_NAMES:
                if p.op not in ("=", "!=", "in", "not_in"):
                    raise ExpressionError(_("%(n)s is compared with =, != or in.") % {"n": p.name}, p.position)
                _codes_to_ids(EPISODE_NAMES[p.name][1], p.values, p.value_position)
            elif p.name in PERSON_FIELDS or p.name == "age":
                if p.when.kind != "now":
                    raise ExpressionError(_("Only categories and statuses take a time such as “started in period”."),
                                          p.position)
                _typed_values(p, types)
            elif p.name.startswith("custom."):
                if p.name[7:] not in types:
                    raise ExpressionError(_("No additional field has the key %(k)s.") % {"k": p.name[7:]}, p.position)
                if p.when.kind != "now":
                    raise ExpressionError(_("Only categories and statuses take a time such as “started in period”."),
                                          p.position)
                _typed_values(p, types)
            else:
                raise ExpressionError(_("Unknown field %(n)s; people have: %(known)s.")
                                      % {"n": p.name, "known": ", ".join(self.vocabulary)}, p.position)

    # -- compiling -----------------------------------------------------------------------------------

    def _predicate_q(self, p: Predicate, window: Window, person_prefix: str, person_ref: str,
                     lists: bool = False) -> Q:
        if p.name in EPISODE_NAMES:
            model, ref_model, id_field = EPISODE_NAMES[p.name]
            ids = _codes_to_ids(ref_model, p.values, p.value_position)
            held = model.objects.filter(_time_q(p.when, window), **{f"{id_field}__in": ids})
            if lists and p.op in ("=", "in"):  # the same rows as the EXISTS below: person ids are never null
                return Q(**{f"{person_ref}__in": held.values("person_id")})
            exists = Q(Exists(held.filter(person_id=OuterRef(person_ref))))
            return ~exists if p.op in ("!=", "not_in") else exists
        if p.name == "age":
            day = timezone.localtime(window.cutoff).date()
            field = f"{person_prefix}birth_date"

            def aged(op: str, years: int) -> Q:
                born_by = _years_before(day, years)  # age >= n  <=>  born on or before this day
                ops = {">=": Q(**{f"{field}__lte": born_by}), "<": Q(**{f"{field}__gt": born_by}),
                       ">": Q(**{f"{field}__lte": _years_before(day, years + 1)}),
                       "<=": Q(**{f"{field}__gt": _years_before(day, years + 1)}),
                       "=": Q(**{f"{field}__lte": born_by, f"{field}__gt": _years_before(day, years + 1)})}
                return ~ops["="] if op == "!=" else ops[op]

            years = _typed_values(p, {})
            if p.op in ("in", "not_in"):
                q = Q(pk__in=[])
                for n in years:
                    q |= aged("=", n)
                return ~q if p.op == "not_in" else q
            return aged(p.op, years[0])
        custom_types = {} if p.name in PERSON_FIELDS else dict(
            CustomField.objects.filter(key=p.name[7:]).values_list("key", "type"))
        values = list(_typed_values(p, custom_types))
        field = f"{person_prefix}{PERSON_FIELDS.get(p.name) or 'custom__' + p.name[7:]}"
        if p.op in ("in", "not_in"):
            q = Q(**{f"{field}__in": values})
            return ~q if p.op == "not_in" else q
        if p.op == "!=":
            return ~Q(**{field: values[0]})
        return Q(**{f"{field}__{_OPS[p.op]}": values[0]})

    def _q(self, node, window, person_prefix, person_ref, skip=None, lists: bool = False) -> Q:
        if node is None or node is skip:
            return Q()
        if isinstance(node, Predicate):
            return self._predicate_q(node, window, person_prefix, person_ref, lists)
        if isinstance(node, Not):  # NOT EXISTS, not NOT IN: SQLite is slower with the list there
            return ~self._q(node.part, window, person_prefix, person_ref)
        parts = [self._q(part, window, person_prefix, person_ref, skip, lists) for part in node.parts
                 if part is not skip]
        q = Q()
        for part in parts:
            q = (q & part) if isinstance(node, And) else (q | part)
        return q

    def _anchor(self, condition) -> Predicate | None:
        candidates = [condition] if isinstance(condition, Predicate) else (
            list(condition.parts) if isinstance(condition, And) else [])
        for c in candidates:
            if isinstance(c, Predicate) and c.name in EPISODE_NAMES and c.op in ("=", "in"):
                return c
        return None

    def _base(self, indicator: Indicator, window: Window, under: str):
        """(queryset, person id field, path field): the rows to count, each with its unit path."""
        condition = indicator.condition
        anchor = self._anchor(condition)
        if anchor is None:
            qs = Person.objects.filter(unit_path__under=under).filter(self._q(condition, window, "", "pk"))
            return qs, "id", "unit_path"
        model, ref_model, id_field = EPISODE_NAMES[anchor.name]
        ids = _codes_to_ids(ref_model, anchor.values, anchor.value_position)
        path_index, lists = _subtree_plan(model=model, id_field=id_field, ids=ids, when=anchor.when, window=window,
                                          under=under)
        qs = model.objects.filter(_time_q(anchor.when, window), **{f"{id_field}__in": ids})
        if path_index:
            qs = qs.filter(unit_path__under=under)
        else:
            unindexed = Func(F("unit_path"), template="+%(expressions)s", output_field=PathField())
            qs = qs.alias(path_unindexed=unindexed).filter(path_unindexed__under=under)
        qs = qs.filter(self._q(condition, window, "person__", "person_id", skip=anchor, lists=lists))
        return qs, "person_id", "unit_path"

    def counts(self, indicator: Indicator, *, window: Window, under: str) -> dict[str, int]:
        qs, person_field, path_field = self._base(indicator, window, under)
        rows = qs.order_by().values(path_field).annotate(n=Count(person_field, distinct=True))
        return dict(rows.values_list(path_field, "n"))

    def _shared(self, indicators: list[Indicator], *, window: Window, under: str) -> list[Shared]:
        """The indicators anchored on the same kind of episode held in the same time sense (category … now,
        category … started in period), two or more a group: the same rows and conditions as `counts`."""
        groups: dict[tuple, list[int]] = {}
        anchors = [self._anchor(i.condition) for i in indicators]
        for n, anchor in enumerate(anchors):
            if anchor is not None:
                groups.setdefault((anchor.name, anchor.when), []).append(n)
        shared = []
        for (name, when), positions in groups.items():
            if len(positions) < 2:
                continue
            model, ref_model, id_field = EPISODE_NAMES[name]
            ids = {n: _codes_to_ids(ref_model, anchors[n].values, anchors[n].value_position) for n in positions}
            rest = {n: self._q(indicators[n].condition, window, "person__", "person_id", skip=anchors[n], lists=True)
                    for n in positions}
            rows = model.objects.filter(_time_q(when, window), unit_path__under=under,
                                        **{f"{id_field}__in": sorted({i for v in ids.values() for i in v})})
            shared.append(Shared(positions, rows.order_by(), id_field, ids, rest,
                                  {n: positionless(indicators[n].condition, skip=anchors[n]) for n in positions}))
        return shared

    def counts_many(self, indicators: list[Indicator], *, window: Window, under: str) -> list[dict[str, int]]:
        """Indicators sharing an anchor (_shared) are counted in one GROUP BY over its episodes, a conditional
        count each; the others one by one."""
        out: dict[int, dict[str, int]] = {}
        for group in self._shared(indicators, window=window, under=under):
            counted = group.rows.values("unit_path").annotate(
                **{f"n{n}": Count("person_id", distinct=True, filter=Q(**{f"{group.id_field}__in": group.ids[n]})
                                  & group.rest[n]) for n in group.positions})
            out.update({n: {} for n in group.positions})
            for row in counted:
                for n in group.positions:
                    if row[f"n{n}"]:
                        out[n][row["unit_path"]] = row[f"n{n}"]
        return [out[n] if n in out else self.counts(indicator, window=window, under=under)
                for n, indicator in enumerate(indicators)]

    def totals_many(self, indicators: list[Indicator], *, window: Window, under: str) -> list[int]:
        """Each indicator's total over the subtree, the sum of its counts per unit path: a person counts once
        under each unit path their counted episodes carry. Indicators sharing an anchor (_shared) are totalled in
        one query (persons.fact_totals); the others summed from their counts."""
        out: dict[int, int] = {}
        tallies = [group_tally(group) for group in self._shared(indicators, window=window, under=under)]
        for tally, rows in zip(tallies, rows_at_once([t.statement for t in tallies]), strict=True):
            out.update(tally.totals(rows))
        return [out[n] if n in out else sum(self.counts(indicator, window=window, under=under).values())
                for n, indicator in enumerate(indicators)]

    def members(self, indicator: Indicator, *, window: Window, under: str) -> list[int]:
        qs, person_field, _path = self._base(indicator, window, under)
        return list(qs.order_by().values_list(person_field, flat=True).distinct())

    def members_by_path(self, indicator: Indicator, *, window: Window, under: str) -> dict[str, list[int]]:
        qs, person_field, path_field = self._base(indicator, window, under)
        return by_path(qs.order_by().values_list(path_field, person_field).distinct())


    def members_rows(self, ids, *, user) -> dict[int, dict]:
        from persons.access_log import people_viewed_record
        from persons.disclosure import FULL, Disclosure

        disclosure = Disclosure(user)
        rows, shown_full = {}, []
        for p in Person.objects.filter(pk__in=ids).select_related("grid"):
            shown = disclosure.show(p)
            if not shown.in_scope:
                continue
            full = shown.level == FULL
            if full:
                shown_full.append(p)
            rows[p.pk] = {"label": shown.name, "url": shown.url,
                          "detail": " · ".join(x for x in (p.doc_number if full else shown.doc_number,
                                                           p.phone if full else shown.phone, shown.grid_name) if x)}
        # Unmasked documents and phones are a view of personal data: audited, with the people shown.
        people_viewed_record(user=user, people=shown_full, object_repr=gettext_noop("people behind a report figure"))
        return rows

    def members_open(self, ids, *, user) -> list[int]:
        from persons.disclosure import Disclosure

        return Disclosure(user).ids_open(ids)

    def changes_explain(self, *, entered, left, since, until) -> dict[int, str]:
        """Reasons: a new registration, a merge, a release, or another change of category or status."""
        reasons: dict[int, str] = {}
        created = set(Person.objects.filter(pk__in=entered, created_at__gte=since, created_at__lt=until)
                      .values_list("pk", flat=True))
        merged_into = set(PersonMerge.objects.filter(kept_id__in=entered, at__gte=since, at__lt=until)
                          .values_list("kept_id", flat=True))
        merged_away = set(PersonMerge.objects.filter(dropped_id__in=left).values_list("dropped_id", flat=True))
        released = set(StatusEpisode.objects.filter(person_id__in=left, status__is_release=True, start__gte=since,
                                                    start__lt=until).values_list("person_id", flat=True))
        for pid in entered:
            reasons[pid] = (_("new registration") if pid in created else _("merge") if pid in merged_into
                            else _("category or status change"))
        for pid in left:
            reasons[pid] = (_("merge") if pid in merged_away else _("release") if pid in released
                            else _("category or status change"))
        return reasons

    # -- the definition in words (reports.definitions) --------------------------------------------------

    view_permission = "persons.view"
    labels = {"__items__": gettext_lazy("people"), "category": gettext_lazy("the category"),
              "status": gettext_lazy("the management status"), "sex": gettext_lazy("sex"),
              "age": gettext_lazy("the age in years"), "doc_type": gettext_lazy("document type")}

    def count_label(self) -> str:
        return _("number of people")

    def field_label(self, name: str) -> str:
        if name.startswith("custom."):
            field = _custom_fields().get(name[7:])
            return field.display_label if field else name[7:]
        return super().field_label(name)

    def value_labels(self, name: str, values: list) -> list[str]:
        if name in EPISODE_NAMES:
            model = EPISODE_NAMES[name][1]
            names = memo(("people", name, get_language()), lambda: {row.code: row.name for row in model.objects.all()})
            return [names.get(str(v), str(v)) for v in values]
        choices = {"sex": dict(Person.Sex.choices), "doc_type": dict(Person.DocType.choices)}.get(name)
        if choices:
            return [str(choices.get(str(v), v)) for v in values]
        field = _custom_fields().get(name[7:]) if name.startswith("custom.") else None
        if field is not None and field.type == CustomField.Type.BOOLEAN:
            return [str(_("yes") if str(v).lower() in ("yes", "true", "1", "是") else _("no")) for v in values]
        return super().value_labels(name, values)

    def comparison_text(self, name: str, op: str, field: str, values: str) -> str:
        # Not holding a status includes holding none; a category is one of several a person may hold.
        if name == "status" and op in ("!=", "not_in"):
            return _("%(field)s is not %(values)s (having none counts too)") % {"field": field, "values": values}
        if name == "category" and op in ("!=", "not_in"):
            return _("%(field)s held is not %(values)s") % {"field": field, "values": values}
        return super().comparison_text(name, op, field, values)


def _custom_fields() -> dict[str, CustomField]:
    return memo(("people", "custom"), lambda: {f.key: f for f in CustomField.objects.all()})


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


