"""A rebuild of the SQLite index on a database file writes through a connection and a
thread of its own (``search.backends.sqlite_writer``), in one transaction: readers keep
the old index until the commit, a failure — in the caller or in the writer thread —
leaves the old index as it was, and the result is the index a plain rebuild gives."""

import sqlite3

import pytest
from haystack import connections as search_connections

from search import bench
from search.backends import sqlite_fts
from search.services import search_standards
from standards.models import Standard
from tests.conftest import sqlite_only

pytestmark = sqlite_only("the writer thread belongs to the SQLite backend")

N = 400


@pytest.fixture
def catalogue(tmp_path, django_db_blocker):
    """A catalogue of N standards in its own database file, indexed once."""
    path = tmp_path / "catalogue.sqlite3"
    with django_db_blocker.unblock(), bench.throwaway_catalogue(path):
        generator = bench.CatalogueGenerator(bench.load_vocabulary(), bench.load_ics_codes(), 5)
        bench.insert_catalogue(generator, N, bench.ALIAS)
        backend = search_connections[bench.ALIAS].get_backend()
        rebuild(backend)
        yield path, backend


def rebuild(backend, batch_size=100) -> int:
    """``rebuild`` for the standards alone (the throwaway database has no declarations)."""
    standards = list(index_of(backend).index_queryset(using=bench.ALIAS).order_by("pk"))
    with backend.bulk() as add:
        return sum(
            add(index_of(backend), standards[i : i + batch_size])
            for i in range(0, len(standards), batch_size)
        )


def documents(path) -> int:
    """What another connection (another process's reader) sees committed."""
    with sqlite3.connect(path) as reader:
        return reader.execute("SELECT COUNT(*) FROM search_doc").fetchone()[0]


def fts_rows(path) -> int:
    with sqlite3.connect(path) as reader:
        return reader.execute("SELECT COUNT(*) FROM search_fts").fetchone()[0]


def index_of(backend):
    return search_connections[backend.connection_alias].get_unified_index().get_index(Standard)


def test_a_rebuild_writes_on_its_own_connection_and_commits_once(catalogue):
    path, backend = catalogue
    assert documents(path) == N
    standards = list(Standard.objects.using(bench.ALIAS).order_by("pk")[:50])
    with backend.bulk() as add:
        add(index_of(backend), standards)
        # Written by the writer's transaction, not committed: readers see the old index.
        assert documents(path) == N
    assert documents(path) == 50 == fts_rows(path)
    assert rebuild(backend) == N
    assert documents(path) == N == fts_rows(path)
    found = search_standards(standards[0].number, page_size=5, facets=False)
    assert found.results[0].number == standards[0].number


def test_a_failure_in_the_caller_leaves_the_old_index(catalogue):
    path, backend = catalogue
    standards = list(Standard.objects.using(bench.ALIAS).order_by("pk")[:50])
    with pytest.raises(RuntimeError), backend.bulk() as add:
        add(index_of(backend), standards)
        raise RuntimeError("the caller failed half way")
    assert documents(path) == N == fts_rows(path)
    assert search_standards("", page_size=1, facets=False).count == N


def test_a_failure_in_the_writer_thread_reaches_the_caller_and_leaves_the_old_index(
    catalogue, monkeypatch
):
    path, backend = catalogue
    calls = []
    insert = sqlite_fts.FTSSearchBackend._insert

    def failing(cur, *args):
        calls.append(1)
        if len(calls) == 2:
            cur.execute("INSERT INTO no_such_table VALUES (1)")
        return insert(cur, *args)

    monkeypatch.setattr(sqlite_fts.FTSSearchBackend, "_insert", staticmethod(failing))
    with pytest.raises(sqlite3.OperationalError, match="no_such_table"):
        rebuild(backend)
    assert documents(path) == N == fts_rows(path)
    assert search_standards("", page_size=1, facets=False).count == N


def snapshot(path):
    """Every document with its full-text columns, and every term, by document id."""
    with sqlite3.connect(path) as reader:
        documents = reader.execute(
            "SELECT d.doc_id, d.rowid, d.data, f.number, f.title_words, f.title_grams, "
            "f.body_grams FROM search_doc d JOIN search_fts f ON f.rowid = d.rowid "
            "ORDER BY d.doc_id"
        ).fetchall()
        terms = reader.execute(
            "SELECT d.doc_id, t.field, t.value FROM search_term t "
            "JOIN search_doc d ON d.rowid = t.doc ORDER BY 1, 2, 3"
        ).fetchall()
    return documents, terms


def test_the_threaded_rebuild_gives_the_same_index_as_row_by_row_updates(catalogue):
    path, backend = catalogue
    rebuilt = snapshot(path)
    assert len(rebuilt[0]) == N and rebuilt[1]
    backend.clear()
    index = index_of(backend)
    for standard in Standard.objects.using(bench.ALIAS).order_by("-pk"):
        backend.update(index, [standard])
    assert snapshot(path) == rebuilt
