"""A quality engineer uploads a spreadsheet of cited standards, reviews what was found,
reads the verdicts and downloads the report as XLSX."""

import io

import openpyxl
import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_upload_spreadsheet_and_download_xlsx(
    live_server, page, screenshot, chain_catalogue, tmp_path
):
    from portal.demo_content import build_site

    build_site()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["序号", "引用标准", "名称"])
    ws.append([1, "GB 2760—2014", "食品添加剂使用标准"])
    ws.append([2, "GB/T 19580-2012", "卓越绩效评价准则"])
    ws.append([3, "YY 0055-2018", "牙科学 光固化机"])
    ws.append([4, "GB/T 14833-1993", "塑胶跑道"])
    path = tmp_path / "引用标准清单.xlsx"
    wb.save(path)

    page.goto(live_server.url + "/check/")
    page.get_by_label("或上传文件").set_input_files(str(path))
    page.get_by_role("button", name="开始查新").click()
    # review: what was found, before checking
    page.locator("#found-table").wait_for()
    assert page.locator("#found-table tbody tr").count() == 4
    refs = page.get_by_label("待查新的标准编号")
    assert refs.input_value().splitlines() == [
        "GB 2760—2014",
        "GB/T 19580-2012",
        "YY 0055-2018",
        "GB/T 14833-1993",
    ]
    refs.fill("GB 2760—2014\nGB/T 19580-2012\nYY 0055-2018\nGB/T 14833-1993\nGB 99999-2020")
    screenshot("check-review")
    page.get_by_role("button", name="确认并查新").click()
    page.wait_for_url("**/check/r/*/")
    rows = page.locator("#verdict-table tbody tr")
    assert rows.count() == 5
    assert [rows.nth(i).get_attribute("data-verdict") for i in range(5)] == [
        "unknown",
        "withdrawn",
        "superseded",
        "current",
        "current",
    ]
    assert "引用标准清单.xlsx" in page.locator(".report-head").inner_text()
    screenshot("check-report")
    with page.expect_download() as info:
        page.get_by_role("link", name="下载 Excel").click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(open(download.path(), "rb").read())).active
    values = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert "GB 2760-2014" in values and "GB 2760-2024" in values and "GB 99999-2020" in values
    # the stable link opens the same report
    link = page.locator("#report-link").get_attribute("href")
    page.goto(live_server.url + link)
    assert page.locator("#verdict-table tbody tr").count() == 5
