"""Local development: `make run`."""

from .base import *  # noqa: F403

DEBUG = True
# Development only; production reads SECRET_KEY from the environment and fails without it.
SECRET_KEY = "dev-only-not-secret-8c1f0d3a"  # noqa: S105
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]
