"""The dashboard's figures, the homepage panel and the reports' XLSX exports."""

import datetime
import io

from django.utils import timezone

import pytest
from openpyxl import load_workbook

from declarations import services as declaration_services
from declarations.models import Declaration
from supervision import services
from supervision.models import Case

pytestmark = pytest.mark.django_db

DASHBOARD = "/admin/supervision/dashboard/"


@pytest.fixture
def scene(publish, firm_a, firm_b, supervisor):
    a1 = publish(firm_a, "GB 2760-2014")
    a2 = publish(firm_a, "GB/T 19580-2012", name="酱油")
    b1 = publish(firm_b, "YY 0055-2018", category="医疗器械", name="光固化机")
    declaration_services.withdraw(a2, firm_a.members.get().user, "停产")
    Declaration.objects.filter(pk=b1.pk).update(
        flagged_at=timezone.now(), flag_reason="YY 0055-2018 将被代替"
    )
    services.submit_complaint(a1, "标签不符")
    today = timezone.localdate()
    overdue = services.open_case(a1, supervisor, "问题", "整改", today)
    Case.objects.filter(pk=overdue.pk).update(deadline=today - datetime.timedelta(days=5))
    services.open_case(b1, supervisor, "问题", "整改", today + datetime.timedelta(days=10))
    closed = services.open_case(b1, supervisor, "问题", "整改", today)
    services.close_case(closed, supervisor, "rectified")
    return {"a1": a1, "a2": a2, "b1": b1}


def test_figures(scene):
    f = services.figures()
    assert dict(f["by_status"]) == {"草稿": 0, "已公开": 2, "已废止": 1}
    assert dict(f["by_province"]) == {"北京市": 1, "广东省": 1}
    assert f["flagged"] == 1
    assert (f["queue"], f["queue_new"], f["queue_flagged"], f["queue_complaint"]) == (2, 2, 1, 1)
    assert (f["cases_open"], f["cases_overdue"], f["complaints_open"]) == (2, 1, 1)


def test_catalogue_changes_this_month_are_counted(db, catalogue):
    from standards import changes
    from standards.models import CatalogueChange, Standard

    today = timezone.localdate()
    std = Standard.objects.get(number="GB/T 14833-1993")
    CatalogueChange.objects.create(
        standard=std,
        number=std.number,
        series=std.series,
        level=std.level,
        kind=changes.WITHDRAWN,
        effective_on=today,
    )
    CatalogueChange.objects.create(
        standard=std,
        number=std.number,
        series=std.series,
        level=std.level,
        kind=changes.WITHDRAWN,
        effective_on=today - datetime.timedelta(days=62),
    )
    counted = services.catalogue_changes_in_month(today)
    assert counted["total"] == 1 and counted["by_kind"] == [("废止", 1)]


def test_dashboard_page_shows_the_numbers_as_text(as_user, supervisor, scene):
    html = as_user(supervisor).get(DASHBOARD).content.decode()
    assert '<strong data-figure="cases_overdue">1</strong>' in html
    assert '<strong data-figure="flagged">1</strong>' in html
    assert '<strong data-figure="complaints_open">1</strong>' in html
    assert "北京市" in html and "广东省" in html
    assert 'id="sv-status-bars"' in html and "本月生效的目录变更" in html


def test_homepage_panel(as_user, reviewer, supervisor, scene):
    html = as_user(reviewer).get("/admin/").content.decode()
    assert "事中事后监管" in html and "待审查声明" in html and "逾期未整改" not in html
    html = as_user(supervisor).get("/admin/").content.decode()
    assert "逾期未整改" in html and "查看监管统计" in html


def _xlsx(response):
    assert response.status_code == 200
    return list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.values)


def test_reports_export_to_xlsx(as_user, supervisor, scene):
    client = as_user(supervisor)
    rows = _xlsx(client.get(f"{DASHBOARD}declarations/", {"export": "xlsx"}))
    assert rows[0] == ("行政区划代码", "省份", "已公开", "已废止", "草稿", "预警中", "合计")
    assert ("110000", "北京市", 1, 1, 0, 0, 2) in rows
    assert ("440000", "广东省", 1, 0, 0, 1, 1) in rows

    rows = _xlsx(client.get(f"{DASHBOARD}overdue/", {"export": "xlsx"}))
    assert rows[0][:2] == ("案件编号", "企业") and len(rows) == 2
    assert rows[1][1] == "北京甲食品有限公司" and rows[1][6] == 5

    services.make_draw(supervisor, n=2, m=1, seed=99)
    rows = _xlsx(client.get(f"{DASHBOARD}draws/", {"export": "xlsx"}))
    assert rows[0][4] == "随机种子" and rows[1][4] == 99

    assert client.get(f"{DASHBOARD}overdue/", {"province": "110000"}).status_code == 200
    page = client.get(f"{DASHBOARD}declarations/").content.decode()
    assert "北京市" in page and "下载XLSX" in page
