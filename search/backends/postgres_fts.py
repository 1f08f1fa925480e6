"""The database search backend's PostgreSQL dialect: the same product search as
``search.backends.sqlite_fts``, on PostgreSQL full-text search.

Index writes go through Django's database connection, so they commit — or roll back —
in the same transaction as the records they describe. Text is tokenized by
``search.tokenize`` exactly as for SQLite FTS5 (number tokens, jieba title words, title
and body character bigrams). Schema (``search/migrations/0003_postgres.py``):

* ``search_doc``   one row per indexed object: identifier, model, stored fields
                   (``jsonb``), static rank, and two ``tsvector`` columns under GIN
                   indexes: ``document`` holds the four token streams, each with its own
                   weight — number ``A``, title words ``B``, title grams ``C``, body
                   grams ``D`` — and ``title`` the first three alone (a weight is checked
                   on the row, not in the index: queries for the title alone, such as the
                   title tier and number queries, use ``title`` and its index);
* ``search_term``  (doc, field, value) for filters, facets and sorting, binary collation.

The ``tsvector`` is written as a literal built here from our own tokens, not with
``to_tsvector``: PostgreSQL's text parser splits ``gbt_20004_1_2016`` at the
underscores and joins ``x射`` into one word, so the ``simple`` configuration would not
keep the tokens the tokenizer made. Queries are ``tsquery`` literals built the same way
(never parsed from user input): a gram phrase is ``'医疗':C <-> '疗器':C`` in each column
it may match (a weight restriction per column keeps a phrase inside one column, as an
FTS5 column filter does), a prefix is ``'器':*CD``.

Ranking follows the SQLite backend: number queries by tiers (edition, series, prefix)
then static rank; text queries title-match tier first, then ``ts_rank_cd`` (weights in
proportion to the FTS5 bm25 weights) times the static rank; broad queries are ranked
among the ``CANDIDATES`` statically best matches.
"""

import contextlib
import json
import re

from django.db import transaction

from haystack import connections as haystack_connections
from haystack.backends import BaseEngine, log_query
from haystack.constants import DJANGO_CT, DJANGO_ID, ID
from haystack.models import SearchResult
from haystack.utils import get_identifier, get_model_ct

from search import tokenize
from search.backends import sqlite_fts
from search.backends.sqlite_fts import (
    FTSSearchBackend,
    FTSSearchQuery,
    QueryPlan,
    _from_term,
    _narrow,
    _term_value,
    text_tiers,
)

#: Weights of the token streams in the ``tsvector``.
NUMBER, WORDS, TITLE_GRAMS, BODY_GRAMS = "A", "B", "C", "D"
#: ``ts_rank_cd`` weights {D, C, B, A}: the FTS5 bm25 weights (number 50, title words 8,
#: title grams 10, body grams 1.5) scaled to PostgreSQL's 0..1 range.
RANK_WEIGHTS = (
    "{" + ", ".join(f"{w / max(sqlite_fts.WEIGHTS):g}" for w in reversed(sqlite_fts.WEIGHTS)) + "}"
)
GRAM_WEIGHTS = (TITLE_GRAMS, BODY_GRAMS)
#: Largest position a ``tsvector`` holds (later tokens are kept at this position: they
#: still match as words and prefixes, not inside a phrase).
MAX_POSITION = 16383
#: Longest lexeme a ``tsvector`` holds, in bytes.
MAX_LEXEME_BYTES = 2046
#: Positions kept per lexeme (PostgreSQL's own limit).
MAX_POSITIONS = 256
#: A write of this many documents or more merges the GIN pending lists when it is done.
BULK = 100
#: Rows written per statement when indexing in bulk.
CHUNK = sqlite_fts.CHUNK
#: A text query matching more documents than this ranks only the statically best of
#: them (as in the SQLite backend): broad queries pay ``ts_rank_cd`` for a bounded set.
CANDIDATES = sqlite_fts.CANDIDATES


# -- tsvector and tsquery literals --------------------------------------------------------


def _lexeme(token: str) -> str:
    # Tokens come from search.tokenize and hold no quotes or backslashes; escaping is
    # belt and braces.
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector_literal(streams) -> str:
    """The ``tsvector`` of ``[(weight, tokens), ...]``: positions follow the token order,
    with a gap between streams, so a phrase never runs from one stream into the next."""
    positions: dict[str, list[str]] = {}
    position = 0
    for weight, tokens in streams:
        position += 1
        for token in tokens:
            if len(token.encode()) > MAX_LEXEME_BYTES:
                continue  # PostgreSQL refuses it; nobody types such a word
            position = min(position + 1, MAX_POSITION)
            kept = positions.setdefault(token, [])
            if len(kept) < MAX_POSITIONS:
                kept.append(f"{position}{weight}")
    return " ".join(f"{_lexeme(t)}:{','.join(p)}" for t, p in positions.items())


_BODY_WEIGHT = re.compile(rf":\*?[A-Z]*{BODY_GRAMS}")


def _column(tsquery: str) -> str:
    """``d.title`` when a tsquery only asks for number, title word or title gram
    lexemes, else ``d.document``. GIN indexes know lexemes, not weights: the index of
    ``title`` leaves out the documents that match in their body alone."""
    return "d.document" if _BODY_WEIGHT.search(tsquery) else "d.title"


def _term(token: str, weights: str, prefix: bool = False) -> str:
    return f"{_lexeme(token)}:{'*' if prefix else ''}{weights}"


def _phrase(tokens: list[str], prefix: bool, weights) -> str:
    """Consecutive tokens (the last a prefix when ``prefix``) within one of ``weights``."""
    if len(tokens) == 1:
        return _term(tokens[0], "".join(weights), prefix)
    alternatives = []
    for weight in weights:
        terms = [_term(t, weight) for t in tokens[:-1]] + [_term(tokens[-1], weight, prefix)]
        alternatives.append("(" + " <-> ".join(terms) + ")")
    return " | ".join(alternatives)


def tsquery_expression(query: tokenize.Query, *, title_only: bool = False) -> str | None:
    """The ``tsquery`` for a parsed query: what ``sqlite_fts.fts_expression`` matches,
    in PostgreSQL's syntax (None when the query has no tokens)."""
    parts = []
    for number in query.numbers:
        exact = tokenize.number_tokens(number.normalized)[0]
        series = tokenize.number_tokens(number.series)[0]
        parts.append(f"{_term(exact, NUMBER)} | {_term(series, NUMBER, True)}")
    for serial in query.serials:
        text_weights = WORDS + TITLE_GRAMS if title_only else "".join(GRAM_WEIGHTS)
        parts.append(f"{_term(serial, NUMBER, True)} | {_term(serial, text_weights)}")
    text_parts = []
    for tokens, prefix, code in zip(query.phrases, query.prefix, query.codes, strict=True):
        part = _phrase(tokens, prefix, (TITLE_GRAMS,) if title_only else GRAM_WEIGHTS)
        if code:
            # A standard code (GB/T, DB11, T/CECS): its standards, and titles naming it.
            part = f"{_term(code, NUMBER)} | {part}"
        elif len(tokens) == 1 and tokens[0].isascii() and tokens[0].isalpha():
            # A bare code ("GB", "yy", "T/CECS" typed as "tcecs") finds its standards.
            part = f"{_phrase(tokens, prefix, (NUMBER,))} | {part}"
        text_parts.append(part)
    if text_parts and query.words and not title_only:
        # Matching whole words ranks higher without changing what matches.
        words = " | ".join(_term(w, WORDS) for w in dict.fromkeys(query.words))
        text_parts.append(f"{words} | ({text_parts[0]})")
    parts += text_parts
    if not parts:
        return None
    return " & ".join(f"({p})" for p in parts)


# -- queries -------------------------------------------------------------------------------


class PgQueryPlan(QueryPlan):
    """``QueryPlan`` (parsing, filters, tiers, highlighting) with ``tsquery`` matches."""

    def __init__(self, text="", filters=None, any_words=None, autocomplete=False):
        super().__init__(text, filters=filters, any_words=any_words, autocomplete=autocomplete)
        self._to_tsquery()

    @classmethod
    def of(cls, plan: QueryPlan) -> "PgQueryPlan":
        """The PostgreSQL plan of a plan built by ``FTSSearchQuery``."""
        if isinstance(plan, cls):
            return plan
        new = cls.__new__(cls)
        new.__dict__.update(plan.__dict__)
        new.tiers = []
        new._to_tsquery()
        return new

    def _to_tsquery(self):
        # Same decisions as QueryPlan.__init__, expressed as tsquery literals.
        self.tiers = []
        self.match = None
        if self.any_words:
            self.match = " | ".join(_term(w, WORDS) for w in self.any_words)
        elif self.text:
            q = self.query
            self.match = tsquery_expression(q)
            if q.number_only:
                editions = [tokenize.number_tokens(n.normalized)[0] for n in q.numbers if n.dated]
                series = [tokenize.number_tokens(n.series)[0] for n in q.numbers] + q.serials
                if editions:
                    self.tiers.append((2, " | ".join(_term(e, NUMBER) for e in editions)))
                if series:
                    self.tiers.append((1, " | ".join(_term(s, NUMBER) for s in series)))
            else:
                title = tsquery_expression(q, title_only=True)
                self.tiers = text_tiers(
                    q,
                    title,
                    self.match,
                    lambda codes: " | ".join(_term(c, NUMBER) for c in codes),
                    lambda a, b: f"({a}) & ({b})",
                )
        self.nothing = bool(self.text) and self.match is None

    @classmethod
    def parse_string(cls, text):
        return cls(text="" if text.strip() in {"", "*"} else text)

    def sql(self, narrow_queries=None):
        """WHERE clauses with their parameters, the score and the tier (SQL, params)."""
        where, params = [], []
        if self.nothing:
            where.append("FALSE")
        if self.match:
            where.append(f"{_column(self.match)} @@ %s::tsquery")
            params.append(self.match)
        for field, filter_type, value, negated in self.filters + _narrow(narrow_queries):
            clause, clause_params = _term_clause(field, filter_type, value)
            where.append(f"NOT {clause}" if negated else clause)
            params += clause_params
        if self.match and not self.by_rank:
            score = (
                f"ts_rank_cd('{RANK_WEIGHTS}', d.document, %s::tsquery) * d.rank",
                [self.match],
            )
        else:
            score = ("d.rank", [])
        tier_sql = " + ".join(
            f"(CASE WHEN {_column(expression)} @@ %s::tsquery THEN {int(weight)} ELSE 0 END)"
            for weight, expression in self.tiers
        )
        tier = (tier_sql or "0", [expression for _, expression in self.tiers])
        return where, params, score, tier


def _term_clause(field, filter_type, value):
    """``sqlite_fts._term_clause`` on this schema (documents are ``d.id``)."""
    clause, params = sqlite_fts._term_clause(field, filter_type, value)
    return clause.replace("d.rowid IN (", "d.id IN ("), params


class PgSearchQuery(FTSSearchQuery):
    def build_query(self):
        return PgQueryPlan.of(super().build_query())


# -- the backend -------------------------------------------------------------------------


class PgSearchBackend(FTSSearchBackend):
    """Writes and searches ``search_doc``/``search_term`` on PostgreSQL."""

    # -- writing -----------------------------------------------------------------------
    def update(self, index, iterable, commit=True):
        objects = list(iterable)
        if not objects:
            return
        if hasattr(index, "prepare_batch"):
            index.prepare_batch(objects)
        layout = self._layout(index)
        docs = {}
        for obj in objects:
            data = index.full_prepare(obj)
            number = [
                t for f in layout["number"] for t in tokenize.number_tokens(str(data.get(f) or ""))
            ]
            title = " ".join(str(data.get(f) or "") for f in layout["title"])
            body = " ".join(str(data.get(f) or "") for f in layout["body"])
            streams = [
                (NUMBER, number),
                (WORDS, tokenize.words(title)),
                (TITLE_GRAMS, tokenize.grams(title)),
            ]
            title_vector = tsvector_literal(streams)
            document = tsvector_literal([*streams, (BODY_GRAMS, tokenize.grams(body))])
            terms = []
            for f in layout["terms"]:
                value = data.get(f)
                values = value if isinstance(value, list | tuple | set) else [value]
                terms += [(f, _term_value(v)) for v in values if v not in (None, "")]
            docs[data[ID]] = (
                data[DJANGO_CT],
                str(data[DJANGO_ID]),
                float(data.get("rank") or 1.0),
                json.dumps({f: data.get(f) for f in layout["stored"]}, default=str),
                title_vector,
                document,
                terms,
            )
        items = list(docs.items())
        with transaction.atomic(using=self.database), self.db.cursor() as cur:
            for start in range(0, len(items), CHUNK):
                chunk = items[start : start + CHUNK]
                columns = list(zip(*[(doc_id, *row[:6]) for doc_id, row in chunk], strict=True))
                cur.execute(
                    "INSERT INTO search_doc "
                    "(doc_id, django_ct, django_id, rank, data, title, document) "
                    "SELECT * FROM unnest(%s::text[], %s::text[], %s::text[], %s::float8[], "
                    "%s::text[]::jsonb[], %s::text[]::tsvector[], %s::text[]::tsvector[]) "
                    "ON CONFLICT (doc_id) DO UPDATE SET django_ct = EXCLUDED.django_ct, "
                    "django_id = EXCLUDED.django_id, rank = EXCLUDED.rank, "
                    "data = EXCLUDED.data, title = EXCLUDED.title, "
                    "document = EXCLUDED.document "
                    "RETURNING doc_id, id",
                    [list(c) for c in columns],
                )
                ids = dict(cur.fetchall())
                cur.execute("DELETE FROM search_term WHERE doc = ANY(%s)", [list(ids.values())])
                term_rows = [(ids[doc_id], f, v) for doc_id, row in chunk for f, v in row[6]]
                if term_rows:
                    cur.execute(
                        "INSERT INTO search_term (doc, field, value) "
                        "SELECT * FROM unnest(%s::bigint[], %s::text[], %s::text[])",
                        [list(c) for c in zip(*term_rows, strict=True)],
                    )
            if len(items) >= BULK:
                # Move the new entries from the GIN pending lists (which every query
                # reads through) into the indexes proper, as autovacuum would later.
                cur.execute(
                    "SELECT gin_clean_pending_list('search_doc_title'::regclass), "
                    "gin_clean_pending_list('search_doc_document'::regclass)"
                )

    def _delete_ids(self, cur, doc_ids):
        cur.execute(
            "DELETE FROM search_term WHERE doc IN (SELECT id FROM search_doc "
            "WHERE doc_id = ANY(%s))",
            [list(doc_ids)],
        )
        cur.execute("DELETE FROM search_doc WHERE doc_id = ANY(%s)", [list(doc_ids)])

    @contextlib.contextmanager
    def bulk(self):
        """Replace the whole index in one transaction (``rebuild`` is the SQLite
        backend's): other sessions read the old rows until the commit."""
        with transaction.atomic(using=self.database):
            self.clear()

            def add(index, objects):
                objects = list(objects)
                self.update(index, objects)
                return len(objects)

            yield add

    def clear(self, models=None, commit=True):
        with transaction.atomic(using=self.database), self.db.cursor() as cur:
            if not models:
                cur.execute("DELETE FROM search_term")
                cur.execute("DELETE FROM search_doc")
                return
            cts = [get_model_ct(m) for m in models]
            cur.execute(
                "DELETE FROM search_term WHERE doc IN (SELECT id FROM search_doc "
                "WHERE django_ct = ANY(%s))",
                [cts],
            )
            cur.execute("DELETE FROM search_doc WHERE django_ct = ANY(%s)", [cts])

    # -- reading -----------------------------------------------------------------------
    @log_query
    def search(self, query_string, **kwargs):
        if isinstance(query_string, QueryPlan):
            plan = PgQueryPlan.of(query_string)
        else:
            plan = PgQueryPlan.parse_string(str(query_string))
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
        plan = PgQueryPlan.of(plan)
        result_class = result_class or SearchResult
        where, params, score, tier = plan.sql(narrow_queries=narrow_queries)
        # Filters beyond the text match: with none, a broad query takes the bounded path.
        filtered = len(where) > (1 if plan.match else 0)
        if models:
            where.append("d.django_ct = ANY(%s)")
            params.append([get_model_ct(m) for m in models])
        if exclude_ids:
            where.append("NOT (d.doc_id = ANY(%s))")
            params.append(list(exclude_ids))
            filtered = True
        where_sql = " AND ".join(where) or "TRUE"
        limit = None if end_offset is None else max(end_offset - start_offset, 0)
        order_sql, order_params = self._order(sort_by)
        with self.db.cursor() as cur:
            cur.execute(f"SELECT COUNT(*) FROM search_doc d WHERE {where_sql}", params)
            hits = cur.fetchone()[0]
            if (
                hits > CANDIDATES
                and plan.match
                and not filtered
                and not sort_by
                and (not plan.by_rank or plan.query.code_only)
                and limit is not None
            ):
                ranked = self._bounded(cur, plan, where[1:], params[1:], limit, start_offset)
            else:
                cur.execute(
                    f"SELECT d.id, {score[0]} AS score, {tier[0]} AS tier "
                    f"FROM search_doc d WHERE {where_sql} "
                    f"ORDER BY {order_sql} LIMIT %s OFFSET %s",
                    score[1] + tier[1] + params + order_params + [limit, start_offset],
                )
                ranked = [(r[0], r[1]) for r in cur.fetchall()]
            cur.execute(
                "SELECT id, django_ct, django_id, data FROM search_doc WHERE id = ANY(%s)",
                [[r[0] for r in ranked]],
            )
            stored_rows = {r[0]: r[1:] for r in cur.fetchall()}
            facet_counts = {}
            if facets:
                facet_counts = self._facets(cur, where_sql, params, facets)
        results = []
        unified = haystack_connections[self.connection_alias].get_unified_index()
        for doc, score_value in ranked:
            ct, pk, data = stored_rows[doc]
            app_label, model_name = ct.split(".")
            stored = data if isinstance(data, dict) else json.loads(data)
            stored = self._convert(unified, ct, stored)
            if highlight:
                stored["highlighted"] = {"text": [plan.highlight(stored)]}
            results.append(result_class(app_label, model_name, pk, float(score_value), **stored))
        return {"results": results, "hits": hits, "facets": facet_counts}

    def _order(self, sort_by):
        """ORDER BY over the selected ``score`` and ``tier`` (and terms when sorting)."""
        if not sort_by:
            return "tier DESC, score DESC, d.id", []
        parts, params = [], []
        for key in sort_by:
            desc = key.startswith("-")
            name = key.lstrip("-").removesuffix("_exact")
            parts.append(
                "(SELECT MIN(value) FROM search_term WHERE doc = d.id AND field = %s) "
                f"{'DESC' if desc else 'ASC'} NULLS LAST"
            )
            params.append(name)
        return ", ".join(parts + ["score DESC", "d.id"]), params

    def _bounded(self, cur, plan, extra_where, extra_params, limit, offset):
        """Rank a broad text query among its statically best matches only (see the
        SQLite backend): the ``CANDIDATES`` matches of highest static rank, and as many
        title matches, so that a title match is never displaced by scope-only ones."""
        k = max(CANDIDATES, offset + limit)
        extra = "".join(f" AND {w}" for w in extra_where)

        def candidates(name, tsquery):
            return (
                f"{name} AS MATERIALIZED (SELECT d.id FROM search_doc d "
                f"WHERE {_column(tsquery)} @@ %s::tsquery{extra} "
                f"ORDER BY d.rank DESC, d.id LIMIT {int(k)})"
            )

        score = f"ts_rank_cd('{RANK_WEIGHTS}', d.document, %s::tsquery) * d.rank"
        score_params = [plan.match]
        if plan.by_rank:  # ranked by static rank alone (a code: GB/T)
            score, score_params = "d.rank", []
        if plan.tiers:
            sql = (
                f"WITH {candidates('a', plan.match)}, {candidates('t', plan.tiers[0][1])}, "
                "c AS (SELECT id, 1 AS tier FROM t UNION ALL "
                "SELECT id, 0 FROM a WHERE id NOT IN (SELECT id FROM t)) "
                f"SELECT d.id, {score} AS score FROM c JOIN search_doc d ON d.id = c.id "
                "ORDER BY c.tier DESC, score DESC, d.id LIMIT %s OFFSET %s"
            )
            params = [plan.match, *extra_params, plan.tiers[0][1], *extra_params]
        else:
            sql = (
                f"WITH {candidates('c', plan.match)} SELECT d.id, {score} AS score FROM c "
                "JOIN search_doc d ON d.id = c.id ORDER BY score DESC, d.id LIMIT %s OFFSET %s"
            )
            params = [plan.match, *extra_params]
        cur.execute(sql, [*params, *score_params, limit, offset])
        return cur.fetchall()

    def _facets(self, cur, where_sql, params, facets):
        # haystack asks for "<field>_exact"; the terms are stored under the field.
        asked = {n.removesuffix("_exact"): n for n in facets}
        if not asked:
            return {}
        cur.execute(
            f"WITH hits AS MATERIALIZED (SELECT d.id FROM search_doc d WHERE {where_sql}) "
            "SELECT t.field, t.value, COUNT(*) FROM hits JOIN search_term t ON t.doc = hits.id "
            "WHERE t.field = ANY(%s) GROUP BY t.field, t.value ORDER BY 3 DESC, 2",
            [*params, list(asked)],
        )
        fields = {}
        for field, value, count in cur.fetchall():
            fields.setdefault(asked[field], []).append((_from_term(value), count))
        return {"fields": fields, "dates": {}, "queries": {}}

    def more_like_this(
        self, model_instance, additional_query_string=None, result_class=None, **kwargs
    ):
        doc_id = get_identifier(model_instance)
        with self.db.cursor() as cur:
            # The title words in the order of the title, once per occurrence (as the
            # other backends read them: keywords() drops the copies of a title's kind).
            cur.execute(
                "SELECT w.lexeme FROM search_doc d, "
                "unnest(ts_filter(d.document, %s)) AS w, unnest(w.positions) AS p "
                "WHERE d.doc_id = %s ORDER BY p",
                [f"{{{WORDS.lower()}}}", doc_id],
            )
            title_words = [r[0] for r in cur.fetchall()]
        if not title_words:
            return {"results": [], "hits": 0}
        title_words = tokenize.keywords(title_words, limit=8) or title_words[:8]
        plan = PgQueryPlan(any_words=title_words)
        kwargs.setdefault("end_offset", 10)
        return self._run(plan, result_class=result_class, exclude_ids=[doc_id], **kwargs)


class PostgresEngine(BaseEngine):
    backend = PgSearchBackend
    query = PgSearchQuery
