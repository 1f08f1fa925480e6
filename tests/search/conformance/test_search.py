"""What every search engine must answer, on one small catalogue (``conftest.CATALOGUE``).

The rules are the embedded backend's (``docs/search.md``): a number in any written form
finds its standard first; an undated number puts the edition in force first; any Han
substring of a title is found; title matches before matches elsewhere; the edition in
force before a superseded one; filters, facets, highlighting, suggestions, related
standards, sorting, pagination and odd input behave the same everywhere.
"""

import pytest
from haystack.query import SearchQuerySet

from search.services import related, search_standards, suggest
from standards.models import Standard

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalogue")]


def numbers(results):
    return [r.number for r in results]


def search(q, **filters):
    return numbers(search_standards(q, page_size=50, facets=False, **filters).results)


@pytest.mark.parametrize(
    "query",
    [
        "GB/T 42061-2022",
        "GB/T42061-2022",
        "gbt 42061—2022",
        "ＧＢ／Ｔ　４２０６１－２０２２",
        "42061",
        "gb/t 42061",
        "GB/T 42061－2022 医疗器械",
        "42061-2022",  # without its code
        "42061—2022",
    ],
)
def test_a_number_in_any_written_form_is_first(query):
    assert search(query)[0] == "GB/T 42061-2022"


def test_an_undated_number_puts_the_edition_in_force_first():
    assert search("GB 2760") == [
        "GB 2760-2024",
        "GB 2760-2014",
        "GB 2760-2011",
        "GB 2760-2007",
        "GB 2760-1996",
    ]


def test_a_dated_number_is_first_even_when_superseded():
    assert search("GB 2760-2011")[0] == "GB 2760-2011"
    assert search("YY 0055-2026")[0] == "YY 0055-2026"


def test_an_edition_without_its_code_finds_that_edition():
    assert search("2760-2014") == ["GB 2760-2014"]
    assert search("20004.1-2016") == ["GB/T 20004.1-2016"]
    assert search("2760-2015") == []


def test_parts_and_serial_roots():
    assert search("20004.1")[0] == "GB/T 20004.1-2016"
    assert "GB/T 20004.1-2016" in search("20004")


def test_chinese_substrings_beyond_word_segmentation():
    # 雪板 and 板固定 are no jieba words of 滑雪板固定器, but substrings of the title.
    assert search("雪板") == ["GB/T 40924-2021"]
    assert search("板固定") == ["GB/T 40924-2021"]
    found = search("添加剂使用卫生")
    assert found[0] == "GB 2760-2007" and set(found) == {"GB 2760-2007", "GB 2760-1996"}


def test_exact_hit_counts():
    assert search_standards("食品添加剂", facets=False).count == 5
    assert search_standards("滑雪", facets=False).count == 3
    assert search_standards("不存在的词", facets=False).count == 0


def test_title_matches_before_matches_in_the_scope():
    found = search("滑雪")
    assert set(found[:2]) == {"T/CNGA 30-2021", "GB/T 40924-2021"}
    assert found[2:] == ["QB/T 1234-2000"]


def test_the_edition_in_force_before_a_superseded_one():
    assert search("质量管理体系") == ["GB/T 42061-2022", "YY/T 0287-2017"]
    assert search("光固化机") == ["YY 0055-2018", "YY 0055-2026"]


def test_a_bare_code_finds_its_standards():
    found = search("GB")
    assert "GB 2760-2024" in found and "YY 0055-2018" not in found
    assert set(search("yy")) == {"YY 0055-2018", "YY 0055-2026", "YY/T 0287-2017", "YY/T 1234-2015"}


@pytest.mark.parametrize("written", ["GB/T", "gb/t", "GBT", "ＧＢ／Ｔ", "GB/T/"])
def test_a_code_finds_its_standards_first_then_titles_naming_it(written):
    found = search(written)
    gb_t = set(Standard.objects.filter(number__startswith="GB/T ").values_list("number", flat=True))
    # Every GB/T standard, the withdrawn one last; then the title that names GB/T.
    assert len(gb_t) >= 4 and set(found[: len(gb_t)]) == gb_t
    assert found[len(gb_t) - 1] == "GB/T 14833-1993"
    assert found[len(gb_t) :] == ["T/CPF 12-2019"]


def test_codes_of_every_kind():
    assert search("T/CNGA") == ["T/CNGA 30-2021"]
    assert search("t/cpf") == ["T/CPF 12-2019"]
    assert set(search("QB/T")) == {"QB/T 1234-2000"}
    assert set(search("YY/T")) == {"YY/T 0287-2017", "YY/T 1234-2015"}
    # With words: the code's standards whose text matches.
    assert search("GB/T 滑雪") == ["GB/T 40924-2021"]
    assert search("YY/T 医疗器械") == ["YY/T 0287-2017"]
    # A word that is no code is text (LED is not a standard code).
    assert search("LED") == []
    suggested = numbers(suggest("gb/t"))
    assert suggested[0].startswith("GB/T ") and suggested[-1] == "T/CPF 12-2019"


def test_filters():
    assert set(search("", level="industry")) == {
        "YY 0055-2018",
        "YY 0055-2026",
        "YY/T 0287-2017",
        "QB/T 1234-2000",
        "YY/T 1234-2015",
    }
    assert search("", status="withdrawn") == ["GB/T 14833-1993"]
    assert search("", year=2022) == ["GB/T 42061-2022"]
    assert search("", ics="11") == ["GB/T 42061-2022"]  # an ICS class finds its sub-classes
    assert set(search("", ics="67.220")) == {"GB 2760-2014", "GB 2760-2024"}
    assert search("食品添加剂", status="current") == ["GB 2760-2024"]
    assert search("GB 2760", status="superseded")[0] == "GB 2760-2014"
    assert search("医疗器械", level="national", ics="11.040.01") == ["GB/T 42061-2022"]
    found = numbers(
        SearchQuerySet().models(Standard).filter(year__gte=2021).exclude(level="industry")
    )
    assert set(found) == {"GB 2760-2024", "GB/T 42061-2022", "T/CNGA 30-2021", "GB/T 40924-2021"}


def test_facets():
    page = search_standards("医疗器械", page_size=50)
    assert dict(page.facets["status"]) == {"current": 1, "superseded": 1}
    assert dict(page.facets["level"]) == {"national": 1, "industry": 1}
    assert dict(page.facets["year"]) == {2022: 1, 2017: 1}
    chain = search_standards("GB 2760", page_size=1)
    assert chain.facets["status"] == [("superseded", 4), ("current", 1)]  # most first
    assert dict(chain.facets["ics"]) == {"67": 2, "67.220": 2, "67.220.20": 2}
    assert len(chain.results) == 1 and chain.count == 5
    narrowed = search_standards("GB 2760", status="current")
    assert dict(narrowed.facets["status"]) == {"current": 1}


def test_highlighting_is_escaped_and_marks_the_query():
    [result] = search_standards("运动鞋", page_size=5).results
    html = result.highlighted["text"][0]
    assert html == "<em>运动鞋</em>&lt;script&gt;x&lt;/script&gt;"
    [first, *_] = search_standards("质量管理体系", page_size=5).results
    assert first.highlighted["text"][0] == "医疗器械 <em>质量管理体系</em> 用于法规的要求"


def test_stored_fields_come_back_typed():
    [result] = search_standards("GB 2760-2024", page_size=1).results
    assert result.number == "GB 2760-2024" and result.status == "current"
    assert result.year == 2024 and str(result.effective) == "2025-02-08"
    assert result.model is Standard and result.object.number == "GB 2760-2024"


def test_autocomplete():
    assert numbers(suggest("gb/t 420"))[0] == "GB/T 42061-2022"
    assert "GB/T 40924-2021" in numbers(suggest("滑雪板固"))
    assert numbers(suggest("医用X射")) == ["YY/T 1234-2015"]  # 射 as the start of 射线
    assert numbers(suggest("光固")) == ["YY 0055-2018", "YY 0055-2026"]
    assert suggest("") == [] and suggest("   ") == []


def test_related_standards():
    std = Standard.objects.get(number="GB/T 42061-2022")
    similar = numbers(SearchQuerySet().more_like_this(std))
    assert similar[0] == "YY/T 0287-2017" and "GB/T 42061-2022" not in similar
    # the page's list leaves out other editions of the same series
    page = numbers(related(Standard.objects.get(number="GB 2760-2014")))
    assert not any(n.startswith("GB 2760-") for n in page)
    # Related by subject, not by the kind of standard or the English title's words.
    labelling = numbers(related(Standard.objects.get(number="GB 7718-2011")))
    assert labelling == ["GB 2760-2024"]  # food, and in force: not its superseded editions


def test_sorting():
    assert search("GB 2760", sort="oldest") == [
        "GB 2760-1996",
        "GB 2760-2007",
        "GB 2760-2011",
        "GB 2760-2014",
        "GB 2760-2024",
    ]
    assert search("GB 2760", sort="newest")[0] == "GB 2760-2024"
    newest = search("", sort="newest")
    assert newest[0] == "YY 0055-2026"  # effective 2029
    assert newest.index("GB 2760-2024") < newest.index("GB 2760-1996")


def test_pagination_and_counts():
    listed = Standard.objects.listed().count()
    pages = [search_standards("", page=p, page_size=4, facets=False) for p in (1, 2, 3, 4, 5)]
    assert {p.count for p in pages} == {listed}
    seen = [n for p in pages for n in numbers(p.results)]
    assert len(seen) == len(set(seen)) == listed
    assert [len(p.results) for p in pages] == [4, 4, 4, 4, listed - 16]
    beyond = search_standards("", page=999, page_size=4, facets=False)
    assert beyond.results == [] and beyond.count == listed
    # a text query's pages continue past its title matches into the others
    text = [numbers(search_standards("滑雪", page=p, page_size=1).results) for p in (1, 2, 3, 4)]
    assert text[2] == ["QB/T 1234-2000"] and text[3] == []


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
        '{"query": {"match_all": {}}}',
        "title:滑雪 OR _id:*",
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
    assert search_standards("", facets=False).count == Standard.objects.listed().count()


def test_a_long_query_is_cut_and_said_so():
    page = search_standards("滑雪" * 5000, page_size=5)
    assert page.truncated and page.count >= 0
