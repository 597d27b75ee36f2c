import datetime as dt

import pytest
from django.utils import timezone

from reports.models import Form
from reports.services import forms_seed

TZ = timezone.get_fixed_timezone(8 * 60)
DAY = dt.date(2020, 5, 21)  # the five forms: cut-off 15:00, due 17:00


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """That local time of `day` (Beijing time)."""
    return dt.datetime.combine(day, dt.time(hour, minute)).replace(tzinfo=TZ)


@pytest.fixture
def forms(cast):
    """The five daily forms of a street office, by code."""
    forms_seed()
    return {f.code: f for f in Form.objects.all()}
