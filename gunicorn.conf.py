"""gunicorn settings for 标准馆 (read from the working directory: `gunicorn portal.wsgi`).

Every value can be changed by environment variable; gunicorn's own GUNICORN_CMD_ARGS
works too. The docker-compose ``web`` service runs exactly `gunicorn portal.wsgi`.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
#: Sync workers: requests are short and CPU-bound (search, 查新); two per core and one.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
#: 查新 of 5,000 references or a large upload may take seconds, never a minute.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
#: Recycle workers now and then (jieba's caches grow with the vocabulary seen).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
#: Load the application once in the master, so workers share its memory.
preload_app = True
#: Heartbeat files in memory, not on a container's overlay file system.
SHM = "/dev/shm"  # noqa: S108 — gunicorn's documented choice for containers
worker_tmp_dir = SHM if os.path.isdir(SHM) else None
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
#: The reverse proxy's address, for X-Forwarded-* (Django itself trusts
#: PROXY_SSL_HEADER, see portal/settings/production.py).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def when_ready(server):
    """Load jieba's dictionaries once, before the workers fork (copy-on-write)."""
    try:
        from search import tokenize

        tokenize.words("标准馆 检索 预热")
    except Exception as exc:  # noqa: BLE001 — a cold tokenizer is slower, not broken
        server.log.warning("jieba warm-up skipped: %s", exc)
