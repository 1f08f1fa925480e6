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
