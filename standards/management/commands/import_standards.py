"""Import standards into the catalogue from canonical JSON Lines / CSV / XLSX files or
the known source shapes (see architecture.md, "Contracts").

    python manage.py import_standards FILE [FILE ...] [--strict] [--dry-run]

Idempotent: importing the same file again updates records, never duplicates them.
Every record read is accounted for in the summary: created, updated, unchanged or
skipped with its line and reason.
"""

import sys
import time

from django.core.management.base import BaseCommand, CommandError

from standards.importers import ImportFileError, read_file
from standards.services import StrictImportError, import_batches

#: Skipped records listed one by one up to this many; the rest are counted.
SHOW_SKIPPED = 50


class Command(BaseCommand):
    help = "导入标准目录（JSON Lines / CSV / XLSX 规范格式，或已知来源格式）"

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument(
            "--strict", action="store_true", help="任何一条记录有问题即全部回滚，不写入任何数据"
        )
        parser.add_argument("--dry-run", action="store_true", help="只读取并报告，不写入")

    def handle(self, *args, files, strict, dry_run, verbosity=1, **options):
        started = time.perf_counter()
        batches = []
        for path in files:
            try:
                batch = read_file(path)
            except (ImportFileError, OSError) as exc:
                raise CommandError(f"{path}: {exc}") from exc
            batches.append(batch)
            if verbosity >= 1:
                self.stdout.write(
                    f"{path}: {batch.shape}"
                    + (f", {batch.encoding}" if batch.encoding else "")
                    + f", {len(batch.records) + len(batch.skipped)} 条记录"
                )
        progress = self._progress if verbosity >= 1 and sys.stderr.isatty() else None
        try:
            summary = import_batches(batches, strict=strict, dry_run=dry_run, progress=progress)
        except StrictImportError as exc:
            self._report(exc.summary, verbosity, time.perf_counter() - started)
            raise CommandError(
                f"--strict：{len(exc.summary.skipped)} 条记录有问题，未写入任何数据"
            ) from exc
        self._report(summary, verbosity, time.perf_counter() - started, dry_run=dry_run)

    def _progress(self, done: int, total: int) -> None:
        width = 30
        filled = width * done // max(total, 1)
        sys.stderr.write(f"\r  [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    def _report(self, summary, verbosity, seconds, dry_run=False):
        if verbosity < 1:
            return
        out = self.stdout
        for path, line, raw, reason in summary.skipped[:SHOW_SKIPPED]:
            out.write(self.style.WARNING(f"  跳过 {path}:{line} {raw!r}：{reason}"))
        if len(summary.skipped) > SHOW_SKIPPED:
            out.write(f"  ……另有 {len(summary.skipped) - SHOW_SKIPPED} 条跳过")
        for note, count in sorted(summary.notes.items()):
            out.write(f"  说明：{note}：{count}")
        rate = summary.read / seconds if seconds else 0
        out.write(
            self.style.SUCCESS(
                ("（演练，未写入）" if dry_run else "")
                + f"读取 {summary.read} 条：新增 {summary.created}，更新 {summary.updated}，"
                f"未变 {summary.unchanged}，跳过 {len(summary.skipped)}；"
                f"代替关系新增 {summary.links_created}，仅知编号的版本 "
                f"{summary.placeholders_created}；检索索引更新 {summary.indexed}；"
                f"用时 {seconds:.2f} 秒（{rate:,.0f} 条/秒）"
            )
        )
        if not summary.accounted:
            out.write(self.style.ERROR("记录数与结果不符，请报告此问题"))
