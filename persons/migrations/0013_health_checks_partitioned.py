"""PostgreSQL: health checks partitioned by month of their date (core.partitions). Nothing on SQLite."""

from django.db import migrations

from core.partitions import EventTable, partition_table, unpartition_table


def forwards(apps, schema_editor):
    partition_table(schema_editor, EventTable("persons_healthcheck", "check_date", is_date=True))


def backwards(apps, schema_editor):
    unpartition_table(schema_editor, EventTable("persons_healthcheck", "check_date", is_date=True))


class Migration(migrations.Migration):
    dependencies = [("persons", "0012_disclosure_entry_unconstrained")]
    operations = [migrations.RunPython(forwards, backwards)]
