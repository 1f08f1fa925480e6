"""Search relevance on the real titles (architecture.md, "Bars the product is held to").

The two shared source files are imported once for this module, the index rebuilt, and
the project's query set (fixtures/search_queries.json) run through our search and the
reference searches; everything is rolled back afterwards.
"""

import pytest

from search import relevance
from search.management.commands.eval_search import (
    evaluate_all,
    import_shared,
    load_queries,
)
from tests.conftest import needs_shared

# -- the measures themselves (no database) -------------------------------------------------

ROWS = [
    relevance.Row("GB 1-2020", "医疗器械 质量管理体系", ""),
    relevance.Row("GB 2-2020", "医疗器械灭菌 环氧乙烷", "适用于无菌医疗器械"),
    relevance.Row("GB 3-2020", "人造草坪", "运动场地用"),
    relevance.Row("GB 4-2020", "ＣＴ设备", ""),
]


def test_substring_truth_every_word_folded():
    assert relevance.judge("医疗器械", ROWS) == {"GB 1-2020", "GB 2-2020"}
    assert relevance.judge("医疗器械 灭菌", ROWS) == {"GB 2-2020"}
    assert relevance.judge("械灭", ROWS) == {"GB 2-2020"}
    assert relevance.judge("ct", ROWS) == {"GB 4-2020"}
    assert relevance.judge("  ", ROWS) == set()
    assert relevance.judge("运动场地", ROWS) == set()
    assert relevance.judge("运动场地", ROWS, scope=True) == {"GB 3-2020"}


def test_measures():
    relevant = {"a", "b", "c", "d"}
    assert relevance.recall(relevant, ["a", "x", "b"]) == 0.5
    assert relevance.precision_at(relevant, ["a", "x", "b"]) == pytest.approx(2 / 3)
    assert relevance.precision_at(relevant, list("abcdxxxxxx") + ["a"]) == 0.4
    assert relevance.precision_at(relevant, []) == 0.0
    assert relevance.rank_of("b", ["a", "b"]) == 2
    assert relevance.rank_of("z", ["a", "b"]) is None
    assert relevance.percentile([5, 1, 3, 2, 4], 50) == 3
    assert relevance.percentile([1, 2, 3, 4, 100], 95) == 100


def test_evaluate_report():
    queries = relevance.QuerySet(
        keyword=[relevance.KeywordQuery("医疗器械"), relevance.KeywordQuery("不存在的词")],
        number=[relevance.NumberQuery("GB 3", "GB 3-2020")],
    )
    answers = {"医疗器械": ["GB 2-2020", "GB 3-2020"], "GB 3": ["GB 3-2020"]}
    report = relevance.evaluate(lambda q: answers.get(q, []), ROWS, queries, name="toy")
    assert report["recall"] == 0.5
    assert report["precision_at_10"] == 0.5
    assert report["number_rank1"] == 1.0
    assert report["counts"]["keyword_without_relevant"] == 1
    assert report["worst"]["recall"][0]["missed"] == ["GB 1-2020"]
    assert report["worst"]["precision_at_10"][0]["irrelevant_top"] == ["GB 3-2020"]
    assert report["bars_met"] == {"recall": False, "precision_at_10": False, "number_rank1": True}


def test_jieba_alone_matches_words_not_substrings():
    def words(text):
        return text.split()

    index = relevance.JiebaIndex(
        [relevance.Row("A", "医疗 器械"), relevance.Row("B", "医疗器械")], words
    )
    assert index("医疗") == ["A"]
    assert index("医疗器械") == ["B"]


def test_whitespace_index_finds_whole_segments_only():
    index = relevance.WhitespaceFTSIndex(ROWS)
    assert index("人造草坪") == ["GB 3-2020"]
    assert index("草坪") == []
    assert index("医疗器械") == ["GB 1-2020"]


# -- the bars on the real catalogue ----------------------------------------------------------


@pytest.fixture(scope="module")
def evaluation(django_db_setup, django_db_blocker):
    from django.db import transaction

    with django_db_blocker.unblock(), transaction.atomic():
        import_shared()
        result = evaluate_all(load_queries())
        transaction.set_rollback(True)
    return result


def _show(report, key):
    return [(row["q"], row[key]) for row in report["worst"][key]]


@needs_shared
def test_query_set_as_specified(evaluation):
    queries = load_queries()
    assert len(queries.keyword) >= 150
    assert len(queries.number) >= 60
    ours = evaluation["systems"]["ours"]
    # every keyword query has something relevant on the real titles
    assert ours["counts"]["keyword_without_relevant"] == 0
    assert evaluation["judgment_warnings"] == []


@needs_shared
@pytest.mark.django_db
def test_recall(evaluation):
    ours = evaluation["systems"]["ours"]
    assert ours["recall"] >= relevance.BARS["recall"], _show(ours, "recall")


@needs_shared
@pytest.mark.django_db
def test_precision_at_10(evaluation):
    ours = evaluation["systems"]["ours"]
    assert ours["precision_at_10"] >= relevance.BARS["precision_at_10"], _show(
        ours, "precision_at_10"
    )


@needs_shared
@pytest.mark.django_db
def test_number_queries_first(evaluation):
    ours = evaluation["systems"]["ours"]
    assert ours["number_rank1"] == relevance.BARS["number_rank1"], ours["worst"]["number"]


@needs_shared
@pytest.mark.django_db
def test_peers_score_below_ours(evaluation):
    systems = evaluation["systems"]
    ours = systems["ours"]
    jieba_alone = systems["jieba_alone"]
    assert jieba_alone["recall"] < ours["recall"]
    assert jieba_alone["number_rank1"] < ours["number_rank1"]
    # the domain dictionary helps word-level matching
    assert jieba_alone["recall"] > systems["jieba_alone_no_dictionary"]["recall"]
    wagtail = systems["wagtail_database"]
    assert wagtail["recall"] < 0.5 < ours["recall"]
