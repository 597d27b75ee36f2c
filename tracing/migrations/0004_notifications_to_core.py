"""The notification outbox moves to core (core.notifications): every notification and delivery is copied with
its id, a task's notification keeps the task as what it is about ("tracing.task", id). 0005 drops the old tables;
the copy runs in a migration of its own so that PostgreSQL checks the new rows' keys before the drop."""

from django.core.management.color import no_style
from django.db import migrations

BATCH = 2000


def _copy(source_notification, source_delivery, target_notification, target_delivery, *, to_core: bool, schema):
    for chunk in _chunks(source_notification.objects.order_by("id").values()):
        rows = []
        for row in chunk:
            if to_core:
                task_id = row.pop("task_id")
                row["about_type"], row["about_id"] = ("tracing.task", str(task_id)) if task_id else ("", "")
            else:
                about_type, about_id = row.pop("about_type"), row.pop("about_id")
                row["task_id"] = int(about_id) if about_type == "tracing.task" and about_id.isdigit() else None
            rows.append(target_notification(**row))
        target_notification.objects.bulk_create(rows)
    for chunk in _chunks(source_delivery.objects.order_by("id").values()):
        target_delivery.objects.bulk_create([target_delivery(**row) for row in chunk])
    # Ids were copied: the sequences (PostgreSQL) move past them.
    connection = schema.connection
    statements = connection.ops.sequence_reset_sql(no_style(), [target_notification, target_delivery])
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def _chunks(values):
    chunk = []
    for row in values.iterator(chunk_size=BATCH):
        chunk.append(row)
        if len(chunk) == BATCH:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def forwards(apps, schema_editor):
    _copy(apps.get_model("tracing", "Notification"), apps.get_model("tracing", "Delivery"), apps.get_model("core", "Notification"),
          apps.get_model("core", "Delivery"), to_core=True, schema=schema_editor)


def backwards(apps, schema_editor):
    # The old model stamped its time on insert: keep the copied one (this historical model only).
    apps.get_model("tracing", "Notification")._meta.get_field("created_at").auto_now_add = False
    _copy(apps.get_model("core", "Notification"), apps.get_model("core", "Delivery"),
          apps.get_model("tracing", "Notification"), apps.get_model("tracing", "Delivery"), to_core=False,
          schema=schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ("tracing", "0003_contact_import_background"),
        ("core", "0006_notifications"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
