"""The periodic work of tracing, as two services that commands and background tasks call."""

import datetime as dt

from django.utils import timezone

from core.notifications import notifications_deliver
from tracing.services.cases import case_rules_apply
from tracing.services.followups import followups_complete_due, followups_missed_apply
from tracing.services.tasks import tasks_escalate_overdue, tasks_generate_daily


def tracing_daily(*, day: dt.date | None = None, by=None) -> dict[str, int]:
    """The start of a day's follow-up, in order:
    1. the day before: follow-ups without a result seen are extended, long silences escalated;
    2. follow-ups whose last day has passed are completed (their contact category ends);
    3. the day's follow-up tasks are created for the grid workers.
    Safe to run twice for the same day."""
    day = day or timezone.localdate()
    missed = followups_missed_apply(day=day - dt.timedelta(days=1), by=by)
    completed = followups_complete_due(day=day, by=by)
    created = tasks_generate_daily(day=day, by=by)
    return {"extended": missed["extended"], "escalated": missed["escalated"], "completed": completed,
            "tasks": created}


def tracing_tick(*, now: dt.datetime | None = None, by=None) -> dict[str, int]:
    """Every few minutes: the classification rules, overdue urgent tasks to the street officer, the outbox."""
    rules = case_rules_apply(now=now, by=by)
    escalated = tasks_escalate_overdue(now=now, by=by)
    sent = notifications_deliver()
    return {"classified": rules["classified"], "kept_manual": rules["kept_manual"], "escalated": escalated,
            **sent}
