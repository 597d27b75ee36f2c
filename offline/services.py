"""The phone's device (registered, checked on every call, revoked) and the access log of the day it keeps.

The sync of its queued writes: offline.sync (sync_apply)."""

import hashlib
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.access import scope_for
from accounts.roles import PERSONS_EDIT
from core.audit import audit_record
from core.errors import DomainError
from offline.models import Device
from persons.access_log import common_path, people_viewed_record
from persons.models import Person

# The access log's name of an offline snapshot: a msgid, translated when the log is read.
SNAPSHOT_REPR = gettext_noop("the day kept on a phone for offline work")


class DeviceRefused(DomainError):
    """The device headers do not allow the call; `code` tells the phone what to do (the protocol: offline.api):
    wipe (410) deletes everything it holds, login (401) keeps the queue and asks for a new sign-in, other_user (409)
    wipes and registers again, device (403) registers again keeping the queue."""


def _wipe() -> DeviceRefused:
    return DeviceRefused("wipe", _("This account is deactivated or no longer allowed to work offline: the offline "
                                   "data on this device has been erased."), status=410)


def _login() -> DeviceRefused:
    return DeviceRefused("login", _("Your sign-in has expired: sign in again to send what is waiting."), status=401)


def _other_user() -> DeviceRefused:
    return DeviceRefused("other_user", _("Another account is signed in on this device: the offline data of the "
                                         "previous account has been erased."), status=409)


def _unknown_device() -> DeviceRefused:
    return DeviceRefused("device", _("This device is not registered for offline work (or its registration was "
                                     "replaced): it registers again."), status=403)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _unit_path_of(user) -> str:
    """Where a user's device entries are kept in the audit log: the deepest unit above their PERSONS_EDIT scope."""
    paths = scope_for(user, PERSONS_EDIT).paths
    return common_path(paths) if paths else ""


@dataclass
class Registered:
    device: Device
    token: str  # shown once: the server keeps only its hash


def device_register(*, user, key: str, label: str = "") -> Registered:
    """Register the phone `key` of `user` (who holds persons.edit: the caller checks), or register it again: a new
    token either way, the old one no longer accepted; a revoked device is taken back into use by its user."""
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        device = Device.objects.select_for_update().filter(user=user, key=key).first()
        created = device is None
        if created:
            device = Device(user=user, key=key)
        device.token_hash, device.label, device.revoked_at = token_hash(token), label[:200], None
        device.last_seen = timezone.now()
        device.save()
        audit_record(actor=user, action="create" if created else "update", obj=device,
                     unit_path=_unit_path_of(user), after={"key": key, "label": device.label},
                     note=gettext_noop("device registered for offline work"))
    return Registered(device=device, token=token)


def device_revoke(*, device: Device, by) -> Device:
    """Stop a device: its next call answers wipe (410)."""
    with transaction.atomic():
        if device.revoked_at is None:
            device.revoked_at = timezone.now()
            device.save(update_fields=["revoked_at"])
            audit_record(actor=by, action="update", obj=device, unit_path=_unit_path_of(device.user),
                         after={"revoked_at": device.revoked_at.isoformat()},
                         note=gettext_noop("device revoked for offline work"))
    return device


def device_check(*, key: str | None, token: str | None, session_user) -> Device:
    """The device a call names by its headers, or DeviceRefused, decided in this order:
    1. a device whose token matches, of a user inactive, without persons.edit anywhere, or revoked: wipe (410),
       whether or not a session remains (a deactivated user has none);
    2. no signed-in session: login (401);
    3. no such device, or a token that does not match: device (403);
    4. the device is another user's than the session's: other_user (409)."""
    device = None
    if key and token:
        device = Device.objects.filter(key=key, token_hash=token_hash(token)).select_related("user").first()
    if device is not None:
        owner = device.user
        if device.revoked_at is not None or not owner.is_active or scope_for(owner, PERSONS_EDIT).empty:
            raise _wipe()
    if not getattr(session_user, "is_authenticated", False):
        raise _login()
    if device is None:
        raise _unknown_device()
    if device.user_id != session_user.pk:
        raise _other_user()
    device.user = session_user  # the request's user object: its memberships are read once for the request
    return device


def snapshot_record(*, device: Device, people: list[Person]) -> None:
    """The access log's one entry for the day a phone took (who was on it), and when the phone was last seen."""
    with transaction.atomic():
        people_viewed_record(user=device.user, people=people, object_repr=SNAPSHOT_REPR, note=device.label)
        Device.objects.filter(pk=device.pk).update(last_seen=timezone.now())
