"""The embedded FTS5 backend through haystack: the behaviour every backend must have.

Real SQLite, real jieba, real index tables in the test database.
"""

import io
import re

from django.core.management import call_command
from django.db import connection, transaction

import pytest
from haystack.query import SearchQuerySet

from search import search_indexes
from search.services import search_standards, suggest
from standards.models import Standard, Supersession
from tests.conftest import VENDOR, sqlite_only

pytestmark = pytest.mark.usefixtures("chain_catalogue")

EXTRA = [
    {
        "number": "GB/T 42061-2022",
        "title": "医疗器械 质量管理体系 用于法规的要求",
        "status": "current",
        "effective": "2023-11-01",
        "ics": ["03.120.10", "11.040.01"],
    },
    {
        "number": "YY/T 0287-2017",
        "title": "医疗器械 质量管理体系 用于法规的要求",
        "status": "superseded",
        "effective": "2017-05-01",
        "replaced_by": ["GB/T 42061-2022"],
    },
    {
        "number": "GB/T 20004.1-2016",
        "title": "团体标准化 第1部分：良好行为指南",
        "status": "current",
    },
    {
        "number": "T/CNGA 30-2021",
        "title": "滑雪服装",
        "status": "current",
        "scope": "规定了高山滑雪和单板滑雪服装的要求。",
    },
    {"number": "GB/T 40924-2021", "title": "单板滑雪靴 滑雪板固定器接口", "status": "current"},
    {
        "number": "QB/T 1234-2000",
        "title": "运动鞋",
        "status": "current",
        "scope": "适用于滑雪以外的各类运动鞋。",
    },
]


@pytest.fixture(autouse=True)
def extra(chain_catalogue, import_records):
    import_records(EXTRA, name="extra.jsonl")


def numbers(results):
    return [r.number for r in results]


def search(q, **kw):
    return numbers(search_standards(q, page_size=50, facets=False, **kw).results)


@pytest.mark.parametrize(
    "query",
    [
        "GB/T 42061-2022",
        "GB/T42061-2022",
        "gbt 42061—2022",
        "ＧＢ／Ｔ　４２０６１－２０２２",
        "42061",
        "gb/t 42061",
    ],
)
def test_number_in_any_written_form_is_first(query):
    assert search(query)[0] == "GB/T 42061-2022"


def test_undated_number_puts_the_edition_in_force_first():
    found = search("GB 2760")
    assert found[0] == "GB 2760-2024"
    assert set(found) == {f"GB 2760-{y}" for y in (1996, 2007, 2011, 2014, 2024)}
    # newer before older among the superseded ones
    assert found[1:] == ["GB 2760-2014", "GB 2760-2011", "GB 2760-2007", "GB 2760-1996"]


def test_dated_number_is_first_even_when_superseded():
    assert search("GB 2760-2011")[0] == "GB 2760-2011"


def test_part_numbers_and_serial_roots():
    assert search("20004.1")[0] == "GB/T 20004.1-2016"
    assert "GB/T 20004.1-2016" in search("20004")


def test_chinese_substring_recall_beyond_word_segmentation():
    # 雪板 is not a jieba word in 滑雪板, but a substring of the title
    assert "GB/T 40924-2021" in search("雪板")
    assert "GB/T 40924-2021" in search("板固定")


def test_title_matches_before_scope_matches():
    found = search("滑雪")
    assert found.index("QB/T 1234-2000") > found.index("T/CNGA 30-2021")
    assert found.index("QB/T 1234-2000") > found.index("GB/T 40924-2021")


def test_in_force_before_superseded_for_equal_text():
    found = search("质量管理体系")
    assert found[:2] == ["GB/T 42061-2022", "YY/T 0287-2017"]


def test_filters_and_facets():
    page = search_standards("", level="industry", page_size=50)
    assert set(numbers(page.results)) == {
        "YY 0055-2018",
        "YY 0055-2026",
        "YY/T 0287-2017",
        "QB/T 1234-2000",
    }
    page = search_standards("医疗器械", page_size=50)
    assert dict(page.facets["status"]) == {"current": 1, "superseded": 1}
    assert ("national", 1) in page.facets["level"]
    assert search("", status="withdrawn") == ["GB/T 14833-1993"]
    assert search("", year=2022) == ["GB/T 42061-2022"]
    # an ICS class finds its sub-classes
    assert search("", ics="11") == ["GB/T 42061-2022"]
    assert set(search("", ics="67.220")) == {"GB 2760-2014", "GB 2760-2024"}


def test_sorting():
    found = search("GB 2760", sort="oldest")
    assert found[0] == "GB 2760-1996" and found[-1] == "GB 2760-2024"
    found = search("GB 2760", sort="newest")
    assert found[0] == "GB 2760-2024"


def test_sorting_by_number_puts_numbers_in_numeric_order():
    everything = search("", sort="number")
    assert len(everything) == Standard.objects.listed().count()
    assert everything == sorted(everything, key=search_indexes.number_sort_key)
    # GB/T 20004 before GB/T 40924 before GB/T 42061; parts and editions in order.
    gbt = [n for n in everything if n.startswith("GB/T ")]
    assert gbt == sorted(gbt, key=lambda n: [int(x) for x in re.findall(r"\d+", n)])
    assert search("GB 2760", sort="number")[0] == "GB 2760-1996"


def test_number_sort_key():
    key = search_indexes.number_sort_key
    assert key("GB 2760-2014") < key("GB 10000-1988")
    assert key("GB/T 20004.1-2016") < key("GB/T 20004.2-2016") < key("GB/T 20004.10-2016")
    assert key("GB 2760-2014") < key("GB 2760.1-2014")
    assert key("DB2/T 1-2020") < key("DB11/T 1-2020")
    assert key("") == ""


def test_highlighting_is_escaped_and_marks_the_query():
    Standard.objects.filter(number="QB/T 1234-2000").update(title="运动鞋<script>x</script>")
    call_command("update_index", verbosity=0)
    page = search_standards("运动鞋", page_size=5)
    html = page.results[0].highlighted["text"][0]
    assert "<em>运动鞋</em>" in html and "<script>" not in html and "&lt;script&gt;" in html


def test_autocomplete_and_related():
    assert numbers(suggest("gb/t 420"))[0] == "GB/T 42061-2022"
    assert "GB/T 40924-2021" in numbers(suggest("滑雪板固"))
    related = numbers(
        SearchQuerySet().more_like_this(Standard.objects.get(number="GB/T 42061-2022"))
    )
    assert "YY/T 0287-2017" in related and "GB/T 42061-2022" not in related


def test_pagination():
    first = search_standards("", page=1, page_size=4, facets=False)
    second = search_standards("", page=2, page_size=4, facets=False)
    assert first.count == second.count == Standard.objects.listed().count()
    assert not set(numbers(first.results)) & set(numbers(second.results))
    beyond = search_standards("", page=999, page_size=4, facets=False)
    assert beyond.results == [] and beyond.count == first.count


@pytest.mark.parametrize(
    "query",
    [
        "",
        "器",
        "x" * 10_000,
        '"',
        "*",
        "AND",
        "NEAR(a b)",
        "^GB",
        "(医疗",
        "-器械",
        "医疗 OR 1=1",
        "'; DROP TABLE search_doc; --",
        "１２３ ＡＢＣ 器械",
        "😀😀",
        "滑雪🎿板",
        "\x00",
        "\\",
    ],
)
def test_hostile_and_odd_queries_never_fail(query):
    page = search_standards(query, page_size=5)
    assert page.count >= 0
    with connection.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM search_doc")
        assert cur.fetchone()[0] == Standard.objects.listed().count()


def test_long_query_is_cut_and_said_so():
    page = search_standards("滑雪" * 5000, page_size=5)
    assert page.truncated


def test_index_follows_saves_deletes_and_links():
    std = Standard.objects.create(number="GB 99999-2020", title="测试用防火门")
    assert search("防火门") == ["GB 99999-2020"]
    std.title = "测试用防盗门"
    std.save()
    assert search("防火门") == [] and search("防盗门") == ["GB 99999-2020"]
    new = Standard.objects.create(
        number="GB 99999-2025", title="测试用防盗门", effective="2025-01-01"
    )
    Supersession.objects.create(old=std, new=new)
    statuses = {r.number: r.status for r in search_standards("防盗门").results}
    assert statuses == {"GB 99999-2020": "superseded", "GB 99999-2025": "current"}
    new.delete()
    assert search("防盗门") == ["GB 99999-2020"]


@pytest.mark.django_db(transaction=True)
def test_rolled_back_save_leaves_no_trace_in_the_index():
    with pytest.raises(RuntimeError), transaction.atomic():
        Standard.objects.create(number="GB 88888-2020", title="回滚测试用安全帽")
        assert search("回滚测试") == ["GB 88888-2020"]  # visible inside the transaction
        raise RuntimeError
    assert search("回滚测试") == []
    assert not Standard.objects.filter(number="GB 88888-2020").exists()


def test_management_commands():
    out = io.StringIO()
    call_command("clear_index", interactive=False, stdout=out)
    assert search("滑雪") == []
    call_command("update_index", stdout=out, verbosity=0)
    assert "T/CNGA 30-2021" in search("滑雪")
    call_command("rebuild_index", interactive=False, stdout=out, verbosity=0)
    assert "T/CNGA 30-2021" in search("滑雪")
    with connection.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM search_doc")
        assert cur.fetchone()[0] == Standard.objects.listed().count()


def test_import_leaves_the_index_current(import_records):
    import_records(
        [{"number": "GB 77777-2024", "title": "导入即可检索的电动自行车"}], name="n.jsonl"
    )
    assert search("电动自行车") == ["GB 77777-2024"]


def test_a_bare_code_finds_its_standards():
    found = search("GB")
    assert "GB 2760-2024" in found and "YY 0055-2018" not in found
    assert set(search("yy")) == {"YY 0055-2018", "YY 0055-2026", "YY/T 0287-2017"}


def test_db_alone_finds_every_local_standard(import_records):
    import_records(
        [
            {"number": "DB11/T 1234-2020", "title": "公共体育场所安全管理规范"},
            {"number": "DB3301/T 0012-2019", "title": "全民健身路径建设规范"},
            # A title naming DB is not a local standard.
            {"number": "GB/T 99001-2024", "title": "DB 型连接器"},
        ],
        name="local.jsonl",
    )
    local = {"DB11/T 1234-2020", "DB3301/T 0012-2019"}
    for query in ("DB", "db", "ＤＢ", "DB/"):
        found = search(query)
        assert set(found[:2]) == local, query
    assert search("DB11") == ["DB11/T 1234-2020"]
    assert search("DB 健身") == ["DB3301/T 0012-2019"]


def test_fast_prepare_gives_what_haystacks_generic_prepare_gives():
    from haystack import connections
    from haystack.indexes import SearchIndex

    index = connections["default"].get_unified_index().get_index(Standard)
    for standard in Standard.objects.listed().prefetch_related("ics"):
        index.prepare_batch([standard])
        generic = SearchIndex.prepare(index, standard)
        generic["rank"] = index.prepare_rank(standard)
        for name in ("level", "status", "ics", "department", "year"):
            # What haystack's full_prepare copies into the facet twins.
            generic[f"{name}_exact"] = generic[name]
        assert index.prepare(standard) == generic


@sqlite_only("FTS5 rowids carry the static rank; PostgreSQL keeps it in a column")
def test_rowids_carry_the_static_rank():
    with connection.cursor() as cur:
        cur.execute("SELECT rowid, rank FROM search_doc ORDER BY rowid")
        ranks = [rank for _rowid, rank in cur.fetchall()]
    assert ranks == sorted(ranks)
    assert len(ranks) == Standard.objects.listed().count()


def test_broad_queries_rank_the_statically_best_candidates(monkeypatch):
    import sys

    from haystack import connections

    # The module of the backend in use (sqlite_fts or postgres_fts) holds CANDIDATES.
    backend = sys.modules[type(connections["default"].get_backend()).__module__]
    everything = search_standards("食品", page_size=50, facets=False)
    monkeypatch.setattr(backend, "CANDIDATES", 2)
    bounded = search_standards("食品", page_size=50, facets=False)
    # The count stays exact; the page holds the best candidates in the usual order.
    assert bounded.count == everything.count > 2
    got = numbers(bounded.results)
    assert got[0] == "GB 2760-2024"  # in force, title match
    assert set(got) <= set(numbers(everything.results))
    # Title matches before matches elsewhere, even among candidates.
    monkeypatch.setattr(backend, "CANDIDATES", 1)
    assert search("滑雪")[0] in {"T/CNGA 30-2021", "GB/T 40924-2021"}


def _schema():
    with connection.cursor() as cur:
        cur.execute(
            "SELECT name, sql FROM sqlite_master WHERE name LIKE 'search_fts' OR "
            "(type = 'index' AND tbl_name IN ('search_term', 'search_facet')) ORDER BY name"
        )
        return cur.fetchall()


@sqlite_only("the one-transaction rebuild is the SQLite backend's")
def test_rebuild_replaces_the_index_in_one_transaction_with_the_same_schema():
    from haystack import connections

    backend = connections["default"].get_backend()
    before = search("滑雪")
    schema = _schema()
    assert {name for name, _sql in schema} >= {
        "search_fts",
        "search_term_fvd",
        "search_term_doc",
        "search_facet_doc",
    }
    with connection.cursor() as cur:  # a stale document the rebuild must drop
        cur.execute(
            "UPDATE search_doc SET doc_id = 'standards.standard.999999' WHERE rowid = "
            "(SELECT MIN(rowid) FROM search_doc)"
        )
    result = backend.rebuild(batch_size=3)
    assert result == {"documents": Standard.objects.listed().count()}
    assert _schema() == schema
    assert search("滑雪") == before and "T/CNGA 30-2021" in before
    assert search("42061")[0] == "GB/T 42061-2022"
    page = search_standards("滑雪", page_size=100)
    assert facets_seen(page) == facets_of(page.results)
    assert_facet_table_mirrors_the_terms()
    statuses = {r.number: r.status for r in search_standards("医疗器械 质量管理体系").results}
    assert statuses["YY/T 0287-2017"] == "superseded"
    with connection.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM search_doc WHERE doc_id = 'standards.standard.999999'")
        assert cur.fetchone()[0] == 0
        cur.execute("SELECT COUNT(*), COUNT(DISTINCT doc) FROM search_term WHERE field = 'level'")
        assert cur.fetchone() == (result["documents"],) * 2


def test_a_failed_rebuild_leaves_the_old_index_as_it_was():
    from haystack import connections

    backend = connections["default"].get_backend()
    before = search("滑雪")
    schema = _schema() if VENDOR == "sqlite" else None
    with pytest.raises(RuntimeError), backend.bulk() as add:
        index = connections["default"].get_unified_index().get_index(Standard)
        add(index, Standard.objects.filter(number="GB/T 40924-2021"))
        assert search("滑雪") == ["GB/T 40924-2021"]  # the new index, inside the rebuild
        raise RuntimeError
    assert search("滑雪") == before
    assert schema is None or _schema() == schema


def test_fast_full_prepare_gives_what_haystacks_generic_full_prepare_gives():
    from haystack import connections
    from haystack.indexes import SearchIndex

    index = connections["default"].get_unified_index().get_index(Standard)
    standards = list(Standard.objects.listed().prefetch_related("ics"))
    assert any(s.year is None or s.effective is None for s in standards)
    for standard in standards:
        index.prepare_batch([standard])
        assert index.full_prepare(standard) == SearchIndex.full_prepare(index, standard)


def test_index_writes_work_while_django_records_queries():
    # DEBUG and assertNumQueries make Django format every statement with its parameters.
    from django.test.utils import CaptureQueriesContext

    standard = Standard.objects.get(number="GB/T 40924-2021")
    with CaptureQueriesContext(connection) as queries:
        standard.title = "单板滑雪靴 滑雪板固定器接口 修订版"
        standard.save()
    assert queries.captured_queries
    assert search("修订版") == ["GB/T 40924-2021"]


def test_values_with_quotes_backslashes_and_emoji_are_indexed_as_they_are():
    odd = 'A "q" \\ 😀 \'s'
    Standard.objects.filter(number="GB/T 40924-2021").update(department=odd)
    call_command("update_index", verbosity=0)
    page = search_standards("", department=odd, page_size=5, facets=False)
    assert [r.number for r in page.results] == ["GB/T 40924-2021"]
    assert page.results[0].department == odd


@sqlite_only("PostgreSQL text cannot hold NUL at all")
def test_a_nul_in_a_value_is_left_out_of_its_term():
    Standard.objects.filter(number="GB/T 40924-2021").update(department="甲\x00乙")
    call_command("update_index", verbosity=0)
    page = search_standards("", department="甲乙", page_size=5, facets=False)
    assert [r.number for r in page.results] == ["GB/T 40924-2021"]
    assert page.results[0].department == "甲\x00乙"


@sqlite_only("the candidate lists of the FTS5 backend")
def test_broad_queries_put_scope_only_candidates_in_static_rank_order(monkeypatch, import_records):
    from search.backends import sqlite_fts

    import_records(
        [
            {"number": "T/CCA 1-2024", "title": "冰壶用品", "status": "current"},
            {
                # In force, the term once in a long scope: a weak bm25.
                "number": "T/CCA 2-2024",
                "title": "运动场地照明",
                "status": "current",
                "scope": "适用于体育馆、游泳馆、滑冰馆、冰球馆和冰壶馆等室内运动场地的照明设计。",
            },
            {
                # Withdrawn, the term three times in a short scope: a strong bm25.
                "number": "T/CCA 3-2010",
                "title": "运动地面",
                "status": "withdrawn",
                "scope": "冰壶、冰壶、冰壶。",
            },
        ],
        name="curling.jsonl",
    )
    monkeypatch.setattr(sqlite_fts, "CANDIDATES", 1)
    bounded = search_standards("冰壶", page_size=1, facets=False)
    assert bounded.count == 3
    # The title match first; the scope-only matches after it, in force before withdrawn.
    pages = [search_standards("冰壶", page=p, page_size=1, facets=False) for p in (1, 2, 3)]
    assert [numbers(page.results)[0] for page in pages] == [
        "T/CCA 1-2024",
        "T/CCA 2-2024",
        "T/CCA 3-2010",
    ]


@sqlite_only("FTS5 expressions")
@pytest.mark.parametrize(
    "q", ["食品", "食品添加剂", "医疗器械 质量", "滑雪 板", "GB 食品", "标准化"]
)
def test_counting_without_the_word_clause_counts_the_same_matches(q):
    from search.backends.sqlite_fts import QueryPlan

    plan = QueryPlan(q)
    assert plan.count_match and plan.count_match != plan.match
    with connection.cursor() as cur:
        counts = []
        for expression in (plan.match, plan.count_match):
            cur.execute("SELECT rowid FROM search_fts WHERE search_fts MATCH %s", [expression])
            counts.append(sorted(r[0] for r in cur.fetchall()))
    assert counts[0] == counts[1] and counts[0]


def facets_of(results) -> dict:
    """Facet counts computed from the results' own stored fields."""
    counts = {name: {} for name in ("level", "status", "ics", "department", "year")}
    for result in results:
        for name, values in counts.items():
            value = getattr(result, name, None)
            for v in value if isinstance(value, list) else [value]:
                if v not in (None, ""):
                    values[v] = values.get(v, 0) + 1
    return {name: values for name, values in counts.items() if values}


def facets_seen(page) -> dict:
    counts = {name: dict(values) for name, values in page.facets.items() if values}
    for values in page.facets.values():
        # most frequent first, equal counts in value order
        order = [(-n, str(v)) for v, n in values]
        assert order == sorted(order)
    return counts


@pytest.mark.parametrize(
    "q, filters",
    [
        ("医疗器械", {}),
        ("", {"level": "industry"}),
        ("GB", {}),
        ("食品", {}),
        ("", {}),
        ("滑雪", {"status": "current"}),
        ("食品", {"level": "national"}),
    ],
)
def test_facet_counts_are_the_values_of_the_hits(q, filters):
    page = search_standards(q, page_size=100, **filters)
    assert 0 < page.count <= 100
    assert facets_seen(page) == facets_of(page.results)


def test_facet_counts_follow_changes_to_the_catalogue():
    # A new body: the same static rank, so the document keeps its rowid.
    standard = Standard.objects.get(number="GB/T 40924-2021")
    standard.department = "新的归口单位"
    standard.save()
    standard = Standard.objects.get(number="T/CNGA 30-2021")
    standard.status = "withdrawn"
    standard.save()
    Standard.objects.get(number="QB/T 1234-2000").delete()
    for q in ("滑雪", ""):
        page = search_standards(q, page_size=100)
        assert facets_seen(page) == facets_of(page.results), q
        assert page.facets["department"].count(("新的归口单位", 1)) == 1, q
    assert "QB/T 1234-2000" not in search("运动鞋")


def assert_facet_table_mirrors_the_terms(empty=False):
    """search_facet holds exactly the terms of the faceted fields."""
    from haystack import connections

    faceted = sorted(connections["default"].get_backend()._faceted_fields())
    assert {"level", "status", "ics", "department", "year"} <= set(faceted)
    with connection.cursor() as cur:
        cur.execute(
            "SELECT f.doc, v.field, v.value FROM search_facet f "
            "JOIN search_facet_value v ON v.id = f.value"
        )
        facets = sorted(cur.fetchall())
        cur.execute("SELECT doc, field, value FROM search_term")
        terms = sorted(row for row in cur.fetchall() if row[1] in faceted)
    assert facets == terms
    assert empty or {field for _doc, field, _value in facets} >= {"level", "ics"}


@sqlite_only("search_facet is the SQLite backend's")
def test_the_facet_table_holds_the_faceted_terms_after_every_kind_of_write():
    assert_facet_table_mirrors_the_terms()
    standard = Standard.objects.get(number="GB/T 40924-2021")
    standard.department = "新的归口单位"
    standard.save()
    Standard.objects.get(number="QB/T 1234-2000").delete()
    assert_facet_table_mirrors_the_terms()
    from haystack import connections

    connections["default"].get_backend().clear(models=[Standard])
    assert_facet_table_mirrors_the_terms(empty=True)
    call_command("rebuild_index", interactive=False, stdout=io.StringIO(), verbosity=0)
    assert_facet_table_mirrors_the_terms()
