"""Writing the audit log (services call `audit_record` inside their transaction) and reading it in the reader's
language (the pages showing entries call the `*_text` helpers, through the audit_display template filters)."""

import json
from functools import cache

from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import FieldDoesNotExist
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, models, router
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy, gettext_noop

from core.actors import Actor
from core.lengths import PROJECT_APPS
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


def audit_record(*, actor: "Actor | AnonymousUser", action: str, obj: models.Model | None = None, object_type: str = "",
                 object_id: str = "", object_repr: str = "", unit_path: str = "",
                 before: dict | None = None, after: dict | None = None, note: str = "",
                 ip: str | None = None) -> AuditEntry:
    """Append one entry to the audit log and return it."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
    user = None if actor is None or isinstance(actor, AnonymousUser) or not actor.is_authenticated else actor
    entry = AuditEntry(actor=user, actor_name=(user.get_username() if user is not None else "system"), action=action,
                       object_type=object_type, object_id=object_id, object_repr=object_repr[:200],
                       unit_path=unit_path, before=before, after=after, note=note[:500], ip=ip)
    _append(entry)
    return entry


def _append(entry: AuditEntry) -> None:
    """INSERT the new entry by a statement written once per process: nearly every view of a person and every write
    appends one, and building the ORM's INSERT cost more than running it. No signal is sent for an entry (none is
    listened to: the log is append-only, core.models)."""
    alias = router.db_for_write(AuditEntry)
    connection = connections[alias]
    fields = [f for f in AuditEntry._meta.concrete_fields if not f.primary_key]
    sql = _append_sql(alias)
    values = [f.get_db_prep_save(getattr(entry, f.attname), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        pk = (cursor.fetchone()[0] if connection.features.can_return_columns_from_insert
              else connection.ops.last_insert_id(cursor, AuditEntry._meta.db_table, str(AuditEntry._meta.pk.column)))
    entry.pk = pk
    entry._state.adding, entry._state.db = False, alias


@cache
def _append_sql(alias: str) -> str:
    connection = connections[alias]
    quote = connection.ops.quote_name
    fields = [f for f in AuditEntry._meta.concrete_fields if not f.primary_key]
    returned = (f" RETURNING {quote(str(AuditEntry._meta.pk.column))}"
                if connection.features.can_return_columns_from_insert else "")
    return (f"INSERT INTO {quote(AuditEntry._meta.db_table)} ({', '.join(quote(str(f.column)) for f in fields)})"
            f" VALUES ({', '.join(['%s'] * len(fields))}){returned}")


def fields_update(obj: models.Model, *, by: Actor, unit_path: str, **values) -> None:
    """Set `values` on the object, save only those fields and record the change (before and after) under
    `unit_path`. Call it inside the service's transaction."""
    names = list(values)
    before = snapshot(obj, names)
    for name, value in values.items():
        setattr(obj, name, value)
    obj.save(update_fields=names)
    audit_record(actor=by, action="update", obj=obj, unit_path=unit_path, before=before,
                 after=snapshot(obj, names))


# Reading the audit log. An entry names what it is about by a model's label ("persons.person") and may carry a
# note that is an English msgid marked with gettext_noop where it was written (or text a user typed); these turn
# both, and the fields an entry recorded, into the reader's language.

# Object types that name no model of their own.
OBJECT_TYPES = {
    "orgunits.divisions": gettext_lazy("official administrative divisions"),
    "tracing.referral": gettext_lazy("referral to another community"),
    "supplies.finding": gettext_lazy("audit finding"),
    "reports.figure": gettext_lazy("figure definitions"),
}
# Notes written as codes before they were written as msgids (the entries stay as they were: the log is
# append-only).
_NOTES_WRITTEN_AS_CODES = {"api": gettext_noop("the API"), "tracing": gettext_noop("contact tracing"),
                           "batch": gettext_noop("readings sent in one batch"),
                           "approve": gettext_noop("request approved"), "reject": gettext_noop("request rejected"),
                           "edit": gettext_noop("request changed"), "close": gettext_noop("request closed"),
                           "swap": gettext_noop("two people swapped their shifts")}
# Keys that services record beside a model's fields (counts, links, what a merge or a move did).
RECORDED_KEYS = {
    "import_job": gettext_lazy("import"), "merged_into": gettext_lazy("merged into"),
    "merged_case": gettext_lazy("merged case"), "tasks_closed": gettext_lazy("tasks closed"),
    "people": gettext_lazy("people"), "rows": gettext_lazy("rows"), "format": gettext_lazy("format"),
    "accepted": gettext_lazy("accepted"), "fevers": gettext_lazy("fevers"), "devices": gettext_lazy("devices"),
    "sent_by_device": gettext_lazy("sent by device"), "error_rows": gettext_lazy("rows with errors"),
    "created": gettext_lazy("created"), "updated": gettext_lazy("updated"), "moved": gettext_lazy("moved"),
    "retired": gettext_lazy("retired"), "data_as_of": gettext_lazy("data as of"),
    "communities": gettext_lazy("communities"), "grids": gettext_lazy("grids"),
    "first": gettext_lazy("first shift"), "second": gettext_lazy("second shift"),
    "temperature": gettext_lazy("temperature"),
    # a person list's export: the filters it was made with
    "filters": gettext_lazy("filters"), "full": gettext_lazy("document numbers in full"),
    "category": gettext_lazy("category"), "status": gettext_lazy("status"), "initials": gettext_lazy("pinyin initials"),
    "doc_suffix": gettext_lazy("ID number ends with"), "arrived": gettext_lazy("came into the category on"),
    "day": gettext_lazy("date"),
    # follow-up's daily runs (tracing)
    "extended": gettext_lazy("follow-ups extended"), "days": gettext_lazy("days added"),
    # what the deterministic generator made (persons.generator)
    "households": gettext_lazy("households"), "category_episodes": gettext_lazy("category periods"),
    "status_episodes": gettext_lazy("status periods"), "health_checks": gettext_lazy("health checks"),
    "first_id": gettext_lazy("first id"), "last_id": gettext_lazy("last id"), "seconds": gettext_lazy("seconds"),
    "planted": gettext_lazy("planted duplicates"), "seed": gettext_lazy("seed"), "units": gettext_lazy("units"),
}
# Fields that carry no verbose name of their own, by name (a foreign key's otherwise names its model).
FIELD_NAMES = {
    "created_at": gettext_lazy("created at"), "created_by": gettext_lazy("created by"),
    "updated_at": gettext_lazy("updated at"), "updated_by": gettext_lazy("updated by"),
    "by": gettext_lazy("done by"), "at": gettext_lazy("done at"), "recorded_by": gettext_lazy("recorded by"),
    "started_by": gettext_lazy("started by"), "ended_by": gettext_lazy("ended by"),
    "decided_by": gettext_lazy("decided by"), "set_by": gettext_lazy("set by"), "set_at": gettext_lazy("set at"),
    "published_by": gettext_lazy("published by"), "linked_by": gettext_lazy("linked by"),
    "linked_at": gettext_lazy("linked at"), "submitted_by": gettext_lazy("submitted by"),
    "reviewed_by": gettext_lazy("reviewed by"), "finished_at": gettext_lazy("finished at"),
    "sent_at": gettext_lazy("sent at"), "version": gettext_lazy("version"),
    "lock_version": gettext_lazy("version"), "revision": gettext_lazy("revision"), "order": gettext_lazy("order"),
    "key_hash": gettext_lazy("key digest"), "continued": gettext_lazy("continues the previous period"),
    "file": gettext_lazy("file"), "error_file": gettext_lazy("error file"), "total_rows": gettext_lazy("rows"),
    "processed_rows": gettext_lazy("rows processed"), "unchanged": gettext_lazy("unchanged"),
    "message": gettext_lazy("message"), "error": gettext_lazy("error"), "attempts": gettext_lazy("attempts"),
    "about_type": gettext_lazy("about"), "about_id": gettext_lazy("about (id)"),
    "doc_tail": gettext_lazy("last digits of the document number"), "spec_key": gettext_lazy("specification"),
    "person_low": gettext_lazy("person"), "person_high": gettext_lazy("other person"),
    "kept": gettext_lazy("record kept"), "dropped": gettext_lazy("record merged into it"),
    "dropped_id": gettext_lazy("record merged into it"), "kind": gettext_lazy("kind"),
    "occurred_on": gettext_lazy("date"), "totals": gettext_lazy("totals"), "state": gettext_lazy("state"),
    "values": gettext_lazy("values"), "manual": gettext_lazy("values entered by hand"),
    "comment": gettext_lazy("comment"), "data": gettext_lazy("details"),
    "search_question": gettext_lazy("question"), "search_body": gettext_lazy("answer"),
    "computed_at": gettext_lazy("computed at"), "members": gettext_lazy("people counted"),
}
SYSTEM_ACTOR = "system"  # the actor_name of entries written by commands, the background worker and the demo


def _model(object_type: str):
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def object_type_label(object_type: str) -> str:
    """What an entry is about, in the reader's language: the model's verbose name ("人员" for persons.person)."""
    if object_type in OBJECT_TYPES:
        return str(OBJECT_TYPES[object_type])
    model = _model(object_type)
    if model is None:
        return gettext("record") if object_type else ""
    return str(model._meta.verbose_name)


def object_type_choices() -> list[tuple[str, str]]:
    """(object type, its name) for every model of the project and every other type written, by name."""
    types = {m._meta.label_lower: str(m._meta.verbose_name) for m in apps.get_models()
             if m._meta.app_label in PROJECT_APPS}
    types.update({k: str(v) for k, v in OBJECT_TYPES.items()})
    return sorted(types.items(), key=lambda kv: kv[1])


def note_text(note: str) -> str:
    """An entry's note in the reader's language (a note a user typed is shown as typed)."""
    note = _NOTES_WRITTEN_AS_CODES.get(note, note)
    return gettext(note) if note else ""


def actor_text(entry: AuditEntry) -> str:
    return gettext("the system") if entry.actor_id is None and entry.actor_name in ("", SYSTEM_ACTOR) \
        else entry.actor_name


def _field(model, key):
    if model is None:
        return None
    try:
        field = model._meta.get_field(key)
    except FieldDoesNotExist:
        return None
    return field if hasattr(field, "verbose_name") else None  # a reverse relation names no field of the entry


def field_label(model, key: str) -> str:
    """The name of a model's field or of a value recorded beside them, in the reader's language: the field's
    verbose name when it has one, else its usual name, else (a foreign key) its model's name."""
    field = _field(model, key)
    if field is not None and isinstance(field.verbose_name, Promise):
        return str(field.verbose_name)
    if key in FIELD_NAMES or key in RECORDED_KEYS:
        return str(FIELD_NAMES.get(key) or RECORDED_KEYS[key])
    if field is not None and field.related_model is not None:
        return str(field.related_model._meta.verbose_name)
    return str(field.verbose_name) if field is not None else key


def _value_text(model, key: str, value) -> str:
    field = _field(model, key)
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if field is not None and field.choices:
        labels = {str(k): v for k, v in field.flatchoices}
        values = value if isinstance(value, list) else [value]
        return "、".join(str(labels.get(str(v), v)) for v in values)
    if isinstance(value, list):
        return "、".join(_value_text(None, "", v) for v in value)
    if isinstance(value, dict):  # a snapshot of the same model (the two shifts of a swap)
        return "；".join(f"{field_label(model, k)}：{_value_text(model, k, v)}" for k, v in value.items())
    return str(value)


def changes_text(entry: AuditEntry) -> list[tuple[str, str, str]]:
    """(field, before, after) for each recorded value that differs, named and shown in the reader's language:
    a model field by its verbose name, a choice by its label."""
    model = _model(entry.object_type)
    return [(field_label(model, key), _value_text(model, key, before), _value_text(model, key, after))
            for key, before, after in entry.changed_fields()]
