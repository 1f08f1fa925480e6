"""Exact tests of what the Elasticsearch backend sends, with no cluster.

Mappings, documents and query bodies are built by plain functions and compared with
what they must be. Where the backend talks to the cluster (alias swap, writes during a
rebuild, errors), the official client runs for real down to its HTTP layer, which is a
recording double: it records each request and gives the answer ES documents for it.
Search behaviour against a live cluster: ``tests/search/conformance`` with
``ELASTICSEARCH_URL`` set.
"""

import json
import logging

import jieba
import pytest
from elastic_transport import ApiResponseMeta, BaseNode, HttpHeaders
from elastic_transport._node import NodeApiResponse
from haystack import connections
from haystack.query import SearchQuerySet

from search import es_documents, tokenize
from search.backends.elasticsearch import (
    ElasticsearchError,
    ElasticsearchSearchBackend,
    ElasticsearchUnavailable,
    bulk_actions,
    facet_value,
    mlt_plan,
)
from search.backends.sqlite_fts import QueryPlan
from standards.models import Standard

MODELS = {"terms": {"django_ct": ["standards.standard"]}}
SOURCE = ["django_ct", "django_id", "stored"]
TIEBREAK = [{"django_ct": {"order": "asc"}}, {"django_id": {"order": "asc"}}]
BY_SCORE_THEN_RANK = [{"_score": {"order": "desc"}}, {"rank": {"order": "desc"}}, *TIEBREAK]
TOKENS = {"analyzer": "tokens", "type": "text"}


def standard_index():
    return connections["default"].get_unified_index().get_index(Standard)


def make_backend(**options):
    options = {
        "URL": "http://es.test:9200",
        "INDEX_NAME": "bzg",
        "SILENTLY_FAIL": False,
        **options,
    }
    return ElasticsearchSearchBackend("default", **options)


def bodies(sqs, start=0, end=20):
    """The request bodies the backend would send for a SearchQuerySet."""
    sqs.query.set_limits(start, end)
    requests = make_backend().requests(sqs.query.build_query(), **sqs.query.build_params())
    if requests.tiered:
        return {
            "title": requests.title().to_dict(),
            "total": requests.total().to_dict(),
            "rest": requests.rest(title_hits=3, taken=1).to_dict(),
        }
    return requests.single().to_dict()


def gram_phrase(stream, query):
    boost = {"title_grams": 10.0, "body_grams": 1.5}[stream]
    return {"match_phrase": {f"fts.{stream}": {"query": query, "boost": boost}}}


def title_word(word):
    return {"term": {"fts.title_words": {"value": word, "boost": 8.0}}}


def any_of(*queries):
    return {"bool": {"minimum_should_match": 1, "should": list(queries)}}


def times_rank(query):
    return {
        "function_score": {
            "boost_mode": "multiply",
            "functions": [{"field_value_factor": {"field": "rank", "missing": 1.0}}],
            "query": query,
        }
    }


# -- the index -----------------------------------------------------------------------
def test_standard_index_mapping_and_settings():
    document = es_documents.document_class([standard_index()])
    body = es_documents.index_definition("bzg-20260101000000000000", document).to_dict()
    assert body == {
        "settings": {
            "number_of_shards": 1,
            "number_of_replicas": 1,
            "analysis": {"analyzer": {"tokens": {"type": "custom", "tokenizer": "whitespace"}}},
        },
        "mappings": {
            "dynamic": "strict",
            "properties": {
                "django_ct": {"type": "keyword"},
                "django_id": {"type": "keyword"},
                "rank": {"type": "float"},
                "fts": {
                    "type": "object",
                    "properties": {
                        "number": {**TOKENS, "index_options": "freqs"},
                        "title_words": {**TOKENS, "index_options": "freqs"},
                        "title_grams": TOKENS,
                        "body_grams": TOKENS,
                    },
                },
                "stored": {"type": "object", "enabled": False},
                # filters, facets, sorting
                "department": {"type": "keyword"},
                "effective": {"type": "date"},
                "ics": {"type": "keyword"},
                "level": {"type": "keyword"},
                "number": {"type": "keyword"},
                "number_sort": {"type": "keyword"},
                "published": {"type": "date"},
                "status": {"type": "keyword"},
                "year": {"type": "long"},
            },
        },
    }


def test_one_index_for_all_models_and_a_quiet_one_while_building():
    backend = make_backend(REPLICAS=2, SHARDS=3)
    body = backend.index_body()
    assert body["settings"]["number_of_shards"] == 3
    assert body["settings"]["number_of_replicas"] == 2
    # Declarations share the index: their own facets join, shared names agree.
    assert backend.kinds() == {
        "category": "keyword",
        "department": "keyword",
        "effective": "date",
        "ics": "keyword",
        "level": "keyword",
        "number": "keyword",
        "number_sort": "keyword",
        "province": "keyword",
        "published": "date",
        "region": "keyword",
        "status": "keyword",
        "year": "long",
    }
    building = backend.index_body(building=True)["settings"]
    assert building["refresh_interval"] == "-1" and building["number_of_replicas"] == 0


def test_two_types_for_one_field_name_are_refused():
    from haystack import indexes

    class Other(indexes.SearchIndex):
        text = indexes.CharField(document=True)
        year = indexes.CharField(faceted=True)

        def get_model(self):  # pragma: no cover - never queried
            return Standard

    with pytest.raises(ValueError, match="'year' has two types"):
        es_documents.term_fields([standard_index(), Other()])


@pytest.fixture(scope="module")
def project_dictionary():
    """jieba with the project dictionary only (the catalogue dictionary in var/ depends
    on the data a machine has imported)."""
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    tokenizer.load_userdict(str(tokenize.DICTIONARY))
    return tokenizer


def test_bulk_action_of_a_standard(chain_catalogue, project_dictionary, monkeypatch):
    monkeypatch.setattr(
        tokenize,
        "_segment_words",
        lambda segment: tuple(project_dictionary.cut_for_search(segment, HMM=False)),
    )
    std = Standard.objects.get(number="GB 2760-2024")
    backend = make_backend()
    [action] = bulk_actions(standard_index(), [std], "bzg", backend.kinds())
    department = "国家卫生健康委员会、国家市场监督管理总局"
    ics = ["67", "67.220", "67.220.20"]
    assert action == {
        "_op_type": "index",
        "_index": "bzg",
        "_id": f"standards.standard.{std.pk}",
        "_source": {
            "django_ct": "standards.standard",
            "django_id": str(std.pk),
            "rank": 1.5111,  # in force (1.5) × (1 + (2024 - 1950) / 10,000)
            "fts": {
                "number": "gb_2760_2024 gb_2760 2760 gb 2760_2024",
                # 食品安全国家标准 is one word of the project's dictionary (the kind of
                # standard: "related standards" leave it and its pieces out)
                "title_words": "食品 安全 全国 国家 标准 食品安全国家标准 "
                "食品 添加 加剂 添加剂 使用 标准",
                "title_grams": "食品 品安 安全 全国 国家 家标 标准 准 "
                "食品 品添 添加 加剂 剂使 使用 用标 标准 准",
                # the document field: scope, category, department
                "body_grams": "国家 家卫 卫生 生健 健康 康委 委员 员会 会 "
                "国家 家市 市场 场监 监督 督管 管理 理总 总局 局",
            },
            "stored": {
                "text": department,
                "number": "GB 2760-2024",
                "title": "食品安全国家标准 食品添加剂使用标准",
                "title_en": "",
                "level": "national",
                "status": "current",
                "ics": ics,
                "department": department,
                "year": 2024,
                "effective": "2025-02-08",
                "published": "2024-02-08",
                "series": "GB 2760",
                "kind": "mandatory",
                "rank": 1.5111,
            },
            "number": "GB 2760-2024",
            "number_sort": "GB 0000002760-0000002024",
            "level": "national",
            "status": "current",
            "ics": ics,
            "department": department,
            "year": 2024,
            "effective": "2025-02-08",
            "published": "2024-02-08",
        },
    }


# -- request bodies --------------------------------------------------------------------
def standards():
    return SearchQuerySet().models(Standard)


def test_dated_number_query():
    assert bodies(standards().filter(content="GB/T 42061-2022")) == {
        "query": {
            "bool": {
                "filter": [
                    any_of(
                        {"term": {"fts.number": {"value": "gbt_42061_2022", "boost": 50.0}}},
                        {"term": {"fts.number": {"value": "gbt_42061", "boost": 50.0}}},
                        {"prefix": {"fts.number": {"value": "gbt_42061", "boost": 50.0}}},
                    ),
                    MODELS,
                ],
                # tiers: the edition asked for (2), its series (1), then prefix matches (0)
                "should": [
                    {
                        "constant_score": {
                            "filter": {"terms": {"fts.number": ["gbt_42061_2022"]}},
                            "boost": 2,
                        }
                    },
                    {
                        "constant_score": {
                            "filter": {"terms": {"fts.number": ["gbt_42061"]}},
                            "boost": 1,
                        }
                    },
                ],
            }
        },
        "sort": BY_SCORE_THEN_RANK,
        "from": 0,
        "size": 20,
        "track_total_hits": True,
        "_source": SOURCE,
    }


def test_undated_number_query():
    assert bodies(standards().filter(content="gb 2760")) == {
        "query": {
            "bool": {
                "filter": [
                    any_of(
                        {"term": {"fts.number": {"value": "gb_2760", "boost": 50.0}}},
                        {"prefix": {"fts.number": {"value": "gb_2760", "boost": 50.0}}},
                    ),
                    MODELS,
                ],
                "should": [
                    {
                        "constant_score": {
                            "filter": {"terms": {"fts.number": ["gb_2760"]}},
                            "boost": 1,
                        }
                    }
                ],
            }
        },
        # within the series tier: static rank, so the edition in force first
        "sort": BY_SCORE_THEN_RANK,
        "from": 0,
        "size": 20,
        "track_total_hits": True,
        "_source": SOURCE,
    }


def test_code_query():
    body = bodies(standards().filter(content="GB/T"))
    code_or_mention = body["query"]["bool"]["filter"][0]["bool"]["must"][0]
    assert code_or_mention == any_of(
        {"term": {"fts.number": {"value": "gbt", "boost": 50.0}}},
        {"match_phrase": {"fts.title_grams": {"query": "gb t", "boost": 10.0}}},
        {"match_phrase": {"fts.body_grams": {"query": "gb t", "boost": 1.5}}},
    )
    # The code's standards first (a tier), in static order: in force, newer.
    assert body["query"]["bool"]["should"] == [
        {"constant_score": {"filter": {"terms": {"fts.number": ["gbt"]}}, "boost": 1}}
    ]
    assert body["sort"] == BY_SCORE_THEN_RANK


def test_chinese_text_query_title_matches_first():
    phrase = "食品 品添 添加 加剂"
    matches = {
        "bool": {
            "must": [any_of(gram_phrase("title_grams", phrase), gram_phrase("body_grams", phrase))],
            "should": [
                any_of(
                    title_word("食品"), title_word("添加"), title_word("加剂"), title_word("添加剂")
                )
            ],
        }
    }
    in_title = gram_phrase("title_grams", phrase)
    assert bodies(standards().filter(content="食品添加剂"), start=20, end=40) == {
        # page through the title matches …
        "title": {
            "query": {"bool": {"must": [times_rank(matches)], "filter": [in_title, MODELS]}},
            "sort": BY_SCORE_THEN_RANK,
            "from": 20,
            "size": 20,
            "track_total_hits": True,
            "_source": SOURCE,
        },
        # … count everything (and facet it) …
        "total": {
            "query": {"bool": {"filter": [matches, MODELS]}},
            "size": 0,
            "track_total_hits": True,
        },
        # … then the other matches, after the 3 title matches of which 1 is on the page
        "rest": {
            "query": {
                "bool": {
                    "must": [times_rank(matches)],
                    "filter": [MODELS],
                    "must_not": [in_title],
                }
            },
            "sort": BY_SCORE_THEN_RANK,
            "from": 17,
            "size": 19,
            "track_total_hits": True,
            "_source": SOURCE,
        },
    }


def test_filtered_and_faceted_query():
    sqs = (
        standards()
        .filter(content="医疗器械")
        .filter(level="industry")
        .filter(ics="11")
        .exclude(status="withdrawn")
        .filter(year__gte=2010)
        .facet("status")
        .facet("year")
    )
    phrase = "医疗 疗器 器械"
    matches = {
        "bool": {
            "must": [any_of(gram_phrase("title_grams", phrase), gram_phrase("body_grams", phrase))],
            "should": [any_of(title_word("医疗"), title_word("器械"), title_word("医疗器械"))],
        }
    }
    filters = [
        {"term": {"level": "industry"}},
        {"term": {"ics": "11"}},
        {"range": {"year": {"gte": 2010}}},
        MODELS,
    ]
    facet = {"order": [{"_count": "desc"}, {"_key": "asc"}], "size": 5000}
    found = bodies(sqs)
    assert found["total"] == {
        "query": {
            "bool": {
                "filter": [matches, *filters],
                "must_not": [{"term": {"status": "withdrawn"}}],
            }
        },
        "aggs": {
            "status_exact": {"terms": {"field": "status", **facet}},
            "year_exact": {"terms": {"field": "year", **facet}},
        },
        "size": 0,
        "track_total_hits": True,
    }
    assert found["title"]["query"]["bool"]["filter"] == [
        gram_phrase("title_grams", phrase),
        *filters,
    ]
    assert found["title"]["query"]["bool"]["must_not"] == [{"term": {"status": "withdrawn"}}]


def test_facet_values_come_back_in_haystacks_shape():
    backend = make_backend()
    aggregations = {
        "year_exact": {"buckets": [{"key": 2024, "doc_count": 3}, {"key": 2014, "doc_count": 1}]},
        "effective_exact": {"buckets": [{"key": 1738972800000, "doc_count": 2}]},
        "level_exact": {"buckets": [{"key": "national", "doc_count": 4}]},
    }
    facets = {"year_exact": {}, "effective_exact": {}, "level_exact": {}, "status_exact": {}}
    assert backend._facets(aggregations, facets, backend.kinds()) == {
        "fields": {
            "year_exact": [(2024, 3), (2014, 1)],
            "effective_exact": [("2025-02-08", 2)],
            "level_exact": [("national", 4)],
        },
        "dates": {},
        "queries": {},
    }
    assert facet_value("boolean", {"key": 1, "key_as_string": "true"}) == "true"


def test_autocomplete_query_ends_in_a_prefix():
    # "医用X射": the last character is the start of a word still being typed.
    found = bodies(standards().filter(title_auto="医用X射"))

    def typed(stream, boost):
        field = f"fts.{stream}"
        return {
            "span_near": {
                "clauses": [
                    {"span_term": {field: "医用"}},
                    {"span_term": {field: "用"}},
                    {"span_term": {field: "x"}},
                    {"span_multi": {"match": {"prefix": {field: {"value": "射"}}}}},
                ],
                "slop": 0,
                "in_order": True,
                "boost": boost,
            }
        }

    matches = {
        "bool": {
            "must": [any_of(typed("title_grams", 10.0), typed("body_grams", 1.5))],
            "should": [any_of(title_word("医用"), title_word("x"))],
        }
    }
    assert found["title"]["query"] == {
        "bool": {"must": [times_rank(matches)], "filter": [typed("title_grams", 10.0), MODELS]}
    }
    # A single character alone is a prefix query.
    one = bodies(standards().filter(title_auto="器"))
    assert one["total"]["query"]["bool"]["filter"][0] == any_of(
        {"prefix": {"fts.title_grams": {"value": "器", "boost": 10.0}}},
        {"prefix": {"fts.body_grams": {"value": "器", "boost": 1.5}}},
    )


def test_more_like_this_query():
    plan = mlt_plan("医疗 器械 医疗器械 质量 管理 质量管理 体系 用于 法规 的 要求")
    requests = make_backend().requests(
        plan, models=[Standard], exclude_ids=["standards.standard.7"], end_offset=10
    )
    words = ["医疗器械", "质量管理", "医疗", "器械", "质量", "管理", "体系", "法规"]
    assert requests.single().to_dict() == {
        "query": {
            "bool": {
                "must": [times_rank(any_of(*[title_word(w) for w in words]))],
                "filter": [MODELS],
                "must_not": [{"ids": {"values": ["standards.standard.7"]}}],
            }
        },
        "sort": BY_SCORE_THEN_RANK,
        "from": 0,
        "size": 10,
        "track_total_hits": True,
        "_source": SOURCE,
    }


def test_sorted_query():
    sqs = standards().filter(content="GB 2760").order_by("-effective", "published", "series")
    found = bodies(sqs)
    assert found["sort"] == [
        {"effective": {"order": "desc", "missing": "_last"}},
        {"published": {"order": "asc", "missing": "_last"}},
        # "series" is stored, not a term: ignored, as by the embedded backend
        {"rank": {"order": "desc"}},
        *TIEBREAK,
    ]
    text = bodies(standards().filter(content="滑雪").order_by("-effective"))
    assert text["sort"] == [
        {"effective": {"order": "desc", "missing": "_last"}},
        *BY_SCORE_THEN_RANK,
    ]
    assert text["query"]["bool"]["must"][0]["function_score"]


def test_everything_and_nothing():
    assert bodies(standards(), start=40, end=60) == {
        "query": {"bool": {"filter": [MODELS]}},
        "sort": [{"rank": {"order": "desc"}}, *TIEBREAK],
        "from": 40,
        "size": 20,
        "track_total_hits": True,
        "_source": SOURCE,
    }
    assert bodies(standards().filter(content="😀 ~~ ()"))["query"] == {"match_none": {}}
    # ES refuses pages beyond its result window: the request stops at it.
    assert bodies(standards(), start=9_990, end=10_100)["size"] == 10


@pytest.mark.parametrize(
    "query",
    [
        '"',
        "*",
        "AND",
        "NEAR(a b)",
        "(医疗",
        "-器械",
        "医疗 OR 1=1",
        "'; DROP",
        "\x00",
        "\\",
        "x" * 500,
    ],
)
def test_hostile_queries_make_plain_bodies(query):
    found = json.dumps(bodies(standards().filter(content=query)), ensure_ascii=False)
    # User input only reaches ES as our own tokens, in term/phrase queries: never as
    # query_string syntax.
    assert "query_string" not in found and "simple_query_string" not in found
    assert "(" not in found and '\\"' not in found


# -- talking to the cluster ------------------------------------------------------------
class RecordingNode(BaseNode):
    """The client's HTTP layer, replaced: records requests, answers as ES would for
    the few index/alias requests used here (``state`` holds indices and aliases)."""

    _CLIENT_META_HTTP_CLIENT = ("rec", "1")
    calls: list = []
    state: dict = {}

    def perform_request(self, method, target, body=None, headers=None, request_timeout=None):
        path, _, query = target.partition("?")
        payload = body.decode() if body else ""
        if path.endswith(("_bulk", "_msearch")):
            decoded = [json.loads(line) for line in payload.splitlines() if line]
        else:
            decoded = json.loads(payload) if payload else None
        self.calls.append((method, path, query, decoded))
        status, answer = self.answer(method, path, decoded)
        meta = ApiResponseMeta(
            status=status,
            http_version="1.1",
            headers=HttpHeaders(
                {"x-elastic-product": "Elasticsearch", "content-type": "application/json"}
            ),
            duration=0.0,
            node=self.config,
        )
        return NodeApiResponse(meta, json.dumps(answer).encode() if answer is not None else b"")

    def answer(self, method, path, body):
        state = self.state
        if "fail" in state:
            return state["fail"]
        indices, aliases = state.setdefault("indices", set()), state.setdefault("aliases", {})
        parts = path.strip("/").split("/")
        if parts[-1] in ("_search", "_msearch", "scroll"):
            answers = state.setdefault("answers", [])
            if parts[-1] == "_msearch":
                return 200, {"responses": [answers.pop(0) for _ in body[::2]]}
            return 200, answers.pop(0) if answers else {"hits": {"total": {"value": 0}, "hits": []}}
        if parts[0] == "_alias":
            held = sorted(i for i in aliases.get(parts[1], ()))
            if not held:
                return 404, {"error": f"alias [{parts[1]}] missing", "status": 404}
            return 200, {i: {"aliases": {parts[1]: {}}} for i in held}
        if parts[0] == "_aliases":
            for action in body["actions"]:
                ((kind, spec),) = action.items()
                if kind == "add":
                    aliases.setdefault(spec["alias"], set()).add(spec["index"])
                elif kind == "remove":
                    aliases.get(spec["alias"], set()).discard(spec["index"])
            return 200, {"acknowledged": True}
        if parts[0] == "_bulk":
            items = []
            for line in body[::2] if body else []:
                ((op, spec),) = line.items()
                status = state.get("bulk_status", 201 if op != "delete" else 200)
                items.append({op: {"_index": spec["_index"], "_id": spec["_id"], "status": status}})
            return 200, {
                "errors": any(i[next(iter(i))]["status"] >= 300 for i in items),
                "items": items,
            }
        if "_doc" in parts:
            if "document" not in state:
                return 404, {"found": False}
            return 200, {"_id": parts[-1], "found": True, "_source": state["document"]}
        if len(parts) == 1 and method == "PUT":
            indices.add(parts[0])
            for alias in (body or {}).get("aliases", {}):
                aliases.setdefault(alias, set()).add(parts[0])
            return 200, {"acknowledged": True, "index": parts[0]}
        if len(parts) == 1 and method == "HEAD":
            return (200 if parts[0] in indices else 404), None
        if len(parts) == 1 and method == "DELETE":
            indices.discard(parts[0])
            for held in aliases.values():
                held.discard(parts[0])
            return 200, {"acknowledged": True}
        return 200, {"acknowledged": True, "_shards": {"total": 1, "successful": 1, "failed": 0}}


@pytest.fixture
def recorded():
    RecordingNode.calls = []
    RecordingNode.state = {
        "indices": {"bzg-20250101000000000000"},
        "aliases": {"bzg": {"bzg-20250101000000000000"}},
    }
    backend = make_backend(KWARGS={"node_class": RecordingNode, "max_retries": 0})
    backend.physical_name = lambda moment=None: "bzg-20261130120000000000"
    return backend


def requests_made():
    return [(method, path) for method, path, _query, _body in RecordingNode.calls]


def test_rebuild_fills_a_new_index_and_swaps_the_alias(chain_catalogue, recorded):
    result = recorded.rebuild(batch_size=4)
    new, old = "bzg-20261130120000000000", "bzg-20250101000000000000"
    listed = Standard.objects.listed().count()
    assert result == {"index": new, "documents": listed, "replaced": [old]}
    bulks = -(-listed // 4)  # batches of 4
    assert requests_made() == [
        ("GET", "/_alias/bzg-building"),  # no unfinished rebuild to replace
        ("PUT", f"/{new}"),
        *[("PUT", "/_bulk")] * bulks,
        ("PUT", f"/{new}/_settings"),
        ("POST", f"/{new}/_refresh"),
        ("GET", "/_alias/bzg"),
        ("GET", "/_alias/bzg-building"),
        ("POST", "/_aliases"),
        ("DELETE", f"/{old}"),
    ]
    calls = {(m, p): (q, b) for m, p, q, b in RecordingNode.calls}
    create = calls[("PUT", f"/{new}")][1]
    assert create["aliases"] == {"bzg-building": {}}
    assert create["settings"]["refresh_interval"] == "-1"
    assert create["settings"]["number_of_replicas"] == 0
    bulk = [b for m, p, q, b in RecordingNode.calls if p == "/_bulk"]
    actions = [line for body in bulk for line in body[::2]]
    # The rebuild creates, never overwrites: a save made meanwhile wins.
    assert {next(iter(a)) for a in actions} == {"create"}
    assert {a["create"]["_index"] for a in actions} == {new}
    assert len(actions) == listed
    assert calls[("PUT", f"/{new}/_settings")][1] == {
        "refresh_interval": None,
        "number_of_replicas": 1,
    }
    # One atomic request moves the alias.
    assert calls[("POST", "/_aliases")][1] == {
        "actions": [
            {"remove": {"index": old, "alias": "bzg"}},
            {"add": {"index": new, "alias": "bzg"}},
            {"remove": {"index": new, "alias": "bzg-building"}},
        ]
    }
    assert RecordingNode.state["aliases"]["bzg"] == {new}
    assert RecordingNode.state["indices"] == {new}


def test_a_rebuild_takes_over_a_plain_index_of_the_alias_name(chain_catalogue, recorded):
    RecordingNode.state = {"indices": {"bzg"}}
    recorded.rebuild()
    new = "bzg-20261130120000000000"
    assert requests_made()[-3:] == [
        ("HEAD", "/bzg"),
        ("GET", "/_alias/bzg-building"),
        ("POST", "/_aliases"),
    ]
    assert RecordingNode.calls[-1][3] == {
        "actions": [
            {"remove_index": {"index": "bzg"}},
            {"add": {"index": new, "alias": "bzg"}},
            {"remove": {"index": new, "alias": "bzg-building"}},
        ]
    }


def test_a_first_search_creates_the_alias_and_its_index(recorded):
    RecordingNode.state = {}
    recorded.setup()
    first = "bzg-00000000000000000000"
    assert requests_made() == [("HEAD", "/_alias/bzg"), ("HEAD", "/bzg"), ("PUT", f"/{first}")]
    assert RecordingNode.calls[-1][3]["aliases"] == {"bzg": {}}
    assert RecordingNode.state["aliases"] == {"bzg": {first}}


def test_clear_swaps_in_an_empty_index(recorded):
    recorded.clear()
    new, old = "bzg-20261130120000000000", "bzg-20250101000000000000"
    assert requests_made() == [
        ("HEAD", "/_alias/bzg"),  # setup: the alias is there …
        ("PUT", "/bzg/_mapping"),  # … and gets new term fields, if any (additive)
        ("PUT", f"/{new}"),
        ("GET", "/_alias/bzg"),
        ("GET", "/_alias/bzg-building"),
        ("POST", "/_aliases"),
        ("DELETE", f"/{old}"),
    ]
    recorded.clear(models=[Standard])
    method, path, query, body = RecordingNode.calls[-1]
    assert (method, path) == ("POST", "/bzg/_delete_by_query")
    assert "conflicts=proceed" in query and "refresh=true" in query
    assert body == {"query": {"terms": {"django_ct": ["standards.standard"]}}}


def test_writes_during_a_rebuild_reach_both_indices(chain_catalogue, recorded):
    RecordingNode.state["indices"].add("bzg-20261130120000000000")
    RecordingNode.state["aliases"]["bzg-building"] = {"bzg-20261130120000000000"}
    std = Standard.objects.get(number="GB 2760-2024")
    recorded.update(standard_index(), [std])
    method, path, query, body = RecordingNode.calls[-1]
    assert (method, path, query) == ("PUT", "/_bulk", "refresh=true")
    assert [line for line in body[::2]] == [
        {"index": {"_index": "bzg", "_id": f"standards.standard.{std.pk}"}},
        {"index": {"_index": "bzg-20261130120000000000", "_id": f"standards.standard.{std.pk}"}},
    ]
    recorded.remove("standards.standard.999")
    method, path, query, body = RecordingNode.calls[-1]
    assert body == [
        {"delete": {"_index": "bzg", "_id": "standards.standard.999"}},
        {"delete": {"_index": "bzg-20261130120000000000", "_id": "standards.standard.999"}},
    ]


def test_removing_what_is_not_there_is_no_error(recorded):
    RecordingNode.state["bulk_status"] = 404
    recorded.remove("standards.standard.999")  # no exception


def test_a_refused_document_is_an_error_not_unavailability(chain_catalogue, recorded):
    RecordingNode.state["bulk_status"] = 400
    with pytest.raises(ElasticsearchError) as caught:
        recorded.update(standard_index(), Standard.objects.all()[:2])
    assert not isinstance(caught.value, ElasticsearchUnavailable)
    RecordingNode.state["bulk_status"] = 429
    with pytest.raises(ElasticsearchUnavailable):
        recorded.update(standard_index(), Standard.objects.all()[:2])


@pytest.mark.parametrize(("status", "unavailable"), [(503, True), (429, True), (400, False)])
def test_cluster_answers_become_clear_errors(recorded, status, unavailable):
    RecordingNode.state["fail"] = (
        status,
        {"error": {"type": "x", "reason": "y"}, "status": status},
    )
    with pytest.raises(ElasticsearchError) as caught:
        recorded.search(QueryPlan("滑雪"))
    assert isinstance(caught.value, ElasticsearchUnavailable) is unavailable
    assert str(status) in str(caught.value)


def test_a_cluster_that_cannot_be_reached(caplog):
    # A real connection to a closed local port: refused at once.
    backend = make_backend(URL="http://127.0.0.1:9", TIMEOUT=2, KWARGS={"max_retries": 0})
    with pytest.raises(ElasticsearchUnavailable, match="cannot be reached"):
        backend.remove("standards.standard.1")
    with pytest.raises(ElasticsearchUnavailable):
        backend.search(QueryPlan("滑雪"))
    assert backend.ping() is False
    # haystack's default, SILENTLY_FAIL: logged, and the search is empty.
    backend.silently_fail = True
    with caplog.at_level(logging.ERROR, logger="search.backends.elasticsearch"):
        assert backend.search(QueryPlan("滑雪")) == {"results": [], "hits": 0, "facets": {}}
        backend.remove("standards.standard.1")
    assert "cannot be reached" in caplog.text


def hit(number, pk, score=1.0, **stored):
    stored = {"number": number, "title": stored.pop("title", ""), **stored}
    return {
        "_id": f"standards.standard.{pk}",
        "_score": score,
        "_source": {"django_ct": "standards.standard", "django_id": str(pk), "stored": stored},
    }


def answer(total, *hits, aggregations=None):
    body = {
        "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
        "hits": {"total": {"value": total, "relation": "eq"}, "hits": list(hits)},
    }
    if aggregations:
        body["aggregations"] = aggregations
    return body


def test_a_page_of_title_matches_then_other_matches(recorded):
    RecordingNode.state["answers"] = [
        # title matches: 2 of them
        answer(
            2,
            hit("T/CNGA 30-2021", 1, 9.0, title="滑雪服装", year=2021, effective="2021-06-01"),
            hit("GB/T 40924-2021", 2, 8.0, title="单板滑雪靴 滑雪板固定器接口"),
        ),
        # all matches: 3, with facets
        answer(3, aggregations={"status_exact": {"buckets": [{"key": "current", "doc_count": 3}]}}),
        # the rest of the page: matches outside the titles
        answer(1, hit("QB/T 1234-2000", 3, 2.0, title="运动鞋")),
    ]
    found = recorded.search(
        QueryPlan("滑雪"), end_offset=20, highlight=True, facets={"status_exact": {}}
    )
    assert [r.number for r in found["results"]] == [
        "T/CNGA 30-2021",
        "GB/T 40924-2021",
        "QB/T 1234-2000",
    ]
    assert found["hits"] == 3
    assert found["facets"]["fields"] == {"status_exact": [("current", 3)]}
    first = found["results"][0]
    assert first.year == 2021 and str(first.effective) == "2021-06-01" and first.score == 9.0
    assert first.highlighted == {"text": ["<em>滑雪</em>服装"]}
    searches = [(p, b) for m, p, q, b in RecordingNode.calls if p.endswith(("_msearch", "_search"))]
    assert [p for p, b in searches] == ["/bzg/_msearch", "/bzg/_search"]
    rest = searches[1][1]
    assert (rest["from"], rest["size"]) == (0, 18)
    assert rest["query"]["bool"]["must_not"]


def test_a_full_page_of_title_matches_needs_one_round_trip(recorded):
    RecordingNode.state["answers"] = [
        answer(5, *[hit(f"GB {n}-2020", n) for n in range(1, 3)]),
        answer(9),
    ]
    found = recorded.search(QueryPlan("滑雪"), end_offset=2)
    assert found["hits"] == 9 and len(found["results"]) == 2
    assert [p for m, p, q, b in RecordingNode.calls][-1] == "/bzg/_msearch"


def test_more_like_this_reads_the_documents_title_words(recorded):
    RecordingNode.state["answers"] = [answer(1, hit("YY/T 0287-2017", 9))]
    RecordingNode.state["document"] = {"fts": {"title_words": "医疗 器械 医疗器械 质量 管理"}}
    found = recorded.more_like_this("standards.standard.7")
    assert [r.number for r in found["results"]] == ["YY/T 0287-2017"]
    get = [c for c in RecordingNode.calls if c[0] == "GET" and "_doc" in c[1]]
    assert get[0][1] == "/bzg/_doc/standards.standard.7"
    assert "_source_includes=fts.title_words" in get[0][2]
    body = RecordingNode.calls[-1][3]
    assert body["query"]["bool"]["must_not"] == [{"ids": {"values": ["standards.standard.7"]}}]
    assert body["size"] == 10


def test_indexed_ids_scroll_through_every_document(recorded):
    RecordingNode.state["answers"] = [
        {**answer(2, hit("GB 1-2020", 1), hit("GB 2-2020", 2)), "_scroll_id": "s1"},
        {**answer(2), "_scroll_id": "s1"},
    ]
    assert list(recorded.indexed_ids(Standard)) == ["1", "2"]
