"""Standard numbers (标准编号): parse one, normalize it, find every one in free text.

A number is ``<code> <serial>-<year>``: ``GB/T 19580-2012``. Real documents write the
same number many ways (full-width characters, em dashes, missing slashes, two-digit
years, stray spaces and line breaks), so everything here first *folds* the text into
one plain form and then reads it with a single grammar. ``parse`` reads one number;
``find_references`` scans free text with the same grammar, so whatever it finds,
``parse`` accepts.

The rules follow the domain notes (shared/design/domain.md, "Standard numbers") and
the official numbering rules: 《国家标准管理办法》, 《行业标准管理办法》,
《地方标准管理办法》 (``DB`` + the first two or four digits of the GB/T 2260 region
code), 《团体标准管理规定》 (``T/`` + the association's code) and
《企业标准化促进办法》 (``Q/`` + the enterprise's code).

Decisions worth knowing:

* **Kind.** A Chinese code without a suffix is mandatory, ``/T`` is recommended and
  ``/Z`` is guidance — the same for GB, industry, local (``DB11/``), GBZ and the
  engineering codes (``JGJ``/``JGJ/T``). Group, enterprise and international standards
  are voluntary: they are reported as ``recommended`` ("not mandatory"). ``JJG``
  verification regulations are ``mandatory`` (the Metrology Law requires verification
  to follow them); ``JJF`` technical specifications are ``recommended``.
* **Years.** Four-digit years must lie in ``MIN_YEAR..MAX_YEAR``: from 1950, the start
  of Chinese standardization, to five years ahead, because a standard is numbered when
  it is published, which can be years before it takes effect. Two-digit years were
  used until the late 1990s: ``50``–``99`` are read as 1950–1999, ``00``–``49`` as
  2000–2049 (then checked against the range). Group and international numbers always
  carry four-digit years, so a two-digit year there is an error, and so is one after a
  hyphenated serial (``TG06-011-12``: the ``12`` is read as part of the serial).
* **Separators.** Between code and serial only spaces (or nothing) are allowed, never a
  hyphen: ``ISO-8859-1`` is the name of a character set, not ISO 8859-1, and
  ``ABC-2000`` is a model number. Between serial and year any dash or a colon is
  accepted; the normal form uses ``-`` for Chinese numbers and ``:`` for ISO/IEC and
  CECS, as their publishers do.
* **``GBZ`` is its own code** (national occupational-health standards), so ``GBZ 2.1``
  is not read as ``GB/Z 2.1``; the missing slash is repaired only for ``/T``.
* **Finding in text** is stricter than parsing: codes must be written in capitals (a
  lower-case ``sn 2020`` in prose is not a citation) and must not be glued to a letter
  or digit before them; a number must not run on into more digits or a ``-5`` (dates,
  phone numbers); URLs and e-mail addresses are skipped; an undated ``GB``/``TB`` right
  after a number (``16 GB 2 条``) is a storage size, not a standard.
"""

import datetime
import re
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "INDUSTRY_CODES",
    "KIND_LABELS",
    "KINDS",
    "LEVEL_LABELS",
    "LEVELS",
    "MAX_YEAR",
    "MIN_YEAR",
    "PROVINCE_CODES",
    "TWO_DIGIT_PIVOT",
    "NumberError",
    "Reference",
    "StandardNumber",
    "find_references",
    "normalize",
    "parse",
    "try_parse",
]

# -- vocabulary -------------------------------------------------------------------------

LEVELS = ("national", "industry", "local", "group", "enterprise", "international")
KINDS = ("mandatory", "recommended", "guidance")

LEVEL_LABELS = {
    "national": "国家标准",
    "industry": "行业标准",
    "local": "地方标准",
    "group": "团体标准",
    "enterprise": "企业标准",
    "international": "国际标准",
}

KIND_LABELS = {
    "mandatory": "强制性",
    "recommended": "推荐性",
    "guidance": "指导性",
}

#: Industry codes and the sector that owns them (SAC's list of 行业标准代号), plus the
#: engineering-construction series, which use longer codes. ``DB`` is the 地震
#: industry and is only ever written ``DB/T``; ``DB`` followed by digits is local.
INDUSTRY_CODES = {
    "AQ": "安全生产",
    "BB": "包装",
    "CB": "船舶",
    "CH": "测绘",
    "CJ": "城镇建设",
    "CY": "新闻出版",
    "DA": "档案",
    "DB": "地震",
    "DL": "电力",
    "DZ": "地质矿产",
    "EJ": "核工业",
    "FZ": "纺织",
    "GA": "公共安全",
    "GH": "供销合作",
    "GM": "密码",
    "GY": "广播电影电视",
    "HB": "航空",
    "HG": "化工",
    "HJ": "生态环境",
    "HS": "海关",
    "HY": "海洋",
    "JB": "机械",
    "JC": "建材",
    "JG": "建筑工业",
    "JR": "金融",
    "JT": "交通",
    "JY": "教育",
    "LB": "旅游",
    "LD": "劳动和劳动安全",
    "LS": "粮食",
    "LY": "林业",
    "MH": "民用航空",
    "MT": "煤炭",
    "MZ": "民政",
    "NB": "能源",
    "NY": "农业",
    "QB": "轻工",
    "QC": "汽车",
    "QJ": "航天",
    "QX": "气象",
    "RB": "认证认可",
    "SB": "商业",
    "SC": "水产",
    "SF": "司法",
    "SH": "石油化工",
    "SJ": "电子",
    "SL": "水利",
    "SN": "出入境检验检疫",
    "SW": "税务",
    "SY": "石油天然气",
    "TB": "铁路",
    "TD": "土地管理",
    "TY": "体育",
    "WB": "物资",
    "WH": "文化",
    "WJ": "兵工民品",
    "WM": "外经贸",
    "WS": "卫生",
    "WW": "文物",
    "XB": "稀土",
    "XF": "消防救援",
    "YB": "黑色冶金",
    "YC": "烟草",
    "YD": "通信",
    "YS": "有色冶金",
    "YY": "医药",
    "YZ": "邮政",
    "ZY": "中医药",
    # Engineering construction (工程建设行业标准).
    "JGJ": "建筑工程",
    "CJJ": "城镇建设工程",
    "JTG": "公路工程",
    "JTJ": "交通工程",
}

#: First two digits of the GB/T 2260 region codes: the provinces that issue ``DB``
#: standards. A city-level code is four digits starting with one of these.
PROVINCE_CODES = {
    "11": "北京市",
    "12": "天津市",
    "13": "河北省",
    "14": "山西省",
    "15": "内蒙古自治区",
    "21": "辽宁省",
    "22": "吉林省",
    "23": "黑龙江省",
    "31": "上海市",
    "32": "江苏省",
    "33": "浙江省",
    "34": "安徽省",
    "35": "福建省",
    "36": "江西省",
    "37": "山东省",
    "41": "河南省",
    "42": "湖北省",
    "43": "湖南省",
    "44": "广东省",
    "45": "广西壮族自治区",
    "46": "海南省",
    "50": "重庆市",
    "51": "四川省",
    "52": "贵州省",
    "53": "云南省",
    "54": "西藏自治区",
    "61": "陕西省",
    "62": "甘肃省",
    "63": "青海省",
    "64": "宁夏回族自治区",
    "65": "新疆维吾尔自治区",
    "71": "台湾省",
    "81": "香港特别行政区",
    "82": "澳门特别行政区",
}

#: Chinese standardization starts in the 1950s; nothing older is a valid edition.
MIN_YEAR = 1950
#: Standards are published up to a few years before they take effect, and catalogues
#: list them under their final number, so a little of the future is allowed.
MAX_YEAR = datetime.date.today().year + 5
#: Two-digit years at or above this are 19xx, below it 20xx.
TWO_DIGIT_PIVOT = 50

_MANDATORY, _RECOMMENDED, _GUIDANCE = KINDS

# Suffix (None, "T" or "Z") -> kind, for codes that follow the usual marking.
_MARKED = {None: _MANDATORY, "T": _RECOMMENDED, "Z": _GUIDANCE}
_MARKED_NO_Z = {None: _MANDATORY, "T": _RECOMMENDED}

#: Letter codes read by the generic branch of the grammar: code -> (level, {suffix: kind}).
_LETTER_CODES: dict[str, tuple[str, dict[str | None, str]]] = {
    "GB": ("national", _MARKED),
    # 国家职业卫生标准: GBZ and GBZ/T, not GB/Z with the slash left out.
    "GBZ": ("national", _MARKED_NO_Z),
    # Old national engineering-construction standards (before GB 50xxx).
    "GBJ": ("national", {None: _MANDATORY}),
    # National metrology: verification regulations bind, technical specifications advise.
    "JJG": ("national", {None: _MANDATORY}),
    "JJF": ("national", {None: _RECOMMENDED}),
    # 中国工程建设标准化协会: association standards older than the T/ scheme.
    "CECS": ("group", {None: _RECOMMENDED}),
}
for _code in INDUSTRY_CODES:
    _LETTER_CODES[_code] = ("industry", _MARKED if len(_code) == 2 else _MARKED_NO_Z)
_LETTER_CODES["DB"] = ("industry", {"T": _RECOMMENDED})

#: Codes whose year follows a colon in the normal form, as their publishers write it.
_COLON_YEAR_CODES = frozenset({"CECS"})


# -- errors and values -----------------------------------------------------------------


#: Why a text is not a number: reason code -> the message shown to users.
_MESSAGES = {
    "empty": "标准编号为空",
    "not_a_number": "不是标准编号",
    "missing_code": "缺少标准代号",
    "unknown_code": "无法识别的标准代号“{code}”",
    "missing_region": "地方标准代号应为DB加行政区划代码，如DB13/T；地震行业标准写作DB/T",
    "bad_region": "地方标准的行政区划代码“{region}”无效",
    "missing_serial": "缺少标准顺序号",
    "hyphen_after_code": "标准代号与顺序号之间不应有连字符",
    "bad_serial": "标准顺序号“{serial}”应为数字，部分号用圆点分隔",
    "serial_too_long": "标准顺序号“{serial}”过长",
    "bad_year": "年代号“{year}”应为四位数字",
    "year_out_of_range": "年代号“{year}”不在 {min}—{max} 年之间，请核对编号中的年份",
    "trailing_text": "编号后有无法识别的内容“{tail}”",
    "bad_format": "标准编号格式不正确",
}


class NumberError(ValueError):
    """Not a standard number. ``str(error)`` says why in plain Chinese, for the user;
    ``reason`` is a short English code for programs, ``text`` the input."""

    def __init__(self, message: str, reason: str = "invalid", text: str = ""):
        super().__init__(message)
        self.message = message
        self.reason = reason
        self.text = text

    def __str__(self) -> str:
        return self.message


def _error(reason: str, text: str, **values) -> NumberError:
    return NumberError(_MESSAGES[reason].format(**values), reason, text)


@dataclass(frozen=True, slots=True)
class StandardNumber:
    """One standard number, in canonical parts: however it was written, the same number
    compares equal and hashes alike."""

    code: str
    serial: str
    year: int | None
    amendment: str | None
    level: str
    kind: str

    def __post_init__(self):
        if self.level not in LEVELS:
            raise ValueError(f"unknown level {self.level!r}")
        if self.kind not in KINDS:
            raise ValueError(f"unknown kind {self.kind!r}")

    @property
    def mandatory(self) -> bool:
        return self.kind == _MANDATORY

    @property
    def dated(self) -> bool:
        """A dated reference (注日期引用) names one edition; undated names the series."""
        return self.year is not None

    @property
    def series(self) -> str:
        """Code and serial without the year: ``GB/T 19580``, ``DB11/ 854``."""
        # Mandatory local standards are officially written with the slash kept and a
        # space after it (``DB11/ 854-2012``), which tells them apart at a glance.
        prefix = f"{self.code}/" if self.level == "local" and self.mandatory else self.code
        return f"{prefix} {self.serial}"

    @property
    def edition(self) -> str:
        """The edition without amendments: ``GB 2760-2014``."""
        if self.year is None:
            return self.series
        if self.code == "ITU-T":
            return f"{self.series} ({self.year})"
        separator = ":" if _colon_year(self.code, self.level) else "-"
        return f"{self.series}{separator}{self.year}"

    @property
    def normalized(self) -> str:
        """The one way this number is written: ``GB 2760-2014/XG1-2021``."""
        if self.amendment:
            return f"{self.edition}/{self.amendment}"
        return self.edition

    @property
    def region(self) -> str | None:
        """Region code of a local standard (``"13"``, ``"6106"``), else ``None``."""
        if self.level != "local":
            return None
        return self.code[2:].split("/")[0]

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS[self.level]

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    def __str__(self) -> str:
        return self.normalized


@dataclass(frozen=True, slots=True)
class Reference:
    """A number found in free text: ``text[start:end]`` of the original string."""

    start: int
    end: int
    text: str
    number: StandardNumber


def _colon_year(code: str, level: str) -> bool:
    return level == "international" or code in _COLON_YEAR_CODES


# -- folding ---------------------------------------------------------------------------
# Every character maps to exactly one character, so positions in the folded text are
# positions in the original: find_references can report spans without bookkeeping.

_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2e3a\u2e3b\ufe58\ufe63\uff0d"
_SPACES = (
    "\t\n\x0b\x0c\r\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
    "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
    # Invisible characters that sneak in from word processors and web pages.
    "\u00ad\u200b\u200c\u200d\u2060\ufeff"
)
_SLASHES = "\u2044\u2215"


def _fold_table(upper: bool) -> dict[int, str]:
    table = {cp: chr(cp - 0xFEE0) for cp in range(0xFF01, 0xFF5F)}  # full-width ASCII
    table.update({ord(c): "-" for c in _DASHES})
    table.update({ord(c): " " for c in _SPACES})
    table.update({ord(c): "/" for c in _SLASHES})
    if upper:
        for cp in range(ord("a"), ord("z") + 1):
            table[cp] = chr(cp).upper()
            table[cp + 0xFEE0] = chr(cp).upper()
    return table


#: For parsing one number: case does not matter.
_FOLD_UPPER = _fold_table(upper=True)
#: For scanning text: case is kept, because only capitals count as a code there.
_FOLD = _fold_table(upper=False)


# -- grammar ---------------------------------------------------------------------------
# One pattern, applied to folded text, where all whitespace is " " and all dashes "-".
# Named groups are prefixed by family: i_ (ISO/IEC), t_ (ITU-T), c_ (Chinese).

# Not glued to a preceding letter or digit ("GBK", "XGB 123", "8GB"), nor part of an
# e-mail address.
_LEAD = r"(?<![A-Za-z0-9_@])"
# Not running on into more letters or digits, nor into "-5", ".5" or ":5": then it is
# a date, a phone number, a version or something else, not this number.
_TRAIL = r"(?![A-Za-z0-9_@]|[-.:]\d)"

_ISO = r"""
    (?P<i_org>ISO(?:\ */\ *IEC(?:\ */\ *IEEE)?)?|IEC)
    (?:(?:\ */\ *|\ +)(?P<i_doc>TR|TS|PAS))?
    (?![A-Za-z])\ *
    (?P<i_serial>\d{1,5}(?:-\d{1,5})*?)
    (?:
        \ *(?::|-+)\ *(?P<i_year>\d{4})
        # Amendments and corrigenda: /Amd 1:2020, /AMD1:2012, +A1:2012, /Cor 1:2006.
        (?P<i_amd>(?:\ *[/+]\ *(?i:AMD|COR|A)\.?\ *\d{1,2}\ *:\ *\d{4})*)
    )?
"""

_ITU = r"""
    ITU-T\ *(?P<t_rec>[A-Z]\.\d{1,4}(?:\.\d{1,4})*)
    (?:\ *(?:\((?:\d{1,2}/)?(?P<t_year>\d{4})\)|:(?P<t_year2>\d{4})))?
"""

_CHINESE_CODE = r"""
    (?:
        # Local: DB13/T, DB6106/T, mandatory DB11/ (space after the slash or not),
        # and the slash left out before T (DB37T).
        DB\ *(?P<c_region>\d{4}|\d{2})\ *(?:/\ *(?P<c_local_t>T)?|(?P<c_local_t2>T))
        # Group: T/ + association code, sometimes written twice (T/CSGF T/CSGF024).
      | T\ */\ *(?P<c_assoc>[A-Z]{2,15}(?:\d{1,4}[A-Z]{1,10})?)(?:\ +T\ */\ *(?P=c_assoc))?
        # Enterprise: Q/ + enterprise code, optionally a class letter (Q/XXX/J).
      | Q\ */\ *(?P<c_ent>(?:\d{1,8}[A-Z]{1,12}|[A-Z]{2,12})(?:\d{1,4}[A-Z]{1,10})?)
        (?:\ */\ *(?P<c_ent_class>[A-Z]{1,3}))?
        # Everything else is letters, checked against the known codes afterwards
        # (ISO, IEC and ITU have their own branches and rules).
      | (?!(?:ISO|IEC|ITU)(?![A-Z]))(?P<c_letters>[A-Z]{2,4})(?:\ */\ *(?P<c_suffix>[TZ]))?
    )
    (?![A-Z])
"""

_CHINESE = (
    _CHINESE_CODE
    + r"""
    \ *
    (?P<c_serial>
        \d{1,5}(?:\.\d{1,4})*
        # Group and enterprise serials may start with letters, and then contain
        # hyphens (T/XCFW TG06-011.3-2023). The hyphen groups are lazy, so that a final
        # -2023 is read as the year. Other codes are checked to have plain serials.
      | [A-Z]{1,4}\d{1,5}(?:\.\d{1,4})*(?P<c_hyphens>(?:-\d{1,5}(?:\.\d{1,4})*)+?)??
    )
    (?:
        # A stray dot before the dash is a typo: T/HSCA 001.-2017.
        \.?\ *(?P<c_ysep>-+|:)\ *
        # Two-digit years are not tried for group standards (which date from 2015 on)
        # nor after a hyphenated serial, where they would be the serial's last part.
        (?P<c_year>\d{4}|(?(c_assoc)(?!)|(?(c_hyphens)(?!)|\d{2})))
        # Amendments (修改单): /XG1-2021.
        (?P<c_amd>(?:\ */\ *XG\ *\d{1,2}(?:\ *-+\ *\d{4})?)*)
    )?
"""
)

_NUMBER_RE = re.compile(
    _LEAD + "(?:" + _ISO + "|" + _ITU + "|" + _CHINESE + ")" + _TRAIL, re.VERBOSE
)
#: Just the code, for explaining why something is not a number.
_CODE_RE = re.compile(r"(?:(?P<i_org>ISO|IEC)(?![A-Z])|ITU-T|" + _CHINESE_CODE + ")", re.VERBOSE)
_PLAIN_SERIAL = re.compile(r"\d+(?:\.\d+)*")
_INTL_AMENDMENT = re.compile(r"(AMD|COR|A)\.? *(\d{1,2}) *: *(\d{4})", re.IGNORECASE)
_CN_AMENDMENT = re.compile(r"XG *(\d{1,2})(?: *-+ *(\d{4}))?")


# -- reading a match -------------------------------------------------------------------


def _year(digits: str, *, two_digits_ok: bool, text: str) -> int:
    if len(digits) == 2:
        if not two_digits_ok:
            raise _error("bad_year", text, year=digits)
        short = int(digits)
        year = (1900 if short >= TWO_DIGIT_PIVOT else 2000) + short
    else:
        year = int(digits)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise _error("year_out_of_range", text, year=year, min=MIN_YEAR, max=MAX_YEAR)
    return year


def _resolve_letters(letters: str, suffix: str | None, text: str) -> tuple[str, str, str]:
    """``(code, level, kind)`` for a letter code such as ``GB`` + ``T``."""
    entry = _LETTER_CODES.get(letters)
    if entry is None and suffix is None and letters.endswith("T"):
        # The slash left out: GBT, JYT, JGJT. Only for known codes, so that an
        # unknown word ending in T is not taken for one.
        base = _LETTER_CODES.get(letters[:-1])
        if base is not None and "T" in base[1]:
            letters, suffix, entry = letters[:-1], "T", base
    if entry is None:
        raise _error("unknown_code", text, code=letters)
    level, kinds = entry
    if suffix not in kinds:
        if letters == "DB":
            raise _error("missing_region", text)
        raise _error("unknown_code", text, code=f"{letters}/{suffix}" if suffix else letters)
    code = f"{letters}/{suffix}" if suffix else letters
    return code, level, kinds[suffix]


def _check_region(region: str, text: str) -> None:
    if region[:2] not in PROVINCE_CODES or (len(region) == 4 and region[2:] == "00"):
        raise _error("bad_region", text, region=region)


def _from_match(m: re.Match) -> StandardNumber:
    """The number a grammar match describes; raises NumberError where the pattern is
    too coarse to say (unknown letter codes, years out of range, bad regions)."""
    text = m.group()
    if m["i_org"]:
        return _international(m, text)
    if m["t_rec"]:
        year = m["t_year"] or m["t_year2"]
        return StandardNumber(
            code="ITU-T",
            serial=m["t_rec"],
            year=_year(year, two_digits_ok=False, text=text) if year else None,
            amendment=None,
            level="international",
            kind=_RECOMMENDED,
        )
    return _chinese(m, text)


def _international(m: re.Match, text: str) -> StandardNumber:
    org = m["i_org"].replace(" ", "")  # "ISO / IEC" -> "ISO/IEC"
    code = org
    if m["i_doc"]:
        # ISO writes ISO/TR, and a joint document ISO/IEC TR.
        code = f"{org} {m['i_doc']}" if "/" in org else f"{org}/{m['i_doc']}"
    year = _year(m["i_year"], two_digits_ok=False, text=text) if m["i_year"] else None
    amendments = []
    for kind, number, amd_year in _INTL_AMENDMENT.findall(m["i_amd"] or ""):
        kind = "COR" if kind.upper() == "COR" else "AMD"
        amd_year = _year(amd_year, two_digits_ok=False, text=text)
        amendments.append(f"{kind}{int(number)}:{amd_year}")
    return StandardNumber(
        code=code,
        serial=m["i_serial"],
        year=year,
        amendment="/".join(amendments) or None,
        level="international",
        kind=_RECOMMENDED,
    )


def _chinese_code(m: re.Match, text: str) -> tuple[str, str, str]:
    """``(code, level, kind)`` of a Chinese code matched by ``_CHINESE_CODE``; raises
    NumberError for an unknown code or region."""
    if m["c_region"]:
        region = m["c_region"]
        _check_region(region, text)
        if m["c_local_t"] or m["c_local_t2"]:
            return f"DB{region}/T", "local", _RECOMMENDED
        return f"DB{region}", "local", _MANDATORY
    if m["c_assoc"]:
        return f"T/{m['c_assoc']}", "group", _RECOMMENDED
    if m["c_ent"]:
        code = f"Q/{m['c_ent']}" + (f"/{m['c_ent_class']}" if m["c_ent_class"] else "")
        return code, "enterprise", _RECOMMENDED
    return _resolve_letters(m["c_letters"], m["c_suffix"], text)


def _chinese(m: re.Match, text: str) -> StandardNumber:
    serial = m["c_serial"]
    code, level, kind = _chinese_code(m, text)
    # T/ and Q/ serials may hold letters and hyphens.
    loose_serial = bool(m["c_assoc"] or m["c_ent"])
    if not loose_serial and not _PLAIN_SERIAL.fullmatch(serial):
        raise _error("bad_serial", text, serial=serial)

    year = None
    if m["c_year"]:
        # Only CECS wrote short years after a colon; elsewhere "GB/T 191:12" is more
        # likely a clause than 2012.
        short_ok = m["c_ysep"] != ":" or code in _COLON_YEAR_CODES
        year = _year(m["c_year"], two_digits_ok=short_ok, text=text)

    amendments = []
    for number, amd_year in _CN_AMENDMENT.findall(m["c_amd"] or ""):
        item = f"XG{int(number)}"
        if amd_year:
            item += f"-{_year(amd_year, two_digits_ok=False, text=text)}"
        amendments.append(item)
    return StandardNumber(
        code=code,
        serial=serial,
        year=year,
        amendment="/".join(amendments) or None,
        level=level,
        kind=kind,
    )


# -- parsing ---------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def parse(text: str) -> StandardNumber:
    """One standard number, written any common way; raises NumberError if it is not one.

    >>> parse("ＧＢ／Ｔ　１９５８０－２０１２").normalized
    'GB/T 19580-2012'
    """
    if not isinstance(text, str):
        raise TypeError(f"parse() needs a str, not {type(text).__name__}")
    folded = text.translate(_FOLD_UPPER).strip()
    m = _NUMBER_RE.fullmatch(folded)
    if m is None:
        raise _explain(folded, text)
    return _from_match(m)


def try_parse(text: str | None) -> StandardNumber | None:
    """Like ``parse``, but ``None`` for anything that is not a standard number."""
    if not isinstance(text, str):
        return None
    try:
        return parse(text)
    except NumberError:
        return None


#: A local code without its slash: DB11, DB3301 (the mandatory form, or the code typed
#: as a search for a region's standards).
_BARE_LOCAL = re.compile(r"DB *(\d{4}|\d{2})")


@lru_cache(maxsize=1024)
def parse_code(text: str) -> str | None:
    """The standard code ``text`` is, written any common way, or None.

    >>> parse_code("gbt"), parse_code("ＤＢ11／Ｔ"), parse_code("t/cecs"), parse_code("LED")
    ('GB/T', 'DB11/T', 'T/CECS', None)

    Only whole known codes: a word that is not one (LED, USB) is not taken for one. A
    trailing slash is allowed (``GB/`` typed on the way to ``GB/T``). ``DB`` alone is
    the code of all local standards (``DB11/T``, ``DB3301/T`` …)."""
    if not isinstance(text, str):
        return None
    folded = text.translate(_FOLD_UPPER).strip()
    folded = folded[:-1].rstrip() if folded.endswith("/") else folded
    if folded == "DB":
        return "DB"  # every local standard, whatever its region
    bare = _BARE_LOCAL.fullmatch(folded)
    if bare:
        try:
            _check_region(bare[1], text)
        except NumberError:
            return None
        return f"DB{bare[1]}"
    m = _CODE_RE.fullmatch(folded)
    if m is None:
        return None
    if m["i_org"]:
        return m["i_org"]
    if folded == "ITU-T":
        return folded
    try:
        return _chinese_code(m, text)[0]
    except NumberError:
        return None


def normalize(text: str) -> str:
    """The normal form of one number: ``normalize("gbt19580—2012") == "GB/T 19580-2012"``."""
    return parse(text).normalized


_REST = re.compile(r"(?P<serial>[A-Z]{0,4}\d[\d.]*)(?: *(?:-+|:) *(?P<year>\d+))?(?P<tail>.*)")


def _explain(folded: str, text: str) -> NumberError:
    """Why ``folded`` (the whole input, folded) is not a number, as an error to raise."""
    if not folded:
        return _error("empty", text)
    code = _CODE_RE.match(folded)
    if code is None:
        if folded[0].isdigit():
            return _error("missing_code", text)
        word = re.match(r"[A-Z]+(?: */ *[A-Z]+)*", folded)
        if word is None or not any(c.isdigit() for c in folded):
            return _error("not_a_number", text)
        return _error("unknown_code", text, code=word.group().replace(" ", ""))
    try:
        # The code alone can already be wrong: an unknown code, DB99.
        if code["c_letters"]:
            _resolve_letters(code["c_letters"], code["c_suffix"], text)
        if code["c_region"]:
            _check_region(code["c_region"], text)
    except NumberError as error:
        return error
    rest = folded[code.end() :].lstrip()
    if not rest:
        return _error("missing_serial", text)
    if rest[0] == "-":
        # ISO-8859-1 and the like: names of other things, not standard numbers.
        return _error("hyphen_after_code", text)
    parts = _REST.fullmatch(rest)
    if parts is None:
        return _error("bad_serial", text, serial=rest.split(" ")[0].split("-")[0][:20])
    if len(re.match(r"[A-Z]*(\d*)", parts["serial"])[1]) > 5:
        return _error("serial_too_long", text, serial=parts["serial"])
    if parts["year"] and len(parts["year"]) != 4:
        # Wrong length, or two digits where only four are used (ISO, group standards).
        return _error("bad_year", text, year=parts["year"])
    longest = _NUMBER_RE.match(folded)
    tail = (folded[longest.end() :] if longest else parts["tail"]).strip()
    if tail:
        return _error("trailing_text", text, tail=tail[:20])
    return _error("bad_format", text)


# -- finding in text -------------------------------------------------------------------

# URLs and e-mail addresses are not scanned: "www.example.com/GB2760" is a path.
_URL_OR_EMAIL = re.compile(
    r"(?:https?|ftp)://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+=%]+"
    r"|www\.[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+=%]+"
    r"|[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+",
    re.IGNORECASE,
)
# "16 GB 2 条", "2 TB 500 元": a number then a storage unit, not a standard.
_UNIT_CODES = frozenset({"GB", "TB"})
_NUMBER_BEFORE = re.compile(r"\d *\Z")


def _skipped_spans(text: str) -> list[tuple[int, int]]:
    if "@" not in text and "://" not in text and "www." not in text.lower():
        return []
    return [m.span() for m in _URL_OR_EMAIL.finditer(text)]


def find_references(text: str) -> list[Reference]:
    """Every standard number cited in ``text``, in order, with its span.

    >>> [r.number.normalized for r in find_references("符合GB 2760—2014和GB/T 191的要求")]
    ['GB 2760-2014', 'GB/T 191']
    """
    if not isinstance(text, str):
        raise TypeError(f"find_references() needs a str, not {type(text).__name__}")
    folded = text.translate(_FOLD)
    skipped = _skipped_spans(text)
    found = []
    pos = 0
    search = _NUMBER_RE.search
    while (m := search(folded, pos)) is not None:
        start, end = m.span()
        inside = next((s for s in skipped if s[0] <= start < s[1]), None)
        if inside is not None:
            pos = inside[1]
            continue
        try:
            number = _from_match(m)
        except NumberError:
            # Looked like a number but is not one (unknown code, impossible year):
            # a real number may still start inside it.
            pos = start + 1
            continue
        pos = end
        if (
            number.year is None
            and number.code in _UNIT_CODES
            # In the text as written: a tab or line end (a spreadsheet cell, a list)
            # separates a row number from the standard, only spaces make "16 GB".
            and _NUMBER_BEFORE.search(text, max(0, start - 8), start)
        ):
            continue
        found.append(Reference(start, end, text[start:end], number))
    return found
