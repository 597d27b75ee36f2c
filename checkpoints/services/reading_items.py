"""The items of a batch of readings read one by one: an item in the right shape becomes a `Sent`, anything else
is `Refused` with the code and the reason its sender is answered."""

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from checkpoints.services.common import TemperatureError, temperature_parse
from core.clock import aware
from persons.identity import normalize_doc_number

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


@dataclass(slots=True)
class Sent:
    """One item of a batch in the right shape: what it says, read and normalised (a badge and a document
    number as the rosters and the register keep them)."""

    index: int
    device_code: str
    event_id: str
    taken_at: dt.datetime
    temperature: Decimal
    person_id: int | None
    badge: str
    doc: str


class Refused(Exception):
    def __init__(self, code: str, reason: str, device_code: str = "", event_id: str = ""):
        super().__init__(code)
        self.code, self.reason, self.device_code, self.event_id = code, reason, device_code, event_id


def item_shaped(i: int, item, latest: dt.datetime, temperatures: dict) -> Sent:
    """Item `i` of a batch read, or Refused. `temperatures` keeps the values parsed so far in the batch."""
    if not isinstance(item, dict):
        raise Refused("invalid_item", _("Each reading is a JSON object."))
    device_code, event_id = item.get("device_id"), item.get("event_id")
    device_code = device_code.strip() if type(device_code) is str else _text(item, "device_id")
    event_id = event_id.strip() if type(event_id) is str else _text(item, "event_id")
    if not device_code or not event_id:
        raise Refused("missing_id", _("device_id and event_id are required."), device_code, event_id)
    if "\x00" in device_code or "\x00" in event_id:
        raise Refused("invalid_item", _("device_id and event_id cannot contain the NUL character (code 0)."),
                       device_code.replace("\x00", ""), event_id.replace("\x00", "")[:64])
    if len(event_id) > 64:
        raise Refused("invalid_event_id", _("event_id has at most 64 characters."), device_code, event_id[:64])
    taken_at = _time(item.get("time"))
    if taken_at is None:
        raise Refused("invalid_time", _("time is missing or not an ISO 8601 date and time."), device_code,
                       event_id)
    if taken_at > latest:
        raise Refused("future_time", _("time %(t)s lies in the future: check the device's clock.")
                       % {"t": item.get("time")}, device_code, event_id)
    raw = item.get("temperature")
    key = (type(raw), raw) if isinstance(raw, str | int | float) else None
    value = temperatures.get(key) if key is not None else None
    if value is None:
        try:
            value = temperature_parse(raw)
        except TemperatureError as exc:
            raise Refused(exc.code, str(exc), device_code, event_id) from None
        if key is not None:
            temperatures[key] = value
    person_id, badge, doc = item.get("person_id"), item.get("badge"), item.get("doc_number")
    badge = normalize_doc_number(badge if type(badge) is str else _text(item, "badge")).replace("\x00", "")
    doc = normalize_doc_number(doc if type(doc) is str else _text(item, "doc_number")).replace("\x00", "")
    if person_id in (None, "") and not badge and not doc:
        raise Refused("no_person", _("Give person_id, badge or doc_number."), device_code, event_id)
    if person_id not in (None, ""):
        person_id = _person_id(person_id)
        if person_id is None:
            raise Refused("invalid_person", _("person_id is a number."), device_code, event_id)
    else:
        person_id = None
    return Sent(i, device_code, event_id, taken_at, value, person_id, badge[:40], doc[:32])
