"""Index rows now live under rank-ordered rowids (search/backends/sqlite_fts.py,
``rank_rowid``). Rows written before cannot be read that way: empty the index; the
next ``rebuild_index`` (``load_demo`` runs it) fills it again."""

from django.db import migrations


def empty(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for table in ("search_term", "search_fts", "search_doc"):
        schema_editor.execute(f"DELETE FROM {table}")


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]
    operations = [migrations.RunPython(empty, migrations.RunPython.noop)]
