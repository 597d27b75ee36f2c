"""Temperature readings: one at a time from a phone, or in batches from thermometers and gate terminals.

A batch is answered item by item (accepted, duplicate, refused with the reason) and written set-based:
one round of look-ups for the whole batch, one bulk insert that skips (device, event id) pairs already
stored, then the alerts of its fever readings.
"""

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.roles import CHECKPOINTS_RECORD
from checkpoints.access import site_scope
from checkpoints.models import Alert, Checkpoint, Device, Reading, TeamMember
from checkpoints.selectors import people_reachable, person_reach, person_reachable
from checkpoints.services.alerts import alert_from, alerts_announce, alerts_raise, open_alert_pairs
from checkpoints.services.common import FUTURE_SLACK, check_scope, reading_check, rules_for
from checkpoints.services.reading_items import Refused, Sent, item_shaped
from core import db
from core.audit import audit_record, snapshot
from core.errors import DomainError
from core.locks import lock_number
from persons.models import Person

MAX_BATCH = 5000
DOC_TYPES = [c for c, _label in Person.DocType.choices]


def _reading_create(*, checkpoint: Checkpoint, value: Decimal, taken_at: dt.datetime, person: Person | None,
                    subject: str, by) -> tuple[Reading, Alert | None]:
    """Save one reading (inside the caller's transaction) and raise its alert if it is a fever."""
    rules = rules_for([checkpoint.site_id])
    rule = rules.get(checkpoint.site_id) or rules[None]
    reading = Reading.objects.create(checkpoint=checkpoint, site_id=checkpoint.site_id,
                                     unit_path=checkpoint.unit_path, person=person, subject=subject,
                                     taken_at=taken_at, temperature=value, fever=value >= rule.threshold,
                                     recorded_by=by)
    audit_record(actor=by, action="create", obj=reading, unit_path=reading.unit_path,
                 object_repr=f"{person.name if person else subject} {value} °C",
                 after=snapshot(reading, ["checkpoint", "person", "subject", "taken_at", "temperature", "fever"]))
    alert = None
    if reading.fever and (person is None or not open_alert_pairs([checkpoint.site_id], [person.pk])):
        alert = alerts_raise([reading], rules, by=by)[0]
    return reading, alert


def reading_record(*, checkpoint: Checkpoint, temperature, taken_at: dt.datetime | None = None,
                   person: Person | None = None, subject: str = "", by) -> Reading:
    """Record a temperature taken by hand; a fever raises an alert (as `reading.alert`)."""
    check_scope(by, CHECKPOINTS_RECORD, checkpoint)
    value, taken_at, errors = reading_check(temperature, taken_at)
    if person is None and not subject.strip():
        errors["subject"] = [_("Say whose temperature this is.")]
    if not checkpoint.active:
        errors["checkpoint"] = [_("This checkpoint is not in use.")]
    if errors:
        raise DomainError("invalid_reading", _("The reading cannot be saved."), fields=errors)
    if person is not None and not person_reachable(person, site_id=checkpoint.site_id, by=by):
        raise DomainError("not_found", _("Not found."), status=404)  # as for an id nobody has
    with transaction.atomic():
        reading, _alert = _reading_create(checkpoint=checkpoint, value=value, taken_at=taken_at, person=person,
                                          subject=subject.strip(), by=by)
    return reading


# -- batches -----------------------------------------------------------------------------------------------

@dataclass
class IngestResult:
    accepted: int = 0
    duplicates: int = 0
    refused: int = 0
    alerts: list[int] = field(default_factory=list)
    items: list[dict] = field(default_factory=list)


class _Answers:
    """The answer to each item of a batch, in the order sent."""

    def __init__(self, count: int):
        self.items: list[dict | None] = [None] * count
        self.duplicates = 0

    def refuse(self, i: int, refused: Refused) -> None:
        self.items[i] = {"index": i, "device_id": refused.device_code, "event_id": refused.event_id,
                         "status": "refused", "code": refused.code, "reason": refused.reason}

    def duplicate(self, sent: Sent) -> None:
        self.items[sent.index] = {"index": sent.index, "device_id": sent.device_code, "event_id": sent.event_id,
                                  "status": "duplicate"}
        self.duplicates += 1

    def accept(self, sent: Sent) -> None:
        self.items[sent.index] = {"index": sent.index, "device_id": sent.device_code, "event_id": sent.event_id,
                                  "status": "accepted"}


def readings_ingest(*, items: list, by, device: Device | None = None) -> IngestResult:
    """Store a batch of device readings, answering each item: accepted, duplicate (its device and event id
    are stored already, or repeated in the batch) or refused with the reason.

    Sent by a device (`device`, authenticated by its own key; `by` is then None) the items may name only that
    device, and people on its site's roster or under its site's unit; sent by a user, devices and people in the
    user's scope (a person: on the device site's roster or in the user's line-list scope). A person outside
    is answered exactly as an id nobody has, and a document number outside as one nobody registered.

    In four steps: each item's shape, one round of look-ups for the whole batch, each item against them into
    rows ready for the database, and one transaction writing the rows, the alerts of the fevers and the audit."""
    if device is not None and by is not None:
        raise ValueError("a batch is sent by a device or by a user, not both")
    if not isinstance(items, list):
        raise DomainError("invalid_batch", _("Send a JSON list of readings."))
    if len(items) > MAX_BATCH:
        raise DomainError("batch_too_large", _("At most %(n)d readings per batch; this one has %(m)d.")
                          % {"n": MAX_BATCH, "m": len(items)}, status=413)
    answers = _Answers(len(items))
    sent = _items_shaped(items, answers)
    known = _Known.look_up(sent, by=by, device=device)
    batch = _batch_sorted(sent, known, answers, by=by, device=device)
    alerts = _batch_store(batch, known.rules, by=by, device=device)
    raised = sorted((batch.fever_index[(a.reading.device_id, a.reading.event_id)], a.pk) for a in alerts)
    for i, alert_id in raised:
        answers.items[i]["alert_id"] = alert_id
    accepted = len(batch.rows)
    return IngestResult(accepted=accepted, duplicates=answers.duplicates,
                        refused=len(items) - accepted - answers.duplicates,
                        alerts=[alert_id for _i, alert_id in raised], items=answers.items)


# 1. The shape of each item.

def _items_shaped(items: list, answers: _Answers) -> list[Sent]:
    """The items in the right shape; the others answered refused. Devices send the same few temperatures over
    and over: each distinct value is parsed once per batch."""
    latest = timezone.now() + FUTURE_SLACK
    temperatures: dict[tuple[type, object], Decimal] = {}
    sent = []
    for i, item in enumerate(items):
        try:
            sent.append(item_shaped(i, item, latest, temperatures))
        except Refused as refused:
            answers.refuse(i, refused)
    return sent


# 2. One round of look-ups for the batch.

@dataclass
class _Known:
    """What the database knows of the batch's devices and people, read once for the whole batch."""

    devices: dict[str, Device]  # by code, whether the sender may use them or not
    usable: dict[str, Device]  # active and the sender's
    scope: object  # the sending user's site scope (None: sent by a device)
    stored: set[tuple[int, str]]  # (device, event id) pairs stored already
    by_badge: dict[tuple[int, str], int]  # (site, badge) → person on the site's roster
    by_doc: dict[str, int]  # document number → person
    reachable: set[tuple[int, int]]  # (site, person) the sender may name
    rules: dict

    @classmethod
    def look_up(cls, sent: list[Sent], *, by, device: Device | None) -> "_Known":
        codes = {s.device_code for s in sent}
        if device is not None:
            devices = {device.code: device} if device.code in codes else {}
            devices.update({d.code: d for d in Device.objects.filter(code__in=codes - {device.code})})
        else:
            devices = {d.code: d for d in Device.objects.filter(code__in=codes)}
        scope = site_scope(by, CHECKPOINTS_RECORD) if by is not None else None
        usable = {code: d for code, d in devices.items() if d.active and (device is None or d.pk == device.pk)
                  and (scope is None or scope.covers(d.unit_path, d.site_id))}
        mine = [s for s in sent if s.device_code in usable]
        site_ids = {d.site_id for d in usable.values()}
        site_of = {code: d.site_id for code, d in usable.items()}
        wanted_ids = {s.person_id for s in mine if s.person_id is not None}
        paths = dict(Person.objects.filter(pk__in=wanted_ids).values_list("pk", "unit_path")) if wanted_ids else {}
        badges = {s.badge for s in sent if s.badge}
        by_badge = {(site, badge): pid for site, badge, pid in TeamMember.objects.filter(
            site_id__in=site_ids, badge__in=badges, left_at__isnull=True).values_list("site_id", "badge", "person_id")
        } if badges else {}
        docs = {s.doc for s in mine if s.doc}
        by_doc = {}
        if docs:
            for number, pid, path in Person.objects.filter(doc_type__in=DOC_TYPES, doc_number__in=docs).values_list(
                    "doc_number", "pk", "unit_path"):
                by_doc[number], paths[pid] = pid, path
        # Whom the sender may name, per device site: one look-up of the rosters for the people not already in reach.
        named = {(site_of[s.device_code], s.person_id) for s in mine if s.person_id is not None}
        named |= {(site_of[s.device_code], by_doc[s.doc]) for s in mine if s.doc in by_doc}
        reachable = people_reachable(named, paths, person_reach(by=by, device=device)) if named else set()
        stored = _stored_pairs([d.pk for d in usable.values()], {s.event_id for s in mine})
        return cls(devices, usable, scope, stored, by_badge, by_doc, reachable, rules_for(site_ids))

    def refusal(self, code: str, event_id: str, *, device: Device | None) -> Refused:
        """Why an item naming a device the sender may not use is refused."""
        known = self.devices.get(code)
        # A device outside the sender's scope is answered as one that does not exist (DESIGN, invariant 8).
        visible = known is not None and (self.scope is None or self.scope.covers(known.unit_path, known.site_id))
        if device is not None and code != device.code:  # a device sends for itself alone
            return Refused("device_not_yours", _("The device %(code)s is not one you may send readings for.")
                            % {"code": code}, code, event_id)
        if not visible:
            return Refused("unknown_device", _("No device is registered with the id %(code)s.") % {"code": code},
                            code, event_id)
        return Refused("device_inactive", _("The device %(code)s is no longer in use.") % {"code": code},
                        code, event_id)


def _stored_pairs(device_ids: list[int], event_ids: set[str]) -> set[tuple[int, str]]:
    """The (device, event id) pairs among these already stored: one query on the unique index, the event ids
    one parameter (an ORM `__in` of thousands of values costs more to build than the query costs to run)."""
    if not device_ids or not event_ids:
        return set()
    in_events, param = db.any_of(sorted(event_ids))
    sql = (f"SELECT device_id, event_id FROM {connection.ops.quote_name(Reading._meta.db_table)} "
           f"WHERE device_id IN ({', '.join(['%s'] * len(device_ids))}) AND event_id {in_events}")
    with connection.cursor() as cursor:
        cursor.execute(sql, [*device_ids, param])
        return {(device_id, event_id) for device_id, event_id in cursor.fetchall()}


# 3. Each item against the look-ups, into rows ready for the database.

@dataclass
class _Batch:
    rows: list[tuple] = field(default_factory=list)  # in _COLUMNS order
    fevers: list[Reading] = field(default_factory=list)
    fever_index: dict[tuple[int, str], int] = field(default_factory=dict)  # (device, event id) → item
    per_site: dict[tuple[str, int], dict] = field(default_factory=dict)  # (path, site) → what the audit says


def _batch_sorted(sent: list[Sent], known: _Known, answers: _Answers, *, by, device: Device | None) -> _Batch:
    """The rows to insert and the fevers among them; each item answered. What a device's rows repeat is taken
    from it once."""
    batch, seen = _Batch(), set()
    accepted_by_device: Counter[int] = Counter()
    fevers_by_device: Counter[int] = Counter()
    rules = known.rules
    prepared = {code: (d.pk, d.checkpoint_id, d.site_id, d.unit_path, (rules.get(d.site_id) or rules[None]).threshold)
                for code, d in known.usable.items()}
    adapt = _datetime_adapter()
    created_at, by_id = adapt(timezone.now()), (by.pk if by is not None else None)
    for s in sent:
        target = prepared.get(s.device_code)
        if target is None:
            answers.refuse(s.index, known.refusal(s.device_code, s.event_id, device=device))
            continue
        device_id, checkpoint_id, site_id, path, threshold = target
        key = (device_id, s.event_id)
        if key in known.stored or key in seen:
            answers.duplicate(s)
            continue
        person_id, subject = s.person_id, ""
        if person_id is not None and (site_id, person_id) not in known.reachable:
            answers.refuse(s.index, Refused("unknown_person", _("No person has the id %(id)s.") % {"id": person_id},
                                             s.device_code, s.event_id))
            continue
        if person_id is None:
            person_id = known.by_badge.get((site_id, s.badge)) if s.badge else None
            if person_id is None and s.doc and (site_id, known.by_doc.get(s.doc)) in known.reachable:
                person_id = known.by_doc[s.doc]
            if person_id is None:
                subject = s.badge or s.doc
        seen.add(key)
        fever = s.temperature >= threshold
        batch.rows.append((checkpoint_id, site_id, path, device_id, s.event_id, person_id, subject, adapt(s.taken_at),
                           s.temperature, fever, False, by_id, created_at))
        accepted_by_device[device_id] += 1
        if fever:
            fevers_by_device[device_id] += 1
            batch.fever_index[key] = s.index
            batch.fevers.append(Reading(checkpoint_id=checkpoint_id, site_id=site_id, unit_path=path,
                                        device_id=device_id, event_id=s.event_id, person_id=person_id, subject=subject,
                                        taken_at=s.taken_at, temperature=s.temperature, fever=True,
                                        recorded_by_id=by_id))
        answers.accept(s)
    for device_id, _checkpoint_id, site_id, path, _threshold in prepared.values():
        if accepted_by_device[device_id]:
            entry = batch.per_site.setdefault((path, site_id), {"accepted": 0, "fevers": 0, "devices": set()})
            entry["accepted"] += accepted_by_device[device_id]
            entry["fevers"] += fevers_by_device[device_id]
            entry["devices"].add(device_id)
    return batch


def _datetime_adapter():
    """Aware datetimes as the batch's insert wants them: SQLite's text in UTC (what Django's adapter writes,
    at a fraction of the cost per value); as they are for PostgreSQL's COPY."""
    if db.copy_available():
        return lambda value: value
    if db.is_sqlite() and connection.timezone_name == "UTC":
        utc = dt.UTC
        return lambda value: str(value.astimezone(utc).replace(tzinfo=None))
    return connection.ops.adapt_datetimefield_value


# 4. The insert, the alerts, the audit.

def _batch_store(batch: _Batch, rules: dict, *, by, device: Device | None) -> list[Alert]:
    """Write the batch in one transaction. A pair stored by a concurrent request between the look-up and the
    insert is skipped (reported accepted here, duplicate to its sender): _insert_skipping_stored."""
    with transaction.atomic():
        _insert_skipping_stored(batch.rows)
        alerts = _fever_alerts(batch.fevers, rules, by=by)
        for (path, site_id), entry in batch.per_site.items():
            audit_record(actor=by, action="create", object_type="checkpoints.reading", object_id=f"site:{site_id}",
                         object_repr=gettext_noop("device readings"), unit_path=path,
                         after={"accepted": entry["accepted"], "fevers": entry["fevers"],
                                "devices": sorted(entry["devices"]),
                                **({"sent_by_device": device.code} if device is not None else {})},
                         note=gettext_noop("readings sent in one batch"))
    return alerts


_COLUMNS = ("checkpoint_id", "site_id", "unit_path", "device_id", "event_id", "person_id", "subject", "taken_at",
            "temperature", "fever", "is_recheck", "recorded_by_id", "created_at")
_STAGING = "checkpoints_reading_batch"
_DEVICE_LOCK = "checkpoints.reading.device"  # a device's batches, one transaction at a time (core.locks)


def _insert_skipping_stored(rows: list[tuple]) -> None:
    """The batch's rows (in _COLUMNS order) inserted skipping a (device, event id) pair stored already, whatever
    its time; any broken constraint still fails loudly.

    A device's event is one reading, but the table's unique constraint must hold the partition key, the time
    (core.partitions): (device, event id, time). So the pair is kept unique here: each of the batch's devices is
    locked for the transaction (core.db.advisory_xact_locks, in one order: no deadlock), then a row goes in only
    where no reading holds its pair (NOT EXISTS). A second batch for the same device waits for the first to
    commit, and its statement, started after the wait, sees the first's rows. (SQLite's writing transaction holds
    the whole database already.) ON CONFLICT DO NOTHING remains for the constraint itself.

    On PostgreSQL the rows are streamed by COPY into a temporary table of the transaction (dropped at its end,
    emptied after each batch) and inserted from it in one statement: COPY itself cannot skip a row, and a
    statement per row would be parsed and planned per row. The table lives no longer than the transaction:
    behind PgBouncer in transaction mode the connection's next transaction may run on another server
    connection. SQLite runs one prepared statement per row (executemany), which costs it next to nothing."""
    if not rows:
        return
    quote = connection.ops.quote_name
    table, columns = quote(Reading._meta.db_table), ", ".join(quote(c) for c in _COLUMNS)
    device = _COLUMNS.index("device_id")
    stored = f"SELECT 1 FROM {table} AS r WHERE r.device_id = new.device_id AND r.event_id = new.event_id"
    with transaction.atomic(), connection.cursor() as cursor:
        db.advisory_xact_locks([lock_number(_DEVICE_LOCK, device_id) for device_id in {row[device] for row in rows}])
        if db.copy_available():
            staging = quote(_STAGING)
            cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} ON COMMIT DROP "
                           f"AS SELECT {columns} FROM {table} WITH NO DATA")
            db.rows_insert(cursor, _STAGING, _COLUMNS, rows)
            cursor.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {staging} AS new "
                           f"WHERE NOT EXISTS ({stored}) ON CONFLICT DO NOTHING")
            cursor.execute(f"DELETE FROM {staging}")
        else:
            values = ", ".join(f"%s AS {quote(c)}" for c in _COLUMNS)
            cursor.executemany(f"INSERT INTO {table} ({columns}) SELECT * FROM (SELECT {values}) AS new "
                               f"WHERE NOT EXISTS ({stored}) ON CONFLICT DO NOTHING", rows)


def _fever_alerts(fevers: list[Reading], rules: dict, *, by) -> list[Alert]:
    """Alerts for the fever readings of a batch just inserted: one per person and site while an alert
    waits for its recheck (the batch's first reading of that person raises it)."""
    if not fevers:
        return []
    # The batch's fevers as stored: a pair another batch stored first (skipped here) is that batch's reading,
    # another time or no fever, and it raised that batch's alert.
    ids = {(d, e, t): pk for pk, d, e, t in Reading.objects.filter(
        device_id__in={r.device_id for r in fevers}, event_id__in={r.event_id for r in fevers}, fever=True
    ).values_list("pk", "device_id", "event_id", "taken_at")}
    waiting = open_alert_pairs({r.site_id for r in fevers}, {r.person_id for r in fevers if r.person_id})
    already = set(Alert.objects.filter(reading_id__in=list(ids.values())).values_list("reading_id", flat=True))
    alerts = []
    for r in sorted(fevers, key=lambda r: r.taken_at):
        r.pk = ids.get((r.device_id, r.event_id, r.taken_at))
        if r.pk is None or r.pk in already:
            continue
        if r.person_id is not None:
            if (r.site_id, r.person_id) in waiting:
                continue
            waiting.add((r.site_id, r.person_id))
        alerts.append(alert_from(r, rules.get(r.site_id) or rules[None]))
    Alert.objects.bulk_create(alerts)
    people = Person.objects.only("name").in_bulk({a.person_id for a in alerts if a.person_id})
    for a in alerts:  # the audit entries and the notifications name the person
        if a.person_id in people:
            a.person = people[a.person_id]
    if alerts and alerts[0].pk is None:  # ids not returned on this database: read them back
        by_reading = dict(Alert.objects.filter(reading_id__in=[a.reading_id for a in alerts])
                          .values_list("reading_id", "pk"))
        for a in alerts:
            a.pk = by_reading[a.reading_id]
    for a in alerts:
        audit_record(actor=by, action="create", obj=a, unit_path=a.unit_path,
                     after={"reading": a.reading_id, "temperature": str(a.temperature), "person": a.person_id,
                            "subject": a.subject})
    alerts_announce(alerts)
    return alerts
