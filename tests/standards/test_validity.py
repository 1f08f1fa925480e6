"""Verdicts on cited references (标准查新), as ../shared/design/domain.md defines them.

Catalogues here hold real editions (numbers, titles and dates from the national
catalogue, the NMPA listing in ../shared/data/nmpa-medical-devices and the sports
standards in ../shared/data/sports-standards). Where a rule needs corrupt data
(cycles, contradictions), the test says it changed a real record.
"""

import re
from dataclasses import replace
from datetime import date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from standards.numbers import NumberError, parse
from standards.validity import (
    CURRENT,
    MALFORMED,
    SUPERSEDED,
    UNKNOWN,
    UNPUBLISHED,
    UPCOMING,
    VERDICTS,
    WITHDRAWN,
    Catalogue,
    Edition,
    Link,
    MemoryCatalogue,
    check,
    check_all,
    message_en,
    status_on,
)

TODAY = date(2026, 11, 28)
BEFORE_GB2760_2024 = date(2024, 6, 1)
CJK = re.compile(r"[\u4e00-\u9fff]")


def ed(
    number,
    title,
    status,
    published=None,
    effective=None,
    withdrawn=None,
    *,
    replaces=(),
    replaced_by=(),
    **extra,
):
    """An Edition; links given as numbers, or (number, partial) pairs."""

    def links(items):
        return tuple(Link(i) if isinstance(i, str) else Link(*i) for i in items)

    return Edition(
        number=number,
        series=parse(number).series,
        title=title,
        status=status,
        published=published,
        effective=effective,
        withdrawn=withdrawn,
        replaces=links(replaces),
        replaced_by=links(replaced_by),
        **extra,
    )


# Food additives: the chain of domain.md, stated backwards as official records do.
GB2760 = [
    ed("GB 2760-1996", "食品添加剂使用卫生标准", "superseded"),
    ed(
        "GB 2760-2007",
        "食品添加剂使用卫生标准",
        "superseded",
        effective=date(2008, 6, 1),
        replaces=["GB 2760-1996"],
    ),
    ed(
        "GB 2760-2011",
        "食品安全国家标准 食品添加剂使用标准",
        "superseded",
        date(2011, 4, 20),
        date(2011, 7, 20),
        replaces=["GB 2760-2007"],
    ),
    ed(
        "GB 2760-2014",
        "食品安全国家标准 食品添加剂使用标准",
        "superseded",
        date(2014, 12, 24),
        date(2015, 5, 24),
        replaces=["GB 2760-2011"],
    ),
    ed(
        "GB 2760-2024",
        "食品安全国家标准 食品添加剂使用标准",
        "current",
        date(2024, 2, 8),
        date(2025, 2, 8),
        replaces=["GB 2760-2014"],
    ),
]
# NMPA announcement of 2026-08-14.
YY0055 = [
    ed("YY 0055-2018", "牙科学 光固化机", "current", date(2018, 9, 28), date(2020, 4, 1)),
    ed(
        "YY 0055-2026",
        "牙科学 光固化机",
        "upcoming",
        date(2026, 8, 14),
        date(2029, 8, 1),
        replaces=["YY 0055-2018"],
    ),
]
# A new part 9 taking over part of part 1 (制定, not 修订): a partial replacement.
YYT0870 = [
    ed(
        "YY/T 0870.1-2013",
        "医疗器械遗传毒性试验 第1部分：细菌回复突变试验",
        "current",
        date(2013, 10, 21),
        date(2014, 10, 1),
    ),
    ed(
        "YY/T 0870.9-2026",
        "医疗器械遗传毒性试验 第9部分：哺乳动物红细胞Pig-a基因突变试验",
        "upcoming",
        date(2026, 8, 14),
        date(2027, 8, 1),
        replaces=[("YY/T 0870.1-2013", True)],
    ),
]
# Withdrawn without successor.
DB42 = [
    ed(
        "DB42/T 1931-2022",
        "体育健身俱乐部的开放条件与技术要求",
        "withdrawn",
        date(2022, 11, 3),
        date(2023, 1, 3),
        date(2026, 6, 9),
    ),
]
# A GB standard merged into another series (GB 37488-2019 replaces GB 9663~9673-1996).
GB9668 = [
    ed(
        "GB 9668-1996",
        "体育馆卫生标准",
        "withdrawn",
        date(1996, 1, 29),
        replaced_by=["GB 37488-2019"],
    ),
    ed(
        "GB 37488-2019",
        "公共场所卫生指标及限值要求",
        "current",
        date(2019, 4, 4),
        date(2019, 11, 1),
    ),
]
# A standard split into parts; the parts' effective dates are missing in the source.
GB3565 = [
    ed(
        "GB 3565-2005",
        "自行车安全要求",
        "withdrawn",
        date(2005, 5, 17),
        replaced_by=["GB 3565.2-2022", "GB 3565.1-2022"],
    ),
    ed("GB 3565.1-2022", "自行车安全要求 第1部分：术语和定义", "current", date(2022, 12, 29)),
    ed(
        "GB 3565.2-2022",
        "自行车安全要求 第2部分：城市和旅行用自行车、青少年自行车、山地自行车与竞赛自行车的要求",
        "current",
        date(2022, 12, 29),
    ),
]
# As the sports source has it: old edition marked 废止, successor published without an
# effective date yet.
GB19079_4 = [
    ed(
        "GB 19079.4-2014",
        "体育场所开放条件与技术要求 第4部分：攀岩场所",
        "withdrawn",
        date(2014, 9, 3),
        date(2015, 1, 1),
        replaced_by=["GB 19079.4-2025"],
    ),
    ed(
        "GB 19079.4-2025",
        "体育场所开放条件与技术要求 第4部分：攀岩场所",
        "upcoming",
        date(2025, 12, 31),
    ),
]
ISO9001 = [
    ed(
        "ISO 9001:2008",
        "Quality management systems — Requirements",
        "superseded",
        date(2008, 11, 15),
    ),
    ed(
        "ISO 9001:2015",
        "Quality management systems — Requirements",
        "current",
        date(2015, 9, 15),
        replaces=["ISO 9001:2008"],
    ),
]

REAL = GB2760 + YY0055 + YYT0870 + DB42 + GB9668 + GB3565 + GB19079_4 + ISO9001


@pytest.fixture(scope="module")
def catalogue():
    return MemoryCatalogue(REAL)


def numbers(editions):
    return [e.number for e in editions]


# -- the catalogue ------------------------------------------------------------------------


def test_memory_catalogue_derives_forward_links(catalogue):
    assert catalogue.get("GB 2760-2014").replaced_by == (Link("GB 2760-2024"),)
    assert catalogue.get("GB 2760-2014").replaces == (Link("GB 2760-2011"),)
    assert catalogue.get("YY/T 0870.1-2013").replaced_by == (Link("YY/T 0870.9-2026", True),)


def test_memory_catalogue_derives_backward_links(catalogue):
    assert catalogue.get("GB 37488-2019").replaces == (Link("GB 9668-1996"),)
    assert numbers_of(catalogue.get("GB 3565.1-2022").replaces) == ["GB 3565-2005"]


def numbers_of(links):
    return [link.number for link in links]


def test_memory_catalogue_series_oldest_first(catalogue):
    assert numbers(catalogue.in_series("GB 2760")) == numbers(GB2760)
    assert catalogue.in_series("GB 9999") == ()
    assert catalogue.get("GB 9999-2020") is None
    assert isinstance(catalogue, Catalogue)


# -- current and upcoming, as of 2024-06-01 -------------------------------------------------


def test_current_edition_warns_of_published_successor(catalogue):
    v = check("GB 2760-2014", catalogue, BEFORE_GB2760_2024)
    assert v.verdict == CURRENT
    assert v.standard.number == v.current.number == "GB 2760-2014"
    assert v.successor.number == "GB 2760-2024"
    assert any("GB 2760-2024" in w and "2025-02-08" in w for w in v.warnings)
    assert "现行有效" in v.message and "2025-02-08" in v.message
    assert (v.normalized, v.level, v.mandatory, v.dated) == ("GB 2760-2014", "national", True, True)
    assert v.changed_on is None and v.problems == ()


def test_upcoming_edition_shows_the_one_in_force_meanwhile(catalogue):
    v = check("GB 2760-2024", catalogue, BEFORE_GB2760_2024)
    assert v.verdict == UPCOMING
    assert v.standard.number == "GB 2760-2024"
    assert v.current.number == "GB 2760-2014"
    assert v.changed_on == date(2025, 2, 8)
    assert "2025-02-08" in v.message and "GB 2760-2014" in v.message


def test_undated_reference_resolves_to_edition_in_force(catalogue):
    v = check("GB 2760", catalogue, BEFORE_GB2760_2024)
    assert v.verdict == CURRENT
    assert v.dated is False
    assert v.standard.number == v.current.number == "GB 2760-2014"
    assert v.successor.number == "GB 2760-2024"
    assert any("GB 2760-2024" in w and "2025-02-08" in w for w in v.warnings)
    assert "GB 2760-2014" in v.message


def test_undated_reference_today(catalogue):
    v = check("GB 2760", catalogue, TODAY)
    assert v.verdict == CURRENT
    assert v.standard.number == "GB 2760-2024"
    assert v.warnings == () and v.successor is None


# -- superseded ---------------------------------------------------------------------------


def test_superseded_after_successor_takes_effect(catalogue):
    v = check("GB 2760-2014", catalogue, TODAY)
    assert v.verdict == SUPERSEDED
    assert v.standard.number == "GB 2760-2014"
    assert v.current.number == "GB 2760-2024"
    assert v.changed_on == date(2025, 2, 8)
    assert v.message == "已被 GB 2760-2024 代替（2025-02-08 实施），请改用现行版本"
    assert v.others == () and v.problems == ()


def test_superseded_on_the_successor_effective_date(catalogue):
    assert check("GB 2760-2014", catalogue, date(2025, 2, 7)).verdict == CURRENT
    assert check("GB 2760-2014", catalogue, date(2025, 2, 8)).verdict == SUPERSEDED


def test_chain_is_followed_to_the_end(catalogue):
    v = check("GB 2760-1996", catalogue, TODAY)
    assert v.verdict == SUPERSEDED
    assert v.current.number == "GB 2760-2024"
    assert v.changed_on == date(2008, 6, 1)
    assert "GB 2760-2007" in v.message and "GB 2760-2024" in v.message


def test_chain_end_is_the_edition_in_force_on_the_date(catalogue):
    v = check("GB 2760-1996", catalogue, date(2012, 1, 1))
    assert v.verdict == SUPERSEDED
    assert v.current.number == "GB 2760-2011"
    v = check("GB 2760-2007", catalogue, BEFORE_GB2760_2024)
    assert v.current.number == "GB 2760-2014"
    assert v.successor.number == "GB 2760-2024"  # what the edition in force will become
    assert any("GB 2760-2024" in w for w in v.warnings)


def test_amendment_judged_by_its_base_edition(catalogue):
    v = check("GB 2760-2014/XG1-2021", catalogue, BEFORE_GB2760_2024)
    assert v.verdict == CURRENT
    assert v.normalized == "GB 2760-2014/XG1-2021"
    assert v.standard.number == "GB 2760-2014"
    assert check("GB 2760-2014/XG1-2021", catalogue, TODAY).verdict == SUPERSEDED


def test_renumbered_series_is_followed_for_undated_reference(catalogue):
    v = check("GB 9668", catalogue, TODAY)
    assert v.verdict == SUPERSEDED
    assert v.standard.number == "GB 9668-1996"
    assert v.current.number == "GB 37488-2019"
    dated = check("GB 9668-1996", catalogue, TODAY)
    assert (dated.verdict, dated.current.number) == (SUPERSEDED, "GB 37488-2019")
    assert dated.changed_on == date(2019, 11, 1)


def test_split_edition_lists_every_part_in_force(catalogue):
    v = check("GB 3565-2005", catalogue, TODAY)
    assert v.verdict == SUPERSEDED
    assert v.current.number == "GB 3565.1-2022"
    assert numbers(v.others) == ["GB 3565.2-2022"]
    assert "GB 3565.1-2022" in v.message and "GB 3565.2-2022" in v.message
    assert v.changed_on is None  # no date says when: the stored status decided


def test_successor_withdrawn_too():
    # DB11/T 1296-2021 is in reality current; here it is withdrawn to exercise the rule.
    cat = MemoryCatalogue(
        [
            ed(
                "DB11/T 1296-2015",
                "体育场馆能源消耗限额",
                "superseded",
                date(2015, 12, 30),
                date(2016, 4, 1),
                replaced_by=["DB11/T 1296-2021"],
            ),
            ed(
                "DB11/T 1296-2021",
                "体育场馆能源消耗限额",
                "withdrawn",
                date(2021, 3, 1),
                date(2021, 7, 1),
                date(2025, 1, 1),
            ),
        ]
    )
    v = check("DB11/T 1296-2015", cat, TODAY)
    assert v.verdict == SUPERSEDED
    assert v.current is None
    assert v.changed_on == date(2021, 7, 1)
    assert "DB11/T 1296-2021" in v.message and "也已" in v.message and "废止" in v.message
    assert "withdrawn too" in v.message_en


def test_ended_by_stored_status_with_successor_not_in_force(catalogue):
    v = check("GB 19079.4-2014", catalogue, TODAY)
    assert v.verdict == SUPERSEDED
    assert v.current is None
    assert v.successor.number == "GB 19079.4-2025"
    assert "GB 19079.4-2025" in v.message
    assert any("尚未实施" in p for p in v.problems)


def test_record_only_ending_cannot_precede_the_replacement(catalogue):
    # Stored 废止 with no date, but what replaces it was published on 2025-12-31:
    # on earlier dates it was still in force.
    v = check("GB 19079.4-2014", catalogue, BEFORE_GB2760_2024)
    assert v.verdict == CURRENT
    assert check("GB 3565-2005", catalogue, date(2020, 1, 1)).verdict == CURRENT
    assert check("ISO 9001:2008", catalogue, date(2010, 1, 1)).verdict == CURRENT


def test_dates_decide_over_stored_status(catalogue):
    # GB 2760-2014 is stored as superseded, yet on 2024-06-01 its dates say in force.
    assert catalogue.get("GB 2760-2014").status == "superseded"
    assert status_on(catalogue.get("GB 2760-2014"), BEFORE_GB2760_2024, catalogue) == CURRENT
    # Stored current, but its full successor has been in force for over a year.
    cat = MemoryCatalogue(
        [
            ed(
                "GB 19272-2011",
                "室外健身器材的安全 通用要求",
                "current",
                date(2011, 9, 29),
                date(2011, 10, 1),
                replaced_by=["GB 19272-2024"],
            ),
            ed(
                "GB 19272-2024",
                "室外健身器材的安全 通用要求",
                "current",
                date(2024, 11, 28),
                date(2025, 9, 1),
            ),
        ]
    )
    v = check("GB 19272-2011", cat, TODAY)
    assert (v.verdict, v.current.number) == (SUPERSEDED, "GB 19272-2024")
    assert any("GB 19272-2011" in p and "2025-09-01" in p for p in v.problems)
    # A record only a few months older than the date asked is not a problem.
    assert check("GB 19272-2011", cat, date(2025, 10, 1)).problems == ()


# -- withdrawal dates and partial replacement ----------------------------------------------


def test_withdrawn_without_successor(catalogue):
    v = check("DB42/T 1931-2022", catalogue, TODAY)
    assert v.verdict == WITHDRAWN
    assert v.current is None
    assert v.changed_on == date(2026, 6, 9)
    assert "2026-06-09" in v.message and "废止" in v.message
    assert v.level == "local"


def test_before_its_withdrawal_date_it_is_current_with_a_warning(catalogue):
    v = check("DB42/T 1931-2022", catalogue, date(2025, 1, 1))
    assert v.verdict == CURRENT
    assert any("2026-06-09" in w for w in v.warnings)


def test_whole_series_withdrawn(catalogue):
    v = check("DB42/T 1931", catalogue, TODAY)
    assert v.verdict == WITHDRAWN
    assert v.standard.number == "DB42/T 1931-2022"
    assert "DB42/T 1931-2022" in v.message


def test_withdrawn_date_wins_over_successor_effective_date():
    cat = MemoryCatalogue(
        [
            ed(
                "YY 1412-2016",
                "心肺转流系统 离心泵",
                "current",
                date(2016, 3, 23),
                date(2018, 1, 1),
                date(2030, 1, 1),
            ),
            ed(
                "YY 1412-2026",
                "心肺转流系统 体外心肺支持辅助设备",
                "upcoming",
                date(2026, 8, 14),
                date(2029, 8, 1),
                replaces=["YY 1412-2016"],
            ),
        ]
    )
    v = check("YY 1412-2016", cat, date(2029, 9, 1))
    assert v.verdict == CURRENT
    assert any("YY 1412-2026" in w and "2030-01-01" in w for w in v.warnings)
    v = check("YY 1412-2016", cat, date(2030, 1, 1))
    assert (v.verdict, v.current.number) == (SUPERSEDED, "YY 1412-2026")
    assert v.changed_on == date(2030, 1, 1)


def test_partial_successor_does_not_end_an_edition(catalogue):
    v = check("YY/T 0870.1-2013", catalogue, date(2028, 1, 1))
    assert v.verdict == CURRENT
    assert any("YY/T 0870.9-2026" in w and "部分代替" in w for w in v.warnings)
    assert v.successor is None


def test_partial_successor_published_is_announced(catalogue):
    v = check("YY/T 0870.1-2013", catalogue, TODAY)
    assert v.verdict == CURRENT
    assert v.successor.number == "YY/T 0870.9-2026"
    assert any("YY/T 0870.9-2026" in w and "2027-08-01" in w for w in v.warnings)


def test_only_partial_successors_and_stored_superseded_trusts_the_record():
    old, new = YYT0870
    cat = MemoryCatalogue([replace(old, status="superseded"), new])
    v = check("YY/T 0870.1-2013", cat, date(2028, 1, 1))
    assert v.verdict == SUPERSEDED
    assert v.current.number == "YY/T 0870.9-2026"
    assert v.message == "已被 YY/T 0870.9-2026 部分代替（2027-08-01 实施），请改用现行版本"


def test_current_edition_with_successor_announced_years_ahead(catalogue):
    v = check("YY 0055-2018", catalogue, TODAY)
    assert v.verdict == CURRENT
    assert v.successor.number == "YY 0055-2026"
    assert any("YY 0055-2026" in w and "2029-08-01" in w for w in v.warnings)
    assert "YY 0055-2026" in v.message_en and "2029-08-01" in v.message_en
    assert v.level == "industry" and v.mandatory is True
    assert check("YY 0055-2018", catalogue, date(2029, 8, 1)).verdict == SUPERSEDED


# -- upcoming --------------------------------------------------------------------------------


def test_upcoming_without_anything_in_force_meanwhile():
    cat = MemoryCatalogue(
        [
            ed(
                "YY/T 1971.3-2026",
                "牙科学 用于非永久性医疗环境的可携带的牙科设备 第3部分：可携带的抽吸设备",
                "upcoming",
                date(2026, 8, 14),
                date(2027, 8, 1),
            ),
        ]
    )
    for ref in ("YY/T 1971.3-2026", "YY/T 1971.3"):
        v = check(ref, cat, TODAY)
        assert v.verdict == UPCOMING
        assert v.standard.number == "YY/T 1971.3-2026"
        assert v.current is None
        assert v.changed_on == date(2027, 8, 1)
        assert "2027-08-01" in v.message


def test_undated_with_only_upcoming_editions_shows_predecessor_in_force(catalogue):
    v = check("YY/T 0870.9", catalogue, TODAY)
    assert v.verdict == UPCOMING
    assert v.standard.number == "YY/T 0870.9-2026"
    assert v.current.number == "YY/T 0870.1-2013"


def test_in_force_meanwhile_found_through_a_renumbering():
    # Constructed: a new GB 9668 edition after the series was merged into GB 37488.
    cat = MemoryCatalogue(
        [
            *GB9668,
            ed("GB 9668-2026", "体育馆卫生要求", "upcoming", date(2026, 8, 1), date(2027, 8, 1)),
        ]
    )
    v = check("GB 9668", cat, TODAY)
    assert (v.verdict, v.standard.number) == (UPCOMING, "GB 9668-2026")
    assert v.current.number == "GB 37488-2019"


def test_upcoming_by_stored_status_when_no_effective_date(catalogue):
    v = check("GB 19079.4-2025", catalogue, TODAY)
    assert v.verdict == UPCOMING
    assert v.changed_on is None
    undated = check("GB 19079.4", catalogue, TODAY)
    assert (undated.verdict, undated.standard.number) == (UPCOMING, "GB 19079.4-2025")
    assert undated.current is None
    assert undated.message == "GB 19079.4-2025 已发布，尚未实施；在此之前没有现行版本"


# -- unknown and malformed ---------------------------------------------------------------------


def test_published_after_the_date_is_unknown_then(catalogue):
    v = check("GB 2760-2024", catalogue, date(2023, 6, 1))
    assert v.verdict == UNKNOWN
    assert v.standard.number == "GB 2760-2024"
    assert v.current is None
    assert v.changed_on == date(2024, 2, 8)
    assert "2024-02-08" in v.message and "GB 2760-2014" in v.message
    assert status_on(catalogue.get("GB 2760-2024"), date(2023, 6, 1), catalogue) == UNPUBLISHED


def test_not_in_catalogue_names_edition_in_force_as_hint_only(catalogue):
    v = check("GB 2760-2016", catalogue, TODAY)
    assert v.verdict == UNKNOWN
    assert v.standard is None and v.current is None
    assert v.normalized == "GB 2760-2016" and v.dated is True
    assert "GB 2760-2016" in v.message and "标准目录中没有" in v.message
    assert "GB 2760-2024" in v.message


def test_not_in_catalogue_without_series(catalogue):
    for ref in ("GB/T 39999-2021", "GB/T 39999"):
        v = check(ref, catalogue, TODAY)
        assert v.verdict == UNKNOWN
        assert v.standard is None and v.current is None
        assert "标准目录中没有" in v.message


def test_placeholder_edition_is_not_a_record():
    cat = MemoryCatalogue(
        [
            ed("YY/T 1651.1-2019", "", "current", placeholder=True),
            ed(
                "YY/T 1651.2-2026",
                "医疗器械溶血试验 第2部分：机械力介导的溶血试验",
                "upcoming",
                date(2026, 8, 14),
                date(2027, 8, 1),
            ),
        ]
    )
    assert check("YY/T 1651.1-2019", cat, TODAY).verdict == UNKNOWN
    cat = MemoryCatalogue(
        [
            ed("GB 2760-2011", "", "superseded", placeholder=True),
            *GB2760[3:],
        ]
    )
    v = check("GB 2760-2011", cat, TODAY)
    assert (v.verdict, v.current.number) == (SUPERSEDED, "GB 2760-2024")


@pytest.mark.parametrize("text", ["不是标准编号", "", "hello world"])
def test_malformed_reference(catalogue, text):
    with pytest.raises(NumberError) as raised:
        parse(text)
    v = check(text, catalogue, TODAY)
    assert v.verdict == MALFORMED
    assert v.message == str(raised.value)
    assert (v.normalized, v.level, v.mandatory, v.dated) == (None, None, None, None)
    assert v.standard is None and v.current is None


def test_international_reference_checked_like_any_other(catalogue):
    v = check("ISO 9001:2008", catalogue, TODAY)
    assert v.level == "international"
    assert (v.verdict, v.current.number) == (SUPERSEDED, "ISO 9001:2015")
    assert check("ISO 9001:2015", catalogue, TODAY).verdict == CURRENT
    unknown = check("ISO 9001:2000", catalogue, TODAY)
    assert unknown.verdict == UNKNOWN and "ISO 9001:2015" in unknown.message


# -- bad data ---------------------------------------------------------------------------------


def test_self_link_is_ignored_and_reported():
    # As the sports source records it: GB 9668-1996 "replaced by" itself.
    cat = MemoryCatalogue(
        [
            ed(
                "GB 9668-1996",
                "体育馆卫生标准",
                "withdrawn",
                date(1996, 1, 29),
                replaced_by=["GB 9668-1996"],
            ),
        ]
    )
    v = check("GB 9668-1996", cat, TODAY)
    assert v.verdict == WITHDRAWN
    assert any("自身" in p for p in v.problems)


def test_cycle_gives_a_result_and_a_problem():
    # Real numbers, corrupt links: each edition "replaced by" the other.
    cat = MemoryCatalogue(
        [
            ed(
                "GB/T 20394-2013",
                "体育用人造草",
                "superseded",
                date(2013, 12, 31),
                replaced_by=["GB/T 20394-2019"],
            ),
            ed(
                "GB/T 20394-2019",
                "体育用人造草",
                "superseded",
                date(2019, 8, 30),
                replaced_by=["GB/T 20394-2013"],
            ),
        ]
    )
    for ref in ("GB/T 20394-2013", "GB/T 20394-2019", "GB/T 20394"):
        v = check(ref, cat, TODAY)
        assert v.verdict == SUPERSEDED
        assert v.current is None
        assert any("成环" in p for p in v.problems)


def test_endless_chain_is_cut_off():
    # Constructed: 300 editions each replacing the one before, none with dates.
    chain = [
        ed(f"GB/T {10000 + i}-2020", "", "superseded", replaced_by=[f"GB/T {10001 + i}-2020"])
        for i in range(300)
    ]
    v = check("GB/T 10000-2020", MemoryCatalogue(chain), TODAY)
    assert v.verdict == SUPERSEDED and v.current is None
    assert any("超过" in p for p in v.problems)


def test_withdrawn_before_effective_is_reported():
    record = replace(DB42[0], withdrawn=date(2022, 12, 1))
    v = check("DB42/T 1931-2022", MemoryCatalogue([record]), TODAY)
    assert v.verdict == WITHDRAWN
    assert any("2022-12-01" in p and "2023-01-03" in p for p in v.problems)


def test_successor_missing_from_catalogue():
    cat = MemoryCatalogue(
        [
            ed(
                "GB/T 20394-2006",
                "体育用人造草",
                "superseded",
                date(2006, 6, 25),
                replaced_by=["GB/T 20394-2013"],
            ),
        ]
    )
    v = check("GB/T 20394-2006", cat, TODAY)
    assert v.verdict == SUPERSEDED and v.current is None
    assert "GB/T 20394-2013" in v.message
    assert any("GB/T 20394-2013" in p for p in v.problems)


def test_several_editions_in_force_picks_the_latest_and_reports():
    cat = MemoryCatalogue(
        [
            ed("GB/T 20394-2013", "体育用人造草", "current", date(2013, 12, 31)),
            ed("GB/T 20394-2019", "体育用人造草", "current", date(2019, 8, 30), date(2019, 8, 30)),
        ]
    )
    v = check("GB/T 20394", cat, TODAY)
    assert (v.verdict, v.standard.number) == (CURRENT, "GB/T 20394-2019")
    assert any("多个现行版本" in p for p in v.problems)


# -- batches, messages, dates -------------------------------------------------------------


def test_check_all_keeps_order_and_duplicates(catalogue):
    refs = ["GB 2760-2014", "不是标准编号", "GB 2760", "GB 2760-2014", "YY 0055-2018"]
    verdicts = check_all(refs, catalogue, TODAY)
    assert [v.input for v in verdicts] == refs
    assert [v.verdict for v in verdicts] == [SUPERSEDED, MALFORMED, CURRENT, SUPERSEDED, CURRENT]
    assert verdicts == [check(r, catalogue, TODAY) for r in refs]


def test_datetime_accepted_as_date(catalogue):
    assert check("GB 2760-2014", catalogue, datetime(2024, 6, 1, 12, 0)).verdict == CURRENT


ALL_REFS = [
    "GB 2760-1996",
    "GB 2760-2014",
    "GB 2760-2024",
    "GB 2760",
    "GB 2760-2016",
    "YY 0055-2018",
    "YY/T 0870.1-2013",
    "YY/T 0870.9",
    "DB42/T 1931-2022",
    "DB42/T 1931",
    "GB 9668",
    "GB 3565-2005",
    "GB 19079.4-2014",
    "ISO 9001:2008",
    "GB/T 39999-2021",
]


@pytest.mark.parametrize(
    "on", [date(2000, 1, 1), date(2012, 1, 1), BEFORE_GB2760_2024, TODAY, date(2030, 1, 1)]
)
def test_messages_are_single_lines_in_both_languages(catalogue, on):
    for v in check_all(ALL_REFS + ["不是标准编号"], catalogue, on):
        assert v.verdict in VERDICTS
        assert v.message and "\n" not in v.message
        assert message_en(v) == v.message_en and "\n" not in v.message_en
        assert len(v.warnings_en) == len(v.warnings)
        if v.verdict != MALFORMED:
            assert not CJK.search(v.message_en), v.message_en
            assert not any(CJK.search(w) for w in v.warnings_en)


def test_every_verdict_reachable_today(catalogue):
    got = {
        v.verdict
        for v in check_all(ALL_REFS + ["不是标准编号", "GB 19079.4-2025"], catalogue, TODAY)
    }
    assert got == set(VERDICTS)


def test_message_en_for_a_verdict_built_elsewhere(catalogue):
    v = replace(check("GB 2760-2014", catalogue, TODAY), message_en="")
    assert message_en(v) == "Replaced; the edition in force is GB 2760-2024: cite it instead"


@pytest.mark.parametrize(
    ("number", "on", "expected"),
    [
        ("GB 2760-2024", date(2023, 6, 1), UNPUBLISHED),
        ("GB 2760-2024", BEFORE_GB2760_2024, UPCOMING),
        ("GB 2760-2024", TODAY, CURRENT),
        ("GB 2760-2014", TODAY, SUPERSEDED),
        ("GB 2760-1996", TODAY, SUPERSEDED),
        ("DB42/T 1931-2022", TODAY, WITHDRAWN),
        ("DB42/T 1931-2022", date(2026, 6, 8), CURRENT),
        ("YY/T 0870.1-2013", date(2030, 1, 1), CURRENT),
    ],
)
def test_status_on(catalogue, number, on, expected):
    assert status_on(catalogue.get(number), on, catalogue) == expected


# -- fuzz: any catalogue, however corrupt, gives a verdict in bounded work ------------------

POOL = [
    "GB 100-2001",
    "GB 100-2005",
    "GB/T 100-2010",
    "GB 100-2020",
    "GB 200-1999",
    "GB 200-2019",
    "YY/T 300.1-2013",
    "YY/T 300.2-2026",
    "ISO 400:2015",
    "DB13/T 500-2021",
]
REFS = POOL + ["GB 100", "GB/T 100", "GB 200", "YY/T 300.1", "GB 999-2000", "GB 999", "乱码"]
STATUS = st.sampled_from(["current", "upcoming", "superseded", "withdrawn", "现行", "", "?"])
DAY = st.none() | st.dates(min_value=date(1990, 1, 1), max_value=date(2035, 12, 31))
LINKS = st.lists(
    st.builds(Link, st.sampled_from(POOL + ["GB 999-2000"]), st.booleans()), max_size=4
).map(tuple)


@st.composite
def editions(draw):
    chosen = draw(st.lists(st.sampled_from(POOL), min_size=1, max_size=len(POOL), unique=True))
    return [
        Edition(
            number=n,
            series=parse(n).series,
            title="",
            status=draw(STATUS),
            published=draw(DAY),
            effective=draw(DAY),
            withdrawn=draw(DAY),
            replaced_by=draw(LINKS),
            replaces=draw(LINKS),
            placeholder=draw(st.booleans()),
        )
        for n in chosen
    ]


class Counting:
    """A catalogue as given (links not made consistent), counting every lookup."""

    def __init__(self, editions, derive):
        self.inner = MemoryCatalogue(editions)
        self.raw = {e.number: e for e in editions}
        self.derive = derive
        self.calls = 0

    def get(self, number):
        self.calls += 1
        return self.inner.get(number) if self.derive else self.raw.get(number)

    def in_series(self, series):
        self.calls += 1
        if self.derive:
            return self.inner.in_series(series)
        return [e for e in self.raw.values() if e.series == series]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(editions(), DAY.filter(bool), st.booleans())
def test_fuzz_any_catalogue(eds, on, derive):
    cat = Counting(eds, derive)
    links = sum(len(e.replaced_by) + len(e.replaces) for e in eds)
    bound = 4 * (len(eds) + 1) * (links + len(eds) + 2)
    for ref in REFS:
        cat.calls = 0
        v = check(ref, cat, on)
        assert v.verdict in VERDICTS
        assert v.message and "\n" not in v.message and v.message_en
        assert cat.calls <= bound, (ref, cat.calls, bound)
        if v.verdict == CURRENT:
            assert v.current is not None and v.current.number == v.standard.number
        if v.verdict == SUPERSEDED:
            assert v.standard is not None
            assert v.current is None or v.current.number != v.standard.number
    for e in eds:
        assert status_on(e, on, cat) in (CURRENT, UPCOMING, SUPERSEDED, WITHDRAWN, UNPUBLISHED)
