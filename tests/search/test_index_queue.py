"""Nothing lost: index writes through the durable queue and django-tasks.

The engine that is down is a real network failure: haystack's connection points at a
TCP port nobody listens on (127.0.0.1:9). With the project's Elasticsearch backend
installed (search/backends/elasticsearch.py) that backend is used; a minimal haystack
backend whose writes open a TCP connection to the same port is always tested too.
The engine that is back is the suite's own embedded engine (SQLite FTS5, or PostgreSQL
when DATABASE_URL points at it): replay writes real documents there.
"""

import contextlib
import importlib.util
import os
import socket
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

import pytest
from haystack import connections
from haystack.backends import BaseEngine, BaseSearchBackend, BaseSearchQuery
from haystack.query import SearchQuerySet

from search.indexing import queue_enabled, replay
from search.models import IndexQueue, IndexReplayLock
from search.tasks import replay_index_queue
from standards.models import Standard

REFUSED = ("127.0.0.1", 9)
EMBEDDED = dict(settings.HAYSTACK_CONNECTIONS["default"])


class RefusedBackend(BaseSearchBackend):
    """A search engine that is down: every write opens a TCP connection to a port
    nobody listens on, and fails as a real client would (ConnectionRefusedError)."""

    def _connect(self):
        with socket.create_connection(REFUSED, timeout=2):
            pass  # pragma: no cover — only if something listens on port 9

    def update(self, index, iterable, commit=True):
        list(iterable)
        self._connect()

    def remove(self, obj_or_string, commit=True):
        self._connect()

    def clear(self, models=None, commit=True):
        self._connect()

    def search(self, query_string, **kwargs):
        self._connect()


class RefusedEngine(BaseEngine):
    backend = RefusedBackend
    query = BaseSearchQuery


HAS_ES_BACKEND = importlib.util.find_spec("search.backends.elasticsearch") is not None
ENGINES = {
    "refused-backend": {"ENGINE": f"{__name__}.RefusedEngine"},
    "elasticsearch": {
        "ENGINE": "search.backends.elasticsearch.ElasticsearchEngine",
        "URL": f"http://{REFUSED[0]}:{REFUSED[1]}",
        "INDEX_NAME": "test-refused",
        "TIMEOUT": 2,
    },
}


@contextlib.contextmanager
def engine(options):
    """Point haystack's default connection at another engine (this thread).

    haystack takes the engine class from its handler and the options from settings."""
    saved = connections.connections_info
    swapped = {**saved, "default": dict(options)}
    try:
        with override_settings(HAYSTACK_CONNECTIONS=swapped):
            connections.connections_info = swapped
            connections.reload("default")
            yield
    finally:
        connections.connections_info = saved
        connections.reload("default")


@pytest.fixture(
    params=[
        "refused-backend",
        pytest.param(
            "elasticsearch",
            marks=pytest.mark.skipif(
                not HAS_ES_BACKEND, reason="search/backends/elasticsearch.py is not there yet"
            ),
        ),
    ]
)
def engine_down(request):
    with contextlib.suppress(OSError), socket.create_connection(REFUSED, timeout=1):
        pytest.skip("something listens on 127.0.0.1:9")
    with engine(ENGINES[request.param]):
        yield request.param


def indexed_title(pk):
    """The title the (embedded) engine holds for a standard, or None."""
    results = list(SearchQuerySet().models(Standard).filter(django_id__in=[str(pk)]))
    return results[0].title if results else None


def gb2760():
    return Standard.objects.get(number="GB 2760-2024")


@pytest.mark.usefixtures("chain_catalogue")
def test_embedded_engine_writes_in_the_transaction_without_queue():
    assert not queue_enabled()
    std = gb2760()
    with transaction.atomic():
        std.title = "食品安全国家标准 食品添加剂使用标准（修订）"
        std.save()
        assert indexed_title(std.pk) == std.title  # same transaction
    assert not IndexQueue.objects.exists()


@pytest.mark.usefixtures("chain_catalogue")
def test_save_succeeds_while_engine_is_down_then_replays(
    engine_down, django_capture_on_commit_callbacks
):
    std = gb2760()
    old_title = std.title
    assert queue_enabled()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            std.title = "食品安全国家标准 食品添加剂使用标准 第2版"
            std.save()  # never fails because the engine is down
            entry = IndexQueue.objects.get()  # written in the data's transaction
            assert (entry.model, entry.object_id) == ("standards.standard", str(std.pk))
    assert len(callbacks) == 1  # the replay task, enqueued on commit (immediate backend)
    Standard.objects.get(pk=std.pk, title__endswith="第2版")
    entry = IndexQueue.objects.get()
    assert entry.attempts == 1 and entry.next_attempt > timezone.now()
    assert "Connection" in entry.last_error or "refused" in entry.last_error.lower()

    # The engine is back: the suite's embedded engine, reached through the queue.
    with engine({**EMBEDDED}), override_settings(SEARCH_INDEX_QUEUE=True):
        assert indexed_title(std.pk) == old_title  # not written while the engine was down
        assert replay_index_queue.enqueue().return_value["replayed"] == 0  # in its backoff
        IndexQueue.objects.update(next_attempt=timezone.now())  # the backoff is over
        result = replay_index_queue.enqueue()  # the retry
        assert result.return_value["replayed"] == 1, result.return_value
        assert not IndexQueue.objects.exists()
        assert indexed_title(std.pk) == std.title


@pytest.mark.usefixtures("chain_catalogue")
def test_import_and_delete_are_queued_and_replayed(
    engine_down, import_records, django_capture_on_commit_callbacks
):
    records = [
        {"number": "GB/T 50001-2020", "title": "排队测试 冰雪运动场地", "status": "current"},
        {"number": "GB/T 50002-2021", "title": "排队测试 滑雪场安全", "status": "current"},
    ]
    with django_capture_on_commit_callbacks(execute=True):
        import_records(records, name="queued.jsonl")  # the importer's batch path
    new = Standard.objects.filter(number__in=["GB/T 50001-2020", "GB/T 50002-2021"])
    assert new.count() == 2
    queued = set(IndexQueue.objects.values_list("object_id", flat=True))
    assert {str(pk) for pk in new.values_list("pk", flat=True)} <= queued

    old = Standard.objects.get(number="GB/T 14833-1993")
    old_pk = old.pk
    with django_capture_on_commit_callbacks(execute=True):
        old.delete()
    assert IndexQueue.objects.filter(object_id=str(old_pk), action="remove").exists()

    with engine({**EMBEDDED}), override_settings(SEARCH_INDEX_QUEUE=True):
        assert indexed_title(old_pk) == "塑胶跑道"  # still there: the engine missed it
        stats = replay(force=True)
        assert stats["failed"] == 0 and stats["pending"] == 0
        assert indexed_title(old_pk) is None
        for std in new:
            assert indexed_title(std.pk) == std.title


@pytest.mark.usefixtures("chain_catalogue")
def test_rolled_back_save_leaves_nothing_queued(engine_down, django_capture_on_commit_callbacks):
    std = gb2760()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with contextlib.suppress(RuntimeError), transaction.atomic():
            std.title = "不会保存"
            std.save()
            raise RuntimeError("rollback")
    assert callbacks == [] and not IndexQueue.objects.exists()


@pytest.mark.usefixtures("chain_catalogue")
def test_one_replay_task_per_transaction(engine_down, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with transaction.atomic():
            for std in Standard.objects.all()[:3]:
                std.save()
    assert len(callbacks) == 1
    assert IndexQueue.objects.count() == 3


@pytest.mark.usefixtures("chain_catalogue")
def test_backoff_then_everything_replays_once_the_engine_answers():
    """Entries that failed wait for their backoff, unless the engine has just taken a
    batch (it is up again): then they all go."""
    std = gb2760()
    other = Standard.objects.get(number="GB/T 19580-2012")
    later = timezone.now() + timezone.timedelta(minutes=10)
    with override_settings(SEARCH_INDEX_QUEUE=True):
        IndexQueue.objects.create(
            model="standards.standard",
            object_id=str(std.pk),
            attempts=3,
            next_attempt=later,
            last_error="ConnectionError",
        )
        assert replay()["replayed"] == 0  # not due yet, nothing proves the engine is up
        assert IndexQueue.objects.count() == 1
        IndexQueue.objects.create(model="standards.standard", object_id=str(other.pk))
        stats = replay()
        assert stats["replayed"] == 2 and stats["pending"] == 0


@pytest.mark.usefixtures("chain_catalogue")
def test_a_held_lease_defers_to_its_holder_and_an_expired_one_is_taken_over():
    std = gb2760()
    with override_settings(SEARCH_INDEX_QUEUE=True):
        IndexQueue.objects.create(model="standards.standard", object_id=str(std.pk))
        IndexReplayLock.objects.create(
            using="default",
            holder="other-worker",
            expires=timezone.now() + timezone.timedelta(minutes=5),
        )
        stats = replay()
        assert stats["locked"] and stats["pending"] == 1
        IndexReplayLock.objects.filter(using="default").update(
            expires=timezone.now() - timezone.timedelta(seconds=1)
        )
        stats = replay()
        assert not stats["locked"] and stats["replayed"] == 1 and stats["pending"] == 0
        assert IndexReplayLock.objects.get(using="default").holder == ""


@pytest.mark.usefixtures("chain_catalogue")
def test_entries_of_objects_no_longer_listed_remove_their_documents():
    """Replay is by state: an object that left the index's queryset is removed."""
    std = Standard.objects.get(number="GB/T 19580-2012")
    assert indexed_title(std.pk)
    Standard.objects.filter(pk=std.pk).update(placeholder=True)  # no signal
    with override_settings(SEARCH_INDEX_QUEUE=True):
        IndexQueue.objects.create(model="standards.standard", object_id=str(std.pk))
        assert replay()["replayed"] == 1
    assert indexed_title(std.pk) is None


def test_db_worker_replays_the_queue_and_retries_while_elasticsearch_is_down(tmp_path):
    """The at-scale way, end to end in subprocesses: TASKS_BACKEND=database, saves queue
    in the database and ``manage.py db_worker`` (django-tasks-db) runs the replay task.

    1. engine up (the embedded one, queue forced): the worker replays the save;
    2. ELASTICSEARCH_URL at a port nobody listens on (the project's ES backend, a real
       connection failure): the save succeeds, the worker's replay fails, the entry
       stays queued and exactly one deferred retry task is scheduled;
    3. the engine is back and the retry is due: the worker replays, the queue is empty.
    """
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        pytest.skip("runs on its own SQLite file; the queue itself is tested above")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'worker.sqlite3'}",
        "TASKS_BACKEND": "database",
        "SEARCH_INDEX_QUEUE": "1",
    }
    env.pop("ELASTICSEARCH_URL", None)
    es_down = {**env, "ELASTICSEARCH_URL": f"http://{REFUSED[0]}:{REFUSED[1]}"}
    manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
    setup = (
        "import django; django.setup()\n"
        "from django.db import transaction\n"
        "from django.utils import timezone\n"
        "from django_tasks_db.models import DBTaskResult\n"
        "from haystack.query import SearchQuerySet\n"
        "from search.models import IndexQueue\n"
        "from standards.models import Standard\n"
        "def state(text):\n"
        "    tasks = sorted(DBTaskResult.objects.values_list('status', flat=True))\n"
        "    found = [r.title for r in SearchQuerySet().filter(content=text)]\n"
        "    print(IndexQueue.objects.count(), ','.join(tasks), found, sep='|')\n"
    )

    def run(*args, code=None, environ=env):
        cmd = [*manage, *args] if code is None else [sys.executable, "-c", setup + code]
        out = subprocess.run(
            cmd, env=environ, cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=300
        )
        assert out.returncode == 0, out.stderr[-3000:]
        return out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""

    def worker(environ=env):
        run("db_worker", "--batch", "--interval", "0", "--no-startup-delay", "-v0", environ=environ)

    run("migrate", "--noinput", "-v0")
    save = (
        "with transaction.atomic():\n"
        "    Standard.objects.create(number='GB {n}-2024', title='{title}')\n"
        "state('{title}')\n"
    )
    # 1. The engine is up.
    assert run(code=save.format(n=99991, title="工人测试标准")) == "1|READY|[]"
    worker()
    assert run(code="state('工人测试')") == "0|SUCCESSFUL|['工人测试标准']"

    # 2. Elasticsearch cannot be reached: the save succeeds, the entry stays.
    if not HAS_ES_BACKEND:
        pytest.skip("search/backends/elasticsearch.py is not there yet")
    assert (
        run(code="print('saved')\n" + save.format(n=99992, title="停机测试标准"), environ=es_down)
        == "1|READY,SUCCESSFUL|[]"
    )
    worker(environ=es_down)
    out = run(
        code="e = IndexQueue.objects.get()\n"
        "retry = DBTaskResult.objects.get(status='READY')\n"
        "print(e.attempts, 'cannot be reached' in e.last_error, e.next_attempt > timezone.now(),\n"
        "      retry.run_after >= e.next_attempt, DBTaskResult.objects.count(), sep='|')\n",
        environ=es_down,
    )
    assert out == "1|True|True|True|3"  # two done (one replayed, one failed), one retry

    # 3. The engine is back and the retry is due.
    worker_due = (
        "IndexQueue.objects.update(next_attempt=timezone.now())\n"
        "DBTaskResult.objects.filter(status='READY').update(run_after=timezone.now())\n"
        "print('due')\n"
    )
    run(code=worker_due)
    worker()
    assert run(code="state('停机测试')") == "0|SUCCESSFUL,SUCCESSFUL,SUCCESSFUL|['停机测试标准']"
