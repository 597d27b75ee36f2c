"""PostgreSQL: every materialised path compares byte by byte (collation "C"; see core.fields), so a subtree's
LIKE prefix is a range of the indexes that begin with the path. New columns get it from PathField itself;
this converts the columns made before. The indexes on them are rebuilt; no row is rewritten."""

from django.db import migrations

from core.fields import PathField


def _collate(collation: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        quote = schema_editor.quote_name
        for model in apps.get_models():
            for field in model._meta.local_fields:
                if isinstance(field, PathField):
                    schema_editor.execute(f"ALTER TABLE {quote(model._meta.db_table)} ALTER COLUMN "
                                          f"{quote(field.column)} TYPE varchar({field.max_length}) COLLATE {collation}")
    return run


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_alter_auditentry_ip"),
        ("accounts", "0002_alter_apitoken_created_at"),
        ("checkpoints", "0002_default_fever_rule"),
        ("legal", "0006_search_index_fastupdate_off"),
        ("orgunits", "0001_initial"),
        ("persons", "0005_retention_disclosure"),
        ("reports", "0002_form_periods_rollup"),
        ("supplies", "0005_request_version"),
        ("tracing", "0002_contact_import"),
        ("volunteers", "0002_unit_donors"),
    ]

    operations = [migrations.RunPython(_collate('"C"'), _collate("pg_catalog.default"))]
