"""``search_drift``: database and engine compared, drift reported and repaired.

Against the suite's real embedded engine (SQLite FTS5, or PostgreSQL): index rows are
deleted and altered with SQL behind the backend's back, and catalogue rows are changed
with queryset updates that send no signal.
"""

import io
import json

from django.core.management import CommandError, call_command
from django.db import connection

import pytest
from haystack.query import SearchQuerySet

from standards.models import Standard

pytestmark = pytest.mark.usefixtures("chain_catalogue")


def drift(*args):
    out = io.StringIO()
    call_command("search_drift", *args, stdout=out)
    return json.loads(out.getvalue())


def doc_id(number):
    return f"standards.standard.{Standard.objects.get(number=number).pk}"


def delete_document(identifier):
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute("SELECT rowid FROM search_doc WHERE doc_id = %s", [identifier])
            (rowid,) = cur.fetchone()
            for table, column in (
                ("search_fts", "rowid"),
                ("search_term", "doc"),
                ("search_doc", "rowid"),
            ):
                cur.execute(f"DELETE FROM {table} WHERE {column} = %s", [rowid])  # noqa: S608
        else:
            cur.execute(
                "DELETE FROM search_term WHERE doc IN "
                "(SELECT id FROM search_doc WHERE doc_id = %s)",
                [identifier],
            )
            cur.execute("DELETE FROM search_doc WHERE doc_id = %s", [identifier])


def alter_stored_title(identifier, title):
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute(
                "UPDATE search_doc SET data = json_set(data, '$.title', %s) WHERE doc_id = %s",
                [title, identifier],
            )
        else:
            cur.execute(
                "UPDATE search_doc SET data = jsonb_set(data, '{title}', to_jsonb(%s::text)) "
                "WHERE doc_id = %s",
                [title, identifier],
            )
        assert cur.rowcount == 1


def counts(report):
    return {k: report[k]["count"] for k in ("missing", "stale", "orphaned")}


def test_a_fresh_index_has_no_drift():
    report = drift()
    assert counts(report) == {"missing": 0, "stale": 0, "orphaned": 0}
    std = report["models"]["standards.standard"]
    assert std["listed"] == std["in_engine"] == Standard.objects.listed().count()
    assert report["queued"] == 0


def test_drift_is_reported_and_repaired():
    missing = doc_id("GB 2760-2024")
    stale_in_engine = doc_id("GB/T 19580-2012")
    stale_in_db = doc_id("YY 0055-2018")
    orphan = doc_id("GB/T 14833-1993")
    delete_document(missing)
    alter_stored_title(stale_in_engine, "被篡改的标题")
    Standard.objects.filter(number="YY 0055-2018").update(title="牙科学 光固化机（新名称）")
    Standard.objects.filter(number="GB/T 14833-1993").update(placeholder=True)  # unlisted

    report = drift("--sample", "5")
    assert counts(report) == {"missing": 1, "stale": 2, "orphaned": 1}
    assert report["missing"]["sample"] == [missing]
    assert sorted(report["stale"]["sample"]) == sorted([stale_in_engine, stale_in_db])
    assert report["orphaned"]["sample"] == [orphan]
    assert "repaired" not in report
    # Reporting changes nothing.
    assert counts(drift()) == counts(report)

    fixed = drift("--repair")
    assert fixed["repaired"] == {"updated": 3, "removed": 1}
    assert counts(drift()) == {"missing": 0, "stale": 0, "orphaned": 0}
    titles = {r.pk: r.title for r in SearchQuerySet().models(Standard)}
    assert titles[stale_in_db.rsplit(".", 1)[1]] == "牙科学 光固化机（新名称）"
    assert titles[stale_in_engine.rsplit(".", 1)[1]] == "卓越绩效评价准则"
    assert missing.rsplit(".", 1)[1] in titles and orphan.rsplit(".", 1)[1] not in titles


def test_one_model_only():
    delete_document(doc_id("GB 2760-2024"))
    report = drift("--model", "standards.standard")
    assert list(report["models"]) == ["standards.standard"]
    assert report["missing"]["count"] == 1
    with pytest.raises(CommandError):
        drift("--model", "standards.supersession")
