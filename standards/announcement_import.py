"""Import an announcement's items from CSV (UTF-8, GBK, GB18030) or XLSX into a draft.

Columns (first row that has them is the header; a title line above it is fine):
操作, 标准编号, 标准名称, 代替标准, 发布日期, 实施日期, and optionally ICS. ``操作`` is
新发布 / 代替 / 部分代替 / 废止 (or new / supersede / partial_supersede / withdraw).

Row problems are reported with the row number of the file; when there is any, nothing
is created. Whether the numbers exist in the catalogue is checked by the preview
(``standards.announcements.validate``), as for an announcement entered by hand.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import unicodedata
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from standards.announcements import LOG_IMPORT, read_number
from standards.importers.files import decode
from standards.importers.records import ImportFileError, RowError
from standards.importers.values import (
    EXCEL_SERIALS,
    cell_text,
    excel_serial_date,
    parse_date,
    shorten,
)
from standards.models import Announcement, AnnouncementItem
from standards.models.announcements import split_numbers

#: Upload size limit.
MAX_BYTES = 5 * 1024 * 1024
#: Most item rows in one file.
MAX_ROWS = 5000
HEADER_SEARCH_ROWS = 10

Action = AnnouncementItem.Action

_COLUMNS = {
    "action": ("操作", "操作类型", "变更类型", "类型", "action"),
    "number": ("标准编号", "标准号", "编号", "number"),
    "title": ("标准名称", "名称", "title"),
    "replaces": ("代替标准", "代替标准号", "代替", "replaces"),
    "published_on": ("发布日期", "published", "publishedon"),
    "effective_on": ("实施日期", "生效日期", "废止日期", "effective", "effectiveon"),
    "ics": ("ics", "ics分类号", "ics分类", "ics号"),
}
_BY_NAME = {alias: name for name, aliases in _COLUMNS.items() for alias in aliases}
_REQUIRED = ("action", "number")
_NOISE = re.compile(r"[\s_\-*:：]+|[(（][^)）]*[)）]")

_ACTIONS = {
    "新发布": Action.NEW,
    "发布": Action.NEW,
    "新增": Action.NEW,
    "new": Action.NEW,
    "代替": Action.SUPERSEDE,
    "全部代替": Action.SUPERSEDE,
    "supersede": Action.SUPERSEDE,
    "部分代替": Action.PARTIAL_SUPERSEDE,
    "partialsupersede": Action.PARTIAL_SUPERSEDE,
    "废止": Action.WITHDRAW,
    "withdraw": Action.WITHDRAW,
}

_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class AnnouncementImportError(Exception):
    def __init__(self, problems: list[str]):
        super().__init__("；".join(problems))
        self.problems = problems


@dataclass
class ReadResult:
    items: list[AnnouncementItem] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    #: File row of each item, in order.
    rows: list[int] = field(default_factory=list)
    encoding: str | None = None


def _column(name) -> str | None:
    key = _NOISE.sub("", unicodedata.normalize("NFKC", cell_text(name)).lower())
    return _BY_NAME.get(key)


def _header(cells) -> dict[int, str] | None:
    columns = {}
    for i, cell in enumerate(cells):
        name = _column(cell)
        if name and name not in columns.values():
            columns[i] = name
    if all(name in columns.values() for name in _REQUIRED):
        return columns
    return None


def _action(value) -> str | None:
    key = _NOISE.sub("", unicodedata.normalize("NFKC", cell_text(value)).lower())
    return _ACTIONS.get(key)


def _date(value, label: str) -> datetime.date | None:
    if isinstance(value, bool):
        raise RowError(_("%(label)s无效") % {"label": label})
    if isinstance(value, (int, float)):
        if EXCEL_SERIALS[0] <= value <= EXCEL_SERIALS[1]:
            return excel_serial_date(value)
        raise RowError(
            _("%(label)s无效：“%(value)s”（应为 YYYY-MM-DD）")
            % {"label": label, "value": cell_text(value)}
        )
    try:
        return parse_date(value, "published")
    except RowError:
        raise RowError(
            _("%(label)s无效：“%(value)s”（应为 YYYY-MM-DD）")
            % {"label": label, "value": shorten(cell_text(value), 40)}
        ) from None


def _rows_from_csv(text: str):
    lines = text.splitlines()
    sample = "\n".join(lines[:20])
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    last = 0
    for cells in reader:
        yield last + 1, cells
        last = reader.line_num


def _rows_from_xlsx(data: bytes):
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # zip, XML and openpyxl errors all mean "cannot read"
        raise ImportFileError(
            _("XLSX 文件已损坏或不完整，无法读取（%(error)s）") % {"error": type(exc).__name__}
        ) from exc
    try:
        for sheet in workbook.worksheets:
            if not hasattr(sheet, "iter_rows"):
                continue
            sheet.reset_dimensions()
            rows = [
                (number, list(values))
                for number, values in enumerate(sheet.iter_rows(values_only=True), 1)
            ]
            if any(_header(values) for _n, values in rows[:HEADER_SEARCH_ROWS]):
                return rows
        return []
    finally:
        workbook.close()


def read_items(data: bytes) -> ReadResult:
    """Items from a file's bytes (unsaved), with row problems."""
    result = ReadResult()
    try:
        if len(data) > MAX_BYTES:
            raise ImportFileError(
                _("文件过大（%(size).1f MB），上限为 %(limit)d MB")
                % {"size": len(data) / 1048576, "limit": MAX_BYTES // 1048576}
            )
        if not data.strip():
            raise ImportFileError(_("文件为空"))
        if data.startswith(_ZIP):
            rows = _rows_from_xlsx(data)
        elif data.startswith(_OLE):
            raise ImportFileError(_("不支持旧版 Excel（.xls）文件，请另存为 .xlsx 或 CSV"))
        else:
            text, result.encoding = decode(data)
            rows = list(_rows_from_csv(text))
    except ImportFileError as exc:
        result.problems.append(str(exc))
        return result
    except csv.Error as exc:
        result.problems.append(_("CSV 格式错误（%(error)s）") % {"error": exc})
        return result

    columns = None
    for seen, (line, cells) in enumerate(rows):
        if columns is None:
            columns = _header(cells)
            if columns is None and seen >= HEADER_SEARCH_ROWS:
                break
            continue
        if not any(cell_text(c) for c in cells):
            continue
        if len(result.items) >= MAX_ROWS:
            result.problems.append(
                _("条目过多：一个公告最多 %(n)s 条，请拆分文件") % {"n": MAX_ROWS}
            )
            break
        values = {name: (cells[i] if i < len(cells) else None) for i, name in columns.items()}
        item, problems = _item(values)
        where = _("第 %(line)s 行") % {"line": line}
        result.problems += [f"{where}：{p}" for p in problems]
        if item is not None:
            result.items.append(item)
            result.rows.append(line)
    if columns is None:
        result.problems.append(
            _("未找到表头：需要“操作”“标准编号”列（以及标准名称、代替标准、发布日期、实施日期）")
        )
    elif not result.items and not result.problems:
        result.problems.append(_("文件中没有数据行"))
    return result


def _item(values: dict) -> tuple[AnnouncementItem | None, list[str]]:
    problems = []
    raw_action = cell_text(values.get("action"))
    action = _action(raw_action)
    if action is None:
        problems.append(
            _("操作“%(action)s”无法识别（应为新发布、代替、部分代替或废止）")
            % {"action": shorten(raw_action, 20) or _("空")}
        )
    number, problem = read_number(cell_text(values.get("number")))
    if problem:
        problems.append(problem)
    title = re.sub(r"\s+", " ", cell_text(values.get("title"))).strip()
    if action == Action.NEW and not title:
        problems.append(_("新发布标准须填写标准名称"))
    if len(title) > 500:
        problems.append(_("标准名称过长（最多 500 字）"))
    replaces = []
    for text in split_numbers(cell_text(values.get("replaces"))):
        old, problem = read_number(text)
        if problem:
            problems.append(_("代替标准：%(problem)s") % {"problem": problem})
        else:
            replaces.append(old)
    if action in (Action.SUPERSEDE, Action.PARTIAL_SUPERSEDE) and not split_numbers(
        cell_text(values.get("replaces"))
    ):
        problems.append(_("请在“代替标准”中填写被本标准代替的标准编号"))
    dates, bad_dates = {}, set()
    for name, label in (("published_on", _("发布日期")), ("effective_on", _("实施日期"))):
        try:
            dates[name] = _date(values.get(name), label)
        except RowError as exc:
            problems.append(str(exc))
            dates[name] = None
            bad_dates.add(name)
    if action == Action.NEW and not dates["effective_on"] and "effective_on" not in bad_dates:
        problems.append(_("新发布标准须填写实施日期"))
    ics = split_numbers(cell_text(values.get("ics")))
    if problems:
        return None, problems
    item = AnnouncementItem(
        action=action,
        number=number,
        title=title,
        replaces="; ".join(replaces),
        published_on=dates["published_on"],
        effective_on=dates["effective_on"],
        ics="; ".join(ics)[:200],
    )
    return item, []


def import_announcement(
    data: bytes,
    *,
    code: str,
    title: str,
    published_on: datetime.date,
    issuer: str = "",
    note: str = "",
    user=None,
) -> Announcement:
    """Create a draft announcement with the file's items; raises
    :class:`AnnouncementImportError` (nothing created) on any problem."""
    from wagtail.log_actions import log

    code = (code or "").strip()
    problems = []
    if not code:
        problems.append(_("请填写公告号"))
    elif Announcement.objects.filter(code=code).exists():
        problems.append(_("公告号“%(code)s”已存在") % {"code": code})
    result = read_items(data)
    problems += result.problems
    if problems:
        raise AnnouncementImportError(problems)
    try:
        with transaction.atomic():
            announcement = Announcement(
                code=code,
                title=(title or "").strip() or code,
                issuer=(issuer or "").strip(),
                published_on=published_on,
                note=note or "",
            )
            announcement.items = result.items
            announcement.save()
            log(
                instance=announcement,
                action=LOG_IMPORT,
                user=user if getattr(user, "is_authenticated", False) else None,
                data={"items": len(result.items), "encoding": result.encoding or "xlsx"},
            )
    except IntegrityError:
        raise AnnouncementImportError([_("公告号“%(code)s”已存在") % {"code": code}]) from None
    return announcement
