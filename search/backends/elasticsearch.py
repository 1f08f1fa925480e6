"""A django-haystack backend for Elasticsearch 8 and 9, on the client's DSL.

haystack ships backends up to Elasticsearch 7 (its issue #1980, "Elasticsearch 8
support", is open since 2024). This one speaks to ES 8 natively and to ES 9 through the
8.x client's compatibility headers, and has the embedded backend's behaviour
(``search/backends/sqlite_fts.py``), which the conformance suite checks on both:

* **tokenization in Python** — ``search.tokenize`` makes the same token streams as for
  FTS5 (jieba words, character bigrams, number tokens); the cluster only splits them on
  whitespace (``search/es_documents.py``), so no analysis plugin is needed;
* **the same query plan** — haystack's query tree becomes the embedded backend's
  ``QueryPlan`` (``FTSSearchQuery``), translated here into ES queries: number queries
  rank by tiers (edition asked for, series, prefix) then static rank; text queries put
  title matches first, then bm25 (per-stream weights) multiplied by the static rank;
  term filters, facets (terms aggregations), highlighting (the same escaped ``<em>``
  marks, made from the stored title), autocomplete, more-like-this on title words;
* **aliases** — searches and writes go to the alias ``INDEX_NAME``, behind which sits
  one physical index per build (``<INDEX_NAME>-<timestamp>``). ``rebuild()`` (what
  ``manage.py rebuild_index`` runs for this backend) fills a new physical index while
  the old one serves, swaps the alias in one atomic request and deletes the old index:
  no downtime. Writes made during a rebuild go to both;
* **errors** — a cluster that cannot be reached, times out or refuses a write raises
  ``ElasticsearchUnavailable`` / ``ElasticsearchError`` when ``silently_fail`` is False
  (the durable index queue, ``search.indexing``, sets it so and retries); with
  haystack's default ``SILENTLY_FAIL = True`` the error is logged and the search is
  empty.

Connection options (``HAYSTACK_CONNECTIONS``): ``URL``, ``INDEX_NAME`` (the alias),
``TIMEOUT`` (seconds, default 10), ``KWARGS`` (more keyword arguments for the
``Elasticsearch`` client: ``api_key``, ``basic_auth``, ``ca_certs`` …), ``SHARDS``
(default 1), ``REPLICAS`` (default 1), ``SILENTLY_FAIL``.
"""

import datetime
import json
import logging
import re

from elasticsearch import (
    ApiError,
    ConnectionTimeout,
    Elasticsearch,
    NotFoundError,
    TransportError,
    helpers,
)
from elasticsearch import (
    ConnectionError as TransportConnectionError,
)
from elasticsearch.dsl import Q, Search
from elasticsearch.dsl.query import Query
from elasticsearch.helpers import BulkIndexError
from haystack import connections as haystack_connections
from haystack.backends import BaseEngine, BaseSearchBackend, log_query
from haystack.constants import DJANGO_CT, DJANGO_ID, ID
from haystack.models import SearchResult
from haystack.utils import get_identifier, get_model_ct

from search import es_documents, tokenize
from search.backends.sqlite_fts import (
    FTSSearchBackend,
    FTSSearchQuery,
    QueryPlan,
    _narrow,
    text_tiers,
)

logger = logging.getLogger(__name__)

#: bm25 weight of each token stream (as ``sqlite_fts.WEIGHTS``).
BOOST = {"number": 50.0, "title_words": 8.0, "title_grams": 10.0, "body_grams": 1.5}
TITLE_STREAMS = ("number", "title_words", "title_grams")
GRAM_STREAMS = ("title_grams", "body_grams")
#: Terms aggregation size: every value, as the embedded backend returns (ICS classes
#: with their ancestors are the longest list, about 1,500).
FACET_SIZE = 5000
#: ES refuses ``from + size`` beyond the index's ``max_result_window`` (10,000).
MAX_WINDOW = 10_000
#: Documents per bulk request.
BULK_CHUNK = 1000
#: Answers meaning "try again later" (the queue retries them with a backoff).
TRANSIENT_STATUS = frozenset({408, 429, 502, 503, 504})
SOURCE = ["django_ct", "django_id", "stored"]
BY_RANK = {"rank": {"order": "desc"}}
BY_SCORE = {"_score": {"order": "desc"}}
#: Equal scores and ranks in a stable order, whichever shard copy answers: pages
#: neither repeat nor skip a document.
TIEBREAK = [{"django_ct": {"order": "asc"}}, {"django_id": {"order": "asc"}}]


class ElasticsearchError(Exception):
    """Elasticsearch refused or failed a request (the index was not changed)."""


class ElasticsearchUnavailable(ElasticsearchError):
    """The cluster cannot be reached, timed out, or is overloaded: retry later."""


# -- documents -----------------------------------------------------------------------
def term_value(kind: str, value):
    """A filter/facet value in the form its ES field takes."""
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if kind == "keyword":
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)
    return value


def document_source(data: dict, lay: dict, kinds: dict) -> dict:
    """The ``_source`` of one prepared object (``SearchIndex.full_prepare``): the same
    streams, terms and stored fields the embedded backend writes."""
    number = " ".join(
        t for f in lay["number"] for t in tokenize.number_tokens(str(data.get(f) or ""))
    )
    title = " ".join(str(data.get(f) or "") for f in lay["title"])
    body = " ".join(str(data.get(f) or "") for f in lay["body"])
    stored = {f: data.get(f) for f in lay["stored"]}
    title_words, title_grams = tokenize.title_tokens(title)
    source = {
        "django_ct": data[DJANGO_CT],
        "django_id": str(data[DJANGO_ID]),
        "rank": float(data.get("rank") or 1.0),
        "fts": {
            "number": number,
            "title_words": title_words,
            "title_grams": title_grams,
            # Body text is matched by its grams only, as in the embedded backend.
            "body_grams": tokenize.gram_text(body),
        },
        # Stored values exactly as the embedded backend keeps them (JSON, dates as
        # text), converted back to field types when read.
        "stored": json.loads(json.dumps(stored, ensure_ascii=False, default=str)),
    }
    for f in lay["terms"]:
        value = data.get(f)
        many = isinstance(value, list | tuple | set)
        values = [term_value(kinds[f], v) for v in (value if many else [value])]
        values = [v for v in values if v not in (None, "")]
        if values:
            source[f] = sorted(values) if many else values[0]
    return source


def bulk_actions(index, objects, target: str, kinds: dict, op_type: str = "index") -> list:
    """Bulk actions indexing ``objects`` (of haystack ``index``) into ``target``."""
    objects = list(objects)
    if hasattr(index, "prepare_batch"):
        index.prepare_batch(objects)
    lay = es_documents.layout(index)
    actions = []
    for obj in objects:
        data = index.full_prepare(obj)
        actions.append(
            {
                "_op_type": op_type,
                "_index": target,
                "_id": data[ID],
                "_source": document_source(data, lay, kinds),
            }
        )
    return actions


# -- queries -------------------------------------------------------------------------
def _stream(name: str) -> str:
    return f"fts.{name}"


def _term(stream: str, token: str) -> Query:
    return Q("term", **{_stream(stream): {"value": token, "boost": BOOST[stream]}})


def _prefix(stream: str, token: str) -> Query:
    return Q("prefix", **{_stream(stream): {"value": token, "boost": BOOST[stream]}})


def _phrase(stream: str, tokens: list[str], prefix: bool) -> Query:
    """Consecutive tokens (FTS5 ``"a b c"``), the last one a prefix when ``prefix``
    (FTS5 ``"a b" + "c"*``)."""
    if len(tokens) == 1:
        return _prefix(stream, tokens[0]) if prefix else _term(stream, tokens[0])
    field = _stream(stream)
    if not prefix:
        return Q("match_phrase", **{field: {"query": " ".join(tokens), "boost": BOOST[stream]}})
    # span_near with a prefix is exact (match_phrase_prefix caps its expansions).
    clauses = [{"span_term": {field: token}} for token in tokens[:-1]]
    clauses.append({"span_multi": {"match": {"prefix": {field: {"value": tokens[-1]}}}}})
    return Q("span_near", clauses=clauses, slop=0, in_order=True, boost=BOOST[stream])


def _any(queries: list[Query]) -> Query:
    unique = []
    for q in queries:
        if q not in unique:
            unique.append(q)
    if len(unique) == 1:
        return unique[0]
    return Q("bool", should=unique, minimum_should_match=1)


def match_query(query: tokenize.Query, *, title_only: bool = False) -> Query | None:
    """The ES query matching what ``sqlite_fts.fts_expression`` matches (None when the
    query has no tokens). Every part must match; jieba words only add to the score."""
    parts = []
    for number in query.numbers:
        exact = tokenize.number_tokens(number.normalized)[0]
        series = tokenize.number_tokens(number.series)[0]
        parts.append(
            _any([_term("number", exact), _term("number", series), _prefix("number", series)])
        )
    for serial in query.serials:
        streams = TITLE_STREAMS if title_only else GRAM_STREAMS
        parts.append(
            _any(
                [_term("number", serial), _prefix("number", serial)]
                + [_term(s, serial) for s in streams]
            )
        )
    text_parts = []
    for tokens, prefix, code in zip(query.phrases, query.prefix, query.codes, strict=True):
        streams = ("title_grams",) if title_only else GRAM_STREAMS
        options = [_phrase(s, tokens, prefix) for s in streams]
        if code:
            # A standard code (GB/T, DB11, T/CECS): its standards, and titles naming it.
            options.insert(0, _term("number", code))
        elif len(tokens) == 1 and tokens[0].isascii() and tokens[0].isalpha():
            # A bare code ("GB", "yy", "tcecs") finds its standards.
            options.insert(0, _phrase("number", tokens, prefix))
        text_parts.append(_any(options))
    parts += text_parts
    if not parts:
        return None
    should = []
    if text_parts and query.words and not title_only:
        # Matching whole words ranks higher without changing what matches.
        should = [_any([_term("title_words", w) for w in dict.fromkeys(query.words)])]
    if len(parts) == 1 and not should:
        return parts[0]
    return Q("bool", must=parts, should=should) if should else Q("bool", must=parts)


def scored(query: Query) -> Query:
    """bm25 times the static rank (the embedded backend's ``bm25 * rank``)."""
    return Q(
        "function_score",
        query=query,
        field_value_factor={"field": "rank", "missing": 1.0},
        boost_mode="multiply",
    )


class Plan:
    """A ``QueryPlan`` in ES terms: what matches, the tiers, how results are ordered."""

    def __init__(self, plan: QueryPlan):
        self.plan = plan
        q = plan.query
        self.by_rank = False
        #: (weight, query): documents matching heavier tiers come first.
        self.tiers: list[tuple[int, Query]] = []
        self.nothing = plan.nothing
        if plan.any_words:
            self.main = _any([_term("title_words", w) for w in plan.any_words])
        elif plan.text:
            self.main = match_query(q)
            if q.number_only:
                # A number query: the edition asked for, then the exact series, then
                # what only shares a prefix; within a tier, static rank.
                self.by_rank = True
                editions = [tokenize.number_tokens(n.normalized)[0] for n in q.numbers if n.dated]
                series = [tokenize.number_tokens(n.series)[0] for n in q.numbers] + q.serials
                if editions:
                    self.tiers.append((2, Q("terms", **{_stream("number"): editions})))
                if series:
                    self.tiers.append((1, Q("terms", **{_stream("number"): series})))
            else:
                title = match_query(q, title_only=True)
                self.tiers = text_tiers(
                    q,
                    title,
                    self.main,
                    lambda codes: Q("terms", **{_stream("number"): codes}),
                    lambda a, b: a & b,
                )
                self.by_rank = q.code_only  # a code alone: static order, its standards first
            self.nothing = self.main is None
        else:
            self.main = None


def filter_queries(filters, kinds: dict) -> tuple[list[Query], list[Query]]:
    """haystack filters (field, type, value, negated) as ES filters and exclusions
    (``sqlite_fts._term_clause``). A field the mapping does not know matches nothing,
    as a term the embedded backend never stored."""
    keep, drop = [], []
    for field, filter_type, value, negated in filters:
        (drop if negated else keep).append(_filter(field, filter_type, value, kinds))
    return keep, drop


def _filter(field, filter_type, value, kinds) -> Query:
    values = list(value) if filter_type in ("in", "range") else [value]
    if field == "id":
        return Q("ids", values=[str(v) for v in values])
    if field in ("django_ct", "django_id"):
        return Q("terms", **{field: [str(v) for v in values]})
    field = field.removesuffix("_exact")
    kind = kinds.get(field, "keyword")
    if filter_type == "in":
        return Q("terms", **{field: [term_value(kind, v) for v in values]})
    if filter_type == "range":
        low, high = values
        return Q("range", **{field: {"gte": term_value(kind, low), "lte": term_value(kind, high)}})
    if filter_type in ("gt", "gte", "lt", "lte"):
        return Q("range", **{field: {filter_type: term_value(kind, value)}})
    if filter_type == "startswith" and kind == "keyword":
        return Q("prefix", **{field: str(value)})
    return Q("term", **{field: term_value(kind, value)})


def sort_keys(sort_by, kinds: dict) -> list[dict]:
    """haystack's ``order_by`` names as ES sort keys; missing values last, as the
    embedded backend's NULLS LAST. Names that are not term fields are ignored there
    (no term rows) and here."""
    keys = []
    for key in sort_by or ():
        name = key.lstrip("-")
        if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) and name in kinds:
            keys.append(
                {name: {"order": "desc" if key.startswith("-") else "asc", "missing": "_last"}}
            )
    return keys


def facet_aggs(search: Search, facets, kinds: dict) -> Search:
    for asked in facets or ():
        name = asked.removesuffix("_exact")
        if name in kinds:
            search.aggs.bucket(
                asked,
                "terms",
                field=name,
                size=FACET_SIZE,
                order=[{"_count": "desc"}, {"_key": "asc"}],
            )
    return search


def facet_value(kind: str, bucket: dict):
    key = bucket["key"]
    if kind == "date":
        moment = datetime.datetime.fromtimestamp(key / 1000, tz=datetime.UTC)
        if moment.time() == datetime.time(0):
            return moment.date().isoformat()
        return moment.isoformat()
    if kind == "boolean":
        return bucket.get("key_as_string", str(bool(key)).lower())
    return key


class Requests:
    """The search requests for one query (pure: build, then ``to_dict`` or run).

    A text query ordered by relevance needs its title matches first: ``title`` pages
    through them, ``rest`` through the other matches (fetched only when the page goes
    beyond the title matches) and ``total`` counts all and holds the facets. Every
    other query is one request, ``single``."""

    def __init__(
        self,
        plan: QueryPlan,
        kinds: dict,
        *,
        sort_by=None,
        start_offset=0,
        end_offset=None,
        facets=None,
        narrow_queries=None,
        models=None,
        exclude_ids=(),
    ):
        self.es = Plan(plan)
        self.kinds = kinds
        self.offset = max(int(start_offset or 0), 0)
        end = MAX_WINDOW if end_offset is None else min(int(end_offset), MAX_WINDOW)
        self.size = max(end - self.offset, 0)
        self.facets = facets
        filters, excluded = filter_queries(plan.filters + _narrow(narrow_queries), kinds)
        if models:
            filters.append(Q("terms", django_ct=sorted(get_model_ct(m) for m in models)))
        if exclude_ids:
            excluded.append(Q("ids", values=list(exclude_ids)))
        self.filters, self.excluded = filters, excluded
        self.sort = sort_keys(sort_by, kinds) if sort_by else None
        es = self.es
        self.tiered = bool(es.tiers) and not es.by_rank and not sort_by and not es.nothing

    def _search(self, query: Query, sort: list, offset: int, size: int) -> Search:
        return (
            Search()
            .query(query)
            .sort(*sort, *TIEBREAK)
            .source(SOURCE)
            .extra(from_=offset, size=size, track_total_hits=True)
        )

    def _bool(self, must=(), filters=(), should=(), must_not=()) -> Query:
        return Q(
            "bool",
            **{
                k: list(v)
                for k, v in (
                    ("must", must),
                    ("filter", [*filters, *self.filters]),
                    ("should", should),
                    ("must_not", [*must_not, *self.excluded]),
                )
                if v
            },
        )

    def single(self) -> Search:
        es = self.es
        if es.nothing:
            query, order = Q("match_none"), [BY_RANK]
        elif es.main is None:
            query, order = self._bool(), [BY_RANK]
        elif es.by_rank:
            tiers = [Q("constant_score", filter=t, boost=w) for w, t in es.tiers]
            query, order = self._bool(filters=[es.main], should=tiers), [BY_SCORE, BY_RANK]
            if self.sort is not None:
                order = [BY_RANK]
        else:
            query, order = self._bool(must=[scored(es.main)]), [BY_SCORE, BY_RANK]
        if self.sort is not None:
            order = self.sort + order
        search = self._search(query, order, self.offset, self.size)
        return facet_aggs(search, self.facets, self.kinds)

    def title(self) -> Search:
        _weight, title = self.es.tiers[0]
        query = self._bool(must=[scored(self.es.main)], filters=[title])
        return self._search(query, [BY_SCORE, BY_RANK], self.offset, self.size)

    def total(self) -> Search:
        search = (
            Search().query(self._bool(filters=[self.es.main])).extra(size=0, track_total_hits=True)
        )
        return facet_aggs(search, self.facets, self.kinds)

    def rest(self, title_hits: int, taken: int) -> Search:
        """The matches outside the title tier that fill the page after ``taken``
        title matches (of ``title_hits``)."""
        _weight, title = self.es.tiers[0]
        query = self._bool(must=[scored(self.es.main)], must_not=[title])
        offset = max(self.offset - title_hits, 0)
        return self._search(query, [BY_SCORE, BY_RANK], offset, self.size - taken)


# -- the backend ---------------------------------------------------------------------
class ElasticsearchSearchBackend(BaseSearchBackend):
    def __init__(self, connection_alias, **options):
        super().__init__(connection_alias, **options)
        try:
            self.url = options["URL"]
            self.index_name = options["INDEX_NAME"]
        except KeyError as exc:
            raise ElasticsearchError(
                f"HAYSTACK_CONNECTIONS[{connection_alias!r}] needs {exc}"
            ) from exc
        if self.index_name != self.index_name.lower():
            raise ElasticsearchError(f"INDEX_NAME must be lower case: {self.index_name!r}")
        self.client_options = dict(options.get("KWARGS") or {})
        self.shards = int(options.get("SHARDS", 1))
        self.replicas = int(options.get("REPLICAS", 1))
        self._client = None
        self._document = None
        self._kinds = None
        self._ready = False

    # -- plumbing --------------------------------------------------------------------
    @property
    def client(self) -> Elasticsearch:
        if self._client is None:
            self._client = Elasticsearch(
                self.url, request_timeout=self.timeout, **self.client_options
            )
        return self._client

    @property
    def building_alias(self) -> str:
        """Points at the physical index a ``rebuild()`` is filling."""
        return f"{self.index_name}-building"

    def physical_name(self, moment: datetime.datetime | None = None) -> str:
        moment = moment or datetime.datetime.now(datetime.UTC)
        return f"{self.index_name}-{moment:%Y%m%d%H%M%S%f}"

    @property
    def first_physical_name(self) -> str:
        # Fixed, so that two processes creating the index at once create the same one.
        return f"{self.index_name}-{'0' * 20}"

    def unified_index(self):
        return haystack_connections[self.connection_alias].get_unified_index()

    def document(self):
        """The DSL document class of this connection's search indexes."""
        if self._document is None:
            self._document = es_documents.document_class(
                self.unified_index().get_indexes().values()
            )
        return self._document

    def kinds(self) -> dict[str, str]:
        """ES type of each term field (``keyword``, ``long``, ``date`` …)."""
        if self._kinds is None:
            properties = self.document()._doc_type.mapping.to_dict()["properties"]
            self._kinds = {
                name: spec["type"]
                for name, spec in properties.items()
                if name not in es_documents.RESERVED
            }
        return self._kinds

    def index_body(self, *, building: bool = False) -> dict:
        """Settings and mappings of a new physical index (``indices.create``).
        While a rebuild fills it: no refresh, no replica (restored before the swap)."""
        definition = es_documents.index_definition(
            "unused", self.document(), shards=self.shards, replicas=0 if building else self.replicas
        )
        body = definition.to_dict()
        if building:
            body["settings"]["refresh_interval"] = "-1"
        return body

    def _failed(self, action: str, exc: Exception):
        """Raise a clear error, or log it when haystack's ``silently_fail`` is on."""
        error = translate_error(exc, self.url)
        if self.silently_fail:
            logger.error("Elasticsearch %s failed: %s", action, error)
            return
        raise error from exc

    def _alias_targets(self, alias: str) -> list[str]:
        try:
            return sorted(self.client.indices.get_alias(name=alias).body)
        except NotFoundError:
            return []

    def _create(self, name: str, *, aliases=None, building=False):
        body = self.index_body(building=building)
        self.client.indices.create(
            index=name,
            settings=body["settings"],
            mappings=body["mappings"],
            aliases=aliases or {},
        )

    def setup(self):
        """Make sure the alias exists (creating its first physical index), and add any
        new term field to the mapping (a changed type needs ``rebuild_index``)."""
        if self._ready:
            return
        indices = self.client.indices
        if indices.exists_alias(name=self.index_name):
            mappings = self.index_body()["mappings"]
            indices.put_mapping(index=self.index_name, **mappings)
        elif indices.exists(index=self.index_name):
            raise ElasticsearchError(
                f"{self.index_name!r} is an index, not an alias: run rebuild_index, which "
                "puts a new index behind the alias and removes this one"
            )
        else:
            try:
                self._create(self.first_physical_name, aliases={self.index_name: {}})
            except ApiError as exc:
                if "resource_already_exists" not in str(exc):
                    raise
        self._ready = True

    def ping(self) -> bool:
        """Whether the cluster answers (for health checks and the index queue)."""
        try:
            return bool(self.client.ping())
        except (ApiError, TransportError):
            return False

    # -- writing ---------------------------------------------------------------------
    def _write_targets(self) -> list[str]:
        """The alias, and the index a rebuild is filling if one is: a write made
        during a rebuild must survive the swap."""
        return [self.index_name, *self._alias_targets(self.building_alias)]

    def update(self, index, iterable, commit=True):
        objects = list(iterable)
        if not objects:
            return
        try:
            self.setup()
            kinds = self.kinds()
            actions = bulk_actions(index, objects, self.index_name, kinds)
            extra = self._write_targets()[1:]
            for target in extra:
                actions += [
                    {**a, "_index": target} for a in actions if a["_index"] == self.index_name
                ]
            helpers.bulk(self.client, actions, chunk_size=BULK_CHUNK, refresh=bool(commit))
        except (ApiError, TransportError, BulkIndexError, ElasticsearchError) as exc:
            self._failed("update", exc)

    def remove(self, obj_or_string, commit=True):
        doc_id = get_identifier(obj_or_string)
        try:
            self.setup()
            actions = [
                {"_op_type": "delete", "_index": target, "_id": doc_id}
                for target in self._write_targets()
            ]
            # A document that is not there is removed already.
            helpers.bulk(self.client, actions, refresh=bool(commit), ignore_status=404)
        except (ApiError, TransportError, BulkIndexError, ElasticsearchError) as exc:
            self._failed("remove", exc)

    def clear(self, models=None, commit=True):
        """Remove every document (a fresh physical index swapped in) or those of
        ``models`` (delete by query)."""
        try:
            self.setup()
            if models:
                self.client.delete_by_query(
                    index=self._write_targets(),
                    query={"terms": {"django_ct": sorted(get_model_ct(m) for m in models)}},
                    refresh=bool(commit),
                    conflicts="proceed",
                )
                return
            new = self.physical_name()
            self._create(new)
            self._swap(new)
        except (ApiError, TransportError, ElasticsearchError) as exc:
            self._failed("clear", exc)

    def swap_actions(self, new: str, old: list[str]) -> list[dict]:
        """One ``_aliases`` request: the alias leaves the old indices and points at the
        new one (and the building alias leaves it), atomically."""
        actions = [{"remove": {"index": i, "alias": self.index_name}} for i in old]
        if not old and self.client.indices.exists(index=self.index_name):
            # An index that holds the alias's name (made by something else) goes.
            actions.append({"remove_index": {"index": self.index_name}})
        actions.append({"add": {"index": new, "alias": self.index_name}})
        return actions

    def _swap(self, new: str, old: list[str] | None = None):
        if old is None:
            old = [i for i in self._alias_targets(self.index_name) if i != new]
        actions = self.swap_actions(new, old)
        if new in self._alias_targets(self.building_alias):
            actions.append({"remove": {"index": new, "alias": self.building_alias}})
        self.client.indices.update_aliases(actions=actions)
        for name in old:
            self.client.options(ignore_status=404).indices.delete(index=name)
        self._ready = True

    def rebuild(self, batch_size: int | None = None, log=None) -> dict:
        """Build a new physical index from the database and swap it in.

        Searches keep using the old index until the swap; saves made meanwhile are
        written to both (``_write_targets``), and the rebuild never overwrites them
        (its writes are ``create``). Returns {"index", "documents", "replaced"}."""
        batch_size = batch_size or self.batch_size
        log = log or (lambda message: None)
        try:
            # No setup(): the new index gets the whole mapping, and the swap also takes
            # over an alias that does not exist yet or a plain index of that name.
            # A rebuild that died left its index behind the building alias: replace it.
            for stale in self._alias_targets(self.building_alias):
                self.client.options(ignore_status=404).indices.delete(index=stale)
            new = self.physical_name()
            self._create(new, aliases={self.building_alias: {}}, building=True)
            try:
                documents = self._fill(new, batch_size, log)
                self.client.indices.put_settings(
                    index=new,
                    settings={"refresh_interval": None, "number_of_replicas": self.replicas},
                )
                self.client.indices.refresh(index=new)
                old = [i for i in self._alias_targets(self.index_name) if i != new]
                self._swap(new, old)
            except BaseException:
                try:
                    self.client.options(ignore_status=404).indices.delete(index=new)
                except (ApiError, TransportError):
                    logger.exception("could not remove the unfinished index %s", new)
                raise
        except (ApiError, TransportError, BulkIndexError) as exc:
            raise translate_error(exc, self.url) from exc
        replaced = ", ".join(old) or "nothing"
        log(f"Swapped {self.index_name} to {new} ({documents} documents); removed {replaced}.")
        return {"index": new, "documents": documents, "replaced": old}

    def _fill(self, target: str, batch_size: int, log) -> int:
        kinds = self.kinds()
        done = 0
        for model, index in self.unified_index().get_indexes().items():
            queryset = index.build_queryset(using=self.connection_alias).order_by("pk")
            last = None
            while True:
                page = queryset if last is None else queryset.filter(pk__gt=last)
                objects = list(page[:batch_size])
                if not objects:
                    break
                last = objects[-1].pk
                actions = bulk_actions(index, objects, target, kinds, op_type="create")
                # 409: a save during the rebuild wrote a newer document already.
                helpers.bulk(self.client, actions, chunk_size=BULK_CHUNK, ignore_status=409)
                done += len(objects)
            log(f"Indexed {model._meta.label}: {done} documents so far.")
        return done

    def indexed_ids(self, model):
        """Every ``django_id`` of ``model`` in the index (a scroll: for comparing the
        index with the database, at any size)."""
        self.setup()
        hits = helpers.scan(
            self.client,
            index=self.index_name,
            query={"query": {"term": {"django_ct": get_model_ct(model)}}, "_source": ["django_id"]},
        )
        for hit in hits:
            yield hit["_source"]["django_id"]

    # -- reading ---------------------------------------------------------------------
    @log_query
    def search(self, query_string, **kwargs):
        plan = (
            query_string
            if isinstance(query_string, QueryPlan)
            else QueryPlan.parse_string(str(query_string))
        )
        try:
            return self._run(plan, **kwargs)
        except (ApiError, TransportError, ElasticsearchError) as exc:
            self._failed("search", exc)
            return {"results": [], "hits": 0, "facets": {}}

    def requests(self, plan: QueryPlan, **kwargs) -> Requests:
        names = (
            "sort_by",
            "start_offset",
            "end_offset",
            "facets",
            "narrow_queries",
            "models",
            "exclude_ids",
        )
        return Requests(plan, self.kinds(), **{k: kwargs[k] for k in names if k in kwargs})

    def _run(self, plan, highlight=False, result_class=None, facets=None, **kwargs):
        self.setup()
        requests = self.requests(plan, facets=facets, **kwargs)
        if requests.tiered:
            title, total = self._msearch([requests.title(), requests.total()])
            hits = title["hits"]["hits"]
            title_hits = title["hits"]["total"]["value"]
            count = total["hits"]["total"]["value"]
            if len(hits) < requests.size and count > title_hits:
                (rest,) = self._msearch([requests.rest(title_hits, len(hits))])
                hits = hits + rest["hits"]["hits"]
            aggregations = total.get("aggregations", {})
        else:
            (body,) = self._msearch([requests.single()])
            hits = body["hits"]["hits"]
            count = body["hits"]["total"]["value"]
            aggregations = body.get("aggregations", {})
        return {
            "results": self._results(hits, plan, highlight, result_class or SearchResult),
            "hits": count,
            "facets": self._facets(aggregations, facets, requests.kinds) if facets else {},
        }

    def _msearch(self, searches: list[Search]) -> list[dict]:
        """Run DSL searches in one round trip; a failed one raises."""
        if len(searches) == 1:
            return [self.client.search(index=self.index_name, body=searches[0].to_dict()).body]
        lines = []
        for search in searches:
            lines += [{}, search.to_dict()]
        answers = self.client.msearch(index=self.index_name, searches=lines).body["responses"]
        for answer in answers:
            if "error" in answer:
                status = answer.get("status", 500)
                error = (
                    ElasticsearchUnavailable if status in TRANSIENT_STATUS else ElasticsearchError
                )
                raise error(f"Elasticsearch at {self.url} answered {status}: {answer['error']}")
        return answers

    def _results(self, hits, plan, highlight, result_class):
        unified = self.unified_index()
        results = []
        for hit in hits:
            source = hit["_source"]
            ct = source["django_ct"]
            app_label, model_name = ct.split(".")
            stored = FTSSearchBackend._convert(unified, ct, dict(source.get("stored") or {}))
            if highlight:
                stored["highlighted"] = {"text": [plan.highlight(stored)]}
            results.append(
                result_class(
                    app_label, model_name, source["django_id"], hit.get("_score") or 0.0, **stored
                )
            )
        return results

    @staticmethod
    def _facets(aggregations, facets, kinds):
        fields = {}
        for asked in facets:
            buckets = aggregations.get(asked, {}).get("buckets", [])
            kind = kinds.get(asked.removesuffix("_exact"), "keyword")
            if buckets:
                fields[asked] = [(facet_value(kind, b), b["doc_count"]) for b in buckets]
        return {"fields": fields, "dates": {}, "queries": {}}

    def more_like_this(
        self, model_instance, additional_query_string=None, result_class=None, **kwargs
    ):
        doc_id = get_identifier(model_instance)
        try:
            self.setup()
            try:
                source = self.client.get(
                    index=self.index_name, id=doc_id, source_includes=["fts.title_words"]
                )["_source"]
            except NotFoundError:
                return {"results": [], "hits": 0}
            plan = mlt_plan(source.get("fts", {}).get("title_words", ""))
            if plan is None:
                return {"results": [], "hits": 0}
            kwargs.setdefault("end_offset", 10)
            return self._run(plan, result_class=result_class, exclude_ids=[doc_id], **kwargs)
        except (ApiError, TransportError, ElasticsearchError) as exc:
            self._failed("more_like_this", exc)
            return {"results": [], "hits": 0}


def mlt_plan(title_words: str) -> QueryPlan | None:
    """ "More like this": a document's most telling title words, any of them."""
    title_words = title_words.split()
    words = tokenize.keywords(title_words, limit=8) or title_words[:8]
    return QueryPlan(any_words=words) if words else None


def translate_error(exc: Exception, url: str = "") -> ElasticsearchError:
    """The client's exceptions as this backend's two: unavailable (retry later) or not."""
    if isinstance(exc, ElasticsearchError):
        return exc
    where = f"Elasticsearch at {url}" if url else "Elasticsearch"
    if isinstance(exc, TransportConnectionError | ConnectionTimeout):
        return ElasticsearchUnavailable(f"{where} cannot be reached: {exc}")
    if isinstance(exc, BulkIndexError):
        statuses = {
            next(iter(item.values())).get("status") for item in exc.errors if isinstance(item, dict)
        }
        first = exc.errors[0] if exc.errors else {}
        message = f"{where} refused {len(exc.errors)} document(s): {json.dumps(first)[:500]}"
        if statuses and statuses <= TRANSIENT_STATUS:
            return ElasticsearchUnavailable(message)
        return ElasticsearchError(message)
    if isinstance(exc, ApiError):
        message = f"{where} answered {exc.meta.status}: {exc}"
        if exc.meta.status in TRANSIENT_STATUS:
            return ElasticsearchUnavailable(message)
        return ElasticsearchError(message)
    if isinstance(exc, TransportError):
        return ElasticsearchUnavailable(f"{where}: {exc}")
    return ElasticsearchError(f"{where}: {exc}")


class ElasticsearchSearchQuery(FTSSearchQuery):
    """The embedded backend's query building: haystack's tree → ``QueryPlan``."""


class ElasticsearchEngine(BaseEngine):
    backend = ElasticsearchSearchBackend
    query = ElasticsearchSearchQuery
