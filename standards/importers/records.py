"""What a read produces: canonical records, skipped rows, counted fixes.

See architecture.md, "Contracts" (canonical standard record). Pure Python: the
database writer (``standards.services.import_batches``) consumes these.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

#: Status values of the canonical record ("" = the source did not say).
STATUSES = ("current", "upcoming", "superseded", "withdrawn")

#: Shapes ``read_file`` recognises.
SHAPES = (
    "canonical-jsonl",  # JSON Lines, or a plain JSON array, of canonical objects
    "canonical-csv",
    "canonical-xlsx",
    "nmpa",  # nmpa-medical-devices/standards.json
    "sports",  # sports-standards/standards.json
)


@dataclass
class StandardRecord:
    """One canonical record, ready for the database writer."""

    number: str  # normalized edition number
    title: str
    title_en: str = ""
    status: str = ""  # one of STATUSES, or "" when unknown
    published: date | None = None
    effective: date | None = None
    withdrawn: date | None = None
    #: Set when the effective date is a rule, not a date ("与GB 9706.1-2020同步实施").
    effective_note: str = ""
    replaces: list[str] = field(default_factory=list)  # normalized numbers, full replacement
    replaces_partial: list[str] = field(default_factory=list)
    replaced_by: list[str] = field(default_factory=list)
    replaced_by_partial: list[str] = field(default_factory=list)
    ics: list[str] = field(default_factory=list)
    ccs: str = ""
    department: str = ""
    scope: str = ""
    category: str = ""
    #: Line (JSON Lines / CSV), row (XLSX) or array index + 1 (JSON) in the source.
    line: int = 0
    raw_number: str = ""  # the number as written in the source
    #: What was changed or dropped in this record, in Chinese (the batch counts them).
    warnings: list[str] = field(default_factory=list)


@dataclass
class Skipped:
    """A source row that produced no record."""

    line: int
    raw: str  # the row as written (shortened when very long)
    reason: str  # in Chinese, naming the field at fault


@dataclass
class ImportBatch:
    """Everything read from one file: ``len(records) + len(skipped)`` is its row count."""

    path: str
    shape: str  # one of SHAPES
    encoding: str | None  # "utf-8", "utf-8-sig", "gb18030", "utf-16"; None for XLSX
    records: list[StandardRecord] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    #: Counted fixes and drops, keyed by a Chinese description.
    notes: Counter = field(default_factory=Counter)
    sheet: str = ""  # XLSX: the worksheet read

    @property
    def rows(self) -> int:
        return len(self.records) + len(self.skipped)


class ImportFileError(Exception):
    """The whole file cannot be read (empty, corrupt, unknown shape…); message in Chinese."""


class RowError(ValueError):
    """One row cannot become a record; the message is the Chinese reason."""


# Counted notes (keys of ImportBatch.notes). Kept here so callers and tests can refer
# to them.
NOTE_NUMBER_DASH = "编号中的破折号/全角连字符已改为“-”"
NOTE_NUMBER_NORMALIZED = "编号已规范化"
NOTE_LINK_EXTRACTED = "从代替信息的文字中取出标准号"
NOTE_LINK_NORMALIZED = "代替信息中的编号已规范化"
NOTE_TITLE_SPACES = "标题多余空格已清理"
NOTE_TITLE_COLON = "标题中半角冒号已改为全角“：”"
NOTE_TITLE_NUMBER = "标题开头重复的标准号已去除"
NOTE_TITLE_BRACKETS = "标题外的书名号《》已去除"
NOTE_TC_DROPPED = "丢弃非标准号的代替信息（技术委员会代号，如 TC291）"
NOTE_BAD_LINK = "丢弃无法识别的代替信息"
NOTE_UNDATED_LINK = "丢弃无年代号的代替信息（不知是哪一版）"
NOTE_SELF_LINK = "丢弃指向自身的代替信息"
NOTE_DUPLICATE = "文件内重复标准号，以后出现者为准"
NOTE_EFFECTIVE_RULE = "实施日期为规则而非日期，已记入实施说明"
NOTE_EFFECTIVE_EMPTY = "实施日期为空"
NOTE_SUPERSEDED = "“废止”但有后继标准，状态改为被代替"
NOTE_PARTIAL = "新制定的标准代替另一部分，按部分代替处理"
NOTE_TYPE_MISMATCH = "标准类型与编号层级不一致（以编号为准）"
NOTE_MANDATORY_MISMATCH = "是否强制与编号不一致（以编号为准）"
NOTE_STATUS_MISMATCH = "英文状态与中文状态不一致（以英文状态为准）"
NOTE_DEPARTMENT = "按发布日期推定 YY 行业标准的发布部门为国家药品监督管理局"
NOTE_BAD_ICS = "丢弃格式不符的 ICS 代码"
NOTE_EXCEL_SERIAL = "Excel 日期序列号已转换为日期"
NOTE_EXTRA_CELLS = "行的列数多于表头，多余内容已忽略"
NOTE_ROWS_BEFORE_HEADER = "表头之前的行已忽略"
NOTE_UNKNOWN_COLUMNS = "未识别的列已忽略"
