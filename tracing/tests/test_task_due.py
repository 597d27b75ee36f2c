"""A task's due time is a time in the coming year: year 9999 (an OverflowError once) and years ahead are refused
with a clear error naming the field, through the API as through the service."""

import datetime as dt

import pytest

from core.errors import DomainError
from tracing.services import task_create
from tracing.tests.conftest import NOW


def test_a_task_due_in_year_9999_is_refused_in_chinese_not_a_server_error(cast, register, client_for):
    person = register("李明", 1)
    client = client_for(cast.street_officer)
    client.raise_request_exception = False
    response = client.post("/api/tasks", {"kind": "verify", "person_id": person.pk, "due_at": "9999-12-31T23:59:59Z"},
                           content_type="application/json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 422
    assert response.json()["fields"] == {"due_at": ["日期 9999-12-31 无效：日期须在 1900-01-01 至 2100-12-31 之间。"]}


def test_a_task_due_years_ahead_or_long_ago_is_refused_by_the_service(cast, register):
    person = register("李明", 1)
    for due_at, words in ((NOW + dt.timedelta(days=400), "within a year"), (NOW - dt.timedelta(days=1), "passed"),
                          (dt.datetime(1, 1, 1, tzinfo=dt.UTC), "1900-01-01"),
                          (dt.datetime(9999, 12, 31, 23, 59, tzinfo=dt.UTC), "2100-12-31")):
        with pytest.raises(DomainError) as exc:
            task_create(kind="verify", due_at=due_at, person=person, by=cast.street_officer)
        assert words in exc.value.fields["due_at"][0]
    task = task_create(kind="verify", due_at=NOW + dt.timedelta(days=300), person=person, by=cast.street_officer)
    assert task.day == (NOW + dt.timedelta(days=300)).date()


def test_a_task_moved_to_year_9999_is_refused(cast, register, client_for):
    person = register("李明", 1)
    task = task_create(kind="verify", due_at=NOW + dt.timedelta(hours=2), person=person, by=cast.street_officer)
    client = client_for(cast.street_officer)
    client.raise_request_exception = False
    for due_at in ("9999-12-31T23:59:59Z", (NOW + dt.timedelta(days=800)).isoformat()):
        response = client.patch(f"/api/tasks/{task.pk}", {"due_at": due_at}, content_type="application/json")
        assert response.status_code in (400, 422) and set(response.json()["fields"]) == {"due_at"}
