"""Identifiers a declaration carries: 统一社会信用代码 and own (Q/) standard numbers.

No Django imports. Error messages are plain Chinese, with English twins.
"""

import re
import unicodedata

from stdnum.cn import uscc as _uscc
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength, ValidationError

from standards import numbers


class IdentifierError(ValueError):
    def __init__(self, message: str, message_en: str):
        super().__init__(message)
        self.message = message
        self.message_en = message_en


def clean_uscc(value: str) -> str:
    """The 18-character code, upper case, check character verified (GB 32100-2015)."""
    code = unicodedata.normalize("NFKC", value or "").strip().upper().replace(" ", "")
    if not code:
        raise IdentifierError("请填写统一社会信用代码", "Enter the unified social credit code")
    try:
        return _uscc.validate(code)
    except InvalidLength:
        raise IdentifierError(
            f"统一社会信用代码应为 18 位，现为 {len(code)} 位",
            f"The unified social credit code has 18 characters, not {len(code)}",
        ) from None
    except InvalidChecksum:
        raise IdentifierError(
            "统一社会信用代码校验位不正确，请核对营业执照上的代码",
            "The check character of the unified social credit code is wrong; "
            "copy it from the business licence",
        ) from None
    except (InvalidFormat, ValidationError):
        raise IdentifierError(
            "统一社会信用代码含有不允许的字符（不使用 I、O、Z、S、V）",
            "The unified social credit code holds characters it cannot contain",
        ) from None


#: Q/ + enterprise code (letters, digits, optionally with the region code and a space)
#: + serial (digits, optionally ending in a letter such as the S of food standards)
#: + year.
_OWN = re.compile(r"^Q/([0-9A-Z]{1,20}(?: [0-9]*[A-Z][0-9A-Z]*)?) (\d{1,6}[A-Z]?)-(\d{4})$")
#: Written without the space: the code ends at its last letter before the serial.
_OWN_TIGHT = re.compile(r"^Q/([0-9A-Z]{0,19}[A-Z])(\d{1,6}[A-Z]?)-(\d{4})$")


def clean_own_number(value: str) -> str:
    """An own enterprise standard's number in its written form, e.g. ``Q/ABC 0001S-2024``."""
    text = unicodedata.normalize("NFKC", value or "").strip().upper()
    text = re.sub(r"\s+", " ", text).replace("—", "-").replace("－", "-")
    text = re.sub(r"\s*-\s*", "-", text)
    match = _OWN.match(text) or _OWN_TIGHT.match(text)
    if not match:
        raise IdentifierError(
            "企业标准编号应为“Q/企业代号 顺序号-年代号”，如 Q/ABC 0001-2024",
            "An enterprise standard number reads 'Q/CODE SERIAL-YEAR', e.g. Q/ABC 0001-2024",
        )
    code, serial, year = match.groups()
    if not 1980 <= int(year) <= 2100:
        raise IdentifierError("企业标准编号的年代号不正确", "The year of the number is wrong")
    return f"Q/{code} {serial}-{year}"


def is_own_number(value: str) -> bool:
    text = unicodedata.normalize("NFKC", value or "").strip().upper()
    return text.startswith("Q/")


def catalogue_number(value: str) -> numbers.StandardNumber | None:
    """A cited national/industry/local/group standard number, parsed (None if not)."""
    return numbers.try_parse(value)
