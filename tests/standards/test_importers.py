"""standards.importers: reading canonical files and the two known source files.

Every test writes real files into ``tmp_path``; the shared source files are read
from ``../shared/data`` and the tests that need them skip when it is absent.
"""

import csv
import io
import json
import random
import re
import tempfile
import zipfile
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from standards.importers import ImportFileError, read_file
from standards.importers.records import (
    NOTE_BAD_ICS,
    NOTE_DUPLICATE,
    NOTE_EFFECTIVE_EMPTY,
    NOTE_EFFECTIVE_RULE,
    NOTE_EXCEL_SERIAL,
    NOTE_LINK_EXTRACTED,
    NOTE_PARTIAL,
    NOTE_SELF_LINK,
    NOTE_SUPERSEDED,
    NOTE_TC_DROPPED,
    NOTE_TITLE_BRACKETS,
    NOTE_TITLE_COLON,
    NOTE_TITLE_NUMBER,
    NOTE_TITLE_SPACES,
    NOTE_UNKNOWN_COLUMNS,
)
from standards.importers.values import Fixes, clean_title, parse_date, parse_status

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
NMPA = SHARED / "nmpa-medical-devices" / "standards.json"
SPORTS = SHARED / "sports-standards" / "standards.json"

HEADER = ["number", "title", "status", "published", "effective", "replaces", "ics"]
ROWS = [
    [
        "GB/T 19580-2012",
        "卓越绩效评价准则",
        "现行",
        "2012-03-09",
        "2012-08-01",
        "GB/T 19580-2004",
        "",
    ],
    [
        "GB 2760-2014",
        "食品安全国家标准 食品添加剂使用标准",
        "被代替",
        "2014/12/24",
        "2015.05.24",
        "GB 2760-2011",
        "67.220.20",
    ],
    [
        "GB 2760-2024",
        "食品安全国家标准  食品添加剂使用标准",
        "即将实施",
        "2024年2月8日",
        "2025-02-08",
        "GB 2760-2014",
        "67.220.20; 67.040",
    ],
]


def write_csv(path: Path, rows, *, encoding="utf-8", delimiter=",", header=HEADER) -> Path:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def write_jsonl(path: Path, lines) -> Path:
    path.write_text(
        "\n".join(x if isinstance(x, str) else json.dumps(x, ensure_ascii=False) for x in lines)
        + "\n",
        encoding="utf-8",
    )
    return path


def by_number(batch):
    return {r.number: r for r in batch.records}


def reasons(batch):
    return {s.line: s.reason for s in batch.skipped}


# -- values ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2024-02-08", date(2024, 2, 8)),
        ("2024/2/8", date(2024, 2, 8)),
        ("2024.02.08", date(2024, 2, 8)),
        ("2024年2月8日", date(2024, 2, 8)),
        ("２０２４－０２－０８", date(2024, 2, 8)),
        ("2024-02-08 00:00:00", date(2024, 2, 8)),
        ("2024-02-08T10:30:00Z", date(2024, 2, 8)),
        ("20240208", date(2024, 2, 8)),
        (datetime(2024, 2, 8, 13, 5), date(2024, 2, 8)),
        (date(2024, 2, 8), date(2024, 2, 8)),
        ("", None),
        (None, None),
    ],
)
def test_dates(text, expected):
    assert parse_date(text, "published") == expected


@pytest.mark.parametrize("text", ["2024-02-30", "2024", "下月", "2024-13-01", "8/2/2024"])
def test_bad_dates_name_the_field(text):
    with pytest.raises(ValueError, match="发布日期无效"):
        parse_date(text, "published")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("现行", "current"),
        ("有效", "current"),
        ("active", "current"),
        ("Current", "current"),
        ("即将实施", "upcoming"),
        ("被代替", "superseded"),
        ("superseded", "superseded"),
        ("废止", "withdrawn"),
        ("作废", "withdrawn"),
        ("已废止", "withdrawn"),
        ("WITHDRAWN", "withdrawn"),
        ("", ""),
    ],
)
def test_statuses(text, expected):
    assert parse_status(text) == expected


def test_unknown_status_names_the_field():
    with pytest.raises(ValueError, match="状态无法识别"):
        parse_status("草案")


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("高山滑雪板性能测定 第6部分:坡道性能", "高山滑雪板性能测定 第6部分：坡道性能"),
        (
            "中小学体育器材和场地  第11部分:合成材料面层运动场地",
            "中小学体育器材和场地 第11部分：合成材料面层运动场地",
        ),
        (
            "天然材料体育场地使用要求及检验方法  第2部分: 综合体育场馆木地板场地",
            "天然材料体育场地使用要求及检验方法 第2部分：综合体育场馆木地板场地",
        ),
        ("消费品使用说明\u3000第7部分：体育器材", "消费品使用说明 第7部分：体育器材"),
        ("悬浮式拼装运动地板\n技术规范", "悬浮式拼装运动地板 技术规范"),
        ("反恐怖防范管理规范 第 17 部分：体育场馆", "反恐怖防范管理规范 第17部分：体育场馆"),
        ("《体育场馆智慧化建设规范》", "体育场馆智慧化建设规范"),
        (
            "《体育运动场地建设和验收》第1部分：合成材料面层",
            "体育运动场地建设和验收 第1部分：合成材料面层",
        ),
        ("丘陵区农田径流氮磷流失监测技术规范》", "丘陵区农田径流氮磷流失监测技术规范"),
        ("关于《标准化法》的实施指南", "关于《标准化法》的实施指南"),
        ("信息技术 ISO 9001:2015 应用指南", "信息技术 ISO 9001:2015 应用指南"),
        ("医疗器械 GB/T 42062应用指南", "医疗器械 GB/T 42062应用指南"),
    ],
)
def test_titles(raw, expected):
    assert clean_title(raw, Fixes()) == expected


def test_title_repeating_its_own_number():
    fixes = Fixes()
    title = clean_title(
        "T/BESA 004—2019《北京市电子竞技运动场地评级标准》",
        fixes,
        raw_number="T/BESA 004—2019",
        number="T/BESA 004-2019",
    )
    assert title == "北京市电子竞技运动场地评级标准"
    assert {key for key, _ in fixes.items} == {NOTE_TITLE_NUMBER, NOTE_TITLE_BRACKETS}


# -- canonical JSON Lines -----------------------------------------------------------------


def test_jsonl(tmp_path):
    path = write_jsonl(
        tmp_path / "standards.jsonl",
        [
            {
                "number": "GB/T19580-2012",
                "title": "卓越绩效评价准则",
                "title_en": "Criteria for performance excellence",
                "status": "现行",
                "published": "2012-03-09",
                "effective": "2012年8月1日",
                "replaces": ["GB/T 19580-2004"],
                "ics": ["03.120.10"],
                "ccs": "a00",
                "department": "全国质量管理和质量保证标准化技术委员会",
                "scope": "本标准规定了卓越绩效的评价要求。",
                "category": "质量管理",
            },
            "",
            {
                "number": "GB 2760-2024",
                "title": "食品添加剂使用标准",
                "status": "upcoming",
                "replaces": "GB 2760-2014；GB 2760-2011",
                "replaced_by": [],
                "replaces_partial": "GB 1886.1-2015",
            },
            "{not json",
            {"number": "GB 5749-2022", "title": ""},
            {"number": "GB 1-2020", "title": "标题", "published": "2020-02-30"},
            {"number": "GB 2-2020", "title": "标题", "status": "草案"},
            {"number": "不是标准号", "title": "标题"},
            {"title": "没有编号"},
            [1, 2],
            {"number": "GB 3-2020", "title": "标题", "ics": "11.040.01 xx", "extra": 1},
        ],
    )
    batch = read_file(path)
    assert batch.shape == "canonical-jsonl"
    assert batch.encoding == "utf-8"
    assert len(batch.records) + len(batch.skipped) == 10  # non-blank lines
    records = by_number(batch)
    r = records["GB/T 19580-2012"]
    assert r.line == 1 and r.raw_number == "GB/T19580-2012"
    assert (r.status, r.published, r.effective) == ("current", date(2012, 3, 9), date(2012, 8, 1))
    assert r.replaces == ["GB/T 19580-2004"] and r.ics == ["03.120.10"] and r.ccs == "A00"
    assert r.title_en == "Criteria for performance excellence"
    assert r.department.startswith("全国质量") and r.category == "质量管理" and r.scope
    r = records["GB 2760-2024"]
    assert r.line == 3 and r.status == "upcoming"
    assert r.replaces == ["GB 2760-2014", "GB 2760-2011"]
    assert r.replaces_partial == ["GB 1886.1-2015"] and r.replaced_by == []
    assert records["GB 3-2020"].ics == ["11.040.01"]
    assert batch.notes[NOTE_BAD_ICS] == 1
    assert any(k.startswith(NOTE_UNKNOWN_COLUMNS) and "extra" in k for k in batch.notes)
    why = reasons(batch)
    assert set(why) == {4, 5, 6, 7, 8, 9, 10}
    assert "JSON" in why[4]
    assert "标准名称" in why[5]
    assert "发布日期" in why[6]
    assert "状态" in why[7]
    assert "标准号" in why[8] and "标准号" in why[9]
    assert "对象" in why[10]


def test_json_array_of_canonical_objects(tmp_path):
    path = tmp_path / "standards.json"
    path.write_text(
        json.dumps(
            [{"number": "GB 1-2020", "title": "一"}, {"标准号": "GB 2-2020", "标准名称": "二"}],
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    batch = read_file(path)
    assert batch.shape == "canonical-jsonl"
    assert [(r.number, r.line) for r in batch.records] == [("GB 1-2020", 1), ("GB 2-2020", 2)]


def test_single_line_jsonl(tmp_path):
    path = write_jsonl(tmp_path / "one.jsonl", [{"number": "GB 1-2020", "title": "一"}])
    assert [r.number for r in read_file(path).records] == ["GB 1-2020"]


def test_duplicates_keep_the_last(tmp_path):
    path = write_jsonl(
        tmp_path / "dup.jsonl",
        [
            {"number": "GB/T 1-2020", "title": "旧  标题"},
            {"number": "GB/T 2-2020", "title": "其他"},
            {"number": "GB/T1—2020", "title": "新标题"},
        ],
    )
    batch = read_file(path)
    assert [(r.number, r.title, r.line) for r in batch.records] == [
        ("GB/T 2-2020", "其他", 2),
        ("GB/T 1-2020", "新标题", 3),
    ]
    assert [(s.line, "第 3 行" in s.reason) for s in batch.skipped] == [(1, True)]
    assert batch.notes[NOTE_DUPLICATE] == 1
    # the fix applied to the dropped row is not counted
    assert batch.notes[NOTE_TITLE_SPACES] == 0


def test_effective_rule_in_canonical_file(tmp_path):
    path = write_jsonl(
        tmp_path / "rule.jsonl",
        [
            {
                "number": "YY 9706.102-2021",
                "title": "医用电气设备",
                "effective": "与GB9706.1-2020同步实施",
            }
        ],
    )
    (r,) = read_file(path).records
    assert r.effective is None and r.effective_note == "与GB 9706.1-2020同步实施"


def test_links_that_are_not_numbers_are_dropped_and_counted(tmp_path):
    path = write_jsonl(
        tmp_path / "links.jsonl",
        [
            {
                "number": "GB/T 1-2020",
                "title": "一",
                "replaced_by": "TC291",
                "replaces": ["GB/T 1-2020", "见说明", "GB/T 1-2009"],
            }
        ],
    )
    batch = read_file(path)
    (r,) = batch.records
    assert r.replaced_by == [] and r.replaces == ["GB/T 1-2009"]
    assert batch.notes[NOTE_TC_DROPPED] == 1 and batch.notes[NOTE_SELF_LINK] == 1
    assert len(r.warnings) >= 3


def test_link_cells_split_on_line_breaks_but_keep_a_broken_number(tmp_path):
    path = write_jsonl(
        tmp_path / "lines.jsonl",
        [
            {
                "number": "DB13/T 5651.5-2023",
                "title": "一",
                "replaces": "DB13/T\n5651.5-2020",
                "replaced_by": "GB/T 1-2030\nGB/T 2-2030",
                "replaces_partial": "代替GB 2760-2011中的部分内容",
            }
        ],
    )
    batch = read_file(path)
    (r,) = batch.records
    assert r.replaces == ["DB13/T 5651.5-2020"]
    assert r.replaced_by == ["GB/T 1-2030", "GB/T 2-2030"]
    assert r.replaces_partial == ["GB 2760-2011"]
    assert batch.notes[NOTE_LINK_EXTRACTED] == 1


# -- canonical CSV ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "encoding, reported",
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("gbk", "gb18030"),
        ("gb18030", "gb18030"),
        ("utf-16", "utf-16"),  # Excel's "Unicode text" export, with its BOM
    ],
)
def test_csv_encodings(tmp_path, encoding, reported):
    rows = [*ROWS]
    if encoding == "gb18030":  # a character GBK does not have
        rows.append(["T/ZZB 1-2020", "䶮字测试 规范", "现行", "", "", "", ""])
    path = write_csv(tmp_path / "standards.csv", rows, encoding=encoding)
    batch = read_file(path)
    assert (batch.shape, batch.encoding) == ("canonical-csv", reported)
    assert len(batch.records) == len(rows) and not batch.skipped
    records = by_number(batch)
    r = records["GB 2760-2014"]
    assert r.title == "食品安全国家标准 食品添加剂使用标准"
    assert (r.status, r.published, r.effective) == (
        "superseded",
        date(2014, 12, 24),
        date(2015, 5, 24),
    )
    assert r.line == 3
    r = records["GB 2760-2024"]
    assert r.title == "食品安全国家标准 食品添加剂使用标准"  # double space collapsed
    assert r.published == date(2024, 2, 8) and r.ics == ["67.220.20", "67.040"]
    assert batch.notes[NOTE_TITLE_SPACES] == 1
    if encoding == "gb18030":
        assert records["T/ZZB 1-2020"].title.startswith("䶮")


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_csv_delimiters(tmp_path, delimiter):
    rows = [r[:5] + ["GB 2760-2011,GB 2760-2007、GB 2760-1996"] + r[6:] for r in ROWS]
    path = write_csv(tmp_path / "standards.csv", rows, delimiter=delimiter)
    batch = read_file(path)
    assert len(batch.records) == 3
    assert by_number(batch)["GB 2760-2014"].replaces == [
        "GB 2760-2011",
        "GB 2760-2007",
        "GB 2760-1996",
    ]


def test_csv_chinese_headers_and_title_line(tmp_path):
    path = tmp_path / "目录.csv"
    text = (
        "张家口市标准目录（2024）\r\n"
        "\r\n"
        "标准号（必填）,标准名称,英文名称,状态,发布日期,实施日期,废止日期,代替标准,被代替标准,"
        "ICS,CCS,归口单位,范围,备注\r\n"
        "DB13/T 5651.5-2023,冰雪运动场地 第5部分:滑冰场,Ice rinks,现行,2023-01-10,2023-02-10,,"
        'DB13/T 5651.5-2020,,97.220.10,Y57,河北省体育局,"适用于\n滑冰场。",无\r\n'
        "GB 19079.1-2003,体育场所开放条件与技术要求 第1部分：游泳场所,,废止,2003-01-01,,"
        "2014-06-01,,GB 19079.1-2013,,,,,\r\n"
        "DB13/T 1-2020,,,现行,,,,,,,,,,\r\n"
    )
    path.write_bytes(text.encode("gbk"))
    batch = read_file(path)
    assert batch.encoding == "gb18030"
    records = by_number(batch)
    r = records["DB13/T 5651.5-2023"]
    assert r.line == 4
    assert r.title == "冰雪运动场地 第5部分：滑冰场" and r.title_en == "Ice rinks"
    assert r.replaces == ["DB13/T 5651.5-2020"] and r.ics == ["97.220.10"] and r.ccs == "Y57"
    assert r.department == "河北省体育局" and r.scope == "适用于\n滑冰场。"
    r = records["GB 19079.1-2003"]
    assert r.line == 6  # the quoted line break above moved it down
    assert r.status == "withdrawn" and r.withdrawn == date(2014, 6, 1)
    assert r.replaced_by == ["GB 19079.1-2013"]
    assert [(s.line, s.reason) for s in batch.skipped] == [(7, "缺少标准名称")]
    assert any("备注" in k for k in batch.notes)


def test_csv_bad_rows_have_their_line_numbers(tmp_path):
    rows = [
        ROWS[0],
        ["", "没有编号", "", "", "", "", ""],
        ["GB 1-2020", "日期错", "", "2020-02-30", "", "", ""],
        ["", "", "", "", "", "", ""],  # blank: not a data row
        ["GB 2-2020", "状态错", "有时有效", "", "", "", ""],
        ["GBX", "编号错", "", "", "", "", ""],
        ["GB 3-2020", "实施日期错", "", "", "明年", "", ""],
        ROWS[1],
    ]
    batch = read_file(write_csv(tmp_path / "bad.csv", rows))
    assert len(batch.records) + len(batch.skipped) == 7
    assert [r.line for r in batch.records] == [2, 9]
    why = reasons(batch)
    assert set(why) == {3, 4, 6, 7, 8}
    assert "标准号" in why[3]
    assert "发布日期" in why[4]
    assert "状态" in why[6]
    assert "标准号" in why[7]
    assert "实施日期" in why[8]
    assert all(s.raw for s in batch.skipped)
    assert batch.skipped[1].raw.startswith("GB 1-2020,日期错")


def test_csv_with_excel_sep_line(tmp_path):
    path = tmp_path / "sep.csv"
    path.write_text("sep=;\nnumber;title\nGB 1-2020;一\n", encoding="utf-8")
    batch = read_file(path)
    assert [(r.number, r.line) for r in batch.records] == [("GB 1-2020", 3)]


# -- canonical XLSX ---------------------------------------------------------------------


def make_xlsx(path: Path) -> Path:
    wb = openpyxl.Workbook()
    notes = wb.active
    notes.title = "说明"
    notes.append(["本工作簿的第二张表是标准目录"])
    ws = wb.create_sheet("目录")
    ws.append(["张家口市标准目录"])  # row 1: a title line above the header
    ws.append(["标准号", "标准名称", "状态", "发布日期", "实施日期", "代替标准", "分类"])  # row 2
    ws.append(
        [
            "GB/T 19580-2012",
            '="卓越绩效"&"评价准则"',
            "现行",
            date(2012, 3, 9),
            datetime(2012, 8, 1),
            "GB/T 19580-2004、GB/T 19579-2004",
            "质量",
        ]
    )  # row 3
    ws.append([])  # row 4: empty
    ws.append(["GB 2760-2024", "食品添加剂使用标准", "即将实施", 45330, "2025/2/8", None, "食品"])
    ws.append(
        ["GB 2760-2014", "食品添加剂使用标准（2014）", "被代替", "2014-12-24", None, None, None]
    )
    ws.merge_cells("G5:G6")  # row 6 lies under a merged cell: its category is empty
    ws.append(["GB 5749-2022", "生活饮用水卫生标准", "现行", 2022, None, None, None])  # row 7
    ws.append(["GB 1-2020", None, None, None, None, None, None])  # row 8
    ws["A8"] = "GB 1-2020"
    ws.merge_cells("A8:B8")  # the title is covered by the merge: skipped
    wb.save(path)
    # openpyxl stores no cached result for a formula; give it the one Excel would store.
    with zipfile.ZipFile(path) as z:
        parts = {name: z.read(name) for name in z.namelist()}
    sheet = "xl/worksheets/sheet2.xml"
    xml = parts[sheet].decode()
    xml, n = re.subn(
        r'<c r="B3"><f>(.*?)</f><v\s*(?:/>|></v>)',
        r'<c r="B3" t="str"><f>\1</f><v>卓越绩效评价准则</v>',
        xml,
    )
    assert n == 1
    parts[sheet] = xml.encode()
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return path


def test_xlsx(tmp_path):
    batch = read_file(make_xlsx(tmp_path / "standards.xlsx"))
    assert (batch.shape, batch.encoding, batch.sheet) == ("canonical-xlsx", None, "目录")
    assert len(batch.records) + len(batch.skipped) == 5
    records = by_number(batch)
    r = records["GB/T 19580-2012"]
    assert r.line == 3 and r.title == "卓越绩效评价准则"  # the formula's cached value
    assert (r.published, r.effective) == (date(2012, 3, 9), date(2012, 8, 1))
    assert r.replaces == ["GB/T 19580-2004", "GB/T 19579-2004"]
    r = records["GB 2760-2024"]
    assert r.line == 5 and r.published == date(2024, 2, 8) and r.effective == date(2025, 2, 8)
    assert batch.notes[NOTE_EXCEL_SERIAL] == 1
    assert records["GB 2760-2014"].category == "" and records["GB 2760-2014"].line == 6
    why = reasons(batch)
    assert set(why) == {7, 8}
    assert "发布日期" in why[7]  # a bare year is not a date
    assert why[8] == "缺少标准名称"


def test_xlsx_truncated(tmp_path):
    good = make_xlsx(tmp_path / "good.xlsx").read_bytes()
    path = tmp_path / "truncated.xlsx"
    path.write_bytes(good[: len(good) // 2])
    with pytest.raises(ImportFileError, match="XLSX"):
        read_file(path)


def test_xlsx_without_a_header(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(["a", "b"])
    wb.active.append(["GB 1-2020", "一"])
    wb.save(tmp_path / "noheader.xlsx")
    with pytest.raises(ImportFileError, match="表头"):
        read_file(tmp_path / "noheader.xlsx")


# -- whole files that cannot be read ----------------------------------------------------


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("empty.csv", b"", "为空"),
        ("blank.jsonl", b"  \n\r\n ", "为空"),
        ("header-only.csv", b"number,title\r\n", "没有数据"),
        ("empty-array.json", b"[]", "没有数据"),
        ("garbage.bin", random.Random(7).randbytes(4096), "无法识别"),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), ".xls"),
        ("fake.xlsx", b"number,title\nGB 1-2020,x\n", "XLSX"),
        ("other.json", b'{"hello": "world"}', "JSON"),
        ("broken.json", b'[{"number": "GB 1-2020", "title": "x"', "JSON 格式错误"),
        ("latin1.csv", "number,title\nGB 1-2020,caf\xe9 \xff\xfe\n".encode("latin-1"), "编码"),
        ("nohead.csv", b"a,b,c\n1,2,3\n", "表头"),
    ],
)
def test_unreadable_files(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ImportFileError, match=re.escape(message)):
        read_file(path)


def test_file_over_the_size_limit(tmp_path):
    path = write_csv(tmp_path / "big.csv", ROWS * 50)
    with pytest.raises(ImportFileError, match="过大"):
        read_file(path, max_bytes=1000)
    assert len(read_file(path).records) == 3  # under the default limit: read (duplicates folded)


def test_missing_file(tmp_path):
    with pytest.raises(ImportFileError, match="不存在"):
        read_file(tmp_path / "nope.csv")


# -- nothing is lost, whatever the rows hold ---------------------------------------------

cell = st.one_of(
    st.sampled_from(["GB/T 19580-2012", "GB 2760-2014", "T/JSVA 008—2022", "GBX", "", "现行"]),
    st.text(max_size=12),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(st.lists(cell, min_size=0, max_size=9), min_size=1, max_size=12),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]),
)
def test_every_csv_row_is_accounted_for(rows, encoding):
    # csv cannot write a lone carriage return, and a row of empty cells is blank
    rows = [[c.replace("\r", "").replace("\x00", "") for c in row] for row in rows]
    data_rows = sum(1 for row in rows if any(c.strip() for c in row))
    with tempfile.TemporaryDirectory() as tmp:
        path = write_csv(Path(tmp) / "x.csv", rows, encoding=encoding, header=HEADER + ["title_en"])
        try:
            batch = read_file(path)
        except ImportFileError as exc:
            assert data_rows == 0 or "编码" in str(exc) or "二进制" in str(exc), exc
            return
    assert len(batch.records) + len(batch.skipped) == data_rows
    assert all(s.reason for s in batch.skipped)
    assert len({r.number for r in batch.records}) == len(batch.records)


# -- the shared source files ------------------------------------------------------------

needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data is not present")


@pytest.fixture(scope="module")
def nmpa():
    return read_file(NMPA), json.loads(NMPA.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def sports():
    return read_file(SPORTS), json.loads(SPORTS.read_text(encoding="utf-8"))["standards"]


@needs_shared
def test_nmpa_accounting(nmpa):
    batch, source = nmpa
    assert batch.shape == "nmpa" and batch.encoding == "utf-8"
    assert len(source) == 2141
    assert len(batch.records) + len(batch.skipped) == 2141
    assert all(s.reason for s in batch.skipped)
    statuses = Counter(r.status for r in batch.records)
    assert statuses["current"] + statuses["upcoming"] == len(batch.records)
    lines = {r.line: r for r in batch.records}
    for i, obj in enumerate(source, 1):  # each record comes from its own row
        if i in lines:
            assert lines[i].raw_number == obj["number"]


@needs_shared
def test_nmpa_fields(nmpa):
    batch, _source = nmpa
    records = by_number(batch)
    rules = [r for r in batch.records if r.effective_note]
    assert len(rules) == 3 and batch.notes[NOTE_EFFECTIVE_RULE] == 3
    assert {r.effective_note for r in rules} == {"与GB 9706.1-2020同步实施"}
    assert all(r.effective is None for r in rules)
    assert batch.notes[NOTE_EFFECTIVE_EMPTY] == 3
    r = records["GB/T 42061-2022"]
    assert (r.title, r.status) == ("医疗器械 质量管理体系 用于法规的要求", "current")
    assert (r.published, r.effective) == (date(2022, 10, 14), date(2023, 11, 1))
    assert r.category == "通用技术领域 / 医疗器械质量"  # l2 repeats l1
    assert r.department == ""  # GB standards are not issued by NMPA
    r = records["YY 0055-2026"]
    assert (r.status, r.replaces, r.effective) == ("upcoming", ["YY 0055-2018"], date(2029, 8, 1))
    assert r.department == "国家药品监督管理局"
    r = records["YY/T 0870.9-2026"]
    assert r.replaces == [] and r.replaces_partial == ["YY/T 0870.1-2013"]
    assert batch.notes[NOTE_PARTIAL] == 4
    assert sum(len(r.replaces) + len(r.replaces_partial) for r in batch.records) == 26
    assert all("  " not in r.title for r in batch.records)
    assert batch.notes[NOTE_TITLE_SPACES] > 0 and batch.notes[NOTE_TITLE_COLON] > 0


@needs_shared
def test_sports_accounting(sports):
    batch, source = sports
    assert batch.shape == "sports"
    assert len(source) == 1339
    assert len(batch.records) + len(batch.skipped) == 1339
    assert all(s.reason for s in batch.skipped)
    # every skipped row is explained, and there are few of them
    assert len(batch.skipped) <= 5, [(s.line, s.reason) for s in batch.skipped]
    # "T/HSCA 001.—2017" (row 663) and "T/HSCA 001-2017" (row 664) are one standard
    assert any(s.line == 663 and "重复" in s.reason for s in batch.skipped)
    assert batch.notes[NOTE_DUPLICATE] == 1
    for s in batch.skipped:
        assert s.raw.startswith("{")


@needs_shared
def test_sports_successors_and_committee_codes(sports):
    batch, source = sports
    committee = [o for o in source if re.fullmatch(r"TC\d+", o.get("replacedBy") or "")]
    assert 50 <= len(committee) <= 60  # "about 55"
    assert batch.notes[NOTE_TC_DROPPED] == len(committee)
    assert batch.notes[NOTE_SELF_LINK] == 1  # GB 9668-1996 "replaced by" itself
    real = [
        o
        for o in source
        if o.get("replacedBy") and o not in committee and o["replacedBy"] != o["code"]
    ]
    assert 35 <= len(real) <= 40  # "about 39"
    with_successor = [r for r in batch.records if r.replaced_by]
    assert len(with_successor) == len(real)
    assert all(r.status == "superseded" for r in with_successor)
    assert batch.notes[NOTE_SUPERSEDED] == len(real)
    records = by_number(batch)
    assert records["GB 19272-2011"].replaced_by == ["GB 19272-2024"]
    assert records["DB37/T 2904-2017"].replaced_by == ["DB37/T 2904-2019"]
    assert records["GB/T 19851.11-2005"].status == "withdrawn"  # TC291 is no successor
    assert records["GB/T 19851.11-2005"].replaced_by == []
    assert records["GB 9668-1996"].replaced_by == []
    statuses = Counter(r.status for r in batch.records)
    assert statuses["superseded"] == len(real)
    assert set(statuses) <= {"current", "upcoming", "superseded", "withdrawn"}


@needs_shared
def test_sports_fields(sports):
    batch, _source = sports
    records = by_number(batch)
    r = records["TY/T 3501.6-2024"]
    assert r.title == "高山滑雪板性能测定 第6部分：坡道性能"
    assert (r.published, r.effective) == (date(2024, 7, 5), date(2025, 1, 1))
    assert (r.department, r.category, r.status) == ("国家体育总局", "体育赛事", "current")
    assert r.raw_number == "TY/T 3501.6-2024"
    cjk_colon = re.compile(r"[\u4e00-\u9fff]\s*:|:\s*[\u4e00-\u9fff]")
    assert not [r.title for r in batch.records if "  " in r.title or cjk_colon.search(r.title)]
    assert any("；" in r.category for r in batch.records)  # category given as a list
    assert batch.notes[NOTE_TITLE_COLON] >= 40
    withdrawn = [r for r in batch.records if r.withdrawn]
    assert len(withdrawn) >= 140
    assert any(r.scope for r in batch.records)
    # odd numbers from the README are normalized, not lost
    raws = {r.raw_number: r.number for r in batch.records}
    assert raws["DB13/T\n5651.5-2023"] == "DB13/T 5651.5-2023"
    assert raws["JYT 0629-2020"] == "JY/T 0629-2020"
    assert raws["DB14/ T 1763-2018"] == "DB14/T 1763-2018"
    assert raws["T/CSGF T/CSGF024—2023"] == "T/CSGF 024-2023"
    assert raws["T/JSVA 008—2022"] == "T/JSVA 008-2022"
