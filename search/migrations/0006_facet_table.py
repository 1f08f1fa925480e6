"""``search_facet``: the faceted fields' values of each document as small integers, for
counting facets (SQLite).

Counting a facet over the hits of a query looks up each hit's values: in
``search_term`` that is an index probe and a table read per value, with text to sort;
here one covering-index range per hit holding integers (``search_facet_value`` names
them). The values are copied from ``search_term`` for the fields the search indexes
declare faceted; ``search_term`` keeps serving filters and sorting.
"""

from django.db import migrations

SQLITE = [
    """CREATE TABLE search_facet_value (
        id INTEGER PRIMARY KEY,
        field TEXT NOT NULL,
        value TEXT NOT NULL,
        UNIQUE (field, value)
    )""",
    "CREATE TABLE search_facet (doc INTEGER NOT NULL, value INTEGER NOT NULL)",
    "CREATE INDEX search_facet_doc ON search_facet (doc, value)",
]


ENGINE = "search.backends.sqlite_fts.FTSEngine"


def faceted_fields() -> list[str]:
    """The fields the backend keeps in ``search_facet``, for each of its connections."""
    from haystack import connections

    names = set()
    for alias, info in connections.connections_info.items():
        if info.get("ENGINE") == ENGINE:
            names |= connections[alias].get_backend()._faceted_fields()
    return sorted(names)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for statement in SQLITE:
        schema_editor.execute(statement)
    fields = faceted_fields()
    if not fields:
        return
    marks = ", ".join(["%s"] * len(fields))
    schema_editor.execute(
        "INSERT INTO search_facet_value (field, value) SELECT DISTINCT field, value "
        f"FROM search_term WHERE field IN ({marks}) ORDER BY field, value",
        fields,
    )
    schema_editor.execute(
        "INSERT INTO search_facet (doc, value) SELECT t.doc, v.id FROM search_term t "
        "JOIN search_facet_value v ON v.field = t.field AND v.value = t.value",
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    schema_editor.execute("DROP TABLE IF EXISTS search_facet")
    schema_editor.execute("DROP TABLE IF EXISTS search_facet_value")


class Migration(migrations.Migration):
    dependencies = [("search", "0005_one_character_prefix_index")]
    operations = [migrations.RunPython(forwards, backwards)]
