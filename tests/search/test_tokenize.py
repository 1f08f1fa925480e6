"""The tokenizer shared by indexing and querying."""

from hypothesis import given
from hypothesis import strategies as st

from search import tokenize


def test_grams_of_han_runs_and_ascii():
    assert tokenize.grams("医疗器械 X射线") == ["医疗", "疗器", "器械", "械", "x", "射线", "线"]
    assert tokenize.grams("ＧＢ／Ｔ 1.1") == ["gb", "t", "1_1"]


def test_words_use_the_domain_dictionary():
    assert "医疗器械" in tokenize.words("医疗器械 质量管理体系")


@given(st.text(alphabet="医疗器械质量管理体系滑雪板用于法规的要求", min_size=2, max_size=12))
def test_any_substring_query_is_a_phrase_of_the_documents_grams(title):
    grams = tokenize.grams(title)
    for start in range(len(title) - 1):
        for end in range(start + 2, len(title) + 1):
            query = tokenize.parse_query(title[start:end])
            (phrase,) = query.phrases
            joined = " " + " ".join(grams) + " "
            assert " " + " ".join(phrase) + " " in joined


def test_number_tokens():
    assert tokenize.number_tokens("GB/T 20004.1-2016") == [
        "gbt_20004_1_2016",
        "gbt_20004_1",
        "20004_1",
        "20004",
        "gbt",
        "gb",
        "20004_1_2016",
    ]
    assert tokenize.number_tokens("T/CSGF 024-2023")[0] == "tcsgf_024_2023"
    assert tokenize.number_tokens("GB 2760")[-1] == "gb"  # undated: no serial-year token
    # A local standard: its region's code, and "db" that every local standard has.
    assert tokenize.number_tokens("DB3301/T 12-2019")[3:6] == ["db3301t", "db3301", "db"]
    assert "db" not in tokenize.number_tokens("GB/T 20004.1-2016")


def test_an_edition_written_without_its_code():
    for text in ("2760-2014", "2760—2014", "2760－2014", "2760 - 2014"):
        q = tokenize.parse_query(text)
        assert q.serials == ["2760_2014"] and not q.phrases, text
    q = tokenize.parse_query("食品添加剂 20004.1-2016")
    assert q.serials == ["20004_1_2016"] and q.phrases == [["食品", "品添", "添加", "加剂"]]
    # After a code it is a number; a date is no edition.
    for text in ("GB 2760-2014", "食品 GB 2760-2014", "GB 2760-2014 食品"):
        q = tokenize.parse_query(text)
        assert [n.normalized for n in q.numbers] == ["GB 2760-2014"] and not q.serials
    assert tokenize.parse_query("2024-05-01").serials == ["2024", "05", "01"]


def test_queries_split_numbers_serials_and_text():
    q = tokenize.parse_query("GB 2760 食品添加剂 42061")
    assert [n.normalized for n in q.numbers] == ["GB 2760"]
    assert q.serials == ["42061"]
    assert q.phrases == [["食品", "品添", "添加", "加剂"]]


def test_standard_codes_are_their_own_parts_of_a_query():
    q = tokenize.parse_query("ＤＢ11／Ｔ 体育 gbt t/cecs LED")
    assert q.codes == ["db11t", None, "gbt", "tcecs", None]
    # Each code as titles write it (gb t), never a prefix, even while typing.
    assert q.phrases == [["db11", "t"], ["体育"], ["gb", "t"], ["t", "cecs"], ["led"]]
    assert q.prefix == [False, False, False, False, False]
    assert tokenize.parse_query("GB/T", autocomplete=True).prefix == [False]
    for typed in ('"GB/T"', "GB/T*", "（GB/T）", "“GB/T”，"):
        assert tokenize.parse_query(typed).codes == ["gbt"], typed
    assert tokenize.parse_query("GB/T").code_only
    assert not tokenize.parse_query("GB/T 体育").code_only
    assert not tokenize.parse_query("GB/T 2760").codes  # a number, not a code
    # Every part of a query (word, code) has its entry in each list.
    q = tokenize.parse_query("yy 医疗器械 q/abc 42061")
    assert len(q.phrases) == len(q.prefix) == len(q.codes) == 3 and q.serials == ["42061"]


@given(st.text(max_size=300))
def test_any_text_parses_into_safe_tokens(text):
    q = tokenize.parse_query(text)
    assert len(q.phrases) == len(q.prefix) == len(q.codes)
    for phrase in q.phrases:
        for token in phrase:
            assert '"' not in token and "*" not in token and " " not in token
    assert len(q.text) <= tokenize.MAX_QUERY


def test_catalogue_terms():
    titles = ["高山滑雪板性能测定 第1部分：总则", "高山滑雪板性能测定 第2部分：弯曲", "其他"]
    terms = tokenize.catalogue_terms(titles)
    assert terms == {"高山滑雪板性能测定": 2}


def test_keywords_leave_out_the_kind_of_standard_and_the_english_title():
    words, _grams = tokenize.title_tokens(
        "食品安全国家标准 预包装食品标签通则 national food safety standard general"
    )
    found = tokenize.keywords(words.split())
    assert found[0] == "食品标签"  # the subject, longest first
    assert "食品" in found  # the subject's own 食品 stays: only the kind's copy goes
    assert not {"安全", "国家", "全国", "national", "standard", "general"} & set(found)
    # Acronyms in a Chinese title name its subject: they stay.
    assert "usb" in tokenize.keywords(tokenize.words("信息技术 USB 3.0 接口规范"))
    assert {"gsm", "cdma"} <= set(tokenize.keywords(tokenize.words("GSM/CDMA 数字蜂窝移动通信网")))
    assert "5g" in tokenize.keywords(tokenize.words("5G 移动通信 基站 技术要求"))
    # Without Chinese words, the words in Latin letters are the keywords.
    assert tokenize.keywords(["ultrasonic", "probes", "标准"]) == ["ultrasonic", "probes"]
