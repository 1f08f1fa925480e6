"""Browser tests: Playwright driving Debian's chromium against the live test server.

The fixtures (``browser``, ``page``, ``screenshot``) live in tests/conftest.py, shared by
every folder that drives a browser."""

from tests.conftest import ARTIFACTS, CHROMIUM

__all__ = ["ARTIFACTS", "CHROMIUM"]
