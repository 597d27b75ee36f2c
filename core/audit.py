"""Writing the audit log. Services call `audit_record` inside their transaction."""

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from core.models import AuditEntry


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict:
    """Return the object's concrete field values as JSON-safe data (foreign keys as ids)."""
    data = {}
    for field in obj._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        if field.name in ("password",):
            continue
        data[field.name] = field.value_from_object(obj)
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def audit_record(*, actor, action: str, obj: models.Model | None = None, object_type: str = "",
                 object_id: str = "", object_repr: str = "", unit_path: str = "",
                 before: dict | None = None, after: dict | None = None, note: str = "",
                 ip: str | None = None) -> AuditEntry:
    """Append one entry to the audit log and return it."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEntry.objects.create(
        actor=actor,
        actor_name=(actor.get_username() if actor is not None else "system"),
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:200],
        unit_path=unit_path,
        before=before,
        after=after,
        note=note[:500],
        ip=ip,
    )
