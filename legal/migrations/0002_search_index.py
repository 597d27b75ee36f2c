"""The full-text index of the knowledge base, one per database (see legal/search.py).

SQLite: an FTS5 table over the entries' word columns (external content: it stores only the index), kept
up to date by triggers. PostgreSQL: a stored tsvector column generated from the word columns (the
question weighted A, the rest B) with a GIN index.
"""

from django.db import migrations

SQLITE = [
    "CREATE VIRTUAL TABLE legal_entry_fts USING fts5(search_question, search_body, "
    "content='legal_knowledgeentry', content_rowid='id')",
    # ORDER BY rank ranks with bm25, a word of the question weighing five of the rest (legal.search)
    "INSERT INTO legal_entry_fts(legal_entry_fts, rank) VALUES ('rank', 'bm25(5.0, 1.0)')",
    "CREATE TRIGGER legal_entry_fts_insert AFTER INSERT ON legal_knowledgeentry BEGIN "
    "INSERT INTO legal_entry_fts(rowid, search_question, search_body) "
    "VALUES (new.id, new.search_question, new.search_body); END",
    "CREATE TRIGGER legal_entry_fts_delete AFTER DELETE ON legal_knowledgeentry BEGIN "
    "INSERT INTO legal_entry_fts(legal_entry_fts, rowid, search_question, search_body) "
    "VALUES ('delete', old.id, old.search_question, old.search_body); END",
    "CREATE TRIGGER legal_entry_fts_update AFTER UPDATE ON legal_knowledgeentry BEGIN "
    "INSERT INTO legal_entry_fts(legal_entry_fts, rowid, search_question, search_body) "
    "VALUES ('delete', old.id, old.search_question, old.search_body); "
    "INSERT INTO legal_entry_fts(rowid, search_question, search_body) "
    "VALUES (new.id, new.search_question, new.search_body); END",
]
SQLITE_REVERSE = ["DROP TRIGGER legal_entry_fts_update", "DROP TRIGGER legal_entry_fts_delete",
                  "DROP TRIGGER legal_entry_fts_insert", "DROP TABLE legal_entry_fts"]
POSTGRESQL = [
    "ALTER TABLE legal_knowledgeentry ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple', search_question), 'A') || "
    "setweight(to_tsvector('simple', search_body), 'B')) STORED",
    "CREATE INDEX legal_entry_search_idx ON legal_knowledgeentry USING GIN (search_vector)",
]
POSTGRESQL_REVERSE = ["DROP INDEX legal_entry_search_idx", "ALTER TABLE legal_knowledgeentry DROP COLUMN search_vector"]


def _run(statements: dict):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)
    return run


class Migration(migrations.Migration):
    dependencies = [("legal", "0001_initial")]

    operations = [
        migrations.RunPython(_run({"sqlite": SQLITE, "postgresql": POSTGRESQL}),
                             _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRESQL_REVERSE})),
    ]
