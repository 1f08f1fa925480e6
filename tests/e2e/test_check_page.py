"""A quality engineer pastes references into the 查新 page and reads the verdicts."""

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_paste_references_and_read_verdicts(live_server, page, screenshot, chain_catalogue):
    from portal.demo_content import build_site

    build_site()
    page.goto(live_server.url + "/")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="标准查新").click()
    page.get_by_label("标准编号或文本").fill(
        "GB 2760-2014\nGB/T19580—2012\nYY 0055-2018\nGB 9999-2020\n不是编号\nGB 2760"
    )
    page.get_by_label("查新日期").fill("2026-11-28")
    page.get_by_role("button", name="开始查新").click()
    page.wait_for_url("**/check/r/*/")
    table = page.locator("#verdict-table")
    rows = table.locator("tbody tr")
    assert rows.count() == 6
    # problems first, then the rest in the order given
    verdicts = [rows.nth(i).get_attribute("data-verdict") for i in range(6)]
    assert verdicts == ["malformed", "unknown", "superseded", "current", "current", "current"]
    superseded = table.locator('tr[data-verdict="superseded"]').inner_text()
    assert "已被代替" in superseded and "GB 2760-2024" in superseded
    assert "GB/T 19580-2012" in rows.nth(3).inner_text()
    assert "YY 0055-2026" in rows.nth(4).inner_text()  # successor already published
    assert "已被代替" in page.locator(".summary").inner_text()
    path = screenshot("check-page")
    assert path.stat().st_size > 10_000
    # follow the forward link to the edition to use now
    table.locator('tr[data-verdict="superseded"]').get_by_role("link", name="GB 2760-2024").click()
    page.wait_for_url("**/standards/GB%202760-2024/")
    assert "现行" in page.locator(".standard__number").inner_text()
    screenshot("standard-page")
