"""The supplies ledger as a fact source for the report engine: "sum quantity of supplies where …".

    kind       receipt, purchase, transfer, distribution, consumption, adjustment, reversal (the voucher's)
    item       an item's code, e.g. mask-n95, cny (money)
    place      warehouse, account, community, enterprise, hospital, transit, donors, suppliers, consumed, lost
    direction  arriving (at the place) or leaving (it)

Every line is counted under the unit of its location. A line is dated by its day: with no time sense (or
"now", "ever") the lines up to the cut-off count — so "sum quantity of supplies where item = mask-n95 and
place = warehouse" is the stock in the warehouses at the cut-off — and "started in period" keeps the lines
of the reporting period: "sum quantity of supplies where kind = distribution started in period and
direction = arriving and place = community" is what the communities received that day.
"""

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reports.expressions import ExpressionError, Indicator, Predicate, When, predicates_of
from reports.facts import FactSource, Window, by_path, condition_q, day_dated_q
from supplies.models import Item, Location, Voucher, VoucherLine

_VALUES = {"kind": set(Voucher.Kind.values), "place": set(Location.Kind.values), "direction": {"arriving", "leaving"}}


class SuppliesSource(FactSource):
    name = "supplies"
    vocabulary = {"kind": "receipt, purchase, transfer, distribution, consumption, adjustment, reversal",
                  "item": "an item's code, e.g. mask-n95; cny is money",
                  "place": "warehouse, account, community, enterprise, hospital, transit, donors, suppliers, "
                           "consumed, lost",
                  "direction": "arriving at the place, or leaving it"}
    measures = {"quantity": "pieces of goods or yuan of money (arriving positive, leaving negative)",
                "value": "yuan paid for the goods (purchases)"}
    dated = True
    labels = {"__items__": gettext_lazy("ledger lines"), "kind": gettext_lazy("the voucher kind"),
              "item": gettext_lazy("the item"), "place": gettext_lazy("the kind of place"),
              "direction": gettext_lazy("the direction"), "quantity": gettext_lazy("quantity"),
              "value": gettext_lazy("value in yuan")}

    def value_labels(self, name: str, values: list) -> list[str]:
        if name == "item":
            names = {i.code: str(i) for i in Item.objects.filter(code__in=[str(v) for v in values])}
        else:
            names = {"kind": dict(Voucher.Kind.choices), "place": dict(Location.Kind.choices),
                     "direction": {"arriving": _("arriving at the place"), "leaving": _("leaving the place")}}[name]
        return [str(names.get(str(v), v)) for v in values]

    def check(self, indicator: Indicator) -> None:
        codes = set(Item.objects.values_list("code", flat=True))
        for p in predicates_of(indicator.condition):
            if p.name not in self.vocabulary:
                raise ExpressionError(_("Unknown field %(n)s; %(source)s have: %(known)s.")
                                      % {"n": p.name, "source": self.name, "known": ", ".join(self.vocabulary)},
                                      p.position)
            if p.op not in ("=", "!=", "in", "not_in"):
                raise ExpressionError(_("%(n)s is compared with =, != or in.") % {"n": p.name}, p.position)
            known = codes if p.name == "item" else _VALUES[p.name]
            unknown = [str(v) for v in p.values if str(v) not in known]
            if unknown:
                raise ExpressionError(_("Unknown code(s): %(codes)s.") % {"codes": ", ".join(unknown)},
                                      p.value_position)

    @staticmethod
    def _match(p: Predicate) -> Q:
        values = [str(v) for v in p.values]
        if p.name == "direction":
            q = Q(pk__in=[])
            if "arriving" in values:
                q |= Q(quantity__gt=0)
            if "leaving" in values:
                q |= Q(quantity__lt=0)
        elif p.name == "item":
            q = Q(item__code__in=values)
        elif p.name == "place":
            q = Q(location__kind__in=values)
        else:
            q = Q(kind__in=values)
        return ~q if p.op in ("!=", "not_in") else q

    @staticmethod
    def _when(when, window: Window) -> Q:
        return day_dated_q("occurred_on", when, window)

    def _q(self, node, window: Window) -> Q:
        return condition_q(node, lambda p: self._match(p) & self._when(p.when, window))

    def _rows(self, indicator: Indicator, window: Window, under: str):
        rows = VoucherLine.objects.filter(unit_path__under=under) if under else VoucherLine.objects.all()
        q = self._q(indicator.condition, window) if indicator.condition is not None else self._when(When(), window)
        return rows.filter(q)

    def counts(self, indicator: Indicator, *, window: Window, under: str) -> dict[str, int]:
        aggregate = Sum(indicator.measure) if indicator.aggregate == "sum" else Count("id")
        out = {}
        for path, value in self._rows(indicator, window, under).values_list("unit_path").annotate(n=aggregate):
            value = round(value, 3)
            out[path] = int(value) if value == int(value) else float(value)
        return out

    def members(self, indicator: Indicator, *, window: Window, under: str) -> list[int]:
        return list(self._rows(indicator, window, under).order_by("occurred_on", "id").values_list("id", flat=True))

    def members_by_path(self, indicator: Indicator, *, window: Window, under: str) -> dict[str, list[int]]:
        return by_path(self._rows(indicator, window, under).order_by().values_list("unit_path", "id"))

    def members_rows(self, ids, *, user) -> dict[int, dict]:
        from django.urls import reverse

        from accounts.access import scope_for
        from accounts.roles import SUPPLIES_VIEW

        scope = scope_for(user, SUPPLIES_VIEW)
        lines = VoucherLine.objects.filter(pk__in=ids[:5000]).select_related("location", "item", "voucher")
        return {line.pk: {"label": f"{line.item} {line.quantity.normalize():f} {line.item.unit}",
                          "url": reverse("supplies:voucher", args=[line.voucher_id]),
                          "detail": f"{line.occurred_on:%Y-%m-%d} · {line.location.name} · "
                                    f"{line.voucher.get_kind_display()} {line.voucher.number}"}
                for line in lines if scope.covers(line.unit_path)}
