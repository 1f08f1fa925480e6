"""Someone searches in Chinese, narrows by a facet and opens a result."""

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_search_facet_open(live_server, page, screenshot, chain_catalogue, import_records):
    from portal.demo_content import build_site

    build_site()
    import_records(
        [
            {
                "number": "YY/T 0287-2017",
                "title": "医疗器械 质量管理体系 用于法规的要求",
                "status": "superseded",
                "replaced_by": ["GB/T 42061-2022"],
            },
            {
                "number": "GB/T 42061-2022",
                "title": "医疗器械 质量管理体系 用于法规的要求",
                "status": "current",
                "effective": "2023-11-01",
            },
        ],
        name="mdr.jsonl",
    )
    page.goto(live_server.url + "/")
    box = page.get_by_role("search").first.get_by_role("searchbox")
    box.fill("质量管理")
    # suggestions while typing
    page.locator("#site-suggestions li").first.wait_for()
    assert "GB/T 42061-2022" in page.locator("#site-suggestions").inner_text()
    box.press("Escape")
    box.press("Enter")
    page.wait_for_url("**/search/?q=*")
    results = page.locator(".result")
    assert results.count() == 2
    assert results.first.locator(".num").inner_text() == "GB/T 42061-2022"  # in force first
    assert results.first.locator("em").first.inner_text() == "质量管理"
    screenshot("search-page")
    page.locator('a[data-facet="status"]', has_text="被代替").click()
    page.wait_for_url("**status=superseded*")
    assert page.locator(".result").count() == 1
    page.locator(".result a.num").first.click()
    page.wait_for_url("**/standards/YY/T%200287-2017/")
    assert "GB/T 42061-2022" in page.locator(".verdict-note").inner_text()
    screenshot("search-opened-result")


def test_search_in_everyday_words(live_server, page, screenshot, import_records):
    """Nothing is called 针筒 in the catalogue: the page shows the syringes (注射器) and
    says so; from there, filtering keeps the everyday query in the box and the link."""
    import_records(
        [
            {"number": "GB 15810-2019", "title": "一次性使用无菌注射器", "level": "national"},
            {
                "number": "YY/T 0573.4-2020",
                "title": "一次性使用无菌注射器 第4部分：防止重复使用注射器",
            },
        ]
    )
    page.goto(live_server.url + "/search/")
    page.locator("#search-q").fill("针筒")
    # suggestions while typing: the syringes, though no title says 针筒
    page.locator("#suggestions li").first.wait_for()
    assert "GB 15810-2019" in page.locator("#suggestions").inner_text()
    page.locator("#search-q").press("Escape")
    page.locator("#search-q").press("Enter")
    page.wait_for_url("**/search/?q=*")
    notice = page.get_by_role("status")
    assert notice.inner_text() == "没有找到与“针筒”相符的标准，以下是“注射器”的检索结果。"
    assert page.locator(".result").count() == 2
    assert page.locator(".result em").first.inner_text() == "注射器"
    screenshot("search-everyday-words")
    page.locator('a[data-facet="level"]', has_text="国家标准").click()
    page.wait_for_url("**level=national*")
    assert page.locator("#search-q").input_value() == "针筒"
    assert [n.inner_text() for n in page.locator(".result a.num").all()] == ["GB 15810-2019"]
