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
    # Positions in the text as typed when folding kept its length (it shows as typed).
    text = query if len(folded) == len(query) else folded
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
    catalogue's words, then fewer words (dropping leading words first: a Chinese query
    names the product last, 婴幼儿 奶粉), each also in the catalogue's words.

    None for a query holding a standard number: "nothing under GB 99999-2020" must not
    turn into "everything under GB"."""
    parsed = tokenize.parse_query(query)
    if parsed.numbers or parsed.serials or parsed.truncated:
        return []
    words = query.split()
    queries = [" ".join(words)]
    if 1 < len(words) <= MAX_WORDS:
        for size in range(len(words) - 1, 0, -1):
            for start in range(len(words) - size, -1, -1):
                queries.append(" ".join(words[start : start + size]))
    out = []
    for text in queries:
        for candidate in [text, *rewrites(text)]:
            if candidate != queries[0] and candidate not in out:
                out.append(candidate)
    return out[:MAX_CANDIDATES]
