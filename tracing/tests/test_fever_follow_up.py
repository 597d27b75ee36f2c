"""A fever at a home health check is work for the grid and news for the community and street: an urgent recheck
task for the grid worker, due within two hours, and a notice in the outbox to the workers of the person's
community and street (nobody of another community or street); once while the task is open."""

import datetime as dt

import pytest

from core.models import Notification
from persons import services as person_services
from tracing import services
from tracing.models import FollowUp, Task
from tracing.tests.conftest import NOW, contact_data, exposure


@pytest.fixture
def zhang(register):
    return register("张三", 301)


def _told(kind="fever_at_home") -> dict:
    return {n.recipient.username: n for n in Notification.objects.filter(kind=kind).select_related("recipient")}


def test_a_fever_at_home_gives_the_grid_worker_an_urgent_recheck_task(cast, zhang):
    check = person_services.health_check_record(person=zhang, temperature="37.8", result="well",
                                                by=cast.grid_a_worker)
    task = Task.objects.get(person=zhang)
    assert (task.kind, task.priority, task.status) == (Task.Kind.FEVER, Task.Priority.URGENT, Task.Status.PENDING)
    assert task.assignee == cast.grid_a_worker and task.unit_path == cast.grid_a.path
    assert NOW < task.due_at <= NOW + dt.timedelta(hours=2)
    assert "37.8" in task.title and "张三" in task.title
    assert any(cast.grid_a_worker.full_name in n and "2" in n for n in check.notices)  # who has it, and when due


def test_the_community_and_the_street_are_told_and_nobody_else(cast, zhang):
    person_services.health_check_record(person=zhang, temperature="37.8", result="well", by=cast.grid_a_worker)
    told = _told()
    assert set(told) == {cast.community_a_worker.username, cast.street_officer.username}
    notice = told[cast.street_officer.username]
    assert notice.title == "发热：张三，居家健康监测体温 37.8 °C" and notice.url == f"/persons/{zhang.pk}/"
    assert "三元网格员" in notice.body and notice.deliveries.exists()  # through every channel of the outbox
    # The grid worker has the task (and its own notice of it); the other community, the other street, the city's
    # administrator and the command centre's reader are not told.
    assert Notification.objects.filter(recipient=cast.grid_a_worker, kind="task_assigned").count() == 1


def test_a_fever_in_another_community_tells_that_community(cast, register):
    li = register("李四", 302, grid=cast.grid_b)
    person_services.health_check_record(person=li, temperature="38.5", by=cast.community_b_worker)
    assert Task.objects.get(person=li).assignee == cast.community_b_worker  # grid B has no grid worker
    assert set(_told()) == {cast.street_officer.username}  # the recorder is the one who has the task


def test_a_recheck_while_the_task_is_open_adds_nothing(cast, zhang):
    person_services.health_check_record(person=zhang, temperature="37.8", by=cast.grid_a_worker)
    again = person_services.health_check_record(person=zhang, temperature="38.0", by=cast.grid_a_worker)
    assert Task.objects.filter(person=zhang).count() == 1 and len(_told()) == 2
    assert any("still open" in n for n in again.notices)
    task = Task.objects.get(person=zhang)
    services.task_update(task=task, data={"status": "done", "result": "复测37.0"}, by=cast.grid_a_worker)
    person_services.health_check_record(person=zhang, temperature="38.2", by=cast.grid_a_worker)
    assert Task.objects.filter(person=zhang, kind=Task.Kind.FEVER).count() == 2


def test_no_fever_no_task_and_nobody_told(cast, zhang):
    check = person_services.health_check_record(person=zhang, temperature="37.2", by=cast.grid_a_worker)
    assert not Task.objects.exists() and not Notification.objects.exists() and check.notices == []


def test_a_fever_recorded_as_a_follow_up_result_is_one_too(cast, confirmed_case):
    a, _ = services.contact_add(source=confirmed_case.person, person_data=contact_data("李明", 303, cast.grid_a),
                                exposure_data=exposure(last=1), by=cast.street_officer)
    fu = FollowUp.objects.get(person=a.exposed)
    check = services.follow_up_result_record(follow_up=fu, result="well", temperature="37.9", by=cast.grid_a_worker)
    assert check.result == "symptoms" and check.flagged
    assert Task.objects.filter(person=a.exposed, kind=Task.Kind.FEVER).count() == 1
    assert cast.street_officer.username in _told()


def test_the_follow_up_pages_and_api_say_what_a_fever_set_in_motion(cast, confirmed_case, client_for):
    a, _ = services.contact_add(source=confirmed_case.person, person_data=contact_data("李明", 304, cast.grid_a),
                                exposure_data=exposure(last=1), by=cast.street_officer)
    b, _ = services.contact_add(source=confirmed_case.person, person_data=contact_data("李亮", 305, cast.grid_a),
                                exposure_data=exposure(last=1), by=cast.street_officer)
    fu_a, fu_b = FollowUp.objects.get(person=a.exposed), FollowUp.objects.get(person=b.exposed)
    client = client_for(cast.grid_a_worker)
    page = client.post(f"/tracing/follow-up/{fu_a.pk}/result/", {"temperature": "37.8", "result": "well"},
                       follow=True, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "37.8 °C 达到发热标准（37.3 °C）" in page and "发热复核任务已派给" in page
    answer = client.post(f"/api/follow-ups/{fu_b.pk}/results", {"temperature": "38.0", "result": "well"},
                         content_type="application/json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert answer.status_code == 201 and answer.json()["result"] == "symptoms"
    assert any("发热复核任务" in n for n in answer.json()["notices"])
