"""``search_fts`` keeps a prefix index for one character only.

Queries ask FTS5 for a prefix of exactly one character (a single Han character, a
one-letter code); longer prefixes (autocomplete, serials, number series) are rare and
read the term index directly at no measurable cost. The indexes for 2, 3, 4 and 6
characters made every write a quarter slower and the index a tenth larger. The
documents are copied across inside the database (no re-tokenizing in Python).
"""

from django.db import migrations

COLUMNS = "number, title_words, title_grams, body_grams"
TOKENIZE = "tokenize = \"unicode61 remove_diacritics 0 tokenchars '_'\""


def _recreate(schema_editor, prefix):
    if schema_editor.connection.vendor != "sqlite":
        return
    for statement in (
        f"CREATE VIRTUAL TABLE search_fts_new USING fts5({COLUMNS}, {TOKENIZE}, "
        f"prefix = '{prefix}')",
        f"INSERT INTO search_fts_new (rowid, {COLUMNS}) SELECT rowid, {COLUMNS} FROM search_fts",
        "DROP TABLE search_fts",
        "ALTER TABLE search_fts_new RENAME TO search_fts",
    ):
        schema_editor.execute(statement)


def forwards(apps, schema_editor):
    _recreate(schema_editor, "1")


def backwards(apps, schema_editor):
    _recreate(schema_editor, "1 2 3 4 6")


class Migration(migrations.Migration):
    dependencies = [("search", "0004_index_queue")]
    operations = [migrations.RunPython(forwards, backwards)]
