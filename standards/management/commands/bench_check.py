"""Measure 标准查新 speed: 1,000 references checked server-side, against the catalogue
in the database, compared with a naive one-query-per-reference peer in the same run.

    python manage.py bench_check [--references 1000] [--repeat 7]

Prints JSON. The bar (architecture.md): 1,000 references in <= 100 ms.
"""

import datetime
import json
import random
import statistics
import time

from django.core.management.base import BaseCommand, CommandError
from django.test import Client

from standards.models import Standard
from standards.services import check_references


def naive_check(references, on):
    """The peer: look each reference up on its own, as a simple implementation would."""
    from standards import numbers
    from standards.catalogue import DbCatalogue
    from standards.validity import check

    results = []
    for ref in references:
        catalogue = DbCatalogue()  # no batching, no shared cache
        parsed = numbers.try_parse(ref)
        if parsed is not None:
            catalogue.preload(numbers=[parsed.edition], series=[parsed.series])
        results.append(check(ref, catalogue, on))
    return results


class Command(BaseCommand):
    help = "查新性能基准（输出 JSON）"

    def add_arguments(self, parser):
        parser.add_argument("--references", type=int, default=1000)
        parser.add_argument("--repeat", type=int, default=7)
        parser.add_argument("--seed", type=int, default=2017)

    def handle(self, *args, references, repeat, seed, **options):
        numbers_in_db = list(Standard.objects.listed().values_list("number", "series"))
        if not numbers_in_db:
            raise CommandError("目录为空：先运行 make demo 或 import_standards")
        rng = random.Random(seed)
        refs = []
        for _ in range(references):
            number, series = rng.choice(numbers_in_db)
            kind = rng.random()
            if kind < 0.6:
                refs.append(number)
            elif kind < 0.8:
                refs.append(series)
            elif kind < 0.9:
                refs.append(number.replace(" ", "").replace("-", "—"))
            elif kind < 0.95:
                refs.append(f"GB {rng.randint(90000, 99999)}-2020")
            else:
                refs.append("不是编号")
        on = datetime.date.today()

        def timed(fn):
            times = []
            for _ in range(repeat):
                start = time.perf_counter()
                fn()
                times.append((time.perf_counter() - start) * 1000)
            return {"median_ms": round(statistics.median(times), 2), "min_ms": round(min(times), 2)}

        ours = timed(lambda: check_references(refs, on))
        peer = timed(lambda: naive_check(refs, on))
        client = Client()
        body = json.dumps({"references": refs})
        api = timed(lambda: client.post("/api/v1/check", body, content_type="application/json"))
        verdicts = {}
        for v in check_references(refs, on):
            verdicts[v.verdict] = verdicts.get(v.verdict, 0) + 1
        result = {
            "catalogue": len(numbers_in_db),
            "references": len(refs),
            "check_references": ours,
            "api_post_check": api,
            "peer_one_query_per_reference": peer,
            "speedup_vs_peer": round(peer["median_ms"] / max(ours["median_ms"], 1e-9), 1),
            "bar_ms": 100,
            "meets_bar": ours["median_ms"] <= 100,
            "verdicts": verdicts,
        }
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
