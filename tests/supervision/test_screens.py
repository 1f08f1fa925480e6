"""Browser: staff work through the queue and open a case, the firm answers it on the
site, staff look at the dashboard. Screenshots go to test-artifacts/."""

import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone

import pytest

from supervision.groups import ensure_groups
from supervision.models import Case
from tests.e2e.conftest import ARTIFACTS

from .conftest import pdf_bytes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_queue_case_and_dashboard(
    live_server, browser, page, screenshot, publish, firm_a, firm_b, tmp_path
):
    from django.contrib.auth.models import Group
    from django.core.cache import cache

    cache.clear()
    ensure_groups()  # a transactional test starts without the migration's rows
    supervisor = get_user_model().objects.create_user(
        "zhang", password="pw-zhang-123", first_name="张", last_name="监管"
    )
    supervisor.groups.add(Group.objects.get(name="监督管理员"))
    flagged = publish(firm_a, "GB 2760-2014", "GB/T 19580-2012")
    publish(firm_b, "YY 0055-2018", category="医疗器械", name="光固化机")
    from declarations.models import Declaration

    Declaration.objects.filter(pk=flagged.pk).update(
        flagged_at=timezone.now(), flag_reason="GB 2760-2014 已被 GB 2760-2024 代替"
    )

    # -- staff: the queue and the findings ----------------------------------------------------
    page.goto(live_server.url + "/admin/login/")
    page.locator("#id_username").fill("zhang")
    page.locator("#id_password").fill("pw-zhang-123")
    page.locator("form button[type=submit]").click()
    page.wait_for_url("**/admin/")
    page.goto(live_server.url + "/admin/supervision/queue/")
    assert page.get_by_text("北京甲食品有限公司").first.is_visible()
    screenshot("supervision-01-queue")
    page.get_by_role("link", name="北京甲食品有限公司 · 复合调味料").click()
    page.wait_for_url("**/inspect/**")
    assert page.locator("#sv-not-current").inner_text().startswith("GB 2760-2014")
    screenshot("supervision-02-inspect")

    # -- record the review and open a case in one step ----------------------------------------
    page.get_by_role("link", name="记录审查结论").first.click()
    page.get_by_label("立案", exact=True).check()
    page.get_by_label("审查意见").fill("引用的 GB 2760-2014 已被代替。")
    page.get_by_label("发现的问题").fill(
        "声明执行的 GB 2760-2014 已于2025年2月8日被 GB 2760-2024 代替。"
    )
    page.get_by_role("button", name="保存审查结论").click()
    page.wait_for_url("**/supervision/queue/")
    case = Case.objects.get()
    assert case.deadline == timezone.localdate() + datetime.timedelta(days=30)

    # -- the firm reads the order and answers -----------------------------------------------
    firm_context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    firm_page = firm_context.new_page()
    firm_page.goto(live_server.url + "/accounts/login/")
    firm_page.locator("#id_username").fill("firm_a")
    firm_page.locator("#id_password").fill("pw-firm_a-123")
    firm_page.locator("main form button[type=submit]").click()
    firm_page.goto(live_server.url + "/my/cases/")
    firm_page.get_by_role("link", name=f"整改通知 {case.number}").click()
    assert "GB 2760-2024" in firm_page.locator("#case-order").inner_text()
    pdf = tmp_path / "整改报告.pdf"
    pdf.write_bytes(pdf_bytes())
    firm_page.get_by_label("整改情况").fill("已修订声明，改为执行 GB 2760-2024。")
    firm_page.get_by_label("附件（PDF，可选）").set_input_files(str(pdf))
    firm_page.screenshot(path=str(_artifact("supervision-03-firm-case")), full_page=True)
    firm_page.get_by_role("button", name="提交答复").click()
    firm_page.wait_for_selector("#firm-response")
    assert "企业已答复" in firm_page.locator("#case-response").inner_text()
    firm_page.screenshot(path=str(_artifact("supervision-04-firm-answered")), full_page=True)
    public_url = live_server.url + f"/declarations/{flagged.pk}/"
    firm_context.close()

    # -- staff: the case and the dashboard ---------------------------------------------------
    page.goto(live_server.url + f"/admin/supervision/cases/inspect/{case.pk}/")
    assert "已修订声明" in page.locator("#sv-firm-response").inner_text()
    page.get_by_role("link", name="结案").first.click()
    page.get_by_label("已按期整改").check()
    page.get_by_role("button", name="结案").click()
    page.wait_for_url(f"**/cases/inspect/{case.pk}/")
    assert "案件已结案" in page.content()

    # -- the public: the notice of the problem found, and a complaint ------------------------
    visitor = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    public = visitor.new_page()
    public.goto(public_url)
    assert "已按期整改" in public.locator("#supervision-notices").inner_text()
    public.screenshot(path=str(_artifact("supervision-06-public-notice")), full_page=True)
    public.get_by_role("link", name="我要举报").click()
    public.get_by_label("举报内容").fill("超市里的产品标签仍标注 GB 2760-2014。")
    public.get_by_role("button", name="提交举报").click()
    assert "举报已收到" in public.locator("main").inner_text()
    visitor.close()
    page.goto(live_server.url + "/admin/supervision/dashboard/")
    assert page.locator("[data-figure=cases_open]").inner_text() == "0"
    assert page.locator("[data-figure=complaints_open]").inner_text() == "1"
    screenshot("supervision-05-dashboard")


def _artifact(name):
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / f"{name}.png"
