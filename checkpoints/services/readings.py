"""Temperature readings: one at a time from a phone, or in batches from thermometers and gate terminals.

A batch is answered item by item (accepted, duplicate, refused with the reason) and written set-based:
one round of look-ups for the whole batch, one bulk insert that skips (device, event id) pairs already
stored, then the alerts of its fever readings.
"""

import datetime as dt
import json
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.roles import CHECKPOINTS_RECORD
from checkpoints.access import site_scope
from checkpoints.models import Alert, Checkpoint, Device, Reading, TeamMember
from checkpoints.selectors import people_reachable, person_reach, person_reachable
from checkpoints.services.alerts import alert_from, alerts_announce, alerts_raise, open_alert_pairs
from checkpoints.services.common import (
    FUTURE_SLACK,
    TemperatureError,
    aware,
    check_scope,
    in_future,
    rules_for,
    temperature_parse,
)
from core.audit import audit_record, snapshot
from core.errors import DomainError
from persons.identity import normalize_doc_number
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
    taken_at = aware(taken_at) or timezone.now()
    errors: dict[str, list[str]] = {}
    try:
        value = temperature_parse(temperature)
    except ValueError as exc:
        errors["temperature"] = [str(exc)]
    if in_future(taken_at):
        errors["taken_at"] = [_("In the future.")]
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


# Times a reading may carry: from 2000 on (a device whose clock was reset to 1970 sends junk, and earlier years
# lie past what the database's timestamps and the zone conversions hold); the future is refused separately.
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
LATEST_SECONDS = 4102444800  # 2100-01-01 in Unix seconds: anything above is read as milliseconds


def _time(raw) -> dt.datetime | None:
    """The reading's time, or None when it is missing, unreadable or not a time a reading can have (NaN,
    infinities, years beyond 9999 or before 2000, numbers no clock gives)."""
    try:
        if isinstance(raw, dt.datetime):
            at = aware(raw)
        elif isinstance(raw, int | float) and not isinstance(raw, bool):
            if not math.isfinite(raw) or not 0 <= raw <= LATEST_SECONDS * 1000:
                return None
            seconds = raw / 1000 if raw > LATEST_SECONDS else raw  # milliseconds, as many terminals send
            at = dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
        elif isinstance(raw, str) and raw.strip() and len(raw) <= 64:
            parsed = parse_datetime(raw.strip())
            at = aware(parsed) if parsed else None
        else:
            return None
        if at is None or at < EARLIEST:
            return None
        at.astimezone(dt.UTC)  # an offset that carries the time past year 1 or 9999 fails here, not at the insert
    except (ValueError, OverflowError, OSError):
        return None
    return at


def _text(item: dict, key: str) -> str:
    value = item.get(key)
    return "" if value is None else str(value).strip().replace("\x00", "")


def _person_id(raw) -> int | None:
    """A person id as the database can hold it (a positive 64-bit integer), else None."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, float):
        if not raw.is_integer():
            return None
        raw = int(raw)
    try:
        value = int(str(raw).strip()) if isinstance(raw, str) else int(raw)
    except (TypeError, ValueError):
        return None
    return value if 0 < value < 2**63 else None


def readings_ingest(*, items: list, by, device: Device | None = None) -> IngestResult:
    """Store a batch of device readings, answering each item: accepted, duplicate (its device and event id
    are stored already, or repeated in the batch) or refused with the reason.

    Sent by a device (`device`, authenticated by its own key; `by` is then None) the items may name only that
    device, and people on its site's roster or under its site's unit; sent by a user, devices and people in the
    user's scope (a person: on the device site's roster or in the user's line-list scope). A person outside
    is answered exactly as an id nobody has, and a document number outside as one nobody registered."""
    if device is not None and by is not None:
        raise ValueError("a batch is sent by a device or by a user, not both")
    if not isinstance(items, list):
        raise DomainError("invalid_batch", _("Send a JSON list of readings."))
    if len(items) > MAX_BATCH:
        raise DomainError("batch_too_large", _("At most %(n)d readings per batch; this one has %(m)d.")
                          % {"n": MAX_BATCH, "m": len(items)}, status=413)
    result = IngestResult()
    answers: list[dict | None] = [None] * len(items)

    def refuse(i: int, code: str, reason: str, device_id: str = "", event: str = "") -> None:
        answers[i] = {"index": i, "device_id": device_id, "event_id": event, "status": "refused", "code": code,
                      "reason": reason}

    # 1. The shape of each item. Devices send the same few temperatures over and over: each distinct value
    # is parsed once per batch.
    shaped = []
    latest = timezone.now() + FUTURE_SLACK
    temperatures: dict[tuple[type, object], Decimal] = {}
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            refuse(i, "invalid_item", _("Each reading is a JSON object."))
            continue
        device_code, event_id = item.get("device_id"), item.get("event_id")
        device_code = device_code.strip() if type(device_code) is str else _text(item, "device_id")
        event_id = event_id.strip() if type(event_id) is str else _text(item, "event_id")
        if not device_code or not event_id:
            refuse(i, "missing_id", _("device_id and event_id are required."), device_code, event_id)
            continue
        if "\x00" in device_code or "\x00" in event_id:
            refuse(i, "invalid_item", _("device_id and event_id cannot contain the NUL character (code 0)."),
                   device_code.replace("\x00", ""), event_id.replace("\x00", "")[:64])
            continue
        if len(event_id) > 64:
            refuse(i, "invalid_event_id", _("event_id has at most 64 characters."), device_code, event_id[:64])
            continue
        taken_at = _time(item.get("time"))
        if taken_at is None:
            refuse(i, "invalid_time", _("time is missing or not an ISO 8601 date and time."), device_code, event_id)
            continue
        if taken_at > latest:
            refuse(i, "future_time", _("time %(t)s lies in the future: check the device's clock.")
                   % {"t": item.get("time")}, device_code, event_id)
            continue
        raw = item.get("temperature")
        key = (type(raw), raw) if isinstance(raw, str | int | float) else None
        value = temperatures.get(key) if key is not None else None
        if value is None:
            try:
                value = temperature_parse(raw)
            except TemperatureError as exc:
                refuse(i, exc.code, str(exc), device_code, event_id)
                continue
            if key is not None:
                temperatures[key] = value
        person_id, badge, doc = item.get("person_id"), item.get("badge"), item.get("doc_number")
        badge = normalize_doc_number(badge if type(badge) is str else _text(item, "badge")).replace("\x00", "")
        doc = normalize_doc_number(doc if type(doc) is str else _text(item, "doc_number")).replace("\x00", "")
        if person_id in (None, "") and not badge and not doc:
            refuse(i, "no_person", _("Give person_id, badge or doc_number."), device_code, event_id)
            continue
        if person_id not in (None, ""):
            person_id = _person_id(person_id)
            if person_id is None:
                refuse(i, "invalid_person", _("person_id is a number."), device_code, event_id)
                continue
        else:
            person_id = None
        shaped.append((i, device_code, event_id, taken_at, value, person_id, badge[:40], doc[:32]))

    # 2. One round of look-ups for the batch.
    codes = {s[1] for s in shaped}
    if device is not None:
        devices = {device.code: device} if device.code in codes else {}
        devices.update({d.code: d for d in Device.objects.filter(code__in=codes - {device.code})})
    else:
        devices = {d.code: d for d in Device.objects.filter(code__in=codes)}
    scope = site_scope(by, CHECKPOINTS_RECORD) if by is not None else None
    usable = {}
    for code, known in devices.items():
        if not known.active:
            continue
        if device is not None and known.pk != device.pk:
            continue
        if scope is not None and not scope.covers(known.unit_path, known.site_id):
            continue
        usable[code] = known
    device_ids = [d.pk for d in usable.values()]
    event_ids = {s[2] for s in shaped if s[1] in usable}
    stored = _stored_pairs(device_ids, event_ids)
    site_ids = {d.site_id for d in usable.values()}
    site_of = {code: d.site_id for code, d in usable.items()}
    wanted_ids = {s[5] for s in shaped if s[5] is not None and s[1] in usable}
    paths = dict(Person.objects.filter(pk__in=wanted_ids).values_list("pk", "unit_path")) if wanted_ids else {}
    badges = {s[6] for s in shaped if s[6]}
    by_badge = {(site, badge): pid for site, badge, pid in TeamMember.objects.filter(
        site_id__in=site_ids, badge__in=badges, left_at__isnull=True).values_list("site_id", "badge", "person_id")
    } if badges else {}
    docs = {s[7] for s in shaped if s[7] and s[1] in usable}
    by_doc = {}
    if docs:
        for number, pid, path in Person.objects.filter(doc_type__in=DOC_TYPES, doc_number__in=docs).values_list(
                "doc_number", "pk", "unit_path"):
            by_doc[number], paths[pid] = pid, path
    # Whom the sender may name, per device site: one look-up of the rosters for the people not already in reach.
    named = {(site_of[s[1]], s[5]) for s in shaped if s[5] is not None and s[1] in usable}
    named |= {(site_of[s[1]], by_doc[s[7]]) for s in shaped if s[7] in by_doc and s[1] in usable}
    reachable = people_reachable(named, paths, person_reach(by=by, device=device)) if named else set()
    rules = rules_for(site_ids)

    # 3. Each item against the look-ups, into rows ready for the database. What a device's rows repeat is
    # taken from it once.
    rows: list[tuple] = []
    fevers: list[Reading] = []
    fever_index: dict[tuple[int, str], int] = {}
    seen: set[tuple[int, str]] = set()
    accepted_by_device: Counter[int] = Counter()
    fevers_by_device: Counter[int] = Counter()
    duplicates = 0
    prepared = {code: (d.pk, d.checkpoint_id, d.site_id, d.unit_path, (rules.get(d.site_id) or rules[None]).threshold)
                for code, d in usable.items()}
    adapt = _datetime_adapter()
    created_at, by_id = adapt(timezone.now()), (by.pk if by is not None else None)
    for i, code, event_id, taken_at, value, person_id, badge, doc in shaped:
        target = prepared.get(code)
        if target is None:
            known = devices.get(code)
            # A device outside the sender's scope is answered as one that does not exist (DESIGN, invariant 8).
            visible = known is not None and (scope is None or scope.covers(known.unit_path, known.site_id))
            if device is not None and code != device.code:  # a device sends for itself alone
                refuse(i, "device_not_yours", _("The device %(code)s is not one you may send readings for.")
                       % {"code": code}, code, event_id)
            elif not visible:
                refuse(i, "unknown_device", _("No device is registered with the id %(code)s.") % {"code": code},
                       code, event_id)
            else:
                refuse(i, "device_inactive", _("The device %(code)s is no longer in use.") % {"code": code},
                       code, event_id)
            continue
        device_id, checkpoint_id, site_id, path, threshold = target
        key = (device_id, event_id)
        if key in stored or key in seen:
            answers[i] = {"index": i, "device_id": code, "event_id": event_id, "status": "duplicate"}
            duplicates += 1
            continue
        if person_id is not None and (site_id, person_id) not in reachable:
            refuse(i, "unknown_person", _("No person has the id %(id)s.") % {"id": person_id}, code, event_id)
            continue
        subject = ""
        if person_id is None:
            person_id = by_badge.get((site_id, badge)) if badge else None
            if person_id is None and doc and (site_id, by_doc.get(doc)) in reachable:
                person_id = by_doc[doc]
            if person_id is None:
                subject = badge or doc
        seen.add(key)
        fever = value >= threshold
        rows.append((checkpoint_id, site_id, path, device_id, event_id, person_id, subject, adapt(taken_at), value,
                     fever, False, by_id, created_at))
        accepted_by_device[device_id] += 1
        if fever:
            fevers_by_device[device_id] += 1
            fever_index[key] = i
            fevers.append(Reading(checkpoint_id=checkpoint_id, site_id=site_id, unit_path=path, device_id=device_id,
                                  event_id=event_id, person_id=person_id, subject=subject, taken_at=taken_at,
                                  temperature=value, fever=True, recorded_by_id=by_id))
        answers[i] = {"index": i, "device_id": code, "event_id": event_id, "status": "accepted"}
    per_site: dict[tuple[str, int], dict] = defaultdict(lambda: {"accepted": 0, "fevers": 0, "devices": set()})
    for device_id, _checkpoint_id, site_id, path, _threshold in prepared.values():
        if accepted_by_device[device_id]:
            entry = per_site[(path, site_id)]
            entry["accepted"] += accepted_by_device[device_id]
            entry["fevers"] += fevers_by_device[device_id]
            entry["devices"].add(device_id)

    # 4. The insert, the alerts, the audit. A pair stored by a concurrent request between the look-up and
    # the insert is skipped by the unique constraint (reported accepted here, duplicate to its sender).
    with transaction.atomic():
        _insert_skipping_stored(rows)
        alerts = _fever_alerts(fevers, rules, by=by)
        for (path, site_id), entry in per_site.items():
            audit_record(actor=by, action="create", object_type="checkpoints.reading", object_id=f"site:{site_id}",
                         object_repr=gettext_noop("device readings"), unit_path=path,
                         after={"accepted": entry["accepted"], "fevers": entry["fevers"],
                                "devices": sorted(entry["devices"]),
                                **({"sent_by_device": device.code} if device is not None else {})},
                         note=gettext_noop("readings sent in one batch"))
    raised = sorted((fever_index[(a.reading.device_id, a.reading.event_id)], a.pk) for a in alerts)
    for i, alert_id in raised:
        answers[i]["alert_id"] = alert_id
    result.alerts = [alert_id for _i, alert_id in raised]
    result.accepted, result.duplicates = len(rows), duplicates
    result.refused = len(answers) - len(rows) - duplicates
    result.items = answers
    return result


def _stored_pairs(device_ids: list[int], event_ids: set[str]) -> set[tuple[int, str]]:
    """The (device, event id) pairs among these already stored: one query on the unique index. Written as
    SQL with the event ids as one array (PostgreSQL) or one JSON list (SQLite): an ORM `__in` of thousands
    of values costs more to build than the query costs to run."""
    if not device_ids or not event_ids:
        return set()
    quote = connection.ops.quote_name
    table, events = quote(Reading._meta.db_table), sorted(event_ids)
    devices = ", ".join(["%s"] * len(device_ids))
    if connection.vendor == "postgresql":
        in_events, param = "= ANY(%s)", events
    else:
        in_events, param = "IN (SELECT value FROM json_each(%s))", json.dumps(events)
    sql = (f"SELECT device_id, event_id FROM {table} "
           f"WHERE device_id IN ({devices}) AND event_id {in_events}")
    with connection.cursor() as cursor:
        cursor.execute(sql, [*device_ids, param])
        return {(device_id, event_id) for device_id, event_id in cursor.fetchall()}


def _datetime_adapter():
    """Aware datetimes as the batch's insert wants them: SQLite's text in UTC (what Django's adapter writes,
    at a fraction of the cost per value), ISO 8601 text for PostgreSQL's JSON parameter."""
    if connection.vendor == "postgresql":
        return dt.datetime.isoformat
    if connection.vendor == "sqlite" and connection.timezone_name == "UTC":
        utc = dt.UTC
        return lambda value: str(value.astimezone(utc).replace(tzinfo=None))
    return connection.ops.adapt_datetimefield_value


_COLUMNS = ("checkpoint_id", "site_id", "unit_path", "device_id", "event_id", "person_id", "subject", "taken_at",
            "temperature", "fever", "is_recheck", "recorded_by_id", "created_at")


def _insert_skipping_stored(rows: list[tuple]) -> None:
    """The batch's rows (in _COLUMNS order) in one INSERT … ON CONFLICT DO NOTHING: a (device, event id) pair
    stored already is skipped by its unique constraint; any other broken constraint still fails loudly.
    On PostgreSQL one statement inserts them all from one typed array per column (unnest): a statement per
    row would be parsed and planned per row, arrays quoted by the driver cost more to build than to insert,
    and JSON costs the server twice the insert to take apart. SQLite runs one prepared statement per row
    (executemany), which costs it next to nothing."""
    if not rows:
        return
    quote = connection.ops.quote_name
    table, columns = quote(Reading._meta.db_table), ", ".join(quote(c) for c in _COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            arrays = ", ".join(f"%s::{_column_type(c)}[]" for c in _COLUMNS)
            cursor.execute(f"INSERT INTO {table} ({columns}) SELECT * FROM unnest({arrays}) ON CONFLICT DO NOTHING",
                           [_array_text(column) for column in zip(*rows, strict=True)])
        else:
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(_COLUMNS))}) "
                               "ON CONFLICT DO NOTHING", rows)


def _array_text(values) -> str:
    """A PostgreSQL array literal of the values (None, booleans, numbers, text), cast by the statement."""
    return "{" + ",".join(_element(v) for v in values) + "}"


def _element(value) -> str:
    if value is None:
        return "NULL"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, int | Decimal):
        return str(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _column_type(column: str) -> str:
    field = next(f for f in Reading._meta.concrete_fields if f.column == column)
    return field.rel_db_type(connection) if field.is_relation else field.db_type(connection)


def _fever_alerts(fevers: list[Reading], rules: dict, *, by) -> list[Alert]:
    """Alerts for the fever readings of a batch just inserted: one per person and site while an alert
    waits for its recheck (the batch's first reading of that person raises it)."""
    if not fevers:
        return []
    ids = {(d, e): pk for pk, d, e in Reading.objects.filter(
        device_id__in={r.device_id for r in fevers}, event_id__in={r.event_id for r in fevers}
    ).values_list("pk", "device_id", "event_id")}
    waiting = open_alert_pairs({r.site_id for r in fevers}, {r.person_id for r in fevers if r.person_id})
    already = set(Alert.objects.filter(reading_id__in=list(ids.values())).values_list("reading_id", flat=True))
    alerts = []
    for r in sorted(fevers, key=lambda r: r.taken_at):
        r.pk = ids.get((r.device_id, r.event_id))
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
