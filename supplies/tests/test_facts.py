"""The ledger in the report engine: stock at the cut-off and movements of the period, per unit."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.utils import timezone

from reports.engine import expression_check, indicator_counts
from reports.expressions import ExpressionError
from reports.facts import Window
from supplies import services
from supplies.tests.conftest import DAY


def _window(day: dt.date) -> Window:
    start = timezone.make_aware(dt.datetime.combine(day, dt.time()))
    return Window(cutoff=start + dt.timedelta(days=1), period_start=start)


def test_stock_and_movements_per_unit(cast, depot, gift):
    gift(lines=[(depot.n95, D("1000"))], day=DAY - dt.timedelta(days=1))
    services.distribution_post(source=depot.warehouse, target=depot.store_a, lines=[(depot.n95, "300")],
                               occurred_on=DAY, by=None)
    stock = indicator_counts("sum quantity of supplies where item = mask-n95 and place in (warehouse, community)",
                             window=_window(DAY), under=cast.street.path)
    assert stock == {cast.street.path: 700, cast.community_a.path: 300}
    received = indicator_counts("sum quantity of supplies where kind = distribution started in period and "
                                "direction = arriving", window=_window(DAY), under=cast.street.path)
    assert received == {cast.community_a.path: 300}
    before = indicator_counts("sum quantity of supplies where place = community",
                              window=_window(DAY - dt.timedelta(days=1)), under=cast.street.path)
    assert before == {}


def test_unknown_names_are_explained(db):
    with pytest.raises(ExpressionError):
        expression_check("sum quantity of supplies where colour = red")
    with pytest.raises(ExpressionError):
        expression_check("sum weight of supplies")
    expression_check("count supplies where item = mask-n95 and direction = leaving")
