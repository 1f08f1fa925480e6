"""When a search finds nothing: the catalogue's wording, fewer words (search.nearest),
and the search page and service that use them, on the real index."""

import pytest

from search import nearest
from search.services import search_or_nearest, search_standards

SYRINGES = [
    {"number": "GB 15810-2019", "title": "一次性使用无菌注射器", "status": "current"},
    {"number": "YY/T 0573.4-2020", "title": "一次性使用无菌注射器 第4部分：防止重复使用注射器"},
    {"number": "GB 15811-2016", "title": "一次性使用无菌注射针", "status": "current"},
    {"number": "GB 10765-2021", "title": "食品安全国家标准 婴儿配方食品", "level": "national"},
    {"number": "T/DIDA 004-2021", "title": "婴幼儿游泳服务通用规范", "level": "group"},
]


# -- the pure part -----------------------------------------------------------------------
def test_synonym_table_is_read_from_the_shipped_file():
    table = nearest.synonyms()
    assert table["针筒"] == ("注射器",)
    assert table["奶粉"] == ("乳粉", "配方食品")
    assert table["b超"] == ("超声诊断",)  # folded like every query
    assert not any(word.startswith("#") for word in table)


def test_rewrites_replace_every_everyday_word_once():
    assert nearest.rewrites("针筒") == ["注射器"]
    assert nearest.rewrites("一次性 针筒 针头") == ["一次性 注射器 注射针"]
    # alternatives in the file's order; a word with fewer alternatives keeps its last
    assert nearest.rewrites("奶粉 针筒") == ["乳粉 注射器", "配方食品 注射器"]
    # the longest everyday word wins where two overlap (核磁共振, not 核磁 + 共振)
    assert nearest.rewrites("核磁共振") == ["磁共振"]
    # full-width and upper case as typed
    assert nearest.rewrites("Ｂ超") == ["超声诊断"]
    assert nearest.rewrites("注射器") == []
    assert nearest.rewrites("") == []


def test_candidates_nearest_first():
    assert nearest.candidates("婴幼儿 奶粉") == [
        "婴幼儿 乳粉",
        "婴幼儿 配方食品",
        "乳粉",  # fewer words: the catalogue's word for the product first
        "配方食品",
        "奶粉",  # then leading words go first: the product is named last
        "婴幼儿",
    ]
    assert nearest.candidates("针筒 包装") == ["注射器 包装", "注射器", "包装", "针筒"]
    assert nearest.candidates("没有这种东西") == []


def test_words_that_say_nothing_alone_are_never_a_query():
    assert nearest.candidates("针筒 标准") == ["注射器 标准", "注射器", "针筒"]
    assert nearest.candidates("针筒 a") == ["注射器 a", "注射器", "针筒"]
    assert nearest.candidates("婴幼儿 的") == ["婴幼儿"]


@pytest.mark.parametrize("query", ["GB 99999-2020 针筒", "99999 针筒", "针筒 " * 70])
def test_no_candidates_for_numbers_or_cut_queries(query):
    assert nearest.rewrites(query)  # it holds an everyday word …
    assert nearest.candidates(query) == []  # … and yet nothing is tried


def test_candidates_are_bounded():
    six = "针筒 针头 奶粉 假牙 核磁 彩超"
    assert len(nearest.candidates(six)) == nearest.MAX_CANDIDATES
    assert nearest.candidates(" ".join(["字字"] * 20)) == []  # too many words to cut down


def test_longer_everyday_words_first():
    assert nearest.rewrites("婴儿配方奶粉") == ["婴儿配方食品"]  # not 婴儿配方配方食品
    assert nearest.rewrites("一次性注射针头") == ["一次性注射针"]


# -- on the real index -------------------------------------------------------------------
@pytest.fixture
def syringes(db, import_records):
    import_records(SYRINGES)


def test_nothing_found_as_typed_gives_the_catalogues_wording(syringes):
    assert search_standards("针筒").count == 0
    page = search_or_nearest("针筒")
    assert page.instead_of == "针筒" and page.query == "注射器"
    assert {r.number for r in page.results} == {"GB 15810-2019", "YY/T 0573.4-2020"}


def test_fewer_words_when_all_of_them_find_nothing(syringes):
    page = search_or_nearest("婴幼儿 奶粉")
    assert page.query == "配方食品" and [r.number for r in page.results] == ["GB 10765-2021"]
    page = search_or_nearest("一次性 针筒 灭菌")
    assert page.query == "一次性 注射器" and page.count == 2


def test_found_as_typed_is_left_alone(syringes):
    page = search_or_nearest("注射器")
    assert page.instead_of is None and page.count == 2


def test_filters_apply_to_the_nearer_query(syringes):
    assert search_or_nearest("奶粉", level="group").instead_of is None
    assert search_or_nearest("奶粉", level="group").count == 0
    assert search_or_nearest("奶粉", level="national").count == 1


def test_a_number_that_finds_nothing_is_never_replaced(syringes):
    page = search_or_nearest("GB 99999-2020 针筒")
    assert page.count == 0 and page.instead_of is None


def test_search_page_says_what_it_shows_instead(client, syringes):
    html = client.get("/search/", {"q": "针筒"}).content.decode()
    assert "没有找到与“针筒”相符的标准，以下是“<strong>注射器</strong>”的检索结果。" in html
    assert "找到 2 项" in html and "GB 15810-2019" in html
    # the box keeps what was asked
    assert 'name="q" value="针筒"' in html


def test_search_page_offers_the_catalogues_wording_when_found_as_typed(client, db, import_records):
    import_records([{"number": "T/SGTAS 1-2024", "title": "塑胶跑道 施工规范", "level": "group"}])
    html = client.get("/search/", {"q": "塑胶跑道", "level": "group"}).content.decode()
    assert "找到 1 项" in html and "标准中常写作：" in html
    assert (
        'href="?q=%E5%90%88%E6%88%90%E6%9D%90%E6%96%99%E9%9D%A2%E5%B1%82&amp;level=group"' in html
    )


def test_a_generic_word_never_beats_the_product(syringes):
    page = search_or_nearest("针筒 标准")
    assert page.query == "注射器" and page.count == 2


def test_search_page_in_english_and_escaped(client, syringes):
    html = client.get("/search/", {"q": "<i>x</i> 针筒"}).content.decode()
    notice = html[html.index('class="search-instead"') :]
    notice = notice[: notice.index("</p>")]
    assert "没有找到与“&lt;i&gt;x&lt;/i&gt; 针筒”相符的标准" in notice and "<i>" not in notice
    client.cookies["django_language"] = "en"
    html = client.get("/search/", {"q": "针筒"}).content.decode()
    assert "No standards match “针筒”; showing results for “<strong>注射器</strong>”." in html


def test_suggestions_in_the_catalogues_words(client, syringes):
    body = client.get("/api/v1/standards/suggest", {"q": "针筒"}).json()
    assert {r["number"] for r in body["results"]} == {"GB 15810-2019", "YY/T 0573.4-2020"}
    # what was typed comes first when it finds something
    body = client.get("/api/v1/standards/suggest", {"q": "注射针"}).json()
    assert [r["number"] for r in body["results"]] == ["GB 15811-2016"]
    assert client.get("/api/v1/standards/suggest", {"q": "没有这种东西"}).json() == {"results": []}
