"""Settings shared by every way of running 标准馆.

Environment variables read here: DATABASE_URL (default: SQLite file in the project),
ELASTICSEARCH_URL (unset: embedded search). See architecture.md in the design notes.
"""

import os
from pathlib import Path

from django.utils.translation import gettext_lazy as _

import dj_database_url

PORTAL_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PORTAL_DIR.parent
#: Folder with real shared standards data next to the project (tests, benchmarks).
SHARED_DATA_DIR = Path(os.environ.get("SHARED_DATA_DIR", BASE_DIR.parent / "shared" / "data"))

INSTALLED_APPS = [
    "portal",
    "standards",
    "search",
    "declarations",
    "alerts",
    "supervision",
    "haystack",
    # django-ninja serves its bundled Swagger UI (/api/v1/docs) from static files, not a CDN.
    "ninja",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "portal.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PORTAL_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "alerts.context_processors.alerts",
                "declarations.context_processors.firm",
            ],
        },
    },
]

WSGI_APPLICATION = "portal.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The queries here are short; PostgreSQL's JIT compiles a query whose estimated cost
    # is high, which with stale statistics (a table filled inside one transaction, as an
    # import does) costs seconds per query instead of milliseconds.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers go on while one writer commits; IMMEDIATE avoids the
    # "database is locked" upgrade deadlock between two writers.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            ),
        }
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Chinese first; English available through the language switcher.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
WAGTAIL_I18N_ENABLED = False
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES

STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
]
#: Noto Sans SC for pages, from npm (make setup): users need no CJK font of their own.
FONT_DIR = BASE_DIR / "node_modules" / "@fontsource" / "noto-sans-sc"
STATICFILES_DIRS = [PORTAL_DIR / "static", ("fonts/noto-sans-sc", FONT_DIR)]
STATIC_ROOT = BASE_DIR / "var" / "static"
STATIC_URL = "/static/"
MEDIA_ROOT = BASE_DIR / "var" / "media"
MEDIA_URL = "/media/"
#: Files firms upload (own standards' full texts): outside the web root, served by views.
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", BASE_DIR / "var" / "private"))

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
#: Largest request body accepted (the check API and uploads stay well below this).
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

WAGTAIL_SITE_NAME = "标准馆"
# Avatars from the site itself: the public Gravatar service is not reachable from every
# bureau network, and a broken image is worse than the default avatar.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
# No calls from the admin to releases.wagtail.org: bureau intranets have no way out, and
# upgrades are the operators' business, not a badge for every editor.
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILADMIN_BASE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "pdf", "txt", "xlsx"]

# Search: the embedded SQLite FTS5 backend by default (search/backends/sqlite_fts.py).
# Search engine, chosen by how the site runs: Elasticsearch when ELASTICSEARCH_URL is
# set; otherwise the database's own full-text search (SQLite FTS5, or PostgreSQL
# tsvector when DATABASE_URL points at PostgreSQL).
ELASTICSEARCH_URL = os.environ.get("ELASTICSEARCH_URL", "")
if ELASTICSEARCH_URL:
    HAYSTACK_CONNECTIONS = {
        "default": {
            "ENGINE": "search.backends.elasticsearch.ElasticsearchEngine",
            "URL": ELASTICSEARCH_URL,
            "INDEX_NAME": os.environ.get("ELASTICSEARCH_INDEX", "biaozhunguan"),
        },
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    HAYSTACK_CONNECTIONS = {
        "default": {"ENGINE": "search.backends.postgres_fts.PostgresEngine", "DATABASE": "default"},
    }
else:
    HAYSTACK_CONNECTIONS = {
        "default": {"ENGINE": "search.backends.sqlite_fts.FTSEngine", "DATABASE": "default"},
    }
HAYSTACK_SIGNAL_PROCESSOR = "search.signals.CatalogueSignalProcessor"
HAYSTACK_SEARCH_RESULTS_PER_PAGE = 20

# Background tasks (django-tasks): run at once in the process that enqueues them by
# default; TASKS_BACKEND=database keeps them in the database for `manage.py db_worker`
# (django-tasks-db; at scale, docker-compose's worker).
TASKS_BACKEND = os.environ.get("TASKS_BACKEND", "immediate")
if TASKS_BACKEND == "database":
    INSTALLED_APPS.append("django_tasks_db")
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
#: Index writes through the durable queue (search.indexing): None = when the search
#: engine is outside the database (Elasticsearch); SEARCH_INDEX_QUEUE=1/0 forces it.
SEARCH_INDEX_QUEUE = {"1": True, "0": False}.get(os.environ.get("SEARCH_INDEX_QUEUE", ""))
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

#: Uploads stay in memory and stop at this size (portal/uploads.py); each form and
#: endpoint enforces its own, smaller limit with a message.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
FILE_UPLOAD_HANDLERS = ["portal.uploads.BoundedMemoryUploadHandler"]

#: Largest own-standard full text (PDF) a declaration may carry.
DECLARATION_PDF_MAX_BYTES = 10 * 1024 * 1024

#: Most references one 查新 request may carry.
CHECK_MAX_REFERENCES = 5000
#: Largest free text accepted by 查新 (characters).
CHECK_MAX_TEXT = 1_000_000

# Enterprise accounts (declarations/views/account.py); staff use /admin/ with its own login.
LOGIN_URL = "declarations:login"
LOGIN_REDIRECT_URL = "declarations:mine"
LOGOUT_REDIRECT_URL = "/"
#: Attempts allowed per client address (login: per address and user name), counted
#: in the cache; a blocked attempt gets HTTP 429 with the form and a message. Sign-up
#: counts every submission: 20 a minute leaves room for a person correcting a credit
#: code or a password several times, not for a script.
DECLARATIONS_RATE_LIMITS = {"signup": "20/m", "login": "10/m", "complaint": "5/h"}

SITE_TITLE = _("标准馆")
