"""sports-standards/standards.json: ``{"standards": [...]}`` of every level.

Fields used: ``code``, ``title``, ``english``, ``type`` (国家标准/行业标准/地方标准/团体标准),
``isMandatory``, ``status`` (现行/即将实施/废止), ``replacedBy``, ``replaces``,
``issueDate``, ``implementDate``, ``abolishDate``, ``issuedBy``, ``summary``/``scope``,
``category`` (text or list).

The source marks superseded standards 废止 even when ``replacedBy`` names the
successor; such a record is 被代替 (superseded). ``replacedBy`` often holds a
technical-committee code (TC291) instead of a number: it is dropped and counted.
"""

import json

from .build import Collector
from .records import (
    NOTE_MANDATORY_MISMATCH,
    NOTE_SUPERSEDED,
    NOTE_TYPE_MISMATCH,
    StandardRecord,
)
from .values import Fixes, cell_text

#: ``type`` values and the level a parsed number reports for them.
LEVELS = {
    "国家标准": "national",
    "行业标准": "industry",
    "地方标准": "local",
    "团体标准": "group",
    "企业标准": "enterprise",
    "国际标准": "international",
}
LEVEL_NAMES = {level: name for name, level in LEVELS.items()}


def is_sports(doc) -> bool:
    if not isinstance(doc, dict) or not isinstance(doc.get("standards"), list):
        return False
    first = next((o for o in doc["standards"] if isinstance(o, dict)), None)
    return first is not None and "code" in first


def category(value) -> str:
    items = value if isinstance(value, (list, tuple)) else [value]
    return "；".join(dict.fromkeys(t for t in (cell_text(v) for v in items) if t))


def read(doc: dict, collector: Collector) -> None:
    for i, obj in enumerate(doc["standards"], 1):
        raw = json.dumps(obj, ensure_ascii=False)
        if not isinstance(obj, dict):
            collector.skip(i, raw, "不是 JSON 对象")
            continue
        fields = {
            "number": obj.get("code"),
            "title": obj.get("title"),
            "title_en": obj.get("english"),
            "status": obj.get("status"),
            "published": obj.get("issueDate"),
            "effective": obj.get("implementDate"),
            "withdrawn": obj.get("abolishDate"),
            "replaces": obj.get("replaces"),
            "replaced_by": obj.get("replacedBy"),
            "department": obj.get("issuedBy"),
            "scope": obj.get("summary") or obj.get("scope"),
            "category": category(obj.get("category")),
        }
        collector.add(i, raw, fields, post=_post(obj))


def _post(obj: dict):
    def post(record: StandardRecord, parsed, fixes: Fixes) -> None:
        if record.status == "withdrawn" and record.replaced_by:
            record.status = "superseded"
            fixes.add(
                NOTE_SUPERSEDED, f"“废止”且被 {'、'.join(record.replaced_by)} 代替，状态改为被代替"
            )
        stated = cell_text(obj.get("type"))
        level = getattr(parsed, "level", None)
        if stated and level and LEVELS.get(stated) != level:
            fixes.add(
                NOTE_TYPE_MISMATCH,
                f"类型“{stated}”与编号层级（{LEVEL_NAMES.get(level, level)}）不一致",
            )
        mandatory = obj.get("isMandatory")
        kind = getattr(parsed, "kind", None)
        if isinstance(mandatory, bool) and kind and mandatory != (kind == "mandatory"):
            fixes.add(
                NOTE_MANDATORY_MISMATCH,
                f"isMandatory 为 {'是' if mandatory else '否'}，但编号表明"
                f"{'是' if kind == 'mandatory' else '不是'}强制性标准",
            )

    return post
