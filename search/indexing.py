"""Index writes outside the model signals, and the durable index queue.

Two ways an index write happens, chosen per haystack connection (``queue_enabled``):

* **in the transaction** — the embedded engines (SQLite FTS5, PostgreSQL tsvector)
  live in the data's own database: the write commits or rolls back with the save;
* **through the queue** — an engine outside the database (Elasticsearch), or
  ``SEARCH_INDEX_QUEUE = True``: the save records *which* object changed
  (``search.models.IndexQueue``) in its own transaction, and after commit a django-tasks
  task (``search.tasks.replay_index_queue``) replays the queue into the engine. An
  entry is deleted only after the engine confirmed the write; a failure leaves it
  queued with a backoff, and a save never fails because the engine is down.

Replay is by state, not by history: for each queued identifier the object is read again
from the index's queryset; present → its document is written, absent (deleted, or no
longer public) → its document is removed. So order and duplicates do not matter, and
one lease per connection (``IndexReplayLock``) keeps two replays from writing an older
state after a newer one.
"""

import contextlib
import datetime
import functools
import logging
import uuid
from collections import defaultdict

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from haystack import connections
from haystack.exceptions import NotHandled

logger = logging.getLogger(__name__)

#: Engines that write in the data's own database transaction: no queue needed.
IN_DATABASE_ENGINES = frozenset(
    {
        "search.backends.sqlite_fts.FTSEngine",
        "search.backends.postgres_fts.PostgresEngine",
    }
)
#: Queue entries replayed per engine call.
REPLAY_BATCH = 500
#: How long a replay may hold the lease without renewing it (renewed every batch).
LEASE = datetime.timedelta(minutes=5)
#: Backoff after the n-th failure: 30 s, 1 min, 2 min … at most 15 min.
BACKOFF_FIRST, BACKOFF_MAX = 30, 15 * 60
#: Rounds of "replay, release, look again" one task may run (entries that arrive while
#: the lease is held are picked up by the holder's next round).
ROUNDS = 5


def queue_enabled(using: str = "default") -> bool:
    """Whether index writes for this haystack connection go through the queue."""
    forced = getattr(settings, "SEARCH_INDEX_QUEUE", None)
    if forced is not None:
        return bool(forced)
    engine = connections.connections_info.get(using, {}).get("ENGINE", "")
    return engine not in IN_DATABASE_ENGINES


def model_label(model) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}"


def _index(model, using: str):
    try:
        return connections[using].get_unified_index().get_index(model)
    except NotHandled:
        return None


# -- writes from imports and services ----------------------------------------------
def update_objects(model, queryset, batch_size: int = 2000, using: str = "default") -> int:
    """Index (or re-index) every object of ``queryset``; returns how many are indexed.

    Through the queue when the connection uses one (then: how many of them the index
    lists, i.e. will be written on replay; the others are removed on replay)."""
    index = _index(model, using)
    if index is None:
        return 0
    ids = list(queryset.values_list("pk", flat=True))
    if queue_enabled(using):
        queue_change(model, ids, using=using)
        return sum(
            index.index_queryset(using=using).filter(pk__in=ids[i : i + batch_size]).count()
            for i in range(0, len(ids), batch_size)
        )
    backend = connections[using].get_backend()
    done = 0
    for start in range(0, len(ids), batch_size):
        chunk = index.index_queryset(using=using).filter(pk__in=ids[start : start + batch_size])
        objects = list(chunk)
        backend.update(index, objects)
        done += len(objects)
    return done


def remove_objects(model, pks, using: str = "default") -> None:
    pks = list(pks)
    if queue_enabled(using):
        queue_change(model, pks, using=using, action="remove")
        return
    backend = connections[using].get_backend()
    for pk in pks:
        backend.remove(f"{model_label(model)}.{pk}")


# -- the queue ---------------------------------------------------------------------
def queue_change(model, pks, using: str = "default", action: str = "update") -> int:
    """Record pending index writes in the current transaction; replay after commit."""
    from search.models import IndexQueue

    label = model_label(model)
    now = timezone.now()
    rows = [
        IndexQueue(
            using=using,
            model=label,
            object_id=str(pk),
            action=action,
            queued_at=now,
            next_attempt=now,
        )
        for pk in pks
        if pk is not None
    ]
    IndexQueue.objects.bulk_create(rows, batch_size=1000)
    if rows:
        schedule_replay(using)
    return len(rows)


def _enqueue_replay(using: str) -> None:
    from search.tasks import replay_index_queue

    replay_index_queue.enqueue(using=using)


def schedule_replay(using: str = "default") -> None:
    """Enqueue one replay task when the current transaction commits (once per
    transaction, however many objects it changed)."""
    conn = transaction.get_connection()
    if conn.in_atomic_block:
        for _sids, func, _robust in conn.run_on_commit:
            if getattr(func, "search_replay", None) == using:
                return
    callback = functools.partial(_enqueue_replay, using)
    callback.search_replay = using
    # robust: a task backend that cannot take the task leaves the entries queued for
    # the next replay; it never fails the save that already committed.
    transaction.on_commit(callback, robust=True)


def _backoff(attempts: int) -> datetime.timedelta:
    return datetime.timedelta(seconds=min(BACKOFF_FIRST * 2 ** max(attempts - 1, 0), BACKOFF_MAX))


def _acquire(using: str, holder: str) -> bool:
    from search.models import IndexReplayLock

    now = timezone.now()
    IndexReplayLock.objects.get_or_create(using=using)
    return bool(
        IndexReplayLock.objects.filter(using=using)
        .filter(models.Q(holder="") | models.Q(expires__lt=now) | models.Q(expires__isnull=True))
        .update(holder=holder, expires=now + LEASE)
    )


def _renew(using: str, holder: str) -> bool:
    """Extend the lease; False when it was lost (expired and taken by another)."""
    from search.models import IndexReplayLock

    return bool(
        IndexReplayLock.objects.filter(using=using, holder=holder).update(
            expires=timezone.now() + LEASE
        )
    )


def _release(using: str, holder: str) -> None:
    from search.models import IndexReplayLock

    IndexReplayLock.objects.filter(using=using, holder=holder).update(holder="", expires=None)


@contextlib.contextmanager
def strict(backend):
    """Make a haystack backend raise instead of logging and going on (haystack's
    ``SILENTLY_FAIL``): a queue entry must never be dropped after a failed write."""
    before = getattr(backend, "silently_fail", None)
    backend.silently_fail = False
    try:
        yield backend
    finally:
        backend.silently_fail = before


def sync_objects(model, pks, using: str = "default") -> tuple[int, int]:
    """Write the engine's documents for ``pks`` from the database's state, now:
    listed by the index → updated; otherwise → removed. Raises if the engine fails.
    Returns (updated, removed)."""
    conn = connections[using]
    index = _index(model, using)
    pks = [str(pk) for pk in pks]
    if index is None or not pks:
        return 0, 0
    objects = list(index.index_queryset(using=using).filter(pk__in=pks))
    present = {str(o.pk) for o in objects}
    gone = [pk for pk in dict.fromkeys(pks) if pk not in present]
    with strict(conn.get_backend()) as backend:
        if objects:
            backend.update(index, objects)
        for pk in gone:
            backend.remove(f"{model_label(model)}.{pk}")
    return len(objects), len(gone)


def _remove_identifiers(using: str, identifiers) -> None:
    with strict(connections[using].get_backend()) as backend:
        for identifier in identifiers:
            backend.remove(identifier)


def _apply(using: str, rows) -> None:
    by_model = defaultdict(list)
    for row in rows:
        by_model[row.model].append(row.object_id)
    for label, pks in by_model.items():
        try:
            model = apps.get_model(label)
        except (LookupError, ValueError):
            # A model that is no longer installed: its documents can only go.
            _remove_identifiers(using, [f"{label}.{pk}" for pk in pks])
            continue
        sync_objects(model, pks, using)


def _mark_failed(rows, exc: Exception) -> None:
    from search.models import IndexQueue

    now = timezone.now()
    error = f"{type(exc).__name__}: {exc}"[:2000]
    by_attempts = defaultdict(list)
    for row in rows:
        by_attempts[row.attempts + 1].append(row.pk)
    for attempts, ids in by_attempts.items():
        IndexQueue.objects.filter(pk__in=ids).update(
            attempts=attempts, next_attempt=now + _backoff(attempts), last_error=error
        )


def _replay_round(using: str, batch_size: int, engine_ok: bool, failed: set, stats: dict) -> None:
    from search.models import IndexQueue

    holder = stats["worker"]
    while True:
        if not _renew(using, holder):
            return
        pending = IndexQueue.objects.filter(using=using).exclude(pk__in=failed)
        if not engine_ok:
            pending = pending.filter(next_attempt__lte=timezone.now())
        rows = list(pending.order_by("id")[:batch_size])
        if not rows:
            return
        try:
            _apply(using, rows)
        except Exception as exc:  # noqa: BLE001 — any engine failure keeps the entries
            logger.warning("search index replay failed (%d entries kept): %s", len(rows), exc)
            _mark_failed(rows, exc)
            failed.update(r.pk for r in rows)
            stats["failed"] += len(rows)
            stats["error"] = f"{type(exc).__name__}: {exc}"[:500]
            if not engine_ok:
                return  # the engine is down: stop here, the backoff decides when to retry
            continue  # the engine works: these entries are the problem, go on with others
        IndexQueue.objects.filter(pk__in=[r.pk for r in rows]).delete()
        stats["replayed"] += len(rows)
        engine_ok = True  # the engine answers: entries waiting for their backoff go too


def replay(using: str = "default", batch_size: int = REPLAY_BATCH, force: bool = False) -> dict:
    """Write queued changes to the engine in batches; returns counts.

    Entries waiting for their backoff are skipped until the engine has taken a batch in
    this run (it is up again) or ``force``. When the lease is held by another replay,
    returns at once: the holder looks again after releasing it."""
    from search.models import IndexQueue

    stats = {"replayed": 0, "failed": 0, "pending": 0, "locked": False}
    stats["worker"] = uuid.uuid4().hex
    failed: set[int] = set()
    engine_ok = force
    for _ in range(ROUNDS):
        if not _acquire(using, stats["worker"]):
            stats["locked"] = True
            break
        try:
            _replay_round(using, batch_size, engine_ok, failed, stats)
            engine_ok = engine_ok or stats["replayed"] > 0
        finally:
            _release(using, stats["worker"])
        # Entries that arrived while we held the lease (their own task found it taken).
        due = IndexQueue.objects.filter(using=using).exclude(pk__in=failed)
        if not engine_ok:
            due = due.filter(next_attempt__lte=timezone.now())
        if not due.exists():
            break
    stats["pending"] = IndexQueue.objects.filter(using=using).count()
    del stats["worker"]
    if stats["pending"]:
        _schedule_retry(using, locked=stats["locked"])
    return stats


def _schedule_retry(using: str, locked: bool) -> None:
    """With a task backend that can defer (the database backend), schedule one retry
    at the earliest backoff (or the lease's expiry); never one per failed save."""
    from search.models import IndexQueue, IndexReplayLock
    from search.tasks import replay_index_queue

    try:
        if not replay_index_queue.get_backend().supports_defer:
            return  # immediate backend: the next save, or search_drift --repair, replays
        now = timezone.now()
        first = (
            IndexQueue.objects.filter(using=using)
            .aggregate(first=models.Min("next_attempt"))
            .get("first")
        )
        when = max(first or now, now + datetime.timedelta(seconds=5))
        if locked:
            lease = IndexReplayLock.objects.filter(using=using).values_list("expires", flat=True)
            when = max([when, *[e for e in lease if e]])
        claimed = (
            IndexReplayLock.objects.filter(using=using)
            .filter(models.Q(retry_at__isnull=True) | models.Q(retry_at__lte=now))
            .update(retry_at=when)
        )
        if claimed:
            replay_index_queue.using(run_after=when).enqueue(using=using)
    except Exception:  # noqa: BLE001 — a retry that cannot be scheduled waits for the next save
        logger.exception("could not schedule a search index replay retry")


def pending_count(using: str | None = None) -> int:
    from search.models import IndexQueue

    entries = IndexQueue.objects.all()
    if using:
        entries = entries.filter(using=using)
    return entries.count()
