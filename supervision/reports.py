"""The dashboard (监管统计) and the reports, built on Wagtail's ``ReportView`` (listing
with XLSX/CSV export): declarations by region and status, overdue cases, draws, and the
results of one draw."""

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.db.models.functions import Substr
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.reports import ReportView
from wagtail.admin.viewsets.base import ViewSet

import django_filters

from declarations import regions
from declarations.models import Declaration
from supervision import services
from supervision.admin_views import chinese_date
from supervision.models import Case, SpotCheckDraw

DASHBOARD = "supervision_dashboard"
DASHBOARD_PERMISSION = "supervision.view_dashboard"


def _local_date(value):
    return timezone.localtime(value).date() if value else None


class PermissionReportView(ReportView):
    permission = DASHBOARD_PERMISSION
    header_icon = "table"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(self.permission):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse(f"{DASHBOARD}:index"), "label": _("监管统计")},
            {"url": "", "label": self.get_page_title()},
        ]


class DeclarationsByRegionReport(PermissionReportView):
    """One row per province: declarations by status, and how many are flagged."""

    page_title = gettext_lazy("自我声明：按地区和状态")
    index_url_name = f"{DASHBOARD}:declarations"
    index_results_url_name = f"{DASHBOARD}:declarations_results"
    export_filename = "declarations-by-region"
    paginate_by = 100
    list_export = ["code", "province", "published", "withdrawn", "draft", "flagged", "total"]
    export_headings = {
        "code": gettext_lazy("行政区划代码"),
        "province": gettext_lazy("省份"),
        "published": gettext_lazy("已公开"),
        "withdrawn": gettext_lazy("已废止"),
        "draft": gettext_lazy("草稿"),
        "flagged": gettext_lazy("预警中"),
        "total": gettext_lazy("合计"),
    }

    @cached_property
    def columns(self):
        return [
            Column(field, label=self.export_headings[field], accessor=field)
            for field in self.list_export
        ]

    def get_queryset(self):
        rows = {}
        counts = (
            Declaration.objects.annotate(p=Substr("enterprise__region", 1, 2))
            .values_list("p")
            .annotate(
                published=Count("id", filter=Q(status=Declaration.Status.PUBLISHED)),
                withdrawn=Count("id", filter=Q(status=Declaration.Status.WITHDRAWN)),
                draft=Count("id", filter=Q(status=Declaration.Status.DRAFT)),
                flagged=Count(
                    "id",
                    filter=Q(status=Declaration.Status.PUBLISHED, flagged_at__isnull=False),
                ),
                total=Count("id"),
            )
        )
        for p, published, withdrawn, draft, flagged, total in counts:
            code = f"{p}0000"
            rows[code] = {
                "code": code,
                "province": regions.name(code) or p,
                "published": published,
                "withdrawn": withdrawn,
                "draft": draft,
                "flagged": flagged,
                "total": total,
            }
        return sorted(rows.values(), key=lambda r: (-r["published"], r["code"]))


class OverdueFilterSet(WagtailFilterSet):
    province = django_filters.ChoiceFilter(
        label=gettext_lazy("省份"),
        choices=lambda: list(regions.provinces()),
        method="filter_province",
        empty_label=gettext_lazy("全部"),
    )

    class Meta:
        model = Case
        fields = []

    def filter_province(self, queryset, name, value):
        return queryset.filter(enterprise__region__startswith=value[:2]) if value else queryset


class OverdueCasesReport(PermissionReportView):
    page_title = gettext_lazy("逾期未整改的案件")
    index_url_name = f"{DASHBOARD}:overdue"
    index_results_url_name = f"{DASHBOARD}:overdue_results"
    filterset_class = OverdueFilterSet
    export_filename = "overdue-cases"
    list_export = [
        "number",
        "enterprise.name",
        "enterprise.uscc",
        "enterprise.region_name",
        "declaration",
        "deadline",
        "days_overdue",
        "get_status_display",
        "opened_by",
    ]
    export_headings = {
        "number": gettext_lazy("案件编号"),
        "enterprise.name": gettext_lazy("企业"),
        "enterprise.uscc": gettext_lazy("统一社会信用代码"),
        "enterprise.region_name": gettext_lazy("地区"),
        "declaration": gettext_lazy("声明"),
        "deadline": gettext_lazy("整改期限"),
        "days_overdue": gettext_lazy("逾期天数"),
        "get_status_display": gettext_lazy("状态"),
        "opened_by": gettext_lazy("立案人"),
    }

    @cached_property
    def columns(self):
        return [
            TitleColumn(
                "number",
                label=_("案件编号"),
                accessor="number",
                get_url=lambda c: reverse("supervision_cases:inspect", args=[c.pk]),
            ),
            Column("enterprise", label=_("企业"), accessor="enterprise.name"),
            Column("region", label=_("地区"), accessor="enterprise.region_name"),
            Column("deadline", label=_("整改期限"), accessor=lambda c: chinese_date(c.deadline)),
            Column("days_overdue", label=_("逾期天数"), accessor="days_overdue"),
            Column("status", label=_("状态"), accessor="get_status_display"),
        ]

    def get_queryset(self):
        return (
            Case.objects.overdue()
            .select_related("enterprise", "declaration", "opened_by")
            .order_by("deadline", "pk")
        )

    def decorate_paginated_queryset(self, object_list):
        today = timezone.localdate()
        for case in object_list:
            case.days_overdue = (today - case.deadline).days
        return object_list

    def to_row_dict(self, item):
        item.days_overdue = (timezone.localdate() - item.deadline).days
        return super().to_row_dict(item)


class DrawsReport(PermissionReportView):
    page_title = gettext_lazy("双随机抽查记录")
    index_url_name = f"{DASHBOARD}:draws"
    index_results_url_name = f"{DASHBOARD}:draws_results"
    export_filename = "spot-check-draws"
    list_export = [
        "pk",
        "created_date",
        "created_by",
        "scope_label",
        "seed",
        "n",
        "m",
        "declaration_pool",
        "inspector_pool",
        "excluded_count",
        "drawn",
        "pool_sha256",
    ]
    export_headings = {
        "pk": gettext_lazy("编号"),
        "created_date": gettext_lazy("抽取日期"),
        "created_by": gettext_lazy("抽取人"),
        "scope_label": gettext_lazy("范围"),
        "seed": gettext_lazy("随机种子"),
        "n": gettext_lazy("计划抽取声明数"),
        "m": gettext_lazy("计划抽取检查人员数"),
        "declaration_pool": gettext_lazy("声明池"),
        "inspector_pool": gettext_lazy("检查人员池"),
        "excluded_count": gettext_lazy("三年内已抽中而排除的企业"),
        "drawn": gettext_lazy("抽中声明数"),
        "pool_sha256": gettext_lazy("抽取范围摘要（SHA-256）"),
    }

    @cached_property
    def columns(self):
        return [
            TitleColumn(
                "pk",
                label=_("抽查"),
                accessor=str,
                get_url=lambda d: reverse("supervision_draws:inspect", args=[d.pk]),
            ),
            Column("scope", label=_("范围"), accessor="scope_label"),
            Column("seed", label=_("随机种子"), accessor="seed"),
            Column("pool", label=_("声明池"), accessor="declaration_pool"),
            Column("drawn", label=_("抽中"), accessor=lambda d: len(d.chosen_declarations)),
            Column("created_by", label=_("抽取人"), accessor="created_by"),
        ]

    def get_queryset(self):
        return (
            SpotCheckDraw.objects.select_related("created_by").defer("pool").order_by("-created_at")
        )

    def to_row_dict(self, item):
        item.created_date = _local_date(item.created_at)
        item.drawn = len(item.chosen_declarations)
        return super().to_row_dict(item)


class DrawResultsReport(PermissionReportView):
    """The declarations and inspectors of one draw (also its XLSX export)."""

    permission = "supervision.view_spotcheckdraw"
    page_title = gettext_lazy("抽取结果")
    paginate_by = 200
    list_export = [
        "number",
        "enterprise",
        "uscc",
        "region",
        "declaration",
        "declaration_id",
        "status",
        "inspectors",
        "url",
    ]
    export_headings = {
        "number": gettext_lazy("序号"),
        "enterprise": gettext_lazy("企业"),
        "uscc": gettext_lazy("统一社会信用代码"),
        "region": gettext_lazy("地区"),
        "declaration": gettext_lazy("声明"),
        "declaration_id": gettext_lazy("声明编号"),
        "status": gettext_lazy("状态"),
        "inspectors": gettext_lazy("检查人员"),
        "url": gettext_lazy("公开页面"),
    }

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.record = get_object_or_404(SpotCheckDraw, pk=kwargs["pk"])

    @property
    def index_url(self):
        return reverse("supervision_draws:results", args=[self.record.pk])

    index_results_url = index_url

    def get_filename(self):
        return f"spot-check-{self.record.pk}-seed-{self.record.seed}"

    def get_page_subtitle(self):
        return str(self.record)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("supervision_draws:index"), "label": _("双随机抽查")},
            {
                "url": reverse("supervision_draws:inspect", args=[self.record.pk]),
                "label": str(self.record),
            },
            {"url": "", "label": self.get_page_title()},
        ]

    @cached_property
    def columns(self):
        return [
            Column(field, label=self.export_headings[field], accessor=field)
            for field in self.list_export
            if field not in ("url", "declaration_id")
        ]

    def get_queryset(self):
        from supervision.admin_views import draw_rows

        base = self.request.build_absolute_uri("/").rstrip("/")
        rows = draw_rows(self.record)
        for row in rows:
            row["url"] = base + row["url"] if row["url"] else ""
        return rows


# -- the dashboard ---------------------------------------------------------------------------


def _bars(pairs, limit=None):
    """(label, value, percent of the largest) for CSS bars."""
    pairs = list(pairs)[:limit] if limit else list(pairs)
    top = max((n for _label, n in pairs), default=0) or 1
    return [(label, n, f"{100 * n / top:.1f}") for label, n in pairs]


class DashboardView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "supervision/admin/dashboard.html"
    page_title = gettext_lazy("监管统计")
    header_icon = "table"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(DASHBOARD_PERMISSION):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [{"url": "", "label": self.get_page_title()}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        figures = services.figures()
        changes = figures["catalogue_changes"]
        context.update(
            {
                "figures": figures,
                "status_bars": _bars(figures["by_status"]),
                "province_bars": _bars(figures["by_province"], limit=15),
                "more_provinces": max(0, len(figures["by_province"]) - 15),
                "change_bars": _bars(changes["by_kind"]) if changes else [],
                "links": {
                    "queue": reverse("supervision_queue:index"),
                    "queue_flagged": reverse("supervision_queue:index") + "?reason=flagged",
                    "queue_complaint": reverse("supervision_queue:index") + "?reason=complaint",
                    "cases": reverse("supervision_cases:index"),
                    "overdue": reverse("supervision_cases:index") + "?overdue=true",
                    "complaints": reverse("supervision_complaints:index") + "?status=new",
                    "draws": reverse("supervision_draws:index"),
                },
                "reports": [
                    (_("自我声明：按地区和状态"), reverse(f"{DASHBOARD}:declarations")),
                    (_("逾期未整改的案件"), reverse(f"{DASHBOARD}:overdue")),
                    (_("双随机抽查记录"), reverse(f"{DASHBOARD}:draws")),
                ],
            }
        )
        return context


class DashboardViewSet(ViewSet):
    name = DASHBOARD
    url_prefix = "supervision/dashboard"
    icon = "table"
    menu_label = gettext_lazy("监管统计")

    @cached_property
    def menu_item_class(self):
        def is_shown(_self, request):
            return request.user.has_perm(DASHBOARD_PERMISSION)

        return type("SupervisionDashboardMenuItem", (MenuItem,), {"is_shown": is_shown})

    def get_urlpatterns(self):
        urls = [path("", DashboardView.as_view(), name="index")]
        for slug, name, view in (
            ("declarations", "declarations", DeclarationsByRegionReport),
            ("overdue", "overdue", OverdueCasesReport),
            ("draws", "draws", DrawsReport),
        ):
            urls.append(path(f"{slug}/", view.as_view(), name=name))
            urls.append(
                path(f"{slug}/results/", view.as_view(results_only=True), name=f"{name}_results")
            )
        return urls
