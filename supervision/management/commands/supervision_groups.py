"""Create the bureau's staff groups or add the permissions they are missing."""

from django.core.management.base import BaseCommand

from supervision.groups import ensure_groups


class Command(BaseCommand):
    help = "创建或补全监管人员用户组（标准目录编辑、声明审查员、监督管理员、监督检查员）的权限"

    def handle(self, *args, **options):
        for name, perms in ensure_groups().items():
            self.stdout.write(f"{name}: {len(perms)} 项权限")
            if options["verbosity"] > 1:
                for perm in perms:
                    self.stdout.write(f"  {perm}")
