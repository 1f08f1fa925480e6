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

#: The project's domain dictionary (jieba user-dictionary format).
DICTIONARY = Path(__file__).resolve().parent.parent / "fixtures" / "jieba_userdict.txt"
#: Queries longer than this are cut (a 10,000-character paste is not a search).
MAX_QUERY = 200

_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_SEGMENT = re.compile(rf"[{_HAN}]+|[a-z0-9]+(?:[._][a-z0-9]+)*")
_HAN_RUN = re.compile(rf"^[{_HAN}]+$")
_CHUNK = re.compile(rf"[{_HAN}a-z0-9.]+")
_WORD_SPLIT = re.compile(rf"[{_HAN}]+|[a-z0-9]+")
_STOP = frozenset(
    "的 和 与 及 或 等 之 中 用 于 在 对 为 第 部分 要求 方法 规范 标准 技术 通用".split()
)


@functools.cache
def _jieba() -> jieba.Tokenizer:
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    if DICTIONARY.exists():
        tokenizer.load_userdict(str(DICTIONARY))
    return tokenizer


def fold(text: str) -> str:
    """Full-width to half-width, lower case: the form every token is taken from."""
    return unicodedata.normalize("NFKC", text or "").lower()


def grams(text: str) -> list[str]:
    """Bigram stream of a text (see module docstring)."""
    out: list[str] = []
    for segment in _SEGMENT.findall(fold(text)):
        if _HAN_RUN.match(segment):
            out.extend(segment[i : i + 2] for i in range(len(segment) - 1))
            out.append(segment[-1])
        else:
            out.append(segment.replace(".", "_"))
    return out


def words(text: str) -> list[str]:
    """jieba words of a text, Han and ASCII, lower case, punctuation dropped."""
    tokenizer = _jieba()
    out = []
    for segment in _WORD_SPLIT.findall(fold(text)):
        if _HAN_RUN.match(segment):
            out.extend(tokenizer.cut_for_search(segment, HMM=False))
        else:
            out.append(segment)
    return out


def keywords(text: str, limit: int = 12) -> list[str]:
    """The most telling words of a text, for "related standards"."""
    seen = []
    for word in words(text):
        if len(word) >= 2 and word not in _STOP and not word.isdigit() and word not in seen:
            seen.append(word)
    return sorted(seen, key=len, reverse=True)[:limit]


def _key(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", fold(text)).strip("_")


def number_tokens(number: str) -> list[str]:
    """Tokens of a standard number: edition, series, bare serial and its root, code.

    ``GB/T 20004.1-2016`` → ``gbt_20004_1_2016 gbt_20004_1 20004_1 20004 gbt gb``.
    """
    parsed = numbers.try_parse(number)
    if parsed is None:
        return [t for t in _key(number).split("_") if t]
    code = re.sub(r"[^0-9a-z]", "", fold(parsed.code))
    serial = _key(parsed.serial)
    tokens = [f"{code}_{serial}"]
    if parsed.year:
        tokens.insert(0, f"{code}_{serial}_{parsed.year}")
    tokens.append(serial)
    root = serial.split("_")[0]
    if root != serial:
        tokens.append(root)
    tokens.append(code)
    family = re.match(r"[a-z]+", code)
    if family and family.group() != code:
        tokens.append(family.group())
    return tokens


@dataclass
class Query:
    """What a user typed, turned into parts the backends match.

    ``numbers``: standard numbers found in the query (parsed); ``phrases``: gram
    phrases, each a list of tokens, the last possibly a prefix (``prefix_last``);
    ``serials``: bare digit strings that may be serial numbers; ``words``: jieba words
    of the text part, for ranking; ``text``: the cleaned query.
    """

    text: str
    numbers: list = field(default_factory=list)
    phrases: list[list[str]] = field(default_factory=list)
    prefix: list[bool] = field(default_factory=list)
    serials: list[str] = field(default_factory=list)
    words: list[str] = field(default_factory=list)
    truncated: bool = False

    @property
    def empty(self) -> bool:
        return not (self.numbers or self.phrases or self.serials)


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
    for chunk in _CHUNK.findall(fold(rest)):
        tokens, prefix = _chunk_tokens(_SEGMENT.findall(chunk), autocomplete)
        if len(tokens) == 1 and tokens[0].replace("_", "").isdigit():
            query.serials.append(tokens[0])
        elif tokens:
            query.phrases.append(tokens)
            query.prefix.append(prefix)
    query.words = [w for w in words(rest) if len(w) >= 2 or not _HAN_RUN.match(w)]
    return query
