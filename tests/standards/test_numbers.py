"""Standard numbers: parsing, normal form, levels and kinds, finding them in text.

Pure Python, no database: runs without Django settings.
"""

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from standards import numbers
from standards.numbers import (
    INDUSTRY_CODES,
    LEVEL_LABELS,
    MAX_YEAR,
    MIN_YEAR,
    PROVINCE_CODES,
    NumberError,
    Reference,
    StandardNumber,
    find_references,
    normalize,
    parse,
    try_parse,
)

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
NMPA = DATA / "nmpa-medical-devices" / "standards.json"
NMPA_ISO = DATA / "nmpa-medical-devices" / "iso_gb_mapping.json"
SPORTS = DATA / "sports-standards" / "standards.json"

needs_data = pytest.mark.skipif(not (NMPA.exists() and SPORTS.exists()), reason="no shared data")

CJK = re.compile(r"[\u4e00-\u9fff]")


def normalized(text):
    return parse(text).normalized


# -- one number, many spellings ----------------------------------------------------------

SAME_AS_GB_T_19580_2012 = [
    "GB/T 19580-2012",
    "GB/T19580-2012",
    "GBT 19580-2012",
    "gb/t 19580—2012",
    "GB／T 19580－2012",
    "ＧＢ／Ｔ　１９５８０－２０１２",
    "GB/T 19580 - 2012",
    "GB / T 19580-2012",
    "GB/ T 19580-2012",
    "gbt19580-2012",
    "  GB/T 19580-2012\n",
    "GB/T\n19580-2012",
    "GB/T\t19580-2012",
    "GB/T 19580--2012",
    "GB/T 19580——2012",
    "GB/T 19580:2012",
]


@pytest.mark.parametrize("text", SAME_AS_GB_T_19580_2012)
def test_written_variants_normalize_to_one_form(text):
    assert normalize(text) == "GB/T 19580-2012"


@pytest.mark.parametrize(
    "dash", ["\u2014", "\u2013", "\uff0d", "\u2212", "\u2010", "\u2011", "\u2012", "--"]
)
def test_every_dash_separates_serial_and_year(dash):
    assert normalize(f"GB/T 19580{dash}2012") == "GB/T 19580-2012"


def test_two_digit_years_are_last_century_from_50():
    assert normalized("GB 5749-85") == "GB 5749-1985"
    assert parse("GB 5749-85").year == 1985
    assert parse("GBJ 16-87").year == 1987
    assert parse("GB 1-50").year == 1950
    assert parse("GB 1-99").year == 1999
    # Below the pivot: this century, then checked against the allowed range.
    assert parse("GB 1-06").year == 2006
    with pytest.raises(NumberError) as error:
        parse("GB 1-49")
    assert error.value.reason == "year_out_of_range"


def test_parts_keep_their_dots():
    assert parse("GB/T 1.1-2020").serial == "1.1"
    assert normalized("GB/T 1.1-2020") == "GB/T 1.1-2020"
    assert parse("GB/T 20004.1-2016").serial == "20004.1"
    assert parse("YY 9706.102-2021").serial == "9706.102"


@pytest.mark.parametrize(
    "text",
    [
        "GB 2760-2014/XG1-2021",
        "GB 2760-2014／XG1-2021",
        "GB 2760-2014 / XG1 - 2021",
        "GB 2760—2014/XG1—2021",
        "gb 2760-2014/xg1-2021",
    ],
)
def test_amendments(text):
    number = parse(text)
    assert number.normalized == "GB 2760-2014/XG1-2021"
    assert number.amendment == "XG1-2021"
    assert number.edition == "GB 2760-2014"
    assert number.series == "GB 2760"


def test_undated_number_names_the_series():
    number = parse("GB 2760")
    assert number.year is None
    assert not number.dated
    assert number.normalized == number.edition == number.series == "GB 2760"
    assert parse("GB 2760-2014").dated


def test_properties_and_str():
    number = parse("GB/T 19580-2012")
    assert number == StandardNumber("GB/T", "19580", 2012, None, "national", "recommended")
    assert str(number) == number.normalized == "GB/T 19580-2012"
    assert number.edition == "GB/T 19580-2012"
    assert number.series == "GB/T 19580"
    assert not number.mandatory
    assert number.region is None
    assert number.level_label == LEVEL_LABELS["national"] == "国家标准"
    assert number.kind_label == "推荐性"
    assert parse("GB 2760-2014").mandatory


def test_numbers_are_values():
    assert parse("GBT 19580-2012") == parse("GB/T 19580-2012")
    assert len({parse("GBT 19580-2012"), parse("gb/t 19580—2012")}) == 1
    with pytest.raises(AttributeError):
        parse("GB 2760").year = 2014


def test_constructor_rejects_unknown_level_and_kind():
    with pytest.raises(ValueError):
        StandardNumber("GB", "1", None, None, "planetary", "mandatory")
    with pytest.raises(ValueError):
        StandardNumber("GB", "1", None, None, "national", "optional")


# -- levels and kinds --------------------------------------------------------------------

LEVELS_AND_KINDS = [
    # text, normalized, code, level, kind
    ("GB 2760-2014", "GB 2760-2014", "GB", "national", "mandatory"),
    ("GB/T 19580-2012", "GB/T 19580-2012", "GB/T", "national", "recommended"),
    ("GB/Z 42217-2022", "GB/Z 42217-2022", "GB/Z", "national", "guidance"),
    ("GB 50010-2010", "GB 50010-2010", "GB", "national", "mandatory"),
    ("GBJ 16-87", "GBJ 16-1987", "GBJ", "national", "mandatory"),
    ("GBZ 2.1-2019", "GBZ 2.1-2019", "GBZ", "national", "mandatory"),
    ("GBZ/T 229.1-2010", "GBZ/T 229.1-2010", "GBZ/T", "national", "recommended"),
    ("JJG 1036-2022", "JJG 1036-2022", "JJG", "national", "mandatory"),
    ("JJF 1059.1-2012", "JJF 1059.1-2012", "JJF", "national", "recommended"),
    ("YY 0505-2012", "YY 0505-2012", "YY", "industry", "mandatory"),
    ("YY/T 0316-2016", "YY/T 0316-2016", "YY/T", "industry", "recommended"),
    ("HG/T 2290-2013", "HG/T 2290-2013", "HG/T", "industry", "recommended"),
    ("QB 1468-1992", "QB 1468-1992", "QB", "industry", "mandatory"),
    ("SN/T 1234-2020", "SN/T 1234-2020", "SN/T", "industry", "recommended"),
    ("TY/T 3501.6-2024", "TY/T 3501.6-2024", "TY/T", "industry", "recommended"),
    ("DB/T 12-2020", "DB/T 12-2020", "DB/T", "industry", "recommended"),
    ("JGJ 3-2010", "JGJ 3-2010", "JGJ", "industry", "mandatory"),
    ("JGJ/T 98-2010", "JGJ/T 98-2010", "JGJ/T", "industry", "recommended"),
    ("CJJ 1-2008", "CJJ 1-2008", "CJJ", "industry", "mandatory"),
    ("JTG 3362-2018", "JTG 3362-2018", "JTG", "industry", "mandatory"),
    ("DB13/T 5651.5-2023", "DB13/T 5651.5-2023", "DB13/T", "local", "recommended"),
    ("DB6106/T 1-2020", "DB6106/T 1-2020", "DB6106/T", "local", "recommended"),
    ("DB11/ 854-2012", "DB11/ 854-2012", "DB11", "local", "mandatory"),
    ("DB11/854-2012", "DB11/ 854-2012", "DB11", "local", "mandatory"),
    ("DB12/ 684-2016", "DB12/ 684-2016", "DB12", "local", "mandatory"),
    ("T/JSVA 008-2022", "T/JSVA 008-2022", "T/JSVA", "group", "recommended"),
    ("T/CECS 10067-2019", "T/CECS 10067-2019", "T/CECS", "group", "recommended"),
    ("CECS 13:89", "CECS 13:1989", "CECS", "group", "recommended"),
    ("Q/ZJK 001-2021", "Q/ZJK 001-2021", "Q/ZJK", "enterprise", "recommended"),
    ("Q/XXX/J 01-2020", "Q/XXX/J 01-2020", "Q/XXX/J", "enterprise", "recommended"),
    ("Q/GDW 1168-2013", "Q/GDW 1168-2013", "Q/GDW", "enterprise", "recommended"),
    ("ISO 9001:2015", "ISO 9001:2015", "ISO", "international", "recommended"),
    ("ISO/IEC 17025:2017", "ISO/IEC 17025:2017", "ISO/IEC", "international", "recommended"),
    ("IEC 60601-1:2005", "IEC 60601-1:2005", "IEC", "international", "recommended"),
    ("ISO 10993-1:2018", "ISO 10993-1:2018", "ISO", "international", "recommended"),
    ("ISO/TR 24971:2020", "ISO/TR 24971:2020", "ISO/TR", "international", "recommended"),
    ("ISO TR 24971:2020", "ISO/TR 24971:2020", "ISO/TR", "international", "recommended"),
    ("ISO/IEC TR 29110-1:2016", "ISO/IEC TR 29110-1:2016", "ISO/IEC TR",
     "international", "recommended"),
    ("ITU-T X.509 (10/2019)", "ITU-T X.509 (2019)", "ITU-T", "international", "recommended"),
    ("ITU-T G.652", "ITU-T G.652", "ITU-T", "international", "recommended"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected", "code", "level", "kind"), LEVELS_AND_KINDS)
def test_level_and_kind(text, expected, code, level, kind):
    number = parse(text)
    assert (number.normalized, number.code, number.level, number.kind) == (
        expected,
        code,
        level,
        kind,
    )
    assert number.mandatory == (kind == "mandatory")


def test_iso_serial_keeps_its_part_and_year_after_colon():
    number = parse("ISO 10993-1:2018")
    assert (number.code, number.serial, number.year) == ("ISO", "10993-1", 2018)
    assert number.series == "ISO 10993-1"
    assert normalize("IEC 60601-1-2:2014") == "IEC 60601-1-2:2014"
    assert normalize("ISO9001") == "ISO 9001"
    assert normalize("iso 9001：2015") == "ISO 9001:2015"
    # A dash before an international year is a common slip; it is read as the year.
    assert normalize("ISO 9001-2015") == "ISO 9001:2015"


@pytest.mark.parametrize(
    ("text", "expected", "amendment"),
    [
        ("IEC 60601-1:2005+A2:2020", "IEC 60601-1:2005/AMD2:2020", "AMD2:2020"),
        ("IEC 60601-1:2005/AMD1:2012", "IEC 60601-1:2005/AMD1:2012", "AMD1:2012"),
        ("ISO 10993-1:2018/Amd 1:2020", "ISO 10993-1:2018/AMD1:2020", "AMD1:2020"),
        ("ISO 11137-1:2006/Cor 1:2007", "ISO 11137-1:2006/COR1:2007", "COR1:2007"),
        (
            "IEC 60601-1:2005+A1:2012+A2:2020",
            "IEC 60601-1:2005/AMD1:2012/AMD2:2020",
            "AMD1:2012/AMD2:2020",
        ),
    ],
)
def test_international_amendments(text, expected, amendment):
    number = parse(text)
    assert number.normalized == expected
    assert number.amendment == amendment
    assert number.edition == expected.split("/A")[0].split("/C")[0]


def test_international_codes_are_never_chinese():
    for text in ["ISO 9001:2015", "IEC 60601-1:2005", "ISO/IEC 17025:2017", "ITU-T X.509"]:
        number = parse(text)
        assert number.level == "international"
        assert number.code not in INDUSTRY_CODES


def test_region_of_local_standards():
    assert parse("DB13/T 5651.5-2023").region == "13"
    assert parse("DB6106/T 1-2020").region == "6106"
    assert parse("DB11/ 854-2012").region == "11"
    assert parse("DB/T 12-2020").region is None  # 地震 industry, not local
    assert parse("GB 2760").region is None


VALID_PROVINCES = (
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 "
    "50 51 52 53 54 61 62 63 64 65 71 81 82"
).split()


def test_province_codes_are_the_documented_ones():
    assert sorted(PROVINCE_CODES) == sorted(VALID_PROVINCES)


@pytest.mark.parametrize("province", [f"{n:02d}" for n in range(100)])
def test_only_real_provinces_issue_local_standards(province):
    for text in (f"DB{province}/T 1-2020", f"DB{province}/ 1-2020", f"DB{province}01/T 1-2020"):
        if province in VALID_PROVINCES:
            assert parse(text).level == "local"
        else:
            with pytest.raises(NumberError) as error:
                parse(text)
            assert error.value.reason == "bad_region"


def test_city_code_needs_a_city_part():
    assert parse("DB1307/T 1-2020").region == "1307"
    with pytest.raises(NumberError):
        parse("DB1300/T 1-2020")


def test_industry_codes_cover_the_domain_list():
    listed = (
        "AQ BB CB CH CJ CY DA DB DL DZ EJ FZ GA GH GM GY HB HG HJ HS HY JB JC JG JR JT JY "
        "LB LD LS LY MH MT MZ NB NY QB QC QJ QX RB SB SC SF SH SJ SL SN SW SY TB TD TY WB "
        "WH WJ WM WS WW XB YB YC YD YS YY YZ ZY"
    ).split()
    assert set(listed) <= set(INDUSTRY_CODES)
    assert INDUSTRY_CODES["DB"] == "地震"
    assert {"JGJ", "CJJ"} <= set(INDUSTRY_CODES)
    assert all(CJK.search(owner) for owner in INDUSTRY_CODES.values())
    for code in listed:
        if code == "DB":
            continue
        assert parse(f"{code} 1-2020").level == "industry"
        assert parse(f"{code}/T 1-2020").kind == "recommended"
        assert parse(f"{code}/Z 1-2020").kind == "guidance"


def test_missing_slash_is_repaired_only_for_known_codes():
    assert normalize("JYT 0629-2020") == "JY/T 0629-2020"
    assert normalize("GBT 191") == "GB/T 191"
    assert normalize("JGJT 98-2010") == "JGJ/T 98-2010"
    # GBZ is the occupational-health code, not GB/Z without its slash.
    assert parse("GBZ 2.1-2019").code == "GBZ"
    with pytest.raises(NumberError):
        parse("ABT 123-2020")


# -- real mess ---------------------------------------------------------------------------

MESSY = [
    ("T/CSGF T/CSGF024—2023", "T/CSGF 024-2023"),
    ("T/CSGF T/CSGF023.3—2023", "T/CSGF 023.3-2023"),
    ("T/DLSHXH T/DLSHXH 001--2017", "T/DLSHXH 001-2017"),
    ("T/HSCA 001.—2017", "T/HSCA 001-2017"),
    ("JYT 0629-2020", "JY/T 0629-2020"),
    ("GBT 19580-2012", "GB/T 19580-2012"),
    ("DB13/T\n5651.5-2023", "DB13/T 5651.5-2023"),
    ("DB13/T\r\n\t5651.5-2023", "DB13/T 5651.5-2023"),
    ("T/XCFW TG06-011.3—2023", "T/XCFW TG06-011.3-2023"),
    ("T/PTSHOES GS001—2017", "T/PTSHOES GS001-2017"),
    ("DB14/ T 1763-2018", "DB14/T 1763-2018"),
    ("DB 37/T 1234-2020", "DB37/T 1234-2020"),
    ("DB 3307/T 98—2019", "DB3307/T 98-2019"),
    ("DB3303/T013-2020", "DB3303/T 013-2020"),
    ("DB32／T 4412-2022", "DB32/T 4412-2022"),
    ("T/BSSF  0001—2024", "T/BSSF 0001-2024"),
    ("db37/t 1234-2020", "DB37/T 1234-2020"),
    ("t/jsva 008—2022", "T/JSVA 008-2022"),
]


@pytest.mark.parametrize(("text", "expected"), MESSY)
def test_real_mess_parses_to_the_obvious_number(text, expected):
    assert normalize(text) == expected


def test_serials_with_letters_only_for_group_and_enterprise():
    number = parse("T/XCFW TG06-011.3—2023")
    assert (number.serial, number.year) == ("TG06-011.3", 2023)
    assert parse("T/PTSHOES GS001—2017").serial == "GS001"
    assert parse("Q/ZJK GS01-2020").serial == "GS01"
    with pytest.raises(NumberError):
        parse("GB/T GS001-2017")


# -- not numbers -------------------------------------------------------------------------

NOT_NUMBERS = [
    ("", "empty"),
    ("   ", "empty"),
    ("hello", "not_a_number"),
    ("2760-2014", "missing_code"),
    ("GB", "missing_serial"),
    ("GB/T", "missing_serial"),
    ("XX 123-2020", "unknown_code"),
    ("GBJ/T 1-2000", "unknown_code"),
    ("GB/T abc-2012", "bad_serial"),
    ("GB 123456-2020", "serial_too_long"),
    ("GB 2760-2099", "year_out_of_range"),
    ("GB 2760-1949", "year_out_of_range"),
    ("GB 2760-20141", "bad_year"),
    ("ISO 9001:94", "bad_year"),
    ("T/ABC 001-17", "bad_year"),
    ("DB99/T 1-2020", "bad_region"),
    ("DB 123-2020", "missing_region"),
    ("ISO-8859-1", "hyphen_after_code"),
    ("GB-2760-2014", "hyphen_after_code"),
    ("GB/T 191-2008/ISO 9001:2015", "trailing_text"),
    ("GB 2760-2014 食品添加剂", "trailing_text"),
    ("TC291", "unknown_code"),
    ("《》", "not_a_number"),
]


@pytest.mark.parametrize(("text", "reason"), NOT_NUMBERS)
def test_not_numbers_say_why_in_chinese(text, reason):
    with pytest.raises(NumberError) as error:
        parse(text)
    assert error.value.reason == reason
    assert isinstance(error.value, ValueError)
    assert CJK.search(str(error.value)), str(error.value)
    assert try_parse(text) is None


def test_error_messages():
    cases = {
        "": "标准编号为空",
        "GB": "缺少标准顺序号",
        "2760-2014": "缺少标准代号",
        "XX 123-2020": "无法识别的标准代号“XX”",
        "GB 2760-2099": f"年代号“2099”不在 {MIN_YEAR}—{MAX_YEAR} 年之间，请核对编号中的年份",
    }
    for text, message in cases.items():
        with pytest.raises(NumberError, match=re.escape(message)):
            parse(text)


def test_year_range():
    assert parse(f"GB 1-{MIN_YEAR}").year == MIN_YEAR
    assert parse(f"GB 1-{MAX_YEAR}").year == MAX_YEAR
    with pytest.raises(NumberError):
        parse(f"GB 1-{MAX_YEAR + 1}")


def test_try_parse_tolerates_anything():
    assert try_parse(None) is None
    assert try_parse(123) is None
    assert try_parse("GB 2760") == parse("GB 2760")
    with pytest.raises(TypeError):
        parse(None)


@pytest.mark.parametrize(
    "text, code",
    [
        ("GB", "GB"),
        ("gb/t", "GB/T"),
        ("GBT", "GB/T"),  # the slash left out
        ("ＧＢ／Ｚ", "GB/Z"),
        ("GB/", "GB"),  # typed on the way to GB/T
        ("yy/t", "YY/T"),
        ("DB11/T", "DB11/T"),
        ("db11t", "DB11/T"),
        ("DB11", "DB11"),
        ("DB", "DB"),  # every local standard
        ("ｄｂ/", "DB"),
        ("DB3301/T", "DB3301/T"),
        ("t/cecs", "T/CECS"),
        ("Q/ABC", "Q/ABC"),
        ("iso", "ISO"),
        ("ITU-T", "ITU-T"),
        # not codes: unknown words, a region that is none, a whole number, nothing
        ("LED", None),
        ("USB", None),
        ("DB99", None),
        ("DB11/X", None),
        ("GB/T 2760", None),
        ("T", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_code(text, code):
    assert numbers.parse_code(text) == code


@given(st.text(max_size=40))
def test_parse_code_tolerates_anything(text):
    code = numbers.parse_code(text)
    assert code is None or numbers.parse_code(code) == code


# -- normal form round trip --------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [row[0] for row in LEVELS_AND_KINDS] + [row[0] for row in MESSY] + SAME_AS_GB_T_19580_2012,
)
def test_normalize_is_idempotent_and_round_trips(text):
    number = parse(text)
    assert normalize(number.normalized) == number.normalized
    assert parse(number.normalized) == number
    assert parse(number.edition).normalized == number.edition
    assert parse(number.series) == StandardNumber(
        number.code, number.serial, None, None, number.level, number.kind
    )


# -- property-based: any number, written any way, reads back the same ----------------------

UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
DASHES = ["-", "—", "–", "－", "−", "‐", "‑", "‒", "--", "——", " - ", " —"]
GAPS = ["", " ", "  ", "\n", "\u3000", "\t"]


def _digits(low, high):
    return st.integers(min_value=0, max_value=10**high - 1).flatmap(
        lambda n: st.integers(min_value=max(low, len(str(n))), max_value=high).map(
            lambda width: str(n).zfill(width)
        )
    )


plain_serial = st.builds(
    lambda head, parts: ".".join([head, *parts]),
    _digits(1, 5),
    st.lists(st.integers(1, 99).map(str), max_size=2),
)
# Hyphen groups of three digits: never mistaken for a two- or four-digit year.
lettered_serial = st.builds(
    lambda letters, head, tail: f"{letters}{head}{tail}",
    st.text(UPPER, min_size=1, max_size=3),
    _digits(1, 4),
    st.sampled_from(["", "-011", "-011.3", "-123.45"]),
)
years = st.none() | st.integers(MIN_YEAR, MAX_YEAR)


@st.composite
def chinese_numbers(draw):
    """(expected StandardNumber, code spellings, two-digit years allowed)."""
    family = draw(st.sampled_from(["national", "industry", "local", "group", "enterprise"]))
    serial = draw(plain_serial)
    short_years = True
    if family == "national":
        code, kind = draw(
            st.sampled_from(
                [
                    ("GB", "mandatory"),
                    ("GB/T", "recommended"),
                    ("GB/Z", "guidance"),
                    ("GBZ", "mandatory"),
                    ("GBZ/T", "recommended"),
                    ("JJG", "mandatory"),
                    ("JJF", "recommended"),
                ]
            )
        )
        level = "national"
    elif family == "industry":
        base = draw(st.sampled_from(sorted(INDUSTRY_CODES)))
        options = [("/T", "recommended")]
        if base != "DB":
            options.append(("", "mandatory"))
            if len(base) == 2:
                options.append(("/Z", "guidance"))
        suffix, kind = draw(st.sampled_from(options))
        code, level = base + suffix, "industry"
    elif family == "local":
        region = draw(st.sampled_from(sorted(PROVINCE_CODES)))
        if draw(st.booleans()):
            region += draw(st.integers(1, 99).map(lambda n: f"{n:02d}"))
        recommended = draw(st.booleans())
        code = f"DB{region}/T" if recommended else f"DB{region}"
        level, kind = "local", "recommended" if recommended else "mandatory"
    elif family == "group":
        code = "T/" + draw(st.text(UPPER, min_size=2, max_size=8))
        level, kind, short_years = "group", "recommended", False
        serial = draw(plain_serial | lettered_serial)
    else:
        code = "Q/" + draw(st.text(UPPER, min_size=2, max_size=6))
        if draw(st.booleans()):
            code += "/" + draw(st.sampled_from("JGZ"))
        level, kind = "enterprise", "recommended"
        serial = draw(plain_serial | lettered_serial)
    if "-" in serial:
        short_years = False  # TG06-011-50: the 50 would be part of the serial
    year = draw(years)
    amendment = None
    if year is not None and level == "national" and draw(st.booleans()):
        amendment = f"XG{draw(st.integers(1, 3))}-{draw(st.integers(MIN_YEAR, MAX_YEAR))}"
    expected = StandardNumber(code, serial, year, amendment, level, kind)
    return expected, _code_spellings(expected), short_years


def _code_spellings(number):
    code = number.code
    if number.level == "local":
        region = number.region
        if number.kind == "mandatory":
            return [f"DB{region}/", f"DB{region}/ ", f"DB {region}/"]
        return [f"DB{region}/T", f"DB {region}/T", f"DB{region}/ T", f"DB{region}T"]
    if code.startswith(("T/", "Q/")):
        first = code[:2] + " " + code[2:]
        spellings = [code, first.replace(" ", ""), code.replace("/", " / ", 1)]
        if code.startswith("T/"):
            spellings.append(f"{code} {code}")  # written twice, as in real data
        return spellings
    if code.endswith("/T"):
        base = code[:-2]
        return [code, f"{base}T", f"{base} / T", f"{base}/ T"]
    if "/" in code:
        return [code, code.replace("/", " / ")]
    return [code]


@st.composite
def written_chinese(draw):
    expected, spellings, short_years = draw(chinese_numbers())
    text = draw(st.sampled_from(spellings))
    gap = draw(st.sampled_from(GAPS))
    if expected.serial[0].isalpha() and not gap:
        gap = " "  # T/ABCGS001 cannot be split; nobody can read it
    text += gap + expected.serial
    if expected.year is not None:
        year = str(expected.year)
        if short_years and expected.year <= 2049 and draw(st.booleans()):
            year = year[2:]
        dash = draw(st.sampled_from(DASHES + ([":", "："] if len(year) == 4 else [])))
        text += draw(st.sampled_from(["", "."])) if dash[0] != ":" else ""
        text += dash + year
    if expected.amendment:
        slash = draw(st.sampled_from(["/", "／", " / "]))
        text += slash + expected.amendment.replace("-", draw(st.sampled_from(DASHES)))
    return expected, _full_width(draw, text)


@st.composite
def written_international(draw):
    org = draw(st.sampled_from(["ISO", "IEC", "ISO/IEC", "ISO/TR", "ISO/IEC TR"]))
    serial = draw(_digits(1, 5).filter(lambda s: s[0] != "0"))
    serial += "".join(draw(st.lists(st.integers(1, 99).map(lambda n: f"-{n}"), max_size=2)))
    year = draw(years)
    amendment = None
    if year is not None and draw(st.booleans()):
        amendment = f"AMD{draw(st.integers(1, 3))}:{draw(st.integers(MIN_YEAR, MAX_YEAR))}"
    expected = StandardNumber(org, serial, year, amendment, "international", "recommended")
    text = draw(st.sampled_from([org, org.replace("/", " / ")])) + draw(st.sampled_from(["", " "]))
    text += serial
    if year is not None:
        text += draw(st.sampled_from([":", "：", " : ", "-"])) + str(year)
    if amendment:
        number, amd_year = amendment[3:].split(":")
        text += draw(st.sampled_from(["/AMD{}:{}", "/Amd {}:{}", "+A{}:{}", "+AMD{}:{}"])).format(
            number, amd_year
        )
    return expected, _full_width(draw, text)


def _full_width(draw, text):
    """Some characters turned full-width, as Chinese input methods do."""
    mask = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
    out = []
    for char, wide in zip(text, mask, strict=True):
        if wide and "!" <= char <= "~":
            out.append(chr(ord(char) + 0xFEE0))
        elif wide and char == " ":
            out.append("\u3000")
        else:
            out.append(char)
    return "".join(out)


written_numbers = written_chinese() | written_international()


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(written_numbers, st.booleans())
def test_any_written_form_parses_back(case, lower):
    expected, text = case
    if lower:
        text = text.lower()
    number = parse(text)
    assert number == expected, text
    assert normalize(number.normalized) == number.normalized
    assert parse(number.normalized) == number
    assert parse(str(number)) == number


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(written_numbers, st.sampled_from(["见", "符合", "按照《", "、", "（", "; ", "\n"]))
def test_any_written_form_is_found_in_text(case, before):
    expected, text = case
    document = f"{before}{text}的要求。"
    found = find_references(document)
    assert len(found) == 1, (document, found)
    (ref,) = found
    assert (ref.start, ref.end, ref.text) == (len(before), len(before) + len(text), text)
    assert ref.number == expected
    assert parse(ref.text) == ref.number


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_anything_either_parses_or_says_why(text):
    try:
        number = parse(text)
    except NumberError as error:
        assert error.reason in numbers._MESSAGES
        return
    assert parse(number.normalized) == number


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("GBT/QDISOECJYZ0123456789-—.:：／ 　的和、\n@x")),
        max_size=80,
    )
)
def test_found_references_are_exact_and_parse(text):
    found = find_references(text)
    last_end = 0
    for ref in found:
        assert last_end <= ref.start < ref.end
        assert text[ref.start : ref.end] == ref.text
        assert parse(ref.text) == ref.number
        last_end = ref.end


# -- finding references in text ------------------------------------------------------------


def spans(text):
    return [(ref.text, ref.number.normalized) for ref in find_references(text)]


def test_a_row_number_or_an_earlier_line_is_not_a_storage_size():
    # "16 GB" is a size only with spaces between; a tab (a spreadsheet's cells) or a
    # line end (a list) separates a row number or an earlier number from a standard.
    assert [r.number.normalized for r in find_references("1\tGB 14881\n2\tGB 5749")] == [
        "GB 14881",
        "GB 5749",
    ]
    assert [r.number.normalized for r in find_references("GB 14881\nGB 5749")] == [
        "GB 14881",
        "GB 5749",
    ]
    assert find_references("内存 16 GB 2 条") == []


def test_finds_references_among_chinese_text():
    text = "符合GB 2760—2014《食品安全国家标准》和GB/T 191的要求"
    found = find_references(text)
    assert [(r.start, r.end, r.text) for r in found] == [
        (2, 14, "GB 2760—2014"),
        (25, 33, "GB/T 191"),
    ]
    assert [r.number.normalized for r in found] == ["GB 2760-2014", "GB/T 191"]
    assert all(isinstance(r, Reference) for r in found)
    assert not found[1].number.dated


def test_finds_lists_separated_by_chinese_punctuation():
    text = (
        "引用GB/T 191、GB 2760-2014/XG1-2021，YY/T 0316—2016；"
        "ISO 13485:2016及IEC 60601-1:2005+A1:2012。"
    )
    assert spans(text) == [
        ("GB/T 191", "GB/T 191"),
        ("GB 2760-2014/XG1-2021", "GB 2760-2014/XG1-2021"),
        ("YY/T 0316—2016", "YY/T 0316-2016"),
        ("ISO 13485:2016", "ISO 13485:2016"),
        ("IEC 60601-1:2005+A1:2012", "IEC 60601-1:2005/AMD1:2012"),
    ]


def test_finds_lines_of_a_normative_references_section():
    text = (
        "2 规范性引用文件\n"
        "下列文件中的内容通过文中的规范性引用而构成本文件必不可少的条款。其中，注日期的引用文件，"
        "仅该日期对应的版本适用于本文件；不注日期的引用文件，其最新版本（包括所有的修改单）适用于本文件。\n"
        "GB/T 191 包装储运图示标志\n"
        "GB/T 2828.1—2012 计数抽样检验程序 第1部分\n"
        "GB 9706.1-2020　医用电气设备 第1部分\n"
        "YY/T 0466.1-2016 医疗器械 用于医疗器械标签、标记和提供信息的符号\n"
        "ISO 10993-1:2018 Biological evaluation of medical devices\n"
        "T/CSGF T/CSGF024—2023 某团体标准\n"
        "DB13/T\n5651.5-2023 河北地方标准\n"
    )
    assert [n for _, n in spans(text)] == [
        "GB/T 191",
        "GB/T 2828.1-2012",
        "GB 9706.1-2020",
        "YY/T 0466.1-2016",
        "ISO 10993-1:2018",
        "T/CSGF 024-2023",
        "DB13/T 5651.5-2023",
    ]


def test_finds_adopted_international_standard_after_the_chinese_one():
    assert spans("GB/T 19001-2016/ISO 9001:2015 质量管理体系") == [
        ("GB/T 19001-2016", "GB/T 19001-2016"),
        ("ISO 9001:2015", "ISO 9001:2015"),
    ]


def test_finds_numbers_in_rules_and_numbered_lists():
    assert spans("与GB9706.1-2020同步实施") == [("GB9706.1-2020", "GB 9706.1-2020")]
    assert spans("1.GB/T 191-2008 包装") == [("GB/T 191-2008", "GB/T 191-2008")]
    assert spans("（1）DB11/ 854-2012；(2) Q/ZJK 001-2021") == [
        ("DB11/ 854-2012", "DB11/ 854-2012"),
        ("Q/ZJK 001-2021", "Q/ZJK 001-2021"),
    ]
    assert spans("ＧＢ／Ｔ　１９５８０－２０１２") == [
        ("ＧＢ／Ｔ　１９５８０－２０１２", "GB/T 19580-2012")
    ]


NO_REFERENCES = [
    "电话：0313-1234567",
    "热线400-800-1234",
    "+86 10 6520 1234",
    "邮编075000",
    "日期2021-05-06",
    "2021年5月6日",
    "共12页",
    "第 3 页",
    "￥2,000.00元，$1,500",
    "型号ABC-2000",
    "型号 JB-2000",
    "DBMS 2020",
    "GBK编码",
    "GBK 2312",
    "charset=ISO-8859-1",
    "iso-8859-1",
    "ISO-8859-15",
    "XGB 2760-2014",
    "8GB 2760",
    "A1GB 2760",
    "内存16 GB 2条",
    "硬盘2 TB 500元",
    "http://www.sac.gov.cn/GB2760-2014.html",
    "www.example.com/ISO9001",
    "联系 GB2760@qq.com 或 iso9001.cert@example.cn",
    "gb 2760-2014 写成小写",
    "SN 2021-05-06",
    "GB 2760-20141",
    "GB 2760-2014-05",
    "GB 2760-2014.5",
    "GB 2760-2099",
    "XX 123-2020",
    "T/C 1-2020",
    "Q/A 2020",
    "ABC 1234",
    "UTF-8",
    "AT/T 100",
]


@pytest.mark.parametrize("text", NO_REFERENCES)
def test_no_false_references(text):
    assert find_references(text) == []


def test_year_followed_by_date_or_digits_is_not_a_year():
    assert spans("GB 2760-2014 2015-05-24实施") == [("GB 2760-2014", "GB 2760-2014")]
    assert spans("GB 2760-2014-05-24") == []


def test_empty_and_type_errors():
    assert find_references("") == []
    with pytest.raises(TypeError):
        find_references(None)


# -- the shared real data -------------------------------------------------------------------

# 45 real numbers from the shared files, as written there, with the number they mean.
REAL_CASES = [
    ("GB/T 42061-2022", "GB/T 42061-2022"),
    ("GB/T 42062-2022", "GB/T 42062-2022"),
    ("GB/Z 130-2025", "GB/Z 130-2025"),
    ("GB/Z 42217-2022", "GB/Z 42217-2022"),
    ("YY 0055-2018", "YY 0055-2018"),
    ("YY 1412-2016", "YY 1412-2016"),
    ("YY/T 0870.1-2013", "YY/T 0870.1-2013"),
    ("YY/T 0651.3-2020", "YY/T 0651.3-2020"),
    ("TY/T 3501.6-2024", "TY/T 3501.6-2024"),
    ("GB 19272-2024", "GB 19272-2024"),
    ("GB 19079.1-2013", "GB 19079.1-2013"),
    ("GB/T 31887.4-2025", "GB/T 31887.4-2025"),
    ("QB/T 2601-2013", "QB/T 2601-2013"),
    ("DB11/T 334.4-2020", "DB11/T 334.4-2020"),
    ("DB 37/T 2904-2019", "DB37/T 2904-2019"),
    ("T/JSVA 008—2022", "T/JSVA 008-2022"),
    ("T/CSSGA 1048—2025", "T/CSSGA 1048-2025"),
    ("T/SSIASD 02—2022", "T/SSIASD 02-2022"),
    ("T/SCSVA 0002.1—2023", "T/SCSVA 0002.1-2023"),
    ("T/XZSLYYDXH 001—2021", "T/XZSLYYDXH 001-2021"),
    ("T/CECS 10067—2019", "T/CECS 10067-2019"),
    ("T/CSGF T/CSGF024—2023", "T/CSGF 024-2023"),
    ("T/CSGF T/CSGF023.3—2023", "T/CSGF 023.3-2023"),
    ("T/HSCA 001.—2017", "T/HSCA 001-2017"),
    ("T/DLSHXH T/DLSHXH 001--2017", "T/DLSHXH 001-2017"),
    ("T/XCFW TG06-011.3—2023", "T/XCFW TG06-011.3-2023"),
    ("T/XCFW TG04-011.7—2023", "T/XCFW TG04-011.7-2023"),
    ("T/PTSHOES GS001—2017", "T/PTSHOES GS001-2017"),
    ("T/PTSHOES GS002—2017", "T/PTSHOES GS002-2017"),
    ("T/BSSF  0001—2024", "T/BSSF 0001-2024"),
    ("NB/T 10612—2021", "NB/T 10612-2021"),
    ("JYT 0629-2020", "JY/T 0629-2020"),
    ("JYT 0627-2020", "JY/T 0627-2020"),
    ("MZ/T 239—2025", "MZ/T 239-2025"),
    ("DB14/ T 1763-2018", "DB14/T 1763-2018"),
    ("DB13/T\n5651.5-2023", "DB13/T 5651.5-2023"),
    ("DB 3307/T 98—2019", "DB3307/T 98-2019"),
    ("DB3701/T 0005.8—2019", "DB3701/T 0005.8-2019"),
    ("DB12/ 684-2016", "DB12/ 684-2016"),
    ("DB31/ 890-2015", "DB31/ 890-2015"),
    ("DB3303/T013-2020", "DB3303/T 013-2020"),
    ("DB1303/T011-2020", "DB1303/T 011-2020"),
    ("DB32／T 4412-2022", "DB32/T 4412-2022"),
    ("DB14/T2039-2020", "DB14/T 2039-2020"),
    ("DB4401/T 10.15—2020", "DB4401/T 10.15-2020"),
    ("HG 2290-1992", "HG 2290-1992"),
    ("IEC 60601-1:2005+A2:2020", "IEC 60601-1:2005/AMD2:2020"),
    ("IEC 62304:2006+A1:2015", "IEC 62304:2006/AMD1:2015"),
    ("ISO 10993-10:2021", "ISO 10993-10:2021"),
]


@pytest.mark.parametrize(("text", "expected"), REAL_CASES)
def test_real_numbers(text, expected):
    assert normalize(text) == expected
    assert [ref.number.normalized for ref in find_references(f"执行标准：{text}。")] == [expected]


def _shared_numbers():
    nmpa = json.loads(NMPA.read_text(encoding="utf-8"))
    sports = json.loads(SPORTS.read_text(encoding="utf-8"))["standards"]
    values = [("nmpa number", r["number"]) for r in nmpa]
    values += [("nmpa replaces", r["replaces"]) for r in nmpa if r.get("replaces")]
    values += [("sports code", r["code"]) for r in sports]
    values += [("sports replacedBy", r["replacedBy"]) for r in sports if r.get("replacedBy")]
    return values


#: Values in the shared files that are not standard numbers, and why. Every record's own
#: number parses; only these links do not.
KNOWN_NOT_NUMBERS = {
    re.compile(r"TC\d+"): "a technical committee named in replacedBy (see data README)",
}


@needs_data
def test_every_shared_number_parses_or_is_known_bad():
    parsed, known_bad, unexpected = 0, 0, []
    for field, value in _shared_numbers():
        number = try_parse(value)
        if number is not None:
            parsed += 1
            assert parse(number.normalized) == number
            continue
        if any(pattern.fullmatch(value) for pattern in KNOWN_NOT_NUMBERS):
            known_bad += 1
        else:
            unexpected.append((field, value))
    assert unexpected == []
    assert parsed >= 3500
    assert 0 < known_bad < 60


@needs_data
def test_known_bad_values_really_are_not_numbers():
    sports = json.loads(SPORTS.read_text(encoding="utf-8"))["standards"]
    for record in sports:
        value = record.get("replacedBy")
        if value and value.startswith("TC"):
            with pytest.raises(NumberError):
                parse(value)


@needs_data
def test_every_shared_number_is_found_whole_in_text():
    for _field, value in _shared_numbers():
        number = try_parse(value)
        if number is None:
            continue
        found = find_references(f"符合{value}的规定")
        assert [(r.text, r.number) for r in found] == [(value.strip(), number)], value


@needs_data
def test_levels_agree_with_the_sports_catalogue():
    types = {
        "国家标准": "national",
        "行业标准": "industry",
        "地方标准": "local",
        "团体标准": "group",
    }
    # Where the catalogue's isMandatory flag disagrees with the number, the number wins:
    # old unmarked industry standards were later made recommended without renumbering,
    # and a /T standard is recommended whatever a flag says.
    disagreements = {
        "HG 2290-1992",
        "QB 1468-1992",
        "QB 1206-1991",
        "QB 1510-1992",
        "DB14/ T 1763-2018",
        "DB32／T 4412-2022",
    }
    sports = json.loads(SPORTS.read_text(encoding="utf-8"))["standards"]
    for record in sports:
        number = parse(record["code"])
        assert number.level == types[record["type"]], record["code"]
        if record["code"] not in disagreements:
            assert number.mandatory == record["isMandatory"], record["code"]


@needs_data
def test_nmpa_levels_and_iso_mapping():
    for record in json.loads(NMPA.read_text(encoding="utf-8")):
        number = parse(record["number"])
        assert number.code in {"GB", "GB/T", "GB/Z", "YY", "YY/T"}
        assert number.dated
    if NMPA_ISO.exists():
        for pair in json.loads(NMPA_ISO.read_text(encoding="utf-8")):
            assert parse(pair["iso_number"]).level == "international"
            if pair["gb_number"]:
                assert parse(pair["gb_number"]).level in {"national", "industry"}


@needs_data
def test_effective_date_rule_names_a_number():
    rules = [
        r["effective_date"]
        for r in json.loads(NMPA.read_text(encoding="utf-8"))
        if "实施" in r["effective_date"]
    ]
    assert rules
    for rule in rules:
        assert [r.number.normalized for r in find_references(rule)] == ["GB 9706.1-2020"]


# -- speed and independence ----------------------------------------------------------------


def _best_of(runs, func):
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def test_find_references_in_100_kb_is_fast():
    paragraph = (
        "本文件按照GB/T 1.1—2020《标准化工作导则》的规定起草。产品应符合GB 2760-2014、"
        "YY/T 0316—2016及ISO 13485:2016的要求。联系电话0313-1234567，发布日期2021-05-06，"
        "共12页。Some English text with DBMS, GBK and ISO-8859-1 too.\n"
    )
    text = (paragraph * (100_000 // len(paragraph) + 1))[:100_000]
    assert len(find_references(text)) > 1000
    assert _best_of(3, lambda: find_references(text)) < 0.1


def test_parsing_10000_numbers_is_fast():
    texts = [f"GB/T {n}-{1950 + n % 70}" for n in range(5000)]
    texts += [f"T/ABC {n:04d}—{2000 + n % 25}" for n in range(5000)]

    def run():
        parse.cache_clear()
        for text in texts:
            parse(text)

    assert _best_of(3, run) < 1.0


def test_module_does_not_import_django():
    code = (
        "import sys, standards.numbers; "
        "sys.exit(any(m == 'django' or m.startswith('django.') for m in sys.modules))"
    )
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-c", code], cwd=root, check=False)
    assert result.returncode == 0
