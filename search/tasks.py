"""Background tasks of search (django-tasks).

With the database backend (``TASKS_BACKEND=database``) they run in
``python manage.py db_worker``; with the default immediate backend, at once in the
process that enqueued them.
"""

from django_tasks import task


@task()
def replay_index_queue(using: str = "default") -> dict:
    """Write the queued index changes of one haystack connection to its engine.

    Enqueued after each transaction that queued changes (``search.indexing``); entries
    the engine refuses stay queued and are retried (a deferred retry with the database
    backend, else the next replay). Returns counts: replayed, failed, pending."""
    from search.indexing import replay

    return replay(using=using)
