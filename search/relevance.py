"""Search relevance: judgments, measures and reference searches (no Django imports).

The evaluation runs a query set against any ``search(q) -> [number, ...]`` callable (the
full ranked list, best first) and the catalogue's ``(number, title, scope)`` rows:

* **keyword queries** are judged by substring truth, computed from the catalogue, never
  hand-listed: a standard is relevant when its title (as stored, after the importer's
  cleaning) contains the query, or every word of a query of several words separated by
  spaces. Text is compared folded (full-width to half-width, lower case), as users
  type it. The *scope variant* also counts a match in the scope/summary text.

  - recall: of all relevant standards, the share found anywhere in the returned list;
  - precision@10: relevant among the top ``min(10, returned)`` results divided by that
    count (a search that returns nothing scores 0 where something was relevant);

* **number queries** name the standard expected first: its rank in the returned list
  (``None`` when absent); ``number_rank1`` is the share ranked first.

Averages are macro averages over queries. Queries with nothing relevant in the
catalogue at hand are counted apart and left out of the averages.

Two reference searches are computed in the same run, over the same rows:

* ``JiebaIndex`` — "jieba alone": an inverted index of jieba words (search mode) of
  each number and title; a standard matches when every jieba word of the query is among
  its words (word-level matching, as a plain jieba index does), ranked by BM25;
* ``WhitespaceFTSIndex`` — an emulation of a full-text index whose tokenizer splits on
  whitespace and punctuation only (SQLite FTS5 ``unicode61``, the tokenizer of Wagtail's
  default database search on SQLite): a Chinese run without spaces is one token, so only
  a query equal to a whole space-separated segment of a title can hit. Used where the
  real Wagtail backend cannot be run.
"""

from __future__ import annotations

import math
import os
import re
import statistics
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

#: The bars of architecture.md ("Bars the product is held to").
BARS = {"recall": 0.98, "precision_at_10": 0.97, "number_rank1": 1.0}
#: Cut-off of the precision measure.
K = 10
#: How many queries each "worst" list shows.
WORST = 10
#: How many example numbers a per-query row keeps (missed, wrongly ranked).
EXAMPLES = 5


@dataclass(frozen=True)
class Row:
    """One standard of the catalogue, as stored."""

    number: str
    title: str
    scope: str = ""


@dataclass(frozen=True)
class KeywordQuery:
    q: str
    note: str = ""


@dataclass(frozen=True)
class NumberQuery:
    q: str
    expected: str
    form: str = ""


@dataclass
class QuerySet:
    keyword: list[KeywordQuery] = field(default_factory=list)
    number: list[NumberQuery] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: dict) -> QuerySet:
        return cls(
            keyword=[
                KeywordQuery(item["q"], item.get("note", "")) for item in data.get("keyword", [])
            ],
            number=[
                NumberQuery(item["q"], item["expected"], item.get("form", ""))
                for item in data.get("number", [])
            ],
        )


def fold(text: str | None) -> str:
    """Full-width to half-width, lower case (what a user's typing is compared in)."""
    return unicodedata.normalize("NFKC", text or "").lower()


def query_words(q: str) -> list[str]:
    """The space-separated parts of a keyword query, folded."""
    return fold(q).split()


def judge(q: str, rows: Iterable[Row], *, scope: bool = False) -> set[str]:
    """Numbers of the standards relevant to keyword query ``q`` (substring truth)."""
    return Judge(rows).relevant(q, scope=scope)


class Judge:
    """Substring judgments over one catalogue, its texts folded once."""

    def __init__(self, rows: Iterable[Row]):
        self.texts = [(r.number, fold(r.title), fold(r.scope)) for r in rows]
        self._cache: dict[tuple[str, bool], set[str]] = {}

    def relevant(self, q: str, *, scope: bool = False) -> set[str]:
        key = (q, scope)
        if key not in self._cache:
            parts = query_words(q)
            self._cache[key] = (
                {
                    number
                    for number, title, text in self.texts
                    if all(p in title or (scope and p in text) for p in parts)
                }
                if parts
                else set()
            )
        return self._cache[key]


# -- measures -----------------------------------------------------------------------------


def recall(relevant: set[str], returned: Sequence[str]) -> float:
    if not relevant:
        return 1.0
    return len(relevant & set(returned)) / len(relevant)


def precision_at(relevant: set[str], returned: Sequence[str], k: int = K) -> float:
    top = list(returned[:k])
    if not top:
        return 0.0 if relevant else 1.0
    return sum(1 for n in top if n in relevant) / len(top)


def rank_of(expected: str, returned: Sequence[str]) -> int | None:
    try:
        return list(returned).index(expected) + 1
    except ValueError:
        return None


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (``p`` in 0..100); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    index = max(math.ceil(p / 100 * len(ordered)) - 1, 0)
    return ordered[min(index, len(ordered) - 1)]


def _mean(values: list[float]) -> float | None:
    return round(statistics.fmean(values), 4) if values else None


def _timed(search: Callable[[str], Sequence[str]], q: str, clock) -> tuple[list[str], float]:
    started = clock()
    returned = list(search(q))
    return returned, (clock() - started) * 1000


def evaluate(
    search: Callable[[str], Sequence[str]],
    rows: Sequence[Row],
    queries: QuerySet,
    *,
    name: str = "",
    note: str = "",
    judgments: Judge | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> dict:
    """Run every query of ``queries`` through ``search`` and measure it (see module doc).

    Returns a JSON-ready report: averages, the same under the scope variant, the number
    measures, the worst queries, counts and per-query timing (milliseconds). ``judgments``
    (built from the same ``rows``) shares judgments between runs.
    """
    rows = list(rows)
    judgments = judgments or Judge(rows)
    first = (queries.keyword or queries.number or [None])[0]
    if first is not None:
        search(first.q)  # warm-up (dictionaries, caches): not timed
    timings: list[float] = []
    keyword_rows, number_rows = [], []
    no_truth = []
    for query in queries.keyword:
        returned, ms = _timed(search, query.q, clock)
        timings.append(ms)
        relevant = judgments.relevant(query.q)
        relevant_scope = judgments.relevant(query.q, scope=True)
        if not relevant:
            no_truth.append(query.q)
            continue
        top = returned[:K]
        keyword_rows.append(
            {
                "q": query.q,
                "relevant": len(relevant),
                "returned": len(returned),
                "recall": round(recall(relevant, returned), 4),
                "precision_at_10": round(precision_at(relevant, returned), 4),
                "recall_scope": round(recall(relevant_scope, returned), 4),
                "precision_at_10_scope": round(precision_at(relevant_scope, returned), 4),
                "missed": sorted(relevant - set(returned))[:EXAMPLES],
                "irrelevant_top": [n for n in top if n not in relevant][:EXAMPLES],
                "ms": round(ms, 2),
            }
        )
    for query in queries.number:
        returned, ms = _timed(search, query.q, clock)
        timings.append(ms)
        rank = rank_of(query.expected, returned)
        number_rows.append(
            {
                "q": query.q,
                "form": query.form,
                "expected": query.expected,
                "rank": rank,
                "first": returned[:3],
                "returned": len(returned),
                "ms": round(ms, 2),
            }
        )

    def avg(key):
        return _mean([r[key] for r in keyword_rows])

    ranks = [r["rank"] for r in number_rows]
    report = {
        "name": name,
        "recall": avg("recall"),
        "precision_at_10": avg("precision_at_10"),
        "number_rank1": _mean([1.0 if r == 1 else 0.0 for r in ranks]),
        "number_mrr": _mean([1 / r if r else 0.0 for r in ranks]),
        "scope_variant": {
            "recall": avg("recall_scope"),
            "precision_at_10": avg("precision_at_10_scope"),
        },
        "counts": {
            "keyword_queries": len(queries.keyword),
            "keyword_judged": len(keyword_rows),
            "keyword_without_relevant": len(no_truth),
            "number_queries": len(number_rows),
            "number_rank1": sum(1 for r in ranks if r == 1),
            "number_not_found": sum(1 for r in ranks if r is None),
            "catalogue": len(rows),
        },
        "worst": {
            "recall": _worst(keyword_rows, "recall"),
            "precision_at_10": _worst(keyword_rows, "precision_at_10"),
            "number": sorted(
                (r for r in number_rows if r["rank"] != 1),
                key=lambda r: (r["rank"] is not None, -(r["rank"] or 0)),
            )[:WORST],
        },
        "timing_ms": {
            "p50": round(percentile(timings, 50), 2),
            "p95": round(percentile(timings, 95), 2),
            "max": round(max(timings), 2) if timings else 0.0,
        },
        "queries": {"keyword": keyword_rows, "number": number_rows},
    }
    if note:
        report["note"] = note
    if no_truth:
        report["keyword_without_relevant"] = no_truth
    report["bars_met"] = bars_met(report)
    return report


def _worst(rows: list[dict], key: str) -> list[dict]:
    worst = sorted((r for r in rows if r[key] < 1.0), key=lambda r: (r[key], r["q"]))[:WORST]
    keep = ("q", key, "relevant", "returned", "missed", "irrelevant_top")
    return [{k: r[k] for k in keep} for r in worst]


def bars_met(report: dict) -> dict[str, bool]:
    """Which of the bars (``BARS``) a report meets."""
    out = {}
    for key, bar in BARS.items():
        value = report.get(key)
        out[key] = value is not None and value >= bar
    return out


def summary(report: dict) -> dict:
    """A report without its per-query rows."""
    return {k: v for k, v in report.items() if k != "queries"}


# -- reference searches -------------------------------------------------------------------


class JiebaIndex:
    """ "jieba alone": word-level matching over jieba words of numbers and titles.

    ``words`` turns text into jieba words (search mode); the same function is used for
    the documents and the queries. Every word of the query must be among a document's
    words; matches are ranked by BM25 over those words, ties by catalogue order.
    """

    def __init__(self, rows: Sequence[Row], words: Callable[[str], list[str]]):
        self.words = words
        self.numbers = [r.number for r in rows]
        self.postings: dict[str, set[int]] = defaultdict(set)
        self.tf: list[Counter] = []
        for i, row in enumerate(rows):
            terms = Counter(words(row.number) + words(row.title))
            self.tf.append(terms)
            for term in terms:
                self.postings[term].add(i)
        self.lengths = [sum(t.values()) for t in self.tf]
        self.avg_length = statistics.fmean(self.lengths) if self.lengths else 1.0

    def query_terms(self, q: str) -> list[str]:
        terms = []
        for part in fold(q).split():
            terms += self.words(part)
        return list(dict.fromkeys(terms))

    def search(self, q: str) -> list[str]:
        terms = self.query_terms(q)
        if not terms:
            return []
        hits = set.intersection(*(self.postings.get(t, set()) for t in terms))
        n = len(self.numbers)
        scores = {}
        for doc in hits:
            score = 0.0
            for term in terms:
                df = len(self.postings[term])
                idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
                tf = self.tf[doc][term]
                norm = tf + 1.2 * (0.25 + 0.75 * self.lengths[doc] / self.avg_length)
                score += idf * tf * 2.2 / norm
            scores[doc] = score
        return [self.numbers[d] for d in sorted(hits, key=lambda d: (-scores[d], d))]

    __call__ = search


_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_WORD_SPLIT = re.compile(rf"[{_HAN}]+|[a-z0-9]+")
_HAN_RUN = re.compile(rf"^[{_HAN}]+$")


def jieba_words(dictionary=None, *, hmm: bool = False) -> Callable[[str], list]:
    """A words function like ``search.tokenize.words`` on its own jieba tokenizer: jieba's
    dictionary plus ``dictionary`` (a user dictionary file) when given and present."""
    import jieba

    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    if dictionary and os.path.exists(dictionary):
        tokenizer.load_userdict(str(dictionary))

    def words(text: str) -> list[str]:
        out = []
        for segment in _WORD_SPLIT.findall(fold(text)):
            if _HAN_RUN.match(segment):
                out.extend(tokenizer.cut_for_search(segment, HMM=hmm))
            else:
                out.append(segment)
        return out

    return words


_UNICODE61 = re.compile(r"\w+")


class WhitespaceFTSIndex:
    """Emulates an FTS5 ``unicode61`` index of number, title and scope (see module doc).

    Tokens are runs of letters and digits (Han characters count as letters, so a Chinese
    run without spaces is a single token), folded; every query token must be a document
    token (AND, as Wagtail's database backend does); ranked by BM25, ties by catalogue
    order.
    """

    def __init__(self, rows: Sequence[Row]):
        merged = [Row(r.number, f"{r.title} {r.scope}") for r in rows]
        self.inner = JiebaIndex(merged, self.tokens)

    @staticmethod
    def tokens(text: str) -> list[str]:
        return _UNICODE61.findall(fold(text))

    def search(self, q: str) -> list[str]:
        return self.inner.search(q)

    __call__ = search
