"""SQLite: the full-text index's own word statistics (how many entries hold each word), which legal.search
reads to tell the words that narrow a search from those in most entries."""

from django.db import migrations


def _run(sql: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            schema_editor.execute(sql)
    return run


class Migration(migrations.Migration):
    dependencies = [("legal", "0003_synonyms")]

    operations = [
        migrations.RunPython(_run("CREATE VIRTUAL TABLE legal_entry_vocab USING fts5vocab(legal_entry_fts, 'row')"),
                             _run("DROP TABLE legal_entry_vocab")),
    ]
