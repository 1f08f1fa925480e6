import json
import os
import shutil
from pathlib import Path

from django.conf import settings
from django.core.management import call_command

import pytest

SHARED = Path(settings.SHARED_DATA_DIR)
NMPA = SHARED / "nmpa-medical-devices" / "standards.json"
SPORTS = SHARED / "sports-standards" / "standards.json"

needs_shared = pytest.mark.skipif(
    not (NMPA.exists() and SPORTS.exists()), reason="../shared/data is not beside the project"
)

#: The database the suite runs on (``DATABASE_URL``): "sqlite" or "postgresql".
VENDOR = {
    "django.db.backends.sqlite3": "sqlite",
    "django.db.backends.postgresql": "postgresql",
}.get(settings.DATABASES["default"]["ENGINE"], settings.DATABASES["default"]["ENGINE"])


def sqlite_only(why: str):
    """Skip a test of SQLite internals (FTS5, rowids, the SQLite benchmark) elsewhere."""
    return pytest.mark.skipif(VENDOR != "sqlite", reason=f"SQLite only: {why}")


@pytest.fixture(scope="session", autouse=True)
def _catalogue_dictionary_of_the_run(tmp_path_factory):
    """The catalogue dictionary (``build_search_dictionary``, run by ``load_demo``) is
    written to the run's own folder, never to the project's var/: the suites on SQLite
    and PostgreSQL run at once in one checkout, and a file left by an earlier run would
    change how every later run segments titles."""
    from search import tokenize

    before = tokenize.CATALOGUE_DICTIONARY
    tokenize.CATALOGUE_DICTIONARY = tmp_path_factory.mktemp("search") / "jieba_catalogue.txt"
    _forget_catalogue_dictionary()
    yield
    tokenize.CATALOGUE_DICTIONARY = before
    _forget_catalogue_dictionary()


def _forget_catalogue_dictionary():
    from search import tokenize

    tokenize.CATALOGUE_DICTIONARY.unlink(missing_ok=True)
    tokenize.reload_dictionaries()


@pytest.fixture(autouse=True)
def _no_catalogue_dictionary_after_each_test():
    """A test that built the catalogue dictionary (load_demo) leaves none behind: the
    tests after it segment with the project's dictionary alone, whatever their order."""
    from search import tokenize

    yield
    if tokenize.CATALOGUE_DICTIONARY.exists():
        _forget_catalogue_dictionary()


@pytest.fixture(autouse=True)
def _site_language_after_each_test():
    """A request in English (the language switcher) leaves the test thread in English:
    Django's LocaleMiddleware activates a language and never deactivates it. Every
    test starts in the site's own language."""
    from django.utils import translation

    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def rate_window_held(monkeypatch):
    """Rate limits count attempts per clock window (a minute, an hour); a test that
    makes its attempts across the turn of a minute would see the count start again.
    The limiter's clock stands still in the middle of a day for the test."""
    import time as real_time

    from declarations.views import account

    now = (real_time.time() // 86400) * 86400 + 43200.5
    monkeypatch.setattr(account, "time", type("HeldClock", (), {"time": staticmethod(lambda: now)}))


@pytest.fixture(autouse=True)
def _search_index_emptied_after_committing_tests(request, django_db_blocker):
    """A test that commits (``transaction=True``, the live server) has its tables
    emptied by Django afterwards, but the search index's tables are not Django models:
    they are emptied here, or the next test would find the last one's standards."""
    marker = request.node.get_closest_marker("django_db")
    committing = "transactional_db" in request.fixturenames or (
        marker is not None and marker.kwargs.get("transaction")
    )
    yield
    if committing:
        from haystack import connections as search_connections

        with django_db_blocker.unblock():
            search_connections["default"].get_backend().clear()


@pytest.fixture(scope="session", autouse=True)
def _postgresql_test_database_closes(request, django_db_blocker):
    """On PostgreSQL, end the connections other threads (the live server's) still hold
    to the test database before it is dropped: otherwise the drop fails ("being
    accessed by other users") and the database is left behind."""
    if VENDOR != "postgresql":
        yield
        return
    request.getfixturevalue("django_db_setup")
    yield
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cur:
        cur.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


#: The GB 2760 chain and friends, as the domain notes describe them.
GB2760_CHAIN = [
    {
        "number": "GB 2760-1996",
        "title": "食品添加剂使用卫生标准",
        "status": "superseded",
        "effective": "1997-01-01",
    },
    {
        "number": "GB 2760-2007",
        "title": "食品添加剂使用卫生标准",
        "status": "superseded",
        "published": "2007-03-12",
        "effective": "2008-06-01",
        "replaces": ["GB 2760-1996"],
    },
    {
        "number": "GB 2760-2011",
        "title": "食品安全国家标准 食品添加剂使用标准",
        "status": "superseded",
        "published": "2011-04-20",
        "effective": "2011-07-20",
        "replaces": ["GB 2760-2007"],
    },
    {
        "number": "GB 2760-2014",
        "title": "食品安全国家标准 食品添加剂使用标准",
        "status": "superseded",
        "published": "2014-12-24",
        "effective": "2015-05-24",
        "replaces": ["GB 2760-2011"],
        "ics": ["67.220.20"],
    },
    {
        "number": "GB 2760-2024",
        "title": "食品安全国家标准 食品添加剂使用标准",
        "status": "current",
        "published": "2024-02-08",
        "effective": "2025-02-08",
        "replaces": ["GB 2760-2014"],
        "ics": ["67.220.20"],
        "department": "国家卫生健康委员会、国家市场监督管理总局",
    },
    {
        "number": "YY 0055-2018",
        "title": "牙科学 光固化机",
        "status": "current",
        "published": "2018-12-20",
        "effective": "2020-01-01",
    },
    {
        "number": "YY 0055-2026",
        "title": "牙科学 光固化机",
        "status": "upcoming",
        "published": "2026-08-14",
        "effective": "2029-08-01",
        "replaces": ["YY 0055-2018"],
    },
    {
        "number": "GB/T 19580-2012",
        "title": "卓越绩效评价准则",
        "status": "current",
        "published": "2012-03-09",
        "effective": "2012-08-01",
    },
    {
        "number": "GB/T 14833-1993",
        "title": "塑胶跑道",
        "status": "withdrawn",
        "effective": "1994-10-01",
        "withdrawn": "2012-01-01",
    },
]


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8"
    )
    return path


@pytest.fixture
def import_records(tmp_path):
    """Import canonical records through the real importer and command."""

    def _import(records, name="catalogue.jsonl"):
        path = write_jsonl(tmp_path / name, records)
        call_command("import_standards", str(path), verbosity=0)
        return path

    return _import


@pytest.fixture
def chain_catalogue(db, import_records):
    from standards.ics import load_ics

    load_ics()
    import_records(GB2760_CHAIN)


# -- browser tests: Playwright driving Debian's chromium against the live test server ----
# Defined here, once for the whole suite: a session-scoped browser defined (or imported)
# in two places would start Playwright twice, and the second start fails.

# Playwright's sync API runs an event loop in this thread; Django's async-safety guard
# would otherwise refuse the test's own database set-up.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
#: Where tests leave files to look at (screenshots, rendered reports). `make test` gives
#: each database's run its own folder, so that two runs at once never share a file.
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS_DIR") or settings.BASE_DIR / "test-artifacts")


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.fail(
            "Debian's chromium is required for browser tests: run `make test` as root "
            "or `apt-get install chromium fonts-noto-cjk`"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot(page):
    ARTIFACTS.mkdir(exist_ok=True)

    def _shot(name):
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return _shot
