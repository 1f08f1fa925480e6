"""标准查新 as a product: documents in, review, verdicts, saved reports and downloads."""

import io
import json

from django.core.files.uploadedfile import SimpleUploadedFile

import openpyxl
import pytest

from standards.models import CheckReport

pytestmark = pytest.mark.usefixtures("chain_catalogue")

NORMATIVE = """1 范围
本文件规定了某产品的要求。
2 规范性引用文件
下列文件中的内容通过文中的规范性引用而构成本文件必不可少的条款。
GB 2760—2014 食品安全国家标准 食品添加剂使用标准
GB/T 19580 卓越绩效评价准则
YY 0055-2018 牙科学 光固化机
3 术语和定义
本文件参照 GB/T 14833-1993 的方法。
"""


def docx_bytes(paragraphs, table_rows=()):
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if table_rows:
        table = document.add_table(rows=0, cols=2)
        for row in table_rows:
            cells = table.add_row().cells
            cells[0].text, cells[1].text = row
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def xlsx_bytes(rows):
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def upload(client, name, data, **extra):
    return client.post(
        "/check/", {"file": SimpleUploadedFile(name, data), "as_of": "2026-11-28", **extra}
    )


def test_pasted_list_goes_straight_to_a_saved_report(client):
    response = client.post("/check/", {"text": "GB 2760-2014\nGB 9999-2020\n不是编号"})
    report = CheckReport.objects.get()
    assert response.status_code == 302 and response.url == report.get_absolute_url()
    html = client.get(report.get_absolute_url()).content.decode()
    # problems first: malformed, unknown, superseded
    order = [html.index(f'data-input="{x}"') for x in ("不是编号", "GB 9999-2020", "GB 2760-2014")]
    assert order == sorted(order)
    assert report.counts == {"superseded": 1, "unknown": 1, "malformed": 1}


def test_a_long_report_pages_and_narrows_to_one_verdict(client):
    # 430 references: 400 malformed lines, 30 editions of a superseded standard.
    lines = [f"不是编号{i}" for i in range(400)] + ["GB 2760-2014"] * 30
    response = client.post("/check/run/", {"references": "\n".join(lines), "as_of": "2026-11-28"})
    url = CheckReport.objects.get().get_absolute_url()
    assert response.status_code == 302 and response.url == url

    def rows(query=""):
        html = client.get(url + query).content.decode()
        return html, html.count('data-verdict="')

    html, n = rows()
    assert n == 200 and "第 1 / 3 页" in html and "查新结果：430 条" in html
    assert rows("?page=3")[1] == 30
    assert rows("?page=99")[1] == 30 and rows("?page=x")[1] == 200  # clamped, not an error
    html, n = rows("?verdict=superseded")
    assert n == 30 and 'data-verdict="malformed"' not in html
    assert "查新结果：30 条（共 430 条）" in html and 'aria-current="true"' in html
    assert "显示全部" in html
    html, n = rows("?verdict=superseded&order=input&page=2")
    assert n == 30  # one page only: the last page is shown
    html, n = rows("?verdict=%3Cscript%3E")  # unknown verdict: every row, nothing echoed
    assert n == 200 and "<script>" not in html and "显示全部" not in html


def test_prose_goes_to_review_with_the_normative_section_preselected(client):
    response = client.post("/check/", {"text": NORMATIVE, "as_of": "2024-06-01"})
    html = response.content.decode()
    assert "规范性引用文件" in html and 'id="found-table"' in html
    textarea = html[html.index('name="references"') :]
    textarea = textarea[: textarea.index("</textarea>")]
    assert "GB 2760—2014" in textarea and "YY 0055-2018" in textarea
    assert "GB/T 14833-1993" not in textarea  # outside the section: listed, not chosen
    response = client.post(
        "/check/run/",
        {
            "references": "GB 2760—2014\nGB/T 19580",
            "as_of": "2024-06-01",
            "source": "x.txt",
            "source_kind": "txt",
        },
    )
    report = CheckReport.objects.get()
    assert str(report.as_of) == "2024-06-01" and report.source == "x.txt"
    assert report.counts == {"current": 2}


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("refs.txt", NORMATIVE.encode("gbk")),
        (
            "refs.csv",
            "编号,名称\nGB 2760-2014,食品添加剂\nYY 0055-2018,光固化机\n".encode("utf-8-sig"),
        ),
        ("refs.xlsx", xlsx_bytes([["编号", "名称"], ["GB 2760-2014", "x"], ["YY 0055-2018", "y"]])),
        ("refs.docx", docx_bytes(NORMATIVE.splitlines())),
        (
            "table.docx",
            docx_bytes(["引用标准如下表"], [("GB 2760-2014", "x"), ("YY 0055-2018", "y")]),
        ),
    ],
)
def test_uploads_of_every_kind_are_read(client, name, data):
    html = upload(client, name, data).content.decode()
    assert 'id="found-table"' in html, html[:3000]
    assert "GB 2760-2014" in html and "YY 0055-2018" in html


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.txt", b"", "空"),
        ("big.txt", b"GB 2760-2014\n" * (11 * 1024 * 1024 // 13), "MB"),
        ("old.doc", bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 600, "DOCX"),
        ("bad.xlsx", b"PK\x03\x04 not really a zip", "损坏"),
        ("../../etc/passwd", b"\xff\xfe\xfd\x80\x81", ""),
        ("nothing.txt", "这里没有标准编号。".encode(), "没有找到标准编号"),
    ],
)
def test_bad_uploads_get_a_clear_message_and_nothing_is_saved(client, name, data, message):
    response = upload(client, name, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="errors"' in html and message in html
    assert not CheckReport.objects.exists()


def test_fifty_megabytes_is_cut_off_early(client):
    response = upload(client, "huge.pdf", b"%PDF-1.4\n" + b"0" * (50 * 1024 * 1024))
    assert response.status_code == 200
    assert "MB" in response.content.decode()


def test_report_downloads(client):
    client.post("/check/", {"text": "GB 2760-2014\n=cmd|'/C calc'!A0\nYY 0055-2018"})
    report = CheckReport.objects.get()
    base = report.get_absolute_url()
    xlsx = client.get(base + "report.xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in xlsx["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    cells = [c for row in sheet.iter_rows() for c in row if c.value]
    assert "GB 2760-2014" in [c.value for c in cells]
    formula_like = [c for c in cells if str(c.value).startswith("=")]
    assert formula_like and all(c.data_type == "s" and c.quotePrefix for c in formula_like)
    csv = client.get(base + "report.csv").content
    assert csv.startswith(b"\xef\xbb\xbf") and "GB 2760-2014" in csv.decode("utf-8-sig")
    pdf = client.get(base + "report.pdf").content
    assert pdf.startswith(b"%PDF")
    assert client.get(base + "report.exe").status_code == 404


def test_watch_and_recheck(client):
    client.post("/check/", {"text": "GB 2760-2014\nYY 0055-2018", "as_of": "2024-06-01"})
    report = CheckReport.objects.get()
    client.post(report.get_absolute_url() + "watch/")
    report.refresh_from_db()
    assert set(report.watched) == {"GB 2760-2014", "YY 0055-2018"}
    response = client.post(report.get_absolute_url() + "recheck/")
    fresh = CheckReport.objects.exclude(pk=report.pk).get()
    assert response.url == fresh.get_absolute_url() and fresh.counts["superseded"] == 1


def test_unknown_report_is_404(client):
    assert client.get("/check/r/00000000-0000-0000-0000-000000000000/").status_code == 404
    assert client.get("/check/r/not-a-uuid/").status_code == 404


def test_api_accepts_a_file(client):
    data = xlsx_bytes([["GB 2760-2014"], ["YY 0055-2018"], ["GB 9999-2020"]])
    response = client.post(
        "/api/v1/check", {"file": SimpleUploadedFile("a.xlsx", data), "as_of": "2026-11-28"}
    )
    assert response.status_code == 200, response.content
    assert [r["verdict"] for r in response.json()["results"]] == [
        "superseded",
        "current",
        "unknown",
    ]
    bad = client.post("/api/v1/check", {"file": SimpleUploadedFile("a.pdf", b"%PDF-1.4 broken")})
    assert bad.status_code == 422 and bad.json()["detail"]
    assert client.post("/api/v1/check", {"as_of": "2026-11-28"}).status_code == 422
    huge = client.post(
        "/api/v1/check", {"file": SimpleUploadedFile("h.txt", b"0" * (21 * 1024 * 1024))}
    )
    assert huge.status_code == 413


def test_api_json_still_works_and_is_documented(client):
    body = json.dumps({"references": ["GB 2760-2014"], "as_of": "2024-06-01"})
    response = client.post("/api/v1/check", body, content_type="application/json")
    assert response.json()["results"][0]["verdict"] == "current"
    schema = client.get("/api/v1/openapi.json").json()
    content = schema["paths"]["/api/v1/check"]["post"]["requestBody"]["content"]
    assert {"application/json", "multipart/form-data"} <= content.keys()


def test_a_document_read_in_part_says_so_on_the_report(client):
    client.post(
        "/check/run/",
        {
            "references": "GB 2760-2014",
            "source": "scan.pdf",
            "source_kind": "pdf",
            "notes": "第 2 页没有可提取的文字（可能是扫描图片）",
        },
    )
    report = CheckReport.objects.get()
    html = client.get(report.get_absolute_url()).content.decode()
    assert "第 2 页没有可提取的文字" in html
    csv = client.get(report.get_absolute_url() + "report.csv").content.decode("utf-8-sig")
    pdf = client.get(report.get_absolute_url() + "report.pdf").content
    assert pdf.startswith(b"%PDF")
    import pypdf

    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert "扫描图片" in text
    assert "GB 2760-2014" in csv


def test_the_catalogue_date_is_beijings():
    """A catalogue changed at 02:30 in Beijing (18:30 UTC the day before) was updated on
    the Beijing date, the one the report is read on."""
    import datetime

    from standards.models import Standard
    from standards.services import catalogue_date

    Standard.objects.update(updated_at=datetime.datetime(2026, 12, 2, 18, 30, tzinfo=datetime.UTC))
    assert catalogue_date() == datetime.date(2026, 12, 3)
