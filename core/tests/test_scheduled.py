"""Scheduled commands run once across servers (core.scheduled): every command meant for cron takes the
database's lock named after it, and a run fired while another holds it says so, does nothing and ends with
status 0; the background tasks that do the same work take the same lock."""

import io

import pytest
from django.core.management import call_command, get_commands, load_command_class

from core.models import Delivery
from core.notifications import notify
from core.scheduled import ScheduledCommand, scheduled_run

# Commands meant for cron or a timer on every app server (README, production): each runs once at a time.
SCHEDULED = {"tracing_daily", "tracing_tick", "notifications_deliver", "supplies_publish", "persons_retention",
             "partitions_maintain", "rates_prune"}
# Commands run by hand, once, by whoever deploys or administers (none of them is put in a crontab).
BY_HAND = {
    "catalogs_compile": "compiles the translations into the checkout before start-up",
    "changepassword": "one account's password",
    "checkpoints_fever_rule": "sets the default fever rule once",
    "db_backup": "one server's copy, where its cron puts it (each copy consistent by itself)",
    "db_restore": "replaces everything with the services stopped",
    "demo_load": "the demo city, on an empty database",
    "load_divisions": "the division tree at deployment",
    "persons_generate": "demo and benchmark data",
    "persons_import": "an officer's file, through the job's own claim (persons.importing.running)",
    "reports_seed": "form definitions at deployment",
    "replicas": "each read replica's lag now, read only",
}


def _project_commands() -> dict[str, str]:
    return {name: app for name, app in get_commands().items()
            if not app.startswith(("django", "axes", "ninja", "whitenoise", "csp"))}


def test_every_project_command_is_either_scheduled_and_locked_or_run_by_hand():
    commands = _project_commands()
    assert set(commands) - SCHEDULED - set(BY_HAND) == set(), "new command: scheduled (ScheduledCommand) or by hand?"
    not_locked = [name for name in SCHEDULED if not isinstance(load_command_class(commands[name], name),
                                                               ScheduledCommand)]
    assert not_locked == []


def test_a_command_fired_while_another_run_holds_its_lock_says_so_and_does_nothing(cast):
    notify(recipients=[cast.street_officer], kind="task_assigned", title="任务：核实")
    out = io.StringIO()
    with scheduled_run("notifications_deliver") as taken:  # another server's cron, running
        assert taken is True
        call_command("notifications_deliver", stdout=out)  # returns normally: exit status 0
    assert out.getvalue() == "notifications_deliver: skipped, another run holds its lock (on this or another server)\n"
    assert set(Delivery.objects.values_list("state", flat=True)) == {"pending"}
    out = io.StringIO()
    call_command("notifications_deliver", stdout=out)  # the next run, once the other has ended
    assert "sent 1" in out.getvalue()
    assert Delivery.objects.filter(state="pending").count() == 0


def test_a_dry_run_changes_nothing_and_needs_no_lock(cast):
    out = io.StringIO()
    with scheduled_run("persons_retention"):
        call_command("persons_retention", "--dry-run", stdout=out)
    assert "dry run: nothing changed" in out.getvalue()


@pytest.mark.parametrize("name", sorted(SCHEDULED - {"supplies_publish"}))
def test_each_scheduled_command_skips_while_its_lock_is_held(cast, name):
    out = io.StringIO()
    with scheduled_run(name):
        call_command(name, stdout=out)
    assert out.getvalue().startswith(f"{name}: skipped, another run holds its lock")


def test_publishing_the_donations_list_skips_while_another_run_holds_its_lock(cast):
    out = io.StringIO()
    with scheduled_run("supplies_publish"):
        call_command("supplies_publish", "--unit", cast.street.code, stdout=out)
    assert out.getvalue().startswith("supplies_publish: skipped")


def test_the_background_tasks_of_the_periodic_work_take_the_commands_locks(cast):
    from tracing.tasks import tracing_daily_run, tracing_tick_run

    with scheduled_run("tracing_tick"):
        assert tracing_tick_run.call() == {"skipped": 1}
    with scheduled_run("tracing_daily"):
        assert tracing_daily_run.call() == {"skipped": 1}
    assert "classified" in tracing_tick_run.call()  # once the other run has ended
