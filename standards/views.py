"""Public catalogue pages: a standard, browsing by level and ICS, and 标准查新."""

import datetime

from django.apps import apps
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from search.services import related
from standards import numbers
from standards.models import IcsClass, Level, Standard, Status, Supersession
from standards.services import check_references
from standards.validity import check, status_on

from .catalogue import DbCatalogue


def standard_detail(request, number):
    try:
        parsed = numbers.parse(number)
    except numbers.NumberError:
        raise Http404(_("不是有效的标准编号")) from None
    if not parsed.dated:
        return series_detail(request, parsed)
    std = get_object_or_404(
        Standard.objects.prefetch_related(
            "ics",
            Prefetch("replaces_links", Supersession.objects.select_related("old")),
            Prefetch("replaced_by_links", Supersession.objects.select_related("new")),
        ),
        number=parsed.edition,
    )
    if number != std.number:
        return redirect(std, permanent=True)
    today = datetime.date.today()
    catalogue = DbCatalogue()
    catalogue.preload(numbers=[std.number], series=[std.series])
    # One catalogue for the verdict, the status and the timeline: no second load.
    edition = catalogue.get(std.number)
    verdict = check(std.number, catalogue, today)
    history = sorted(
        lineage(edition, catalogue),
        key=lambda e: (e.effective or e.published or e.withdrawn or datetime.date.min, e.number),
    )
    timeline = [
        {
            "edition": e,
            "status": status_on(e, today, catalogue),
            "is_this": e.number == std.number,
        }
        for e in history
    ]
    return render(
        request,
        "standards/standard_detail.html",
        {
            "standard": std,
            "status": status_on(edition, today, catalogue),
            "verdict": verdict,
            "timeline": timeline,
            "replaces": std.replaces_links.all(),
            "replaced_by": std.replaced_by_links.all(),
            "related": related(std),
            "citing": _citing(std),
            "today": today,
        },
    )


def _citing(std) -> dict | None:
    """How many public self-declarations cite this edition and its series (None
    without the declarations app)."""
    if not apps.is_installed("declarations"):
        return None
    from declarations.views.public import citing_count

    return {"edition": citing_count(std.number), "series": citing_count(std.series)}


#: Most editions shown in one history timeline.
MAX_LINEAGE = 60


def lineage(edition, catalogue) -> list:
    """Every edition of the series plus those linked by supersession, either way and
    transitively (a chain may change number, e.g. GB 4706.1 -> GB/T 4706.1)."""
    found = {e.number: e for e in catalogue.in_series(edition.series)}
    found[edition.number] = edition
    queue = list(found.values())
    while queue and len(found) < MAX_LINEAGE:
        current = queue.pop()
        for link in (*current.replaces, *current.replaced_by):
            if link.number not in found:
                linked = catalogue.get(link.number)
                if linked is not None:
                    found[linked.number] = linked
                    queue.append(linked)
    return list(found.values())


def series_detail(request, parsed):
    """An undated number names a series: show its editions and the one in force."""
    editions = Standard.objects.filter(series=parsed.series).order_by("-year")
    if not editions:
        raise Http404(_("目录中没有该系列的标准"))
    verdict = check_references([parsed.normalized])[0]
    return render(
        request,
        "standards/series_detail.html",
        {"series": parsed.series, "editions": editions, "verdict": verdict},
    )


def browse(request):
    qs = Standard.objects.listed()
    level = request.GET.get("level")
    if level in Level.values:
        qs = qs.filter(level=level)
    status = request.GET.get("status")
    today = datetime.date.today()
    # By the dates, as of today, like the status shown on each row; 被代替 and 废止
    # as recorded.
    if status in ("in_force", Status.CURRENT):
        qs = qs.in_force(today)
    elif status == Status.UPCOMING:
        qs = qs.upcoming(today)
    elif status in Status.values:
        qs = qs.filter(status=status)
    year = request.GET.get("year", "")
    if year.isdigit():
        qs = qs.filter(year=int(year))
    q = request.GET.get("q", "").strip()[:200]
    if q:
        parsed = numbers.try_parse(q)
        if parsed is not None:
            qs = (
                qs.filter(series=parsed.series)
                if not parsed.dated
                else qs.filter(number=parsed.edition)
            )
        else:
            qs = qs.filter(title__icontains=q) | qs.filter(number__icontains=q)
    counts = dict(Standard.objects.listed().values_list("level").annotate(n=Count("id")).order_by())
    page = Paginator(qs.order_by("series", "-year"), 30).get_page(request.GET.get("page"))
    # Each row's status today, by the same rules as the standard's own page.
    catalogue = DbCatalogue()
    catalogue.preload(objects=page.object_list)
    for std in page.object_list:
        edition = catalogue.get(std.number)
        std.status_today = status_on(edition, today, catalogue) if edition else std.status
    return render(
        request,
        "standards/browse.html",
        {
            "page": page,
            "levels": [(value, label, counts.get(value, 0)) for value, label in Level.choices],
            "level": level,
            "status": status,
            "active_filters": sum(
                bool(v) for v in (q, level in Level.values, status, year.isdigit())
            ),
            "statuses": [
                ("in_force", pgettext("status filter", "现行有效")),
                *[(v, label) for v, label in Status.choices if v != Status.CURRENT],
            ],
            "q": q,
            "year": year,
            "top_ics": IcsClass.objects.filter(parent__isnull=True)
            .annotate(n=Count("children__standards", distinct=True))
            .order_by("code"),
        },
    )


def browse_ics(request, code=None):
    node = get_object_or_404(IcsClass, code=code) if code else None
    children = IcsClass.objects.filter(parent=node).order_by("code")
    standards = Standard.objects.none()
    if node is not None:
        prefix = node.code
        standards = (
            Standard.objects.listed()
            .filter(ics__code__startswith=prefix)
            .distinct()
            .order_by("series", "-year")
        )
    page = Paginator(standards, 30).get_page(request.GET.get("page"))
    ancestors = []
    walk = node
    while walk is not None:
        ancestors.insert(0, walk)
        walk = walk.parent
    return render(
        request,
        "standards/browse_ics.html",
        {"node": node, "children": children, "page": page, "ancestors": ancestors},
    )
