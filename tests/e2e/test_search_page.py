"""Someone searches in Chinese, narrows by a facet and opens a result."""

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def style(locator, name: str) -> tuple[int, ...]:
    value = locator.evaluate(f"e => getComputedStyle(e).getPropertyValue('{name}')")
    return tuple(int(float(x)) for x in value[value.index("(") + 1 : -1].split(",")[:3])


def contrast(fg, bg) -> float:
    """WCAG contrast ratio of two sRGB colours."""

    def luminance(rgb):
        channels = [c / 255 for c in rgb]
        channels = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]

    light, dark = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


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
    # readable: the header's white link colour must not reach the white list
    link = page.locator("#site-suggestions li a").first
    assert (
        contrast(style(link, "color"), style(page.locator("#site-suggestions"), "background-color"))
        >= 4.5
    )
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


def test_header_suggestions_on_a_phone(live_server, browser, chain_catalogue, import_records):
    """On a phone the suggestions under the header box are one column, within the
    screen and readable (the menu above is a grid of white links)."""
    from portal.demo_content import build_site

    build_site()
    import_records(
        [
            {"number": f"DB11/T {1000 + n}-2024", "title": f"体育场所安全管理规范 第{n}部分"}
            for n in range(1, 7)
        ],
        name="local.jsonl",
    )
    phone = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, device_scale_factor=1
    )
    page = phone.new_page()
    page.goto(live_server.url + "/")
    page.get_by_role("search").first.get_by_role("searchbox").fill("db")
    items = page.locator("#site-suggestions li")
    items.first.wait_for()
    assert items.count() == 6
    boxes = [item.bounding_box() for item in items.all()]
    assert all(b["x"] >= 0 and b["x"] + b["width"] <= 390 for b in boxes), boxes
    assert len({round(b["x"]) for b in boxes}) == 1  # one column, one item per row
    assert all(a["y"] + a["height"] <= b["y"] + 1 for a, b in zip(boxes, boxes[1:], strict=False))
    link = page.locator("#site-suggestions li a").first
    background = style(page.locator("#site-suggestions"), "background-color")
    assert contrast(style(link, "color"), background) >= 4.5
    phone.close()
