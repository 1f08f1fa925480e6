"""The English UI: chosen through the language switcher, page chrome and labels are English.

Catalogue data (titles of standards, page content) stays as recorded.
"""

import re

import pytest

from portal.demo_content import build_site

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("chain_catalogue")]

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
NAV = ["Home", "Catalogue", "Validity check", "Declarations", "Notices", "Guides"]


@pytest.fixture
def english(client):
    build_site()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/check/"})
    assert response.status_code == 302
    return client


def visible_text(html: str) -> str:
    html = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", html)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_check_page_has_no_chinese_chrome(english):
    html = english.get("/check/").content.decode()
    assert 'lang="en"' in html
    for label in NAV:
        assert f">{label}</a>" in html
    assert "Standard numbers or text" in html
    assert "Check as of" in html
    assert "Skip to main content" in html
    # Only the logo glyph and the native name of 简体中文 in the switcher are Chinese.
    chinese = set(CJK.findall(visible_text(html).replace("简体中文", "")))
    assert chinese <= {"标"}, chinese


def test_check_results_in_english(english):
    html = english.post(
        "/check/",
        {"text": "GB 2760-2014\nGB 2760-2024\nGB/T 14833-1993\nYY 0055-2018"},
        follow=True,
    ).content.decode()
    assert "Results: 4 references" in html
    for heading in ("Input", "Verdict", "Edition cited", "Edition to use", "Notes"):
        assert f">{heading}</th>" in html
    assert 'class="badge badge--superseded">Superseded<' in html
    assert 'class="badge badge--current">In force<' in html
    assert 'class="badge badge--withdrawn">Withdrawn<' in html
    assert "National standard · Mandatory" in html
    assert "Replaced by GB 2760-2024" in html  # the verdict message
    assert "has been published and takes effect on 2029-08-01" in html  # a warning
    assert "已被代替" not in html and "查新结果" not in html


def test_one_result_is_singular(english):
    html = english.post("/check/", {"text": "GB 2760-2024"}, follow=True).content.decode()
    # The heading's text ends there; the link to reorder the rows follows it.
    assert re.search(r"Results: 1 reference\s*<", html)


def test_search_and_report_pages_in_english(english):
    html = english.get("/search/", {"q": "滑雪"}).content.decode()
    assert "<title>Results for “滑雪”" in html
    assert "Home</a> › Standards search</nav>" in html
    assert ">Search</button>" in html and ">0 results<" in html
    assert ">Relevance</option>" in html and ">Effective date (newest first)</option>" in html
    assert "No standards match “滑雪”." in html
    assert "Clear the filters on the left" not in html  # no filter to clear
    filtered = english.get("/search/", {"q": "滑雪", "level": "national"}).content.decode()
    assert "Clear the filters on the left" in filtered
    # Only the query (and the logo glyph) are Chinese.
    chinese = set(CJK.findall(visible_text(html).replace("简体中文", "").replace("滑雪", "")))
    assert chinese <= {"标"}, chinese

    response = english.post("/check/", {"text": "GB 2760-2014\nGB 2760-2024"}, follow=True)
    assert re.fullmatch(r"/check/r/[0-9a-f-]{36}/", response.redirect_chain[-1][0])
    html = response.content.decode()
    assert "<h1>Validity check report</h1>" in html
    assert "Standard validity check</a> › Check report</nav>" in html
    for label in ("Source", "Check as of", "Generated", "Catalogue updated", "Link to this report"):
        assert f"<dt>{label}</dt>" in html
    assert "<dd>Pasted text" in html
    assert ">Download Excel<" in html and ">Check again as of today<" in html
    assert "Follow these 2 standards" in html and ">In input order<" in html
    # Only the titles of the standards (data) and the logo glyph are Chinese.
    title = "食品安全国家标准 食品添加剂使用标准"
    chinese = set(CJK.findall(visible_text(html).replace("简体中文", "").replace(title, "")))
    assert chinese <= {"标"}, chinese

    report = response.redirect_chain[-1][0]
    html = english.post(report + "watch/", follow=True).content.decode()
    assert "You are now following the 2 standards in this report." in html
    assert "Following 2 standards" in html
    assert ">Problems first<" in english.get(report, {"order": "input"}).content.decode()


def test_standard_page_in_english(english):
    html = english.get("/standards/GB 2760-2014/").content.decode()
    assert "<strong>Superseded: </strong>" in html  # the verdict label
    assert "See the edition in force, GB 2760-2024" in html
    for label in ("Details", "Status today", "Effective date", "Edition history", "Replaced by"):
        assert label in html
    assert "This standard replaces" in html
    assert ">Mandatory<" in html and ">National standard<" in html
    assert "食品安全国家标准 食品添加剂使用标准" in html  # the title is data
    assert "基本信息" not in html and "版本沿革" not in html


def test_browse_and_ics_pages_in_english(english):
    html = english.get("/standards/").content.decode()
    assert "<legend>Level</legend>" in html and "<legend>Status</legend>" in html
    assert "In force today" in html and "Browse by ICS class" in html
    html = english.get("/standards/ics/").content.decode()
    assert "<h1>Browse by ICS class</h1>" in html


def test_home_page_in_english(english):
    html = english.get("/").content.decode()
    assert "Search standards" in html and "Newly published standards" in html
    assert "Self-declaration" in html


def test_chinese_stays_the_default(client):
    build_site()
    html = client.get("/check/").content.decode()
    assert 'lang="zh-CN"' in html
    assert "标准查新" in html and "Standard validity check" not in html
