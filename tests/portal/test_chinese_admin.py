"""The Wagtail admin in Chinese: strings Wagtail's own zh_Hans catalogues lack come
from the project's supplement (locale/zh_Hans), which never overrides Wagtail's."""

import gettext
from pathlib import Path

from django.conf import settings

import wagtail

import pytest

SUPPLEMENT = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"


def catalogue(path: Path) -> dict:
    with path.open("rb") as fh:
        return {k: v for k, v in gettext.GNUTranslations(fh)._catalog.items() if k}


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_the_supplement_only_adds_what_wagtail_lacks(domain):
    ours = catalogue(SUPPLEMENT / f"{domain}.mo")
    assert ours and all(ours.values())
    wagtails = {}
    for mo in Path(wagtail.__file__).parent.rglob(f"zh_Hans/LC_MESSAGES/{domain}.mo"):
        wagtails.update(catalogue(mo))
    # Keys are msgids ("ctxt\x04id" with a context; (id, n) for plurals).
    overridden = {k for k in ours if k in wagtails}
    assert not overridden, sorted(map(str, overridden))[:10]


def test_the_admin_dashboard_is_chinese(admin_client):
    html = admin_client.get("/admin/").content.decode()
    assert "搜索所有页面" in html and "编辑指南" in html
    assert "Search all pages" not in html and "editor guide" not in html


@pytest.mark.django_db
def test_wagtails_default_groups_and_workflow_have_chinese_names():
    from django.contrib.auth.models import Group

    from wagtail.models import Task, Workflow

    names = set(Group.objects.values_list("name", flat=True))
    assert {"审核员", "编辑"} <= names and not {"Moderators", "Editors"} & names
    # Renamed after Wagtail's migrations gave them their permissions.
    for name in ("审核员", "编辑"):
        granted = set(Group.objects.get(name=name).permissions.values_list("codename", flat=True))
        assert {"access_admin", "add_image", "choose_image", "add_document"} <= granted, name
    assert list(Workflow.objects.values_list("name", flat=True)) == ["审核员审批"]
    assert list(Task.objects.values_list("name", flat=True)) == ["审核员审批"]
