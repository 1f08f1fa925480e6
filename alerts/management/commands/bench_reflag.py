"""Measure re-flagging: K standards withdrawn among N published declarations.

    python manage.py bench_reflag --declarations N --withdraw K [--standards S] [--seed 1]
    python manage.py bench_reflag --sizes 100000,1000000 --withdraw 100

Builds, in a throwaway SQLite file (never the project's database), a catalogue of S
standards (default N/10, at least 2,000), 2,000 enterprises with members, watchers, and
N published declarations citing the catalogue (1-3 products and 1-4 references each:
current editions, undated series, outdated editions). Then withdraws K cited
standards the way an announcement does — rows marked withdrawn, ``StandardChange``
records, ``alerts.reflag.catalogue_changed`` in the same transaction, commit (e-mails
after commit, to memory) — and times that step alone. Prints JSON with at least
``declarations``, ``withdrawn``, ``affected``, ``seconds``; with two sizes
(``--sizes`` or ``--declarations`` given twice) one run each and their ratios, which
show the work follows what is affected, not the total. Bar (architecture.md): 100
withdrawn among 1,000,000 declarations in <= 10 s.
"""

import json
import os
import platform
import random
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from alerts import bench

BAR_SECONDS = 10.0
BAR_DECLARATIONS = 1_000_000


class Command(BaseCommand):
    help = "预警重新标记性能基准：在 N 份声明中废止 K 项标准（输出 JSON）"
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--declarations", type=int, action="append", help="声明数 N（可给两次，比较两个规模）"
        )
        parser.add_argument("--sizes", help="逗号分隔的多个规模，如 100000,1000000")
        parser.add_argument("--withdraw", type=int, required=True, help="废止的标准数 K")
        parser.add_argument("--standards", type=int, help="目录规模 S（默认 N/10，至少 2000）")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--db", help="保留合成数据库的目录（须不存在）；默认用临时目录并删除")

    def handle(self, *args, declarations, sizes, withdraw, standards, seed, db, **options):
        self.verbose = options.get("verbosity", 1) >= 1
        wanted = list(declarations or [])
        if sizes:
            try:
                wanted += [int(x.replace("_", "")) for x in sizes.split(",") if x.strip()]
            except ValueError:
                raise CommandError("--sizes 须为逗号分隔的整数，如 100000,1000000") from None
        if not wanted:
            raise CommandError("请给出 --declarations N 或 --sizes N1,N2")
        if any(n < 1 for n in wanted) or withdraw < 1 or (standards is not None and standards < 10):
            raise CommandError("--declarations、--withdraw 须为正整数，--standards 至少 10")
        keep = Path(db).resolve() if db else None
        if keep is not None and keep.exists():
            raise CommandError(f"{keep} 已存在：基准只写入新的目录")
        workdir = keep or Path(tempfile.mkdtemp(prefix="bench_reflag_"))
        workdir.mkdir(parents=True, exist_ok=True)
        runs = []
        try:
            for i, n in enumerate(wanted):
                s = standards or max(2000, n // 10)
                runs.append(self.run(workdir / f"reflag-{i + 1}-{n}.sqlite3", n, withdraw, s, seed))
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            if keep is None:
                shutil.rmtree(workdir, ignore_errors=True)
        if len(runs) == 1:
            report = runs[0]
        else:
            first, last = runs[0], runs[-1]

            def ratio(key):
                return round(last[key] / first[key], 2) if first[key] else None

            report = {
                "runs": runs,
                "ratio": {
                    "declarations": ratio("declarations"),
                    "affected": ratio("affected"),
                    "seconds": ratio("seconds"),
                    "seconds_per_1000_affected": ratio("seconds_per_1000_affected"),
                },
                "note": (
                    "seconds 的比值远小于 declarations 的比值："
                    "工作量随受影响的声明数，而非声明总数增长"
                ),
            }
        report["environment"] = {
            "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version,
            "cpus": os.cpu_count(),
            "db": str(workdir) if keep else "temporary files (removed)",
        }
        self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))

    def say(self, message):
        if self.verbose:
            self.stderr.write(f"[bench_reflag] {message}")
            self.stderr.flush()

    def run(self, path: Path, n: int, k: int, s: int, seed: int) -> dict:
        self.say(f"N={n:,} declarations, S={s:,} standards, K={k} withdrawn -> {path}")
        with bench.throwaway_database(path):
            built = bench.build(n, s, seed, say=self.say)
            candidates = built.pop("cited_current")
            if len(candidates) < k:
                raise ValueError(f"只有 {len(candidates)} 项被引用的现行标准，少于 --withdraw {k}")
            chosen = sorted(random.Random(seed + 1).sample(candidates, k))  # noqa: S311
            self.say(f"withdrawing {k} standards")
            result = bench.withdraw(chosen)
            flagged = bench.flagged_count()
        affected = result["declarations"]
        seconds = result["seconds"]
        return {
            "declarations": n,
            "withdrawn": k,
            "affected": affected,
            "seconds": seconds,
            "seconds_per_1000_affected": round(seconds / affected * 1000, 4) if affected else None,
            "references": result["references"],
            "enterprises": result["enterprises"],
            "flagged": result["flagged"],
            "flagged_total": flagged,
            "notifications": result["notifications"],
            "emails": result["emails"],
            "email_tasks": result["email_tasks"],
            "email_seconds": result["email_seconds"],
            "watchers": result["watchers"],
            "breakdown": result["breakdown"],
            "build": built,
            "bar": {
                "seconds_le_10_at_1m": {
                    "applies": n >= BAR_DECLARATIONS and k >= 100,
                    "pass": seconds <= BAR_SECONDS,
                }
            },
            "parameters": {"declarations": n, "withdraw": k, "standards": s, "seed": seed},
            "withdrawn_sample": chosen[:5],
            "timestamp": time.strftime("%Y-%m-%d %H:%M:%S"),
        }
