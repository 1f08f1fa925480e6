"""Public pages: a declaration (with its history and every published version), an
enterprise's declarations, the search, and the texts of own (Q/) standards.

Drafts are never public, not even to their owner here (the owner edits drafts under
/my/). Pages show what the firm published, escaped; texts are served from private
storage by the ``FileField``'s own storage, never by a path taken from the request.
"""

import datetime
import hashlib
import re
import unicodedata
from urllib.parse import quote, urlencode

from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.db.models.functions import Substr
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from declarations import identifiers, regions, services
from declarations.models import (
    Category,
    Declaration,
    DeclarationVersion,
    Enterprise,
    OwnStandard,
    Product,
    Reference,
)
from standards import numbers
from standards.models.catalogue import standard_path

PUBLIC = (Declaration.Status.PUBLISHED, Declaration.Status.WITHDRAWN)
PAGE_SIZE = 20
MAX_QUERY = 200
MAX_PAGE = 10_000
TEXT_DIR = "own-standards"
#: Catalogue verdicts that name a standard the catalogue holds (its page exists).
LINKED_VERDICTS = {"current", "superseded", "upcoming", "withdrawn"}
OWN_LABEL = gettext_lazy("企业标准")


# -- helpers -------------------------------------------------------------------------------


def _public_declarations():
    return Declaration.objects.filter(status__in=PUBLIC, version__gt=0)


def _public_or_404(pk) -> Declaration:
    return get_object_or_404(_public_declarations().select_related("enterprise"), pk=pk)


def _is_member(user, enterprise) -> bool:
    firm = services.enterprise_of(user)
    return firm is not None and firm.pk == enterprise.pk


def _date(value):
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except (TypeError, ValueError):
        return None


def _content(snap: dict) -> dict:
    """A snapshot (what the public saw of a version) ready for the templates."""
    categories = dict(Category.choices)
    disclosures = dict(OwnStandard.Disclosure.choices)
    products = [
        {**p, "category_name": categories.get(p.get("category"), p.get("category_name", ""))}
        for p in snap.get("products", [])
    ]
    references = []
    english = (get_language() or "").startswith("en")
    for r in snap.get("references", []):
        if english:  # the check's own English wording, where it was kept
            r = {
                **r,
                "message": r.get("message_en") or r.get("message", ""),
                "warnings": r.get("warnings_en") or r.get("warnings", []),
            }
        normalized = r.get("normalized") or ""
        own = bool(r.get("own"))
        current = r.get("current") or ""
        references.append(
            {
                **r,
                "checked_on": _date(r.get("checked_on")),
                "url": standard_path(normalized)
                if normalized and not own and r.get("verdict") in LINKED_VERDICTS
                else "",
                "current_url": standard_path(current) if current and current != normalized else "",
                "current": current if current != normalized else "",
            }
        )
    own_rows = {o.get("number"): (i, o) for i, o in enumerate(snap.get("own_standards", []))}
    for r in references:
        if r["own"] and (r.get("normalized") or r.get("input")) in own_rows:
            i, o = own_rows[r.get("normalized") or r.get("input")]
            r["title"] = r.get("title") or o.get("name", "")
            r["own_anchor"] = f"own-{i + 1}"
    own_standards = []
    for i, o in enumerate(snap.get("own_standards", [])):
        lower = o.get("below_recommended") or any(
            x.get("lower_than_reference") for x in o.get("indicators", [])
        )
        own_standards.append(
            {
                **o,
                "index": i,
                "disclosure_label": disclosures.get(o.get("disclosure"), ""),
                "full_text": o.get("disclosure") == OwnStandard.Disclosure.FULL_TEXT,
                "lower": lower,
            }
        )
    return {
        "title": snap.get("title", ""),
        "status": snap.get("status", ""),
        "enterprise": snap.get("enterprise", {}),
        "commitment": snap.get("commitment", False),
        "products": products,
        "references": references,
        "catalogue_references": [r for r in references if not r["own"]],
        "own_standards": own_standards,
    }


def _versions(declaration):
    return list(declaration.versions.order_by("-number"))


# -- the declaration and its versions --------------------------------------------------------


def detail(request, pk):
    declaration = _public_or_404(pk)
    content = _content(services.snapshot(declaration))
    texts = {o.number: o for o in declaration.own_standards.exclude(text="")}
    for o in content["own_standards"]:
        row = texts.get(o["number"])
        if row is not None and o["full_text"]:
            o["text_url"] = reverse("declarations:own_text", args=[declaration.pk, row.pk])
    from supervision.services import public_notices

    return render(
        request,
        "declarations/public/detail.html",
        {
            "declaration": declaration,
            "enterprise": declaration.enterprise,
            "content": content,
            "versions": _versions(declaration),
            # Supervision: closed cases in which a problem was found (监管信息), and
            # the complaint (举报) form's address.
            "supervision_notices": list(public_notices(declaration)),
            "complaint_url": reverse("supervision:complaint", args=[declaration.pk]),
        },
    )


def version(request, pk, number):
    declaration = _public_or_404(pk)
    shown = get_object_or_404(DeclarationVersion, declaration=declaration, number=number)
    content = _content(shown.snapshot)
    for o in content["own_standards"]:
        if o["full_text"] and o.get("has_text"):
            if _find_text(declaration, o.get("text_sha256", "")) is not None:
                o["text_url"] = reverse(
                    "declarations:version_own_text", args=[declaration.pk, number, o["index"]]
                )
            else:
                o["text_replaced"] = True
    return render(
        request,
        "declarations/public/version.html",
        {
            "declaration": declaration,
            "shown": shown,
            "content": content,
            "versions": _versions(declaration),
            "is_latest": shown.number == declaration.version,
        },
    )


# -- own standard texts ----------------------------------------------------------------------


def _text_storage():
    return OwnStandard._meta.get_field("text").storage


def _sha256(storage, name) -> str:
    digest = hashlib.sha256()
    with storage.open(name, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _find_text(declaration, sha: str):
    """(storage, name) of a stored text with this SHA-256, or None once it is gone.

    The current rows first; then the files replaced texts left behind, which are named
    after their hash (``own-standards/<year>/<sha[:32]>*.pdf``) and are checked
    against the full hash before being served."""
    if not re.fullmatch(r"[0-9a-f]{64}", sha or ""):
        return None
    storage = _text_storage()
    rows = OwnStandard.objects.filter(text_sha256=sha).exclude(text="")
    for row in sorted(rows, key=lambda r: r.declaration_id != declaration.pk):
        if row.text.storage.exists(row.text.name):
            return row.text.storage, row.text.name
    try:
        years = storage.listdir(TEXT_DIR)[0]
    except (FileNotFoundError, NotADirectoryError):
        return None
    for year in sorted(years, reverse=True):
        try:
            files = storage.listdir(f"{TEXT_DIR}/{year}")[1]
        except (FileNotFoundError, NotADirectoryError):
            continue
        for filename in sorted(files):
            if filename.startswith(sha[:32]) and filename.endswith(".pdf"):
                name = f"{TEXT_DIR}/{year}/{filename}"
                if _sha256(storage, name) == sha:
                    return storage, name
    return None


def _download_name(number: str, name: str) -> tuple[str, str]:
    """An ASCII file name and the full (UTF-8) one, both without path or quote marks."""
    full = f"{number} {name}".strip()
    full = "".join(c for c in full if unicodedata.category(c)[0] != "C")
    full = re.sub(r'[\\/:*?"<>|;]+', "_", full).strip(" ._")[:150] or "standard"
    ascii_name = unicodedata.normalize("NFKD", number).encode("ascii", "ignore").decode()
    ascii_name = re.sub(r"[^A-Za-z0-9.-]+", "_", ascii_name).strip("._") or "standard"
    return f"{ascii_name}.pdf", f"{full}.pdf"


def _pdf_response(storage, name, number, title, private=False):
    try:
        handle = storage.open(name, "rb")
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        raise Http404(_("标准文本不存在")) from None
    response = FileResponse(handle, content_type="application/pdf")
    ascii_name, full_name = _download_name(number, title)
    response["Content-Disposition"] = (
        f"inline; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(full_name, safe='')}"
    )
    # Served only after the upload was checked to be a PDF by content; nosniff keeps
    # browsers from reading it as anything else. No CSP "sandbox": Chromium's PDF
    # viewer refuses sandboxed documents and shows nothing.
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store" if private else "public, max-age=3600"
    return response


def own_text(request, pk, own_pk):
    """The full text of an own standard: public with its declaration when disclosed as
    full text; members of the owning firm may always read their own."""
    declaration = get_object_or_404(Declaration.objects.select_related("enterprise"), pk=pk)
    own = get_object_or_404(OwnStandard, pk=own_pk, declaration=declaration)
    member = _is_member(request.user, declaration.enterprise)
    public = declaration.is_public and own.disclosure == OwnStandard.Disclosure.FULL_TEXT
    if not (public or member) or not own.text:
        raise Http404(_("标准文本不存在"))
    return _pdf_response(
        own.text.storage, own.text.name, own.number, own.name, private=not declaration.is_public
    )


def version_own_text(request, pk, number, index):
    """The text an earlier version disclosed, while a file with its hash is still kept."""
    declaration = _public_or_404(pk)
    shown = get_object_or_404(DeclarationVersion, declaration=declaration, number=number)
    owns = shown.snapshot.get("own_standards", [])
    if index >= len(owns):
        raise Http404(_("标准文本不存在"))
    own = owns[index]
    if own.get("disclosure") != OwnStandard.Disclosure.FULL_TEXT or not own.get("has_text"):
        raise Http404(_("标准文本不存在"))
    found = _find_text(declaration, own.get("text_sha256", ""))
    if found is None:
        return render(
            request,
            "declarations/public/text_replaced.html",
            {"declaration": declaration, "shown": shown, "own": own},
            status=410,
        )
    return _pdf_response(*found, own.get("number", ""), own.get("name", ""))


# -- enterprise ------------------------------------------------------------------------------


def _with_lists(queryset):
    return queryset.select_related("enterprise").prefetch_related(
        Prefetch("products", queryset=Product.objects.order_by("position", "id")),
        Prefetch("references", queryset=Reference.objects.order_by("position", "id")),
    )


def _page_number(request) -> int:
    try:
        return min(max(int(request.GET.get("page", 1)), 1), MAX_PAGE)
    except (TypeError, ValueError):
        return 1


def enterprise(request, uscc):
    firm = get_object_or_404(Enterprise, uscc=uscc.strip().upper()[:18])
    declarations = _with_lists(_public_declarations().filter(enterprise=firm))
    if not declarations.exists() and not _is_member(request.user, firm):
        # A registration with nothing published is not a public page.
        raise Http404(_("该企业尚无公开的自我声明"))
    page = Paginator(declarations.order_by("-published_at", "-id"), PAGE_SIZE).get_page(
        _page_number(request)
    )
    return render(
        request,
        "declarations/public/enterprise.html",
        {
            "enterprise": firm,
            "page": page,
            "counts": dict(
                _public_declarations()
                .filter(enterprise=firm)
                .values_list("status")
                .annotate(n=Count("id"))
            ),
        },
    )


# -- search ----------------------------------------------------------------------------------


def split_query(q: str):
    """``q`` as (standard numbers, own Q/ number or None, remaining text)."""
    text = unicodedata.normalize("NFKC", q or "").strip()[:MAX_QUERY]
    if identifiers.is_own_number(text):
        return [], text, ""
    whole = numbers.try_parse(text)
    if whole is not None:
        return [whole], None, ""
    found = []
    rest = text
    upper = text.upper()
    source = upper if len(upper) == len(text) else text
    for ref in reversed(numbers.find_references(source)):
        found.insert(0, ref.number)
        rest = rest[: ref.start] + " " + rest[ref.end :]
    return found, None, " ".join(rest.split())


def _number_filter(queryset, found, own):
    """Declarations citing every number: an edition by ``normalized``, a series by
    ``series`` (any edition), both on indexed columns."""
    for number in found:
        if number.dated:
            refs = Reference.objects.filter(normalized=number.normalized)
            if number.normalized == number.edition:
                refs = refs | Reference.objects.filter(normalized__startswith=number.edition + "/")
        else:
            refs = Reference.objects.filter(series=number.series)
        queryset = queryset.filter(pk__in=refs.values("declaration_id"))
    if own:
        try:
            cleaned = identifiers.clean_own_number(own)
            refs = Reference.objects.filter(normalized=cleaned)
        except identifiers.IdentifierError:
            series = re.sub(r"\s+", " ", own.upper()).strip()
            refs = Reference.objects.filter(series=series) | Reference.objects.filter(
                normalized__startswith=series
            )
        queryset = queryset.filter(pk__in=refs.filter(own=True).values("declaration_id"))
    return queryset


def citing_count(number: str) -> int:
    """Public declarations citing ``number`` (an edition, or every edition of a series
    when undated), counted as the declaration search finds them."""
    parsed = numbers.try_parse(number)
    if parsed is None:
        return 0
    return _number_filter(_public_declarations(), [parsed], None).count()


def _has_tokens(text: str) -> bool:
    from search import tokenize

    return bool(text) and not tokenize.parse_query(text).empty


class Filters:
    def __init__(self, params):
        self.q = (params.get("q") or "").strip()[:MAX_QUERY]
        province = (params.get("region") or "").strip()
        self.region = province if province in dict(regions.provinces()) else ""
        category = (params.get("category") or "").strip()
        self.category = category if category in Category.values else ""
        status = (params.get("status") or "").strip()
        self.status = status if status in PUBLIC else ""

    def active(self, **changes) -> dict:
        values = {
            "q": self.q,
            "region": self.region,
            "category": self.category,
            "status": self.status,
        }
        values.update(changes)
        return {k: v for k, v in values.items() if v}


def search_declarations(filters: Filters, page_number: int = 1, page_size: int = PAGE_SIZE):
    """(count, declarations of the page in order, facet counts) for the filters.

    Numbers (any written form; a series finds every edition) go to the indexed
    ``Reference`` columns; the rest of the query to the full-text index."""
    found, own, text = split_query(filters.q)
    queryset = _public_declarations()
    if found or own:
        queryset = _number_filter(queryset, found, own)
    start = (page_number - 1) * page_size
    if _has_tokens(text):
        from haystack.query import SearchQuerySet

        sqs = SearchQuerySet().models(Declaration).filter(content=text)
        if found or own:
            sqs = sqs.filter(
                django_id__in=[str(pk) for pk in queryset.values_list("pk", flat=True)]
            )
        for name in ("region", "category", "status"):
            value = getattr(filters, name)
            if value:
                sqs = sqs.filter(**{"province" if name == "region" else name: value})
        for name in ("province", "category", "status"):
            sqs = sqs.facet(name)
        count = sqs.count()
        pks = [int(r.pk) for r in sqs[start : start + page_size]]
        fields = sqs.facet_counts().get("fields", {})
        facets = {
            "region": dict(fields.get("province", [])),
            "category": dict(fields.get("category", [])),
            "status": dict(fields.get("status", [])),
        }
        loaded = _with_lists(Declaration.objects.filter(pk__in=pks)).in_bulk()
        # Only what is public now (the index follows after commit).
        results = [loaded[pk] for pk in pks if pk in loaded and loaded[pk].status in PUBLIC]
        return count, results, facets
    if filters.region:
        queryset = queryset.filter(enterprise__region__startswith=filters.region[:2])
    if filters.category:
        queryset = queryset.filter(
            pk__in=Product.objects.filter(category=filters.category).values("declaration_id")
        )
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    facets = {
        "region": {
            f"{p}0000": n
            for p, n in queryset.annotate(p=Substr("enterprise__region", 1, 2))
            .values_list("p")
            .annotate(n=Count("id"))
        },
        "category": dict(
            Product.objects.filter(declaration__in=queryset)
            .values_list("category")
            .annotate(n=Count("declaration_id", distinct=True))
        ),
        "status": dict(queryset.values_list("status").annotate(n=Count("id"))),
    }
    count = queryset.count()
    results = list(
        _with_lists(queryset.order_by("-published_at", "-id"))[start : start + page_size]
    )
    return count, results, facets


def search(request):
    filters = Filters(request.GET)
    page_number = _page_number(request)
    count, results, facet_counts = search_declarations(filters, page_number)
    pages = max(1, -(-count // PAGE_SIZE))
    labels = {
        "region": dict(regions.provinces()),
        "category": dict(Category.choices),
        "status": {k: v for k, v in Declaration.Status.choices if k in PUBLIC},
    }
    titles = {"region": _("地区"), "category": _("产品类别"), "status": _("状态")}
    facets = []
    for name in ("region", "category", "status"):
        counts = facet_counts.get(name, {})
        selected = getattr(filters, name)
        values = sorted(
            ((v, n) for v, n in counts.items() if v in labels[name]),
            key=lambda item: (-item[1], item[0]),
        )
        facets.append(
            {
                "name": name,
                "title": titles[name],
                "selected": selected,
                "clear_url": "?" + urlencode(filters.active(**{name: ""})),
                "values": [
                    {
                        "value": value,
                        "label": labels[name][value],
                        "count": n,
                        "url": "?" + urlencode(filters.active(**{name: value})),
                        "selected": value == selected,
                    }
                    for value, n in values
                ],
                "options": list(labels[name].items()),
            }
        )
    return render(
        request,
        "declarations/public/search.html",
        {
            # Not "q": base.html fills the catalogue search box in the header with it.
            "query": filters.q,
            "filters": filters,
            "facets": facets,
            "count": count,
            "results": results,
            "page_number": page_number,
            "pages": pages,
            "start_index": (page_number - 1) * PAGE_SIZE + 1,
            "prev_url": "?" + urlencode({**filters.active(), "page": page_number - 1})
            if page_number > 1
            else "",
            "next_url": "?" + urlencode({**filters.active(), "page": page_number + 1})
            if page_number < pages
            else "",
        },
    )


urlpatterns = [
    path("declarations/", search, name="search"),
    path("declarations/<int:pk>/", detail, name="detail"),
    path("declarations/<int:pk>/v/<int:number>/", version, name="version"),
    path(
        "declarations/<int:pk>/v/<int:number>/own/<int:index>/text.pdf",
        version_own_text,
        name="version_own_text",
    ),
    path("enterprises/<str:uscc>/", enterprise, name="enterprise"),
    path("declarations/<int:pk>/own/<int:own_pk>/text.pdf", own_text, name="own_text"),
]
