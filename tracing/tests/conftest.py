"""Tracing's fixtures: time fixed on the day of the seed report, people registered in grids A and B."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone, translation

from persons import services as person_services
from persons.tests.conftest import resident_id

TZ = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2020, 5, 21, 10, 0, tzinfo=TZ)
TODAY = NOW.date()


def days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


@pytest.fixture(autouse=True)
def _english_and_fixed_time():
    with translation.override("en"), time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def register(cast):
    """register(name, seq, grid=cast.grid_a): a person in the line list (by the system)."""
    def make(name: str, seq: int, grid=None):
        grid = grid or cast.grid_a
        return person_services.person_register(data={
            "name": name, "doc_type": "resident_id", "doc_number": resident_id(seq=seq), "grid": grid.code,
            "phone": f"1381234{seq:04d}"}, by=None)
    return make


@pytest.fixture
def confirmed_case(cast, register):
    """王芳 of grid A, a confirmed case since yesterday."""
    from tracing import services

    person = register("王芳", 101)
    return services.case_register(person=person, classification="confirmed", onset_date=days_ago(3),
                                  at=timezone.now() - dt.timedelta(days=1), by=cast.street_officer)


def contact_data(name: str, seq: int, grid, **extra) -> dict:
    return {"name": name, "doc_type": "resident_id", "doc_number": resident_id(seq=seq), "grid": grid.code,
            **extra}


def exposure(last: int = 2, first: int | None = None, **extra) -> dict:
    return {"first_contact": days_ago(first if first is not None else last), "last_contact": days_ago(last),
            "setting": "household", "proximity": "close", "certainty": "high", **extra}


@pytest.fixture
def two_contacts(cast, confirmed_case):
    """The case's two close contacts, exposed yesterday: 李明 in grid A and 赵红 in grid B (their exposures)."""
    from tracing import services

    a, _ = services.contact_add(source=confirmed_case.person, person_data=contact_data("李明", 201, cast.grid_a),
                                exposure_data=exposure(last=1), by=cast.street_officer)
    b, _ = services.contact_add(source=confirmed_case.person, person_data=contact_data("赵红", 202, cast.grid_b),
                                exposure_data=exposure(last=1), by=cast.street_officer)
    return a, b
