"""Fever alerts: raised by a fever reading, announced to the people on duty, rechecked after the rule's
minutes; a recheck still at or above the threshold starts the emergency plan (an incident)."""

import datetime as dt
import logging
import math

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from accounts.roles import CHECKPOINTS_RECORD
from checkpoints.models import Alert, Checkpoint, FeverRule, Reading
from checkpoints.services.common import check_scope, local_time, reading_check
from checkpoints.services.duty import duty_notify, duty_users
from checkpoints.services.incidents import incident_start
from core.audit import audit_record, snapshot
from core.errors import DomainError
from persons.models import Person

logger = logging.getLogger(__name__)

def alert_from(reading: Reading, rule: FeverRule) -> Alert:
    """An unsaved alert for a fever reading under `rule`."""
    return Alert(reading=reading, checkpoint_id=reading.checkpoint_id, site_id=reading.site_id,
                 unit_path=reading.unit_path, person_id=reading.person_id, subject=reading.subject,
                 temperature=reading.temperature, threshold=rule.threshold, raised_at=reading.taken_at,
                 recheck_due_at=reading.taken_at + dt.timedelta(minutes=rule.recheck_minutes))


def open_alert_pairs(site_ids, person_ids) -> set[tuple[int, int]]:
    """(site, person) of the alerts still waiting for their recheck: a second fever reading of the same
    person at the same site before the recheck raises no second alert."""
    if not person_ids:
        return set()
    return set(Alert.objects.filter(state=Alert.State.OPEN, site_id__in=list(site_ids),
                                    person_id__in=list(person_ids)).values_list("site_id", "person_id"))


def alerts_announce(alerts: list[Alert]) -> None:
    """Tell the people on duty about new fever alerts (inside the caller's transaction: outbox rows are
    written with the alerts, and delivered after the commit). The checkpoints and the people on duty are
    read once per batch, not once per alert."""
    if not alerts:
        return
    checkpoints = Checkpoint.objects.select_related("site").in_bulk({a.checkpoint_id for a in alerts})
    missing = {a.person_id for a in alerts if a.person_id and not Alert.person.is_cached(a)}
    people = Person.objects.only("name").in_bulk(missing) if missing else {}
    for alert in alerts:
        if alert.person_id in people:
            alert.person = people[alert.person_id]
    on_duty: dict[tuple[int, str], list[User]] = {}
    for alert in alerts:
        key = (alert.site_id, alert.unit_path)
        if key not in on_duty:
            on_duty[key] = duty_users(*key)
        where = checkpoints.get(alert.checkpoint_id) or alert.checkpoint
        duty_notify(on_duty[key], kind="checkpoint_fever_alert",
                title=(gettext_noop("Fever %(t)s °C at %(where)s: %(who)s"),
                       {"t": alert.temperature, "where": str(where), "who": alert.who or "?"}),
                body=(gettext_noop("Measured at %(time)s. Separate the person and recheck at %(due)s."),
                      {"time": local_time(alert.raised_at),
                       "due": timezone.localtime(alert.recheck_due_at).strftime("%H:%M")}),
                url=reverse("checkpoints:alert", args=[alert.pk]))


def alerts_raise(readings: list[Reading], rules: dict, *, by) -> list[Alert]:
    """Raise an alert for each fever reading given (already saved), audit and announce them."""
    alerts = [alert_from(r, rules.get(r.site_id) or rules[None]) for r in readings]
    if not alerts:
        return []
    for alert in alerts:
        alert.save()
        audit_record(actor=by, action="create", obj=alert, unit_path=alert.unit_path,
                     after=snapshot(alert, ["reading", "checkpoint", "person", "subject", "temperature", "threshold",
                                            "raised_at", "recheck_due_at"]))
    alerts_announce(alerts)
    return alerts


def alert_recheck(*, alert: Alert, temperature, taken_at: dt.datetime | None = None, by) -> Alert:
    """Record the recheck of an alert: below the threshold clears it; at or above starts the emergency
    plan. The recheck is refused before its time (the rule's minutes after the first reading)."""
    check_scope(by, CHECKPOINTS_RECORD, alert)
    value, taken_at, errors = reading_check(temperature, taken_at)
    if errors:
        raise DomainError("invalid_reading", _("The recheck cannot be saved."), fields=errors)
    with transaction.atomic():
        alert = Alert.objects.select_for_update(of=("self",)).select_related("checkpoint__site").get(pk=alert.pk)
        if alert.state != Alert.State.OPEN:
            raise DomainError("already_rechecked", _("This alert has been rechecked already (%(state)s).")
                              % {"state": alert.get_state_display()}, status=409)
        if taken_at < alert.recheck_due_at:
            minutes = max(1, math.ceil((alert.recheck_due_at - taken_at).total_seconds() / 60))
            raise DomainError("recheck_too_early", _("The recheck is due at %(due)s, %(m)d min from the time given: "
                                                     "let the person rest until then.")
                              % {"due": timezone.localtime(alert.recheck_due_at).strftime("%H:%M:%S"),
                                 "m": minutes},
                              fields={"taken_at": [_("Before the recheck is due.")]})
        reading = Reading.objects.create(
            checkpoint_id=alert.checkpoint_id, site_id=alert.site_id, unit_path=alert.unit_path,
            person_id=alert.person_id, subject=alert.subject, taken_at=taken_at, temperature=value,
            fever=value >= alert.threshold, is_recheck=True, recorded_by=by)
        before = snapshot(alert, ["state", "recheck", "closed_at"])
        alert.recheck = reading
        alert.closed_at = taken_at
        alert.state = Alert.State.ESCALATED if reading.fever else Alert.State.CLEARED
        alert.save(update_fields=["recheck", "closed_at", "state"])
        audit_record(actor=by, action="update", obj=alert, unit_path=alert.unit_path, before=before,
                     after={**snapshot(alert, ["state", "recheck", "closed_at"]), "temperature": str(value)},
                     note=gettext_noop("fever recheck"))
        if reading.fever:
            incident_start(alert=alert, at=taken_at, by=by)
    return alert


def seconds_to_recheck(alert: Alert, now: dt.datetime | None = None) -> int:
    """Seconds until the recheck is due (0 when due)."""
    now = now or timezone.now()
    return max(0, int((alert.recheck_due_at - now).total_seconds()))
