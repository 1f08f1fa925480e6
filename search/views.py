"""The public search page: facets, highlighted hits, pagination; suggestions while
typing come from the API and are an enhancement — the page works without JavaScript."""

from urllib.parse import urlencode

from django.shortcuts import render
from django.utils.translation import gettext as _

from search import nearest
from search.services import FACETS, SORTS, search_or_nearest
from standards.models import IcsClass, Level, Status

PAGE_SIZE = 20


def _labels(name, values):
    if name == "level":
        return dict(Level.choices)
    if name == "status":
        return {**dict(Status.choices), "upcoming": _("即将实施")}
    if name == "ics":
        return {c.code: c.name for c in IcsClass.objects.filter(code__in=values)}
    return {}


def search(request):
    q = request.GET.get("q", "").strip()
    filters = {name: request.GET.get(name, "").strip()[:100] for name in FACETS}
    if filters["year"] and not filters["year"].isdigit():
        filters["year"] = ""
    sort = request.GET.get("sort", "relevance")
    if sort not in SORTS:
        sort = "relevance"
    try:
        page_number = max(int(request.GET.get("page", 1)), 1)
    except ValueError:
        page_number = 1
    active = {k: v for k, v in filters.items() if v}
    page = search_or_nearest(
        q,
        page=page_number,
        page_size=PAGE_SIZE,
        sort=sort,
        **{k: int(v) if k == "year" else v for k, v in active.items()},
    )
    facets = []
    for name in FACETS:
        values = page.facets.get(name, [])
        if name == "ics":
            # Top-level classes, and the children of a selected class.
            depth = filters["ics"].count(".") + 2 if filters["ics"] else 1
            values = [(v, n) for v, n in values if str(v).count(".") + 1 == depth]
        if name == "year":
            values = sorted(values, key=lambda item: -int(item[0]))[:15]
        else:
            values = values[:12]
        labels = _labels(name, [v for v, _n in values])
        base = {k: v for k, v in {"q": q, "sort": sort, **active}.items() if v and k != name}
        facets.append(
            {
                "name": name,
                "selected": filters[name],
                "clear_url": "?" + urlencode(base),
                "values": [
                    {
                        "value": value,
                        "label": labels.get(value, value),
                        "count": count,
                        "url": "?" + urlencode({**base, name: value}),
                        "selected": str(value) == filters[name],
                    }
                    for value, count in values
                ],
            }
        )
    query_string = urlencode({k: v for k, v in {"q": q, "sort": sort, **active}.items() if v})
    return render(
        request,
        "search/search.html",
        {
            "q": q,
            "page": page,
            "facets": facets,
            "sort": sort,
            "sorts": [
                ("relevance", _("相关度")),
                ("newest", _("实施日期（新→旧）")),
                ("oldest", _("实施日期（旧→新）")),
                ("number", _("标准编号")),
            ],
            "active": active,
            # The catalogue's wording for an everyday word in the query, as a search
            # of its own (针筒 → 注射器), when the query found something as typed.
            "rewrites": nearest.rewrites(q)[:3] if page.count and not page.instead_of else [],
            "query_string": query_string,
            "start_index": (page.page - 1) * page.page_size + 1,
            "prev_page": page.page - 1 if page.page > 1 else None,
            "next_page": page.page + 1 if page.page < page.pages else None,
        },
    )
