"""The durable index queue: pending search-engine writes, kept in the data's database.

Used when the search engine is outside the database (Elasticsearch): a save records
which object changed in the same transaction as the data, and a django-tasks task
replays the queue into the engine after commit (``search.indexing``). An entry is
deleted only once the engine has confirmed the write, so nothing is lost while the
engine is down. The embedded engines (SQLite FTS5, PostgreSQL) write in the
transaction itself and never use the queue.
"""

from django.db import models
from django.utils import timezone


class IndexQueue(models.Model):
    """One pending change: re-read this object and update (or remove) its document."""

    class Action(models.TextChoices):
        UPDATE = "update", "update"
        REMOVE = "remove", "remove"

    #: haystack connection alias the change is for.
    using = models.CharField(max_length=64, default="default")
    #: ``app_label.model_name`` of the indexed model.
    model = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64)
    #: What the save asked for; replay decides from the object's state at replay time
    #: (in the index's queryset: update; gone or no longer listed: remove).
    action = models.CharField(max_length=8, choices=Action.choices, default=Action.UPDATE)
    queued_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    #: Entries that failed wait until then (backoff) unless the engine is known to be up.
    next_attempt = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["using", "next_attempt"], name="search_queue_due")]
        verbose_name = "index queue entry"
        verbose_name_plural = "index queue"

    def __str__(self):
        return f"{self.action} {self.identifier}"

    @property
    def identifier(self) -> str:
        """haystack's document identifier (``standards.standard.42``)."""
        return f"{self.model}.{self.object_id}"


class IndexReplayLock(models.Model):
    """A lease so that one replay runs at a time per connection.

    Two replays of the same object racing could write an older state after a newer
    one; the lease (taken by a conditional UPDATE, so it works on any database)
    serialises them. It expires, so a crashed worker never blocks the queue for long.
    """

    using = models.CharField(max_length=64, primary_key=True)
    holder = models.CharField(max_length=64, blank=True)
    expires = models.DateTimeField(null=True, blank=True)
    #: When a deferred retry task is already scheduled (one at a time, not one per save).
    retry_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.using}: {self.holder or 'free'}"
