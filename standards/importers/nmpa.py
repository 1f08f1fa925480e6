"""nmpa-medical-devices/standards.json: a JSON array of medical-device standards.

Fields used: ``number``, ``title_zh``, ``approval_date`` (published), ``effective_date``
(may be empty, or the rule ``与GB9706.1-2020同步实施``), ``status`` (active/upcoming)
with ``status_zh`` as fallback, ``replaces`` (text or list), ``revision_kind``
(修订/制定) and the directory ``dir_name`` / ``l1`` / ``l2``.
"""

import json
from datetime import date

from standards import numbers

from .build import Collector
from .records import (
    NOTE_DEPARTMENT,
    NOTE_EFFECTIVE_EMPTY,
    NOTE_PARTIAL,
    NOTE_STATUS_MISMATCH,
    RowError,
    StandardRecord,
)
from .values import Fixes, cell_text, one_line, parse_status

#: YY (医药) industry standards are issued by the drug regulator; from this day (the
#: National Medical Products Administration took office on 2018-04-10) that is
#: 国家药品监督管理局. Earlier YY standards were issued by its predecessors, and GB
#: standards by SAMR/SAC, so those keep an empty department rather than a guess.
NMPA_SINCE = date(2018, 4, 10)
NMPA = "国家药品监督管理局"


def is_nmpa(doc) -> bool:
    first = next((o for o in doc if isinstance(o, dict)), None) if isinstance(doc, list) else None
    return (
        first is not None
        and {"number", "title_zh"} <= first.keys()
        and bool({"approval_date", "effective_date", "status_zh", "dir_name"} & first.keys())
    )


def category(obj: dict) -> str:
    """``通用技术领域 / 医疗器械质量`` — the directory path, repeated levels once."""
    parts = [one_line(obj.get(k)) for k in ("dir_name", "l1", "l2")]
    return " / ".join(dict.fromkeys(p for p in parts if p))


def read(doc: list, collector: Collector) -> None:
    for i, obj in enumerate(doc, 1):
        raw = json.dumps(obj, ensure_ascii=False)
        if not isinstance(obj, dict):
            collector.skip(i, raw, "不是 JSON 对象")
            continue
        status, status_zh = obj.get("status"), obj.get("status_zh")
        fields = {
            "number": obj.get("number"),
            "title": obj.get("title_zh") or obj.get("title"),
            "title_en": obj.get("title_en"),
            "status": status if cell_text(status) else status_zh,
            "published": obj.get("approval_date"),
            "effective": obj.get("effective_date"),
            "replaces": obj.get("replaces"),
            "category": category(obj),
        }
        collector.add(i, raw, fields, post=_post(obj))


def _post(obj: dict):
    def post(record: StandardRecord, parsed, fixes: Fixes) -> None:
        if record.effective is None and not record.effective_note:
            fixes.add(NOTE_EFFECTIVE_EMPTY, "实施日期为空")
        if cell_text(obj.get("status")) and cell_text(obj.get("status_zh")):
            try:
                other = parse_status(obj["status_zh"])
            except RowError:
                other = None
            if other != record.status:
                fixes.add(
                    NOTE_STATUS_MISMATCH,
                    f"status“{obj['status']}”与 status_zh“{obj['status_zh']}”不一致",
                )
        # A newly drawn-up standard (制定) that "replaces" another part of its family
        # takes over only part of it (YY/T 0870.9-2026 replaces YY/T 0870.1-2013):
        # the older part stays in force for the rest.
        if cell_text(obj.get("revision_kind")) == "制定" and record.replaces:
            for old in list(record.replaces):
                try:
                    same_series = numbers.parse(old).series == parsed.series
                except numbers.NumberError:
                    same_series = True
                if not same_series:
                    record.replaces.remove(old)
                    record.replaces_partial.append(old)
                    fixes.add(NOTE_PARTIAL, f"新制定，按部分代替 {old} 处理")
        if (
            record.number.startswith("YY")
            and record.published is not None
            and record.published >= NMPA_SINCE
        ):
            record.department = NMPA
            fixes.add(NOTE_DEPARTMENT, f"发布部门推定为{NMPA}")

    return post
