"""The offline app's API: the phone's device, the day it keeps, and the sync of its queued writes.

The protocol between the phone (offline/static/offline/app.js) and the server:
- `POST /offline/devices` (signed in, line-list edit): the phone registers the key it made for itself and gets a
  token, shown once (the server keeps its hash). Every other call carries both as X-Offline-Device and
  X-Offline-Token, checked first (offline.services.device_check): 410 `wipe` (the account deactivated, the role
  removed or the device revoked; answered even without a session), 401 `login` (keep the queue, sign in again),
  403 `device` (register again), 409 `other_user` (wipe, register again). The token, which no other site can read,
  is what a cross-site request would lack.
- `GET /offline/snapshot`: the day the phone keeps (offline.selectors.snapshot_for), one access-log entry.
- `POST /offline/sync`: up to 500 writes (offline.schemas.OfflineWriteIn: a key made on the phone, the kind, when
  it was typed, the person or the key of the arrival that registered them, what the phone saw, the worker's
  choice in a conflict, the fields), answered one result each, in order: applied (once per key; `duplicate` when
  an earlier sync applied it), conflict (both values, and what to resend), refused (the reason in Chinese) or held
  (behind a write of the same person not applied). How: offline.sync.
"""

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Status
from ninja.security import django_auth

from accounts import access
from accounts.roles import PERSONS_EDIT
from offline import selectors, services
from offline.models import Device
from offline.schemas import OfflineDeviceIn, OfflineDeviceOut, OfflineErrorOut, OfflineSyncIn, OfflineSyncOut
from offline.sync import APPLIED, sync_apply

router = Router(tags=["offline"])

DEVICE_HEADER, TOKEN_HEADER = "X-Offline-Device", "X-Offline-Token"
# The device check's answers besides the API's usual ones: the phone wipes (410) or tells another user (409).
DEVICE_REFUSALS = {409: OfflineErrorOut, 410: OfflineErrorOut}


def device_of(request: HttpRequest) -> Device:
    """The device the request's headers name, checked (offline.services.device_check: 410, 401, 403 or 409)."""
    return services.device_check(key=request.headers.get(DEVICE_HEADER), token=request.headers.get(TOKEN_HEADER),
                                 session_user=request.user)


@router.post("/offline/devices", response={201: OfflineDeviceOut}, auth=django_auth, url_name="offline_device_register",
             summary="Register this phone for offline work (again: a new token, the old one no longer accepted)")
def device_register(request: HttpRequest, payload: OfflineDeviceIn):
    user = access.request_user(request)
    access.require(user, PERSONS_EDIT)
    registered = services.device_register(user=user, key=str(payload.device), label=payload.label)
    return Status(201, {"device": registered.device.key, "token": registered.token,
                        "user": selectors.user_out(user)})


@router.get("/offline/snapshot", response={200: dict, **DEVICE_REFUSALS}, auth=None, url_name="offline_snapshot",
            summary="The day this phone keeps: the worker's people (masked as the lists mask them), lists, "
                    "follow-ups, tasks and choices; one access-log entry",
            description="Needs the headers X-Offline-Device and X-Offline-Token. The shape: offline.selectors."
                        "snapshot_for.")
def snapshot(request: HttpRequest):
    device = device_of(request)
    taken = selectors.snapshot_for(device.user, day=timezone.localdate())
    services.snapshot_record(device=device, people=taken.people)
    return taken.body


@router.post("/offline/sync", response={200: OfflineSyncOut, **DEVICE_REFUSALS}, auth=None, url_name="offline_sync",
             summary="Apply the phone's queued writes, each exactly once, in order per person",
             description="Needs the headers X-Offline-Device and X-Offline-Token. At most 500 writes; one result "
                         "per write in the same order (applied, conflict, refused or held).")
def sync(request: HttpRequest, payload: OfflineSyncIn):
    device = device_of(request)
    writes = [{**w.dict(exclude={"data"}), "key": str(w.key), "person_ref": str(w.person_ref) if w.person_ref
               else None, "data": w.data.dict(exclude_none=True)} for w in payload.writes]
    results = sync_apply(device=device, writes=writes, by=device.user)
    return {"results": [r.as_dict() for r in results], "applied": sum(r.state == APPLIED for r in results)}
