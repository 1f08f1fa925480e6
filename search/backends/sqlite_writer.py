"""The connection a rebuild of the SQLite index writes through, in a thread of its own.

A rebuild spends its time in two places: preparing documents in Python (jieba,
bigrams, JSON) and SQLite inserting them (FTS5 tokenizing, merging, B-trees). sqlite3
releases the GIL while a statement runs, so the two overlap when the statements run
in another thread — but only if the thread that prepares does not need the same
connection meanwhile (it reads the catalogue: statuses, batches), since a connection
runs one statement at a time. So the writer has a connection of its own and its own
transaction (``BEGIN IMMEDIATE`` … ``COMMIT``), opened with the Django connection's
parameters (pragmas, WAL, busy timeout).

Inside a transaction already open on the Django connection (a caller's ``atomic()``,
autocommit turned off, tests), a second connection could not see that transaction's
rows and would wait for its lock: the writer then runs each statement at once, in the
calling thread, on the Django connection and in the caller's transaction (correct,
without the overlap).

Work is submitted in order and runs in order; ``call`` waits for its result; at most
``MAX_PENDING`` submissions wait, so memory stays a few batches whatever the size.
"""

import concurrent.futures
import contextlib

from django.db import transaction
from django.db.backends.sqlite3.base import SQLiteCursorWrapper

MAX_PENDING = 2


class Writer:
    def __init__(self, db):
        self.db = db
        self.pending: list[concurrent.futures.Future] = []
        #: The writer thread; None when statements run at once in the caller's transaction.
        self.pool = None
        self.connection = None

    def submit(self, fn, *args) -> concurrent.futures.Future:
        """Run ``fn(cursor, *args)`` in the writer thread, after what came before."""
        if self.pool is None:
            future = concurrent.futures.Future()
            future.set_result(self._run(fn, *args))
            return future
        while len(self.pending) >= MAX_PENDING:
            self.pending.pop(0).result()
        future = self.pool.submit(self._run, fn, *args)
        self.pending.append(future)
        return future

    def call(self, fn, *args):
        """Like ``submit``, and wait for the result."""
        return self.submit(fn, *args).result()

    def _run(self, fn, *args):
        # Django's cursor class for SQLite: statements are written with %s, as for
        # Django's own cursors (which ``update`` uses).
        cursor = self.connection.cursor(factory=SQLiteCursorWrapper)
        try:
            return fn(cursor, *args)
        finally:
            cursor.close()

    @contextlib.contextmanager
    def session(self):
        """One transaction, committed when the block ends without error (after every
        submission has run), rolled back otherwise."""
        db = self.db
        db.ensure_connection()
        if db.in_atomic_block or not db.get_autocommit() or db.is_in_memory_db():
            with transaction.atomic(using=db.alias):
                self.connection = db.connection
                yield self
            return
        self.connection = db.get_new_connection(db.get_connection_params())
        self.connection.isolation_level = None  # transactions are ours
        try:
            with concurrent.futures.ThreadPoolExecutor(1, "search-index-writer") as self.pool:
                self.call(lambda cur: cur.execute("BEGIN IMMEDIATE"))
                try:
                    yield self
                    for future in self.pending:
                        future.result()
                    self.pending.clear()
                except BaseException:
                    # The transaction may end only once the writer is idle.
                    for future in self.pending:
                        future.cancel()
                    concurrent.futures.wait(self.pending)
                    self.pending.clear()
                    if self.connection.in_transaction:
                        self.call(lambda cur: cur.execute("ROLLBACK"))
                    raise
                self.call(lambda cur: cur.execute("COMMIT"))
        finally:
            self.connection.close()
