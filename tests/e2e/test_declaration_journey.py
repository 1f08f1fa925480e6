"""A firm signs up, declares a product with a national and an own Q/ standard, sees the
superseded-reference warning live, acknowledges it, publishes, reads the public page,
then revises the declaration (修订) and sees version 2."""

import re

import pytest

from tests.declarations.conftest import USCC_B
from tests.e2e.conftest import ARTIFACTS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_sign_up_declare_publish_and_revise(
    live_server, browser, page, screenshot, chain_catalogue
):
    from django.core.cache import cache

    from declarations.models import Declaration
    from portal.demo_content import build_site

    cache.clear()  # rate limits of other tests in this process
    build_site()
    page.goto(live_server.url + "/")
    page.get_by_role("navigation", name="企业账号").get_by_role("link", name="企业注册").click()
    page.wait_for_url("**/accounts/signup/")

    # -- sign up, the region picked province → city → district ---------------------------
    page.get_by_label("企业名称").fill("深圳乙食品有限公司")
    page.get_by_label("统一社会信用代码").fill(USCC_B)
    assert page.locator(".region__step").is_hidden()  # the script fills the selects
    page.get_by_label("省（自治区、直辖市）").select_option(label="广东省")
    page.locator("#id_region_2 option[value='440300']").wait_for(state="attached")
    page.get_by_label("市（地区、州）或区县").select_option(label="深圳市")
    page.locator("#id_region_3 option[value='440305']").wait_for(state="attached")
    page.get_by_label("区（县）").select_option(label="南山区")
    page.get_by_label("联系人").fill("王五")
    page.get_by_label("联系电话").fill("0755-12345678")
    page.get_by_label("联系邮箱").fill("wang@example.com")
    page.get_by_label("用户名").fill("yi_owner")
    page.locator("#id_password1").fill("Zq8!standards-2026")
    page.get_by_label("再次输入密码").fill("Zq8!standards-2026")
    screenshot("declaration-01-signup")
    page.get_by_role("button", name="注册", exact=True).click()
    page.wait_for_url("**/my/declarations/new/")
    assert "注册成功" in page.locator(".messages").inner_text()

    # -- the declaration ------------------------------------------------------------------
    page.get_by_label("产品（服务）名称").first.fill("复合调味料")
    page.get_by_label("产品型号").first.fill("FH-01")
    page.get_by_label("产品类别").first.select_option(label="食品")
    number = page.locator("#id_standards-0-number")
    number.press_sequentially("GB 2760", delay=40)
    suggestions = page.locator("#id_standards-0-number-list")
    suggestions.locator("li").first.wait_for()
    assert "GB 2760" in suggestions.inner_text()
    screenshot("declaration-02-suggestions")
    # A number typed half way ("GB/T", no serial yet) is not judged "malformed" while it
    # is being typed, only once the field is left.
    partial = page.locator("#id_standards-1-number")
    # With the list open, a click on the next field reaches that field (the list takes
    # its own room instead of covering it) and picks no edition by accident.
    partial.click(timeout=5000)
    assert number.input_value() == "GB 2760"
    partial.press_sequentially("GB/T", delay=40)
    page.wait_for_timeout(1200)
    partial_row = page.locator("[data-std-row]").nth(1)
    assert partial_row.locator(".badge--malformed").count() == 0
    partial.press("Tab")
    partial_row.locator("[data-verdict-out] .badge--malformed").wait_for()
    partial.fill("")
    partial.dispatch_event("input")
    number.fill("GB 2760-2014")
    row = page.locator("[data-std-row]").first
    row.locator("[data-verdict-out] .badge--superseded").wait_for()
    assert "已被代替" in row.inner_text() and "GB 2760-2024" in row.inner_text()
    assert "std-row--warning" in row.get_attribute("class")
    ack = page.locator("#ack")
    assert "ack--needed" in ack.get_attribute("class")
    assert ack.locator("[data-ack-note]").is_visible()

    # own Q/ standard with one indicator row
    own = page.locator("[data-own]").first
    own.get_by_label("企业标准编号").fill("Q/YSP 0001S-2025")
    own.get_by_label("企业标准名称").fill("复合调味料")
    assert own.get_by_label("公开功能指标和性能指标").is_checked()
    assert own.locator("[data-disclosure-part='full_text']").is_hidden()
    own.get_by_label("指标", exact=True).first.fill("水分")
    own.get_by_label("指标值", exact=True).first.fill("≤ 8.0")
    own.get_by_label("单位", exact=True).first.fill("g/100g")
    own.get_by_label("检验方法", exact=True).first.fill("GB 5009.3")
    # the script adds rows
    own.get_by_role("button", name="＋ 添加指标").click()
    assert own.locator(".ind-row").count() == 3
    screenshot("declaration-03-warning")

    # publishing without the acknowledgement is refused, and nothing typed is lost
    page.get_by_label("我已阅读并作出以上承诺").check()
    page.get_by_role("button", name="公开声明").click()
    page.locator("#problems").wait_for()
    assert "请确认后再公开" in page.locator("#problems").inner_text()
    assert page.locator("#id_standards-0-number").input_value() == "GB 2760-2014"
    assert page.locator("#id_own-0-ind-0-value").input_value() == "≤ 8.0"
    assert (
        page.locator("[data-std-row]")
        .first.locator("[data-verdict-out] .badge--superseded")
        .is_visible()
    )
    screenshot("declaration-04-needs-acknowledgement")

    page.get_by_label(re.compile("我已知悉上述执行标准的提示")).check()
    assert page.get_by_label("我已阅读并作出以上承诺").is_checked()
    page.get_by_role("button", name="公开声明").click()
    page.wait_for_url(re.compile(r".*/declarations/\d+/$"))
    declaration = Declaration.objects.get()
    assert declaration.version == 1
    body = page.locator("main").inner_text()
    for text in ("深圳乙食品有限公司", "复合调味料", "GB 2760-2014", "Q/YSP 0001S-2025", "水分"):
        assert text in body
    assert "第 1 版" in body
    screenshot("declaration-05-public")

    # -- revise: add a current standard, publish version 2 ---------------------------------
    page.goto(live_server.url + "/my/declarations/")
    listed = page.locator(f'tr[data-declaration="{declaration.pk}"]')
    assert "已公开" in listed.inner_text() and "GB 2760-2014" in listed.inner_text()
    screenshot("declaration-06-mine")
    listed.get_by_role("link", name="修订/修改").click()
    page.wait_for_url("**/edit/")
    assert page.get_by_label(re.compile("修订（")).is_checked()
    page.locator("#sec-standards").get_by_role("button", name="＋ 添加标准").click()
    empty = page.locator("[data-std-row] input").nth(0)
    assert empty.input_value() == "GB 2760-2014"
    added = page.locator("[data-std-row] input").last
    added.fill("GB/T 19580-2012")
    added.press("Tab")
    page.locator("[data-std-row]").last.locator("[data-verdict-out] .badge--current").wait_for()
    page.get_by_label(re.compile("我已知悉上述执行标准的提示")).check()
    page.get_by_label("变更说明").fill("增加执行的质量管理标准")
    screenshot("declaration-07-revise")
    page.get_by_role("button", name="公开新版本").click()
    page.wait_for_url(re.compile(rf".*/declarations/{declaration.pk}/$"))
    body = page.locator("main").inner_text()
    assert "第 2 版" in body and "GB/T 19580-2012" in body
    declaration.refresh_from_db()
    assert declaration.version == 2
    assert declaration.versions.get(number=2).change == "revise"
    screenshot("declaration-08-version-2")

    # -- the form on a phone ---------------------------------------------------------------
    phone = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, device_scale_factor=1
    )
    mobile = phone.new_page()
    mobile.context.add_cookies(page.context.cookies())
    mobile.goto(live_server.url + f"/my/declarations/{declaration.pk}/edit/")
    mobile.locator("[data-std-row]").first.locator(
        "[data-verdict-out] .badge--superseded"
    ).wait_for()
    width = mobile.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"
    mobile.screenshot(path=str(ARTIFACTS / "declaration-09-phone-form.png"), full_page=True)
    mobile.goto(live_server.url + "/account/")
    assert mobile.evaluate("document.documentElement.scrollWidth") <= 390
    # Signed in, the header (brand, account links, navigation, search) stays short;
    # every account link, the firm's name last, is whole in sight (the row wraps);
    # 退出 sits on the brand's row, in sight without scrolling.
    header = mobile.evaluate("document.querySelector('.site-header').offsetHeight")
    assert header <= 260, f"the signed-in header takes {header}px of a phone screen"
    edges = mobile.evaluate(
        "[...document.querySelectorAll('.account-nav a')]"
        ".map(a => [a.textContent.trim(), a.getBoundingClientRect().left,"
        " a.getBoundingClientRect().right])"
    )
    assert len(edges) >= 4 and edges[-1][0] == "深圳乙食品有限公司"
    assert all(left >= 0 and right <= 390 for _text, left, right in edges), edges
    logout = mobile.locator("form.logout button").bounding_box()
    brand = mobile.locator(".brand").bounding_box()
    assert logout["x"] >= 0 and logout["x"] + logout["width"] <= 390
    assert abs((logout["y"] + logout["height"] / 2) - (brand["y"] + brand["height"] / 2)) < 12
    mobile.screenshot(path=str(ARTIFACTS / "declaration-10-phone-account.png"), full_page=True)
    phone.clear_cookies()
    mobile.goto(live_server.url + "/accounts/signup/")
    assert mobile.evaluate("document.documentElement.scrollWidth") <= 390
    mobile.screenshot(path=str(ARTIFACTS / "declaration-11-phone-signup.png"), full_page=True)
    phone.close()
