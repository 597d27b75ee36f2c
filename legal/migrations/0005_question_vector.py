"""PostgreSQL: the question's words in a tsvector of their own with a GIN index, so "the question matches"
is an index lookup (a weight-restricted query on the combined vector has to re-read every candidate row)."""

from django.db import migrations

FORWARD = [
    "ALTER TABLE legal_knowledgeentry ADD COLUMN search_question_vector tsvector GENERATED ALWAYS AS ("
    "to_tsvector('simple', search_question)) STORED",
    "CREATE INDEX legal_entry_question_idx ON legal_knowledgeentry USING GIN (search_question_vector)",
]
REVERSE = ["DROP INDEX legal_entry_question_idx",
           "ALTER TABLE legal_knowledgeentry DROP COLUMN search_question_vector"]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)
    return run


class Migration(migrations.Migration):
    dependencies = [("legal", "0004_search_vocabulary")]

    operations = [migrations.RunPython(_run(FORWARD), _run(REVERSE))]
