"""Checks 4–5, where goods went and when: directed gifts used where they were directed, nothing given out
before it was booked."""

import datetime as dt
from decimal import Decimal
from functools import reduce
from operator import or_

from django.db import connection
from django.db.models import Case, CharField, F, Q, Sum, When, Window
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.access import Scope
from core.replicas import read_connection
from supplies.checks.base import TOLERANCE, Finding, K, Params, check, item_label, live
from supplies.models import DESTINATION_KINDS, NEGATIVE_ALLOWED, VoucherLine
from supplies.selectors import Total
from supplies.services.common import number_text

# -- 4. directed donations used elsewhere -------------------------------------------------------------------

@check(4, gettext_lazy("Directed donations used elsewhere"),
       gettext_lazy("Directed gifts delivered, or spent on purchases, outside the unit they were directed to."))
def directed_elsewhere(scope: Scope, start: dt.date, end: dt.date, params: Params) -> list[Finding]:
    """Goods or money of a directed gift (定向捐赠) that reached a unit outside its direction: delivered
    there, or spent on a purchase for a request from there."""
    dest = Case(When(location__kind=K.SUPPLIERS, voucher__request__isnull=False,
                     then=F("voucher__request__unit_path")), default=F("unit_path"), output_field=CharField())
    rows = (live(VoucherLine.objects.filter(scope.q(), occurred_on__gte=start, occurred_on__lte=end,
                                            donation__directed=True, quantity__gt=0,
                                            location__kind__in=list(DESTINATION_KINDS) + [K.SUPPLIERS]))
            .annotate(dest=dest).exclude(dest__startswith=F("donation__direction_unit__path"))
            .values("voucher", "occurred_on", "donation", "donation__direction_unit__name", "location__name",
                    "item__name", "item__spec", "item__unit")
            .annotate(total=Total()).order_by("occurred_on", "voucher"))
    return [Finding("directed_elsewhere", [r["voucher"]],
                    _("%(quantity)s %(unit)s directed to %(direction)s went to %(place)s.")
                    % {"quantity": number_text(r["total"]), "unit": r["item__unit"],
                       "direction": r["donation__direction_unit__name"], "place": r["location__name"]},
                    day=r["occurred_on"], donation_id=r["donation"], location=r["location__name"],
                    item=item_label(r), amount=r["total"]) for r in rows]


# -- 5. distributed before booked -----------------------------------------------------------------------------

@check(5, gettext_lazy("Distributed before booked"),
       gettext_lazy("Goods given out on a date before they were booked as received at that place."))
def distributed_before_booked(scope: Scope, start: dt.date, end: dt.date, params: Params) -> list[Finding]:
    """Goods given out on a date before they were booked as received there: the location's balance, in
    date order (what arrives on a day counted before what leaves), falls below zero.

    Within a day the balance rises through the arrivals and then only falls, so it is lowest at the day's
    end: the running balance of each place and item is first taken day by day (one GROUP BY, a window over
    the days), and only the places and items whose balance ends a day in the range below zero have their
    lines replayed one by one."""
    lines = VoucherLine.objects.filter(occurred_on__lte=end).exclude(location__kind__in=NEGATIVE_ALLOWED)
    # The place's path is the line's (copied when posted): filtered there, the days are summed from
    # line_card_idx alone (it carries the quantity), in its order.
    daily = (lines.filter(scope.q("location__unit_path"))
             .values(b_location=F("location_id"), b_item=F("item_id"), b_day=F("occurred_on"))
             .annotate(b_net=Sum("quantity")).order_by())
    sql, params = daily.query.sql_with_params()
    with read_connection().cursor() as cursor:
        cursor.execute(f"""SELECT DISTINCT b_location, b_item FROM (
                               SELECT b_location, b_item, b_day,
                                      SUM(b_net) OVER (PARTITION BY b_location, b_item ORDER BY b_day) AS b_running
                               FROM ({sql}) daily) balances
                           WHERE b_running < %s AND b_day >= %s""",
                       [*params, float(-TOLERANCE), connection.ops.adapt_datefield_value(start)])
        negative = cursor.fetchall()
    if not negative:
        return []
    running = Window(Sum("quantity"), partition_by=[F("location_id"), F("item_id")],
                     order_by=[F("occurred_on").asc(), F("quantity").desc(), F("id").asc()])
    if len(negative) <= 200:
        places = reduce(or_, (Q(location_id=loc, item_id=item) for loc, item in negative))
    else:  # whole places and items (their lines still complete): SQLite refuses an OR a thousand deep
        places = Q(location_id__in={loc for loc, _item in negative}, item_id__in={i for _loc, i in negative})
    rows = (lines.filter(scope.q(), places).annotate(running=running).filter(running__lt=-TOLERANCE)
            .values("voucher", "occurred_on", "quantity", "running", "location__name", "item__name", "item__spec",
                    "item__unit"))
    out = []
    for r in sorted(rows, key=lambda r: (r["occurred_on"], r["voucher"])):
        if r["quantity"] >= 0 or r["occurred_on"] < start:
            continue
        out.append(Finding("distributed_before_booked", [r["voucher"]],
                           _("%(place)s gave out %(quantity)s %(unit)s on %(day)s before they were booked there "
                             "(balance %(balance)s).")
                           % {"place": r["location__name"], "quantity": number_text(-r["quantity"]), "unit": r["item__unit"],
                              "day": r["occurred_on"].isoformat(),
                              "balance": number_text(Decimal(str(r["running"])).quantize(Decimal("0.001")))},
                           day=r["occurred_on"], location=r["location__name"],
                           item=item_label(r), amount=-r["quantity"]))
    return out
