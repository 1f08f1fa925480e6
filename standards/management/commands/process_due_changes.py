"""Announce the catalogue changes whose date has come (run daily; see docs/operations.md)."""

import datetime
import json

from django.core.management.base import BaseCommand, CommandError

from standards.announcements import process_due_changes


class Command(BaseCommand):
    help = (
        "处理到期的目录变更：更新标准状态与检索索引，向受影响的企业和关注者发出预警。"
        "可重复执行，每项变更只处理一次；输出 JSON 统计。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--today",
            help="按该日期处理（YYYY-MM-DD，默认今天），用于补处理或测试",
        )

    def handle(self, *args, today=None, **options):
        day = None
        if today:
            try:
                day = datetime.date.fromisoformat(today)
            except ValueError:
                raise CommandError(f"日期无效：{today}（应为 YYYY-MM-DD）") from None
        result = process_due_changes(today=day)
        self.stdout.write(json.dumps(result, ensure_ascii=False, sort_keys=True))
