"""A health check is dated when the person could be under management: not year 1 (it was accepted once), not in
the future, not long before the person came under management — a clear error naming the time, never a 500."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone, translation

from core.errors import DomainError
from persons import services
from persons.models import Category, CategoryEpisode, HealthCheck

NOW = dt.datetime(2020, 5, 21, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture
def person(cast, person_data):
    with time_machine.travel(NOW, tick=False):
        yield services.person_register(data=person_data(), by=None)


def _refusal(person, checked_at) -> str:
    with pytest.raises(DomainError) as exc:
        services.health_check_record(person=person, checked_at=checked_at, temperature="36.5", by=None)
    return exc.value.fields["checked_at"][0]


def test_a_check_dated_year_1_or_9999_is_refused_through_the_api(cast, person, client_for):
    client = client_for(cast.grid_a_worker)
    for checked_at in ("0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"):
        response = client.post(f"/api/persons/{person.pk}/checks", {"checked_at": checked_at, "temperature": "36.5"},
                               content_type="application/json", HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert response.status_code == 422 and "日期须在 1900-01-01 至 2100-12-31 之间" in \
            response.json()["fields"]["checked_at"][0]
    assert not HealthCheck.objects.exists()


def test_a_check_long_before_the_person_came_under_management_is_refused(person):
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False), translation.override("en"):
        assert "1900-01-01" in _refusal(person, dt.datetime(1, 1, 1, tzinfo=dt.UTC))
        assert "1900-01-01" in _refusal(person, dt.date(1, 1, 1))
        assert "came under management (2020-05-21)" in _refusal(person, NOW - dt.timedelta(days=400))
        assert "future" in _refusal(person, NOW + dt.timedelta(days=1))
        screened = services.health_check_record(person=person, checked_at=NOW - dt.timedelta(days=3),
                                                temperature="36.5", by=None)
        assert screened.check_date == (NOW - dt.timedelta(days=3)).date()


def test_a_history_typed_in_afterwards_moves_the_start_of_management_back(person):
    CategoryEpisode.objects.create(person=person, category=Category.objects.get(code="hubei"),
                                   start=NOW - dt.timedelta(days=100), unit_path=person.unit_path)
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        check = services.health_check_record(person=person, checked_at=NOW - dt.timedelta(days=110),
                                             temperature="36.5", by=None)
    assert timezone.localtime(check.checked_at).date() == (NOW - dt.timedelta(days=110)).date()



def test_a_check_taken_after_registration_reads_none_of_the_person_s_episodes(person):
    """Management began at registration or before, so a check no earlier than registration less the back-dating
    window cannot be refused for it: the person's episodes are read only for an earlier check."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def episode_reads(checked_at) -> int:
        with CaptureQueriesContext(connection) as queries:
            try:
                services.health_check_record(person=person, checked_at=checked_at, temperature="36.5", by=None)
            except DomainError:  # the earlier check: refused, after reading when management began
                pass
        return sum("episode" in q["sql"] for q in queries.captured_queries)

    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        assert episode_reads(NOW) == 0
        assert episode_reads(NOW - services.CHECK_BACKDATE) == 0
        assert episode_reads(NOW - services.CHECK_BACKDATE - dt.timedelta(days=1)) == 2
