"""In a browser: follow a standard from its page (logging in on the way), get the
notice when an announcement withdraws it, read it and mark it read."""

import datetime

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_watch_then_get_warned(live_server, page, screenshot, small_catalogue, django_user_model):
    from django.core.cache import cache

    from alerts.reflag import catalogue_changed
    from declarations.models import Enterprise, Membership
    from standards.changes import WITHDRAWN, StandardChange
    from standards.models import Standard
    from tests.alerts.conftest import declare

    cache.clear()  # rate limits of other tests in this process
    user = django_user_model.objects.create_user("qa_li", "li@example.com", "Zq8!alerts-2026")
    firm = Enterprise.objects.create(
        name="张家口丙食品有限公司", uscc="91110000600037341L", region="130702"
    )
    Membership.objects.create(user=user, enterprise=firm, role=Membership.Role.OWNER)
    declare(firm, user, "GB/T 30000-2015", title="速冻水饺自我声明")

    url = live_server.url + "/standards/GB/T%2030000-2015/"
    page.goto(url)
    page.get_by_role("link", name="☆ 关注此标准").click()
    page.wait_for_url("**/accounts/login/**")
    page.get_by_label("用户名").fill("qa_li")
    page.get_by_label("密码").fill("Zq8!alerts-2026")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(url)
    page.get_by_role("button", name="☆ 关注此标准").click()
    page.wait_for_url(url)
    assert "已关注此标准" in page.locator(".watch-button").first.inner_text()
    screenshot("alerts-01-watching")

    # The announcement withdraws the standard.
    yesterday = datetime.date.today() - datetime.timedelta(days=1)
    Standard.objects.filter(number="GB/T 30000-2015").update(
        status="withdrawn", withdrawn=yesterday
    )
    catalogue_changed(
        [StandardChange("GB/T 30000-2015", "GB/T 30000", WITHDRAWN, effective_on=yesterday)],
        source="2026年第 9 号公告",
    )

    page.reload()
    nav = page.get_by_role("navigation", name="企业账号")
    assert nav.get_by_role("link", name="消息").inner_text().strip().endswith("1")
    nav.get_by_role("link", name="消息").click()
    page.wait_for_url("**/notifications/")
    notice = page.locator(".notice").first
    assert "GB/T 30000-2015 已于" in notice.inner_text()
    assert "速冻水饺自我声明" in notice.inner_text()
    screenshot("alerts-02-notifications")
    notice.get_by_role("button", name="标为已读").click()
    page.wait_for_url("**/notifications/")
    assert page.locator(".notice--unread").count() == 0
    assert "消息" == nav.get_by_role("link", name="消息").inner_text().strip()

    nav.get_by_role("link", name="我的关注").click()
    page.wait_for_url("**/watches/")
    page.get_by_label("标准编号、系列或 ICS 代码").fill("GB 9999")
    page.get_by_role("button", name="关注", exact=True).click()
    assert "标准目录中没有 GB 9999 系列的标准" in page.locator(".problems").inner_text()
    screenshot("alerts-03-watches")
