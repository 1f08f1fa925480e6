"""The ICS tree: English names from the ICS 7th-edition JSON Lines file, Chinese names
from the project's own ``fixtures/ics_zh.json`` (every class; the project's translation
in the terms of the Chinese edition, not its official text)."""

import json
from pathlib import Path

from django.conf import settings
from django.db import transaction

from wagtail.signal_handlers import disable_reference_index_auto_update

from .models import IcsClass

ZH_NAMES = settings.BASE_DIR / "fixtures" / "ics_zh.json"


def default_source() -> Path:
    return settings.SHARED_DATA_DIR / "ics" / "ics-ed7.jsonl"


def read_ics(path: Path | None) -> dict[str, str]:
    """``{code: English name}`` from an ICS JSON Lines file; empty when it is absent."""
    if path is None or not path.exists():
        return {}
    names = {}
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                item = json.loads(line)
                names[item["code"]] = item.get("description", "")
    return names


def parent_code(code: str) -> str | None:
    return code.rsplit(".", 1)[0] if "." in code else None


@transaction.atomic
def load_ics(path: Path | None = None) -> int:
    """Create or update every ICS class; returns how many there are."""
    english = read_ics(path or default_source())
    chinese = json.loads(ZH_NAMES.read_text(encoding="utf-8")) if ZH_NAMES.exists() else {}
    codes = sorted(set(english) | set(chinese), key=lambda c: (c.count("."), c))
    existing = {c.code: c for c in IcsClass.objects.all()}
    # A bulk load of the tree, like loading a fixture: Wagtail's reference index (which
    # would record each class's parent link, at a dozen queries per class) is left out.
    with disable_reference_index_auto_update():
        for code in codes:
            obj = existing.get(code) or IcsClass(code=code)
            obj.name_en = english.get(code, obj.name_en)
            obj.name_zh = chinese.get(code, obj.name_zh)
            parent = parent_code(code)
            while parent and parent not in existing:
                parent = parent_code(parent)
            obj.parent = existing.get(parent) if parent else None
            obj.save()
            existing[code] = obj
    return len(existing)
