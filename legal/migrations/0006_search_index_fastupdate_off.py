"""PostgreSQL: the search indexes take new entries straight into their trees (fastupdate off). With it on, new
entries wait in a pending list that every search scans in full until a vacuum merges it; the knowledge base
is written a few entries a day and searched all day, so the write pays instead of every read."""

from django.db import migrations

INDEXES = ["legal_entry_search_idx", "legal_entry_question_idx"]


def _set(value: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for index in INDEXES:
                schema_editor.execute(f"ALTER INDEX {index} SET (fastupdate = {value})")
                if value == "off":
                    schema_editor.execute(f"SELECT gin_clean_pending_list('{index}'::regclass)")
    return run


class Migration(migrations.Migration):
    dependencies = [("legal", "0005_question_vector")]

    operations = [migrations.RunPython(_set("off"), _set("on"))]
