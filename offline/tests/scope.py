"""The offline sync for accounts/tests/test_scope_bodies.py: a write naming an object (a person, a follow-up, a task, a
quarantine site, a grid, a document) sent by a phone of the caller, registered first; and community B's follow-up
and task, made when first asked."""

import datetime as dt
import json
from collections.abc import Callable

from django.utils import timezone

from persons.tests.conftest import resident_id

DEVICE_KEY = "00000000-0000-4000-8000-00000000d001"
WRITE_KEY = "00000000-0000-4000-8000-00000000a001"


def sync_send(write: Callable) -> Callable:
    """A probe's send: register the caller's phone, then sync one write, `write(w, value)` (kind, data…)."""

    def send(client, w, value):
        registered = client.post("/api/offline/devices", json.dumps({"device": DEVICE_KEY, "label": "probe"}),
                                 content_type="application/json")
        token = registered.json().get("token", "") if registered.status_code == 201 else ""
        body = {"key": WRITE_KEY, "at": timezone.now().isoformat(), "person": None, "person_ref": None,
                "seen": None, "resolve": None, **write(w, value)}
        return client.post("/api/offline/sync", json.dumps({"writes": [body]}), content_type="application/json",
                           headers={"X-Offline-Device": DEVICE_KEY, "X-Offline-Token": token})

    return send


def arrival(w, **data) -> dict:
    return {"kind": "arrival", "data": {"name": "新登记", "doc_type": "resident_id",
                                        "doc_number": resident_id(seq=556), "grid": w.cast.grid_a.code,
                                        "category": "hubei", "status": "home_quarantine", **data}}


def _objects(w):
    """A's and B's follow-up and task (B's made once, when first asked)."""
    if not hasattr(w, "offline"):
        from tracing import services as tracing
        from tracing.models import FollowUp

        tracing.case_register(person=w.person_b, classification="confirmed", by=None)
        exposure_b, _new = tracing.contact_add(source=w.person_b, by=None, person_data={
            "name": "月塘密接", "doc_type": "resident_id", "doc_number": resident_id(seq=457),
            "grid": w.cast.grid_b.code}, exposure_data={"last_contact": timezone.localdate() - dt.timedelta(days=1)})
        w.offline = {
            "follow_up": (FollowUp.objects.get(person=exposure_b.exposed).pk, FollowUp.objects.get(
                person=w.exposure_a.exposed).pk),
            "task": (tracing.task_create(kind="verify", person=w.person_b, by=None,
                                         due_at=timezone.now() + dt.timedelta(hours=2)).pk, w.task_a.pk)}
    return w.offline


def follow_ups(w) -> tuple:
    b, a = _objects(w)["follow_up"]
    return b, 987654321, a


def tasks(w) -> tuple:
    b, a = _objects(w)["task"]
    return b, 987654321, a
