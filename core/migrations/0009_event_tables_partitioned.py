"""PostgreSQL: notifications and the audit log partitioned by month (core.partitions); the audit log's append-only
trigger lets retention move or remove rows in a transaction that says so. Nothing on SQLite."""

from django.db import migrations

from core import db
from core.partitions import MOVING_ROWS, EventTable, partition_table, unpartition_table

APPEND_ONLY = f"""CREATE OR REPLACE FUNCTION core_auditentry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' AND current_setting('{MOVING_ROWS}', true) = 'on' THEN RETURN OLD; END IF;
        RAISE EXCEPTION 'the audit log is append-only';
    END $$"""
APPEND_ONLY_BEFORE = """CREATE OR REPLACE FUNCTION core_auditentry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$"""


def forwards(apps, schema_editor):
    if not db.is_postgresql(schema_editor.connection):
        return
    schema_editor.execute(APPEND_ONLY)
    partition_table(schema_editor, EventTable("core_notification", "created_at"))
    partition_table(schema_editor, EventTable("core_auditentry", "at"))


def backwards(apps, schema_editor):
    if not db.is_postgresql(schema_editor.connection):
        return
    unpartition_table(schema_editor, EventTable("core_auditentry", "at"))
    unpartition_table(schema_editor, EventTable("core_notification", "created_at"))
    schema_editor.execute(APPEND_ONLY_BEFORE)


class Migration(migrations.Migration):
    dependencies = [("core", "0008_delivery_notification_unconstrained")]
    operations = [migrations.RunPython(forwards, backwards)]
