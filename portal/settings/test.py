"""Settings for `make test`: fast hashing, local cache, immediate tasks."""

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-only-not-secret"  # noqa: S105
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    # A connection left inside a transaction (a live-server thread whose request never
    # finished) would hold its locks for good, and the next test's flush would wait on
    # them for ever: PostgreSQL ends such a session after five minutes, and a statement
    # gives up a lock wait after two, with an error that says what it waited for.
    DATABASES["default"]["OPTIONS"]["options"] += (  # noqa: F405
        " -c idle_in_transaction_session_timeout=300s -c lock_timeout=120s"
    )
