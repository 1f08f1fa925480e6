"""Production: every secret comes from the environment; a missing one stops start-up.

`python manage.py check --deploy` passes with no warnings given SECRET_KEY and
ALLOWED_HOSTS (tests/portal/test_production.py). Environment variables, besides those
of base.py (DATABASE_URL, ELASTICSEARCH_URL, PRIVATE_MEDIA_ROOT, TASKS_BACKEND …):

SECRET_KEY, ALLOWED_HOSTS       required; hosts comma-separated
CSRF_TRUSTED_ORIGINS            comma-separated origins (https://biaozhun.example.cn)
SECURE_SSL_REDIRECT             1 (default): redirect http to https; 0 when a proxy does it
                                or for a local stack on plain http
PROXY_SSL_HEADER                header a TLS-terminating proxy sets (default
                                X-Forwarded-Proto); empty when nothing sits in front of
                                gunicorn — the header could then be forged
SECURE_HSTS_SECONDS             default one year; SECURE_HSTS_PRELOAD=1 to ask for preload
STATIC_ROOT, MEDIA_ROOT         where collectstatic writes, where public uploads live
"""

import os
from pathlib import Path

from .base import *  # noqa: F403
from .base import BASE_DIR, MIDDLEWARE


def _flag(name: str, default: str) -> bool:
    return os.environ.get(name, default).strip().lower() in {"1", "true", "yes", "on"}


def _list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


DEBUG = False
SECRET_KEY = os.environ["SECRET_KEY"]
ALLOWED_HOSTS = [h.strip() for h in os.environ["ALLOWED_HOSTS"].split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = _list("CSRF_TRUSTED_ORIGINS")

# HTTPS. Behind a reverse proxy that terminates TLS, Django learns the scheme from the
# proxy's header; the proxy must set (overwrite) it on every request.
_proxy_header = os.environ.get("PROXY_SSL_HEADER", "X-Forwarded-Proto").strip()
if _proxy_header:
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_header.upper().replace("-", "_"), "https")
SECURE_SSL_REDIRECT = _flag("SECURE_SSL_REDIRECT", "1")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = _flag("SECURE_HSTS_INCLUDE_SUBDOMAINS", "1")
SECURE_HSTS_PRELOAD = _flag("SECURE_HSTS_PRELOAD", "1")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Static files: collected at build time (`collectstatic`, the Dockerfile does it) and
# served by gunicorn through WhiteNoise — hashed names, gzip variants (fonts are woff2
# already), cached for a year. The CJK font (STATICFILES_DIRS:
# node_modules/@fontsource/noto-sans-sc after `npm ci`) is collected with the rest.
MIDDLEWARE = [*MIDDLEWARE]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "whitenoise.middleware.WhiteNoiseMiddleware",
)
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "var" / "static"))
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Sessions and the rate limits (DECLARATIONS_RATE_LIMITS) count in the cache: with
# several gunicorn workers a shared cache keeps the limits per site, not per worker.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "portal_cache",
    }
    if _flag("DATABASE_CACHE", "1")
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _flag("EMAIL_USE_TLS", "0")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "webmaster@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.security.DisallowedHost": {"level": "ERROR"}},
}
