"""A catalogue editor enters an announcement that withdraws a standard cited by a
published declaration, previews its effect (one declaration), applies it and sees the
affected declaration listed."""

import datetime

import pytest

from tests.declarations.conftest import enterprise, firm_user  # noqa: F401 (fixtures)
from tests.standards.test_announcements import catalogue, declare  # noqa: F401 (fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_editor_applies_a_withdrawal_and_sees_the_declaration(
    live_server,
    page,
    screenshot,
    catalogue,  # noqa: F811
    enterprise,  # noqa: F811
    firm_user,  # noqa: F811
    django_user_model,
):
    from declarations.models import Declaration
    from standards.models import Announcement, CatalogueChange, Standard

    cited = declare(enterprise, firm_user, "GB/T 19580-2012")
    declare(enterprise, firm_user, "GB 2760-2024")  # not affected
    django_user_model.objects.create_superuser("bureau", "bureau@example.com", "pw-bureau-1")
    today = datetime.date.today()

    # -- log in ------------------------------------------------------------------------------
    page.goto(live_server.url + "/admin/login/")
    page.locator("#id_username").fill("bureau")
    page.locator("#id_password").fill("pw-bureau-1")
    page.locator("button[type=submit]").click()
    page.wait_for_url(live_server.url + "/admin/")

    # -- a file with mistakes is refused, row by row -------------------------------------------
    page.goto(live_server.url + "/admin/snippets/standards/announcement/")
    page.get_by_role("link", name="从文件导入").click()
    page.wait_for_url("**/announcement/import/")
    bad = "操作,标准编号,标准名称,代替标准,发布日期,实施日期\n作废,GB/T 19580-2012,,,,\n"
    page.locator("#id_file").set_input_files(
        files=[{"name": "公告.csv", "mimeType": "text/csv", "buffer": bad.encode("gbk")}]
    )
    page.locator("#id_code").fill("国家标准公告2026年第29号")
    page.locator("#id_published_on").fill(today.isoformat())
    page.keyboard.press("Escape")
    page.get_by_role("button", name="导入为草稿").click()
    problems = page.locator(".import-problems")
    problems.wait_for()
    assert "第 2 行" in problems.inner_text() and "作废" in problems.inner_text()
    screenshot("announcement-01-import-refused")
    assert not Announcement.objects.exists()

    # -- a new announcement with one item -----------------------------------------------------
    page.goto(live_server.url + "/admin/snippets/standards/announcement/add/")
    page.locator("#id_code").fill("国家标准公告2026年第30号")
    page.locator("#id_title").fill("关于废止部分推荐性国家标准的公告")
    page.locator("#id_published_on").fill(today.isoformat())
    page.locator("#id_issuer").fill("国家市场监督管理总局（国家标准化管理委员会）")
    page.locator("#id_items-ADD").click()
    page.locator("#id_items-0-action").select_option("withdraw")
    page.locator("#id_items-0-number").fill("GB/T 19580—2012")
    page.locator("#id_items-0-effective_on").fill(today.isoformat())
    page.keyboard.press("Escape")  # close the date picker
    screenshot("announcement-02-edit")
    page.locator("button[type=submit]", has_text="保存").first.click()
    page.wait_for_url("**/admin/snippets/standards/announcement/")
    announcement = Announcement.objects.get()
    assert [i.number for i in announcement.items.all()] == ["GB/T 19580-2012"]

    # -- preview from the list ----------------------------------------------------------------
    row = page.locator("tr", has_text="国家标准公告2026年第30号")
    screenshot("announcement-03-list")
    row.locator("[data-w-dropdown-target='toggle']").click()
    row.get_by_role("link", name="预览影响 / 应用").click()
    page.wait_for_url(f"**/preview/{announcement.pk}/")
    assert page.locator('[data-count="declarations"]').inner_text() == "1"
    assert page.locator('[data-count="enterprises"]').inner_text() == "1"
    assert page.locator('[data-count="standards_changed"]').inner_text() == "1"
    assert "GB/T 19580-2012 废止" in page.locator("#changes").inner_text()
    listed = page.locator("tr.affected-declaration")
    assert listed.count() == 1 and enterprise.name in listed.inner_text()
    screenshot("announcement-04-preview")
    assert Standard.objects.get(number="GB/T 19580-2012").withdrawn is None

    # -- apply --------------------------------------------------------------------------------
    page.locator("[data-apply-announcement]").click()
    page.wait_for_url(f"**/preview/{announcement.pk}/")
    assert "已应用" in page.locator(".messages").inner_text()
    listed = page.locator("tr.affected-declaration")
    assert listed.count() == 1
    link = listed.get_by_role("link")
    assert link.get_attribute("href") == cited.get_absolute_url()
    assert page.locator("[data-apply-announcement]").count() == 0
    screenshot("announcement-05-applied")

    announcement.refresh_from_db()
    assert announcement.is_applied and announcement.applied_by.username == "bureau"
    assert Standard.objects.get(number="GB/T 19580-2012").status == "withdrawn"
    assert CatalogueChange.objects.get().announced_at is not None
    cited = Declaration.objects.get(pk=cited.pk)
    assert cited.flagged_at is not None

    # -- the history shows who applied it -----------------------------------------------------
    page.goto(
        live_server.url + f"/admin/snippets/standards/announcement/history/{announcement.pk}/"
    )
    assert "应用公告" in page.locator("main").inner_text()
    screenshot("announcement-06-history")
