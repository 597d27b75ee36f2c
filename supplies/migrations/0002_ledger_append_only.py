"""The database itself refuses to change or remove vouchers, their lines, frozen dates and publications
(SQLite and PostgreSQL), and PostgreSQL gets the pattern index its subtree filter on ledger lines needs."""

from django.db import migrations

TABLES = ["supplies_voucher", "supplies_voucherline", "supplies_ledgerfreeze", "supplies_publication"]


def _sqlite(table: str) -> list[str]:
    return [f"""CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
                BEGIN SELECT RAISE(ABORT, 'the supplies ledger is append-only'); END""",
            f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
                BEGIN SELECT RAISE(ABORT, 'the supplies ledger is append-only'); END"""]


def _postgres(table: str) -> list[str]:
    return [f"""CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
                FOR EACH ROW EXECUTE FUNCTION supplies_append_only()""",
            f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
                FOR EACH STATEMENT EXECUTE FUNCTION supplies_append_only()"""]


POSTGRES_FUNCTION = """CREATE FUNCTION supplies_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'the supplies ledger is append-only'; END $$"""
POSTGRES_INDEX = ("CREATE INDEX line_unit_like_idx ON supplies_voucherline "
                  "(unit_path varchar_pattern_ops, occurred_on)")


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        statements = [sql for table in TABLES for sql in _sqlite(table)]
    elif vendor == "postgresql":
        statements = [POSTGRES_FUNCTION, POSTGRES_INDEX] + [sql for table in TABLES for sql in _postgres(table)]
    else:
        statements = []
    for sql in statements:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for table in TABLES:
            schema_editor.execute(f"DROP TRIGGER {table}_no_update")
            schema_editor.execute(f"DROP TRIGGER {table}_no_delete")
    elif vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(f"DROP TRIGGER {table}_append_only ON {table}")
            schema_editor.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
        schema_editor.execute("DROP FUNCTION supplies_append_only()")
        schema_editor.execute("DROP INDEX line_unit_like_idx")


class Migration(migrations.Migration):
    dependencies = [("supplies", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
