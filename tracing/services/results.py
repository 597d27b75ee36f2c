"""A contact's daily follow-up result: the person's health check (persons' service), the day's task closed, and
the case rules applied (symptoms may make the contact a suspected case)."""

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import DomainError
from persons.models import HealthCheck
from persons.services import health_check_record
from tracing.models import FollowUp
from tracing.services.cases import case_rules_apply
from tracing.services.tasks import tasks_done_for_check


def follow_up_result_record(*, follow_up: FollowUp, result: str, temperature: Any = None,
                            symptoms: list[str] | None = None, note: str = "",
                            checked_at: dt.datetime | None = None, by) -> HealthCheck:
    """Record the day's follow-up result as a health check of the person (persons' service), close the
    day's follow-up task, and apply the case rules (symptoms may make the contact a suspected case)."""
    if follow_up.state != FollowUp.State.ACTIVE:
        raise DomainError("follow_up_ended", _("This follow-up has ended."), fields={"result": [_("Ended.")]})
    with transaction.atomic():
        check = health_check_record(person=follow_up.person, checked_at=checked_at, temperature=temperature,
                                    symptoms=symptoms, result=result, note=note, by=by)
        tasks_done_for_check(follow_up=follow_up, day=check.check_date, result=check.get_result_display(), by=by)
        case_rules_apply(person_ids=[follow_up.person_id], by=None)  # the rules act as the system
    return check
