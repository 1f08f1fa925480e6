"""Staff groups and who may open what: every supervision view checks its permission."""

from django.contrib.auth.models import Group
from django.core.management import call_command

import pytest

from supervision import groups
from supervision.models import Case, SpotCheckDraw

pytestmark = pytest.mark.django_db


def perms(name):
    return {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Group.objects.get(name=name).permissions.select_related("content_type")
    }


def test_groups_are_created_with_their_permissions():
    editors = perms(groups.CATALOGUE_EDITORS)
    assert {
        "wagtailadmin.access_admin",
        "standards.add_standard",
        "standards.change_supersession",
        "standards.view_icsclass",
    } <= editors
    assert "standards.delete_standard" not in editors
    # Announcement permissions that existed when the migration ran.
    assert "standards.apply_announcement" in editors
    reviewers = perms(groups.REVIEWERS)
    assert {
        "wagtailadmin.access_admin",
        "declarations.view_declaration",
        "supervision.add_reviewrecord",
        "supervision.change_complaint",
    } <= reviewers
    assert not reviewers & {
        "supervision.add_case",
        "supervision.add_spotcheckdraw",
        "supervision.view_dashboard",
        "supervision.close_case",
    }
    supervisors = perms(groups.SUPERVISORS)
    assert reviewers <= supervisors
    assert {
        "supervision.add_case",
        "supervision.close_case",
        "supervision.add_spotcheckdraw",
        "supervision.view_dashboard",
    } <= supervisors


def test_setting_up_groups_again_adds_nothing_twice_and_keeps_changes(capsys):
    reviewers = Group.objects.get(name=groups.REVIEWERS)
    extra = Group.objects.get(name=groups.SUPERVISORS).permissions.get(codename="view_case")
    reviewers.permissions.add(extra)  # a change made in Settings → Groups
    before = reviewers.permissions.count()
    call_command("supervision_groups")
    call_command("supervision_groups")
    assert reviewers.permissions.count() == before
    assert Group.objects.filter(name=groups.REVIEWERS).count() == 1
    assert "声明审查员" in capsys.readouterr().out


ADMIN_URLS = {
    "queue": "/admin/supervision/queue/",
    "cases": "/admin/supervision/cases/",
    "complaints": "/admin/supervision/complaints/",
    "draws": "/admin/supervision/draws/",
    "draw_new": "/admin/supervision/draws/new/",
    "dashboard": "/admin/supervision/dashboard/",
    "report": "/admin/supervision/dashboard/overdue/",
}


def test_anonymous_users_are_sent_to_the_admin_login(client):
    for url in ADMIN_URLS.values():
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"], url


def test_a_firm_user_cannot_reach_the_admin_at_all(client, firm_a):
    client.force_login(firm_a.members.get().user)
    for url in ["/admin/", *ADMIN_URLS.values()]:
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"], url


def _denied(response):
    """Wagtail answers a staff user without the permission with a redirect home."""
    return response.status_code == 302 and response["Location"].rstrip("/").endswith("/admin")


def test_reviewer_sees_the_queue_but_cannot_open_cases_or_draw(as_user, reviewer, publish, firm_a):
    declaration = publish(firm_a, "GB/T 19580-2012")
    client = as_user(reviewer)
    assert client.get(ADMIN_URLS["queue"]).status_code == 200
    assert client.get(f"/admin/supervision/queue/inspect/{declaration.pk}/").status_code == 200
    assert client.get(f"/admin/supervision/queue/review/{declaration.pk}/").status_code == 200
    assert client.get(ADMIN_URLS["complaints"]).status_code == 200
    for name in ("cases", "draws", "draw_new", "dashboard", "report"):
        assert _denied(client.get(ADMIN_URLS[name])), name
    open_case = f"/admin/supervision/queue/open-case/{declaration.pk}/"
    assert _denied(client.get(open_case))
    response = client.post(open_case, {"findings": "x", "order": "y", "deadline": "2099-01-01"})
    assert _denied(response) and not Case.objects.exists()
    response = client.post(ADMIN_URLS["draw_new"], {"seed": 1, "n": 1, "m": 1})
    assert _denied(response) and not SpotCheckDraw.objects.exists()
    # The review form offers no 立案 to a reviewer, and refuses it when posted.
    page = client.get(f"/admin/supervision/queue/review/{declaration.pk}/").content.decode()
    assert 'value="case"' not in page
    response = client.post(
        f"/admin/supervision/queue/review/{declaration.pk}/",
        {"outcome": "case", "findings": "x", "order": "y", "deadline": "2099-01-01"},
    )
    assert response.status_code == 200 and not Case.objects.exists()


def test_supervisor_opens_every_screen(as_user, supervisor):
    client = as_user(supervisor)
    for name, url in ADMIN_URLS.items():
        assert client.get(url).status_code == 200, name


def test_inspector_sees_draws_but_cannot_draw(as_user, inspector):
    client = as_user(inspector)
    assert client.get(ADMIN_URLS["draws"]).status_code == 200
    assert _denied(client.get(ADMIN_URLS["draw_new"]))
    assert _denied(client.get(ADMIN_URLS["dashboard"]))


def test_catalogue_editor_edits_the_catalogue_not_supervision(as_user, editor):
    client = as_user(editor)
    assert client.get("/admin/snippets/standards/standard/").status_code == 200
    assert client.get("/admin/snippets/standards/standard/add/").status_code == 200
    assert _denied(client.get(ADMIN_URLS["queue"]))
    assert _denied(client.get(ADMIN_URLS["complaints"]))


def _menu(user) -> set[str]:
    """Labels of the 事中事后监管 submenu the user is shown."""
    from django.test import RequestFactory

    from wagtail.admin.menu import admin_menu

    request = RequestFactory().get("/admin/")
    request.user = user
    for item in admin_menu.menu_items_for_request(request):
        if item.name == "supervision":
            return {str(sub.label) for sub in item.menu.menu_items_for_request(request)}
    return set()


def test_menu_shows_what_each_group_may_use(reviewer, supervisor, editor):
    assert _menu(reviewer) == {"审查队列", "举报"}
    assert _menu(supervisor) == {"审查队列", "责令整改", "举报", "双随机抽查", "监管统计"}
    assert _menu(editor) == set()
