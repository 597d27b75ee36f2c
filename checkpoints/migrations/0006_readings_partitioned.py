"""PostgreSQL: readings and passages partitioned by month (core.partitions). Nothing on SQLite."""

from django.db import migrations

from core.partitions import EventTable, partition_table, unpartition_table


def forwards(apps, schema_editor):
    partition_table(schema_editor, EventTable("checkpoints_reading", "taken_at"))
    partition_table(schema_editor, EventTable("checkpoints_passage", "at"))


def backwards(apps, schema_editor):
    unpartition_table(schema_editor, EventTable("checkpoints_passage", "at"))
    unpartition_table(schema_editor, EventTable("checkpoints_reading", "taken_at"))


class Migration(migrations.Migration):
    dependencies = [("checkpoints", "0005_readings_referenced_unconstrained")]
    operations = [migrations.RunPython(forwards, backwards)]
