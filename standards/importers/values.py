"""Cell values -> canonical values: text, titles, dates, statuses, lists, numbers.

Every function here either returns a clean value or raises ``RowError`` with a Chinese
reason that names the field. Fixes are reported through ``Fixes`` so that the batch
can count them (and a record can say what was changed in it).
"""

import re
import unicodedata
from datetime import date, datetime, timedelta

from standards import numbers

from .records import (
    NOTE_BAD_ICS,
    NOTE_BAD_LINK,
    NOTE_EFFECTIVE_RULE,
    NOTE_LINK_EXTRACTED,
    NOTE_LINK_NORMALIZED,
    NOTE_NUMBER_DASH,
    NOTE_NUMBER_NORMALIZED,
    NOTE_SELF_LINK,
    NOTE_TC_DROPPED,
    NOTE_TITLE_BRACKETS,
    NOTE_TITLE_COLON,
    NOTE_TITLE_NUMBER,
    NOTE_TITLE_SPACES,
    NOTE_UNDATED_LINK,
    RowError,
)

#: Chinese names of the canonical fields, used in skip reasons and warnings.
LABELS = {
    "number": "标准号",
    "title": "标准名称",
    "title_en": "英文名称",
    "status": "状态",
    "published": "发布日期",
    "effective": "实施日期",
    "withdrawn": "废止日期",
    "effective_note": "实施说明",
    "replaces": "代替标准",
    "replaces_partial": "部分代替标准",
    "replaced_by": "被代替标准",
    "replaced_by_partial": "被部分代替标准",
    "ics": "ICS",
    "ccs": "CCS",
    "department": "发布/归口部门",
    "scope": "范围",
    "category": "分类",
}

#: Longest value each text field may hold (the catalogue's column sizes).
MAX_LENGTHS = {
    "title": 500,
    "title_en": 500,
    "effective_note": 200,
    "ccs": 16,
    "department": 300,
    "category": 300,
}


class Fixes:
    """Fixes applied while building one record: (note key, message for the record)."""

    def __init__(self):
        self.items: list[tuple[str, str]] = []

    def add(self, key: str, message: str = "") -> None:
        self.items.append((key, message or key))


# -- text -------------------------------------------------------------------------------

_SPACES = re.compile(r"\s+")  # includes U+3000 (ideographic space) and U+00A0
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_COLON_NEAR_CJK = re.compile(rf"(?<=[{_CJK}])\s*:\s*|\s*:\s*(?=[{_CJK}])")
_SPACE_AROUND_FULL_COLON = re.compile(r"\s*：\s*")
_BOOK_TITLE = re.compile(r"《([^《》]+)》\s*(第\S+部分.*)?")
_PART_SPACES = re.compile(r"第\s*(\d+)\s*(部分|篇|章|节)")


def shorten(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def shown(text: str) -> str:
    """Text for a message, its line breaks made visible (``DB13/T↵5651.5-2023``)."""
    return re.sub(r"\r?\n|\r", "↵", text)


def cell_text(value) -> str:
    """Any cell value as stripped text (``None`` -> ``""``, ``3.0`` -> ``"3"``); control
    characters other than tab and line breaks are dropped."""
    if value is None:
        return ""
    if isinstance(value, str):
        return _CONTROL_CHARS.sub("", value).strip()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return "；".join(t for t in (cell_text(v) for v in value) if t)
    return str(value).strip()


def one_line(value) -> str:
    """Text with every run of whitespace (line breaks included) made one space."""
    return _SPACES.sub(" ", cell_text(value)).strip()


def clean_title(value, fixes: Fixes, *, raw_number: str = "", number: str = "") -> str:
    """A title as official titles are written.

    - runs of whitespace (double spaces, U+3000, line breaks) become one space;
    - an ASCII colon next to Chinese text becomes the full-width "：" that official
      titles use after 第N部分 (and 第N节 …), with no space around it;
    - a copy of the standard's own number at the start, and 《》 around the whole
      title, are removed.
    """
    text = cell_text(value)
    collapsed = _SPACES.sub(" ", text).strip()
    colons = len(_COLON_NEAR_CJK.findall(collapsed))
    converted = _COLON_NEAR_CJK.sub("：", collapsed)
    tidy = _PART_SPACES.sub(r"第\1\2", _SPACE_AROUND_FULL_COLON.sub("：", converted))
    if colons:
        fixes.add(NOTE_TITLE_COLON, f"标题中 {colons} 处半角冒号改为全角“：”")
    if collapsed != text or tidy != converted:
        fixes.add(NOTE_TITLE_SPACES, "标题多余空格已清理")
    for prefix in dict.fromkeys(p for p in (one_line(raw_number), number) if p):
        if tidy.startswith(prefix) and tidy[len(prefix) :].strip():
            tidy = tidy[len(prefix) :].strip()
            fixes.add(NOTE_TITLE_NUMBER, f"标题开头的“{prefix}”已去除")
            break
    unwrapped = _unwrap_book_title(tidy)
    if unwrapped != tidy and unwrapped:
        tidy = unwrapped
        fixes.add(NOTE_TITLE_BRACKETS, "标题外的书名号《》已去除")
    return tidy


def _unwrap_book_title(title: str) -> str:
    """``《体育场馆智慧化建设规范》`` -> the name inside; ``《A》第1部分：B`` -> ``A 第1部分：B``;
    a lone 《 or 》 at either end goes. Brackets quoting another document mid-title stay."""
    match = _BOOK_TITLE.fullmatch(title)
    if match:
        return " ".join(p for p in (match[1].strip(), match[2]) if p)
    if title.count("《") + title.count("》") == 1:
        return title.strip("《》").strip()
    return title


# -- status -----------------------------------------------------------------------------

_STATUS_WORDS = {
    "current": ("current", "active", "valid", "现行", "现行有效", "有效", "在用"),
    "upcoming": ("upcoming", "即将实施", "尚未实施", "未实施", "待实施"),
    "superseded": ("superseded", "replaced", "被代替", "已被代替", "被替代", "已被替代"),
    "withdrawn": ("withdrawn", "abolished", "废止", "已废止", "作废", "已作废", "撤销", "已撤销"),
}
_STATUS = {word: status for status, words in _STATUS_WORDS.items() for word in words}


def parse_status(value) -> str:
    """Canonical status; ``""`` when empty; ``RowError`` when not recognised."""
    text = cell_text(value)
    if not text:
        return ""
    key = _SPACES.sub("", unicodedata.normalize("NFKC", text)).lower()
    try:
        return _STATUS[key]
    except KeyError:
        raise RowError(
            f"状态无法识别：“{shorten(text, 40)}”（应为 现行/即将实施/被代替/废止 "
            "或 current/upcoming/superseded/withdrawn）"
        ) from None


# -- dates ------------------------------------------------------------------------------

_DATE = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
)
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
#: Excel serial numbers accepted as dates: 1950-01-01 .. 2099-12-31 (a bare year such
#: as 2024 is far below and is refused rather than read as a day in 1905).
EXCEL_SERIALS = (18264, 73050)


def excel_serial_date(serial: float) -> date:
    return date(1899, 12, 30) + timedelta(days=int(serial))


def parse_date(value, field: str) -> date | None:
    """A date from a cell, an ISO or Chinese-written string; ``None`` when empty."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = unicodedata.normalize("NFKC", cell_text(value))
    if not text:
        return None
    match = _DATE.fullmatch(text) or _COMPACT_DATE.fullmatch(text)
    if match:
        try:
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            pass
    raise RowError(f"{LABELS[field]}无效：“{shorten(cell_text(value), 40)}”（应为 YYYY-MM-DD）")


_SYNC_RULE = re.compile(r"与\s*(.+?)\s*(同步|同时)实施")


def parse_effective(value, fixes: Fixes) -> tuple[date | None, str]:
    """The effective date, or ``(None, rule)`` when the source gives a rule instead.

    ``与GB9706.1-2020同步实施`` (takes effect together with GB 9706.1-2020) is kept as
    the note ``与GB 9706.1-2020同步实施``, with the number inside normalized.
    """
    try:
        return parse_date(value, "effective"), ""
    except RowError:
        text = one_line(value)
        if "实施" not in text:
            raise
    match = _SYNC_RULE.fullmatch(text)
    if match:
        try:
            inner = numbers.parse(match[1]).normalized
        except numbers.NumberError:
            inner = match[1]
        text = f"与{inner}{match[2]}实施"
    fixes.add(NOTE_EFFECTIVE_RULE, f"实施日期为规则：{text}")
    return None, text


# -- lists ------------------------------------------------------------------------------

_LIST_SEPARATORS = re.compile(r"[;；,，、\n\r]+")
_INLINE_SEPARATORS = re.compile(r"[;；,，、]+")


def split_list(value, *, lines: bool = True) -> list[str]:
    """Items of a list cell: a real list, or text separated by ; ； , ， 、 (and line
    breaks, unless ``lines`` is false)."""
    if value is None:
        return []
    separators = _LIST_SEPARATORS if lines else _INLINE_SEPARATORS
    items = value if isinstance(value, (list, tuple)) else [value]
    out = []
    for item in items:
        out += [p.strip() for p in separators.split(cell_text(item)) if p.strip()]
    return out


_ICS = re.compile(r"\d{2}(?:\.\d{3}(?:\.\d{2})?)?")


def parse_ics(value, fixes: Fixes) -> list[str]:
    codes = []
    for item in split_list(value):
        for code in unicodedata.normalize("NFKC", item).split():
            if _ICS.fullmatch(code):
                codes.append(code)
            else:
                fixes.add(NOTE_BAD_ICS, f"ICS 代码“{shorten(code, 30)}”格式不符，已丢弃")
    return list(dict.fromkeys(codes))


# -- numbers ----------------------------------------------------------------------------

_DASHES = re.compile(r"[\u2010-\u2015\u2212\uff0d]")
#: Technical-committee codes (TC291, SAC/TC 456, TC28/SC1, SWG 3) and committee names:
#: organisations, not standards.
_COMMITTEE = re.compile(
    r"(?:SAC\s*/\s*)?(?:TC|SWG)\s*\d+(?:\s*/\s*SC\s*\d+)?|.*标准化技术委员会.*", re.IGNORECASE
)


def parse_number(value, fixes: Fixes):
    """The record's own number, parsed; must name an edition (with its year)."""
    raw = cell_text(value)
    if not raw:
        raise RowError("缺少标准号")
    try:
        parsed = numbers.parse(raw)
    except numbers.NumberError as exc:
        raise RowError(f"标准号无法识别：“{shorten(shown(raw), 60)}”（{exc}）") from None
    if getattr(parsed, "year", True) is None:
        raise RowError(f"标准号缺少年代号：“{shorten(shown(raw), 60)}”（应注明是哪一版）")
    normalized = parsed.normalized
    if raw != normalized:
        if _DASHES.sub("-", raw) == normalized:
            fixes.add(NOTE_NUMBER_DASH, f"编号“{raw}”中的破折号改为“-”")
        else:
            fixes.add(NOTE_NUMBER_NORMALIZED, f"编号“{shown(raw)}”规范化为“{normalized}”")
    return parsed


def _link_items(value) -> list[str]:
    """Items of a link list. A line break separates items, unless the text around it
    is one number broken over two lines (``DB13/T`` newline ``5651.5-2023``)."""
    items = []
    for part in split_list(value, lines=False):
        if "\n" in part or "\r" in part:
            if numbers.try_parse(part) is None:
                items += [p.strip() for p in re.split(r"[\r\n]+", part) if p.strip()]
                continue
        items.append(part)
    return items


def _link_numbers(text: str, label: str, fixes: Fixes) -> list:
    """Parsed numbers in one link item; ``[]`` (with the drop counted) when there are none."""
    folded = unicodedata.normalize("NFKC", one_line(text))
    if _COMMITTEE.fullmatch(folded):
        fixes.add(NOTE_TC_DROPPED, f"{label}“{text}”是技术委员会代号，不是标准号，已丢弃")
        return []
    try:
        return [numbers.parse(text)]
    except numbers.NumberError as exc:
        error = exc
    found = [ref.number for ref in numbers.find_references(text)]
    if found:
        fixes.add(
            NOTE_LINK_EXTRACTED,
            f"{label}“{shorten(shown(text), 60)}”中取出 " + "、".join(n.normalized for n in found),
        )
        return found
    fixes.add(NOTE_BAD_LINK, f"{label}“{shorten(shown(text), 60)}”无法识别（{error}），已丢弃")
    return []


def parse_links(value, field: str, own: str, fixes: Fixes) -> list[str]:
    """Normalized numbers of a replaces/replaced-by list; what is not a number is dropped."""
    label = LABELS[field]
    out = []
    for text in _link_items(value):
        for parsed in _link_numbers(text, label, fixes):
            normalized = parsed.normalized
            if getattr(parsed, "year", True) is None:
                fixes.add(
                    NOTE_UNDATED_LINK, f"{label}“{normalized}”没有年代号，不知是哪一版，已丢弃"
                )
            elif normalized == own:
                fixes.add(NOTE_SELF_LINK, f"{label}“{text}”是本标准自身，已丢弃")
            else:
                if normalized not in (text, _DASHES.sub("-", text)):
                    fixes.add(NOTE_LINK_NORMALIZED, f"{label}“{shown(text)}”规范化为“{normalized}”")
                out.append(normalized)
    return list(dict.fromkeys(out))
