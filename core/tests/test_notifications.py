"""The notification outbox every app shares (core.notifications): a notification is written with the change,
delivered through each configured channel after the commit, counted in the page badge and opened from the
list; the rows that tracing's outbox held move to core with their ids."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import translation

from core.models import Delivery, Notification
from core.notifications import notifications_about, notifications_deliver, notify

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def test_a_notification_goes_out_through_every_channel_after_the_commit(cast, django_capture_on_commit_callbacks):
    cast.street_officer.email = "heying@example.org"
    cast.street_officer.save()
    cast.grid_a_worker.language = "en"
    cast.grid_a_worker.save()
    with django_capture_on_commit_callbacks(execute=True):
        rows = notify(recipients=[cast.street_officer, cast.grid_a_worker, None, cast.street_officer],
                      kind="report_submitted", title=lambda: translation.gettext("Notifications"),
                      body="长青街道 2020-05-21", url="/reports/", about=cast.street)
    assert len(rows) == 2  # None and the repeat skipped
    officer = Notification.objects.get(recipient=cast.street_officer)
    assert officer.title == "通知" and officer.url == "/reports/"
    assert Notification.objects.get(recipient=cast.grid_a_worker).title == "Notifications"  # their language
    assert set(notifications_about(cast.street)) == set(rows)
    # Sent by the background task queued after the commit: the badge (nothing to send) and an e-mail to those
    # who have an address, with the link.
    assert set(Delivery.objects.values_list("notification__recipient__username", "channel", "state")) == {
        ("street_officer", "page", "sent"), ("street_officer", "email", "sent"),
        ("grid_a", "page", "sent"), ("grid_a", "email", "skipped")}
    assert [m.to for m in mail.outbox] == [["heying@example.org"]]
    assert "/reports/" in mail.outbox[0].body


def test_what_a_channel_failed_to_send_goes_out_on_the_next_run(cast, settings):
    cast.street_officer.email = "heying@example.org"
    cast.street_officer.save()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens: the e-mail fails
    notify(recipients=[cast.street_officer], kind="task_assigned", title="任务：核实")
    assert notifications_deliver() == {"sent": 1, "skipped": 0, "failed": 1}
    assert Delivery.objects.get(channel="email").state == "pending"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("notifications_deliver", stdout=open(os.devnull, "w"))  # the command cron runs
    assert Delivery.objects.get(channel="email").state == "sent" and len(mail.outbox) == 1


def test_channels_named_by_their_former_tracing_paths_still_deliver(cast, settings):
    settings.NOTIFICATION_CHANNELS = ["tracing.channels.PageChannel"]
    notify(recipients=[cast.grid_a_worker], kind="task_assigned", title="任务：核实")
    assert list(Delivery.objects.values_list("channel", "state")) == [("page", "pending")]
    assert notifications_deliver() == {"sent": 1, "skipped": 0, "failed": 0}


def test_the_former_setting_name_is_read_when_the_new_one_is_not_set():
    env = {k: v for k, v in os.environ.items() if not k.endswith("NOTIFICATION_CHANNELS")}
    show = ["manage.py", "shell", "--no-imports", "-c", "from django.conf import settings; print(settings.NOTIFICATION_CHANNELS)"]

    def channels(**extra):
        result = subprocess.run([sys.executable, *show], cwd=PROJECT_ROOT, env={**env, **extra},
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    assert channels() == ("['core.notifications.channels.PageChannel', "
                          "'core.notifications.channels.EmailChannel']")
    assert channels(TRACING_NOTIFICATION_CHANNELS="tracing.channels.PageChannel") == "['tracing.channels.PageChannel']"
    assert channels(TRACING_NOTIFICATION_CHANNELS="tracing.channels.PageChannel",
                    NOTIFICATION_CHANNELS="core.notifications.channels.EmailChannel") == (
        "['core.notifications.channels.EmailChannel']")


def test_the_badge_counts_the_unread_and_the_list_opens_them(cast, client_for):
    mine = notify(recipients=[cast.grid_a_worker], kind="task_assigned", title="任务：核实李明", url="/tracing/tasks/")[0]
    theirs = notify(recipients=[cast.community_b_worker], kind="task_assigned", title="任务：月塘")[0]
    client = client_for(cast.grid_a_worker)
    page = client.get("/").content.decode()
    assert '<a class="badge unread" href="/notifications/"' in page and '<span class="count">1</span>' in page
    listing = client.get("/notifications/").content.decode()
    assert "任务：核实李明" in listing and "任务：月塘" not in listing
    assert client.post(f"/notifications/{theirs.pk}/read/").status_code == 404  # another's: as a missing one
    response = client.post(f"/notifications/{mine.pk}/read/")
    assert response.status_code == 302 and response["Location"] == "/tracing/tasks/"
    assert 'class="badge"' in client.get("/").content.decode()
    notify(recipients=[cast.grid_a_worker], kind="task_assigned", title="任务二")
    assert client.post("/notifications/read/").status_code == 302
    assert not Notification.objects.filter(recipient=cast.grid_a_worker, read_at__isnull=True).exists()


@pytest.fixture
def triggers_back_on(django_db_blocker):
    """After the flush that ends a migrating test, the session's triggers are on again for the tests after it."""
    yield
    if connection.vendor == "postgresql":
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = DEFAULT")


@pytest.fixture
def migrating(triggers_back_on, django_db_serialized_rollback, transactional_db):
    """Migrations run outside a test transaction. Afterwards the database is emptied for the next test; on
    PostgreSQL the flush's session skips triggers, since the ledger refuses TRUNCATE (as core/tests/test_backup)."""
    yield
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")


def test_the_notifications_tracing_held_move_to_core_with_their_ids(migrating):
    """Migrating from tracing's outbox keeps every notification, its deliveries and its task (as what it is
    about), on SQLite and PostgreSQL alike; new rows get new ids after the copied ones."""
    before = [("tracing", "0003_contact_import_background"), ("core", "0005_cache_table")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    try:
        user = old.get_model("accounts", "User").objects.create(username="grid1", password="-")
        task = old.get_model("tracing", "Task").objects.create(
            kind="verify", unit_path="431302004001/", due_at="2020-05-21T09:00:00+08:00", assignee=user)
        OldNotification = old.get_model("tracing", "Notification")
        with_task = OldNotification.objects.create(recipient=user, kind="task_assigned", title="任务：核实",
                                                   url="/tracing/tasks/1/", task=task)
        OldNotification.objects.filter(pk=with_task.pk).update(created_at="2020-05-21T08:00:00+08:00")
        read = OldNotification.objects.create(recipient=user, kind="checkpoint_fever_alert", title="发热",
                                              read_at="2020-05-21T10:00:00+08:00")
        old.get_model("tracing", "Delivery").objects.create(notification=with_task, channel="email",
                                                            state="failed", attempts=5, error="refused")
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    moved = Notification.objects.get(pk=with_task.pk)
    assert (moved.recipient_id, moved.title, moved.url, moved.about_type, moved.about_id) == (
        user.pk, "任务：核实", "/tracing/tasks/1/", "tracing.task", str(task.pk))
    assert moved.created_at.isoformat() == "2020-05-21T00:00:00+00:00"
    assert Notification.objects.get(pk=read.pk).read_at is not None
    assert list(moved.deliveries.values_list("channel", "state", "attempts", "error")) == [
        ("email", "failed", 5, "refused")]
    assert "tracing_notification" not in connection.introspection.table_names()
    new = Notification.objects.create(recipient_id=user.pk, kind="x", title="新")
    assert new.pk > read.pk
