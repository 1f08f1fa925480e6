"""Supervision in the Wagtail admin: the review queue, cases, complaints, 双随机 draws.

Built on Wagtail's own viewsets (listing with filters and spreadsheet export, inspect,
history from the audit log); the actions (record a review, open or close a case,
handle a complaint, make a draw) are small form views in the same admin furniture.
Permissions: see ``supervision.groups``; every view checks its own.
"""

from django.contrib.admin.utils import quote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, View

from wagtail.admin import messages
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column, StatusTagColumn
from wagtail.admin.views.generic import EditView, IndexView, InspectView, history
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import Button, HeaderButton
from wagtail.permission_policies import ModelPermissionPolicy

import django_filters

from declarations import regions
from declarations.models import Category, Declaration, Product
from declarations.views.public import _pdf_response
from supervision import services
from supervision.forms import CloseCaseForm, DrawForm, HandleComplaintForm, OpenCaseForm, ReviewForm
from supervision.models import Case, Complaint, ReviewRecord, SpotCheckDraw, chinese_date

QUEUE = "supervision_queue"
CASES = "supervision_cases"
COMPLAINTS = "supervision_complaints"
DRAWS = "supervision_draws"

REASON_LABELS = {
    services.NEW: gettext_lazy("新公开"),
    services.FLAGGED: gettext_lazy("预警"),
    services.COMPLAINT: gettext_lazy("举报"),
}


def DateText(name, label, attr=None):  # noqa: N802 - a column
    """A date column shown as 2026年11月30日, sortable by its field."""
    attr = attr or name
    return Column(
        name, label=label, accessor=lambda obj: chinese_date(getattr(obj, attr)), sort_key=attr
    )


def _province_choices():
    return list(regions.provinces())


def _public(pk) -> Declaration:
    return get_object_or_404(
        Declaration.objects.select_related("enterprise").filter(version__gt=0), pk=pk
    )


def _needs(request, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


class PermissionMenuItem(MenuItem):
    """A menu item shown to users with ``permission``."""

    def __init__(self, *args, permission: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.permission = permission

    def is_shown(self, request):
        return request.user.has_perm(self.permission)


class HistoryView(history.HistoryView):
    """The audit log of one object, for everyone who may see the object."""

    any_permission_required = ["view", "add", "change", "delete"]


class ReadOnlyViewSet(ModelViewSet):
    """A ModelViewSet with index, inspect and history only (plus ``extra_urls``)."""

    history_view_class = HistoryView

    inspect_view_enabled = True
    copy_view_enabled = False
    add_to_reference_index = False
    keep_views = ("index", "index_results", "inspect", "history", "history_results")
    menu_permission = ""

    def get_common_view_kwargs(self, **kwargs):
        view_kwargs = super().get_common_view_kwargs(**kwargs)
        kept = set(self.keep_views)
        for name in ("add", "edit", "delete", "usage"):
            if name not in kept:
                view_kwargs[f"{name}_url_name"] = None
        return view_kwargs

    def extra_urls(self):
        return []

    @property
    def url_finder_class(self):
        """Where the admin links an object (site history, reports): its edit view when
        the viewset has one, else its inspect view (Wagtail's default finder reverses
        "edit" and failed with a 500 for a logged draw or complaint)."""
        from wagtail.admin.admin_url_finder import ModelAdminURLFinder

        name = "edit" if "edit" in self.keep_views else "inspect"
        return type(
            "_ReadOnlyAdminURLFinder",
            (ModelAdminURLFinder,),
            {"edit_url_name": self.get_url_name(name)},
        )

    def title_text(self, obj) -> str:
        return str(obj)

    def get_index_view_kwargs(self, **kwargs):
        # The first column links to the inspect view, whatever the user may change.
        from wagtail.admin.ui.tables import TitleColumn

        view_kwargs = super().get_index_view_kwargs(**kwargs)
        columns = list(self.list_display)
        inspect = self.get_url_name("inspect")
        columns[0] = TitleColumn(
            "title",
            label=_("名称") if isinstance(columns[0], str) else columns[0].label,
            accessor=self.title_text,
            get_url=lambda obj: reverse(inspect, args=[quote(obj.pk)]),
        )
        view_kwargs["list_display"] = columns
        return view_kwargs

    def get_urlpatterns(self):
        routes = {
            "index": ("", "index_view"),
            "index_results": ("results/", "index_results_view"),
            "add": ("new/", "add_view"),
            "edit": ("edit/<int:pk>/", "edit_view"),
            "inspect": ("inspect/<int:pk>/", "inspect_view"),
            "history": ("history/<int:pk>/", "history_view"),
            "history_results": ("history-results/<int:pk>/", "history_results_view"),
        }
        kept = [
            path(routes[name][0], getattr(self, routes[name][1]), name=name)
            for name in self.keep_views
        ]
        return kept + self.extra_urls()

    @cached_property
    def menu_item_class(self):
        permission = self.menu_permission

        def is_shown(_self, request):
            return request.user.has_perm(permission)

        return type(
            f"{self.model.__name__}SupervisionMenuItem", (MenuItem,), {"is_shown": is_shown}
        )


# -- the review queue -------------------------------------------------------------------------


class QueuePolicy(ModelPermissionPolicy):
    """Declarations are only looked at here (``declarations.view_declaration``); what
    staff do goes through the review and case views, each with its own permission."""

    def __init__(self):
        super().__init__(Declaration)

    def user_has_permission(self, user, action):
        return (
            action == "view" and user.is_active and user.has_perm("declarations.view_declaration")
        )

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, a) for a in actions)

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_permission(user, action)

    def user_has_any_permission_for_instance(self, user, actions, instance):
        return self.user_has_any_permission(user, actions)


QUEUE_POLICY = QueuePolicy()


class QueueFilterSet(WagtailFilterSet):
    reason = django_filters.ChoiceFilter(
        label=gettext_lazy("原因"),
        choices=list(REASON_LABELS.items()),
        method="filter_reason",
        empty_label=gettext_lazy("全部"),
    )
    province = django_filters.ChoiceFilter(
        label=gettext_lazy("省份"),
        choices=_province_choices,
        method="filter_province",
        empty_label=gettext_lazy("全部"),
    )
    category = django_filters.ChoiceFilter(
        label=gettext_lazy("产品类别"),
        choices=Category.choices,
        method="filter_category",
        empty_label=gettext_lazy("全部"),
    )

    class Meta:
        model = Declaration
        fields = []

    def filter_reason(self, queryset, name, value):
        return queryset.filter(services.reason_q(value)) if value else queryset

    def filter_province(self, queryset, name, value):
        return queryset.filter(enterprise__region__startswith=value[:2]) if value else queryset

    def filter_category(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(
            pk__in=Product.objects.filter(category=value).values("declaration_id")
        )


def _products(declaration) -> str:
    names = [p.name for p in declaration.products.all()]
    text = "、".join(names[:3])
    return text + (_(" 等 %(n)s 个") % {"n": len(names)} if len(names) > 3 else "")


def _queue_reasons(declaration) -> str:
    parts = []
    if services.is_new(declaration):
        if declaration.reviewed_at is None:
            parts.append(str(REASON_LABELS[services.NEW]))
        else:
            parts.append(_("新版本（第 %(n)s 版）") % {"n": declaration.version})
    if services.is_flagged(declaration):
        parts.append(_("预警：%(reason)s") % {"reason": declaration.flag_reason or "—"})
    if getattr(declaration, "has_open_complaint", False):
        parts.append(str(REASON_LABELS[services.COMPLAINT]))
    return "；".join(parts)


class QueueIndexView(IndexView):
    page_title = gettext_lazy("审查队列")
    default_ordering = "-published_at"

    def get_base_queryset(self):
        return services.queue(
            Declaration.objects.select_related("enterprise").prefetch_related(
                Prefetch("products", queryset=Product.objects.order_by("position", "id"))
            )
        )


class QueueInspectView(InspectView):
    template_name = "supervision/admin/queue_inspect.html"
    page_title = gettext_lazy("审查")

    def get_object(self, queryset=None):
        return _public(self.pk)

    def get_page_subtitle(self):
        return str(self.object)

    @cached_property
    def header_buttons(self):
        buttons = []
        user = self.request.user
        if user.has_perm("supervision.add_reviewrecord"):
            buttons.append(
                HeaderButton(
                    _("记录审查结论"),
                    url=reverse(f"{QUEUE}:review", args=[self.object.pk]),
                    icon_name="tick-inverse",
                    priority=10,
                )
            )
        if user.has_perm("supervision.add_case"):
            buttons.append(
                HeaderButton(
                    _("立案（责令整改）"),
                    url=reverse(f"{QUEUE}:open_case", args=[self.object.pk]),
                    icon_name="warning",
                    priority=20,
                )
            )
        return buttons

    @cached_property
    def header_more_buttons(self):
        return [
            Button(
                _("公开页面"),
                url=self.object.get_absolute_url(),
                icon_name="link-external",
                attrs={"target": "_blank", "rel": "noopener"},
            ),
            Button(
                _("操作记录"),
                url=reverse(f"{QUEUE}:history", args=[quote(self.object.pk)]),
                icon_name="history",
            ),
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        declaration = self.object
        user = self.request.user
        context.update(
            {
                "declaration": declaration,
                "enterprise": declaration.enterprise,
                "products": declaration.products.order_by("position", "id"),
                "reasons": [REASON_LABELS[r] for r in services.reasons(declaration)],
                "findings": services.findings(declaration),
                "versions": declaration.versions.select_related("created_by").order_by("-number"),
                "complaints": declaration.complaints.select_related("handled_by"),
                "reviews": declaration.reviews.select_related("reviewer"),
                "cases": declaration.cases.all(),
                "can_view_complaints": user.has_perm("supervision.view_complaint"),
                "can_view_cases": user.has_perm("supervision.view_case"),
            }
        )
        return context


class ReviewView(WagtailAdminTemplateMixin, FormView):
    template_name = "supervision/admin/form.html"
    form_class = ReviewForm
    header_icon = "tick-inverse"
    page_title = gettext_lazy("记录审查结论")

    def dispatch(self, request, pk):
        _needs(request, "supervision.add_reviewrecord")
        self.declaration = _public(pk)
        self.open_complaints = self.declaration.complaints.filter(
            status=Complaint.Status.NEW
        ).count()
        return super().dispatch(request, pk)

    def get_page_subtitle(self):
        return str(self.declaration)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse(f"{QUEUE}:index"), "label": _("审查队列")},
            {
                "url": reverse(f"{QUEUE}:inspect", args=[self.declaration.pk]),
                "label": str(self.declaration),
            },
            {"url": "", "label": self.get_page_title()},
        ]

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "user": self.request.user,
            "open_complaints": self.open_complaints,
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            {
                "declaration": self.declaration,
                "submit_label": _("保存审查结论"),
                "intro": _(
                    "审查结论将记入操作记录；选择“立案”时同时下达责令整改通知，企业将收到站内通知。"
                ),
            }
        )
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        user = self.request.user
        try:
            with transaction.atomic():
                record = services.record_review(
                    self.declaration,
                    user,
                    data["outcome"],
                    data.get("notes", ""),
                    handle_complaints=data.get("handle_complaints", False),
                )
                case = None
                if data["outcome"] == ReviewRecord.Outcome.CASE:
                    case = services.open_case(
                        self.declaration,
                        user,
                        data["findings"],
                        data["order"],
                        data["deadline"],
                        review=record,
                    )
        except ValidationError as exc:
            _add_errors(form, exc)
            return self.form_invalid(form)
        if case is not None:
            messages.success(
                self.request,
                _("已记录审查结论并立案，已通知企业。"),
                buttons=[
                    messages.button(reverse(f"{CASES}:inspect", args=[case.pk]), _("查看案件"))
                ],
            )
        else:
            messages.success(
                self.request,
                _("已记录对“%(title)s”的审查结论：%(outcome)s")
                % {"title": self.declaration, "outcome": record.get_outcome_display()},
            )
        return redirect(f"{QUEUE}:index")


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    else:
        for message in exc.messages:
            form.add_error(None, message)


class OpenCaseView(WagtailAdminTemplateMixin, FormView):
    template_name = "supervision/admin/form.html"
    form_class = OpenCaseForm
    header_icon = "warning"
    page_title = gettext_lazy("立案（责令整改）")

    def dispatch(self, request, pk):
        _needs(request, "supervision.add_case")
        self.declaration = _public(pk)
        return super().dispatch(request, pk)

    def get_page_subtitle(self):
        return str(self.declaration)

    def get_breadcrumbs_items(self):
        return ReviewView.get_breadcrumbs_items(self)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            {
                "declaration": self.declaration,
                "submit_label": _("立案并通知企业"),
                "intro": _("立案后企业将收到站内通知，可在“整改通知”页面查看整改要求并答复。"),
            }
        )
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            case = services.open_case(
                self.declaration,
                self.request.user,
                data["findings"],
                data["order"],
                data["deadline"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("已立案并通知企业。"))
        return redirect(f"{CASES}:inspect", case.pk)


class QueueViewSet(ReadOnlyViewSet):
    model = Declaration
    name = QUEUE
    url_prefix = "supervision/queue"
    icon = "tasks"
    menu_label = gettext_lazy("审查队列")
    menu_permission = "declarations.view_declaration"
    index_view_class = QueueIndexView
    inspect_view_class = QueueInspectView
    filterset_class = QueueFilterSet
    search_fields = ["title", "enterprise__name", "enterprise__uscc"]
    search_backend_name = None
    list_per_page = 30
    list_display = [
        Column("enterprise", label=gettext_lazy("企业"), accessor="enterprise.name"),
        Column("products", label=gettext_lazy("产品"), accessor=_products),
        Column("reasons", label=gettext_lazy("原因"), accessor=_queue_reasons),
        DateText("published_at", gettext_lazy("本版公开")),
        Column("open_complaints", label=gettext_lazy("待处理举报"), sort_key="open_complaints"),
    ]
    list_export = [
        "pk",
        "enterprise.name",
        "enterprise.uscc",
        "title",
        "flag_reason",
        "published_at",
        "open_complaints",
    ]
    export_headings = {
        "pk": gettext_lazy("编号"),
        "enterprise.name": gettext_lazy("企业"),
        "enterprise.uscc": gettext_lazy("统一社会信用代码"),
        "title": gettext_lazy("声明名称"),
        "flag_reason": gettext_lazy("预警原因"),
        "published_at": gettext_lazy("本版公开"),
        "open_complaints": gettext_lazy("待处理举报"),
    }
    export_filename = "review-queue"

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(permission_policy=QUEUE_POLICY, **kwargs)

    def title_text(self, declaration) -> str:
        return f"{declaration.enterprise.name} · {declaration}"

    def extra_urls(self):
        return [
            path("review/<int:pk>/", ReviewView.as_view(), name="review"),
            path("open-case/<int:pk>/", OpenCaseView.as_view(), name="open_case"),
        ]


# -- cases -----------------------------------------------------------------------------------


class CaseFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(
        label=gettext_lazy("状态"), choices=Case.Status.choices, empty_label=gettext_lazy("全部")
    )
    overdue = django_filters.BooleanFilter(label=gettext_lazy("已逾期"), method="filter_overdue")
    province = django_filters.ChoiceFilter(
        label=gettext_lazy("省份"),
        choices=_province_choices,
        method="filter_province",
        empty_label=gettext_lazy("全部"),
    )

    class Meta:
        model = Case
        fields = ["status"]

    def filter_overdue(self, queryset, name, value):
        if value is True:
            return queryset.overdue()
        if value is False:
            return queryset.exclude(pk__in=Case.objects.overdue().values("pk"))
        return queryset

    def filter_province(self, queryset, name, value):
        return queryset.filter(enterprise__region__startswith=value[:2]) if value else queryset


class CaseIndexView(IndexView):
    page_title = gettext_lazy("责令整改")

    def get_base_queryset(self):
        return Case.objects.select_related("enterprise", "declaration")


class CaseInspectView(InspectView):
    template_name = "supervision/admin/case_inspect.html"
    page_title = gettext_lazy("整改案件")

    def get_object(self, queryset=None):
        return get_object_or_404(
            Case.objects.select_related(
                "enterprise", "declaration", "opened_by", "closed_by", "responded_by"
            ),
            pk=self.pk,
        )

    @cached_property
    def header_buttons(self):
        buttons = []
        if self.object.open and self.request.user.has_perm("supervision.close_case"):
            buttons.append(
                HeaderButton(
                    _("结案"),
                    url=reverse(f"{CASES}:close", args=[self.object.pk]),
                    icon_name="success",
                )
            )
        return buttons

    @cached_property
    def header_more_buttons(self):
        buttons = []
        if self.object.open and self.request.user.has_perm("supervision.change_case"):
            buttons.append(
                Button(
                    _("修改"), url=reverse(f"{CASES}:edit", args=[self.object.pk]), icon_name="edit"
                )
            )
        buttons.append(
            Button(
                _("操作记录"),
                url=reverse(f"{CASES}:history", args=[self.object.pk]),
                icon_name="history",
            )
        )
        return buttons

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        case = self.object
        context.update(
            {
                "case": case,
                "today": timezone.localdate(),
                "attachment_url": reverse(f"{CASES}:attachment", args=[case.pk])
                if case.response_file
                else "",
                "declaration_url": reverse(f"{QUEUE}:inspect", args=[case.declaration_id]),
                "can_view_declaration": self.request.user.has_perm("declarations.view_declaration"),
            }
        )
        return context


class CaseEditView(EditView):
    def get_object(self, queryset=None):
        case = super().get_object(queryset)
        if case.status == Case.Status.CLOSED:
            raise Http404(_("已结案的案件不能修改"))
        return case


class CloseCaseView(WagtailAdminTemplateMixin, FormView):
    template_name = "supervision/admin/form.html"
    form_class = CloseCaseForm
    header_icon = "success"
    page_title = gettext_lazy("结案")

    def dispatch(self, request, pk):
        _needs(request, "supervision.close_case")
        self.case = get_object_or_404(Case.objects.select_related("enterprise"), pk=pk)
        return super().dispatch(request, pk)

    def get_page_subtitle(self):
        return str(self.case)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse(f"{CASES}:index"), "label": _("责令整改")},
            {"url": reverse(f"{CASES}:inspect", args=[self.case.pk]), "label": str(self.case)},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update({"case": self.case, "submit_label": _("结案")})
        return context

    def form_valid(self, form):
        try:
            services.close_case(
                self.case,
                self.request.user,
                form.cleaned_data["outcome"],
                form.cleaned_data["notes"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("案件已结案。"))
        return redirect(f"{CASES}:inspect", self.case.pk)


class CaseAttachmentView(View):
    def get(self, request, pk):
        _needs(request, "supervision.view_case")
        case = get_object_or_404(Case, pk=pk)
        if not case.response_file:
            raise Http404
        return _pdf_response(
            case.response_file.storage,
            case.response_file.name,
            f"case-{case.pk}",
            case.response_file_name or _("整改答复"),
            private=True,
        )


def _case_status(case):
    return case.get_status_display()


class CaseViewSet(ReadOnlyViewSet):
    model = Case
    name = CASES
    url_prefix = "supervision/cases"
    icon = "warning"
    menu_label = gettext_lazy("责令整改")
    menu_permission = "supervision.view_case"
    keep_views = ("index", "index_results", "inspect", "history", "history_results", "edit")
    index_view_class = CaseIndexView
    inspect_view_class = CaseInspectView
    edit_view_class = CaseEditView
    filterset_class = CaseFilterSet
    form_fields = ["findings", "order", "deadline"]
    search_fields = ["enterprise__name", "enterprise__uscc", "findings"]
    search_backend_name = None
    ordering = ["deadline"]
    list_display = [
        "__str__",
        Column("declaration", label=gettext_lazy("声明"), accessor="declaration"),
        DateText("deadline", gettext_lazy("整改期限")),
        StatusTagColumn(
            "status",
            label=gettext_lazy("状态"),
            accessor=_case_status,
            primary=lambda c: c.status != Case.Status.CLOSED,
            sort_key="status",
        ),
        Column(
            "overdue",
            label=gettext_lazy("逾期"),
            accessor=lambda c: _("已逾期") if c.overdue else "",
        ),
        DateText("opened_at", gettext_lazy("立案时间")),
    ]
    list_export = [
        "number",
        "enterprise.name",
        "enterprise.uscc",
        "declaration",
        "findings",
        "deadline",
        "get_status_display",
        "overdue",
        "responded_at",
        "get_outcome_display",
        "closed_at",
    ]
    export_headings = {
        "number": gettext_lazy("案件编号"),
        "enterprise.name": gettext_lazy("企业"),
        "enterprise.uscc": gettext_lazy("统一社会信用代码"),
        "declaration": gettext_lazy("声明"),
        "findings": gettext_lazy("发现的问题"),
        "deadline": gettext_lazy("整改期限"),
        "get_status_display": gettext_lazy("状态"),
        "overdue": gettext_lazy("逾期"),
        "responded_at": gettext_lazy("答复时间"),
        "get_outcome_display": gettext_lazy("结案结论"),
        "closed_at": gettext_lazy("结案时间"),
    }
    export_filename = "cases"

    def extra_urls(self):
        return [
            path("close/<int:pk>/", CloseCaseView.as_view(), name="close"),
            path("attachment/<int:pk>/", CaseAttachmentView.as_view(), name="attachment"),
        ]


# -- complaints --------------------------------------------------------------------------------


class ComplaintIndexView(IndexView):
    page_title = gettext_lazy("举报")

    def get_base_queryset(self):
        return Complaint.objects.select_related("declaration__enterprise", "handled_by")


class ComplaintInspectView(InspectView):
    template_name = "supervision/admin/complaint_inspect.html"
    page_title = gettext_lazy("举报")

    def get_object(self, queryset=None):
        return get_object_or_404(
            Complaint.objects.select_related("declaration__enterprise", "handled_by"), pk=self.pk
        )

    @cached_property
    def header_more_buttons(self):
        return [
            Button(
                _("操作记录"),
                url=reverse(f"{COMPLAINTS}:history", args=[self.object.pk]),
                icon_name="history",
            )
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        complaint = self.object
        context.update(
            {
                "complaint": complaint,
                "handle_form": HandleComplaintForm()
                if complaint.status == Complaint.Status.NEW
                and user.has_perm("supervision.change_complaint")
                else None,
                "handle_url": reverse(f"{COMPLAINTS}:handle", args=[complaint.pk]),
                "declaration_url": reverse(f"{QUEUE}:inspect", args=[complaint.declaration_id])
                if user.has_perm("declarations.view_declaration")
                else "",
            }
        )
        return context


class HandleComplaintView(WagtailAdminTemplateMixin, FormView):
    template_name = "supervision/admin/form.html"
    form_class = HandleComplaintForm
    header_icon = "mail"
    page_title = gettext_lazy("处理举报")

    def dispatch(self, request, pk):
        _needs(request, "supervision.change_complaint")
        self.complaint = get_object_or_404(Complaint, pk=pk)
        return super().dispatch(request, pk)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse(f"{COMPLAINTS}:index"), "label": _("举报")},
            {
                "url": reverse(f"{COMPLAINTS}:inspect", args=[self.complaint.pk]),
                "label": str(self.complaint),
            },
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "submit_label": _("标记为已处理")}

    def form_valid(self, form):
        if self.complaint.status == Complaint.Status.HANDLED:
            messages.warning(self.request, _("该举报已处理。"))
        else:
            services.handle_complaint(self.complaint, self.request.user, form.cleaned_data["notes"])
            messages.success(self.request, _("举报已标记为已处理。"))
        return redirect(f"{COMPLAINTS}:inspect", self.complaint.pk)


class ComplaintFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(
        label=gettext_lazy("状态"),
        choices=Complaint.Status.choices,
        empty_label=gettext_lazy("全部"),
    )

    class Meta:
        model = Complaint
        fields = ["status"]


def _excerpt(complaint):
    text = " ".join(complaint.text.split())
    return text[:60] + ("…" if len(text) > 60 else "")


class ComplaintViewSet(ReadOnlyViewSet):
    model = Complaint
    name = COMPLAINTS
    url_prefix = "supervision/complaints"
    icon = "mail"
    menu_label = gettext_lazy("举报")
    menu_permission = "supervision.view_complaint"
    index_view_class = ComplaintIndexView
    inspect_view_class = ComplaintInspectView
    filterset_class = ComplaintFilterSet
    search_fields = ["text", "declaration__enterprise__name"]
    search_backend_name = None
    list_display = [
        "__str__",
        Column("text", label=gettext_lazy("举报内容"), accessor=_excerpt),
        Column("enterprise", label=gettext_lazy("企业"), accessor="declaration.enterprise.name"),
        StatusTagColumn(
            "status",
            label=gettext_lazy("状态"),
            accessor="get_status_display",
            primary=lambda c: c.status == Complaint.Status.NEW,
            sort_key="status",
        ),
        DateText("created_at", gettext_lazy("举报时间")),
    ]
    list_export = [
        "pk",
        "declaration.enterprise.name",
        "declaration.pk",
        "text",
        "get_status_display",
        "created_at",
        "handled_at",
        "notes",
    ]
    export_headings = {
        "pk": gettext_lazy("编号"),
        "declaration.enterprise.name": gettext_lazy("企业"),
        "declaration.pk": gettext_lazy("声明编号"),
        "text": gettext_lazy("举报内容"),
        "get_status_display": gettext_lazy("状态"),
        "created_at": gettext_lazy("举报时间"),
        "handled_at": gettext_lazy("处理时间"),
        "notes": gettext_lazy("处理情况"),
    }
    export_filename = "complaints"

    def extra_urls(self):
        return [path("handle/<int:pk>/", HandleComplaintView.as_view(), name="handle")]


# -- 双随机 draws ------------------------------------------------------------------------------


class DrawIndexView(IndexView):
    page_title = gettext_lazy("双随机抽查")
    add_item_label = gettext_lazy("新的抽取")

    def get_base_queryset(self):
        return SpotCheckDraw.objects.select_related("created_by").defer("pool")


class DrawCreateView(WagtailAdminTemplateMixin, FormView):
    template_name = "supervision/admin/draw_form.html"
    form_class = DrawForm
    header_icon = "crosshairs"
    page_title = gettext_lazy("双随机抽取")

    def dispatch(self, request, *args, **kwargs):
        _needs(request, "supervision.add_spotcheckdraw")
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse(f"{DRAWS}:index"), "label": _("双随机抽查")},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_initial(self):
        return {"seed": services.new_seed()}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["inspector_count"] = len(services.inspector_pool())
        context["submit_label"] = _("抽取")
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            record = services.make_draw(
                self.request.user,
                n=data["n"],
                m=data["m"],
                seed=data["seed"],
                region=data["region"],
                category=data["category"],
                industry=data["industry"],
                note=data["note"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("抽取完成，结果已记录。"))
        return redirect(f"{DRAWS}:inspect", record.pk)


def draw_rows(record: SpotCheckDraw) -> list[dict]:
    """One row per declaration drawn, in draw order, with the inspectors drawn."""
    from django.contrib.auth import get_user_model

    declarations = Declaration.objects.select_related("enterprise").in_bulk(
        record.chosen_declarations
    )
    users = get_user_model().objects.in_bulk(record.chosen_inspectors)
    inspectors = "、".join(
        (users[i].get_full_name() or users[i].get_username()) if i in users else str(i)
        for i in record.chosen_inspectors
    )
    rows = []
    for number, pk in enumerate(record.chosen_declarations, 1):
        d = declarations.get(pk)
        rows.append(
            {
                "number": number,
                "declaration_id": pk,
                "declaration": str(d) if d else _("（已删除）"),
                "enterprise": d.enterprise.name if d else "",
                "uscc": d.enterprise.uscc if d else "",
                "region": d.enterprise.region_name if d else "",
                "status": d.get_status_display() if d else "",
                "inspectors": inspectors,
                "url": d.get_absolute_url() if d else "",
            }
        )
    return rows


class DrawInspectView(InspectView):
    template_name = "supervision/admin/draw_inspect.html"
    page_title = gettext_lazy("双随机抽查")

    @cached_property
    def header_more_buttons(self):
        return [
            Button(
                _("导出 XLSX"),
                url=reverse(f"{DRAWS}:results", args=[self.object.pk]) + "?export=xlsx",
                icon_name="download",
            ),
            Button(
                _("操作记录"),
                url=reverse(f"{DRAWS}:history", args=[self.object.pk]),
                icon_name="history",
            ),
        ]

    def get_context_data(self, **kwargs):
        from django.contrib.auth import get_user_model

        context = super().get_context_data(**kwargs)
        record = self.object
        users = get_user_model().objects.in_bulk(record.chosen_inspectors)
        context.update(
            {
                "record": record,
                "rows": draw_rows(record),
                "inspectors": [users.get(i) for i in record.chosen_inspectors],
                "reproduce_url": reverse(f"{DRAWS}:reproduce", args=[record.pk]),
                "export_url": reverse(f"{DRAWS}:results", args=[record.pk]) + "?export=xlsx",
                "reproduction": getattr(self, "reproduction", None),
            }
        )
        return context


class ReproduceDrawView(DrawInspectView):
    """POST: re-run the recorded draw and show whether it gives the same result."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        self.reproduction = services.reproduce(self.object, user=request.user)
        self.reproduction.same = self.reproduction.matches(self.object)
        return self.render_to_response(self.get_context_data())


class DrawViewSet(ReadOnlyViewSet):
    model = SpotCheckDraw
    name = DRAWS
    url_prefix = "supervision/draws"
    icon = "crosshairs"
    menu_label = gettext_lazy("双随机抽查")
    menu_permission = "supervision.view_spotcheckdraw"
    keep_views = ("index", "index_results", "inspect", "history", "history_results", "add")
    index_view_class = DrawIndexView
    inspect_view_class = DrawInspectView
    add_view_class = DrawCreateView
    list_display = [
        "__str__",
        Column("scope", label=gettext_lazy("范围"), accessor="scope_label"),
        Column("seed", label=gettext_lazy("随机种子"), accessor="seed"),
        Column("n", label=gettext_lazy("声明"), accessor=lambda d: len(d.chosen_declarations)),
        Column("m", label=gettext_lazy("检查人员"), accessor=lambda d: len(d.chosen_inspectors)),
        Column("created_by", label=gettext_lazy("抽取人"), accessor="created_by"),
        DateText("created_at", gettext_lazy("抽取时间")),
    ]

    @property
    def add_view(self):
        return DrawCreateView.as_view()

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(add_item_label=gettext_lazy("新的抽取"), **kwargs)

    def extra_urls(self):
        from supervision.reports import DrawResultsReport

        return [
            path(
                "reproduce/<int:pk>/",
                ReproduceDrawView.as_view(
                    model=SpotCheckDraw,
                    index_url_name=f"{DRAWS}:index",
                    header_icon="crosshairs",
                ),
                name="reproduce",
            ),
            path("results/<int:pk>/", DrawResultsReport.as_view(), name="results"),
        ]


class SupervisionGroup(ViewSetGroup):
    menu_label = gettext_lazy("事中事后监管")
    menu_icon = "glasses"
    menu_order = 250
    menu_name = "supervision"
    items = ()
