"""One tokenizer for indexing and querying alike (no Django imports).

Every text becomes two token streams:

* **words** — jieba segmentation (search mode) with the project's domain dictionary:
  good units for ranking and "related standards";
* **grams** — each run of Han characters as overlapping character bigrams followed by
  its last character (``医疗器械`` → ``医疗 疗器 器械 械``), ASCII words as themselves.
  A query for any Han substring becomes a phrase of consecutive bigrams, which matches
  exactly the texts containing that substring — recall of substring search, whatever
  jieba does with the word — and a single character becomes a prefix query.

Standard numbers get their own tokens (``number_tokens``) so that any written form of
a number, its series, or its bare serial (``42061``) finds it.
"""

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import jieba

from standards import numbers

_ROOT = Path(__file__).resolve().parent.parent
#: The project's domain dictionary (jieba user-dictionary format).
DICTIONARY = _ROOT / "fixtures" / "jieba_userdict.txt"
#: Terms drawn from the catalogue's own titles (``manage.py build_search_dictionary``).
CATALOGUE_DICTIONARY = _ROOT / "var" / "jieba_catalogue.txt"
#: Queries longer than this are cut (a 10,000-character paste is not a search).
MAX_QUERY = 200

_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_SEGMENT = re.compile(rf"[{_HAN}]+|[a-z0-9]+(?:[._][a-z0-9]+)*")
_HAN_RUN = re.compile(rf"^[{_HAN}]+$")
_CHUNK = re.compile(rf"[{_HAN}a-z0-9.]+")
_WORD_SPLIT = re.compile(rf"[{_HAN}]+|[a-z0-9]+")
STOP_WORDS = frozenset(
    "的 和 与 及 或 等 之 中 用 于 在 对 为 第 部分 要求 方法 规范 标准 技术 技术规范 通用 "
    # Words of the standard's kind, not its subject: they would make every food
    # safety standard "related" to every other.
    "全国 国家 国家标准 食品安全国家标准 行业标准 地方标准 团体标准 使用 用于 "
    "通则 总则 指南 规则 规定".split()
)


@functools.cache
def _jieba() -> jieba.Tokenizer:
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    for path in (DICTIONARY, CATALOGUE_DICTIONARY):
        if path.exists():
            tokenizer.load_userdict(str(path))
    return tokenizer


def reload_dictionaries() -> None:
    """Segment with the dictionaries as they are on disk now (after
    ``build_search_dictionary`` wrote the catalogue's)."""
    _jieba.cache_clear()
    _segment_words.cache_clear()
    _boilerplate_parts.cache_clear()


#: Title pieces that are not product names: part headings, generic tails.
_PIECE_STOP = re.compile(r"^第.+部分$|^(部分|通用|技术|要求|规范|方法|标准|指南|总则|术语)+$")


def catalogue_terms(titles, min_count: int = 2) -> dict[str, int]:
    """Words to teach jieba from the catalogue: title pieces between spaces and
    punctuation (``高山滑雪板性能测定``, ``合成材料面层``) of 2–10 Han characters that
    recur in at least ``min_count`` titles, with how often they do."""
    counts: dict[str, int] = {}
    for title in titles:
        for piece in set(re.findall(rf"[{_HAN}]+", fold(title))):
            if (
                2 <= len(piece) <= 10
                and not _PIECE_STOP.match(piece)
                and piece[0] not in "与和及的"
            ):
                counts[piece] = counts.get(piece, 0) + 1
    return {term: n for term, n in counts.items() if n >= min_count}


def fold(text: str) -> str:
    """Full-width to half-width, lower case: the form every token is taken from."""
    return unicodedata.normalize("NFKC", text or "").lower()


def grams(text: str) -> list[str]:
    """Bigram stream of a text (see module docstring)."""
    return _grams(fold(text))


def _grams(folded: str) -> list[str]:
    return [gram for segment in _SEGMENT.findall(folded) for gram in _segment_grams(segment)]


@functools.lru_cache(maxsize=200_000)
def _segment_grams(segment: str) -> tuple[str, ...]:
    # "医疗器械" -> 医疗 疗器 器械 械; titles and scopes repeat their pieces endlessly.
    if _HAN_RUN.match(segment):
        out = [segment[i : i + 2] for i in range(len(segment) - 1)]
        out.append(segment[-1])
        return tuple(out)
    return (segment.replace(".", "_"),)


def gram_text(text: str) -> str:
    """The grams of a text as the index stores them, space-separated."""
    return " ".join(_grams(fold(text)))


def title_tokens(text: str) -> tuple[str, str]:
    """The words and the grams of a title as the index stores them, folded once."""
    folded = fold(text)
    return " ".join(_words(folded)), " ".join(_grams(folded))


@functools.lru_cache(maxsize=200_000)
def _segment_words(segment: str) -> tuple[str, ...]:
    # Titles repeat their pieces ("医疗器械", "第1部分") endlessly: segment each once.
    return tuple(_jieba().cut_for_search(segment, HMM=False))


def words(text: str) -> list[str]:
    """jieba words of a text, Han and ASCII, lower case, punctuation dropped."""
    return _words(fold(text))


def _words(folded: str) -> list[str]:
    out = []
    for segment in _WORD_SPLIT.findall(folded):
        if _HAN_RUN.match(segment):
            out.extend(_segment_words(segment))
        else:
            out.append(segment)
    return out


def keywords(word_list: list[str], limit: int = 12) -> list[str]:
    """The most telling of a text's words (longest first), for "related standards".

    A title's kind ("食品安全国家标准 …") says nothing of its subject: its pieces
    (食品, 安全, 国家 …) are left out with it, once for each time it occurs. When
    there are Chinese words, the longer words in Latin letters (the English title:
    "national", "standard", "general") are left out too; short ones and those with
    digits stay (USB, LED, 5G, GSM name the subject)."""
    words = list(word_list)
    for word in word_list:
        for part in _boilerplate_parts(word):
            if part in words:
                words.remove(part)
    seen = []
    for word in words:
        if len(word) >= 2 and word not in STOP_WORDS and not word.isdigit() and word not in seen:
            seen.append(word)
    if any(_HAN_RUN.match(word) for word in seen):
        seen = [word for word in seen if _HAN_RUN.match(word) or _acronym(word)]
    return sorted(seen, key=len, reverse=True)[:limit]


def _acronym(word: str) -> bool:
    """A Latin-letter word that names a subject in a Chinese title (usb, led, 5g)."""
    return word not in _EN_STOP and (len(word) <= 4 or any(c.isdigit() for c in word))


#: Short English words of titles that name no subject.
_EN_STOP = frozenset("a an and by for in its of on or the to with part code test use".split())


@functools.lru_cache(maxsize=64)
def _boilerplate_parts(word: str) -> tuple[str, ...]:
    """The pieces jieba also gives for a multi-word stop phrase (none for other words)."""
    if len(word) < 4 or word not in STOP_WORDS:
        return ()
    return tuple(w for w in _segment_words(word) if w != word)


def _key(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", fold(text)).strip("_")


def number_tokens(number: str) -> list[str]:
    """Tokens of a standard number: edition, series, bare serial and its root, code.

    ``GB/T 20004.1-2016`` → ``gbt_20004_1_2016 gbt_20004_1 20004_1 20004 gbt gb
    20004_1_2016`` (the last: the edition without its code, as in ``20004.1-2016``).
    A local standard also gets ``db``: ``DB11/T 1234-2020`` → … ``db11t db11 db`` ….
    """
    parsed = numbers.try_parse(number)
    if parsed is None:
        return [t for t in _key(number).split("_") if t]
    code, family = _code_tokens(parsed.code)
    serial = parsed.serial
    serial = serial.replace(".", "_") if _PLAIN_SERIAL.match(serial) else _key(serial)
    tokens = [f"{code}_{serial}"]
    if parsed.year:
        tokens.insert(0, f"{code}_{serial}_{parsed.year}")
    tokens.append(serial)
    root = serial.split("_")[0]
    if root != serial:
        tokens.append(root)
    tokens.append(code)
    if family and family != code:
        tokens.append(family)
    if _LOCAL_FAMILY.match(family):
        tokens.append("db")  # a local standard, of whichever region
    if parsed.year:
        tokens.append(f"{serial}_{parsed.year}")
    return tokens


#: Quotes, brackets, wildcards and punctuation typed around a code ("GB/T", GB/T*).
_AROUND_CODE = "\"'*()[]{}<>,.;:!?“”‘’（）【】《》，。；：！？、"
#: A serial and a year with no code before them: ``2760-2014``, ``19001—2016``.
_SERIAL_YEAR = re.compile(
    r"(?<![0-9A-Za-z_./])(?P<serial>\d{1,5}(?:\.\d{1,4})*)"
    r" *[-\u2010-\u2015\u2212:] *(?P<year>(?:19|20)\d{2})(?![0-9A-Za-z_.])"
)
#: The family of a local standard's code: ``db11``, ``db3301``.
_LOCAL_FAMILY = re.compile(r"db\d")
#: A serial that ``_key`` would only change by "." → "_" (digits and dots, as most are).
_PLAIN_SERIAL = re.compile(r"[0-9]+(?:\.[0-9]+)*$")


@functools.lru_cache(maxsize=10_000)
def _code_tokens(code: str) -> tuple[str, str]:
    """``GB/T`` → (``gbt``, ``gb``): the code and its family as tokens."""
    return (
        re.sub(r"[^0-9a-z]", "", fold(code)),
        re.sub(r"[^0-9a-z]", "", fold(code.split("/")[0])),
    )


@dataclass
class Query:
    """What a user typed, turned into parts the backends match.

    ``numbers``: standard numbers found in the query (parsed); ``phrases``: gram
    phrases, each a list of tokens, the last possibly a prefix (``prefix_last``);
    ``serials``: bare digit strings that may be serial numbers; ``words``: jieba words
    of the text part, for ranking; ``text``: the cleaned query; ``codes``: for each
    phrase, the token of the standard code it is (``GB/T`` → ``gbt``, ``DB11`` →
    ``db11``), or None: a code finds the standards of that code, and the titles that
    name it.
    """

    text: str
    numbers: list = field(default_factory=list)
    phrases: list[list[str]] = field(default_factory=list)
    prefix: list[bool] = field(default_factory=list)
    codes: list[str | None] = field(default_factory=list)
    serials: list[str] = field(default_factory=list)
    words: list[str] = field(default_factory=list)
    truncated: bool = False

    @property
    def empty(self) -> bool:
        return not (self.numbers or self.phrases or self.serials)

    @property
    def number_only(self) -> bool:
        """Standard numbers or serials and nothing else: ranked by number tiers."""
        return bool(self.numbers or self.serials) and not self.phrases

    @property
    def code_only(self) -> bool:
        """Only standard codes (``GB/T``, ``DB11/T YY``): no order by relevance, the
        code's standards in static order (in force first, newer first)."""
        return bool(self.codes) and all(self.codes) and not (self.numbers or self.serials)


def _chunk_tokens(segments: list[str], autocomplete: bool) -> tuple[list[str], bool]:
    """Gram tokens of one unbroken stretch of query text, and whether the last is a
    prefix. Mirrors ``grams``: a Han run followed by more text in the same stretch
    ends where the indexed run ends, so its last character is a token too."""
    tokens: list[str] = []
    prefix = False
    for i, segment in enumerate(segments):
        last = i == len(segments) - 1
        if _HAN_RUN.match(segment):
            tokens.extend(segment[j : j + 2] for j in range(len(segment) - 1))
            if not last:
                tokens.append(segment[-1])
            elif len(segment) == 1:
                tokens.append(segment)
                prefix = True
        else:
            tokens.append(segment.replace(".", "_"))
            prefix = last and (autocomplete or len(segment) == 1)
    return tokens, prefix


def parse_query(text: str, *, autocomplete: bool = False) -> Query:
    """Split a user query into standard numbers and text, and tokenize the text.

    Never raises: anything that is not a number or a word (FTS syntax, quotes, SQL,
    emoji) is simply not a token.
    """
    text = unicodedata.normalize("NFKC", text or "").strip()
    truncated = len(text) > MAX_QUERY
    text = text[:MAX_QUERY]
    query = Query(text=text, truncated=truncated)
    rest = text
    whole = numbers.try_parse(text)
    if whole is not None:
        query.numbers.append(whole)
        rest = ""
    else:
        for ref in reversed(numbers.find_references(text)):
            query.numbers.insert(0, ref.number)
            rest = rest[: ref.start] + " " + rest[ref.end :]
        # An edition without its code (2760-2014, 19001—2016): its serial-year token.
        for m in reversed(list(_SERIAL_YEAR.finditer(rest))):
            query.serials.insert(0, f"{m['serial'].replace('.', '_')}_{m['year']}")
            rest = rest[: m.start()] + " " + rest[m.end() :]
    for word in rest.split():
        code = numbers.parse_code(word.strip(_AROUND_CODE))
        if code is not None:
            # A whole code (GB/T, DB11, T/CECS): one phrase of its grams, not a prefix.
            query.phrases.append(_grams(fold(code)))  # as titles write it: GBT → gb t
            query.prefix.append(False)
            query.codes.append(_code_tokens(code)[0])
            continue
        for chunk in _CHUNK.findall(fold(word)):
            tokens, prefix = _chunk_tokens(_SEGMENT.findall(chunk), autocomplete)
            if len(tokens) == 1 and tokens[0].replace("_", "").isdigit():
                query.serials.append(tokens[0])
            elif tokens:
                query.phrases.append(tokens)
                query.prefix.append(prefix)
                query.codes.append(None)
    # Words that add to the rank: not the stop words every other title has (要求, 方法),
    # which rank nothing and cost the most to score.
    query.words = [
        w for w in words(rest) if (len(w) >= 2 or not _HAN_RUN.match(w)) and w not in STOP_WORDS
    ]
    return query
