"""The people named on a task (assignee, observers) are looked up among those the caller works with: an account
of another community is answered as an unknown id, repeating only the id typed, never an account's name."""

import datetime as dt
import json

import pytest

from accounts.models import User
from tracing.models import Task
from tracing.tests.conftest import NOW

UNKNOWN = 987654


@pytest.fixture
def person(register):
    return register("李明", 201)


def _answer(response, typed: int) -> tuple:
    """Status, code, message and reasons of an API answer, with the id the caller typed taken out."""
    body = json.loads(response.content)
    return (response.status_code, body.get("code"),
            json.dumps([body.get("message"), body.get("fields")], ensure_ascii=False).replace(str(typed), "<id>"))


def _task_body(person, **people) -> dict:
    return {"kind": "verify", "priority": 4, "person_id": person.pk,
            "due_at": (NOW + dt.timedelta(hours=1)).isoformat(), **people}


@pytest.mark.parametrize("field", ["assignee_id", "observers"])
def test_naming_an_account_of_another_community_on_a_new_task_answers_as_an_unknown_id(cast, person, client_for,
                                                                                       field):
    client = client_for(cast.community_a_worker)
    outsider = cast.community_b_worker  # 月塘干部, whose name must not come back
    answers = {}
    for typed in (outsider.pk, UNKNOWN):
        value = [typed] if field == "observers" else typed
        response = client.post("/api/tasks", data=_task_body(person, **{field: value}),
                               content_type="application/json")
        assert "月塘干部" not in response.content.decode() and "community_b" not in response.content.decode()
        answers[typed] = _answer(response, typed)
    assert answers[outsider.pk] == answers[UNKNOWN] and answers[UNKNOWN][0] == 400, answers
    assert not Task.objects.exists()
    # An account of the caller's own units is named: it is theirs to know.
    value = [cast.grid_a_worker.pk] if field == "observers" else cast.grid_a_worker.pk
    response = client.post("/api/tasks", data=_task_body(person, **{field: value}), content_type="application/json")
    assert response.status_code == 201, response.content


def test_changing_a_task_s_people_to_another_community_s_account_answers_as_an_unknown_id(cast, person, client_for):
    client = client_for(cast.community_a_worker)
    task = json.loads(client.post("/api/tasks", data=_task_body(person), content_type="application/json").content)
    outsider = User.objects.create_user(username="yt_grid", password="Test-password-2020", full_name="月塘网格员")
    from accounts.models import Membership
    Membership.objects.create(user=outsider, role="grid_worker", unit=cast.grid_b, unit_path=cast.grid_b.path)
    for data in ({"assignee_id": outsider.pk}, {"observers": [outsider.pk]}):
        key = next(iter(data))
        answers = []
        for typed in (outsider.pk, UNKNOWN):
            value = [typed] if key == "observers" else typed
            response = client.patch(f"/api/tasks/{task['id']}", data={key: value}, content_type="application/json")
            assert "月塘网格员" not in response.content.decode()
            answers.append(_answer(response, typed))
        assert answers[0] == answers[1] and answers[0][0] == 400, answers
    current = Task.objects.get(pk=task["id"])
    assert current.assignee == cast.grid_a_worker and not current.observers.exists()
