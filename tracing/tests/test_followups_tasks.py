"""Follow-up windows, daily results, missed checks, the day's tasks, escalation, the outbox."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from core.errors import DomainError
from core.models import AuditEntry, Delivery, Notification
from core.notifications import notifications_about, notifications_deliver
from persons.models import CategoryEpisode, HealthCheck
from tracing import services
from tracing.models import FollowUp, FollowUpEvent, Task
from tracing.services.periodic import tracing_daily
from tracing.tests.conftest import NOW, TODAY, days_ago


@pytest.fixture
def contacts(two_contacts):
    """The follow-ups of the case's two close contacts: 李明 in grid A, 赵红 in grid B."""
    a, b = two_contacts
    return FollowUp.objects.get(person=a.exposed), FollowUp.objects.get(person=b.exposed)


def test_a_manual_change_is_kept_with_its_reason(cast, contacts):
    fu, _ = contacts
    with pytest.raises(DomainError) as exc:
        services.follow_up_change(follow_up=fu, end=days_ago(-20), reason=" ", by=cast.community_a_worker)
    assert exc.value.fields.keys() == {"reason"}
    services.follow_up_change(follow_up=fu, end=days_ago(-20), reason="疾控要求延长观察", by=cast.community_a_worker)
    fu.refresh_from_db()
    assert fu.end == days_ago(-20) and fu.end_manual
    event = fu.events.get(kind="manual")
    assert (event.old_end, event.new_end, event.reason, event.by) == (days_ago(-13), days_ago(-20), "疾控要求延长观察",
                                                                      cast.community_a_worker)
    assert AuditEntry.objects.filter(object_type="tracing.followup", note="疾控要求延长观察").exists()


def test_daily_tasks_go_to_the_grid_worker_once(cast, contacts):
    fa, fb = contacts
    assert services.tasks_generate_daily(day=TODAY) == 2
    assert services.tasks_generate_daily(day=TODAY) == 0  # a second run creates nothing
    ta, tb = Task.objects.get(follow_up=fa), Task.objects.get(follow_up=fb)
    assert (ta.kind, ta.status, ta.day, ta.person_id, ta.unit_path) == ("follow_up", "pending", TODAY, fa.person_id,
                                                                        cast.grid_a.path)
    assert ta.assignee == cast.grid_a_worker  # the grid's own worker
    assert tb.assignee == cast.community_b_worker  # grid B has no grid worker: its community's worker
    assert timezone.localtime(ta.due_at).hour == 17
    assert AuditEntry.objects.filter(object_type="tracing.task", object_id=f"daily-{TODAY}").count() == 1
    # Days outside the window get nothing.
    assert services.tasks_generate_daily(day=fa.end + dt.timedelta(days=1)) == 0


def test_a_result_closes_the_day_s_task_and_is_a_health_check(cast, contacts):
    fa, _ = contacts
    services.tasks_generate_daily(day=TODAY)
    check = services.follow_up_result_record(follow_up=fa, result="well", temperature="36.6", by=cast.grid_a_worker)
    assert isinstance(check, HealthCheck) and check.person_id == fa.person_id and check.check_date == TODAY
    task = Task.objects.get(follow_up=fa)
    assert task.status == "done" and task.done_at is not None


def test_missed_checks_extend_then_escalate(cast, contacts, settings):
    fa, fb = contacts
    services.follow_up_result_record(follow_up=fb, result="well", temperature="36.5", by=cast.community_b_worker)
    end = fa.end
    assert services.followups_missed_apply(day=TODAY) == {"extended": 1, "escalated": 0}
    assert services.followups_missed_apply(day=TODAY) == {"extended": 0, "escalated": 0}  # once a day
    fa.refresh_from_db(), fb.refresh_from_db()
    assert (fa.end, fa.missed_days) == (end + dt.timedelta(days=1), 1)
    assert fb.end == end and fb.missed_days == 0
    event = fa.events.get(kind="missed")
    assert (event.day, event.old_end, event.new_end) == (TODAY, end, end + dt.timedelta(days=1))

    # The next day missed too ("unreachable" is not a result seen): an urgent task to locate the contact.
    # 赵红 misses only that day: extended, not escalated.
    with time_machine.travel(NOW + dt.timedelta(days=1), tick=False):
        services.follow_up_result_record(follow_up=fa, result="unreachable", by=cast.grid_a_worker)
        counts = services.followups_missed_apply(day=TODAY + dt.timedelta(days=1))
    assert counts == {"extended": 2, "escalated": 1}
    task = Task.objects.get(kind="locate")
    assert (task.priority, task.assignee, task.person_id) == (Task.Priority.URGENT, cast.grid_a_worker, fa.person_id)
    fa.refresh_from_db()
    assert fa.escalated_at is not None and fa.end == end + dt.timedelta(days=2)
    assert notifications_about(task).filter(recipient=cast.grid_a_worker).exists()


def test_completed_follow_up_ends_the_category(cast, contacts):
    fa, fb = contacts
    day_after = fa.end + dt.timedelta(days=1)
    with time_machine.travel(timezone.make_aware(dt.datetime.combine(fa.end, dt.time(9))), tick=False):
        for fu, who in ((fa, cast.grid_a_worker), (fb, cast.community_b_worker)):  # the last day seen well
            services.follow_up_result_record(follow_up=fu, result="well", temperature="36.4", by=who)
    with time_machine.travel(timezone.make_aware(dt.datetime.combine(day_after, dt.time(6))), tick=False):
        counts = tracing_daily(day=day_after)
    assert counts["completed"] == 2
    fa.refresh_from_db()
    assert fa.state == "completed"
    episode = CategoryEpisode.objects.get(person_id=fa.person_id, category__code="close_contact")
    assert timezone.localtime(episode.end).date() == day_after
    assert FollowUpEvent.objects.filter(follow_up=fa, kind="completed").exists()


def test_an_overdue_urgent_task_escalates_to_the_street_officer(cast, contacts, django_capture_on_commit_callbacks):
    fa, _ = contacts
    cast.street_officer.email = "heying@example.org"
    cast.street_officer.save()
    urgent = services.task_create(kind="verify", priority=Task.Priority.URGENT, person=fa.person,
                                  title="住院患者疑似密接，立即核实", due_at=NOW + dt.timedelta(hours=1),
                                  by=cast.street_officer)
    normal = services.task_create(kind="sample", person=fa.person, due_at=NOW + dt.timedelta(hours=1),
                                  by=cast.street_officer)
    assert urgent.assignee == cast.grid_a_worker  # the grid worker of the person's grid, by default
    assert services.tasks_escalate_overdue() == 0  # not overdue yet

    later = NOW + dt.timedelta(hours=2)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.tasks_escalate_overdue(now=later) == 1
    urgent.refresh_from_db(), normal.refresh_from_db()
    assert urgent.escalated_to == cast.street_officer and urgent.escalated_at == later
    assert urgent.assignee == cast.grid_a_worker  # still theirs to do
    assert normal.escalated_to is None  # only urgent tasks escalate
    assert services.tasks_escalate_overdue(now=later) == 0  # once
    notification = Notification.objects.get(recipient=cast.street_officer, kind="task_escalated")
    assert "住院患者疑似密接" in notification.title
    # The outbox: the badge (page channel) and an e-mail, sent after the commit.
    assert set(notification.deliveries.values_list("channel", "state")) == {("page", "sent"), ("email", "sent")}
    assert [m.to for m in mail.outbox] == [["heying@example.org"]]

    # A task done in time never escalates.
    done = services.task_create(kind="verify", priority=Task.Priority.URGENT, person=fa.person,
                                due_at=NOW + dt.timedelta(minutes=30), by=cast.street_officer)
    services.task_update(task=done, data={"status": "done"}, by=cast.grid_a_worker)
    assert services.tasks_escalate_overdue(now=later) == 0


def test_task_permissions_and_validation(cast, contacts):
    fa, fb = contacts
    with pytest.raises(DomainError) as exc:
        services.task_create(kind="verify", person=fa.person, due_at=NOW - dt.timedelta(hours=1),
                             assignee=cast.community_b_worker, by=cast.grid_a_worker)
    assert set(exc.value.fields) == {"due_at", "assignee"}
    with pytest.raises(DomainError) as exc:  # the assignee must work where the person lives
        services.task_create(kind="verify", person=fa.person, due_at=NOW + dt.timedelta(hours=1),
                             assignee=cast.community_b_worker, by=cast.street_officer)
    assert "assignee" in exc.value.fields
    mine = services.task_create(kind="verify", person=fa.person, due_at=NOW + dt.timedelta(hours=1),
                                by=cast.grid_a_worker)
    with pytest.raises(DomainError) as exc:  # a worker changes the status, not the assignee
        services.task_update(task=mine, data={"status": "in_progress", "assignee": cast.street_officer.pk},
                             by=cast.grid_a_worker)
    assert "assignee" in exc.value.fields
    with pytest.raises(DomainError) as exc:
        services.task_update(task=mine, data={"status": "not_possible"}, by=cast.grid_a_worker)
    assert "result" in exc.value.fields
    updated = services.task_update(task=mine, data={"status": "not_possible", "result": "住院隔离中"},
                                   version=mine.version, by=cast.grid_a_worker)
    assert updated.status == "not_possible" and updated.done_at is not None
    with pytest.raises(DomainError) as exc:
        services.task_update(task=mine, data={"status": "done"}, version=mine.version, by=cast.street_officer)
    assert exc.value.code == "conflict"


def test_notification_channels_are_pluggable(cast, contacts, settings):
    settings.NOTIFICATION_CHANNELS = ["core.notifications.channels.PageChannel"]
    fa, _ = contacts
    task = services.task_create(kind="verify", person=fa.person, due_at=NOW + dt.timedelta(hours=1),
                                by=cast.street_officer)
    notification = notifications_about(task).get(recipient=cast.grid_a_worker)
    assert list(notification.deliveries.values_list("channel", flat=True)) == ["page"]
    assert notifications_deliver() == {"sent": 1, "skipped": 0, "failed": 0}
    assert Delivery.objects.get().state == "sent"
