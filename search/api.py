"""Search API: GET /api/v1/standards/search (contract in architecture.md) and suggestions."""

import datetime

from django.urls import reverse

from ninja import Query, Router, Schema
from ninja.errors import HttpError
from pydantic import BaseModel, Field

from search.services import FACETS, MAX_PAGE_SIZE, search_standards, suggest
from standards.models import Level, Status
from standards.templatetags.standards_tags import STATUS_LABELS

router = Router(tags=["检索"])


class SearchParams(Schema):
    q: str = Field(
        "",
        max_length=10_000,
        description="检索词：标准编号（任意写法）、名称或关键词；超过 200 字只用前 200 字",
    )
    status: str | None = Field(None, description="current|upcoming|superseded|withdrawn")
    level: str | None = Field(
        None, description="national|industry|local|group|enterprise|international"
    )
    ics: str | None = Field(None, description="ICS 分类代码，含下级分类")
    department: str | None = None
    year: int | None = Field(None, ge=1900, le=2100)
    sort: str = Field("relevance", description="relevance|newest|oldest|number")
    page: int = Field(1, ge=1, le=10_000)
    page_size: int = Field(20, ge=1, le=MAX_PAGE_SIZE)


class Hit(BaseModel):
    number: str
    title: str
    title_en: str = ""
    status: str
    level: str
    effective: datetime.date | None = None
    url: str
    highlight: str | None = None


class SearchOut(BaseModel):
    count: int
    truncated: bool = Field(False, description="检索词过长，只用了前 200 字")
    page: int
    page_size: int
    results: list[Hit]
    facets: dict[str, list[tuple[str | int, int]]]


class Suggestion(BaseModel):
    number: str
    title: str
    status: str
    #: The status in the reader's language (现行, 被代替 …), for the suggestion list.
    status_label: str
    url: str


class SuggestOut(BaseModel):
    results: list[Suggestion]


def _url(number: str) -> str:
    return reverse("standards:detail", args=[number])


@router.get("/standards/search", response=SearchOut, summary="检索标准")
def search(request, params: Query[SearchParams]):
    """All statuses by default, editions in force ranked first; `status` narrows."""
    if params.status and params.status not in Status.values:
        raise HttpError(422, "status 应为 current、upcoming、superseded、withdrawn 之一")
    if params.level and params.level not in Level.values:
        raise HttpError(422, "level 取值无效")
    filters = {name: getattr(params, name) for name in FACETS}
    page = search_standards(
        params.q, page=params.page, page_size=params.page_size, sort=params.sort, **filters
    )
    return {
        "count": page.count,
        "truncated": page.truncated,
        "page": page.page,
        "page_size": page.page_size,
        "results": [
            {
                "number": r.number,
                "title": r.title,
                "title_en": r.title_en or "",
                "status": r.status,
                "level": r.level,
                "effective": r.effective,
                "url": _url(r.number),
                "highlight": (r.highlighted or {}).get("text", [None])[0],
            }
            for r in page.results
        ],
        "facets": {k: [(v, n) for v, n in values] for k, values in page.facets.items()},
    }


@router.get("/standards/suggest", response=SuggestOut, url_name="suggest", summary="输入提示")
def suggestions(request, q: str = ""):
    return {
        "results": [
            {
                "number": r.number,
                "title": r.title,
                "status": r.status,
                "status_label": str(STATUS_LABELS.get(r.status, r.status)),
                "url": _url(r.number),
            }
            for r in suggest(q[:200])
        ]
    }
