"""The Elasticsearch index, written as elasticsearch-dsl documents.

One physical index per build (``<INDEX_NAME>-<timestamp>``) behind the alias
``INDEX_NAME``; every indexed model shares it and ``django_ct`` tells them apart, as in
haystack's own backends. A document mirrors the embedded backend's tables
(``search/backends/sqlite_fts.py``):

* ``fts``     the token streams of ``search_fts``, made in Python by
              ``search.tokenize`` (jieba words, character bigrams, number tokens) and
              joined by spaces. The ``tokens`` analyzer only splits on whitespace, so
              the cluster indexes exactly the tokens the embedded backend does and
              needs no analysis plugin (no IK, no smartcn);
* terms       one typed field per filter/facet/sort field of the search indexes
              (``search_term``): keyword for strings, numbers of standards, facets;
              long/double/date/boolean for the others;
* ``rank``    the static rank (edition in force, newer first), a float;
* ``stored``  the stored fields as JSON (``search_doc.data``), kept in ``_source`` only.

No Django model imports: the term fields are derived from haystack's unified index.
"""

from elasticsearch.dsl import (
    Boolean,
    Date,
    Document,
    Double,
    Float,
    Index,
    InnerDoc,
    Keyword,
    Long,
    MetaField,
    Object,
    Text,
    analyzer,
)
from elasticsearch.dsl.field import Field

#: Pre-tokenized text: split on whitespace, nothing else (tokens are folded already).
TOKENS = analyzer("tokens", tokenizer="whitespace")

#: haystack field types whose text goes to the token streams (as in sqlite_fts).
TEXT_TYPES = {"string", "edge_ngram", "ngram"}
#: Field names the document itself uses: an index field of that name is refused.
RESERVED = {"django_ct", "django_id", "id", "rank", "fts", "stored"}


class TokenStreams(InnerDoc):
    """The columns of ``search_fts``. Phrases are matched on the gram streams only, so
    only those keep positions."""

    number = Text(analyzer=TOKENS, index_options="freqs")
    title_words = Text(analyzer=TOKENS, index_options="freqs")
    title_grams = Text(analyzer=TOKENS)
    body_grams = Text(analyzer=TOKENS)


class SearchDocument(Document):
    """What every indexed object has; term fields are added per project
    (``document_class``)."""

    django_ct = Keyword()
    django_id = Keyword()
    rank = Float()
    fts = Object(TokenStreams)
    stored = Object(enabled=False)

    class Meta:
        # A field the mapping does not know is an error, never a guessed type.
        dynamic = MetaField("strict")


def layout(index) -> dict[str, list[str]]:
    """Where each field of a haystack ``SearchIndex`` goes: the number stream, the title
    or body streams, the typed term fields, the stored fields (the same rules as the
    embedded backend's ``_layout``)."""
    out = {"number": [], "title": [], "body": [], "terms": [], "stored": []}
    for name, fld in index.fields.items():
        if getattr(fld, "facet_for", None):
            # haystack's "<field>_exact" twin: filters and facets use the field itself.
            continue
        if fld.stored:
            out["stored"].append(name)
        if fld.field_type == "standard_number":
            out["number"].append(name)
            out["terms"].append(name)
        elif fld.faceted or fld.field_type not in TEXT_TYPES:
            if fld.indexed or fld.faceted:
                out["terms"].append(name)
        elif fld.indexed:
            out["title" if fld.boost >= 2 else "body"].append(name)
    return out


def term_field(fld) -> Field:
    """The DSL field for a haystack field used as a filter/facet/sort term."""
    kind = fld.field_type
    if kind in ("integer",):
        return Long()
    if kind in ("float", "decimal"):
        return Double()
    if kind in ("date", "datetime"):
        return Date()
    if kind == "boolean":
        return Boolean()
    return Keyword()


def term_fields(indexes) -> dict[str, Field]:
    """Term fields of all ``indexes`` (haystack SearchIndex objects), by name.

    Two models may share a field name when they agree on its type (``status``,
    ``published``); a disagreement is a configuration error."""
    fields: dict[str, Field] = {}
    for index in indexes:
        for name in layout(index)["terms"]:
            if name in RESERVED:
                raise ValueError(f"search field name {name!r} is reserved by the ES document")
            new = term_field(index.fields[name])
            old = fields.get(name)
            if old is not None and old.to_dict() != new.to_dict():
                raise ValueError(
                    f"search field {name!r} has two types: {old.to_dict()} and {new.to_dict()}"
                )
            fields[name] = new
    return dict(sorted(fields.items()))


def document_class(indexes) -> type[SearchDocument]:
    """A ``SearchDocument`` subclass with the term fields of ``indexes``."""
    attrs = {"__module__": __name__, **term_fields(indexes)}
    return type("CatalogueDocument", (SearchDocument,), attrs)


def index_definition(name: str, document, *, shards: int = 1, replicas: int = 1) -> Index:
    """The physical index ``name`` for ``document``: its settings (analysis included)
    and mapping. One shard by default: bm25 statistics are then exact, so equal texts
    score equally and the static rank alone orders them, as in the embedded backend."""
    index = Index(name)
    index.settings(number_of_shards=shards, number_of_replicas=replicas)
    index.document(document)
    return index
