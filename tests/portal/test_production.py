"""Production settings and the files that run the site at scale.

`check --deploy` and `collectstatic` run in subprocesses with the real production
settings. Docker is not available here: docker-compose.yml and the Dockerfile are
checked for structure (a YAML parse, the services, volumes and commands they must have),
not run.
"""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings

import pytest
import yaml

ROOT = Path(settings.BASE_DIR)

# Nothing here uses the test database: run once, in the SQLite run of `make test`.
pytestmark = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
    reason="production files are checked once, in the SQLite run (no database used)",
)


def production_env(**extra):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "SECURE_", "ELASTICSEARCH", "TASKS_", "PROXY_"))
        and k not in {"DATABASE_URL", "STATIC_ROOT", "MEDIA_ROOT"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="biaozhun.example.cn,testserver",
        **extra,
    )
    return env


def run(args, env, timeout=300):
    return subprocess.run(
        [sys.executable, *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.mark.parametrize(
    "extra",
    [{}, {"TASKS_BACKEND": "database", "ELASTICSEARCH_URL": "http://elasticsearch:9200"}],
    ids=["embedded", "at-scale"],
)
def test_check_deploy_is_clean(extra):
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env(**extra)
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output
    assert "WARNING" not in output.upper().replace("WARNINGS", "")


def test_settings_follow_the_environment():
    code = (
        "import django; django.setup()\n"
        "from django.conf import settings as s\n"
        "print(s.DEBUG, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.SECURE_HSTS_SECONDS,\n"
        "      getattr(s, 'SECURE_PROXY_SSL_HEADER', None), s.TASKS['default']['BACKEND'],\n"
        "      'django_tasks_db' in s.INSTALLED_APPS, s.STORAGES['staticfiles']['BACKEND'],\n"
        "      s.MIDDLEWARE[1], sep='|')\n"
    )
    default = run(["-c", code], production_env()).stdout.strip().split("|")
    assert default == [
        "False",
        "True",
        "True",
        "31536000",
        "('HTTP_X_FORWARDED_PROTO', 'https')",
        "django_tasks.backends.immediate.ImmediateBackend",
        "False",
        "whitenoise.storage.CompressedManifestStaticFilesStorage",
        "whitenoise.middleware.WhiteNoiseMiddleware",
    ]
    local = (
        run(
            ["-c", code],
            production_env(SECURE_SSL_REDIRECT="0", PROXY_SSL_HEADER="", TASKS_BACKEND="database"),
        )
        .stdout.strip()
        .split("|")
    )
    assert local[1] == "False" and local[4] == "None"
    assert local[5] == "django_tasks_db.DatabaseBackend" and local[6] == "True"


def test_wsgi_defaults_to_production_settings():
    env = production_env()
    del env["DJANGO_SETTINGS_MODULE"]
    code = "import portal.wsgi; from django.conf import settings; print(settings.SETTINGS_MODULE)"
    result = run(["-c", code], env)
    assert result.stdout.strip() == "portal.settings.production", result.stderr


def test_static_files_with_the_cjk_font_are_collected_and_served(tmp_path):
    """collectstatic with the production storage (hashed, compressed), then WhiteNoise
    serves the font's stylesheet and a woff2 subset it points at."""
    static_root = tmp_path / "static"
    env = production_env(STATIC_ROOT=str(static_root))
    result = run(["manage.py", "collectstatic", "--noinput", "-v0"], env)
    assert result.returncode == 0, result.stderr[-3000:]
    css = sorted((static_root / "fonts" / "noto-sans-sc").glob("400.*.css"))
    assert css, "the Noto Sans SC stylesheet was not collected"
    assert (static_root / "staticfiles.json").exists()
    code = (
        "import django; django.setup()\n"
        "import re\n"
        "from django.test import Client\n"
        "from django.templatetags.static import static\n"
        "client = Client()\n"
        "css = client.get(static('fonts/noto-sans-sc/400.css'), secure=True,\n"
        "                 HTTP_ACCEPT_ENCODING='gzip')\n"
        "body = b''.join(css.streaming_content)\n"
        "print(css.status_code, css['Content-Type'], css.get('Content-Encoding'),\n"
        "      css['Cache-Control'], sep='|')\n"
        "url = static('fonts/noto-sans-sc/400.css').rsplit('/', 1)[0] + '/'\n"
        "import gzip; text = gzip.decompress(body).decode()\n"
        "woff2 = re.search(r'url\\(\"?\\./(files/[^)\"]+\\.woff2)', text).group(1)\n"
        "font = client.get(url + woff2, secure=True)\n"
        "print(font.status_code, font['Content-Type'], woff2, sep='|')\n"
    )
    result = run(["-c", code], env)
    assert result.returncode == 0, result.stderr[-3000:]
    css_line, font_line = result.stdout.strip().splitlines()[-2:]
    status, content_type, encoding, cache = css_line.split("|")
    assert (status, encoding) == ("200", "gzip") and content_type.startswith("text/css")
    assert "immutable" in cache and "max-age=315360000" in cache
    status, content_type, name = font_line.split("|")
    assert status == "200" and content_type == "font/woff2"
    assert re.fullmatch(r"files/noto-sans-sc-\d+-400-normal\.[0-9a-f]{12}\.woff2", name)


def test_gunicorn_config_loads():
    result = run(
        ["-m", "gunicorn", "--check-config", "--print-config", "portal.wsgi"], production_env()
    )
    assert result.returncode == 0, result.stderr[-3000:]
    config = dict(re.findall(r"^(\w+)\s+=\s+(.*)$", result.stdout, flags=re.MULTILINE))
    assert config["preload_app"] == "True"
    assert config["bind"] == "['0.0.0.0:8000']"
    assert int(config["timeout"]) == 60


# -- docker (not run here: structure only) ----------------------------------------------
@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def test_compose_has_the_stack(compose):
    services = compose["services"]
    assert {"postgres", "elasticsearch", "migrate", "web", "worker"} <= set(services)
    assert services["postgres"]["image"].startswith("postgres:")
    es = services["elasticsearch"]
    assert re.search(r"elasticsearch:8\.\d+\.\d+$", es["image"])
    assert es["environment"]["discovery.type"] == "single-node"
    assert es["environment"]["xpack.security.enabled"] == "false"
    for name in ("postgres", "elasticsearch", "web"):
        assert services[name]["healthcheck"]["test"], name
    assert services["web"]["command"] == ["gunicorn", "portal.wsgi"]
    assert services["worker"]["command"][:3] == ["python", "manage.py", "db_worker"]
    assert "migrate --noinput" in services["migrate"]["command"][-1]
    assert "load_demo" in services["migrate"]["command"][-1]
    for name in ("web", "worker"):
        assert services[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )
    assert services["migrate"]["depends_on"]["elasticsearch"]["condition"] == "service_healthy"
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_compose_app_services_share_settings_and_data(compose):
    services = compose["services"]
    for name in ("migrate", "web", "worker"):
        env = services[name]["environment"]
        assert env["DJANGO_SETTINGS_MODULE"] == "portal.settings.production"
        assert (
            env["DATABASE_URL"].startswith("postgres://")
            and "@postgres:5432/" in env["DATABASE_URL"]
        )
        assert env["ELASTICSEARCH_URL"] == "http://elasticsearch:9200"
        assert env["TASKS_BACKEND"] == "database"
        assert env["PRIVATE_MEDIA_ROOT"] == "/data/private"
        assert env["SECRET_KEY"].startswith("${SECRET_KEY:?")
        mounts = dict(v.split(":", 1) for v in services[name]["volumes"])
        assert mounts == {"media": "/data/media", "private": "/data/private", "var": "/app/var"}
    assert {"pgdata", "esdata", "media", "private", "var"} <= set(compose["volumes"])
    assert "pgdata:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    assert "esdata:/usr/share/elasticsearch/data" in services["elasticsearch"]["volumes"]


def test_dockerfile_builds_fonts_and_runs_as_a_user():
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    stages = re.findall(r"^FROM (\S+)", text, flags=re.MULTILINE)
    assert stages[-1] == "python:3.11-slim" and stages[0].startswith("node:")
    assert "npm ci" in text and "COPY --from=fonts /app/node_modules" in text
    assert "pip install -r requirements.txt" in text
    assert "collectstatic --noinput" in text
    assert re.search(r"^USER app$", text, flags=re.MULTILINE)
    assert text.index("collectstatic") < text.index("USER app")
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".git", ".venv", "node_modules", "var"} <= set(ignored)


def test_requirements_pin_what_production_runs():
    pinned = dict(
        line.split("==", 1)
        for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
        if "==" in line and not line.startswith("#")
    )
    for package in ("gunicorn", "whitenoise", "django-tasks-db"):
        assert package in pinned, package
