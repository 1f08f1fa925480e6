"""The canonical format: JSON Lines (or a JSON array), CSV and XLSX.

Column names are the canonical field names (architecture.md, "Contracts"); the Chinese
headers people use in spreadsheets (标准号, 标准名称, 发布日期 …) are accepted too.
"""

import csv
import io
import json
import re
import unicodedata
from pathlib import Path

from .build import Collector
from .records import (
    NOTE_EXCEL_SERIAL,
    NOTE_EXTRA_CELLS,
    NOTE_ROWS_BEFORE_HEADER,
    NOTE_UNKNOWN_COLUMNS,
    ImportBatch,
    ImportFileError,
)
from .values import EXCEL_SERIALS, Fixes, cell_text, excel_serial_date

_ALIASES = {
    "number": ("number", "标准号", "标准编号", "编号", "标准代号及编号"),
    "title": ("title", "titlezh", "标准名称", "中文名称", "标准中文名称", "名称"),
    "title_en": ("titleen", "英文名称", "标准英文名称", "英文标题"),
    "status": ("status", "状态", "标准状态"),
    "published": ("published", "发布日期", "发布时间"),
    "effective": ("effective", "实施日期", "实施时间"),
    "withdrawn": ("withdrawn", "废止日期", "废止时间", "作废日期"),
    "effective_note": ("effectivenote", "实施说明"),
    "replaces": ("replaces", "代替标准", "代替标准号", "代替"),
    "replaces_partial": ("replacespartial", "部分代替标准", "部分代替"),
    "replaced_by": ("replacedby", "被代替标准", "被代替标准号", "被代替"),
    "replaced_by_partial": ("replacedbypartial", "被部分代替标准", "被部分代替"),
    "ics": ("ics", "ics分类", "ics分类号", "ics号", "ics代码", "国际标准分类号"),
    "ccs": ("ccs", "ccs分类", "ccs分类号", "ccs号", "中国标准分类号", "中标分类号", "中标分类"),
    "department": ("department", "归口单位", "归口部门", "发布部门", "发布单位", "主管部门"),
    "scope": ("scope", "范围", "适用范围"),
    "category": ("category", "分类", "类别", "领域分类"),
}
_FIELD_BY_ALIAS = {alias: name for name, aliases in _ALIASES.items() for alias in aliases}
_HEADER_NOISE = re.compile(r"[\s_\-*:：]+|[(（][^)）]*[)）]")
DATE_FIELDS = ("published", "effective", "withdrawn")
#: Rows looked at for the header (a title line or two above it is common).
HEADER_SEARCH_ROWS = 10


def field_for(name) -> str | None:
    """Canonical field for a column name: ``"Title_EN"``, ``"标准号（必填）"`` …"""
    key = _HEADER_NOISE.sub("", unicodedata.normalize("NFKC", cell_text(name)).lower())
    return _FIELD_BY_ALIAS.get(key)


def header_columns(cells) -> tuple[dict[int, str], list[str]] | None:
    """``({column index: field}, [ignored names])`` when ``cells`` is a header row."""
    columns, ignored = {}, []
    for i, cell in enumerate(cells):
        name = field_for(cell)
        if name and name not in columns.values():
            columns[i] = name
        elif cell_text(cell):
            ignored.append(cell_text(cell))
    if {"number", "title"} <= set(columns.values()):
        return columns, ignored
    return None


def note_ignored(batch: ImportBatch, ignored) -> None:
    if ignored:
        batch.notes[f"{NOTE_UNKNOWN_COLUMNS}：{'、'.join(dict.fromkeys(ignored))}"] += len(
            set(ignored)
        )


def object_fields(obj: dict) -> tuple[dict, list[str]]:
    """A JSON object's canonical fields, and the keys that are not canonical."""
    fields, ignored = {}, []
    for key, value in obj.items():
        name = field_for(key)
        if name and name not in fields:
            fields[name] = value
        else:
            ignored.append(str(key))
    return fields, ignored


def is_canonical_object(obj) -> bool:
    return isinstance(obj, dict) and any(field_for(k) == "number" for k in obj)


# -- JSON -------------------------------------------------------------------------------


def read_json_objects(items: list, collector: Collector) -> None:
    """A JSON array of canonical objects; line = index + 1."""
    ignored = []
    for i, obj in enumerate(items, 1):
        raw = json.dumps(obj, ensure_ascii=False)
        if not isinstance(obj, dict):
            collector.skip(i, raw, "不是 JSON 对象")
            continue
        fields, unknown = object_fields(obj)
        ignored += unknown
        collector.add(i, raw, fields)
    note_ignored(collector.batch, ignored)


def jsonl_lines(text: str):
    """``(line number, text)`` of the non-blank lines."""
    for i, line in enumerate(text.split("\n"), 1):
        if line.strip():
            yield i, line.strip()


def looks_like_jsonl(text: str) -> bool:
    for _i, line in jsonl_lines(text):
        try:
            if is_canonical_object(json.loads(line)):
                return True
        except ValueError:
            continue
    return False


def read_jsonl(text: str, collector: Collector) -> None:
    ignored = []
    for i, line in jsonl_lines(text):
        try:
            obj = json.loads(line)
        except ValueError as exc:
            collector.skip(i, line, f"不是有效的 JSON（{getattr(exc, 'msg', exc)}）")
            continue
        if not isinstance(obj, dict):
            collector.skip(i, line, "不是 JSON 对象")
            continue
        fields, unknown = object_fields(obj)
        ignored += unknown
        collector.add(i, line, fields)
    note_ignored(collector.batch, ignored)


# -- CSV --------------------------------------------------------------------------------

_SEP_LINE = re.compile(r"sep=(.)\s*")  # Excel's "sep=;" first line


def _rows(lines: list[str], delimiter: str):
    """``(first line, last line, cells)`` per CSV row; line numbers start at 1."""
    reader = csv.reader(lines, delimiter=delimiter)
    last = 0
    for cells in reader:
        yield last + 1, reader.line_num, cells
        last = reader.line_num


def _find_header(lines: list[str], delimiter: str):
    seen = 0
    for _first, last, cells in _rows(lines, delimiter):
        if not any(c.strip() for c in cells):
            continue
        found = header_columns(cells)
        if found:
            return last, seen, len(cells), found
        seen += 1
        if seen >= HEADER_SEARCH_ROWS:
            break
    return None


def read_csv(text: str, collector: Collector, *, max_bytes: int) -> None:
    lines = io.StringIO(text, newline="").readlines()
    skip_lines = 0
    delimiters = []
    sep = _SEP_LINE.fullmatch(lines[0].lstrip("\ufeff")) if lines else None
    if sep:
        delimiters.append(sep[1])
        skip_lines = 1
    sample = "".join(lines[skip_lines : skip_lines + 50])
    try:
        delimiters.append(csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter)
    except csv.Error:
        pass
    delimiters += [",", ";", "\t", "|"]
    # A long scope text can exceed csv's default 128 KiB per field; the file size
    # limit already bounds what can be read.
    csv.field_size_limit(max(csv.field_size_limit(), max_bytes))
    body = [""] * skip_lines + lines[skip_lines:]  # keep line numbers
    for delimiter in dict.fromkeys(delimiters):
        found = _find_header(body, delimiter)
        if found:
            break
    else:
        raise ImportFileError(
            "无法识别的文件格式：不是 JSON，也未找到含“标准号/number”和“标准名称/title”列的表头"
        )
    header_line, rows_before, width, (columns, ignored) = found
    batch = collector.batch
    note_ignored(batch, ignored)
    if rows_before:
        batch.notes[NOTE_ROWS_BEFORE_HEADER] += rows_before
    try:
        for first, last, cells in _rows(body, delimiter):
            if last <= header_line or not any(c.strip() for c in cells):
                continue
            raw = "".join(lines[first - 1 : last]).rstrip("\r\n")
            if any(c.strip() for c in cells[width:]):
                batch.notes[NOTE_EXTRA_CELLS] += 1
            fields = {name: cells[i] if i < len(cells) else "" for i, name in columns.items()}
            collector.add(first, raw, fields)
    except csv.Error as exc:
        raise ImportFileError(f"CSV 格式错误（{exc}）") from exc


# -- XLSX -------------------------------------------------------------------------------


def read_xlsx(path: Path, collector: Collector) -> None:
    """First worksheet with a recognisable header; formulas give their cached values,
    the covered cells of a merged range are empty, line = the row number."""
    from openpyxl import load_workbook  # imported here: only XLSX reads need it

    batch = collector.batch
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # zipfile, XML and openpyxl errors alike mean "corrupt"
        raise ImportFileError(f"XLSX 文件已损坏或不完整，无法读取（{type(exc).__name__}）") from exc
    try:
        for sheet in workbook.worksheets:
            if _read_sheet(sheet, collector):
                batch.sheet = sheet.title
                return
        raise ImportFileError(
            "XLSX 中没有可识别的工作表：未找到含“标准号/number”和“标准名称/title”列的表头"
        )
    except ImportFileError:
        raise
    except Exception as exc:
        raise ImportFileError(f"XLSX 文件已损坏或不完整，无法读取（{type(exc).__name__}）") from exc
    finally:
        workbook.close()


def _read_sheet(sheet, collector: Collector) -> bool:
    if not hasattr(sheet, "iter_rows"):  # chart sheets
        return False
    sheet.reset_dimensions()  # some writers store a wrong dimension; read every row
    batch = collector.batch
    columns = None
    rows_before = 0
    for row_number, values in enumerate(sheet.iter_rows(values_only=True), 1):
        if not any(cell_text(v) for v in values):
            continue
        if columns is None:
            found = header_columns(values)
            if found:
                columns, ignored = found
                note_ignored(batch, ignored)
                if rows_before:
                    batch.notes[NOTE_ROWS_BEFORE_HEADER] += rows_before
                continue
            rows_before += 1
            if rows_before >= HEADER_SEARCH_ROWS:
                return False
            continue
        raw = "\t".join(cell_text(v) for v in values).strip()
        fixes = Fixes()
        fields = {}
        for i, name in columns.items():
            value = values[i] if i < len(values) else None
            if name in DATE_FIELDS:
                value = _xlsx_date(value, fixes)
            fields[name] = value
        collector.add(row_number, raw, fields, fixes=fixes)
    return columns is not None


def _xlsx_date(value, fixes: Fixes):
    """A date cell stored as a plain number (its format lost) is an Excel serial."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    if EXCEL_SERIALS[0] <= value <= EXCEL_SERIALS[1]:
        day = excel_serial_date(value)
        fixes.add(NOTE_EXCEL_SERIAL, f"Excel 日期序列号 {cell_text(value)} 读作 {day.isoformat()}")
        return day
    return value
