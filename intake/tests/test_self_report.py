"""The daily self-report (健康打卡): a personal link for a person managed at home, expiring with the period and
revocable; the check it records is a persons.HealthCheck marked self-reported, satisfies the day's check, and a
fever raises the same follow-up as a worker's check."""

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from accounts.access import scope_for
from accounts.roles import PERSONS_EDIT
from core.models import AuditEntry, Notification
from intake.models import SelfReport, SelfReportLink
from persons import services as person_services
from persons.models import HealthCheck, ManagementStatus
from persons.selectors import checks_due
from persons.tests.conftest import resident_id
from tracing.models import Task


@pytest.fixture
def at_home(cast):
    """A person of grid A under home quarantine since yesterday (planned end in 13 days)."""
    person = person_services.person_register(data={
        "name": "居家者", "doc_type": "resident_id", "doc_number": resident_id(seq=501), "phone": "13900000001",
        "grid": cast.grid_a.code}, by=cast.grid_a_worker)
    person_services.status_set(person=person, status=ManagementStatus.objects.get(code="home_quarantine"),
                               start=timezone.now() - dt.timedelta(days=1), by=cast.grid_a_worker)
    return person


def _link_url(client, person) -> str:
    client.post(f"/intake/people/{person.pk}/self-report/")
    page = client.get(f"/intake/people/{person.pk}/self-report/").content.decode()
    return re.search(r'id="self-report-url">http://testserver([^<]+)<', page).group(1)


def test_grid_worker_gives_a_link_that_expires_with_the_period(cast, at_home, client_for):
    url = _link_url(client_for(cast.grid_a_worker), at_home)
    link = SelfReportLink.objects.get()
    assert url == f"/i/c/{link.token}/" and len(link.token) >= 32
    assert link.expires_at == at_home.status_episodes.get().planned_end
    assert Client().get(url).status_code == 200
    with time_machine.travel(link.expires_at + dt.timedelta(minutes=1)):
        expired = Client().get(url)
    assert expired.status_code == 404 and "链接无效" in expired.content.decode()


def test_a_revoked_link_answers_as_an_unknown_one(cast, at_home, client_for):
    worker = client_for(cast.grid_a_worker)
    url = _link_url(worker, at_home)
    link = SelfReportLink.objects.get()
    worker.post(f"/intake/self-report/{link.pk}/revoke/")
    revoked = Client().post(url, {"temperature": "36.5"})
    unknown = Client().post("/i/c/" + "y" * 32 + "/", {"temperature": "36.5"})
    assert revoked.status_code == unknown.status_code == 404 and revoked.content == unknown.content
    assert not HealthCheck.objects.filter(person=at_home).exists()


def test_a_new_link_replaces_the_old_one(cast, at_home, client_for):
    worker = client_for(cast.grid_a_worker)
    first = _link_url(worker, at_home)
    second = _link_url(worker, at_home)
    assert first != second
    assert Client().get(first).status_code == 404 and Client().get(second).status_code == 200


def test_no_link_for_a_person_not_managed_at_home(cast, client_for):
    person = person_services.person_register(data={
        "name": "无状态", "doc_type": "resident_id", "doc_number": resident_id(seq=502), "grid": cast.grid_a.code},
        by=cast.grid_a_worker)
    answer = client_for(cast.grid_a_worker).post(f"/intake/people/{person.pk}/self-report/", follow=True)
    assert "只有居家隔离或居家健康监测" in answer.content.decode() and not SelfReportLink.objects.exists()


def test_self_report_is_a_check_marked_self_reported_that_satisfies_checks_due(cast, at_home, client_for):
    url = _link_url(client_for(cast.grid_a_worker), at_home)
    scope = scope_for(cast.grid_a_worker, PERSONS_EDIT)
    today = timezone.localdate()
    assert at_home in checks_due(scope, day=today)
    response = Client().post(url, {"temperature": "36.6", "symptoms": ["cough"]})
    assert response.status_code == 200 and "已打卡" in response.content.decode()
    check = HealthCheck.objects.get(person=at_home)
    assert check.recorded_by is None and check.symptoms == ["cough"] and check.result == "symptoms"
    assert SelfReport.objects.get().health_check == check
    assert at_home not in checks_due(scope, day=today)
    entry = AuditEntry.objects.get(object_type="intake.selfreport")
    assert entry.actor_id is None and entry.ip == "127.0.0.1"
    again = Client().post(url, {"temperature": "36.4"})
    assert "已打卡" in again.content.decode() and HealthCheck.objects.filter(person=at_home).count() == 1


def test_self_report_at_the_threshold_raises_the_fever_follow_up(cast, at_home, client_for):
    url = _link_url(client_for(cast.grid_a_worker), at_home)
    response = Client().post(url, {"temperature": "37.3"})
    assert "您发热了" in response.content.decode()
    check = HealthCheck.objects.get(person=at_home)
    assert check.flagged and "fever" in check.symptoms
    task = Task.objects.get(person=at_home, kind=Task.Kind.FEVER)
    assert task.priority == Task.Priority.URGENT
    assert Notification.objects.filter(kind="fever_at_home", recipient=cast.community_a_worker).exists()


def test_self_report_refuses_a_temperature_outside_the_physical_range(cast, at_home, client_for):
    url = _link_url(client_for(cast.grid_a_worker), at_home)
    response = Client().post(url, {"temperature": "45.5"})
    assert response.status_code == 400 and not HealthCheck.objects.filter(person=at_home).exists()


def test_link_stops_when_the_person_is_released(cast, at_home, client_for):
    url = _link_url(client_for(cast.grid_a_worker), at_home)
    person_services.status_set(person=at_home, status=ManagementStatus.objects.get(code="released"),
                               by=cast.grid_a_worker)
    assert Client().get(url).status_code == 404


def test_api_gives_and_revokes_a_link_within_scope(cast, at_home, client_for):
    worker = client_for(cast.grid_a_worker)
    made = worker.post(f"/api/persons/{at_home.pk}/self-report-link")
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["url"].endswith(f"/i/c/{SelfReportLink.objects.get().token}/")
    outsider = client_for(cast.community_b_worker)
    assert outsider.post(f"/api/persons/{at_home.pk}/self-report-link").status_code == 404
    assert outsider.post(f"/api/self-report-links/{body['id']}/revoke").status_code == 404
    revoked = worker.post(f"/api/self-report-links/{body['id']}/revoke")
    assert revoked.status_code == 200 and revoked.json()["revoked"] is True
    assert outsider.get(f"/intake/people/{at_home.pk}/self-report/").status_code == 404
