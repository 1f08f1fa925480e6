"""Bring a fresh database to a living demo site: ICS tree, the project's curated
catalogue, the real shared data files when they are beside the project, pages, and a
demo staff account. Safe to run again: nothing is duplicated."""

import os

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand

from declarations.demo import build_declarations
from portal.demo_content import build_site
from standards.ics import load_ics

DEMO_CATALOGUE = settings.BASE_DIR / "fixtures" / "demo_standards.jsonl"
SHARED_FILES = ["nmpa-medical-devices/standards.json", "sports-standards/standards.json"]


class Command(BaseCommand):
    help = "载入演示数据（ICS 分类、标准目录、页面、演示管理员）"

    def add_arguments(self, parser):
        parser.add_argument("--no-shared", action="store_true", help="不导入共享的真实数据文件")

    def handle(self, *args, no_shared=False, verbosity=1, **options):
        self.stdout.write(f"ICS 分类：{load_ics()} 个")
        # Changes announced earlier whose date has come since: in force, announced.
        call_command("process_due_changes", verbosity=0)
        files = []
        if not no_shared:
            files += [
                str(settings.SHARED_DATA_DIR / name)
                for name in SHARED_FILES
                if (settings.SHARED_DATA_DIR / name).exists()
            ]
        # The curated catalogue last: where it overlaps the shared files, it wins.
        files.append(str(DEMO_CATALOGUE))
        call_command("import_standards", *files, verbosity=verbosity)
        call_command("build_search_dictionary", rebuild=True, verbosity=0)
        build_site()
        user_model = get_user_model()
        username = os.environ.get("DEMO_ADMIN_USER", "admin")
        if not user_model.objects.filter(username=username).exists():
            password = os.environ.get("DEMO_ADMIN_PASSWORD", "biaozhunguan")
            user_model.objects.create_superuser(username, "admin@example.com", password)
            self.stdout.write(f"演示管理员：{username} / {password}（仅用于本机演示）")
        build_declarations(self.stdout.write)
        self.stdout.write(self.style.SUCCESS("演示数据已就绪：http://127.0.0.1:8000/"))
