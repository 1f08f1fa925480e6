"""Reading uploaded documents for 标准查新: formats, hostile files, the 规范性引用文件 section.

Every file here is made in the test with the real library that writes that format
(openpyxl, python-docx, reportlab, pypdf, zipfile); nothing is mocked. Pure Python, no
database.
"""

import io
import re
import subprocess
import sys
import time
import zipfile

import docx
import openpyxl
import pytest
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from openpyxl.styles import Font
from PIL import Image
from pypdf import PdfReader, PdfWriter
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from standards import documents
from standards.documents import (
    MAX_UPLOAD_BYTES,
    DocumentError,
    ExtractedDocument,
    extract,
    extract_text_references,
    safe_name,
)

# A standard as users write them: foreword, 规范性引用文件, the clauses after it.
STANDARD = """Q/ZJK 001—2021
前言
本文件按照GB/T 1.1—2020《标准化工作导则 第1部分：标准化文件的结构和起草规则》的规定起草。
本文件代替Q/ZJK 001—2018。
1 范围
本文件规定了速冻饺子的要求。
2 规范性引用文件
下列文件中的内容通过文中的规范性引用而构成本文件必不可少的条款。其中，注日期的引用文件，\
仅该日期对应的版本适用于本文件；不注日期的引用文件，其最新版本（包括所有的修改单）适用于本文件。
GB/T 191 包装储运图示标志
GB 2760—2014 食品安全国家标准 食品添加剂使用标准
GB／T 1.1－2020 标准化工作导则 第1部分：标准化文件的结构和起草规则
《食品安全国家标准 预包装食品标签通则》（GB 7718-2011）
3 术语和定义
本文件没有需要界定的术语和定义。
4 技术要求
食品添加剂的使用应符合GB 2760—2014的规定，微生物限量应符合GB 29921的规定。
"""


def by_number(document: ExtractedDocument) -> dict:
    return {r.normalized: r for r in document.references}


def error_of(data: bytes, filename: str, **kwargs) -> DocumentError:
    with pytest.raises(DocumentError) as info:
        extract(data, filename, **kwargs)
    return info.value


# -- builders ----------------------------------------------------------------------------


def xlsx_bytes(workbook: openpyxl.Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def rezip(data: bytes, *, replace: dict | None = None, add: dict | None = None) -> bytes:
    """A copy of the ZIP ``data`` with some members' bytes replaced and others added."""
    replace, add = replace or {}, add or {}
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            content = source.read(info)
            if info.filename in replace:
                content = replace[info.filename](content)
            target.writestr(info.filename, content)
        for name, content in add.items():
            target.writestr(name, content)
    return out.getvalue()


def reference_workbook() -> openpyxl.Workbook:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "引用标准"
    sheet.append(["序号", "标准编号", "标准名称"])
    sheet.append([1, "GB 2760-2014", "食品安全国家标准 食品添加剂使用标准"])
    sheet.append([2, "GB/T 191-2008", "包装储运图示标志"])
    sheet["A1"].font = Font(bold=True)
    sheet.merge_cells("B5:C6")
    sheet["B5"] = "JJF 1059.1-2012 测量不确定度评定与表示"
    sheet["D8"] = '=CONCAT("GB ","5749")'  # a formula only: no cached value
    sheet["E9"] = 2012.0
    other = workbook.create_sheet("其他")
    other["C3"] = "检测依据 ＧＢ／Ｔ　５００９．３－２０１６"
    workbook.create_sheet("空表")
    return workbook


def docx_bytes(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def standard_docx():
    """An enterprise standard: references in paragraphs and in a table, in section 2."""
    document = docx.Document()
    document.add_paragraph("Q/ZJK 001—2021")
    document.add_heading("前言", level=1)
    document.add_paragraph("本文件按照GB/T 1.1—2020的规定起草。")
    document.add_heading("1 范围", level=1)
    document.add_paragraph("本文件适用于速冻饺子。")
    document.add_heading("2 规范性引用文件", level=1)
    document.add_paragraph("下列文件中的内容通过文中的规范性引用而构成本文件必不可少的条款。")
    document.add_paragraph("GB/T 191 包装储运图示标志")
    table = document.add_table(rows=3, cols=3)
    rows = [
        ("序号", "标准编号", "标准名称"),
        ("1", "GB 2760-2014", "食品安全国家标准 食品添加剂使用标准"),
        ("2", "GB 7718-2011", "食品安全国家标准 预包装食品标签通则"),
    ]
    for row, values in zip(table.rows, rows, strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    document.add_paragraph("GB 14881-2013 食品生产通用卫生规范")
    document.add_heading("3 术语和定义", level=1)
    document.add_paragraph("本文件没有需要界定的术语和定义。")
    document.add_heading("4 技术要求", level=1)
    after = document.add_table(rows=1, cols=2)
    after.rows[0].cells[0].text = "微生物限量"
    after.rows[0].cells[1].text = "应符合GB 29921-2021"
    document.add_paragraph("添加剂应符合GB 2760-2014。")
    return document


_FONT = "STSong-Light"


def pdf_bytes(pages: list[list[str]], *, image_pages: tuple[int, ...] = ()) -> bytes:
    """A PDF with real text in a CJK font: one list of lines per page (an empty list is
    a blank page); pages in ``image_pages`` carry only a picture."""
    pdfmetrics.registerFont(UnicodeCIDFont(_FONT))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    for number, lines in enumerate(pages, start=1):
        if number in image_pages:
            picture = Image.new("RGB", (200, 100), "white")
            pdf.drawImage(ImageReader(picture), 72, 600, width=200, height=100)
        pdf.setFont(_FONT, 11)
        for i, line in enumerate(lines):
            pdf.drawString(56, 780 - i * 18, line)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def encrypted_pdf(user_password: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes([STANDARD_LINES]))))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


STANDARD_LINES = STANDARD.splitlines()


# -- file names ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\x\\..\\y.csv", "y.csv"),
        ("/home/质量部/引用标准.xlsx", "引用标准.xlsx"),
        ("a\x00b.csv", "ab.csv"),
        ("\x00", "未命名文件"),
        ("", "未命名文件"),
        ("..", "未命名文件"),
        ("../", "未命名文件"),
        (".bashrc", "bashrc"),
        ("...隐藏.txt", "隐藏.txt"),
        ("报告\u202etxt.exe", "报告txt.exe"),  # right-to-left override, a spoofing trick
        ("a\r\nb\t.txt", "ab.txt"),
        ("企业 标准  清单.docx", "企业 标准 清单.docx"),
        ('a<b>:"c"|?*.pdf', "a_b___c____.pdf"),
    ],
)
def test_safe_name(raw, expected):
    assert safe_name(raw) == expected


def test_safe_name_caps_long_chinese_names_and_keeps_the_extension():
    name = safe_name("标准" * 150 + ".xlsx")
    assert len(name) == 100
    assert name.endswith(".xlsx")
    assert name.startswith("标准标准")
    assert len(safe_name("标" * 300)) == 100


def test_documents_carry_the_safe_name():
    assert extract(b"GB 2760-2014", "../../etc/passwd").name == "passwd"
    assert extract_text_references("GB 2760-2014").name == "粘贴的文本"


# -- plain text -----------------------------------------------------------------------------

TEXT = (
    "引用标准：\n"
    "GB/T 19580-2012 卓越绩效评价准则\n"
    "国家标准 GB 18030-2022 信息技术 中文编码字符集 𠮷\n"  # 𠮷 is outside GBK
)


@pytest.mark.parametrize(
    ("encoded", "encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (TEXT.encode("utf-8-sig"), "utf-8-sig"),
        (TEXT.encode("gb18030"), "gb18030"),
        (TEXT.encode("utf-16"), "utf-16"),  # with its BOM
        (b"\xfe\xff" + TEXT.encode("utf-16-be"), "utf-16"),
    ],
)
def test_text_files_in_every_encoding(encoded, encoding):
    document = extract(encoded, "list.txt")
    assert document.kind == "txt"
    assert document.encoding == encoding
    assert document.text.rstrip("\n") == TEXT.rstrip("\n")
    assert [r.normalized for r in document.references] == ["GB/T 19580-2012", "GB 18030-2022"]
    assert [r.line for r in document.references] == [2, 3]
    assert document.references[0].location == "第 2 行"


def test_gbk_text_is_read_as_gb18030():
    text = "执行标准：GB/T 19580-2012 卓越绩效评价准则\r\n企业标准：Q/ZJK 001-2021\r\n"
    document = extract(text.encode("gbk"), "清单.txt")
    assert document.encoding == "gb18030"
    assert "卓越绩效评价准则" in document.text
    assert [(r.normalized, r.line) for r in document.references] == [
        ("GB/T 19580-2012", 1),
        ("Q/ZJK 001-2021", 2),
    ]
    assert "\r" not in document.text


def test_undecodable_bytes_are_refused():
    error = error_of(b"GB 2760-2014 \x80\x80\xff abc", "list.txt")
    assert error.code == "undecodable"
    assert "编码" in str(error)
    # A UTF-16 BOM followed by an odd number of bytes is not UTF-16.
    assert error_of(b"\xff\xfeG\x00B\x00 ", "list.txt").code == "undecodable"


@pytest.mark.parametrize(
    "data", [b"", b" \r\n\t ", b"\xef\xbb\xbf  \n", "\u3000\u3000\n".encode(), b"\xff\xfe \x00"]
)
def test_empty_files(data):
    error = error_of(data, "list.txt")
    assert error.code == "empty"
    assert str(error) == "文件是空的"


def test_pasted_text_must_not_be_empty():
    with pytest.raises(DocumentError) as info:
        extract_text_references(" \n\t")
    assert info.value.code == "empty"


def test_files_over_the_limit_are_refused_before_reading():
    error = error_of(b"GB 2760-2014\n" * 100, "big.txt", max_bytes=1000)
    assert error.code == "too_large"
    error = error_of(b"a" * (MAX_UPLOAD_BYTES + 1), "big.txt")
    assert error.code == "too_large"
    assert "10 MB" in str(error)


@pytest.mark.parametrize(
    "data",
    [
        b"GB 2760\x00\x00\x00\x01\x02binary",
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 40,
        b"\xff\xd8\xff\xe0" + b"JFIF" * 10,
        b"\x1f\x8b\x08\x00" + b"\x00" * 20,
        b"{\\rtf1\\ansi GB 2760-2014}",
    ],
)
def test_other_binary_formats_are_refused(data):
    assert error_of(data, "list.txt").code == "unsupported_type"


OLE_HEADER = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)


def test_old_office_files_ask_to_save_as_docx_or_xlsx():
    ole = OLE_HEADER + "WordDocument".encode("utf-16-le")
    error = error_of(ole, "标准.docx")
    assert error.code == "old_office"
    assert "DOCX" in str(error) and "XLSX" in str(error)


def test_password_protected_office_files_are_ole_and_say_so():
    # Office stores a password-protected DOCX/XLSX as an OLE file with an
    # "EncryptedPackage" stream.
    ole = OLE_HEADER + "EncryptedPackage".encode("utf-16-le")
    error = error_of(ole, "清单.xlsx")
    assert error.code == "encrypted"
    assert "密码" in str(error)


# -- CSV ----------------------------------------------------------------------------------------


def test_csv_cells_are_read_as_text():
    data = (
        "序号,标准编号,标准名称\r\n"
        '1,GB 2760-2014,"食品安全国家标准, 食品添加剂使用标准"\r\n'
        '2,"GB/T 191-2008","包装储运\n图示标志"\r\n'
        "3,JJG 1036-2022,电子天平\r\n"
    ).encode("utf-8-sig")
    document = extract(data, "清单.csv")
    assert document.kind == "csv"
    assert document.encoding == "utf-8-sig"
    assert document.text.splitlines()[1] == "1\tGB 2760-2014\t食品安全国家标准, 食品添加剂使用标准"
    assert "包装储运 图示标志" in document.text  # a line break inside a cell
    assert [(r.normalized, r.line) for r in document.references] == [
        ("GB 2760-2014", 2),
        ("GB/T 191-2008", 3),
        ("JJG 1036-2022", 4),
    ]


def test_a_cell_that_is_a_number_counts_even_in_lower_case():
    """A 标准编号 column holds numbers as people type them; in prose, lower case is not
    taken as a citation, in a cell of its own it is one."""
    data = "序号,标准编号,名称\n1,GB 14881,卫生规范\n2,gb 5749-2006,饮用水\n3,ABC-123,型号\n"
    document = extract(data.encode("gb18030"), "清单.csv")
    assert [(r.normalized, r.line) for r in document.references] == [
        ("GB 14881", 2),  # after the row number 1: not "1 GB", a size
        ("GB 5749-2006", 3),
    ]
    prose = extract("说明：gb 5749-2006 写成小写\n".encode(), "说明.txt")
    assert prose.references == []


def test_csv_is_recognised_by_content_whatever_the_name():
    tsv = "标准编号\t标准名称\nGB 2760-2014\t食品添加剂使用标准\nGB 7718-2011\t标签通则\n"
    assert extract(tsv.encode("gbk"), "export.txt").kind == "csv"
    semicolons = "编号;名称\nGB 2760-2014;添加剂\nGB 7718-2011;标签\n"
    document = extract(semicolons.encode(), "data")
    assert document.kind == "csv"
    assert len(document.references) == 2


def test_the_extension_breaks_ties_between_text_and_csv():
    one_column = b"GB 2760-2014\nGB 7718-2011\n"
    assert extract(one_column, "清单.csv").kind == "csv"
    assert extract(one_column, "清单.txt").kind == "txt"
    assert extract(one_column, "清单").kind == "txt"
    prose = "本产品执行GB 2760-2014，检验按GB 4789.2-2022进行。".encode()
    assert extract(prose, "说明.txt").kind == "txt"


# -- pasted text and the 规范性引用文件 section ---------------------------------------------------


def test_pasted_standard_with_a_normative_section():
    document = extract_text_references(STANDARD)
    assert document.kind == "text"
    assert document.encoding is None
    assert document.normative_section_found
    found = by_number(document)
    assert list(found) == [
        "Q/ZJK 001-2021",
        "GB/T 1.1-2020",
        "Q/ZJK 001-2018",
        "GB/T 191",
        "GB 2760-2014",
        "GB 7718-2011",
        "GB 29921",
    ]
    normative = [r.normalized for r in document.references if r.in_normative_section]
    # GB/T 1.1-2020 is first met in the foreword, and listed again in section 2.
    assert normative == ["GB/T 1.1-2020", "GB/T 191", "GB 2760-2014", "GB 7718-2011"]
    assert not found["GB 29921"].in_normative_section
    assert document.duplicates == 2  # GB/T 1.1-2020 and GB 2760-2014 appear twice

    gb2760 = found["GB 2760-2014"]
    assert gb2760.text == "GB 2760—2014"
    assert gb2760.line == 10
    assert "食品添加剂使用标准" in gb2760.context
    assert "GB 2760—2014" in gb2760.context
    assert len(gb2760.context) < 60
    label = found["GB 7718-2011"]
    assert "预包装食品标签通则" in label.context  # a title in 《》 before the number
    assert found["GB/T 1.1-2020"].line == 3  # the first occurrence is the one kept


def test_without_a_normative_section():
    document = extract_text_references("本产品执行GB 2760-2014和GB 7718-2011。")
    assert not document.normative_section_found
    assert all(not r.in_normative_section for r in document.references)


@pytest.mark.parametrize(
    ("heading", "next_heading"),
    [
        ("2 规范性引用文件", "3 术语和定义"),
        ("2　规范性引用文件", "3　产品分类"),  # full-width spaces
        ("２．规范性引用文件", "３．外观"),
        ("第2章 规范性引用文件", "第3章 要求"),
        ("二、引用标准", "三、技术要求"),
        ("规 范 性 引 用 文 件", "附 录 A"),  # spaced out, as PDFs often give it
        ("规范性引用文件", "术语和定义"),  # Word's automatic numbering is not in the text
        ("2 规范性引用文件", "检验规则"),
    ],
)
def test_section_headings_as_written(heading, next_heading):
    text = (
        f"前言\n本文件代替GB/T 1-2000。\n{heading}\n下列文件对于本文件的应用是必不可少的。\n"
        f"GB/T 191 包装储运图示标志\n1 GB 2760-2014 食品添加剂使用标准\n"
        f"{next_heading}\n应符合GB 7718-2011的规定。\n"
    )
    document = extract_text_references(text)
    assert document.normative_section_found
    flags = {r.normalized: r.in_normative_section for r in document.references}
    assert flags == {
        "GB/T 1-2000": False,
        "GB/T 191": True,
        "GB 2760-2014": True,
        "GB 7718-2011": False,
    }


def test_a_table_of_contents_entry_is_not_the_section():
    text = (
        "目次\n2 规范性引用文件 ........ 1\n3 术语和定义\t2\n"
        "前言 本文件按照GB/T 1.1-2020起草。\n"
        "2 规范性引用文件\nGB/T 191-2008\n3 术语和定义\nGB 2760-2014\n"
    )
    document = extract_text_references(text)
    flags = {r.normalized: r.in_normative_section for r in document.references}
    assert flags == {"GB/T 1.1-2020": False, "GB/T 191-2008": True, "GB 2760-2014": False}


def test_a_numbered_reference_list_does_not_end_the_section():
    text = (
        "2 规范性引用文件\n"
        "3 GB 2760-2014 食品安全国家标准 食品添加剂使用标准\n"
        "4 食品安全国家标准 预包装食品标签通则 GB 7718-2011\n"
        "5\t检验方法\tGB 4789.2-2022\n"
        "3 术语和定义\n"
        "GB 14881-2013\n"
    )
    document = extract_text_references(text)
    flags = {r.normalized: r.in_normative_section for r in document.references}
    assert flags == {
        "GB 2760-2014": True,
        "GB 7718-2011": True,
        "GB 4789.2-2022": True,
        "GB 14881-2013": False,
    }


def test_a_section_with_no_references_is_still_found():
    text = "2 规范性引用文件\n本文件没有规范性引用文件。\n3 术语和定义\n见GB/T 19000。\n"
    document = extract_text_references(text)
    assert document.normative_section_found
    assert [r.in_normative_section for r in document.references] == [False]


def test_duplicates_are_merged_and_counted():
    document = extract_text_references("GB 2760-2014\nGB 2760—2014\ngb 2760-2014\nGB2760-2014")
    assert [r.normalized for r in document.references] == ["GB 2760-2014"]
    assert document.duplicates == 2  # lower case "gb" is not read as a code in prose
    assert document.references[0].line == 1


def test_pasted_text_is_capped(monkeypatch):
    monkeypatch.setattr(documents, "MAX_TEXT_CHARS", 60)
    document = extract_text_references("GB 2760-2014\n" * 10)
    assert len(document.text) == 60
    assert document.references[0].normalized == "GB 2760-2014"
    assert document.duplicates == 3  # only the first 60 characters were read
    assert document.warnings == ["文字太长，只检查了前 60 字"]


# -- XLSX ---------------------------------------------------------------------------------------


def test_xlsx_every_sheet_in_row_order():
    document = extract(xlsx_bytes(reference_workbook()), "清单.xlsx")
    assert document.kind == "xlsx"
    assert document.encoding is None
    assert document.warnings == []
    assert [(r.normalized, r.line, r.location) for r in document.references] == [
        ("GB 2760-2014", 2, "“引用标准”表 B2"),
        ("GB/T 191-2008", 3, "“引用标准”表 B3"),
        ("JJF 1059.1-2012", 5, "“引用标准”表 B5"),  # merged cells: read once
        ("GB/T 5009.3-2016", 3, "“其他”表 C3"),
    ]
    assert "1\tGB 2760-2014\t食品安全国家标准 食品添加剂使用标准" in document.text
    assert "2012" in document.text.split("\n")  # 2012.0 is shown as a whole number
    assert "CONCAT" not in document.text  # formulas are not text; no cached value here


def _with_cached_value(sheet_xml: bytes) -> bytes:
    """The cached result Excel would store; openpyxl writes ``<v/>`` or ``<v></v>``."""
    patched, count = re.subn(
        rb'<c r="D8"><f>(.*?)</f><v\s*(?:/>|></v>)',
        rb'<c r="D8" t="str"><f>\1</f><v>GB 5749-2022</v>',
        sheet_xml,
    )
    assert count == 1
    return patched


def test_xlsx_formulas_give_their_cached_values():
    data = xlsx_bytes(reference_workbook())
    patched = rezip(data, replace={"xl/worksheets/sheet1.xml": _with_cached_value})
    assert patched != data
    found = by_number(extract(patched, "清单.xlsx"))
    assert found["GB 5749-2022"].location == "“引用标准”表 D8"


def test_xlsm_is_read_for_cell_values_only():
    data = rezip(xlsx_bytes(reference_workbook()), add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0"})
    document = extract(data, "宏.xlsm")
    assert document.kind == "xlsx"
    assert len(document.references) == 4
    assert any("宏" in w for w in document.warnings)


def test_xlsx_detected_by_content_not_name():
    document = extract(xlsx_bytes(reference_workbook()), "清单.pdf")
    assert document.kind == "xlsx"


def test_xlsx_that_claims_a_huge_sheet_is_read_quickly():
    # The sheet says it spans A1:XFD1048576 and has one cell in its very last row.
    def stretch(sheet_xml: bytes) -> bytes:
        declared = b'<dimension ref="A1:E9"/>'
        assert declared in sheet_xml
        sheet_xml = sheet_xml.replace(declared, b'<dimension ref="A1:XFD1048576"/>')
        far = (
            b'<row r="1048576"><c r="XFD1048576" t="inlineStr">'
            b"<is><t>GB 2763-2021</t></is></c></row>"
        )
        return sheet_xml.replace(b"</sheetData>", far + b"</sheetData>")

    data = rezip(xlsx_bytes(reference_workbook()), replace={"xl/worksheets/sheet1.xml": stretch})
    started = time.monotonic()
    document = extract(data, "大表.xlsx")
    assert time.monotonic() - started < 10
    found = by_number(document)
    assert found["GB 2763-2021"].location == "“引用标准”表 XFD1048576"


def test_xlsx_without_any_text():
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "=1+1"
    assert error_of(xlsx_bytes(workbook), "空.xlsx").code == "no_text"


def test_damaged_xlsx_is_reported_as_corrupt():
    data = xlsx_bytes(reference_workbook())
    error = error_of(data[: len(data) // 2], "清单.xlsx")
    assert error.code == "corrupt"
    assert "已损坏或格式不正确" in str(error)
    garbage = rezip(data, replace={"xl/workbook.xml": lambda _: b"<workbook><sheets"})
    assert error_of(garbage, "清单.xlsx").code == "corrupt"


def test_xlsx_with_a_parent_directory_member_is_refused():
    data = rezip(xlsx_bytes(reference_workbook()), add={"../../evil.sh": b"rm -rf /"})
    error = error_of(data, "清单.xlsx")
    assert error.code == "unsafe_zip"
    assert "路径" in str(error)
    absolute = rezip(xlsx_bytes(reference_workbook()), add={"/etc/cron.d/x": b"x"})
    assert error_of(absolute, "清单.xlsx").code == "unsafe_zip"


def test_zip_with_encrypted_members_is_refused():
    data = bytearray(xlsx_bytes(reference_workbook()))
    # Set the "encrypted" flag of every member in the central directory.
    start = data.find(b"PK\x01\x02")
    while start != -1:
        data[start + 8] |= 0x1
        start = data.find(b"PK\x01\x02", start + 4)
    error = error_of(bytes(data), "清单.xlsx")
    assert error.code == "encrypted"


def test_zip_with_too_many_members_is_refused():
    data = rezip(
        xlsx_bytes(reference_workbook()), add={f"xl/media/{i}.bin": b"" for i in range(2001)}
    )
    assert error_of(data, "清单.xlsx").code == "unsafe_zip"


def test_other_zip_files_are_not_supported():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "GB 2760-2014")
    error = error_of(buffer.getvalue(), "清单.docx")
    assert error.code == "unsupported_type"
    assert "不支持的文件类型" in str(error)


# -- DOCX ---------------------------------------------------------------------------------------


def test_docx_paragraphs_and_tables_in_document_order():
    document = extract(docx_bytes(standard_docx()), "企业标准.docx")
    assert document.kind == "docx"
    assert document.normative_section_found
    assert [(r.normalized, r.in_normative_section) for r in document.references] == [
        ("Q/ZJK 001-2021", False),
        ("GB/T 1.1-2020", False),
        ("GB/T 191", True),
        ("GB 2760-2014", True),
        ("GB 7718-2011", True),
        ("GB 14881-2013", True),  # the paragraph after the table, still in section 2
        ("GB 29921-2021", False),  # a table in clause 4
    ]
    assert document.duplicates == 1
    found = by_number(document)
    assert all(r.line is None for r in document.references)
    assert found["GB 2760-2014"].location == "第 1 个表格第 2 行"
    assert "食品添加剂使用标准" in found["GB 2760-2014"].context
    lines = document.text.split("\n")
    assert lines.index("2 规范性引用文件") < lines.index("GB/T 191 包装储运图示标志")
    assert "1\tGB 2760-2014\t食品安全国家标准 食品添加剂使用标准" in lines


def test_docx_heading_styles_end_the_section():
    # Word's automatic numbering is not part of the text: "规范性引用文件" then a heading
    # whose title is not a usual clause title.
    document = docx.Document()
    document.add_heading("规范性引用文件", level=1)
    document.add_paragraph("GB/T 191 包装储运图示标志")
    document.add_heading("速冻饺子的馅料", level=1)
    document.add_paragraph("馅料应符合GB 2760-2014。")
    found = by_number(extract(docx_bytes(document), "标准.docx"))
    assert found["GB/T 191"].in_normative_section
    assert not found["GB 2760-2014"].in_normative_section


def _tracked(paragraph, tag: str, text: str) -> None:
    change = OxmlElement(tag)
    change.set(qn("w:id"), "1")
    change.set(qn("w:author"), "质量部")
    run = OxmlElement("w:r")
    piece = OxmlElement("w:delText" if tag == "w:del" else "w:t")
    piece.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    piece.text = text
    run.append(piece)
    change.append(run)
    paragraph._p.append(change)


def test_docx_tracked_changes_read_as_accepted():
    document = docx.Document()
    paragraph = document.add_paragraph("执行标准：")
    _tracked(paragraph, "w:del", "GB 2760-2011")
    _tracked(paragraph, "w:ins", "GB 2760-2014")
    result = extract(docx_bytes(document), "修订.docx")
    assert result.text == "执行标准：GB 2760-2014"
    assert [r.normalized for r in result.references] == ["GB 2760-2014"]


def test_docx_content_controls_are_read_in_place():
    # Templates put blocks in content controls (w:sdt): their text is still in order.
    document = docx.Document()
    document.add_paragraph("2 规范性引用文件")
    inside = document.add_paragraph("GB/T 191 包装储运图示标志")
    control, content = OxmlElement("w:sdt"), OxmlElement("w:sdtContent")
    control.append(content)
    inside._p.addprevious(control)
    content.append(inside._p)
    document.add_paragraph("3 术语和定义")
    result = extract(docx_bytes(document), "模板.docx")
    assert result.text == "2 规范性引用文件\nGB/T 191 包装储运图示标志\n3 术语和定义"
    assert result.references[0].in_normative_section


def test_large_text_is_capped_with_a_warning():
    line = "GB 2760-2014 食品安全国家标准 食品添加剂使用标准\n"
    document = extract((line * 80_000).encode(), "大.txt")
    assert len(document.text) == documents.MAX_TEXT_CHARS
    assert document.warnings == ["文字太长，只检查了前 200 万字"]


def test_docm_is_read_with_a_warning():
    macro = b"application/vnd.ms-word.document.macroEnabled.main+xml"
    plain = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    data = rezip(
        docx_bytes(standard_docx()),
        replace={"[Content_Types].xml": lambda xml: xml.replace(plain, macro)},
        add={"word/vbaProject.bin": b"\xd0\xcf\x11\xe0"},
    )
    document = extract(data, "标准.docm")
    assert document.kind == "docx"
    assert len(document.references) == 7
    assert any("宏" in w for w in document.warnings)


def test_docx_without_text():
    assert error_of(docx_bytes(docx.Document()), "空.docx").code == "no_text"


def test_damaged_docx_is_reported_as_corrupt():
    data = docx_bytes(standard_docx())
    assert error_of(data[:-200], "标准.docx").code == "corrupt"
    broken = rezip(data, replace={"word/document.xml": lambda xml: xml[: len(xml) // 2]})
    error = error_of(broken, "标准.docx")
    assert error.code == "corrupt"
    assert "已损坏或格式不正确" in str(error)


def test_docx_with_a_dtd_is_refused():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    )
    data = rezip(
        docx_bytes(standard_docx()),
        replace={"word/document.xml": lambda xml: bomb + xml.split(b"?>", 1)[1]},
    )
    assert error_of(data, "标准.docx").code == "unsafe_zip"


def _zeros_member(archive: zipfile.ZipFile, name: str, megabytes: int) -> None:
    chunk = bytes(1024 * 1024)
    with archive.open(name, "w", force_zip64=True) as member:
        for _ in range(megabytes):
            member.write(chunk)


def test_docx_zip_bomb_is_refused_fast():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        _zeros_member(archive, "word/document.xml", 200)
    data = buffer.getvalue()
    assert len(data) < 1024 * 1024  # 200 MB of zeros packs into a few hundred KB
    started = time.monotonic()
    error = error_of(data, "炸弹.docx")
    assert time.monotonic() - started < 1
    assert error.code == "unsafe_zip"


def test_a_member_with_an_extreme_compression_ratio_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        _zeros_member(archive, "word/document.xml", 20)  # under the size cap
    error = error_of(buffer.getvalue(), "炸弹.docx")
    assert error.code == "unsafe_zip"
    assert "压缩比" in str(error)


# -- PDF ----------------------------------------------------------------------------------------


def test_pdf_with_chinese_text():
    data = pdf_bytes([STANDARD_LINES[:9], STANDARD_LINES[9:]])
    document = extract(data, "企业标准.pdf")
    assert document.kind == "pdf"
    assert document.warnings == []
    assert "2 规范性引用文件" in document.text
    assert "食品安全国家标准 食品添加剂使用标准" in document.text
    assert document.normative_section_found
    found = by_number(document)
    normative = [r.normalized for r in document.references if r.in_normative_section]
    assert normative == ["GB/T 1.1-2020", "GB/T 191", "GB 2760-2014", "GB 7718-2011"]
    assert found["GB 2760-2014"].line is None
    assert found["Q/ZJK 001-2021"].location == "第 1 页"
    assert found["GB 2760-2014"].location == "第 2 页"
    assert "食品添加剂使用标准" in found["GB 2760-2014"].context


def test_pdf_pages_without_text_are_named():
    data = pdf_bytes([["GB 2760-2014 食品添加剂使用标准"], [], ["GB 7718-2011"]], image_pages=(2,))
    document = extract(data, "标准.pdf")
    assert len(document.references) == 2
    assert document.warnings == ["第 2 页没有可提取的文字（可能是扫描图片）"]


def test_scanned_pdf_has_no_text():
    error = error_of(pdf_bytes([[], []], image_pages=(1, 2)), "扫描件.pdf")
    assert error.code == "no_text"
    assert "扫描件" in str(error)
    assert "粘贴" in str(error)


def test_pdf_pages_are_capped(monkeypatch):
    monkeypatch.setattr(documents, "MAX_PDF_PAGES", 2)
    data = pdf_bytes([["GB 2760-2014"], ["GB 7718-2011"], ["GB 14881-2013"]])
    document = extract(data, "长.pdf")
    assert [r.normalized for r in document.references] == ["GB 2760-2014", "GB 7718-2011"]
    assert document.warnings == ["PDF 共 3 页，只读取了前 2 页"]


def test_pdf_text_is_capped(monkeypatch):
    monkeypatch.setattr(documents, "MAX_TEXT_CHARS", 20)
    data = pdf_bytes([["GB 2760-2014"], ["GB 7718-2011"], ["GB 14881-2013"]])
    document = extract(data, "长.pdf")
    assert len(document.text) == 20
    assert [r.normalized for r in document.references] == ["GB 2760-2014"]
    assert document.warnings == ["文字太长，只检查了前 20 字"]


def test_encrypted_pdf_is_refused():
    error = error_of(encrypted_pdf("secret"), "加密.pdf")
    assert error.code == "encrypted"
    assert str(error).startswith("PDF 已加密")


def test_pdf_that_only_restricts_copying_is_read():
    document = extract(encrypted_pdf(""), "只读.pdf")
    assert "GB 2760-2014" in by_number(document)


def test_truncated_pdf_is_corrupt():
    data = pdf_bytes([STANDARD_LINES])
    error = error_of(data[: len(data) // 2], "标准.pdf")
    assert error.code == "corrupt"
    assert "已损坏或格式不正确" in str(error)


def test_pdf_detected_by_content_not_name():
    assert extract(pdf_bytes([["GB 2760-2014"]]), "清单.txt").kind == "pdf"


# -- the module ---------------------------------------------------------------------------------


def test_documents_module_does_not_need_django():
    code = (
        "import sys, standards.documents as d\n"
        "assert not [m for m in sys.modules if m.split('.')[0] == 'django'], 'django loaded'\n"
        "print(d.extract(b'GB 2760-2014', 'a.txt').references[0].normalized)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "GB 2760-2014"
