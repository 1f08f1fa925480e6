"""The database search backends side by side: SQLite FTS5 and PostgreSQL on the same
synthetic catalogue and the same query mix as ``bench_search``.

    DATABASE_URL=postgres://USER:PASSWORD@HOST:PORT/NAME \
        python manage.py bench_search_db --standards 10000 [--queries 300] [--seed 1]

SQLite runs in a throwaway file (as in ``bench_search``); PostgreSQL in a throwaway
``bench_search_NAME`` database created beside the one ``DATABASE_URL`` names and
dropped afterwards — the named database is never written.
Indexing goes batch by batch through ``backend.update``; queries through
``search.services.search_standards`` (page of 10, without and with facets). Prints one
JSON object; ``same_hit_counts`` says on how many queries both backends found as many
standards. Whoosh and the bars are ``bench_search``'s business.
"""

import contextlib
import json
import tempfile
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from search import bench, tokenize
from standards.models import Standard


@contextlib.contextmanager
def postgresql_database():
    """The default database (PostgreSQL) swapped for a fresh, migrated
    ``bench_search_NAME`` beside it for the duration of the block."""
    connection = connections["default"]
    name = connection.settings_dict["NAME"]
    test = connection.settings_dict.setdefault("TEST", {})
    saved = test.get("NAME")
    test["NAME"] = f"bench_search_{name}"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(name, verbosity=0)
        test["NAME"] = saved


class Command(BaseCommand):
    help = "数据库检索后端对比：SQLite FTS5 与 PostgreSQL，同一合成目录与查询（输出 JSON）"
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--standards", type=int, required=True)
        parser.add_argument("--queries", type=int, default=300)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, standards, queries, seed, **options):
        if connections["default"].vendor != "postgresql":
            raise CommandError("run with DATABASE_URL=postgres://USER:PASSWORD@HOST:PORT/NAME")
        tokenize.words("预热")
        report = {"parameters": {"standards": standards, "queries": queries, "seed": seed}}
        hits = {}
        with tempfile.TemporaryDirectory(prefix="bench_search_db_") as workdir:
            self.stderr.write("[bench_search_db] sqlite")
            with bench.throwaway_catalogue(Path(workdir) / "catalogue.sqlite3"):
                report["sqlite"], hits["sqlite"] = self.run(bench.ALIAS, standards, queries, seed)
        self.stderr.write("[bench_search_db] postgresql")
        with postgresql_database():
            report["postgresql"], hits["postgresql"] = self.run("default", standards, queries, seed)
        pairs = list(zip(hits["sqlite"], hits["postgresql"], strict=True))
        report["same_hit_counts"] = sum(a == b for a, b in pairs)
        self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))

    def run(self, alias, n, query_count, seed):
        import haystack

        from search.services import search_standards

        vocabulary = bench.load_vocabulary()
        generator = bench.CatalogueGenerator(vocabulary, bench.load_ics_codes(), seed)
        _stats, numbers, titles = bench.insert_catalogue(generator, n, alias)
        connection = haystack.connections[alias]
        backend = connection.get_backend()
        index = connection.get_unified_index().get_index(Standard)
        backend.clear()
        queryset = index.index_queryset(using=alias).order_by("pk")
        last_pk, done, seconds = 0, 0, 0.0
        while batch := list(queryset.filter(pk__gt=last_pk)[:1000]):
            start = time.perf_counter()
            backend.update(index, batch)
            seconds += time.perf_counter() - start
            done, last_pk = done + len(batch), batch[-1].pk
        if connections[alias].vendor == "postgresql":
            with connections[alias].cursor() as cur:
                cur.execute("ANALYZE search_doc")
                cur.execute("ANALYZE search_term")
        out = {"indexing": {"standards": done, "standards_per_s": round(done / seconds)}}
        mix = bench.make_queries(query_count, vocabulary, numbers, titles, seed)
        warmup = bench.make_queries(30, vocabulary, numbers, titles, seed + 1)
        counts = []
        for facets in (False, True):

            def run(q, facets=facets):
                return search_standards(q, page_size=10, facets=facets, highlight=False).count

            for _kind, q in warmup:
                run(q)
            timed = bench.time_each(run, [q for _kind, q in mix])
            summary = bench.percentiles([ms for ms, _hits in timed])
            out["query_with_facets" if facets else "query"] = summary
            if not facets:
                counts = [hits for _ms, hits in timed]
                out["by_kind"] = {}
                for kind in bench.QUERY_MIX:
                    times = [ms for (k, _q), (ms, _h) in zip(mix, timed, strict=True) if k == kind]
                    if times:
                        p = bench.percentiles(times)
                        out["by_kind"][kind] = {k: p[k] for k in ("n", "p50_ms", "p95_ms")}
        return out, counts
