"""The PostgreSQL dialect of the database search backend.

Its behaviour is the spec of ``test_backend.py`` and the conformance suite, which run on
PostgreSQL in `make test`'s PostgreSQL run. Here: the exact ``tsvector`` and ``tsquery``
literals it builds (no database), and on PostgreSQL that the index holds our tokens as
they are and that a match is served by the GIN index.
"""

from django.db import connection

import pytest

from search import tokenize
from search.backends.postgres_fts import (
    MAX_POSITION,
    PgQueryPlan,
    _column,
    tsquery_expression,
    tsvector_literal,
)
from tests.conftest import VENDOR

postgres_only = pytest.mark.skipif(
    VENDOR != "postgresql", reason="PostgreSQL only: runs in make test's PostgreSQL run"
)


def test_tsvector_keeps_our_tokens_with_a_weight_per_stream():
    literal = tsvector_literal(
        [("A", ["gbt_20004_1_2016", "gbt"]), ("C", ["医疗", "疗器", "器械", "械"]), ("D", ["医疗"])]
    )
    # A gap between streams: a phrase never runs from one into the next.
    assert literal == "'gbt_20004_1_2016':2A 'gbt':3A '医疗':5C,10D '疗器':6C '器械':7C '械':8C"


def test_positions_stop_at_postgresqls_limit():
    literal = tsvector_literal([("D", [f"t{i}" for i in range(MAX_POSITION + 5)])])
    assert f"'t{MAX_POSITION + 4}':{MAX_POSITION}D" in literal
    assert tsvector_literal([("D", ["x" * 3000, "ok"])]) == "'ok':2D"


def test_queries_as_tsquery_literals():
    phrase = "('医疗':C <-> '疗器':C <-> '器械':C) | ('医疗':D <-> '疗器':D <-> '器械':D)"
    q = tokenize.parse_query("医疗器械")
    # The phrase in one column at a time; whole words only add to the rank.
    assert tsquery_expression(q) == (
        f"({phrase}) & ('医疗':B | '器械':B | '医疗器械':B | ({phrase}))"
    )
    assert tsquery_expression(q, title_only=True) == "(('医疗':C <-> '疗器':C <-> '器械':C))"
    assert tsquery_expression(tokenize.parse_query("器")) == "('器':*CD)"
    assert tsquery_expression(tokenize.parse_query("GB 2760-2014")) == (
        "('gb_2760_2014':A | 'gb_2760':*A)"
    )
    assert tsquery_expression(tokenize.parse_query("42061")) == "('42061':*A | '42061':CD)"
    assert tsquery_expression(tokenize.parse_query("yy")) == (
        "('yy':A | 'yy':CD) & ('yy':B | ('yy':A | 'yy':CD))"
    )
    assert tsquery_expression(tokenize.parse_query("😀 '; --")) is None


def test_title_only_queries_use_the_title_vector():
    assert _column("('gb_2760_2014':A | 'gb_2760':*A)") == "d.title"
    assert _column("(('医疗':C <-> '疗器':C))") == "d.title"
    assert _column("('器':*CD)") == "d.document"
    assert _column("('医疗':D <-> '疗器':D)") == "d.document"


def test_code_queries():
    # A code: its standards (number column) or titles naming it; ranked statically,
    # the code's standards first.
    assert tsquery_expression(tokenize.parse_query("GB/T")).startswith(
        "('gbt':A | ('gb':C <-> 't':C) | ('gb':D <-> 't':D))"
    )
    plan = PgQueryPlan("GB/T")
    assert plan.by_rank and plan.tiers == [(1, "'gbt':A")]
    plan = PgQueryPlan("GB/T 滑雪")
    assert not plan.by_rank and [w for w, _ in plan.tiers] == [2, 1, 1]
    assert plan.tiers[0][1].startswith("('gbt':A) & (")


def test_number_query_tiers():
    plan = PgQueryPlan("GB 2760-2014")
    assert plan.by_rank
    assert plan.tiers == [(2, "'gb_2760_2014':A"), (1, "'gb_2760':A")]
    assert PgQueryPlan("😀").nothing


@postgres_only
@pytest.mark.usefixtures("chain_catalogue")
def test_index_holds_our_tokens_and_the_gin_index_serves_matches():
    with connection.cursor() as cur:
        cur.execute(
            "SELECT document::text FROM search_doc WHERE data->>'number' = %s", ["GB 2760-2024"]
        )
        document = cur.fetchone()[0]
        assert "'gb_2760_2024':" in document and "'食品':" in document
        cur.execute("SET LOCAL enable_seqscan = off")
        plans = []
        for sql in (
            "EXPLAIN SELECT id FROM search_doc WHERE document @@ %s::tsquery",
            "EXPLAIN SELECT id FROM search_doc WHERE title @@ %s::tsquery",
        ):
            cur.execute(sql, ["'食品':C <-> '品添':C"])
            plans.append("\n".join(row[0] for row in cur.fetchall()))
    assert "search_doc_document" in plans[0] and "search_doc_title" in plans[1]


@postgres_only
def test_bench_search_db_runs_both_backends_on_the_same_catalogue():
    """``manage.py bench_search_db`` as run by hand (its own throwaway databases)."""
    import json
    import os
    import subprocess
    import sys

    from django.conf import settings

    done = subprocess.run(
        [sys.executable, str(settings.BASE_DIR / "manage.py"), "bench_search_db"]
        + ["--standards", "300", "--queries", "20"],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.test"},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    for vendor in ("sqlite", "postgresql"):
        assert report[vendor]["indexing"]["standards"] == 300
        assert report[vendor]["query"]["n"] == report[vendor]["query_with_facets"]["n"] == 20
    assert report["same_hit_counts"] == 20
