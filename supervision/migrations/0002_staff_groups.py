"""Staff groups (标准目录编辑, 声明审查员, 监督管理员, 监督检查员) with their permissions.

Idempotent: it only adds what is missing (see ``supervision.groups``). Permissions are
normally created after all migrations ran (``post_migrate``); they are created here
first so that the groups can be given them in a fresh database.
"""

from django.db import migrations


def create_groups(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    from supervision.groups import ensure_groups

    ensure_groups(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("supervision", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
        ("declarations", "0002_flags_and_review"),
        # Announcement permissions exist once this has run (see supervision.groups).
        ("standards", "0005_announcements"),
    ]

    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
