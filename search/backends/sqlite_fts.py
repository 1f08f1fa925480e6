"""An embedded search backend for django-haystack: SQLite FTS5 in the data's own file.

Index writes go through Django's database connection, so they commit — or roll back —
in the same transaction as the records they describe. Text is tokenized by
``search.tokenize`` (jieba words for ranking, character bigrams for recall); numbers
get number tokens. Schema (created by the ``search`` app's migration):

* ``search_doc``   one row per indexed object: identifier, model, stored fields (JSON),
                   static rank;
* ``search_fts``   FTS5, same rowid: ``number``, ``title_words``, ``title_grams``,
                   ``body_grams``;
* ``search_term``  (doc, field, value) for filters, sorting and counting facets over
                   every document;
* ``search_facet`` (doc, value id) for the faceted fields, ``search_facet_value``
                   naming the ids: facet counts over the hits of a query.

User input never reaches FTS5 syntax: queries are rebuilt from tokens that can only
hold letters, digits, ``_`` and Han characters, always quoted.
"""

import contextlib
import datetime
import functools
import json
import re
import zlib
from collections import defaultdict

from django.apps import apps
from django.conf import settings
from django.db import connections, transaction
from django.utils.html import escape

import orjson
from haystack import connections as haystack_connections
from haystack.backends import BaseEngine, BaseSearchBackend, BaseSearchQuery, log_query
from haystack.constants import DJANGO_CT, DJANGO_ID, ID
from haystack.exceptions import NotHandled
from haystack.models import SearchResult
from haystack.utils import get_identifier, get_model_ct

from search import tokenize
from search.backends.sqlite_writer import Writer

#: bm25 weights of number, title words, title grams, body grams.
WEIGHTS = (50.0, 8.0, 10.0, 1.5)
TITLE_COLUMNS = "{number title_words title_grams}"
GRAM_COLUMNS = "{title_grams body_grams}"
WORD_COLUMNS = "{title_words}"
TEXT_TYPES = {"string", "edge_ngram", "ngram"}
#: Rows per INSERT statement (one JSON array per table) when writing a batch.
CHUNK = 2000
#: FTS5's own default: merge once 4 segments of a level exist (restored after a rebuild).
AUTOMERGE = 4
#: Page cache of a rebuild's transaction (KiB).
BULK_CACHE_KIB = 256 * 1024
#: A text query matching more documents than this ranks only the statically best of
#: them (see ``_bounded``): broad queries ("管理", one character) cost the same at
#: 100,000 or 1,000,000 standards.
CANDIDATES = 1000
#: Rowids carry the static rank: ``bucket << RANK_SHIFT | slot << 34 | pk``. FTS5 walks
#: matches in rowid order, so "ORDER BY rowid DESC LIMIT k" yields the k matches of
#: highest static rank without looking at the others.
RANK_SHIFT = 40
_LOW_BITS = (1 << 34) - 1


def _from_json(table: str, columns: str) -> str:
    """``INSERT`` of rows given as a JSON array of arrays (``json_extract`` gives SQL
    values, and a stored-fields object as JSON text)."""
    names = columns.split(", ")
    values = ", ".join(f"json_extract(value, '$[{i}]')" for i in range(len(names)))
    return f"INSERT INTO {table} ({columns}) SELECT {values} FROM json_each(%s)"


_INSERT_DOCS = _from_json("search_doc", "rowid, doc_id, django_ct, django_id, rank, data")
_INSERT_FTS = _from_json("search_fts", "rowid, number, title_words, title_grams, body_grams")
_INSERT_TERMS = _from_json("search_term", "doc, field, value")
_INSERT_FACET_VALUES = (
    "INSERT OR IGNORE INTO search_facet_value (field, value) "
    "SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(%s)"
)
_INSERT_FACETS = (
    "INSERT INTO search_facet (doc, value) SELECT json_extract(j.value, '$[0]'), v.id "
    "FROM json_each(%s) j JOIN search_facet_value v "
    "ON v.field = json_extract(j.value, '$[1]') AND v.value = json_extract(j.value, '$[2]')"
)


def rank_rowid(rank: float, django_ct: str, django_id: str) -> int:
    """The rowid a document is stored under (collisions are resolved on insert)."""
    bucket = max(0, min(round(rank * 100_000), (1 << 22) - 1))
    try:
        low = int(django_id) & _LOW_BITS
    except ValueError:
        low = zlib.crc32(django_id.encode()) & _LOW_BITS
    return (bucket << RANK_SHIFT) | (_slot(django_ct) << 34) | low


@functools.lru_cache(maxsize=256)
def _slot(django_ct: str) -> int:
    return zlib.crc32(django_ct.encode()) % 64


def _quote(token: str) -> str:
    # Tokens come from search.tokenize and hold no quotes; doubling is belt and braces.
    return '"' + token.replace('"', '""') + '"'


def _phrase(tokens: list[str], prefix: bool) -> str:
    if prefix:
        head, last = tokens[:-1], tokens[-1]
        body = f"{_quote(' '.join(head))} + " if head else ""
        return f"{body}{_quote(last)}*"
    return _quote(" ".join(tokens))


def fts_expression(
    query: tokenize.Query, *, title_only: bool = False, rank_words: bool = True
) -> str | None:
    """The FTS5 MATCH expression for a parsed query (None when it has no tokens).

    ``rank_words``: add the query's jieba words as an alternative to the first phrase
    (bm25 then ranks whole-word title matches higher); it never changes what matches,
    so counting leaves it out."""
    parts = []
    for number in query.numbers:
        tokens = tokenize.number_tokens(number.normalized)
        exact = tokens[0]
        series = f"{tokenize.number_tokens(number.series)[0]}"
        options = {_quote(exact), _quote(series), f"{_quote(series)}*"}
        parts.append("{number}: (" + " OR ".join(sorted(options)) + ")")
    for serial in query.serials:
        parts.append(
            f"({{number}}: ({_quote(serial)} OR {_quote(serial)}*) OR "
            f"{TITLE_COLUMNS if title_only else GRAM_COLUMNS}: {_quote(serial)})"
        )
    text_parts = []
    for tokens, prefix, code in zip(query.phrases, query.prefix, query.codes, strict=True):
        part = f"{'{title_grams}' if title_only else GRAM_COLUMNS}: {_phrase(tokens, prefix)}"
        if code:
            # A standard code (GB/T, DB11, T/CECS): its standards, and titles naming it.
            part = f"({{number}}: {_quote(code)} OR {part})"
        elif len(tokens) == 1 and tokens[0].isascii() and tokens[0].isalpha():
            # A bare code ("GB", "yy", "T/CECS" typed as "tcecs") finds its standards.
            part = f"({{number}}: {_phrase(tokens, prefix)} OR {part})"
        text_parts.append(part)
    if text_parts and query.words and not title_only and rank_words:
        # Matching whole words ranks higher without changing what matches.
        words = " OR ".join(_quote(w) for w in dict.fromkeys(query.words))
        text_parts.append(f"({WORD_COLUMNS}: ({words}) OR {text_parts[0]})")
    parts += text_parts
    if not parts:
        return None
    return " AND ".join(f"({p})" for p in parts)


#: Values that stand for several terms (a multi-valued field).
_MANY = (list, tuple, set)


def _term_value(value) -> str:
    """Filter/facet values as sortable text: dates ISO, integers zero-padded."""
    for cls in type(value).__mro__:  # the exact type first: indexing converts millions
        convert = _TERM_TEXT.get(cls)
        if convert is not None:
            return convert(value)
    return _TERM_TEXT[str](str(value))


#: NUL never means anything in a value, and SQLite's JSON functions end a text there.
_TERM_TEXT = {
    str: lambda value: value.replace("\x00", ""),
    bool: lambda value: "true" if value else "false",
    int: lambda value: f"{value:+021d}",
    float: lambda value: f"{value:+032.10f}",
    datetime.datetime: datetime.datetime.isoformat,
    datetime.date: datetime.date.isoformat,
}


def _from_term(value: str):
    if re.fullmatch(r"[+-]\d{20}", value):
        return int(value)
    if re.fullmatch(r"[+-]\d+\.\d{10}", value):
        return float(value)
    return value


def _begin_rebuild(cur) -> dict:
    """Empty the index tables for a rebuild; returns the schema to restore."""
    # Uncommitted pages stay in the page cache, which by default holds 2 MB.
    cur.execute("PRAGMA cache_size")
    cache_size = cur.fetchone()[0]
    cur.execute(f"PRAGMA cache_size = {-BULK_CACHE_KIB}")
    cur.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND "
        "(name = 'search_fts' OR "
        "(type = 'index' AND tbl_name IN ('search_term', 'search_facet')))"
    )
    schema = {name: (kind, sql) for kind, name, sql in cur.fetchall()}
    for name, (kind, _sql) in schema.items():
        cur.execute(f'DROP {kind.upper()} "{name}"')
    for table in ("search_term", "search_facet", "search_facet_value", "search_doc"):
        cur.execute(f"DELETE FROM {table}")
    cur.execute(schema["search_fts"][1])
    cur.execute("INSERT INTO search_fts (search_fts, rank) VALUES ('automerge', 0)")
    return {"objects": schema, "cache_size": cache_size}


def _end_rebuild(cur, schema: dict) -> None:
    for kind, sql in schema["objects"].values():
        if kind == "index":
            cur.execute(sql)
    cur.execute("INSERT INTO search_fts (search_fts) VALUES ('optimize')")
    cur.execute("INSERT INTO search_fts (search_fts, rank) VALUES ('automerge', %s)", [AUTOMERGE])
    cur.execute(f"PRAGMA cache_size = {int(schema['cache_size'])}")


class FTSSearchBackend(BaseSearchBackend):
    def __init__(self, connection_alias, **options):
        super().__init__(connection_alias, **options)
        self.database = options.get("DATABASE", "default")

    @property
    def db(self):
        return connections[self.database]

    # -- writing -------------------------------------------------------------------
    def _layout(self, index):
        """Which column or table each index field goes to."""
        layout = {"number": [], "title": [], "body": [], "terms": [], "stored": [], "facets": []}
        for name, fld in index.fields.items():
            if getattr(fld, "facet_for", None):
                # haystack's "<field>_exact" twin: the field's own terms and stored
                # value serve filters, facets and results under either name.
                continue
            if fld.faceted:
                layout["facets"].append(name)
            if fld.stored:
                layout["stored"].append(name)
            if fld.field_type == "standard_number":
                layout["number"].append(name)
                layout["terms"].append(name)
            elif fld.faceted or fld.field_type not in TEXT_TYPES:
                if fld.indexed or fld.faceted:
                    layout["terms"].append(name)
            elif fld.indexed:
                layout["title" if fld.boost >= 2 else "body"].append(name)
        return layout

    def _rows(self, index, objects):
        """What ``objects`` become in the tables: (docs, fts, terms, facets), in order
        (facets: the terms of the faceted fields)."""
        if hasattr(index, "prepare_batch"):
            index.prepare_batch(objects)
        layout = self._layout(index)
        # A field faceted in any index: every model's values of it are counted.
        faceted = self._faceted_fields()
        docs, fts, terms, facets = [], [], [], []
        for obj in objects:
            data = index.full_prepare(obj)
            number = " ".join(
                t for f in layout["number"] for t in tokenize.number_tokens(str(data.get(f) or ""))
            )
            title = " ".join(str(data.get(f) or "") for f in layout["title"])
            body = " ".join(str(data.get(f) or "") for f in layout["body"])
            docs.append(
                (
                    data[ID],
                    data[DJANGO_CT],
                    str(data[DJANGO_ID]),
                    float(data.get("rank") or 1.0),
                    # Stored fields: serialized with the batch (see _insert).
                    {f: data.get(f) for f in layout["stored"]},
                )
            )
            # Body text is matched by its grams only: jieba words rank titles and
            # find related standards; segmenting long scopes would only cost time.
            title_words, title_grams = tokenize.title_tokens(title)
            fts.append((number, title_words, title_grams, tokenize.gram_text(body)))
            doc_terms = []
            for f in layout["terms"]:
                value = data.get(f)
                if isinstance(value, _MANY):
                    doc_terms += [(f, _term_value(v)) for v in value if v not in (None, "")]
                elif value is not None and value != "":
                    doc_terms.append((f, _term_value(value)))
            terms.append(doc_terms)
            facets.append([term for term in doc_terms if term[0] in faceted])
        return docs, fts, terms, facets

    def update(self, index, iterable, commit=True):
        objects = list(iterable)
        if not objects:
            return
        docs, fts, terms, facets = self._rows(index, objects)
        with transaction.atomic(using=self.database), self.db.cursor() as cur:
            self._delete_ids(cur, [d[0] for d in docs])
            self._insert(cur, self._free_rowids(cur, docs), docs, fts, terms, facets)

    @staticmethod
    def _insert(cur, rowids, docs, fts, terms, facets):
        """Write rows to the tables: one statement per table and chunk, the rows
        passed as one JSON array (``json_each``), so that SQLite does a chunk's work in
        one call without the GIL (row-by-row ``executemany`` takes it back per row)."""
        # FTS5 keeps new terms in memory only while rowids ascend: a smaller rowid
        # flushes them to a new segment. In rowid order, a batch is one segment.
        order = sorted(range(len(rowids)), key=rowids.__getitem__)
        for start in range(0, len(order), CHUNK):
            chunk = order[start : start + CHUNK]
            for sql, rows in (
                (_INSERT_DOCS, [(rowids[i], *docs[i]) for i in chunk]),
                (_INSERT_FTS, [(rowids[i], *fts[i]) for i in chunk]),
                (_INSERT_TERMS, [(rowids[i], f, v) for i in chunk for f, v in terms[i]]),
                (_INSERT_FACET_VALUES, sorted({t for i in chunk for t in facets[i]})),
                (_INSERT_FACETS, [(rowids[i], f, v) for i in chunk for f, v in facets[i]]),
            ):
                cur.execute(sql, [orjson.dumps(rows, default=str).decode()])

    def _free_rowids(self, cur, docs, taken=None) -> list[int]:
        """Rank-ordered rowids for new documents, stepping down past any taken one.
        ``taken``: the set of every rowid in use, when the caller keeps it (a rebuild)."""
        wanted = [rank_rowid(d[3], d[1], d[2]) for d in docs]
        known = taken is not None
        if not known:
            taken = set()
            for start in range(0, len(wanted), 900):
                chunk = wanted[start : start + 900]
                cur.execute(
                    "SELECT rowid FROM search_doc "
                    f"WHERE rowid IN ({', '.join(['%s'] * len(chunk))})",
                    chunk,
                )
                taken.update(r[0] for r in cur.fetchall())
        out = []
        for rowid in wanted:
            while rowid in taken:
                rowid -= 1
                if not known:
                    cur.execute("SELECT 1 FROM search_doc WHERE rowid = %s", [rowid])
                    if cur.fetchone():
                        taken.add(rowid)
            taken.add(rowid)
            out.append(rowid)
        return out

    # -- rebuilding --------------------------------------------------------------------
    @contextlib.contextmanager
    def bulk(self):
        """Replace the whole index in one transaction; yields ``add(index, objects)``.

        Searches go on reading the old index until the commit (SQLite readers keep
        their snapshot), and a failure leaves the old index as it was. Inside, the
        tables are emptied by re-creating them from their own ``CREATE`` statements
        (the migrations stay the one definition of the schema), FTS5 merges nothing
        while writing, the filter indexes are built once at the end instead of row by
        row, and the segments are merged into one (``optimize``), which is also what
        queries read best. ``add`` prepares a batch's rows in the calling thread while
        the writer thread (``sqlite_writer``) inserts the previous one."""
        taken = set()
        with Writer(self.db).session() as writer:
            schema = writer.call(_begin_rebuild)

            def add(index, objects):
                objects = list(objects)
                if objects:
                    docs, fts, terms, facets = self._rows(index, objects)
                    rowids = self._free_rowids(None, docs, taken)
                    writer.submit(self._insert, rowids, docs, fts, terms, facets)
                return len(objects)

            yield add
            writer.call(_end_rebuild, schema)

    def rebuild(self, batch_size: int | None = None, log=None) -> dict:
        """Index every object of every search index anew, in one transaction (see
        ``bulk``). Returns {"documents": n}."""
        batch_size = batch_size or getattr(settings, "HAYSTACK_BATCH_SIZE", 1000)
        log = log or (lambda message: None)
        done = 0
        with self.bulk() as add:
            unified = haystack_connections[self.connection_alias].get_unified_index()
            for model, index in unified.get_indexes().items():
                queryset = index.build_queryset(using=self.connection_alias).order_by("pk")
                last = None
                while True:
                    page = queryset if last is None else queryset.filter(pk__gt=last)
                    objects = list(page[:batch_size])
                    if not objects:
                        break
                    last = objects[-1].pk
                    done += add(index, objects)
                log(f"Indexed {model._meta.label}: {done} documents so far.")
        log(f"Rebuilt the search index: {done} documents.")
        return {"documents": done}

    def _rowids(self, cur, doc_ids):
        found = {}
        for start in range(0, len(doc_ids), 900):
            chunk = doc_ids[start : start + 900]
            marks = ", ".join(["%s"] * len(chunk))
            cur.execute(f"SELECT doc_id, rowid FROM search_doc WHERE doc_id IN ({marks})", chunk)
            found.update(cur.fetchall())
        return found

    def _delete_ids(self, cur, doc_ids):
        rowids = list(self._rowids(cur, doc_ids).values())
        for start in range(0, len(rowids), 900):
            chunk = rowids[start : start + 900]
            marks = ", ".join(["%s"] * len(chunk))
            for table, column in (
                ("search_fts", "rowid"),
                ("search_term", "doc"),
                ("search_facet", "doc"),
                ("search_doc", "rowid"),
            ):
                cur.execute(f"DELETE FROM {table} WHERE {column} IN ({marks})", chunk)

    def remove(self, obj_or_string, commit=True):
        with transaction.atomic(using=self.database), self.db.cursor() as cur:
            self._delete_ids(cur, [get_identifier(obj_or_string)])

    def clear(self, models=None, commit=True):
        with transaction.atomic(using=self.database), self.db.cursor() as cur:
            if not models:
                for table in (
                    "search_fts",
                    "search_term",
                    "search_facet",
                    "search_facet_value",
                    "search_doc",
                ):
                    cur.execute(f"DELETE FROM {table}")
                return
            cts = [get_model_ct(m) for m in models]
            marks = ", ".join(["%s"] * len(cts))
            cur.execute(
                f"SELECT doc_id FROM search_doc WHERE django_ct IN ({marks})",
                cts,
            )
            self._delete_ids(cur, [r[0] for r in cur.fetchall()])

    # -- reading -------------------------------------------------------------------
    @log_query
    def search(self, query_string, **kwargs):
        plan = (
            query_string
            if isinstance(query_string, QueryPlan)
            else QueryPlan.parse_string(str(query_string))
        )
        return self._run(plan, **kwargs)

    def _run(
        self,
        plan,
        sort_by=None,
        start_offset=0,
        end_offset=None,
        highlight=False,
        facets=None,
        narrow_queries=None,
        models=None,
        result_class=None,
        exclude_ids=(),
        **kwargs,
    ):
        result_class = result_class or SearchResult
        where, params, rank_expr, tier_expr = plan.sql(narrow_queries=narrow_queries)
        only_slots = None
        if models:
            cts = [get_model_ct(m) for m in models]
            indexed = self._indexed_cts()
            if not indexed <= set(cts):
                only_slots = _exclusive_slots(cts, indexed)
                where.append(f"d.django_ct IN ({', '.join(['%s'] * len(cts))})")
                params += cts
        if exclude_ids:
            where.append(f"d.doc_id NOT IN ({', '.join(['%s'] * len(exclude_ids))})")
            params += list(exclude_ids)
        from_sql = plan.from_sql()
        order = self._order(sort_by, rank_expr, tier_expr)
        limit = -1 if end_offset is None else max(end_offset - start_offset, 0)
        where_sql = " AND ".join(where) or "1"
        # Rank on (rowid, score) alone; stored fields are read for the page's rows only.
        sql = (
            f"{plan.with_sql()}SELECT d.rowid, {rank_expr} AS score FROM {from_sql} "
            f"WHERE {where_sql} ORDER BY {order} LIMIT %s OFFSET %s"
        )
        # A filter on models alone is read from the rowids' slot bits (see rank_rowid)
        # when no other indexed model shares the slot: no join; broad queries stay on
        # the bounded path, and without text the facets come from the term index alone.
        models_only = not where or bool(only_slots and len(where) == 1)
        fts_only = plan.match and models_only
        slot_sql = _slot_filter("rowid", only_slots) if fts_only else ""
        with self.db.cursor() as cur:
            if fts_only:
                cur.execute(
                    f"SELECT COUNT(*) FROM search_fts WHERE search_fts MATCH %s{slot_sql}",
                    [plan.count_match or plan.match],
                )
            else:
                cur.execute(
                    f"{plan.with_sql(score=False)}SELECT COUNT(*) FROM {from_sql} "
                    f"WHERE {where_sql}",
                    plan.from_params(score=False) + params,
                )
            hits = cur.fetchone()[0]
            if (
                hits > CANDIDATES
                and fts_only
                and not sort_by
                and (not plan.by_rank or plan.query.code_only)
                and limit >= 0
                and plan.match
            ):
                ranked = self._bounded(cur, plan, limit, start_offset, slot_sql)
            else:
                cur.execute(sql, plan.from_params() + params + [limit, start_offset])
                ranked = cur.fetchall()
            stored_rows = {}
            for start in range(0, len(ranked), 900):
                chunk = [r[0] for r in ranked[start : start + 900]]
                cur.execute(
                    "SELECT rowid, django_ct, django_id, data FROM search_doc "
                    f"WHERE rowid IN ({', '.join(['%s'] * len(chunk))})",
                    chunk,
                )
                stored_rows.update({r[0]: r[1:] for r in cur.fetchall()})
            rows = [(rowid, *stored_rows[rowid], score) for rowid, score in ranked]
            facet_counts = {}
            if facets:
                everything = not plan.match and models_only
                facet_counts = self._facets(
                    cur,
                    plan,
                    from_sql,
                    where,
                    params,
                    facets,
                    (only_slots or []) if everything else None,
                )
        results = []
        unified = haystack_connections[self.connection_alias].get_unified_index()
        for _rowid, ct, pk, data, score in rows:
            app_label, model_name = ct.split(".")
            stored = self._convert(unified, ct, json.loads(data))
            if highlight:
                stored["highlighted"] = {"text": [plan.highlight(stored)]}
            results.append(result_class(app_label, model_name, pk, -float(score or 0), **stored))
        return {"results": results, "hits": hits, "facets": facet_counts}

    def _bounded(self, cur, plan, limit, offset, slot_sql=""):
        """Rank a broad text query among its statically best matches only.

        FTS5 yields matches in rowid order and rowids carry the static rank, so the
        ``CANDIDATES`` matches of highest rank (in force, newer) come first. Title
        matches get their own candidate list, ranked by bm25 × static rank, so a
        standard whose title matches is never displaced by scope-only matches; the
        scope-only candidates follow in static-rank order. bm25 is asked for the title
        list alone: FTS5 computes its document frequencies by walking every match of
        each phrase, which at a million standards costs more than the rest of the
        query."""
        k = max(CANDIDATES, offset + limit)
        bm25 = "bm25(search_fts, " + ", ".join(str(w) for w in WEIGHTS) + ")"
        # A query ranked by static rank alone (a code: GB/T) needs no bm25.
        static = plan.by_rank
        title_score = "-d.rank" if static else "c.s * d.rank"

        def candidates(name, score):
            return (
                f"{name} AS MATERIALIZED (SELECT rowid AS id, {score} AS s FROM search_fts "
                f"WHERE search_fts MATCH %s{slot_sql} ORDER BY rowid DESC LIMIT {int(k)})"
            )

        if plan.tiers:
            title = plan.tiers[0][1]
            sql = (
                f"WITH {candidates('a', 'NULL')}, {candidates('t', 'NULL' if static else bm25)}, "
                "c AS (SELECT id, s, 1 AS tier FROM t UNION ALL "
                "SELECT id, s, 0 FROM a WHERE id NOT IN (SELECT id FROM t)) "
                f"SELECT d.rowid, CASE c.tier WHEN 1 THEN {title_score} ELSE -d.rank END "
                "AS score FROM c JOIN search_doc d ON d.rowid = c.id "
                "ORDER BY c.tier DESC, score ASC, d.rowid LIMIT %s OFFSET %s"
            )
            params = [plan.count_match or plan.match, title, limit, offset]
        else:
            sql = (
                f"WITH {candidates('c', bm25)} SELECT d.rowid, c.s * d.rank AS score FROM c "
                "JOIN search_doc d ON d.rowid = c.id ORDER BY score ASC, d.rowid "
                "LIMIT %s OFFSET %s"
            )
            params = [plan.match, limit, offset]
        cur.execute(sql, params)
        return cur.fetchall()

    def _indexed_cts(self) -> set[str]:
        """Models present in the index (a model filter that keeps them all is skipped).

        One indexed lookup per registered model, not a scan of the documents."""
        unified = haystack_connections[self.connection_alias].get_unified_index()
        present = set()
        with self.db.cursor() as cur:
            for model in unified.get_indexed_models():
                ct = get_model_ct(model)
                cur.execute("SELECT 1 FROM search_doc WHERE django_ct = %s LIMIT 1", [ct])
                if cur.fetchone():
                    present.add(ct)
        return present

    @staticmethod
    def _convert(unified, ct, stored: dict) -> dict:
        """Stored JSON values back to the field types (dates, numbers) of the index."""
        try:
            fields = unified.get_index(apps.get_model(ct)).fields
        except (LookupError, NotHandled):
            return stored
        for name, value in stored.items():
            if value is not None and name in fields:
                stored[name] = fields[name].convert(value)
        return stored

    def _order(self, sort_by, rank_expr, tier_expr):
        if not sort_by:
            tier = f"{tier_expr} DESC, " if tier_expr else ""
            return f"{tier}{rank_expr} ASC, d.rowid"
        parts = []
        for key in sort_by:
            desc = key.startswith("-")
            name = key.lstrip("-")
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
                continue
            parts.append(
                f"(SELECT MIN(value) FROM search_term WHERE doc = d.rowid AND field = '{name}') "
                f"{'DESC' if desc else 'ASC'} NULLS LAST"
            )
        return ", ".join(parts + [f"{rank_expr} ASC", "d.rowid"])

    def _facets(self, cur, plan, from_sql, where, params, facets, everything=None):
        """Facet counts over the hits. ``everything``: the hits are every document (of
        the rowid slots listed, or of all models when the list is empty), so the counts
        come straight from the (field, value, doc) index. Otherwise each hit's values
        of the faceted fields are read from ``search_facet`` (one covering-index range
        of small integers per hit) and counted; a field that is not faceted in any index
        is counted from its terms."""
        # haystack asks for "<field>_exact"; the terms are stored under the field.
        asked = {n.removesuffix("_exact"): n for n in facets if re.fullmatch(r"\w+", n)}
        names = list(asked)
        if not names:
            return {}
        rows = []
        if everything is not None:
            marks = ", ".join(["%s"] * len(names))
            cur.execute(
                f"SELECT t.field, t.value, COUNT(*) FROM search_term t "
                f"WHERE t.field IN ({marks}){_slot_filter('t.doc', everything)} "
                "GROUP BY t.field, t.value",
                names,
            )
            rows = cur.fetchall()
        else:
            # The hits alone: the matches are not scored, and without other conditions
            # they are the hits.
            hits = (
                "SELECT id FROM m"
                if plan.match and not where
                else f"SELECT d.rowid AS id FROM {from_sql} WHERE {' AND '.join(where) or '1'}"
            )
            head = (
                f"{plan.with_sql(score=False)}{', ' if plan.match else 'WITH '}"
                f"hits AS MATERIALIZED ({hits}) "
            )
            args = plan.from_params(score=False) + params
            in_table = self._faceted_fields()
            faceted = [n for n in names if n in in_table]
            others = [n for n in names if n not in faceted]
            if faceted:
                cur.execute(
                    f"{head}, counts AS (SELECT f.value AS id, COUNT(*) AS n FROM hits "
                    "JOIN search_facet f ON f.doc = hits.id GROUP BY f.value) "
                    "SELECT v.field, v.value, counts.n FROM counts "
                    "JOIN search_facet_value v ON v.id = counts.id "
                    f"WHERE v.field IN ({', '.join(['%s'] * len(faceted))})",
                    args + faceted,
                )
                rows += cur.fetchall()
            if others:
                cur.execute(
                    f"{head}SELECT t.field, t.value, COUNT(*) FROM hits "
                    "JOIN search_term t ON t.doc = hits.id "
                    f"WHERE t.field IN ({', '.join(['%s'] * len(others))}) "
                    "GROUP BY t.field, t.value",
                    args + others,
                )
                rows += cur.fetchall()
        fields = defaultdict(list)
        # Most frequent first; equal counts in value order.
        for field, value, count in sorted(rows, key=lambda r: (-r[2], r[1])):
            fields[asked[field]].append((_from_term(value), count))
        return {"fields": dict(fields), "dates": {}, "queries": {}}

    def _faceted_fields(self) -> frozenset:
        """Fields some search index declares faceted: their values are in
        ``search_facet`` (making another field faceted takes ``rebuild_index``, as any
        change to an index's fields)."""
        unified = haystack_connections[self.connection_alias].get_unified_index()
        return frozenset(
            name
            for index in unified.get_indexes().values()
            for name in self._layout(index)["facets"]
        )

    def more_like_this(
        self, model_instance, additional_query_string=None, result_class=None, **kwargs
    ):
        doc_id = get_identifier(model_instance)
        with self.db.cursor() as cur:
            cur.execute(
                "SELECT f.title_words FROM search_doc d JOIN search_fts f "
                "ON f.rowid = d.rowid WHERE d.doc_id = %s",
                [doc_id],
            )
            row = cur.fetchone()
        if row is None:
            return {"results": [], "hits": 0}
        title_words = tokenize.keywords(row[0].split(), limit=8) or row[0].split()[:8]
        if not title_words:
            return {"results": [], "hits": 0}
        plan = QueryPlan(any_words=title_words)
        kwargs.setdefault("end_offset", 10)
        return self._run(plan, result_class=result_class, exclude_ids=[doc_id], **kwargs)


def _slot_filter(column: str, slots) -> str:
    """`` AND …`` keeping the rowids in ``column`` whose slot bits (see ``rank_rowid``)
    are among ``slots``; empty when there are none to keep to."""
    if not slots:
        return ""
    return f" AND ((({column}) >> 34) & 63) IN ({', '.join(map(str, slots))})"


def _exclusive_slots(cts, indexed) -> list[int] | None:
    """Rowid slots of ``cts`` when no other indexed model uses them (else None)."""
    wanted = {_slot(ct) for ct in cts}
    others = {_slot(ct) for ct in indexed if ct not in cts}
    return sorted(wanted) if not wanted & others else None


def text_tiers(query: tokenize.Query, title, match, codes_expression, both) -> list:
    """Tiers of a text query (documents matching a heavier tier come first): titles
    that match; with standard codes in the query, its standards first (``GB/T``: the
    GB/T standards, then the titles that name GB/T; ``GB/T 食品``: GB/T standards whose
    title matches, then other title matches and other GB/T standards).
    ``codes_expression(tokens)``: the backend's match of those tokens as codes;
    ``both(a, b)``: its conjunction of two matches."""
    codes = [c for c in query.codes if c]
    if not codes:
        return [(1, title)] if title is not None and title != match else []
    by_code = codes_expression(codes)
    if query.code_only:
        return [(1, by_code)]
    return [(2, both(by_code, title)), (1, title), (1, by_code)]


class QueryPlan:
    """What to match, built from haystack's query tree: user text, term filters."""

    def __init__(self, text="", filters=None, any_words=None, autocomplete=False):
        self.text = text
        self.filters = filters or []  # (field, filter_type, value, negated)
        self.any_words = any_words or []
        self.query = tokenize.parse_query(text, autocomplete=autocomplete)
        self.match = None
        #: (weight, FTS expression): documents matching a heavier tier come first.
        self.tiers: list[tuple[int, str]] = []
        self.by_rank = False
        #: The same matches as ``match``, cheaper to walk (no ranking-only parts).
        self.count_match = None
        if self.any_words:
            self.match = f"{WORD_COLUMNS}: (" + " OR ".join(_quote(w) for w in self.any_words) + ")"
        elif text:
            self.match = fts_expression(self.query)
            self.count_match = fts_expression(self.query, rank_words=False)
            q = self.query
            if q.number_only:
                # A number query: the edition asked for first, then the exact series,
                # then what only shares a prefix (other parts, longer serials); within a
                # tier the edition in force first and newer before older.
                self.by_rank = True
                editions = [tokenize.number_tokens(n.normalized)[0] for n in q.numbers if n.dated]
                series = [tokenize.number_tokens(n.series)[0] for n in q.numbers] + q.serials
                if editions:
                    self.tiers.append((2, "{number}: (" + " OR ".join(map(_quote, editions)) + ")"))
                if series:
                    self.tiers.append((1, "{number}: (" + " OR ".join(map(_quote, series)) + ")"))
            else:
                title = fts_expression(self.query, title_only=True)
                self.tiers = text_tiers(
                    q,
                    title,
                    self.match,
                    lambda codes: "{number}: (" + " OR ".join(map(_quote, codes)) + ")",
                    lambda a, b: f"({a}) AND ({b})",
                )
                self.by_rank = q.code_only
        #: A text query that yields no tokens (only punctuation, emoji …) matches nothing.
        self.nothing = bool(text) and self.match is None

    @classmethod
    def parse_string(cls, text):
        return cls(text="" if text.strip() in {"", "*"} else text)

    def with_sql(self, score=True):
        """The full-text matches, computed once (MATERIALIZED: otherwise SQLite may run
        the FTS query once per document row); ``score``: with their bm25 (``m.s``), which
        counting does without (see ``from_params``)."""
        if not self.match:
            return ""
        if not score:
            return (
                "WITH m AS MATERIALIZED "
                "(SELECT rowid AS id FROM search_fts WHERE search_fts MATCH %s) "
            )
        return (
            "WITH m AS MATERIALIZED (SELECT rowid AS id, bm25(search_fts, "
            + ", ".join(str(w) for w in WEIGHTS)
            + ") AS s FROM search_fts WHERE search_fts MATCH %s) "
        )

    def from_sql(self):
        if self.match:
            return "m JOIN search_doc d ON d.rowid = m.id"
        return "search_doc d"

    def from_params(self, score=True):
        """The parameters of ``with_sql(score)``: unscored, the cheaper ``count_match``."""
        if not self.match:
            return []
        return [self.match if score else (self.count_match or self.match)]

    def sql(self, narrow_queries=None):
        where, params = [], []
        if self.nothing:
            where.append("0")
        for field, filter_type, value, negated in self.filters + _narrow(narrow_queries):
            clause, clause_params = _term_clause(field, filter_type, value)
            where.append(f"NOT {clause}" if negated else clause)
            params += clause_params
        rank = "m.s * d.rank" if self.match and not self.by_rank else "-d.rank"
        # Tier expressions hold only our own quoted tokens: inlined as SQL literals so
        # that they need no parameters ahead of the WHERE clause's.
        tier = " + ".join(
            f"{weight} * (d.rowid IN (SELECT rowid FROM search_fts WHERE search_fts MATCH "
            f"'{expression.replace(chr(39), chr(39) * 2)}'))"
            for weight, expression in self.tiers
        )
        return where, params, rank, tier

    def highlight(self, stored: dict) -> str:
        """The title (or first text field) with the matched parts in <em>, escaped."""
        text = str(stored.get("title") or stored.get("text") or "")
        needles = [n.normalized for n in self.query.numbers]
        for tokens in self.query.phrases:
            needles.append(_untokenize(tokens))
        needles += [w for w in self.query.words if len(w) > 1]
        return highlight(text, needles)


def _untokenize(tokens: list[str]) -> str:
    """``['医疗', '疗器', '器械']`` → ``医疗器械``; ASCII tokens keep their spaces."""
    out = ""
    for token in tokens:
        if out and re.match(r"[\u3400-\u9fff]", token) and re.search(r"[\u3400-\u9fff]$", out):
            if out.endswith(token[0]):
                out += token[1:]
            else:
                out += token
        else:
            out += token
    return out


def highlight(text: str, needles: list[str]) -> str:
    """Escape ``text`` and wrap every case-insensitive occurrence of a needle in <em>."""
    folded = tokenize.fold(text)
    spans = []
    for needle in sorted({tokenize.fold(n) for n in needles if n}, key=len, reverse=True):
        start = folded.find(needle)
        while start != -1:
            end = start + len(needle)
            if not any(s < end and start < e for s, e in spans):
                spans.append((start, end))
            start = folded.find(needle, end)
    if len(folded) != len(text):
        return escape(text)
    out, pos = [], 0
    for start, end in sorted(spans):
        out += [escape(text[pos:start]), "<em>", escape(text[start:end]), "</em>"]
        pos = end
    out.append(escape(text[pos:]))
    return "".join(out)


def _narrow(narrow_queries):
    """haystack's narrow strings (``level_exact:national``, ``field:"a b"``) as filters."""
    out = []
    for item in narrow_queries or ():
        field, _, value = str(item).partition(":")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        if field:
            out.append((field.removesuffix("_exact"), "exact", value, False))
    return out


def _term_clause(field, filter_type, value):
    if field in ("django_ct", "django_id", "id"):
        column = {"django_ct": "d.django_ct", "django_id": "d.django_id", "id": "d.doc_id"}[field]
        values = value if filter_type == "in" else [value]
        return f"{column} IN ({', '.join(['%s'] * len(values))})", [str(v) for v in values]
    base = "d.rowid IN (SELECT doc FROM search_term WHERE field = %s AND "
    field = field.removesuffix("_exact")
    if filter_type == "in":
        values = [_term_value(v) for v in value] or [""]
        return base + f"value IN ({', '.join(['%s'] * len(values))}))", [field, *values]
    if filter_type == "range":
        low, high = value
        return base + "value BETWEEN %s AND %s)", [field, _term_value(low), _term_value(high)]
    ops = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
    if filter_type in ops:
        return base + f"value {ops[filter_type]} %s)", [field, _term_value(value)]
    if filter_type == "startswith":
        return base + "value >= %s AND value < %s)", [field, str(value), str(value) + "\uffff"]
    return base + "value = %s)", [field, _term_value(value)]


class FTSSearchQuery(BaseSearchQuery):
    """Builds a ``QueryPlan`` (not a string) from haystack's query tree.

    The text of ``content``/document-field filters is the user's query; filters on
    other fields become term filters; AND is the only connector supported across
    fields (what the product's search pages and API need).
    """

    def build_query(self):
        text_parts, filters = [], []
        autocomplete = False
        document_field = getattr(self.backend, "document_field", "text")

        def walk(node, negated=False):
            nonlocal autocomplete
            for child in node.children:
                if hasattr(child, "children"):
                    walk(child, negated ^ child.negated)
                    continue
                expression, value = child
                field, filter_type = node.split_expression(expression)
                value = getattr(value, "query_string", value)
                if field in ("content", document_field, "title", "title_auto") and (
                    filter_type in ("content", "contains", "fuzzy")
                ):
                    if not negated:
                        text_parts.append(str(value))
                        autocomplete = autocomplete or field == "title_auto"
                elif field == "django_ct":
                    filters.append(("django_ct", filter_type, value, negated))
                else:
                    filters.append((field, filter_type, value, negated))

        walk(self.query_filter, self.query_filter.negated)
        return QueryPlan(" ".join(text_parts), filters=filters, autocomplete=autocomplete)

    def __str__(self):
        plan = self.build_query()
        return f"{plan.text} {plan.filters}".strip()

    def build_query_fragment(self, field, filter_type, value):  # pragma: no cover
        return f"{field}:{value}"

    def run_mlt(self, **kwargs):
        if self._more_like_this is False or self._mlt_instance is None:
            raise ValueError("No instance was provided to determine 'More Like This' results.")
        search_kwargs = self.build_params()
        if kwargs:
            search_kwargs.update(kwargs)
        results = self.backend.more_like_this(self._mlt_instance, **search_kwargs)
        self._results = results.get("results", [])
        self._hit_count = results.get("hits", 0)


class FTSEngine(BaseEngine):
    backend = FTSSearchBackend
    query = FTSSearchQuery
