"""Tables of the embedded search backend (SQLite FTS5), in the data's own database."""

from django.db import migrations

SQLITE = [
    """CREATE TABLE search_doc (
        rowid INTEGER PRIMARY KEY,
        doc_id TEXT NOT NULL UNIQUE,
        django_ct TEXT NOT NULL,
        django_id TEXT NOT NULL,
        rank REAL NOT NULL DEFAULT 1.0,
        data TEXT NOT NULL
    )""",
    "CREATE INDEX search_doc_ct ON search_doc (django_ct)",
    """CREATE VIRTUAL TABLE search_fts USING fts5(
        number, title_words, title_grams, body_grams,
        tokenize = "unicode61 remove_diacritics 0 tokenchars '_'",
        prefix = '1 2 3 4 6'
    )""",
    "CREATE TABLE search_term (doc INTEGER NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL)",
    "CREATE INDEX search_term_fvd ON search_term (field, value, doc)",
    "CREATE INDEX search_term_doc ON search_term (doc, field)",
]
DROP = ["DROP TABLE IF EXISTS search_term", "DROP TABLE IF EXISTS search_fts",
        "DROP TABLE IF EXISTS search_doc"]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for statement in SQLITE:
        schema_editor.execute(statement)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for statement in DROP:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = []
    operations = [migrations.RunPython(create, drop)]
