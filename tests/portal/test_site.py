"""The site around the catalogue: settings, demo content, pages."""

import os
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command

import pytest

from portal.demo_content import build_site
from portal.models import ArticlePage, GuidePage, HomePage
from tests.conftest import VENDOR


def test_chinese_first():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert ("en", "English") in settings.LANGUAGES


def test_production_settings_fail_without_secret():
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "ALLOWED_HOSTS"}}
    env["DJANGO_SETTINGS_MODULE"] = "portal.settings.production"
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.django_db
def test_site_tree_is_built_once(client):
    build_site()
    build_site()
    assert HomePage.objects.count() == 1
    assert ArticlePage.objects.count() >= 3 and GuidePage.objects.count() >= 2
    home = client.get("/")
    html = home.content.decode()
    assert home.status_code == 200
    assert 'role="search"' in html and "标准查新" in html and "通知公告" in html
    assert "GB 2760-2024" in html  # a latest notice is listed
    assert client.get("/notices/").status_code == 200
    assert client.get("/notices/?kind=news").status_code == 200
    guide = GuidePage.objects.first()
    assert client.get(guide.url).status_code == 200


@pytest.mark.django_db
def test_english_is_available(client):
    build_site()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/check/"})
    assert response.status_code == 302
    html = client.get("/check/").content.decode()
    assert 'lang="en"' in html


@pytest.mark.django_db
def test_load_demo_is_idempotent(tmp_path):
    from io import StringIO

    from standards.models import Standard

    call_command("load_demo", "--no-shared", stdout=StringIO())
    count = Standard.objects.count()
    assert count >= 200
    call_command("load_demo", "--no-shared", stdout=StringIO())
    assert Standard.objects.count() == count
    assert HomePage.objects.count() == 1


def test_page_not_found_is_friendly(client, db):
    build_site()
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


@pytest.mark.skipif(VENDOR != "postgresql", reason="PostgreSQL only: its JIT setting")
@pytest.mark.django_db
def test_postgresql_sessions_run_without_jit():
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SHOW jit")
        assert cur.fetchone()[0] == "off"
