"""Wagtail creates a "Moderators" and an "Editors" group and a "Moderators approval"
workflow with its task; the Chinese admin shows them in Chinese. Only records still
carrying Wagtail's default names are renamed (nothing an administrator named)."""

from django.db import migrations

GROUPS = {"Moderators": "审核员", "Editors": "编辑"}
WORKFLOWS = {"Moderators approval": "审核员审批"}


def _rename(apps, names):
    Group = apps.get_model("auth", "Group")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    Task = apps.get_model("wagtailcore", "Task")
    for old, new in names["groups"].items():
        if not Group.objects.filter(name=new).exists():
            Group.objects.filter(name=old).update(name=new)
    for model in (Workflow, Task):
        for old, new in names["workflows"].items():
            model.objects.filter(name=old).update(name=new)


def forwards(apps, schema_editor):
    _rename(apps, {"groups": GROUPS, "workflows": WORKFLOWS})


def backwards(apps, schema_editor):
    _rename(
        apps,
        {
            "groups": {v: k for k, v in GROUPS.items()},
            "workflows": {v: k for k, v in WORKFLOWS.items()},
        },
    )


class Migration(migrations.Migration):
    # After every Wagtail migration that looks the groups up by their English names
    # to give them permissions (admin access, images, documents, page locking).
    dependencies = [
        ("portal", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailadmin", "0006_formstate"),
        ("wagtaildocs", "0014_alter_document_file_size"),
        ("wagtailimages", "0027_image_description"),
        ("wagtailsearch", "0010_add_text_fields"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
