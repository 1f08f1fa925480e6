"""XLSX bulk import of declarations: the template, the reader and the import.

Layout (the template says the same in its “填写说明” sheet):

* sheet **产品与标准**, one product per row: 声明编号 (the grouping key: rows with the
  same key make one declaration), 产品名称, 型号, 类别 (Chinese name or code), 规格,
  条码, 通用名称, 执行标准 (numbers separated by ；/; , 、 or line breaks; a
  declaration executes the union of its rows' standards), 声明名称 (optional).
* sheet **企业标准指标** (optional), one indicator per row of an own Q/ standard:
  声明编号, 企业标准编号, 标准名称, 指标, 指标值, 单位, 检验方法, 对应推荐性标准,
  推荐性标准指标值, 低于推荐值 (是/否), 明示说明. A Q/ standard listed here belongs to
  the declaration of the row's 声明编号 (it need not be repeated in 执行标准).
* Rows whose 声明编号 is “示例” are the template's examples and are never imported.

Columns are found by their header in row 1, so their order does not matter. Every
import creates new declarations. It is all or nothing: the declarations are published
in one transaction, and if any of them cannot be published nothing is.

Files are checked by content before openpyxl sees them: a ZIP with the parts of an
XLSX, within the size, unpacked-size and compression limits of
``standards.documents`` (legacy .xls, CSV renamed to .xlsx and other files are refused
with a message). Formula cells are read as their cached values and nothing in a cell
is ever evaluated; the error report writes user text through the formula-injection
guard of ``standards.reports``.
"""

from __future__ import annotations

import io
import re
import unicodedata
import warnings
from dataclasses import dataclass, field

from django.db import transaction

from declarations import identifiers, services
from declarations.models import Category
from standards import documents

MAX_FILE_BYTES = 5 * 1024 * 1024
#: Filled rows over both sheets.
MAX_ROWS = 5000
#: Declarations in one file.
MAX_DECLARATIONS = 500
#: Unpacked size of the whole workbook.
MAX_UNZIPPED_BYTES = 50 * 1024 * 1024
#: Rows looked at in one sheet, empty ones included.
MAX_SCANNED_ROWS = 50_000
MAX_COLUMNS = 40

SHEET_HELP = "填写说明"
SHEET_PRODUCTS = "产品与标准"
SHEET_OWN = "企业标准指标"
SHEET_CATEGORIES = "类别表"
EXAMPLE_KEY = "示例"

_MB = 1024 * 1024
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    max_length: int
    required: bool = False
    width: int = 14
    note: str = ""


PRODUCT_COLUMNS = (
    Column("group", "声明编号", 50, True, 10, "同一编号的各行组成一份声明，如 1、2、A-01"),
    Column("name", "产品名称", 200, True, 20),
    Column("model", "型号", 200, True, 14),
    Column("category", "类别", 40, True, 14, "从下拉列表中选择，见“类别表”"),
    Column("specification", "规格", 200, False, 14),
    Column("barcode", "条码", 20, False, 16, "商品条码，按文本填写"),
    Column("common_name", "通用名称", 200, False, 16),
    Column("standards", "执行标准", 2000, True, 34, "标准编号，多个用；分隔"),
    Column("title", "声明名称", 200, False, 20, "可不填，默认用产品名称"),
)
OWN_COLUMNS = (
    Column("group", "声明编号", 50, True, 10, "与“产品与标准”表中的声明编号对应"),
    Column("number", "企业标准编号", 60, True, 20, "如 Q/ABC 0001-2024"),
    Column("name", "标准名称", 200, True, 20, "同一企业标准的多行写一次即可"),
    Column("indicator", "指标", 200, False, 16, "功能指标或性能指标的名称"),
    Column("value", "指标值", 200, False, 12),
    Column("unit", "单位", 40, False, 10),
    Column("method", "检验方法", 200, False, 16),
    Column("recommended_standard", "对应推荐性标准", 120, False, 18),
    Column("reference_value", "推荐性标准指标值", 200, False, 16),
    Column("lower", "低于推荐值", 10, False, 10, "是 或 否"),
    Column("statement", "明示说明", 5000, False, 30, "指标少于或低于推荐性标准时必须填写"),
)

EXAMPLE_PRODUCT = (
    EXAMPLE_KEY,
    "复合调味料",
    "FH-01",
    "食品",
    "500 g/袋",
    "6901234567892",
    "复合调味料",
    "GB 2760-2024；Q/ABC 0001S-2024",
    "复合调味料系列",
)
EXAMPLE_OWN = (
    EXAMPLE_KEY,
    "Q/ABC 0001S-2024",
    "复合调味料",
    "水分",
    "≤ 8.0",
    "g/100g",
    "GB 5009.3",
    "",
    "",
    "否",
    "",
)

INSTRUCTIONS = (
    "企业标准自我声明批量导入模板",
    "",
    "一、怎样填写",
    "1. 在“产品与标准”表中每行填写一个产品（或服务）。“声明编号”相同的各行组成一份声明，"
    "编号只在本文件中用来分组，如 1、2、A-01。",
    "2. 必填列：声明编号、产品名称、型号、类别、执行标准。类别请从下拉列表中选择（见“类别表”）。",
    "3. 执行标准填写标准编号，多个编号用“；”分隔，如“GB 2760-2024；GB/T 19580-2012”。"
    "一份声明执行的标准是其各行执行标准的合集，每个编号写一次即可。",
    "4. 执行本企业标准（Q/ 开头）的，在“企业标准指标”表中每行填写一项功能指标或性能指标："
    "声明编号、企业标准编号、标准名称、指标、指标值等。指标少于或低于推荐性标准的，"
    "“低于推荐值”填“是”，并在“明示说明”中写明（企业标准化促进办法第十四条）。",
    "5. 批量导入只能公开企业标准的指标；需要公开标准全文（PDF）的，请在网页上逐份填写。",
    "6. 声明编号为“示例”的行是填写示例，不会导入，可以保留或删除。",
    "",
    "二、导入规则",
    f"1. 只接受 Excel 工作簿（.xlsx），不超过 {MAX_FILE_BYTES // _MB} MB、"
    f"{MAX_ROWS} 行、{MAX_DECLARATIONS} 份声明。",
    "2. 全部成功才导入：任何一份声明有问题，所有声明都不公开。页面会列出每个问题所在的"
    "工作表、行号和原因，也可以下载问题清单，改正后重新上传。",
    "3. 执行标准已废止、目录未收录或编号有误的，不能公开；已被代替、尚未实施或已发布新版本的，"
    "需要在上传时勾选“确认提示”。",
    "4. 每次导入都会新建声明。修订、修改或废止已公开的声明，请在“我的声明”中操作。",
    "5. 上传即表示作出自我声明承诺：产品符合所执行的标准，并满足全部强制性标准。",
    "6. 单元格中的公式不会被计算或执行，只读取单元格显示的值。",
)


class SpreadsheetError(Exception):
    """The file cannot be read as an import workbook; ``str()`` is a Chinese message."""


@dataclass
class RowProblem:
    sheet: str  # "" for problems of the whole upload
    row: int | None
    column: str
    message: str

    def as_list(self) -> list:
        return [self.sheet, self.row, self.column, self.message]


@dataclass
class _Own:
    number: str
    rows: list[int] = field(default_factory=list)
    name: str = ""
    name_row: int = 0
    statement: str = ""
    recommended_standard: str = ""
    indicators: list[tuple[int, services.IndicatorInput]] = field(default_factory=list)


@dataclass
class Group:
    """The rows of one declaration."""

    key: str
    first_row: int
    title: str = ""
    products: list[tuple[int, services.ProductInput]] = field(default_factory=list)
    #: Standard numbers as written → the row where each first appears.
    standards: dict[str, int] = field(default_factory=dict)
    own: dict[str, _Own] = field(default_factory=dict)

    def to_input(self, commitment: bool, acknowledge_warnings: bool) -> services.DeclarationInput:
        return services.DeclarationInput(
            products=[p for _, p in self.products],
            standards=list(self.standards),
            own_standards=[
                services.OwnStandardInput(
                    number=o.number,
                    name=o.name,
                    indicators=[x for _, x in o.indicators],
                    recommended_standard=o.recommended_standard,
                    below_recommended=False,
                    statement=o.statement,
                )
                for o in self.own.values()
            ],
            title=self.title,
            commitment=commitment,
            acknowledge_warnings=acknowledge_warnings,
        )


@dataclass
class Published:
    key: str
    declaration: object
    references: list[services.CheckedReference]


@dataclass
class ImportResult:
    published: list[Published] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.published)


# -- the template ---------------------------------------------------------------------------


def build_template() -> bytes:
    """The XLSX template: instructions, the two data sheets and the category list."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    help_sheet = wb.active
    help_sheet.title = SHEET_HELP
    wb.properties.title = "企业标准自我声明批量导入模板"
    wb.properties.creator = "标准馆"
    for i, line in enumerate(INSTRUCTIONS, 1):
        cell = help_sheet.cell(row=i, column=1, value=line)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if i == 1:
            cell.font = Font(bold=True, size=14)
        elif line.startswith(("一、", "二、")):
            cell.font = Font(bold=True)
    help_sheet.column_dimensions["A"].width = 110

    def solid(colour):
        return PatternFill(fill_type="solid", start_color=colour, end_color=colour)

    def data_sheet(title, columns, example):
        ws = wb.create_sheet(title)
        for c, column in enumerate(columns, 1):
            cell = ws.cell(row=1, column=c, value=column.header)
            cell.font = Font(bold=True, color="FFFFFF")
            cell.fill = solid("305496" if column.required else "5B7DB1")
            note = ("必填。" if column.required else "选填。") + column.note
            cell.comment = Comment(note, "标准馆")
            letter = get_column_letter(c)
            ws.column_dimensions[letter].width = column.width
            # Text format: long barcodes and numbers like 0001 keep their digits.
            ws.column_dimensions[letter].number_format = "@"
        for c, value in enumerate(example, 1):
            cell = ws.cell(row=2, column=c, value=value)
            cell.font = Font(italic=True, color="808080")
            cell.number_format = "@"
        ws.freeze_panes = "B2"
        return ws

    products = data_sheet(SHEET_PRODUCTS, PRODUCT_COLUMNS, EXAMPLE_PRODUCT)
    own = data_sheet(SHEET_OWN, OWN_COLUMNS, EXAMPLE_OWN)

    categories = wb.create_sheet(SHEET_CATEGORIES)
    categories.append(["类别", "代码"])
    for cell in categories[1]:
        cell.font = Font(bold=True)
    for code, label in Category.choices:
        categories.append([str(label), code])
    categories.column_dimensions["A"].width = 18
    categories.column_dimensions["B"].width = 18
    last = len(Category.choices) + 1

    category_column = get_column_letter(_index(PRODUCT_COLUMNS, "category"))
    choose = DataValidation(
        type="list",
        formula1=f"'{SHEET_CATEGORIES}'!$A$2:$A${last}",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="类别",
        error="请从下拉列表中选择类别",
    )
    choose.add(f"{category_column}2:{category_column}{MAX_ROWS + 1}")
    products.add_data_validation(choose)

    lower_column = get_column_letter(_index(OWN_COLUMNS, "lower"))
    yes_no = DataValidation(
        type="list", formula1='"是,否"', allow_blank=True, showErrorMessage=True
    )
    yes_no.add(f"{lower_column}2:{lower_column}{MAX_ROWS + 1}")
    own.add_data_validation(yes_no)

    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _index(columns, key) -> int:
    return next(i for i, c in enumerate(columns, 1) if c.key == key)


# -- reading --------------------------------------------------------------------------------


def open_workbook(content: bytes):
    """The workbook (read-only, values only) once the file has passed every check."""
    if not content:
        raise SpreadsheetError("文件是空的")
    if len(content) > MAX_FILE_BYTES:
        raise SpreadsheetError(f"文件超过 {MAX_FILE_BYTES // _MB} MB 上限，请分成几个文件导入")
    if content.startswith(_OLE_MAGIC):
        raise SpreadsheetError(
            "这是旧版 Excel 文件（.xls）或加密的 Office 文件。"
            "请在 Excel 中“另存为”Excel 工作簿（.xlsx），去掉密码后再上传"
        )
    if not content.startswith(b"PK\x03\x04"):
        raise SpreadsheetError(
            "文件不是 Excel 工作簿（.xlsx，按文件内容判断）。请用下载的模板填写，"
            "保存为 .xlsx 后再上传；CSV 或其他格式请先另存为 .xlsx"
        )
    try:
        archive = documents._open_zip(content, "Excel 文件")
    except documents.DocumentError as exc:
        raise SpreadsheetError(str(exc)) from None
    infos = archive.infolist()
    names = {info.filename for info in infos}
    if sum(info.file_size for info in infos) > MAX_UNZIPPED_BYTES:
        raise SpreadsheetError(
            f"文件结构异常（解压后超过 {MAX_UNZIPPED_BYTES // _MB} MB），为安全起见未读取"
        )
    if "xl/workbook.bin" in names:
        raise SpreadsheetError("不支持 Excel 二进制工作簿（.xlsb），请另存为 .xlsx 后再上传")
    if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
        raise SpreadsheetError(
            "压缩文件不是 Excel 工作簿（.xlsx）。请用下载的模板填写，保存为 .xlsx 后再上传"
        )
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # features openpyxl drops: not our concern
            return load_workbook(
                io.BytesIO(content), read_only=True, data_only=True, keep_links=False
            )
    except Exception:  # openpyxl raises many kinds of errors on a damaged file
        raise SpreadsheetError("Excel 文件已损坏或格式不正确，无法读取") from None


def _text(value) -> str:
    """A cell as text. Formula cells arrive as their cached value (or None)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if hasattr(value, "isoformat"):
        text = value.isoformat()
        return text[:10] if text.endswith("T00:00:00") else text
    text = unicodedata.normalize("NFC", str(value))
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def _header_key(value) -> str:
    text = unicodedata.normalize("NFKC", _text(value))
    text = re.sub(r"[（(].*?[）)]", "", text)
    return re.sub(r"[\s*＊]", "", text)


_YES = {"是", "Y", "YES", "TRUE", "1", "√", "✓", "✔", "低于"}
_NO = {"", "否", "N", "NO", "FALSE", "0", "×", "✗", "不低于"}
_SPLIT = re.compile(r"[;；,，、\n]+")


def _rows(sheet, columns, problems, budget):
    """``(row number, {key: text})`` for each filled row of a sheet."""
    sheet.reset_dimensions()  # declared dimensions can claim a million rows
    rows = sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS)
    header = next(rows, None) or ()
    keys = {}
    for c, value in enumerate(header):
        name = _header_key(value)
        for column in columns:
            if name == column.header and column.key not in keys:
                keys[column.key] = c
    missing = [c.header for c in columns if c.required and c.key not in keys]
    if missing:
        problems.append(
            RowProblem(
                sheet.title,
                1,
                "",
                "第 1 行应为表头，缺少列：" + "、".join(missing) + "。请使用下载的模板",
            )
        )
        return
    for number, row in enumerate(rows, 2):
        if number > MAX_SCANNED_ROWS:
            problems.append(
                RowProblem(sheet.title, None, "", f"工作表超过 {MAX_SCANNED_ROWS} 行，未读取完")
            )
            return
        values = {key: _text(row[i]) if i < len(row) else "" for key, i in keys.items()}
        if not any(values.values()):
            continue
        budget[0] -= 1
        if budget[0] < 0:
            problems.append(
                RowProblem(sheet.title, number, "", f"数据超过 {MAX_ROWS} 行，请分成几个文件导入")
            )
            return
        yield number, values


def _too_long(sheet, number, columns, values, problems) -> bool:
    bad = False
    for column in columns:
        if len(values.get(column.key, "")) > column.max_length:
            problems.append(
                RowProblem(
                    sheet, number, column.header, f"内容过长：最多 {column.max_length} 个字符"
                )
            )
            bad = True
    return bad


def parse(workbook) -> tuple[list[Group], list[RowProblem]]:
    """The declarations in a workbook, or the problems of its rows."""
    problems: list[RowProblem] = []
    names = workbook.sheetnames
    if SHEET_PRODUCTS not in names:
        return [], [
            RowProblem(
                "",
                None,
                "",
                f"找不到“{SHEET_PRODUCTS}”工作表。请使用下载的模板，不要修改工作表名称",
            )
        ]
    budget = [MAX_ROWS]
    groups: dict[str, Group] = {}
    sheet = SHEET_PRODUCTS
    for number, values in _rows(workbook[sheet], PRODUCT_COLUMNS, problems, budget):
        key = values["group"]
        if key == EXAMPLE_KEY:
            continue
        if _too_long(sheet, number, PRODUCT_COLUMNS, values, problems):
            continue
        if not key:
            problems.append(RowProblem(sheet, number, "声明编号", "缺少声明编号"))
            continue
        group = groups.get(key)
        if group is None:
            if len(groups) >= MAX_DECLARATIONS:
                problems.append(
                    RowProblem(sheet, number, "声明编号", f"一个文件最多 {MAX_DECLARATIONS} 份声明")
                )
                break
            group = groups[key] = Group(key, number)
        group.title = group.title or values.get("title", "")
        product_fields = ("name", "model", "category", "specification", "barcode", "common_name")
        numbers = [n.strip() for n in _SPLIT.split(values["standards"]) if n.strip()]
        if any(values.get(k) for k in product_fields):
            group.products.append(
                (number, services.ProductInput(*(values.get(k, "") for k in product_fields)))
            )
        elif not numbers and not values.get("title"):
            problems.append(RowProblem(sheet, number, "", "这一行只有声明编号，没有产品或执行标准"))
        for n in numbers:
            if len(n) > 120:
                problems.append(RowProblem(sheet, number, "执行标准", f"标准编号过长：{n[:40]}…"))
            else:
                group.standards.setdefault(n, number)

    if SHEET_OWN in names:
        sheet = SHEET_OWN
        for number, values in _rows(workbook[sheet], OWN_COLUMNS, problems, budget):
            key = values["group"]
            if key == EXAMPLE_KEY:
                continue
            if _too_long(sheet, number, OWN_COLUMNS, values, problems):
                continue
            _own_row(groups, sheet, number, values, problems)

    for group in groups.values():
        # The number as written in 执行标准, when it is there too: one reference, not two.
        written = {}
        for n in group.standards:
            if identifiers.is_own_number(n):
                written.setdefault(_clean_or_none(n), n)
        for cleaned, own in group.own.items():
            own.number = written.get(cleaned, own.number)
    return list(groups.values()), problems


def _clean_or_none(number: str) -> str | None:
    try:
        return identifiers.clean_own_number(number)
    except identifiers.IdentifierError:
        return None


def _own_row(groups, sheet, number, values, problems):
    key = values["group"]
    if not key:
        problems.append(RowProblem(sheet, number, "声明编号", "缺少声明编号"))
        return
    group = groups.get(key)
    if group is None:
        problems.append(
            RowProblem(
                sheet,
                number,
                "声明编号",
                f"声明编号“{key}”在“{SHEET_PRODUCTS}”表中不存在",
            )
        )
        return
    raw = values["number"]
    if not raw:
        problems.append(RowProblem(sheet, number, "企业标准编号", "缺少企业标准编号"))
        return
    try:
        cleaned = identifiers.clean_own_number(raw)
    except identifiers.IdentifierError as exc:
        problems.append(RowProblem(sheet, number, "企业标准编号", exc.message))
        return
    own = group.own.get(cleaned)
    if own is None:
        own = group.own[cleaned] = _Own(number=raw)
    own.rows.append(number)
    for attr, header in (
        ("name", "标准名称"),
        ("statement", "明示说明"),
        ("recommended_standard", "对应推荐性标准"),
    ):
        value = values.get(attr, "")
        if not value:
            continue
        if not getattr(own, attr):
            setattr(own, attr, value)
        elif getattr(own, attr) != value:
            problems.append(
                RowProblem(
                    sheet,
                    number,
                    header,
                    f"同一企业标准 {cleaned} 的“{header}”与前面的行不一致",
                )
            )
    lower = unicodedata.normalize("NFKC", values.get("lower", "")).strip().upper()
    if lower not in _YES and lower not in _NO:
        problems.append(RowProblem(sheet, number, "低于推荐值", "请填写“是”或“否”"))
        return
    if values.get("indicator") or values.get("value"):
        own.indicators.append(
            (
                number,
                services.IndicatorInput(
                    values.get("indicator", ""),
                    values.get("value", ""),
                    values.get("unit", ""),
                    values.get("method", ""),
                    values.get("reference_value", ""),
                    lower in _YES,
                ),
            )
        )
    elif lower in _YES:
        problems.append(RowProblem(sheet, number, "指标", "标为低于推荐值的行须填写指标和指标值"))


# -- importing ------------------------------------------------------------------------------


def import_workbook(
    enterprise, user, content: bytes, *, commitment: bool, acknowledge_warnings: bool
) -> ImportResult:
    """Publish every declaration of the file, or none (with the problems by row).

    Raises ``SpreadsheetError`` when the file itself cannot be read."""
    workbook = open_workbook(content)
    try:
        groups, problems = parse(workbook)
    except SpreadsheetError:
        raise
    except Exception:  # a damaged part found only while reading the rows
        raise SpreadsheetError("Excel 文件已损坏或格式不正确，无法读取") from None
    finally:
        workbook.close()
    if problems:
        return ImportResult(problems=problems)
    if not groups:
        return ImportResult(
            problems=[
                RowProblem(
                    SHEET_PRODUCTS,
                    None,
                    "",
                    "没有找到要导入的声明（声明编号为“示例”的行不会导入）",
                )
            ]
        )
    result = ImportResult()
    form_problems: dict[str, RowProblem] = {}
    with transaction.atomic():
        for group in groups:
            data = group.to_input(commitment, acknowledge_warnings)
            outcome = services.publish(enterprise, user, data)
            if outcome.ok:
                result.published.append(
                    Published(group.key, outcome.declaration, outcome.assessment.references)
                )
                continue
            for problem in _row_problems(group, outcome.assessment):
                if problem.sheet:
                    result.problems.append(problem)
                else:
                    form_problems.setdefault(problem.message, problem)
        if result.problems or form_problems:
            transaction.set_rollback(True)
            result.published = []
    order = {SHEET_PRODUCTS: 0, SHEET_OWN: 1}
    result.problems.sort(key=lambda p: (order.get(p.sheet, 2), p.row or 0))
    result.problems = list(form_problems.values()) + result.problems
    return result


def _row_problems(group: Group, assessment: services.Assessment) -> list[RowProblem]:
    """The services' problems of one group, placed on the rows they come from."""
    out = []
    refs_by_message = {f"{r.input}：{r.message}": r for r in assessment.references}
    own_list = list(group.own.values())
    own_by_number = {o.number: o for o in own_list}
    headers = {c.key: c.header for c in PRODUCT_COLUMNS}
    prefix = f"声明编号“{group.key}”："

    def at_reference(number: str, column: str = "执行标准"):
        if number in group.standards:
            return SHEET_PRODUCTS, group.standards[number], column
        if number in own_by_number:
            return SHEET_OWN, own_by_number[number].rows[0], "企业标准编号"
        return SHEET_PRODUCTS, group.first_row, column

    for problem in assessment.errors:
        parts = problem.field.split(".")
        if problem.field == "commitment":
            out.append(RowProblem("", None, "", "请勾选自我声明承诺后再上传"))
        elif problem.field == "acknowledge_warnings":
            for ref in assessment.warnings:
                sheet, row, column = at_reference(ref.input)
                notes = "；".join([ref.message, *ref.warnings])
                out.append(
                    RowProblem(
                        sheet,
                        row,
                        column,
                        f"{prefix}{ref.input}：{notes}。如确认按此标准公开，"
                        "请勾选“确认提示”后重新上传",
                    )
                )
        elif parts[0] == "products" and len(parts) == 3:
            row, _ = group.products[int(parts[1]) - 1]
            column = headers.get(parts[2], "")
            out.append(RowProblem(SHEET_PRODUCTS, row, column, prefix + problem.message))
        elif problem.field == "standards" and problem.message in refs_by_message:
            sheet, row, column = at_reference(refs_by_message[problem.message].input)
            out.append(RowProblem(sheet, row, column, prefix + problem.message))
        elif problem.field == "own_standards":
            number = problem.message.split("：", 1)[0]
            sheet, row, column = at_reference(number)
            out.append(
                RowProblem(
                    sheet,
                    row,
                    column,
                    f"{prefix}{number}：本企业标准须在“{SHEET_OWN}”表中填写标准名称和指标",
                )
            )
        elif parts[0] == "own_standards" and len(parts) >= 3:
            own = own_list[int(parts[1]) - 1]
            row, column = (
                own.rows[0],
                {"name": "标准名称", "statement": "明示说明"}.get(parts[2], "企业标准编号"),
            )
            if parts[2] == "indicators" and len(parts) == 4:
                filled = [r for r, x in own.indicators if x.name.strip() or x.value.strip()]
                index = int(parts[3]) - 1
                row, column = (filled[index] if index < len(filled) else row), "指标"
            elif parts[2] == "indicators":
                column = "指标"
            out.append(RowProblem(SHEET_OWN, row, column, prefix + problem.message))
        else:
            out.append(RowProblem(SHEET_PRODUCTS, group.first_row, "", prefix + problem.message))
    return out


# -- the problem report ---------------------------------------------------------------------

REPORT_COLUMNS = ("工作表", "行号", "列", "问题")


def problems_xlsx(problems: list[list]) -> bytes:
    """The problems (``RowProblem.as_list()`` rows) as an XLSX; user text is never
    taken for a formula (``standards.reports``' guard)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    from standards.reports import _put

    wb = Workbook()
    ws = wb.active
    ws.title = "导入问题"
    wb.properties.creator = "标准馆"
    for c, title in enumerate(REPORT_COLUMNS, 1):
        cell = _put(ws, 1, c, title)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill(fill_type="solid", start_color="305496", end_color="305496")
    for r, (sheet, row, column, message) in enumerate(problems, 2):
        _put(ws, r, 1, sheet or "（整个文件）")
        _put(ws, r, 2, row)
        _put(ws, r, 3, column or "")
        _put(ws, r, 4, message).alignment = Alignment(wrap_text=True, vertical="top")
    for letter, width in zip("ABCD", (16, 8, 16, 90), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
