"""Searching the catalogue: one function used by the search page, the API, the admin and
the relevance evaluation, whatever backend haystack is configured with."""

from dataclasses import dataclass, field

from haystack.query import SearchQuerySet

from search import nearest, tokenize
from standards.models import Standard

FACETS = ("level", "status", "ics", "department", "year")
SORTS = {
    "relevance": None,
    "newest": ["-effective", "-published"],
    "oldest": ["effective", "published"],
    "number": ["number_sort"],
}
MAX_PAGE_SIZE = 100


@dataclass
class SearchPage:
    query: str
    count: int
    results: list
    page: int
    page_size: int
    facets: dict = field(default_factory=dict)
    truncated: bool = False  # the query was cut to tokenize.MAX_QUERY characters
    #: Set when these are the results of a nearer query (``query``) because the one
    #: asked (``instead_of``) found nothing; see ``search_or_nearest``.
    instead_of: str | None = None

    @property
    def pages(self) -> int:
        return max(1, -(-self.count // self.page_size))


def standards_queryset(q: str = "", **filters) -> SearchQuerySet:
    """The search for ``q`` narrowed by exact filters (level, status, ics, department,
    year); empty ``q`` lists everything, edition in force first."""
    sqs = SearchQuerySet().models(Standard)
    if q and q.strip():
        sqs = sqs.filter(content=q)
    for name in FACETS:
        value = filters.get(name)
        if value not in (None, ""):
            sqs = sqs.filter(**{name: value})
    return sqs


def search_standards(
    q: str = "",
    *,
    page: int = 1,
    page_size: int = 20,
    sort: str = "relevance",
    facets: bool = True,
    highlight: bool = True,
    **filters,
) -> SearchPage:
    page = max(int(page or 1), 1)
    page_size = min(max(int(page_size or 20), 1), MAX_PAGE_SIZE)
    sqs = standards_queryset(q, **filters)
    if SORTS.get(sort):
        sqs = sqs.order_by(*SORTS[sort])
    if highlight and q:
        sqs = sqs.highlight()
    if facets:
        for name in FACETS:
            sqs = sqs.facet(name)
    start = (page - 1) * page_size
    results = list(sqs[start : start + page_size])
    return SearchPage(
        query=q,
        count=sqs.count(),
        results=results,
        page=page,
        page_size=page_size,
        facets=sqs.facet_counts().get("fields", {}) if facets else {},
        truncated=len(q or "") > tokenize.MAX_QUERY,
    )


def search_or_nearest(q: str = "", **options) -> SearchPage:
    """``search_standards``; when a text query finds nothing, the results of the nearest
    query that finds something (``search.nearest``: the catalogue's wording for an
    everyday word, fewer words), with ``instead_of`` holding what was asked. The same
    filters apply; a query holding a standard number is never replaced."""
    page = search_standards(q, **options)
    if page.count or not (q or "").strip():
        return page
    filters = {name: options[name] for name in FACETS if name in options}
    for candidate in nearest.candidates(q):
        if standards_queryset(candidate, **filters).count():
            found = search_standards(candidate, **options)
            found.instead_of = q
            return found
    return page


def suggest(q: str, limit: int = 8) -> list:
    """Suggestions while typing: numbers and titles that contain what was typed so far,
    or, when none does, the catalogue's word for an everyday word typed (search.nearest)."""
    if not q or not q.strip():
        return []
    for text in [q, *nearest.rewrites(q)[:2]]:
        # What was typed; if nothing, the catalogue's word for it (针筒 → 注射器).
        results = list(SearchQuerySet().models(Standard).filter(title_auto=text)[:limit])
        if results:
            return results
    return []


def related(standard: Standard, limit: int = 6) -> list:
    """ "Related standards": more like this one, one edition per series (the best
    ranked: in force before superseded), its own series left out."""
    results = SearchQuerySet().models(Standard).more_like_this(standard)[: limit * 3]
    seen, out = {standard.series}, []
    for result in results:
        series = getattr(result, "series", None) or result.pk
        if series not in seen:
            seen.add(series)
            out.append(result)
    return out[:limit]
