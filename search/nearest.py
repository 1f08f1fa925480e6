"""When a search finds nothing: the nearest queries that might.

People name products the way they speak (针筒, 奶粉, 塑胶跑道); standards name them the
way standards do (注射器, 乳粉, 合成材料面层). ``fixtures/search_synonyms.txt`` pairs the
two. And a query of several words finds only standards holding all of them; with one
word too many it finds nothing, where fewer words would have found the standard.

``rewrites`` gives a query in the catalogue's words; ``candidates`` lists, nearest
first, the queries worth trying when the one asked found nothing. No Django imports:
the search service decides which candidate to use.
"""

import functools
import unicodedata
from pathlib import Path

from search import tokenize

SYNONYMS = Path(__file__).resolve().parent.parent / "fixtures" / "search_synonyms.txt"
#: A query of more words than this is not cut down word by word.
MAX_WORDS = 6
#: Candidate queries tried at most (each costs one count).
MAX_CANDIDATES = 12


@functools.cache
def synonyms() -> dict[str, tuple[str, ...]]:
    """Everyday word (folded) → the catalogue's words, in the order to try them."""
    table = {}
    for line in SYNONYMS.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        word, *terms = line.split()
        if terms:
            table[tokenize.fold(word)] = tuple(terms)
    return table


def rewrites(query: str) -> list[str]:
    """``query`` with every everyday word it holds (longest first, no overlaps) replaced
    by the catalogue's word: one rewrite per alternative, the first alternatives first.
    Empty when the query holds no everyday word."""
    folded = tokenize.fold(query)
    # Positions in the text as typed when folding only changed the case, one character
    # for one (then the rewrite shows as typed); otherwise in the folded text.
    same = unicodedata.normalize("NFKC", query) == query and len(query.lower()) == len(query)
    text = query if same else folded
    table = synonyms()
    spans = []
    for word in sorted(table, key=len, reverse=True):
        start = folded.find(word)
        while start != -1:
            end = start + len(word)
            if not any(s < end and start < e for s, e, _terms in spans):
                spans.append((start, end, table[word]))
            start = folded.find(word, end)
    spans.sort()
    out = []
    for choice in range(max((len(terms) for *_span, terms in spans), default=0)):
        rewritten, pos = "", 0
        for start, end, terms in spans:
            rewritten += text[pos:start] + terms[min(choice, len(terms) - 1)]
            pos = end
        rewritten += text[pos:]
        if rewritten not in out:
            out.append(rewritten)
    return out


def candidates(query: str) -> list[str]:
    """Queries to try, nearest first, when ``query`` found nothing: the query in the
    catalogue's words, then fewer words. At each number of words, the shorter queries
    that hold the catalogue's word for an everyday word come first (that word names the
    product: 针筒 包装 → 注射器, not 包装), then the others, dropping leading words first
    (a Chinese query names the product last: 婴幼儿 奶粉). A word that says nothing on
    its own (标准, one character) is never a query by itself.

    None for a query holding a standard number: "nothing under GB 99999-2020" must not
    turn into "everything under GB"."""
    parsed = tokenize.parse_query(query)
    if parsed.numbers or parsed.serials or parsed.truncated:
        return []
    words = query.split()
    asked = " ".join(words)
    out = [r for r in rewrites(asked) if r != asked]
    if 1 < len(words) <= MAX_WORDS:
        for size in range(len(words) - 1, 0, -1):
            windows = [
                " ".join(words[start : start + size]) for start in range(len(words) - size, -1, -1)
            ]
            out += [r for window in windows for r in rewrites(window)]
            out += [w for w in windows if size > 1 or _says_something(w)]
    return list(dict.fromkeys(c for c in out if c != asked))[:MAX_CANDIDATES]


def _says_something(word: str) -> bool:
    """Whether one word is worth a search of its own: not a stop word (标准, 要求),
    not a single character."""
    folded = tokenize.fold(word)
    return len(folded) > 1 and folded not in tokenize.STOP_WORDS
