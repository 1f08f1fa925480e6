"""标准查新 reports as files users download: XLSX, CSV and PDF.

Pure functions over data: a :class:`ReportData` (what was checked, as of which date, and
one :class:`ReportRow` per cited reference) goes in, the file's bytes come out. Nothing
here reads the database.

Every file carries the same table (:data:`COLUMNS`). Text that reached the report from
users or imported records may begin with ``=``, ``+``, ``-`` or ``@``; spreadsheets must
never evaluate it (CSV/XLSX formula injection), so such cells are written as text.

The PDF embeds the project's own CJK font, Noto Sans SC, installed from npm by
``make setup`` (``package.json``); readers need no font of their own.
"""

from __future__ import annotations

import csv
import io
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr
from zoneinfo import ZoneInfo

from standards.numbers import LEVEL_LABELS
from standards.validity import (
    CURRENT,
    MALFORMED,
    SUPERSEDED,
    UNKNOWN,
    UPCOMING,
    WITHDRAWN,
    Verdict,
    message_en,
)

__all__ = [
    "COLUMNS",
    "DEFAULT_TITLE",
    "PROBLEMS_FIRST",
    "VERDICT_LABELS_ZH",
    "FontNotInstalled",
    "ReportData",
    "ReportRow",
    "font_path",
    "sort_problems_first",
    "to_csv",
    "to_pdf",
    "to_xlsx",
]

DEFAULT_TITLE = "标准查新报告"

VERDICT_LABELS_ZH = {
    CURRENT: "现行有效",
    SUPERSEDED: "已被代替",
    WITHDRAWN: "已废止",
    UPCOMING: "即将实施",
    UNKNOWN: "目录未收录",
    MALFORMED: "编号有误",
}

#: Verdicts in report order: what needs attention first.
PROBLEMS_FIRST = (MALFORMED, UNKNOWN, WITHDRAWN, SUPERSEDED, UPCOMING, CURRENT)

#: The table of every report, one row per cited reference.
COLUMNS = (
    "序号",
    "输入",
    "规范编号",
    "层级",
    "强制性",
    "注日期",
    "结论",
    "所指版本",
    "名称",
    "应采用版本",
    "名称",
    "变更日期",
    "说明",
)
_VERDICT_COLUMN = COLUMNS.index("结论")

#: Times are printed in 北京时间, the time of the catalogue and its users.
REPORT_TIMEZONE = ZoneInfo("Asia/Shanghai")

#: (fill, text) colours of each verdict, shared by the XLSX and the PDF.
_VERDICT_COLOURS = {
    CURRENT: ("C6EFCE", "006100"),
    SUPERSEDED: ("FFEB9C", "7A4500"),
    WITHDRAWN: ("FFC7CE", "9C0006"),
    UPCOMING: ("DDEBF7", "1F4E78"),
    UNKNOWN: ("E7E6E6", "3A3A3A"),
    MALFORMED: ("F8CBAD", "7B2C00"),
}
_OTHER_COLOURS = ("FFFFFF", "000000")


# -- data ------------------------------------------------------------------------------


@dataclass
class ReportRow:
    """One cited reference and its verdict, as a report prints it."""

    #: Position in what the user submitted, from 1.
    index: int
    #: The reference as the user wrote it.
    input: str
    normalized: str | None
    level: str | None
    mandatory: bool | None
    dated: bool | None
    #: One of the six verdicts (``standards.validity.VERDICTS``).
    verdict: str
    #: The edition meant (for an undated reference, the one it resolved to).
    standard_number: str | None
    standard_title: str | None
    #: The edition to use now (see ``Verdict.current``).
    current_number: str | None
    current_title: str | None
    changed_on: date | None
    message: str
    warnings: list[str] = field(default_factory=list)
    #: Further editions in force when the cited one was split into several.
    others: list[str] = field(default_factory=list)
    #: ``message`` and ``warnings`` in English.
    message_en: str = ""
    warnings_en: list[str] = field(default_factory=list)

    @classmethod
    def from_verdict(cls, index: int, v: Verdict) -> ReportRow:
        return cls(
            index=index,
            input=v.input,
            normalized=v.normalized,
            level=v.level,
            mandatory=v.mandatory,
            dated=v.dated,
            verdict=v.verdict,
            standard_number=v.standard.number if v.standard else None,
            standard_title=v.standard.title if v.standard else None,
            current_number=v.current.number if v.current else None,
            current_title=v.current.title if v.current else None,
            changed_on=v.changed_on,
            message=v.message,
            warnings=list(v.warnings),
            others=[e.number for e in v.others],
            message_en=message_en(v),
            warnings_en=list(v.warnings_en),
        )

    def as_json(self) -> dict:
        """A JSON-ready dict (dates as ISO strings), read back by :meth:`from_json`."""
        return {
            "index": self.index,
            "input": self.input,
            "normalized": self.normalized,
            "level": self.level,
            "mandatory": self.mandatory,
            "dated": self.dated,
            "verdict": self.verdict,
            "standard_number": self.standard_number,
            "standard_title": self.standard_title,
            "current_number": self.current_number,
            "current_title": self.current_title,
            "changed_on": self.changed_on.isoformat() if self.changed_on else None,
            "message": self.message,
            "warnings": list(self.warnings),
            "others": list(self.others),
            "message_en": self.message_en,
            "warnings_en": list(self.warnings_en),
        }

    @classmethod
    def from_json(cls, data: dict) -> ReportRow:
        changed_on = data.get("changed_on")
        return cls(
            index=int(data["index"]),
            input=data.get("input") or "",
            normalized=data.get("normalized"),
            level=data.get("level"),
            mandatory=data.get("mandatory"),
            dated=data.get("dated"),
            verdict=data.get("verdict") or MALFORMED,
            standard_number=data.get("standard_number"),
            standard_title=data.get("standard_title"),
            current_number=data.get("current_number"),
            current_title=data.get("current_title"),
            changed_on=date.fromisoformat(changed_on) if changed_on else None,
            message=data.get("message") or "",
            warnings=list(data.get("warnings") or ()),
            others=list(data.get("others") or ()),
            message_en=data.get("message_en") or "",
            warnings_en=list(data.get("warnings_en") or ()),
        )

    @property
    def verdict_label(self) -> str:
        return VERDICT_LABELS_ZH.get(self.verdict, self.verdict)

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS.get(self.level, self.level or "") if self.level else ""

    @property
    def in_force(self) -> str:
        """The edition(s) to use now, as one text: "GB 1-2020、GB 2-2020"."""
        return "、".join(n for n in (self.current_number, *self.others) if n)

    @property
    def explanation(self) -> str:
        """The message, then each warning it does not already say, one per line."""
        lines = [self.message] if self.message else []
        lines += [w for w in self.warnings if w and w not in self.message]
        return "\n".join(lines)


@dataclass
class ReportData:
    """Everything a downloaded report shows."""

    title: str
    #: The date the references were checked against.
    as_of: date
    #: When the check ran (aware).
    created_at: datetime
    #: When the catalogue was last updated.
    catalogue_date: date | None
    #: "粘贴的文本" or the uploaded file's name.
    source: str
    rows: list[ReportRow]
    #: Stable link to the saved report.
    url: str = ""

    @property
    def counts(self) -> dict[str, int]:
        """Rows per verdict: all six, problems first (:data:`PROBLEMS_FIRST`)."""
        counts = dict.fromkeys(PROBLEMS_FIRST, 0)
        for row in self.rows:
            if row.verdict in counts:
                counts[row.verdict] += 1
        return counts


def sort_problems_first(rows: Iterable[ReportRow]) -> list[ReportRow]:
    """Rows needing attention first, in :data:`PROBLEMS_FIRST` order, then as submitted."""
    rank = {verdict: i for i, verdict in enumerate(PROBLEMS_FIRST)}
    return sorted(rows, key=lambda r: (rank.get(r.verdict, -1), r.index))


# -- shared helpers --------------------------------------------------------------------

#: Control characters no spreadsheet or PDF text may carry (tab and line breaks stay).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: A cell beginning with one of these may be read as a formula by a spreadsheet.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _clean(text: str) -> str:
    return _CONTROL.sub("", text)


def _as_text(text: str) -> str:
    """Text a spreadsheet shows as it is: a leading formula character gets a quote."""
    text = _clean(text)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("是" if value else "否")


def _when(moment: datetime) -> str:
    if moment.tzinfo is not None:
        moment = moment.astimezone(REPORT_TIMEZONE)
        return f"{moment:%Y-%m-%d %H:%M}（北京时间）"
    return f"{moment:%Y-%m-%d %H:%M}"


def _day(value: date | None) -> str:
    return value.isoformat() if value else ""


def _title(report: ReportData) -> str:
    return report.title or DEFAULT_TITLE


def _values(row: ReportRow) -> list:
    """The row's cells in :data:`COLUMNS` order: text, the index, and the change date."""
    return [
        row.index,
        row.input,
        row.normalized or "",
        row.level_label,
        _yes_no(row.mandatory),
        _yes_no(row.dated),
        row.verdict_label,
        row.standard_number or "",
        row.standard_title or "",
        row.in_force,
        row.current_title or "",
        row.changed_on,
        row.explanation,
    ]


def _meta(report: ReportData) -> list[tuple[str, str]]:
    return [
        ("查新日期", report.as_of.isoformat()),
        ("生成时间", _when(report.created_at)),
        ("目录更新日期", _day(report.catalogue_date) or "未知"),
        ("来源", report.source),
        ("链接", report.url),
    ]


def _web_link(url: str) -> bool:
    return url.startswith(("https://", "http://"))


# -- CSV -------------------------------------------------------------------------------


def to_csv(report: ReportData) -> bytes:
    """The table as CSV: UTF-8 with a BOM (so Excel reads the Chinese), CRLF lines."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in report.rows:
        cells = []
        for value in _values(row):
            if isinstance(value, date):
                cells.append(value.isoformat())
            elif value is None:
                cells.append("")
            elif isinstance(value, str):
                cells.append(_as_text(value))
            else:
                cells.append(value)
        writer.writerow(cells)
    return out.getvalue().encode("utf-8-sig")


# -- XLSX ------------------------------------------------------------------------------

#: Column widths in the XLSX (characters), in COLUMNS order.
_XLSX_WIDTHS = (6, 24, 20, 10, 8, 8, 12, 20, 32, 20, 32, 12, 60)


def _put(ws, row: int, column: int, value):
    """Write one cell; text that could be taken for a formula is stored as text."""
    cell = ws.cell(row=row, column=column)
    if isinstance(value, str):
        text = _clean(value)
        cell.value = text
        if text.startswith(_FORMULA_START):
            cell.data_type = "s"
            cell.quotePrefix = True
    else:
        cell.value = value
        if isinstance(value, date):
            cell.number_format = "yyyy-mm-dd"
    return cell


def to_xlsx(report: ReportData) -> bytes:
    """One sheet: a header block (title, dates, source, link, counts), then the table."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "查新结果"
    wb.properties.title = _title(report)
    wb.properties.creator = "标准馆"
    last_col = get_column_letter(len(COLUMNS))
    bold = Font(bold=True)
    top = Alignment(vertical="top", wrap_text=True)
    thin = Side(style="thin", color="BFBFBF")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)

    def fill(colour: str) -> PatternFill:
        return PatternFill(fill_type="solid", start_color=colour, end_color=colour)

    _put(ws, 1, 1, _title(report)).font = Font(bold=True, size=16)
    ws.merge_cells(f"A1:{last_col}1")
    ws.row_dimensions[1].height = 26

    r = 2
    for label, value in _meta(report):
        _put(ws, r, 1, label).font = bold
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=2)
        cell = _put(ws, r, 3, value)
        if label == "链接" and _web_link(value):
            cell.hyperlink = value
            cell.font = Font(color="0563C1", underline="single")
        ws.merge_cells(start_row=r, start_column=3, end_row=r, end_column=len(COLUMNS))
        r += 1

    # Counts: labels on one row, numbers under them, the total last.
    _put(ws, r, 1, "结论统计").font = bold
    ws.merge_cells(start_row=r, start_column=1, end_row=r + 1, end_column=2)
    counts = report.counts
    for i, (verdict, n) in enumerate([*counts.items(), ("", len(report.rows))]):
        colour, ink = _VERDICT_COLOURS.get(verdict, ("F2F2F2", "000000"))
        label = _put(ws, r, 3 + i, VERDICT_LABELS_ZH.get(verdict, "合计"))
        label.font = Font(bold=True, color=ink)
        label.fill = fill(colour)
        number = _put(ws, r + 1, 3 + i, n)
        for cell in (label, number):
            cell.border = box
            cell.alignment = Alignment(horizontal="center")
    r += 3

    header_row = r
    for column, title in enumerate(COLUMNS, 1):
        cell = _put(ws, header_row, column, title)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = fill("305496")
        cell.alignment = Alignment(vertical="center", wrap_text=True)
        cell.border = box

    for row in report.rows:
        r += 1
        colour, ink = _VERDICT_COLOURS.get(row.verdict, _OTHER_COLOURS)
        for column, value in enumerate(_values(row), 1):
            cell = _put(ws, r, column, None if value == "" else value)
            cell.alignment = top
            cell.border = box
            if column - 1 == _VERDICT_COLUMN:
                cell.fill = fill(colour)
                cell.font = Font(bold=True, color=ink)

    for column, width in enumerate(_XLSX_WIDTHS, 1):
        ws.column_dimensions[get_column_letter(column)].width = width
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    ws.auto_filter.ref = f"A{header_row}:{last_col}{max(r, header_row)}"
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True

    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# -- PDF: font -------------------------------------------------------------------------

PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: Where ``npm ci`` (run by ``make setup``) puts the font package.
FONT_PACKAGE = PROJECT_ROOT / "node_modules" / "@expo-google-fonts" / "noto-sans-sc"
_WEIGHTS = {
    100: "100Thin",
    200: "200ExtraLight",
    300: "300Light",
    400: "400Regular",
    500: "500Medium",
    600: "600SemiBold",
    700: "700Bold",
    800: "800ExtraBold",
    900: "900Black",
}
FONT_REGULAR = "NotoSansSC"
FONT_BOLD = "NotoSansSC-Bold"


class FontNotInstalled(FileNotFoundError):
    """The report font is missing: ``make setup`` installs it."""


def font_path(weight: int = 400) -> Path:
    """The Noto Sans SC TrueType file of a weight (400 regular, 700 bold)."""
    try:
        name = _WEIGHTS[weight]
    except KeyError:
        raise ValueError(
            f"Noto Sans SC has no weight {weight}; use one of {sorted(_WEIGHTS)}"
        ) from None
    path = FONT_PACKAGE / name / f"NotoSansSC_{name}.ttf"
    if not path.is_file():
        raise FontNotInstalled(
            f"The PDF report font is not installed ({path} is missing). "
            "Run `make setup` (it runs `npm ci`) in the project root."
        )
    return path


_font_lock = threading.Lock()
_fonts_registered = False


def _register_fonts() -> None:
    """Register the report fonts with reportlab once (it subsets and embeds them)."""
    global _fonts_registered
    if _fonts_registered:
        return
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    with _font_lock:
        if _fonts_registered:
            return
        regular, bold = font_path(400), font_path(700)
        pdfmetrics.registerFont(TTFont(FONT_REGULAR, str(regular)))
        pdfmetrics.registerFont(TTFont(FONT_BOLD, str(bold)))
        for italic in (0, 1):
            addMapping(FONT_REGULAR, 0, italic, FONT_REGULAR)
            addMapping(FONT_REGULAR, 1, italic, FONT_BOLD)
        _fonts_registered = True


# -- PDF: document ---------------------------------------------------------------------

#: Table column widths in points, in COLUMNS order; 说明 takes what is left.
_PDF_WIDTHS = (22, 72, 68, 34, 26, 26, 42, 66, 80, 66, 80, 46)
#: Longest text a PDF cell shows (a row must fit on one page).
_PDF_CELL_LIMIT = 300
_PDF_NOTE_LIMIT = 800


def _para_text(text: str, limit: int = _PDF_CELL_LIMIT) -> str:
    """Text as Paragraph markup: escaped, cut to ``limit``, line breaks kept."""
    text = _clean(text)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return escape(text).replace("\r\n", "<br/>").replace("\n", "<br/>").replace("\r", "<br/>")


def _footer_canvas(footer: str):
    """A canvas class that prints the footer and "第 n 页 / 共 m 页" on every page."""
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas

    class FooterCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self):
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for number, state in enumerate(self._pages, 1):
                self.__dict__.update(state)
                self._footer(number, total)
                super().showPage()
            super().save()

        def _footer(self, number: int, total: int) -> None:
            width, _height = self._pagesize
            self.saveState()
            self.setFont(FONT_REGULAR, 8)
            self.setFillColorRGB(0.35, 0.35, 0.35)
            self.setStrokeColorRGB(0.75, 0.75, 0.75)
            self.setLineWidth(0.5)
            self.line(12 * mm, 11 * mm, width - 12 * mm, 11 * mm)
            self.drawString(12 * mm, 7 * mm, footer)
            self.drawRightString(width - 12 * mm, 7 * mm, f"第 {number} 页 / 共 {total} 页")
            self.restoreState()

    return FooterCanvas


def to_pdf(report: ReportData) -> bytes:
    """A4 landscape: title, dates, source, link, counts, then the table (its header row
    repeated on every page), page numbers and the generation time in the footer."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    _register_fonts()
    title = _title(report)
    pagesize = landscape(A4)
    doc = SimpleDocTemplate(
        (out := io.BytesIO()),
        pagesize=pagesize,
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=15 * mm,
        title=title,
        author="标准馆",
        subject=f"{title} · 查新日期 {report.as_of.isoformat()}",
        creator="标准馆",
    )

    def style(name, size, leading, bold=False, **extra) -> ParagraphStyle:
        return ParagraphStyle(
            name,
            fontName=FONT_BOLD if bold else FONT_REGULAR,
            fontSize=size,
            leading=leading,
            wordWrap="CJK",
            **extra,
        )

    h1 = style("title", 18, 24, bold=True, spaceAfter=4)
    meta = style("meta", 9, 13)
    small = style("small", 8, 11, textColor=colors.HexColor("#444444"))
    cell = style("cell", 7, 9)
    head = style("head", 7, 9, bold=True, textColor=colors.white)
    verdict_styles = {
        verdict: style(f"v-{verdict}", 7, 9, bold=True, textColor=colors.HexColor("#" + ink))
        for verdict, (_fill, ink) in _VERDICT_COLOURS.items()
    }

    story = [Paragraph(escape(_clean(title)), h1)]
    for label, value in _meta(report):
        if label == "链接":
            if not value:
                continue
            text = _para_text(value, 500)
            if _web_link(value):
                text = f"<link href={quoteattr(_clean(value))} color='#0563C1'>{text}</link>"
        else:
            text = _para_text(value, 300)
        story.append(Paragraph(f"<b>{label}：</b>{text}", meta))
    story.append(Spacer(1, 3 * mm))

    counts = report.counts
    summary = Table(
        [
            [VERDICT_LABELS_ZH[v] for v in counts] + ["合计"],
            [str(n) for n in counts.values()] + [str(len(report.rows))],
        ],
        colWidths=[58] * (len(counts) + 1),
        hAlign="LEFT",
    )
    summary_style = [
        ("FONTNAME", (0, 0), (-1, 0), FONT_BOLD),
        ("FONTNAME", (0, 1), (-1, 1), FONT_REGULAR),
        ("FONTSIZE", (0, 0), (-1, -1), 8.5),
        ("ALIGN", (0, 0), (-1, -1), "CENTER"),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#BFBFBF")),
        ("BACKGROUND", (-1, 0), (-1, 0), colors.HexColor("#F2F2F2")),
    ]
    for i, verdict in enumerate(counts):
        fill, ink = _VERDICT_COLOURS[verdict]
        summary_style += [
            ("BACKGROUND", (i, 0), (i, 0), colors.HexColor("#" + fill)),
            ("TEXTCOLOR", (i, 0), (i, 0), colors.HexColor("#" + ink)),
        ]
    summary.setStyle(TableStyle(summary_style))
    story += [
        summary,
        Spacer(1, 2 * mm),
        Paragraph(
            "注日期引用仅适用所注版本；不注日期引用适用其现行版本（含修改单）。"
            "结论依据本站标准目录，以目录更新日期为准。",
            small,
        ),
        Spacer(1, 3 * mm),
    ]

    if not report.rows:
        story.append(Paragraph("没有查新的标准编号。", meta))
    else:
        widths = list(_PDF_WIDTHS)
        widths.append(doc.width - sum(widths))
        data = [[Paragraph(escape(h), head) for h in COLUMNS]]
        room = [w - 4 for w in widths]
        table_style = [
            ("FONTNAME", (0, 1), (-1, -1), FONT_REGULAR),
            ("FONTSIZE", (0, 1), (-1, -1), cell.fontSize),
            ("LEADING", (0, 1), (-1, -1), cell.leading),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#305496")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 2),
            ("RIGHTPADDING", (0, 0), (-1, -1), 2),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#BFBFBF")),
            ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#F7F7F7")]),
        ]
        for row in report.rows:
            cells = []
            for column, value in enumerate(_values(row)):
                if isinstance(value, date):
                    value = value.isoformat()
                elif value is None:
                    value = ""
                if column == _VERDICT_COLUMN:
                    cells.append(Paragraph(escape(value), verdict_styles.get(row.verdict, cell)))
                    continue
                text = _clean(str(value))
                if (
                    "\n" not in text
                    and "\r" not in text
                    and (not text or stringWidth(text, FONT_REGULAR, cell.fontSize) <= room[column])
                ):
                    # One line: a plain string is drawn as it is, far faster than a
                    # Paragraph (a report may hold thousands of rows).
                    cells.append(text)
                else:
                    limit = _PDF_NOTE_LIMIT if column == len(COLUMNS) - 1 else _PDF_CELL_LIMIT
                    cells.append(Paragraph(_para_text(text, limit), cell))
            data.append(cells)
        # Verdict cells coloured a run of equal verdicts at a time: few style commands
        # keep splitting a long table over pages fast.
        start = 1
        for r in range(1, len(data)):
            verdict = report.rows[r - 1].verdict
            if r < len(data) - 1 and report.rows[r].verdict == verdict:
                continue
            if verdict in _VERDICT_COLOURS:
                fill = colors.HexColor("#" + _VERDICT_COLOURS[verdict][0])
                table_style.append(
                    ("BACKGROUND", (_VERDICT_COLUMN, start), (_VERDICT_COLUMN, r), fill)
                )
            start = r + 1
        table = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
        table.setStyle(TableStyle(table_style))
        story.append(table)

    footer = f"{title} · 查新日期 {report.as_of.isoformat()} · 生成于 {_when(report.created_at)}"
    doc.build(story, canvasmaker=_footer_canvas(_clean(footer)[:120]))
    return out.getvalue()
