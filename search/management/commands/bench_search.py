"""Measure embedded search speed on a synthetic catalogue, against haystack's Whoosh
backend with jieba in the same run.

    python manage.py bench_search --standards 100000 [--queries 300] [--seed 1]
                                  [--skip-whoosh] [--db PATH] [--batch-size 1000]

Builds a catalogue of N standards in a throwaway SQLite file (never the project's
database), indexes it with the FTS5 backend the way ``rebuild_index`` does (one
transaction through ``backend.bulk()``; the rate is the whole rebuild, reading the
catalogue included, with the reading's share reported apart), re-indexes a sample
the way ``update_index`` does (``backend.update`` per batch into the full index),
times a reproducible query mix through ``search_standards`` (without and with
facets), does the same with Whoosh + jieba unless ``--skip-whoosh``, and prints one
JSON object. The bars (architecture.md): at 100,000 standards query p95 <= 15 ms,
>= 5x faster than Whoosh, indexing >= 15,000 standards/s; at 1,000,000 standards
p95 <= 50 ms.
"""

import json
import os
import platform
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from search import bench, tokenize
from standards.models import Standard

#: Bars of architecture.md, and the catalogue sizes they are stated for.
P95_BAR_MS = 15.0
P95_BAR_1M_MS = 50.0
SPEEDUP_BAR = 5.0
INDEXING_BAR = 15_000
#: Standards re-indexed one batch at a time after the rebuild (the incremental figure).
UPDATE_SAMPLE = 10_000
#: Queries run before timing (drawn apart from the timed ones).
WARMUP_QUERIES = 30


class Command(BaseCommand):
    help = "检索性能基准：合成目录，FTS5 与 Whoosh+jieba 对比（输出 JSON）"
    # The benchmark serves no pages: URL and template checks do not concern it.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--standards", type=int, required=True, help="目录规模 N")
        parser.add_argument("--queries", type=int, default=300)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--skip-whoosh",
            action="store_true",
            help="不测 Whoosh（1,000,000 条时 Whoosh 建索引要数小时）",
        )
        parser.add_argument("--db", help="合成目录的 SQLite 文件（须不存在；保留）")
        parser.add_argument("--batch-size", type=int, default=None, help="建索引每批条数")
        parser.add_argument(
            "--whoosh-batch-size",
            type=int,
            default=None,
            help=(
                "Whoosh 每批条数（默认同 --batch-size）。haystack 的 Whoosh 后端每批提交并合并段，"
                "耗时随索引增大而增长；大目录时可一批建完（同 update_index --batch-size）"
            ),
        )
        parser.add_argument(
            "--whoosh-queries",
            type=int,
            default=None,
            help="Whoosh 只测前 M 条查询（大目录时 Whoosh 每条要一两秒）；比值按同一批查询计算",
        )

    def handle(
        self,
        *args,
        standards,
        queries,
        seed,
        skip_whoosh,
        db,
        batch_size,
        whoosh_batch_size,
        whoosh_queries,
        **options,
    ):
        if standards < 1 or queries < 1:
            raise CommandError("--standards 与 --queries 须为正整数")
        self.verbose = options.get("verbosity", 1) >= 1
        batch_size = batch_size or getattr(settings, "HAYSTACK_BATCH_SIZE", 1000)
        self.whoosh_batch_size = max(whoosh_batch_size or batch_size, batch_size)
        started = time.perf_counter()
        workdir = Path(tempfile.mkdtemp(prefix="bench_search_"))
        path = Path(db).resolve() if db else workdir / "catalogue.sqlite3"
        if path.exists():
            shutil.rmtree(workdir)
            raise CommandError(f"{path} 已存在：基准只写入新的数据库文件")
        whoosh = not skip_whoosh and bench.WHOOSH_AVAILABLE
        try:
            with bench.throwaway_catalogue(path, workdir / "whoosh" if whoosh else None):
                report = self.run(
                    standards, queries, seed, batch_size, whoosh, skip_whoosh, whoosh_queries
                )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        report["parameters"]["db"] = str(path) if db else "temporary file (removed)"
        report["seconds_total"] = round(time.perf_counter() - started, 1)
        self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))

    def every(self, seconds, template):
        """A progress callback that reports at most every ``seconds``."""
        due = [time.perf_counter() + seconds]

        def report(done):
            if time.perf_counter() >= due[0]:
                self.say(template.format(done))
                due[0] = time.perf_counter() + seconds

        return report

    def say(self, message):
        if self.verbose:
            self.stderr.write(f"[bench_search] {message}")
            self.stderr.flush()

    # -- the run ---------------------------------------------------------------------
    def run(self, n, query_count, seed, batch_size, whoosh, skip_whoosh, whoosh_queries):
        from haystack import connections as search_connections

        report = {
            "parameters": {
                "standards": n,
                "queries": query_count,
                "seed": seed,
                "batch_size": batch_size,
                "whoosh": whoosh,
                "python": platform.python_version(),
                "sqlite": sqlite3.sqlite_version,
                "cpus": os.cpu_count(),
                "debug": False,
                "search_code": bench.code_fingerprint(),
                "jieba_dictionaries": [
                    str(path.name)
                    for path in (
                        getattr(tokenize, "DICTIONARY", None),
                        getattr(tokenize, "CATALOGUE_DICTIONARY", None),
                    )
                    if path is not None and path.exists()
                ],
            }
        }
        tokenize.words("预热")  # load jieba and the dictionary before anything is timed

        self.say(f"building a catalogue of {n:,} standards")
        t0 = time.perf_counter()
        vocabulary = bench.load_vocabulary()
        generator = bench.CatalogueGenerator(vocabulary, bench.load_ics_codes(), seed)
        stats, catalogue_numbers, titles = bench.insert_catalogue(
            generator, n, bench.ALIAS, progress=self.every(10, "  written {:,} / " + f"{n:,}")
        )
        stats["vocabulary"] = vocabulary.summary()
        stats["seconds"] = round(time.perf_counter() - t0, 1)
        report["catalogue"] = stats
        db_bytes_before = self._db_bytes()

        # indexing as rebuild_index does: one transaction, batch by batch (loading a
        # batch from the database is timed apart); then re-indexing a sample the way
        # update_index and saves do, into the full index.
        ours = search_connections[bench.ALIAS]
        backend = ours.get_backend()
        index = ours.get_unified_index().get_index(Standard)
        peer_backend = peer_index = None
        if whoosh:
            peer = search_connections[bench.WHOOSH_ALIAS]
            peer_backend = peer.get_backend()
            peer_index = peer.get_unified_index().get_index(Standard)
            peer_backend.setup()
            from jieba.analyse import ChineseAnalyzer

            list(ChineseAnalyzer()("预热"))
        load_s = peer_s = 0.0

        def index_peer(objects):
            start = time.perf_counter()
            peer_index.prepare_batch(objects)
            peer_backend.update(peer_index, objects)
            return time.perf_counter() - start

        def batches():
            """The catalogue in batches, as rebuild_index reads it; time spent reading
            is added to ``load_s``."""
            nonlocal load_s
            last_pk = 0
            while True:
                t0 = time.perf_counter()
                batch = list(queryset.filter(pk__gt=last_pk)[:batch_size])
                load_s += time.perf_counter() - t0
                if not batch:
                    return
                last_pk = batch[-1].pk
                yield batch

        done, next_report = 0, time.perf_counter() + 10
        queryset = index.index_queryset(using=bench.ALIAS).order_by("pk")
        self.say("indexing")
        started = time.perf_counter()
        with backend.bulk() as add:
            for batch in batches():
                done += add(index, batch)
                if time.perf_counter() > next_report:
                    self.say(f"  indexed {done:,} / {n:,} ({time.perf_counter() - started:.0f} s)")
                    next_report = time.perf_counter() + 10
            self.say("  building filter indexes, merging segments, committing")
            t0 = time.perf_counter()
        finish_s = time.perf_counter() - t0
        rebuild_s = time.perf_counter() - started
        ours_load_s = load_s
        update_s = rebuild_s - ours_load_s
        if whoosh:
            # Apart, after ours: our writer thread must not work on while Whoosh does.
            self.say("indexing the same catalogue with Whoosh + jieba")
            pending = []
            for batch in batches():
                pending += batch
                if len(pending) >= self.whoosh_batch_size:
                    peer_s += index_peer(pending)
                    pending = []
                    self.say(f"  Whoosh {peer_s:.0f} s")
            if pending:
                peer_s += index_peer(pending)
        sample = list(queryset.order_by("?")[: min(UPDATE_SAMPLE, done)])
        t0 = time.perf_counter()
        for start in range(0, len(sample), batch_size):
            backend.update(index, sample[start : start + batch_size])
        incremental_s = time.perf_counter() - t0
        tables = bench.index_tables_bytes(bench.ALIAS)
        ours_report = {
            "indexing": {
                "how": (
                    "backend.bulk(), as rebuild_index: one transaction, batches of "
                    f"{batch_size} read from the catalogue, prepared, and written by the "
                    "writer thread while the next batch is read and prepared; filter "
                    "indexes built and FTS5 segments merged at the end. standards_per_s "
                    "is the whole rebuild, reading the catalogue included"
                ),
                "standards": done,
                "seconds": round(rebuild_s, 2),
                "standards_per_s": round(done / rebuild_s) if done else None,
                "load_seconds": round(ours_load_s, 2),
                "update_seconds": round(update_s, 2),
                "finish_seconds": round(finish_s, 2),
                "without_load_standards_per_s": round(done / update_s) if update_s else None,
                "index_bytes": sum(tables.values()) or None,
                "index_tables_bytes": tables,
                "database_growth_bytes": self._db_bytes() - db_bytes_before,
                "incremental": {
                    "how": (
                        "backend.update() per batch into the full index, as update_index "
                        "and saves: random standards, replacing their documents"
                    ),
                    "standards": len(sample),
                    "seconds": round(incremental_s, 2),
                    "standards_per_s": round(len(sample) / incremental_s) if sample else None,
                },
            }
        }

        # queries
        query_list = bench.make_queries(query_count, vocabulary, catalogue_numbers, titles, seed)
        warmup = [
            q
            for _k, q in bench.make_queries(
                WARMUP_QUERIES, vocabulary, catalogue_numbers, titles, seed + 1
            )
        ]
        self.say(f"timing {query_count} queries")
        ours_ms, ours_report["query"], ours_report["by_kind"], ours_report["slowest"] = self._time(
            query_list, warmup, self._ours(facets=False)
        )
        _ms, ours_report["query_with_facets"], _by_kind, _slowest = self._time(
            query_list, warmup, self._ours(facets=True)
        )
        report["ours"] = ours_report

        if whoosh:
            peer_queries = query_list[: whoosh_queries or len(query_list)]
            self.say(f"timing the first {len(peer_queries)} queries on Whoosh + jieba")
            peer_ms, query, by_kind, slowest = self._time(
                peer_queries, warmup[: max(5, len(peer_queries) // 10)], self._whoosh()
            )
            report["whoosh"] = {
                "indexing": {
                    "standards": done,
                    "update_seconds": round(peer_s, 2),
                    "standards_per_s": round(done / peer_s) if peer_s else None,
                    "batch_size": self.whoosh_batch_size,
                    "index_bytes": bench.directory_bytes(peer_backend.path),
                },
                "query": query,
                "by_kind": by_kind,
                "slowest": slowest,
                "how": (
                    "haystack WhooshSearchBackend, jieba ChineseAnalyzer on text fields, "
                    "SearchQuerySet().using('whoosh').models(Standard) with the query on "
                    "content, title, title_en and number (OR), first 10 results and count"
                ),
            }
        else:
            report["whoosh"] = {
                "skipped": (
                    "--skip-whoosh: Whoosh would take hours to index this many standards"
                    if skip_whoosh
                    else "Whoosh is not installed"
                )
            }
        report["ratios"] = (
            self._ratios(ours_ms[: len(peer_ms)], peer_ms, report)
            if whoosh
            else {"skipped": report["whoosh"]["skipped"]}
        )
        report["bars"] = self._bars(n, report)
        return report

    def _db_bytes(self) -> int:
        with connections[bench.ALIAS].cursor() as cur:
            cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        name = Path(connections[bench.ALIAS].settings_dict["NAME"])
        return name.stat().st_size if name.exists() else 0

    # -- query runners -----------------------------------------------------------------
    @staticmethod
    def _ours(facets):
        from search.services import search_standards

        def run(q):
            return search_standards(q, page_size=10, facets=facets, highlight=False).count

        return run

    @staticmethod
    def _whoosh():
        from haystack.query import SQ, SearchQuerySet

        def run(q):
            sqs = (
                SearchQuerySet()
                .using(bench.WHOOSH_ALIAS)
                .models(Standard)
                .filter(SQ(content=q) | SQ(title=q) | SQ(title_en=q) | SQ(number=q))
            )
            list(sqs[:10])
            return sqs.count()

        return run

    @staticmethod
    def _time(queries, warmup, run):
        for q in warmup:
            run(q)
        timed = bench.time_each(run, [q for _kind, q in queries])
        summary = bench.percentiles([ms for ms, _hits in timed])
        summary["zero_hits"] = sum(1 for _ms, hits in timed if not hits)
        by_kind = {}
        for kind in bench.QUERY_MIX:
            times = [ms for (k, _q), (ms, _h) in zip(queries, timed, strict=True) if k == kind]
            if times:
                stats = bench.percentiles(times)
                by_kind[kind] = {k: stats[k] for k in ("n", "p50_ms", "p95_ms", "max_ms")}
        order = sorted(range(len(queries)), key=lambda i: -timed[i][0])[:10]
        slowest = [
            {
                "q": queries[i][1],
                "kind": queries[i][0],
                "ms": round(timed[i][0], 2),
                "hits": timed[i][1],
            }
            for i in order
        ]
        return [ms for ms, _hits in timed], summary, by_kind, slowest

    # -- verdicts ----------------------------------------------------------------------
    @staticmethod
    def _ratios(ours_ms, peer_ms, report):
        """Whoosh time over ours on the same queries (speedup), and the inverse."""
        mine, theirs = bench.percentiles(ours_ms), bench.percentiles(peer_ms)
        out = {"queries_compared": len(peer_ms)}
        for p in ("p50", "p95"):
            out[f"ours_{p}_ms"], out[f"whoosh_{p}_ms"] = mine[f"{p}_ms"], theirs[f"{p}_ms"]
            a, b = mine[f"{p}_ms"], theirs[f"{p}_ms"]
            out[f"speedup_{p}"] = round(b / a, 1) if a else None
            out[f"ours_over_whoosh_{p}"] = round(a / b, 4) if b else None
        ours_rate = report["ours"]["indexing"]["standards_per_s"]
        peer_rate = report["whoosh"]["indexing"]["standards_per_s"]
        out["indexing_speedup"] = (
            round(ours_rate / peer_rate, 1) if ours_rate and peer_rate else None
        )
        return out

    @staticmethod
    def _bars(n, report):
        ours = report["ours"]
        p95 = ours["query"]["p95_ms"]
        rate = ours["indexing"]["standards_per_s"]
        ratios = report["ratios"]
        at_100k = 100_000 <= n < 1_000_000
        speedups = [ratios.get("speedup_p50"), ratios.get("speedup_p95")]
        return {
            "query_p95_le_15ms_at_100k": {
                "applies": at_100k,
                "limit_ms": P95_BAR_MS,
                "value_ms": p95,
                "pass": p95 <= P95_BAR_MS,
            },
            "speedup_vs_whoosh_ge_5x_at_100k": {
                "applies": at_100k,
                "limit": SPEEDUP_BAR,
                "value_p50": speedups[0],
                "value_p95": speedups[1],
                "pass": (None if None in speedups else min(speedups) >= SPEEDUP_BAR),
            },
            "indexing_ge_15000_per_s_at_100k": {
                "applies": n >= 100_000,
                "limit_per_s": INDEXING_BAR,
                "value_per_s": rate,
                "pass": bool(rate and rate >= INDEXING_BAR),
            },
            "query_p95_le_50ms_at_1m": {
                "applies": n >= 1_000_000,
                "limit_ms": P95_BAR_1M_MS,
                "value_ms": p95,
                "pass": p95 <= P95_BAR_1M_MS,
            },
        }
