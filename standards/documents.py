"""Read the documents users upload for 标准查新 and find the standard numbers cited in them.

Users bring what they have: a plain list (TXT), a spreadsheet (CSV, XLSX), their own
enterprise standard (DOCX or PDF) with its 规范性引用文件 section. ``extract`` takes the
uploaded bytes, recognises the format by content, reads the text in reading order and
finds every reference with ``standards.numbers.find_references``;
``extract_text_references`` does the same for pasted text.

Pure Python, no Django: it is called from the views and the API alike.

Decisions worth knowing:

* **Content decides the format**, never the file name: ``%PDF-`` is a PDF, a ZIP is a
  DOCX or an XLSX by its members, an OLE file (``D0CF11E0``) is a legacy .doc/.xls or
  a password-protected Office file, anything else must decode as text. The extension
  only breaks a tie between plain text and CSV.
* **Hostile files** are refused before a parser sees them: size first, then the ZIP
  directory (total unpacked size, compression ratio, member count, path names, DTDs in
  XML parts). Nothing is written to disk and no macro is ever run: an XLSX with
  macros is read for its cell values only. Every parser failure becomes a
  ``DocumentError`` with a Chinese message, never a traceback.
* **Lines and locations.** ``FoundReference.line`` is a line the user can see: the line
  of a TXT file or of pasted text, the record of a CSV file, the row of an XLSX
  sheet; it is ``None`` for DOCX and PDF, which have no line numbers a reader can
  find. ``location`` names the place in words ("第 3 页", "“引用标准”表 B4").
* **The 规范性引用文件 section** starts at a heading line (``2 规范性引用文件``, also
  ``引用标准`` and unnumbered headings from Word's automatic numbering) and ends at
  the next heading: a higher clause number with a short title (``3 术语和定义``), a
  well-known clause title, an appendix, or a Word heading style.
* **Duplicates** (the same normal form) are listed once, at their first place; the
  entry counts as in the normative section when any of its occurrences is.
"""

import bisect
import csv
import datetime
import io
import re
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass, field

import docx
import openpyxl
import pypdf
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml.ns import qn
from pypdf.errors import DependencyError

from standards.numbers import Reference, find_references, try_parse

__all__ = [
    "MAX_PDF_PAGES",
    "MAX_TEXT_CHARS",
    "MAX_UPLOAD_BYTES",
    "DocumentError",
    "ExtractedDocument",
    "FoundReference",
    "extract",
    "extract_text_references",
    "safe_name",
]

#: Largest upload read at all.
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
#: Text kept from one document; the rest is dropped with a warning.
MAX_TEXT_CHARS = 2_000_000
#: Pages of a PDF read; the rest are skipped with a warning.
MAX_PDF_PAGES = 300

# ZIP containers (DOCX, XLSX): refused before parsing when any of these is exceeded.
MAX_UNZIPPED_BYTES = 100 * 1024 * 1024
MAX_ZIP_MEMBERS = 2000
MAX_COMPRESSION_RATIO = 200
#: Members smaller than this are harmless whatever their ratio (a short run of
#: repeated XML can compress very well), so the ratio is checked from this size on.
RATIO_CHECKED_FROM = 1024 * 1024
#: Spreadsheet cells looked at (an empty row counts as one): a sheet can declare a
#: million rows or sixteen thousand columns with almost no bytes.
MAX_XLSX_CELLS = 5_000_000

_MB = 1024 * 1024
_DEFAULT_NAME = "未命名文件"
_PASTED_NAME = "粘贴的文本"


class DocumentError(Exception):
    """A file that cannot be read. ``str(error)`` is a Chinese message for the user,
    ``code`` a short English code for programs (``too_large``, ``empty``, ``corrupt``,
    ``encrypted``, ``no_text``, ``unsupported_type``, ``old_office``, ``unsafe_zip``,
    ``undecodable``)."""

    def __init__(self, message: str, code: str = "invalid"):
        super().__init__(str(message))
        self.code = code


@dataclass
class FoundReference:
    """One standard number found in a document."""

    text: str  # as written in the document
    normalized: str  # its normal form, e.g. "GB/T 19580-2012"
    line: int | None  # the line, CSV record or sheet row a user can find; else None
    in_normative_section: bool  # inside the 规范性引用文件 section
    context: str  # about 40 characters around it, on its line, for display
    location: str | None = None  # where it is, in words: "第 3 页", "“引用标准”表 B4"


@dataclass
class ExtractedDocument:
    """The text of one document and the references in it."""

    name: str  # safe display name
    kind: str  # "txt" | "csv" | "xlsx" | "docx" | "pdf" | "text"
    encoding: str | None  # for txt and csv: "utf-8", "utf-8-sig", "utf-16", "gb18030"
    text: str  # all the text found, in reading order
    references: list[FoundReference] = field(default_factory=list)  # in order, unique
    duplicates: int = 0  # further occurrences of numbers already listed
    normative_section_found: bool = False
    warnings: list[str] = field(default_factory=list)  # in Chinese, for the user


# -- file names ---------------------------------------------------------------------------

# Characters Windows refuses in file names; they are replaced so that the name can be
# reused for a download.
_RESERVED_IN_NAMES = str.maketrans({c: "_" for c in '<>:"|?*'})
_MAX_NAME = 100


def safe_name(filename: str) -> str:
    """A file name fit for display: no folders (``/`` or ``\\``), no control or invisible
    formatting characters, no leading dots, at most 100 characters (the extension kept),
    never empty."""
    name = unicodedata.normalize("NFC", str(filename or ""))
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Co"))
    name = name.translate(_RESERVED_IN_NAMES)
    name = " ".join(name.split())  # any run of whitespace becomes one space
    name = name.lstrip(". ").rstrip(". ")
    if len(name) > _MAX_NAME:
        stem, dot, ext = name.rpartition(".")
        if dot and stem and 0 < len(ext) <= 10:
            name = stem[: _MAX_NAME - len(ext) - 1].rstrip(". ") + "." + ext
        else:
            name = name[:_MAX_NAME].rstrip(". ")
    return name or _DEFAULT_NAME


def _extension(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else ""


# -- collecting text ----------------------------------------------------------------------


class _Text:
    """The document's text as it is read, with the line and location of every piece,
    capped at ``limit`` characters."""

    def __init__(self, limit: int | None = None):
        self.limit = MAX_TEXT_CHARS if limit is None else limit
        self.size = 0
        self.parts: list[str] = []
        self.starts: list[int] = []  # offset of each piece
        self.places: list[tuple[int | None, str | None]] = []  # (line, location) of each
        self.headings: set[int] = set()  # offsets of lines styled as headings
        self.truncated = False

    def add(
        self,
        text: str,
        *,
        line: int | None = None,
        location: str | None = None,
        new_line: bool = True,
        heading: bool = False,
    ) -> bool:
        """Append ``text`` (on a new line unless ``new_line`` is false). False once the
        cap is reached: the reader should stop."""
        if self.truncated:
            return False
        if new_line and self.parts:
            self._append("\n", None, None)
        if heading and text.strip():
            self.headings.add(self.size)
        room = max(0, self.limit - self.size)
        if len(text) > room:
            self._append(text[:room], line, location)
            self.truncated = True
            return False
        self._append(text, line, location)
        return True

    def _append(self, text: str, line: int | None, location: str | None) -> None:
        if not text:
            return
        self.starts.append(self.size)
        self.places.append((line, location))
        self.parts.append(text)
        self.size += len(text)

    def place(self, offset: int) -> tuple[int | None, str | None]:
        index = bisect.bisect_right(self.starts, offset) - 1
        return self.places[index] if index >= 0 else (None, None)

    def value(self) -> str:
        return "".join(self.parts)


def _lines(text: str) -> list[str]:
    """Lines of ``text`` with Windows and old Mac line ends made plain."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


# -- the 规范性引用文件 section ----------------------------------------------------------------

_CN_DIGITS = {c: i for i, c in enumerate("一二三四五六七八九", start=1)}
_NUMERAL = r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})"
# Matched against the line with all whitespace removed: PDFs often space out the
# characters of a heading ("规 范 性 引 用 文 件").
_SECTION_HEADING = re.compile(
    rf"(?:第?(?P<num>{_NUMERAL})[章.、]?)?(?:规范性引用(?:文件|标准)|引用(?:文件|标准))[:：]?"
)
# Clause titles that follow the references in standards (GB/T 1.1), numbered or not.
_NEXT_TITLES = (
    "术语和定义|术语、定义和缩略语|术语、定义、符号和缩略语|术语定义|术语|定义|"
    "符号|缩略语|符号和缩略语|符号、代号和缩略语|代号|"
    "要求|技术要求|基本要求|总则|原则|分类|产品分类|分类和命名|分类与命名|型号|"
    "试验方法|检验方法|检验规则|标志、包装、运输和贮存|标志、包装、运输、贮存|"
    "标志、标签和包装|包装、运输和贮存|参考文献|索引|附录[A-Z]?.*"
)
_KNOWN_HEADING = re.compile(rf"(?:第?{_NUMERAL}[章.、]?)?(?:{_NEXT_TITLES})")
# "3 术语和定义", "第3章 …", "三、…", "3. …": a clause number and a short title. Tabs
# do not separate here: they join spreadsheet and table cells ("3\t食品…").
_NUMBERED_HEADING = re.compile(
    rf"(?:第 ?)?(?P<num>{_NUMERAL}) ?(?:章 *|[.、](?!\d) *| +)"
    r"(?P<title>[\u4e00-\u9fff][^\t]{0,30})"
)
_SENTENCE_END = tuple("。；;，,：:")


def _numeral(text: str | None) -> int | None:
    if not text:
        return None
    if text.isdigit():
        return int(text)
    if text == "十":
        return 10
    tens, _, units = text.partition("十")
    if "十" not in text:
        return _CN_DIGITS.get(text)
    return (_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + _CN_DIGITS.get(units, 0)


def _plain(line: str) -> str:
    return unicodedata.normalize("NFKC", line).strip()


def _section_start(line: str) -> tuple[bool, int | None]:
    """Whether ``line`` heads a 规范性引用文件 section, and its clause number."""
    compact = re.sub(r"\s+", "", _plain(line))
    if not compact or len(compact) > 20:
        return False, None
    m = _SECTION_HEADING.fullmatch(compact)
    if m is None:
        return False, None
    return True, _numeral(m["num"])


def _section_end(line: str, number: int | None) -> bool:
    """Whether ``line`` is the heading of the clause after section ``number``."""
    plain = _plain(line)
    compact = re.sub(r"\s+", "", plain)
    if not compact or len(compact) > 40:
        return False
    known = _KNOWN_HEADING.fullmatch(compact) is not None
    m = None if known else _NUMBERED_HEADING.fullmatch(plain)
    if not known and m is None:
        return False
    if find_references(plain):
        return False  # a reference with its title, not a heading
    if known:
        return True
    if m["title"].rstrip().endswith(_SENTENCE_END):
        return False
    following = _numeral(m["num"])
    return number is None or following is None or following > number


def _normative_spans(text: str, headings: set[int]) -> list[tuple[int, int]]:
    """Offsets ``(start, end)`` of the body of each 规范性引用文件 section."""
    spans = []
    current: tuple[int, int | None] | None = None  # (body start, clause number)
    offset = 0
    for line in text.split("\n"):
        if current is not None and (offset in headings or _section_end(line, current[1])):
            spans.append((current[0], offset))
            current = None
        if current is None:
            found, number = _section_start(line)
            if found:
                current = (offset + len(line), number)
        offset += len(line) + 1
    if current is not None:
        spans.append((current[0], len(text)))
    return spans


# -- references ---------------------------------------------------------------------------

_CONTEXT_BEFORE = 15
_CONTEXT_AFTER = 25


def _context(text: str, start: int, end: int) -> str:
    """About 40 characters around ``text[start:end]``, within its line(s)."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    if line_end == -1:
        line_end = len(text)
    a = max(line_start, start - _CONTEXT_BEFORE)
    b = min(line_end, end + _CONTEXT_AFTER)
    snippet = " ".join(text[a:b].split())
    return ("…" if a > line_start else "") + snippet + ("…" if b < line_end else "")


_CELL = re.compile(r"[^\t\n]+")


def _references(text: str, tabular: bool) -> list[Reference]:
    """The references in ``text``; in a table also every cell that is, as a whole, a
    standard number in any written form (``gb 5749-2006``: lower case is not taken as
    a citation in prose, but a cell of a 标准编号 column holds nothing else)."""
    found = find_references(text)
    if not tabular:
        return found
    covered = [(r.start, r.end) for r in found]
    for m in _CELL.finditer(text):
        start, end = (
            m.start() + len(m[0]) - len(m[0].lstrip()),
            m.end() - (len(m[0]) - len(m[0].rstrip())),
        )
        if any(s < end and start < e for s, e in covered):
            continue
        number = try_parse(text[start:end])
        if number is not None:
            found.append(Reference(start, end, text[start:end], number))
    return sorted(found, key=lambda r: r.start)


def _finish(document: ExtractedDocument, collected: _Text) -> ExtractedDocument:
    """Find the references in the collected text and fill in ``document``."""
    text = collected.value()
    document.text = text
    if collected.truncated:
        limit = collected.limit
        amount = f"{limit / 10000:g} 万字" if limit >= 10000 else f"{limit} 字"
        document.warnings.append(f"文字太长，只检查了前 {amount}")
    spans = _normative_spans(text, collected.headings)
    document.normative_section_found = bool(spans)
    span_starts = [s for s, _ in spans]

    def in_section(offset: int) -> bool:
        i = bisect.bisect_right(span_starts, offset) - 1
        return i >= 0 and spans[i][0] <= offset < spans[i][1]

    seen: dict[str, FoundReference] = {}
    for ref in _references(text, tabular=document.kind in ("csv", "xlsx")):
        if collected.truncated and ref.end >= len(text):
            continue  # cut by the cap: "GB 7718-2011" read as "GB 7718"
        normalized = ref.number.normalized
        normative = in_section(ref.start)
        if normalized in seen:
            document.duplicates += 1
            seen[normalized].in_normative_section |= normative
            continue
        line, location = collected.place(ref.start)
        seen[normalized] = found = FoundReference(
            text=" ".join(ref.text.split()),
            normalized=normalized,
            line=line,
            in_normative_section=normative,
            context=_context(text, ref.start, ref.end),
            location=location,
        )
        document.references.append(found)
    return document


# -- plain text and CSV ---------------------------------------------------------------------

_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_UTF8_BOM = b"\xef\xbb\xbf"
# Control characters no text file contains (tab, line ends and form feed aside).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_CSV_DELIMITERS = (",", "\t", ";", "|")
_CSV_SAMPLE_ROWS = 50


def _decode(data: bytes) -> tuple[str, str]:
    """Text and its encoding: UTF-16 with a BOM, UTF-8 with or without one, else GB18030
    (a superset of GBK and GB2312). Strict: bytes that fit none are refused."""
    if data.startswith(_UTF16_BOMS):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise _undecodable() from None
    if b"\x00" in data:
        raise DocumentError(
            "这不是文本文件，也不是支持的文档格式。请上传 TXT、CSV、XLSX、DOCX 或 PDF 文件。",
            code="unsupported_type",
        )
    if data.startswith(_UTF8_BOM):
        encodings = ("utf-8-sig",)
    else:
        encodings = ("utf-8", "gb18030")
    for encoding in encodings:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise _undecodable()


def _undecodable() -> DocumentError:
    return DocumentError(
        "无法识别文件的文字编码。请把文件另存为 UTF-8 编码的文本后再上传。", code="undecodable"
    )


def _csv_dialect(text: str) -> str | None:
    """The delimiter if ``text`` reads as a table: at least two records, most of them
    with the same number (two or more) of cells. None when it does not."""
    sample = text[:65536]
    best, best_score = None, 0.0
    for delimiter in _CSV_DELIMITERS:
        if delimiter not in sample:
            continue
        rows = []
        try:
            for row in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter):
                if any(cell.strip() for cell in row):
                    rows.append(len(row))
                if len(rows) >= _CSV_SAMPLE_ROWS:
                    break
        except csv.Error:
            pass  # the sample may end inside a quoted cell: judge by the rows read
        if len(rows) < 2:
            continue
        width = max(set(rows), key=rows.count)
        share = rows.count(width) / len(rows)
        if width >= 2 and share >= 0.8 and share > best_score:
            best, best_score = delimiter, share
    return best


def _read_csv(text: str, delimiter: str, out: _Text) -> bool:
    """Every cell as text, one record a line. False if the text does not parse."""
    rows = []
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        for row in reader:
            rows.append(row)
    except csv.Error:
        return False
    for number, row in enumerate(rows, start=1):
        cells = [" ".join(cell.split()) for cell in row]
        if not out.add("\t".join(c for c in cells if c), line=number, location=f"第 {number} 行"):
            break
    return True


def _read_lines(text: str, out: _Text) -> None:
    for number, line in enumerate(_lines(text), start=1):
        if not out.add(line, line=number, location=f"第 {number} 行"):
            break


def _read_text(data: bytes, name: str) -> ExtractedDocument:
    text, encoding = _decode(data)
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise _empty()
    if len(_CONTROL.findall(text[:100_000])) > max(8, len(text[:100_000]) // 100):
        raise DocumentError(
            "这不是文本文件，也不是支持的文档格式。请上传 TXT、CSV、XLSX、DOCX 或 PDF 文件。",
            code="unsupported_type",
        )
    out = _Text()
    delimiter = _csv_dialect(text)
    if delimiter is None and _extension(name) in ("csv", "tsv"):
        delimiter = "\t" if _extension(name) == "tsv" else ","
    if delimiter is not None and _read_csv(text, delimiter, out):
        kind = "csv"
    else:
        out = _Text()
        _read_lines(text, out)
        kind = "txt"
    document = ExtractedDocument(name=name, kind=kind, encoding=encoding, text="")
    return _finish(document, out)


def _empty() -> DocumentError:
    return DocumentError("文件是空的", code="empty")


# -- ZIP containers ---------------------------------------------------------------------------


def _corrupt(what: str = "文件") -> DocumentError:
    return DocumentError(f"{what}已损坏或格式不正确，无法读取。", code="corrupt")


def _unsafe(reason: str) -> DocumentError:
    return DocumentError(f"文件结构异常（{reason}），为安全起见未读取。", code="unsafe_zip")


def _unsafe_member_name(name: str) -> bool:
    if name.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", name):
        return True
    return ".." in re.split(r"[/\\]", name)


_DTD_MARKERS = (b"<!DOCTYPE", b"<!ENTITY")


def _has_dtd(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """Whether an XML part declares a DTD: Office never writes one, and entity
    declarations are how XML bombs work."""
    tail = b""
    with archive.open(info) as member:
        while chunk := member.read(1024 * 1024):
            window = tail + chunk
            if any(marker in window for marker in _DTD_MARKERS):
                return True
            tail = window[-16:]
    return False


def _open_zip(data: bytes, what: str) -> zipfile.ZipFile:
    """The archive, once its directory has passed the safety checks."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise _corrupt(what) from None
    if len(infos) > MAX_ZIP_MEMBERS:
        raise _unsafe(f"包含 {len(infos)} 个内部文件")
    total = 0
    for info in infos:
        if _unsafe_member_name(info.filename):
            raise _unsafe("内部文件路径不安全")
        if info.flag_bits & 0x1:
            raise DocumentError(f"{what}已加密，请去掉密码后再上传。", code="encrypted")
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size >= RATIO_CHECKED_FROM and ratio > MAX_COMPRESSION_RATIO:
            raise _unsafe("压缩比异常")
        total += info.file_size
    if total > MAX_UNZIPPED_BYTES:
        raise _unsafe(f"解压后超过 {MAX_UNZIPPED_BYTES // _MB} MB")
    try:
        for info in infos:
            if info.filename.lower().endswith((".xml", ".rels")) and _has_dtd(archive, info):
                raise _unsafe("XML 含有 DTD 声明")
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        raise _corrupt(what) from None
    return archive


def _read_zip(data: bytes, name: str) -> ExtractedDocument:
    archive = _open_zip(data, "文件")
    names = set(archive.namelist())
    try:
        content_types = (
            archive.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
        )
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        raise _corrupt() from None
    if "word/document.xml" in names or b"wordprocessingml.document.main+xml" in content_types:
        return _read_docx(data, archive, name, content_types)
    if "xl/workbook.xml" in names or b"spreadsheetml.sheet.main+xml" in content_types:
        return _read_xlsx(data, names, name)
    if "xl/workbook.bin" in names:
        raise DocumentError(
            "不支持 Excel 二进制工作簿（.xlsb）。请在 Excel 中另存为 XLSX 后再上传。",
            code="unsupported_type",
        )
    if "mimetype" in names and "content.xml" in names:
        raise DocumentError(
            "不支持 OpenDocument 文件（.odt/.ods）。请另存为 DOCX 或 XLSX 后再上传。",
            code="unsupported_type",
        )
    raise _unsupported()


def _unsupported() -> DocumentError:
    return DocumentError(
        "不支持的文件类型。请上传 TXT、CSV、XLSX、DOCX 或 PDF 文件。", code="unsupported_type"
    )


_MACRO_WARNING = "文件包含宏（VBA），宏没有运行，只读取了其中的文字。"


# -- XLSX -----------------------------------------------------------------------------------


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    return str(value)  # int, date, time, timedelta


def _column_letter(index: int) -> str:
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _read_xlsx(data: bytes, names: set[str], name: str) -> ExtractedDocument:
    document = ExtractedDocument(name=name, kind="xlsx", encoding=None, text="")
    if "xl/vbaProject.bin" in names:
        document.warnings.append(_MACRO_WARNING)
    out = _Text()
    budget = MAX_XLSX_CELLS
    try:
        with warnings.catch_warnings():
            # openpyxl warns about features it drops (validation, styles): not our concern.
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(
                io.BytesIO(data), read_only=True, data_only=True, keep_links=False
            )
            try:
                full = False
                for sheet in workbook.worksheets:
                    # Declared dimensions can claim a million rows; read only what is there.
                    sheet.reset_dimensions()
                    for row_number, row in enumerate(sheet.iter_rows(values_only=True), 1):
                        budget -= len(row) + 1
                        if budget < 0:
                            document.warnings.append(
                                f"表格过大，工作表“{sheet.title}”只读取了前 {row_number - 1} 行"
                            )
                            full = True
                            break
                        if _add_row(out, sheet.title, row_number, row) is False:
                            full = True
                            break
                    if full:
                        break
            finally:
                workbook.close()
    except DocumentError:
        raise
    except Exception:  # openpyxl raises many kinds of errors on a damaged file
        raise _corrupt("Excel 文件") from None
    if not out.value().strip():
        raise _no_text_in_file()
    return _finish(document, out)


def _add_row(out: _Text, title: str, row_number: int, row: tuple) -> bool | None:
    first = True
    for column, value in enumerate(row, start=1):
        text = _cell_text(value)
        if not text:
            continue
        place = f"“{title}”表 {_column_letter(column)}{row_number}"
        if not out.add(
            text if first else "\t" + text, line=row_number, location=place, new_line=first
        ):
            return False
        first = False
    return None if first else True


def _no_text_in_file() -> DocumentError:
    return DocumentError(
        "文件中没有找到文字。如果内容是图片，请把引用的标准编号粘贴到文本框中。",
        code="no_text",
    )


# -- DOCX -----------------------------------------------------------------------------------

_W_P = qn("w:p")
_W_R = qn("w:r")
_W_TBL = qn("w:tbl")
_W_TR = qn("w:tr")
_W_TC = qn("w:tc")
_W_SDT = qn("w:sdt")
_W_SDT_CONTENT = qn("w:sdtContent")
_W_CUSTOM_XML = qn("w:customXml")
# Not read inside a paragraph: deleted and moved-away text of tracked changes,
# properties, and the paragraphs of text boxes (they are not in reading order).
_W_SKIPPED = {qn("w:del"), qn("w:moveFrom"), qn("w:pPr"), qn("w:rPr"), _W_P}
_W_VAL = qn("w:val")

_DOCX_MAIN = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
# Word files with macros and templates have their own main content type, which
# python-docx refuses; their body is the same, so they are read as documents.
_DOCX_VARIANTS = (
    b"application/vnd.ms-word.document.macroEnabled.main+xml",
    b"application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
    b"application/vnd.ms-word.template.macroEnabledTemplate.main+xml",
)
_HEADING_STYLE = re.compile(r"(?i)^(?:heading\s*\d|标题\s*\d|title)$|章标题")


def _as_plain_docx(data: bytes, archive: zipfile.ZipFile, content_types: bytes) -> bytes:
    """The same package in memory, declared as a plain document."""
    for variant in _DOCX_VARIANTS:
        content_types = content_types.replace(variant, _DOCX_MAIN)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as copy:
        for info in archive.infolist():
            if info.filename == "[Content_Types].xml":
                copy.writestr(info.filename, content_types)
            else:
                copy.writestr(info.filename, archive.read(info))
    return buffer.getvalue()


def _runs(element):
    for child in element:
        if child.tag == _W_R:
            yield child
        elif child.tag not in _W_SKIPPED:
            yield from _runs(child)


def _paragraph_text(p) -> str:
    return "".join(run.text for run in _runs(p))


def _blocks(container):
    """Paragraphs and tables of a body or cell, in document order, through content
    controls and custom XML."""
    for child in container:
        if child.tag in (_W_P, _W_TBL):
            yield child
        elif child.tag == _W_SDT:
            content = child.find(_W_SDT_CONTENT)
            if content is not None:
                yield from _blocks(content)
        elif child.tag == _W_CUSTOM_XML:
            yield from _blocks(child)


def _cell_text_docx(tc) -> str:
    parts = []
    for block in _blocks(tc):
        if block.tag == _W_P:
            parts.append(_paragraph_text(block))
        else:  # a table in a cell: its cells in order
            for tr in block.iterchildren(_W_TR):
                parts.extend(_cell_text_docx(cell) for cell in tr.iterchildren(_W_TC))
    return " ".join(" ".join(p.split()) for p in parts if p.strip())


def _heading_styles(document) -> set[str]:
    """Ids of the paragraph styles that are headings: by name or outline level."""
    ids = set()
    for style in document.styles:
        try:
            if style.type != WD_STYLE_TYPE.PARAGRAPH:
                continue
            current, depth = style, 0
            while current is not None and depth < 10:
                named = _HEADING_STYLE.search((current.name or "").strip())
                if named or _outline_level(current.element):
                    ids.add(style.style_id)
                    break
                current, depth = current.base_style, depth + 1
        except (ValueError, KeyError, AttributeError):
            continue
    return ids


def _outline_level(element) -> bool:
    """Whether ``element`` (a paragraph or style) sets a heading outline level (0-8)."""
    ppr = element.find(qn("w:pPr"))
    level = ppr.find(qn("w:outlineLvl")) if ppr is not None else None
    return level is not None and level.get(_W_VAL, "9") in set("012345678")


def _is_heading(p, heading_styles: set[str]) -> bool:
    ppr = p.find(qn("w:pPr"))
    style = ppr.find(qn("w:pStyle")) if ppr is not None else None
    return (style is not None and style.get(_W_VAL) in heading_styles) or _outline_level(p)


def _read_docx(
    data: bytes, archive: zipfile.ZipFile, name: str, content_types: bytes
) -> ExtractedDocument:
    document = ExtractedDocument(name=name, kind="docx", encoding=None, text="")
    if any(n.lower().endswith("vbaproject.bin") for n in archive.namelist()):
        document.warnings.append(_MACRO_WARNING)
    out = _Text()
    try:
        if any(variant in content_types for variant in _DOCX_VARIANTS):
            data = _as_plain_docx(data, archive, content_types)
        word = docx.Document(io.BytesIO(data))
        heading_styles = _heading_styles(word)
        tables = 0
        for block in _blocks(word.element.body):
            if block.tag == _W_P:
                keep = out.add(_paragraph_text(block), heading=_is_heading(block, heading_styles))
            else:
                tables += 1
                keep = _add_table(out, block, tables)
            if not keep:
                break
    except DocumentError:
        raise
    except Exception:  # python-docx and lxml raise many kinds of errors on a damaged file
        raise _corrupt("Word 文件") from None
    if not out.value().strip():
        raise _no_text_in_file()
    return _finish(document, out)


def _add_table(out: _Text, table, number: int) -> bool:
    for row_number, tr in enumerate(table.iterchildren(_W_TR), start=1):
        cells = [_cell_text_docx(tc) for tc in tr.iterchildren(_W_TC)]
        text = "\t".join(c for c in cells if c)
        if text and not out.add(text, location=f"第 {number} 个表格第 {row_number} 行"):
            return False
    return True


# -- PDF ------------------------------------------------------------------------------------


def _pages_label(pages: list[int]) -> str:
    shown = "、".join(str(p) for p in pages[:10])
    return f"第 {shown} 页" if len(pages) <= 10 else f"第 {shown} 等 {len(pages)} 页"


def _read_pdf(data: bytes, name: str) -> ExtractedDocument:
    document = ExtractedDocument(name=name, kind="pdf", encoding=None, text="")
    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")  # many PDFs only restrict printing or copying
            except (DependencyError, NotImplementedError):
                opened = 0
            if not opened:
                raise DocumentError(
                    "PDF 已加密，需要密码才能打开。"
                    "请上传未加密的版本，或把引用的标准编号粘贴到文本框中。",
                    code="encrypted",
                )
        total = len(reader.pages)
    except DocumentError:
        raise
    except Exception:  # pypdf raises many kinds of errors on a damaged file
        raise _corrupt("PDF 文件") from None
    if total == 0:
        raise _corrupt("PDF 文件")
    out = _Text()
    empty, failed = [], []
    for index in range(min(total, MAX_PDF_PAGES)):
        try:
            page_text = reader.pages[index].extract_text() or ""
        except Exception:  # one damaged page does not spoil the others
            failed.append(index + 1)
            continue
        page_text = "\n".join(line.rstrip() for line in _lines(page_text)).strip("\n")
        if not page_text.strip():
            empty.append(index + 1)
            continue
        if not out.add(page_text, location=f"第 {index + 1} 页"):
            break
    if not out.value().strip():
        if failed and not empty:
            raise _corrupt("PDF 文件")
        raise DocumentError(
            "PDF 中没有找到可提取的文字，它可能是扫描件（图片）。"
            "请把引用的标准编号粘贴到文本框中，或上传 Word、Excel 版本。",
            code="no_text",
        )
    if empty:
        document.warnings.append(f"{_pages_label(empty)}没有可提取的文字（可能是扫描图片）")
    if failed:
        document.warnings.append(f"{_pages_label(failed)}已损坏，无法读取")
    if total > MAX_PDF_PAGES:
        document.warnings.append(f"PDF 共 {total} 页，只读取了前 {MAX_PDF_PAGES} 页")
    return _finish(document, out)


# -- recognising the format -------------------------------------------------------------------

_PDF_MAGIC = b"%PDF-"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_IMAGE_MAGICS = (b"\x89PNG", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"II*\x00", b"MM\x00*")
_ARCHIVE_MAGICS = (b"Rar!", b"7z\xbc\xaf\x27\x1c", b"\x1f\x8b", b"BZh")


def _refuse_other_binary(data: bytes) -> None:
    head = data[:16]
    if head.startswith(_IMAGE_MAGICS) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP"):
        raise DocumentError(
            "这是图片文件，无法读取其中的文字。请上传含文字的文档，或把标准编号粘贴到文本框中。",
            code="unsupported_type",
        )
    if head.startswith(_ARCHIVE_MAGICS):
        raise DocumentError("不支持压缩包，请解压后上传其中的文档。", code="unsupported_type")
    if head.lstrip().startswith(b"{\\rtf"):
        raise DocumentError(
            "不支持 RTF 文件。请在 Word 中另存为 DOCX 后再上传。", code="unsupported_type"
        )


def _read_ole(data: bytes) -> DocumentError:
    if "EncryptedPackage".encode("utf-16-le") in data:
        return DocumentError(
            "文件设置了打开密码，无法读取。"
            "请在 Word 或 Excel 中去掉密码，另存为 DOCX 或 XLSX 后再上传。",
            code="encrypted",
        )
    return DocumentError(
        "这是旧版 Word 或 Excel 文件（.doc/.xls）。"
        "请在 Word 或 Excel 中另存为 DOCX 或 XLSX 后再上传。",
        code="old_office",
    )


def extract(data: bytes, filename: str, *, max_bytes: int = MAX_UPLOAD_BYTES) -> ExtractedDocument:
    """Read an uploaded file (TXT, CSV, XLSX, DOCX or PDF, recognised by content) and find
    the standard numbers in it. Raises ``DocumentError`` when it cannot be read."""
    data = bytes(data)
    name = safe_name(filename)
    if len(data) > max_bytes:
        raise DocumentError(
            f"文件超过 {max_bytes / _MB:g} MB 上限（本文件 {len(data) / _MB:.1f} MB）。",
            code="too_large",
        )
    if not data.strip():
        raise _empty()
    if _PDF_MAGIC in data[:1024]:
        return _read_pdf(data, name)
    if data.startswith(_ZIP_MAGICS):
        return _read_zip(data, name)
    if data.startswith(_OLE_MAGIC):
        raise _read_ole(data)
    _refuse_other_binary(data)
    return _read_text(data, name)


def extract_text_references(text: str, *, name: str = _PASTED_NAME) -> ExtractedDocument:
    """Find the standard numbers in pasted text, as ``extract`` does in a file."""
    text = str(text or "").lstrip("\ufeff")
    if not text.strip():
        raise DocumentError("没有输入文字", code="empty")
    out = _Text()
    _read_lines(text, out)
    document = ExtractedDocument(name=safe_name(name), kind="text", encoding=None, text="")
    return _finish(document, out)
