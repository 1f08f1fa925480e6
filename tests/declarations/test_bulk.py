"""XLSX bulk import: the template round-trips, problems by row, all or nothing, bad files."""

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile

import pytest
from openpyxl import Workbook, load_workbook

from declarations import spreadsheet
from declarations.models import Declaration, Enterprise, Membership
from tests.conftest import GB2760_CHAIN

from .conftest import USCC_B

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain_catalogue(db, import_records):
    """The GB 2760 chain of tests/conftest.py without its ICS codes: loading the ICS
    tree takes seconds per test and nothing here needs it."""
    import_records([{k: v for k, v in r.items() if k != "ics"} for r in GB2760_CHAIN])


IMPORT = "/my/declarations/import/"
TEMPLATE = "/my/declarations/import/template.xlsx"
PROBLEMS = "/my/declarations/import/problems.xlsx"


@pytest.fixture
def firm_client(client, firm_user):
    client.force_login(firm_user)
    return client


def fill(template: bytes, products=(), own=()) -> bytes:
    """The downloaded template with rows appended after its example rows."""
    wb = load_workbook(io.BytesIO(template))
    for row in products:
        wb[spreadsheet.SHEET_PRODUCTS].append(list(row))
    for row in own:
        wb[spreadsheet.SHEET_OWN].append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.fixture
def template(client):
    response = client.get(TEMPLATE)
    assert response.status_code == 200
    return b"".join(response.streaming_content) if response.streaming else response.content


def upload(client, content, name="声明导入.xlsx", commitment=True, acknowledge=False):
    data = {"file": SimpleUploadedFile(name, content)}
    if commitment:
        data["commitment"] = "on"
    if acknowledge:
        data["acknowledge_warnings"] = "on"
    return client.post(IMPORT, data)


def test_template_download(client):
    response = client.get(TEMPLATE)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "attachment" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["填写说明", "产品与标准", "企业标准指标", "类别表"]
    products = wb["产品与标准"]
    headers = [c.value for c in products[1]]
    assert headers[:8] == [
        "声明编号",
        "产品名称",
        "型号",
        "类别",
        "规格",
        "条码",
        "通用名称",
        "执行标准",
    ]
    assert products["A2"].value == "示例"
    (validation,) = products.data_validations.dataValidation
    assert validation.type == "list" and "类别表" in validation.formula1
    assert "D2" in str(validation.sqref)
    assert [r[0].value for r in wb["类别表"].iter_rows(min_row=2)][:2] == ["食品", "食品相关产品"]
    assert any("全部成功才导入" in (c.value or "") for c in wb["填写说明"]["A"])


def test_round_trip_publishes_every_declaration(chain_catalogue, firm_client, enterprise, template):
    content = fill(
        template,
        products=[
            ("1", "复合调味料", "FH-01", "食品", "500 g", 6901234567892, "", "GB 2760-2024", ""),
            ("1", "复合调味料", "FH-02", "food", "1 kg", "", "", "GB 2760-2024；GB/T 19580-2012"),
            ("2", "光固化机", "LC-1", "医疗器械", "", "", "", "Q/JSP 0001-2025"),
        ],
        own=[
            (
                "2",
                "Q/JSP 0001-2025",
                "光固化机",
                "光强",
                "≥ 1000",
                "mW/cm²",
                "YY 0055",
                "",
                "",
                "否",
            ),
            ("2", "Q/JSP 0001-2025", "", "噪声", "≤ 60", "dB", "", "", "", ""),
        ],
    )
    response = upload(firm_client, content)
    assert response.status_code == 302, response.content.decode()[:2000]
    page = firm_client.get(response["Location"]).content.decode()
    assert "已公开 2 份声明" in page
    assert Declaration.objects.count() == 2
    first = Declaration.objects.get(products__model="FH-01")
    assert first.status == "published" and first.enterprise == enterprise
    assert [p.model for p in first.products.all()] == ["FH-01", "FH-02"]
    assert first.products.get(model="FH-01").barcode == "6901234567892"
    assert [(r.normalized, r.verdict) for r in first.references.all()] == [
        ("GB 2760-2024", "current"),
        ("GB/T 19580-2012", "current"),
    ]
    second = Declaration.objects.get(products__model="LC-1")
    assert second.products.get().category == "medical_device"
    own = second.own_standards.get()
    assert (own.number, own.name) == ("Q/JSP 0001-2025", "光固化机")
    assert [i.name for i in own.indicators.all()] == ["光强", "噪声"]
    assert [r.verdict for r in second.references.all()] == ["own"]
    # The result is shown once (no re-publication on reload).
    assert "已公开" not in firm_client.get(IMPORT).content.decode()


def test_problems_by_row_and_nothing_published(chain_catalogue, firm_client, template):
    content = fill(
        template,
        products=[
            ("1", "复合调味料", "FH-01", "食品", "", "", "", "GB 2760-2024"),  # row 3: fine
            ("2", "塑胶跑道", "PT-1", "体育用品", "", "", "", "GB/T 14833-1993"),  # row 4
            ("3", "调味料", "", "食品", "", "", "", "GB 2760-2024"),  # row 5: no model
            ("4", "调味料", "X-1", "火箭", "", "", "", "GB 2760-2024"),  # row 6
            ("", "无编号", "X-2", "食品", "", "", "", "GB 2760-2024"),  # row 7
        ],
        own=[("9", "Q/JSP 0001-2025", "名称", "水分", "1", "", "", "", "", "")],  # row 3
    )
    response = upload(firm_client, content)
    assert response.status_code == 422
    assert Declaration.objects.count() == 0
    problems = response.context["problems"]
    # Row problems found while reading come first; nothing is published to find more.
    places = {(p.sheet, p.row, p.column) for p in problems}
    assert ("产品与标准", 7, "声明编号") in places
    assert ("企业标准指标", 3, "声明编号") in places
    page = response.content.decode()
    assert "没有公开任何声明" in page and "全部成功才导入" in page

    # Once the file reads well, the services' problems are placed on their rows.
    content = fill(template, products=[row for row in _rows_ok_and_bad()])
    response = upload(firm_client, content)
    assert response.status_code == 422
    assert Declaration.objects.count() == 0
    problems = {(p.sheet, p.row, p.column): p.message for p in response.context["problems"]}
    assert "废止" in problems[("产品与标准", 4, "执行标准")]
    assert "GB/T 14833-1993" in problems[("产品与标准", 4, "执行标准")]
    assert "型号" in problems[("产品与标准", 5, "型号")]
    assert "类别" in problems[("产品与标准", 6, "类别")]

    report = load_workbook(io.BytesIO(firm_client.get(PROBLEMS).content))
    rows = list(report.active.iter_rows(min_row=2, values_only=True))
    assert ("产品与标准", 4, "执行标准") in {r[:3] for r in rows}
    assert len(rows) == len(problems)


def _rows_ok_and_bad():
    return [
        ("1", "复合调味料", "FH-01", "食品", "", "", "", "GB 2760-2024"),
        ("2", "塑胶跑道", "PT-1", "体育用品", "", "", "", "GB/T 14833-1993"),
        ("3", "调味料", "", "食品", "", "", "", "GB 2760-2024"),
        ("4", "调味料", "X-1", "火箭", "", "", "", "GB 2760-2024"),
    ]


def test_superseded_needs_the_acknowledge_box(chain_catalogue, firm_client, template):
    content = fill(
        template, products=[("A", "复合调味料", "FH-01", "食品", "", "", "", "GB 2760-2014")]
    )
    response = upload(firm_client, content)
    assert response.status_code == 422
    (problem,) = response.context["problems"]
    assert (problem.sheet, problem.row) == ("产品与标准", 3)
    assert "确认提示" in problem.message and "GB 2760-2024" in problem.message
    assert Declaration.objects.count() == 0
    response = upload(firm_client, content, acknowledge=True)
    assert response.status_code == 302
    assert Declaration.objects.get().warnings_acknowledged


def test_own_standard_problems_point_at_the_indicator_sheet(chain_catalogue, firm_client, template):
    content = fill(
        template,
        products=[
            ("1", "调味料", "A-1", "食品", "", "", "", "GB 2760-2024"),
            ("2", "调味料", "A-2", "食品", "", "", "", "Q/JSP 0002-2025"),  # not described
        ],
        own=[
            # Lower than the recommended value, without the statement.
            ("1", "Q/JSP 0001-2025", "调味料", "钠", "≤ 30", "g", "", "GB/T 1", "≤ 25", "是"),
        ],
    )
    response = upload(firm_client, content)
    assert response.status_code == 422
    problems = {(p.sheet, p.row, p.column): p.message for p in response.context["problems"]}
    assert "明示" in problems[("企业标准指标", 3, "明示说明")]
    assert "企业标准指标" in problems[("产品与标准", 4, "执行标准")]
    assert Declaration.objects.count() == 0


def test_one_failure_rolls_back_the_published_ones(chain_catalogue, firm_client, template):
    # The same own standard number in two declarations: the second is refused after the
    # first was published inside the transaction, and the first is rolled back.
    indicator = ("调味料", "水分", "≤ 8", "g/100g", "", "", "", "")
    content = fill(
        template,
        products=[
            ("1", "调味料", "A-1", "食品", "", "", "", "GB 2760-2024"),
            ("2", "调味料", "A-2", "食品", "", "", "", "GB 2760-2024"),
        ],
        own=[("1", "Q/JSP 0001-2025", *indicator), ("2", "Q/JSP 0001-2025", *indicator)],
    )
    response = upload(firm_client, content)
    assert response.status_code == 422
    (problem,) = response.context["problems"]
    assert problem.sheet == "企业标准指标" and problem.row == 4
    assert "已在本企业的另一份声明中使用" in problem.message
    assert Declaration.objects.count() == 0


def test_formulas_are_never_evaluated(chain_catalogue, firm_client, template):
    wb = load_workbook(io.BytesIO(template))
    ws = wb["产品与标准"]
    ws.append(
        ["1", '=HYPERLINK("http://example.com","x")', "M-1", "食品", "", "", "", "GB 2760-2024"]
    )
    out = io.BytesIO()
    wb.save(out)
    response = upload(firm_client, out.getvalue())
    assert response.status_code == 422
    (problem,) = response.context["problems"]
    assert (problem.row, problem.column) == (3, "产品名称")


def test_problem_report_neutralises_formulas():
    content = spreadsheet.problems_xlsx(
        [["产品与标准", 3, "执行标准", "=cmd|' /C calc'!A0"], ["", None, "", "+1+1"]]
    )
    ws = load_workbook(io.BytesIO(content)).active
    assert ws["D2"].value == "=cmd|' /C calc'!A0"
    assert ws["D2"].data_type == "s" and ws["D2"].quotePrefix
    assert ws["D3"].data_type == "s" and ws["D3"].quotePrefix
    assert ws["A3"].value == "（整个文件）"


def _zip(members: dict) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        (b"", "empty.xlsx", "空"),
        (bytes(range(256)) * 40, "garbage.xlsx", "不是 Excel 工作簿"),
        (
            "声明编号,产品名称,型号\n1,调味料,A-1\n".encode("gbk"),
            "产品清单.xlsx",
            "不是 Excel 工作簿",
        ),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4000, "old.xls", "旧版 Excel"),
        (_zip({"readme.txt": "hello"}), "archive.xlsx", "不是 Excel 工作簿"),
        (_zip({"xl/worksheets/sheet1.xml": b"\0" * (60 * 1024 * 1024)}), "bomb.xlsx", "异常"),
        (
            _zip({"[Content_Types].xml": "<x/>", "xl/workbook.xml": "<broken"}),
            "broken.xlsx",
            "损坏",
        ),
    ],
)
def test_bad_files_are_refused(firm_client, content, name, expected):
    response = upload(firm_client, content, name=name)
    assert response.status_code == 400
    assert expected in " ".join(response.context["form"].errors["file"])
    assert Declaration.objects.count() == 0


def test_size_limit(firm_client):
    response = upload(firm_client, b"PK\x03\x04" + b"\0" * (5 * 1024 * 1024 + 10))
    assert response.status_code == 400
    assert "5 MB" in " ".join(response.context["form"].errors["file"])


def test_rows_limit(firm_client, template):
    rows = [("1", "调味料", f"M-{i}", "食品", "", "", "", "GB 2760-2024") for i in range(5001)]
    response = upload(firm_client, fill(template, products=rows))
    assert response.status_code == 422
    assert any("5000 行" in p.message for p in response.context["problems"])
    assert Declaration.objects.count() == 0


def test_missing_headers(firm_client):
    wb = Workbook()
    wb.active.title = "产品与标准"
    wb.active.append(["产品名称", "型号"])
    out = io.BytesIO()
    wb.save(out)
    response = upload(firm_client, out.getvalue())
    assert response.status_code == 422
    (problem,) = response.context["problems"]
    assert problem.row == 1 and "声明编号" in problem.message


def test_commitment_is_required(firm_client, template):
    content = fill(template, products=[("1", "调味料", "A-1", "食品", "", "", "", "GB 2760-2024")])
    response = upload(firm_client, content, commitment=False)
    assert response.status_code == 400
    assert "承诺" in " ".join(response.context["form"].errors["commitment"])
    assert Declaration.objects.count() == 0


def test_example_rows_alone_import_nothing(firm_client, template):
    response = upload(firm_client, template)
    assert response.status_code == 422
    assert "示例" in response.context["problems"][0].message


def test_sign_in_and_membership_required(client, django_user_model, template):
    response = client.get(IMPORT)
    assert response.status_code == 302
    assert "next=" in response["Location"]
    assert client.post(IMPORT, {}).status_code == 302
    assert client.get(PROBLEMS).status_code == 302
    loner = django_user_model.objects.create_user("loner", password="pw-loner-123")
    client.force_login(loner)
    response = client.get(IMPORT)
    assert response.status_code == 403
    assert "不属于任何企业" in response.content.decode()
    assert upload(client, template).status_code == 403


def test_problem_report_belongs_to_the_session(
    chain_catalogue, client, firm_client, template, django_user_model
):
    content = fill(template, products=[("1", "调味料", "", "食品", "", "", "", "GB 2760-2024")])
    assert upload(firm_client, content).status_code == 422
    assert firm_client.get(PROBLEMS).status_code == 200
    firm = Enterprise.objects.create(name="乙", uscc=USCC_B, region="440305")
    other = django_user_model.objects.create_user("firm_b", password="pw-firm-b-123")
    Membership.objects.create(user=other, enterprise=firm, role=Membership.Role.OWNER)
    from django.test import Client

    other_client = Client()
    other_client.force_login(other)
    assert other_client.get(PROBLEMS).status_code == 302  # nothing of firm A's


def test_page_escapes_what_the_file_says(chain_catalogue, firm_client, template):
    content = fill(
        template,
        products=[("<script>alert(1)</script>", "调味料", "", "食品", "", "", "", "GB 2760-2024")],
    )
    page = upload(firm_client, content).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page
