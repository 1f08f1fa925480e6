"""The search benchmark command runs end to end on a small catalogue and reports what
it promises. Speed itself is never asserted here: it is read from the JSON."""

import json
import os
import subprocess
import sys

from django.conf import settings

from search import bench
from standards import numbers


def run_bench(tmp_path, *extra, check=True):
    """``manage.py bench_search`` in its own process, as it is run by hand, with the
    project's database pointed at a file that must never come into being."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'project.sqlite3'}",
    }
    command = [sys.executable, str(settings.BASE_DIR / "manage.py"), "bench_search"]
    command += ["--standards", "300", "--queries", "20", "--db", str(tmp_path / "bench.sqlite3")]
    done = subprocess.run(
        [*command, *extra], env=env, capture_output=True, text=True, timeout=600, check=False
    )
    if not check:
        return done
    assert done.returncode == 0, done.stderr[-3000:]
    assert not (tmp_path / "project.sqlite3").exists()  # the project's database untouched
    assert (tmp_path / "bench.sqlite3").exists()
    return json.loads(done.stdout)


def assert_latencies(summary, n):
    assert summary["n"] == n
    assert 0 < summary["p50_ms"] <= summary["p95_ms"] <= summary["p99_ms"] <= summary["max_ms"]


def test_bench_search_reports_ours_and_whoosh(tmp_path):
    report = run_bench(tmp_path)

    assert report["parameters"]["standards"] == 300
    assert report["parameters"]["queries"] == 20
    catalogue = report["catalogue"]
    assert catalogue["standards"] == 300
    assert sum(catalogue["levels"].values()) == 300
    assert catalogue["supersessions"] > 0
    assert "superseded" in catalogue["statuses"]

    ours = report["ours"]
    assert ours["indexing"]["standards"] == 300
    assert ours["indexing"]["standards_per_s"] > 0
    assert ours["indexing"]["index_bytes"] > 0
    assert_latencies(ours["query"], 20)
    assert_latencies(ours["query_with_facets"], 20)
    assert ours["query"]["zero_hits"] < 20  # the queries find what the catalogue holds
    assert sum(kind["n"] for kind in ours["by_kind"].values()) == 20

    bars = report["bars"]
    assert set(bars) == {
        "query_p95_le_15ms_at_100k",
        "speedup_vs_whoosh_ge_5x_at_100k",
        "indexing_ge_15000_per_s_at_100k",
        "query_p95_le_50ms_at_1m",
    }
    assert not any(bar["applies"] for bar in bars.values())  # 300 is not a bar's scale

    if bench.WHOOSH_AVAILABLE:
        whoosh = report["whoosh"]
        assert whoosh["indexing"]["standards"] == 300
        assert whoosh["indexing"]["standards_per_s"] > 0
        assert_latencies(whoosh["query"], 20)
        assert report["ratios"]["queries_compared"] == 20
        assert report["ratios"]["speedup_p95"] > 0
        assert isinstance(bars["speedup_vs_whoosh_ge_5x_at_100k"]["pass"], bool)
    else:
        assert "skipped" in report["whoosh"]


def test_skip_whoosh_says_so(tmp_path):
    report = run_bench(tmp_path, "--skip-whoosh")
    assert "skipped" in report["whoosh"]
    assert "skipped" in report["ratios"]
    assert report["bars"]["speedup_vs_whoosh_ge_5x_at_100k"]["pass"] is None


def test_refuses_an_existing_database_file(tmp_path):
    (tmp_path / "bench.sqlite3").write_bytes(b"kept")
    done = run_bench(tmp_path, "--skip-whoosh", check=False)
    assert done.returncode != 0
    assert (tmp_path / "bench.sqlite3").read_bytes() == b"kept"


def test_catalogue_is_realistic_and_reproducible():
    vocabulary = bench.load_vocabulary()
    ics = bench.load_ics_codes()

    def families(seed):
        return list(bench.CatalogueGenerator(vocabulary, ics, seed).records(2000))

    first = families(7)
    assert first == families(7)
    records = [r for family in first for r in family]
    assert len(records) == 2000
    assert len({r["number"] for r in records}) == 2000
    for record in records:
        parsed = numbers.parse(record["number"])
        assert parsed.edition == record["number"]
        assert parsed.year is not None
        assert record["title"]
    assert {r["level"] for r in records} >= {"national", "industry", "local", "group"}
    assert any(r["replaces"] for r in records)
    assert any("第2部分" in r["title"] for r in records)

    queries = bench.make_queries(200, vocabulary, [r["number"] for r in records], [], 3)
    assert queries == bench.make_queries(200, vocabulary, [r["number"] for r in records], [], 3)
    assert {kind for kind, _q in queries} == set(bench.QUERY_MIX)


def test_percentiles():
    summary = bench.percentiles([float(i) for i in range(1, 101)])
    assert summary["p50_ms"] == 50 and summary["p95_ms"] == 95 and summary["max_ms"] == 100
    assert bench.percentiles([]) == {"n": 0}


def test_builtin_vocabulary_when_the_shared_data_is_absent(tmp_path):
    vocabulary = bench.load_vocabulary(tmp_path)
    assert vocabulary.source == "builtin"
    assert bench.load_ics_codes(tmp_path) == list(bench.FALLBACK_ICS)
    generator = bench.CatalogueGenerator(vocabulary, bench.FALLBACK_ICS, 1)
    records = [r for family in generator.records(300) for r in family]
    assert len(records) == 300
    assert all(r["title"] for r in records)
