"""查新 reports as files: XLSX, CSV and PDF built from real verdicts.

The catalogue holds real editions (GB 2760 chain, YY 0055 and its 2026 successor, the
withdrawn 塑胶跑道 standard); the references mix every verdict with text crafted to be
taken for spreadsheet formulas.
"""

import csv
import io
import json
import re
import shutil
import subprocess
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from standards import reports
from standards.numbers import parse
from standards.reports import (
    COLUMNS,
    PROBLEMS_FIRST,
    VERDICT_LABELS_ZH,
    FontNotInstalled,
    ReportData,
    ReportRow,
    font_path,
    sort_problems_first,
    to_csv,
    to_pdf,
    to_xlsx,
)
from standards.validity import (
    CURRENT,
    MALFORMED,
    SUPERSEDED,
    UNKNOWN,
    UPCOMING,
    WITHDRAWN,
    Edition,
    Link,
    MemoryCatalogue,
    check_all,
)
from tests.conftest import ARTIFACTS  # test-artifacts/, or a folder per run (make test)

TODAY = date(2026, 11, 28)
CREATED = datetime(2026, 11, 28, 6, 30, tzinfo=ZoneInfo("UTC"))


def ed(number, title, status, published=None, effective=None, withdrawn=None, replaces=()):
    return Edition(
        number=number,
        series=parse(number).series,
        title=title,
        status=status,
        published=published,
        effective=effective,
        withdrawn=withdrawn,
        replaces=tuple(Link(n) for n in replaces),
    )


CATALOGUE = MemoryCatalogue(
    [
        ed(
            "GB 2760-2014",
            "食品安全国家标准 食品添加剂使用标准",
            "superseded",
            date(2014, 12, 24),
            date(2015, 5, 24),
        ),
        ed(
            "GB 2760-2024",
            "食品安全国家标准 食品添加剂使用标准",
            "current",
            date(2024, 2, 8),
            date(2025, 2, 8),
            replaces=["GB 2760-2014"],
        ),
        ed("YY 0055-2018", "牙科学 光固化机", "current", date(2018, 9, 28), date(2020, 4, 1)),
        ed(
            "YY 0055-2026",
            "牙科学 光固化机",
            "upcoming",
            date(2026, 8, 14),
            date(2029, 8, 1),
            replaces=["YY 0055-2018"],
        ),
        ed("GB/T 19580-2012", "卓越绩效评价准则", "current", date(2012, 3, 9), date(2012, 8, 1)),
        ed(
            "GB/T 14833-1993",
            "塑胶跑道",
            "withdrawn",
            effective=date(1994, 10, 1),
            withdrawn=date(2012, 1, 1),
        ),
    ]
)

#: Text a spreadsheet would otherwise evaluate.
INJECTIONS = [
    '=HYPERLINK("http://example.com/x","点我")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
]
REFERENCES = [
    "GB 2760-2014",
    "GB/T 19580-2012",
    "GB/T 14833-1993",
    "GB 99999-2020",
    "YY 0055-2018",
    "YY 0055-2026",
    *INJECTIONS,
]
EXPECTED = {
    "GB 2760-2014": SUPERSEDED,
    "GB/T 19580-2012": CURRENT,
    "GB/T 14833-1993": WITHDRAWN,
    "GB 99999-2020": UNKNOWN,
    "YY 0055-2018": CURRENT,
    "YY 0055-2026": UPCOMING,
    **dict.fromkeys(INJECTIONS, MALFORMED),
}
EVIL_SOURCE = '=WEBSERVICE("http://example.com")标准清单.docx'


def make_rows(references=REFERENCES):
    verdicts = check_all(references, CATALOGUE, TODAY)
    return [ReportRow.from_verdict(i, v) for i, v in enumerate(verdicts, 1)]


def make_report(rows=None, source="引用标准清单.docx", **extra) -> ReportData:
    return ReportData(
        title="标准查新报告",
        as_of=TODAY,
        created_at=CREATED,
        catalogue_date=date(2026, 11, 20),
        source=source,
        rows=rows if rows is not None else sort_problems_first(make_rows()),
        url="https://biaozhun.example.cn/check/r/4f1c2a9e/",
        **extra,
    )


def pdf_text(body: bytes) -> list[str]:
    pypdf = pytest.importorskip("pypdf")
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(body)).pages]


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


# -- rows ------------------------------------------------------------------------------


def test_rows_hold_what_the_verdicts_say():
    rows = {r.input: r for r in make_rows()}
    assert {i: r.verdict for i, r in rows.items()} == EXPECTED

    old = rows["GB 2760-2014"]
    assert old.index == 1
    assert (old.normalized, old.level, old.mandatory, old.dated) == (
        "GB 2760-2014",
        "national",
        True,
        True,
    )
    assert old.standard_number == "GB 2760-2014"
    assert old.current_number == "GB 2760-2024"
    assert old.current_title == "食品安全国家标准 食品添加剂使用标准"
    assert old.changed_on == date(2025, 2, 8)
    assert "GB 2760-2024" in old.message

    dental = rows["YY 0055-2018"]
    assert dental.verdict == CURRENT
    assert any("YY 0055-2026" in w for w in dental.warnings)
    assert "YY 0055-2026" in dental.explanation

    unknown = rows["GB 99999-2020"]
    assert unknown.standard_number is None and unknown.current_number is None
    malformed = rows[INJECTIONS[0]]
    assert malformed.normalized is None and malformed.message


def test_a_split_standard_names_every_part_in_force():
    bicycles = MemoryCatalogue(
        [
            Edition(
                number="GB 3565-2005",
                series="GB 3565",
                title="自行车安全要求",
                status="withdrawn",
                published=date(2005, 5, 17),
                replaced_by=(Link("GB 3565.1-2022"), Link("GB 3565.2-2022")),
            ),
            ed(
                "GB 3565.1-2022",
                "自行车安全要求 第1部分：术语和定义",
                "current",
                date(2022, 12, 29),
            ),
            ed(
                "GB 3565.2-2022",
                "自行车安全要求 第2部分："
                "城市和旅行用自行车、青少年自行车、山地自行车与竞赛自行车的要求",
                "current",
                date(2022, 12, 29),
            ),
        ]
    )
    row = ReportRow.from_verdict(1, check_all(["GB 3565-2005"], bicycles, TODAY)[0])
    assert (row.verdict, row.current_number, row.others) == (
        SUPERSEDED,
        "GB 3565.1-2022",
        ["GB 3565.2-2022"],
    )
    assert row.in_force == "GB 3565.1-2022、GB 3565.2-2022"
    line = list(csv.reader(io.StringIO(to_csv(make_report(rows=[row])).decode("utf-8-sig"))))[1]
    assert line[9] == "GB 3565.1-2022、GB 3565.2-2022"


def test_rows_carry_the_english_message_too():
    row = next(r for r in make_rows() if r.input == "YY 0055-2018")
    assert row.message_en.startswith("In force")
    assert row.warnings_en and "YY 0055-2026" in row.warnings_en[0]


def test_rows_survive_json():
    rows = make_rows()
    again = [ReportRow.from_json(json.loads(json.dumps(r.as_json()))) for r in rows]
    assert again == rows


def test_counts_have_all_six_verdicts_problems_first():
    report = make_report()
    assert list(report.counts) == [
        MALFORMED,
        UNKNOWN,
        WITHDRAWN,
        SUPERSEDED,
        UPCOMING,
        CURRENT,
    ]
    assert report.counts == {
        MALFORMED: 4,
        UNKNOWN: 1,
        WITHDRAWN: 1,
        SUPERSEDED: 1,
        UPCOMING: 1,
        CURRENT: 2,
    }
    assert make_report(rows=[]).counts == dict.fromkeys(PROBLEMS_FIRST, 0)
    assert set(VERDICT_LABELS_ZH) == set(PROBLEMS_FIRST)


def test_sort_puts_problems_first_and_keeps_input_order_within_a_verdict():
    ordered = sort_problems_first(make_rows())
    assert [r.verdict for r in ordered] == [
        MALFORMED,
        MALFORMED,
        MALFORMED,
        MALFORMED,
        UNKNOWN,
        WITHDRAWN,
        SUPERSEDED,
        UPCOMING,
        CURRENT,
        CURRENT,
    ]
    assert [r.input for r in ordered[:4]] == INJECTIONS
    assert [r.input for r in ordered[-2:]] == ["GB/T 19580-2012", "YY 0055-2018"]


# -- XLSX ------------------------------------------------------------------------------


def load_sheet(body: bytes):
    ws = load_workbook(io.BytesIO(body)).active
    header = next(r for r in range(1, 30) if ws.cell(r, 1).value == "序号")
    return ws, header


def test_xlsx_has_the_header_block_then_one_row_per_reference():
    report = make_report()
    ws, header = load_sheet(to_xlsx(report))

    block = {ws.cell(r, 1).value: ws.cell(r, 3).value for r in range(2, header)}
    assert ws["A1"].value == "标准查新报告"
    assert block["查新日期"] == "2026-11-28"
    assert block["生成时间"] == "2026-11-28 14:30（北京时间）"
    assert block["目录更新日期"] == "2026-11-20"
    assert block["来源"] == "引用标准清单.docx"
    assert block["链接"] == report.url
    counts_row = next(r for r in range(2, header) if ws.cell(r, 1).value == "结论统计")
    labels = [ws.cell(counts_row, c).value for c in range(3, 10)]
    numbers = [ws.cell(counts_row + 1, c).value for c in range(3, 10)]
    assert labels == [VERDICT_LABELS_ZH[v] for v in PROBLEMS_FIRST] + ["合计"]
    assert numbers == [4, 1, 1, 1, 1, 2, 10]

    assert [ws.cell(header, c).value for c in range(1, len(COLUMNS) + 1)] == list(COLUMNS)
    body = list(ws.iter_rows(min_row=header + 1, values_only=True))
    assert len(body) == len(REFERENCES)
    assert [row[6] for row in body] == [VERDICT_LABELS_ZH[r.verdict] for r in report.rows]
    superseded = next(row for row in body if row[1] == "GB 2760-2014")
    assert superseded[2:6] == ("GB 2760-2014", "国家标准", "是", "是")
    assert superseded[9] == "GB 2760-2024"
    assert superseded[11].date() == date(2025, 2, 8)

    assert ws.freeze_panes == f"A{header + 1}"
    assert ws.auto_filter.ref == f"A{header}:M{header + len(REFERENCES)}"
    assert ws.column_dimensions["M"].width >= 40
    fills = {
        ws.cell(r, 7).value: ws.cell(r, 7).fill.fgColor.rgb
        for r in range(header + 1, header + 1 + len(REFERENCES))
    }
    assert len(set(fills.values())) == 6


def test_xlsx_stores_formula_like_text_as_text():
    ws, header = load_sheet(to_xlsx(make_report(source=EVIL_SOURCE)))
    cells = [c for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    for text in INJECTIONS:
        cell = next(c for c in cells if c.column == 2 and c.value == text)
        assert cell.data_type == "s"
        assert cell.quotePrefix
    source = next(c for c in cells if c.value == EVIL_SOURCE)
    assert source.data_type == "s" and source.quotePrefix


def test_xlsx_of_an_empty_report():
    ws, header = load_sheet(to_xlsx(make_report(rows=[])))
    assert ws.max_row == header


# -- CSV -------------------------------------------------------------------------------


def test_csv_is_utf8_with_bom_and_the_same_columns():
    body = to_csv(make_report())
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    assert rows[0] == list(COLUMNS)
    assert len(rows) == 1 + len(REFERENCES)
    superseded = next(r for r in rows if r[1] == "GB 2760-2014")
    assert superseded[6] == "已被代替"
    assert superseded[9] == "GB 2760-2024"
    assert superseded[11] == "2025-02-08"
    dental = next(r for r in rows if r[1] == "YY 0055-2018")
    assert "2029-08-01" in dental[12]


def test_csv_guards_cells_a_spreadsheet_would_evaluate():
    rows = list(csv.reader(io.StringIO(to_csv(make_report()).decode("utf-8-sig"))))
    inputs = [r[1] for r in rows[1:]]
    for text in INJECTIONS:
        assert "'" + text in inputs
    for row in rows[1:]:
        for value in row:
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r"))

    tabbed = ReportRow.from_verdict(1, check_all(["\tGB 2760-2014"], CATALOGUE, TODAY)[0])
    line = to_csv(make_report(rows=[tabbed])).decode("utf-8-sig").splitlines()[1]
    assert next(csv.reader([line]))[1] == "'\tGB 2760-2014"


# -- PDF -------------------------------------------------------------------------------


def test_pdf_embeds_its_font_and_says_what_was_found():
    body = to_pdf(make_report(source=EVIL_SOURCE))
    assert body.startswith(b"%PDF")
    assert b"/FontFile2" in body
    assert b"NotoSansSC" in body
    pages = pdf_text(body)
    assert len(pages) == 1
    text = squeeze(pages[0])
    assert "标准查新报告" in text
    assert "查新日期：2026-11-28" in text
    assert "GB2760-2024" in text
    assert "已被代替" in text and "现行有效" in text and "编号有误" in text
    assert "第1页/共1页" in text
    assert "2026-11-2814:30" in text


def test_pdf_of_300_references_numbers_its_pages_and_repeats_the_header():
    references = [REFERENCES[i % len(REFERENCES)] for i in range(300)]
    rows = sort_problems_first(make_rows(references))
    body = to_pdf(make_report(rows=rows))
    pages = pdf_text(body)
    total = len(pages)
    assert total > 3
    for n, page in enumerate(pages, 1):
        text = squeeze(page)
        assert f"第{n}页/共{total}页" in text
        assert "序号" in text and "应采用版本" in text
    # The counts: 30 of each reference, 300 in all.
    words = pages[0].split()
    after_total = words[words.index("合计") + 1 :][:7]
    assert after_total == ["120", "30", "30", "30", "30", "60", "300"]


def test_pdf_of_an_empty_report():
    body = to_pdf(make_report(rows=[]))
    assert "没有查新的标准编号" in squeeze(pdf_text(body)[0])


def test_pdf_first_page_renders_to_png():
    """Writes test-artifacts/report-page-1.png to look at the Chinese as rendered."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    ARTIFACTS.mkdir(exist_ok=True)
    pdf = ARTIFACTS / "report.pdf"
    pdf.write_bytes(to_pdf(make_report()))
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", str(pdf), str(ARTIFACTS / "report")],
        check=True,
        capture_output=True,
    )
    png = next(ARTIFACTS.glob("report-*1.png"))
    assert png.read_bytes().startswith(b"\x89PNG")


# -- the font --------------------------------------------------------------------------


def test_font_files_are_the_packaged_truetype_noto_sans_sc():
    for weight in (400, 700):
        path = font_path(weight)
        assert path.suffix == ".ttf"
        assert path.read_bytes()[:4] == b"\x00\x01\x00\x00"  # TrueType outlines, not CFF


def test_a_missing_font_says_to_run_make_setup(monkeypatch, tmp_path):
    monkeypatch.setattr(reports, "FONT_PACKAGE", tmp_path / "noto-sans-sc")
    with pytest.raises(FontNotInstalled, match="make setup"):
        font_path(400)
    with pytest.raises(ValueError):
        font_path(450)
