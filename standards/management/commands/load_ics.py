"""Load the ICS classification tree (English names from the ICS file, Chinese from fixtures)."""

from pathlib import Path

from django.core.management.base import BaseCommand

from standards.ics import load_ics


class Command(BaseCommand):
    help = "导入 ICS 国际标准分类（第 7 版）"

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", type=Path, help="ics-ed7.jsonl（默认取共享数据）")

    def handle(self, *args, path=None, **options):
        count = load_ics(path)
        self.stdout.write(self.style.SUCCESS(f"ICS 分类：{count} 个"))
