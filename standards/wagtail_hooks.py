"""Staff admin for the catalogue: standards and supersession links as snippets, with
searches that understand standard numbers and Chinese titles."""

from django import forms
from django.contrib.admin.utils import quote
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import FormView, TemplateView

from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.models import InspectView
from wagtail.admin.widgets.button import HeaderButton
from wagtail.admin.widgets.datetime import AdminDateInput
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import (
    DeleteView,
    EditView,
    HistoryView,
    IndexView,
    SnippetViewSet,
    SnippetViewSetGroup,
)

import django_filters

from standards import numbers
from standards.models import (
    Announcement,
    CatalogueChange,
    IcsClass,
    Level,
    Standard,
    Status,
    Supersession,
)
from standards.models.catalogue import search_key

# -- permission policies (registered before any view asks for them) ----------------------


class AnnouncementPermissionPolicy(ModelPermissionPolicy):
    """Model permissions, plus: an applied announcement can no longer be changed,
    deleted or applied (``apply`` is the ``standards.apply_announcement`` permission)."""

    FROZEN = ("change", "delete", "apply")

    def user_has_permission_for_instance(self, user, action, instance):
        if action in self.FROZEN and instance.is_applied:
            return False
        return super().user_has_permission_for_instance(user, action, instance)

    def user_has_any_permission_for_instance(self, user, actions, instance):
        return any(self.user_has_permission_for_instance(user, a, instance) for a in actions)

    def instances_user_has_any_permission_for(self, user, actions):
        instances = super().instances_user_has_any_permission_for(user, actions)
        if set(actions) <= set(self.FROZEN):
            instances = instances.exclude(status=Announcement.Status.APPLIED)
        return instances


class ReadOnlyPermissionPolicy(ModelPermissionPolicy):
    """Staff may look (the ``view`` permission) but nobody edits: the log is written
    only by applying announcements."""

    def user_has_permission(self, user, action):
        if action in ("add", "change", "delete"):
            return False
        return super().user_has_permission(user, action)


announcement_policy = AnnouncementPermissionPolicy(Announcement)
register_permission_policy(Announcement, announcement_policy)
register_permission_policy(CatalogueChange, ReadOnlyPermissionPolicy(CatalogueChange))


def search_standards(queryset, query: str):
    """Any written form of a number finds its edition (dated) or series (undated); other
    text matches titles and numbers as substrings, which works for Chinese as typed."""
    query = query.strip()
    parsed = numbers.try_parse(query)
    if parsed is not None:
        if parsed.dated:
            return queryset.filter(number=parsed.edition)
        return queryset.filter(series=parsed.series)
    loose = search_key(query)
    condition = (
        Q(title__icontains=query) | Q(title_en__icontains=query) | Q(number__icontains=query)
    )
    if loose:
        condition |= Q(search_key__contains=loose)
    return queryset.filter(condition)


class StandardFilterSet(WagtailFilterSet):
    level = django_filters.ChoiceFilter(choices=Level.choices, label=_("层级"))
    status = django_filters.ChoiceFilter(choices=Status.choices, label=_("记录状态"))
    year = django_filters.NumberFilter(label=_("年代号"))
    placeholder = django_filters.BooleanFilter(label=_("仅知编号"))

    class Meta:
        model = Standard
        fields = ["level", "status", "year", "placeholder"]


class StandardIndexView(IndexView):
    def search_queryset(self, queryset):
        if not self.search_query:
            return queryset
        return search_standards(queryset, self.search_query)


class StandardInspectView(InspectView):
    def _links(self, links, side):
        if not links:
            return "—"
        return format_html_join(
            mark_safe("<br>"),  # noqa: S308
            "{} {}{}",
            (
                (
                    getattr(link, side).number,
                    getattr(link, side).title,
                    _("（部分代替）") if link.partial else "",
                )
                for link in links
            ),
        )

    def get_replaces_display_value(self):
        return self._links(self.object.replaces_links.select_related("old"), "old")

    def get_replaced_by_display_value(self):
        return self._links(self.object.replaced_by_links.select_related("new"), "new")

    def get_field_label(self, field_name, field):
        labels = {"replaces": _("本标准代替"), "replaced_by": _("被以下标准代替")}
        if field_name in labels:
            return labels[field_name]
        return super().get_field_label(field_name, field)

    def get_context_for_field(self, field_name):
        if field_name in {"replaces", "replaced_by"}:
            return {
                "label": self.get_field_label(field_name, None),
                "value": getattr(self, f"get_{field_name}_display_value")(),
                "component": None,
            }
        return super().get_context_for_field(field_name)


class StandardViewSet(SnippetViewSet):
    model = Standard
    icon = "doc-full"
    menu_label = _("标准")
    index_view_class = StandardIndexView
    inspect_view_class = StandardInspectView
    inspect_view_enabled = True
    inspect_view_fields = [
        "number",
        "title",
        "title_en",
        "level",
        "kind",
        "status",
        "published",
        "effective",
        "withdrawn",
        "effective_note",
        "replaces",
        "replaced_by",
        "ics",
        "ccs",
        "department",
        "scope",
        "category",
        "placeholder",
        "source",
        "updated_at",
    ]
    list_display = ["number", "title", "level", "status", "effective", "updated_at"]
    list_export = [
        "number",
        "title",
        "title_en",
        "level",
        "kind",
        "status",
        "published",
        "effective",
        "withdrawn",
        "ccs",
        "department",
    ]
    export_filename = "standards"
    list_per_page = 50
    ordering = ["series", "-year"]
    filterset_class = StandardFilterSet
    search_fields = ["number", "title"]
    search_backend_name = None
    copy_view_enabled = False
    panels = [
        FieldRowPanel([FieldPanel("number"), FieldPanel("status")]),
        FieldPanel("title"),
        FieldPanel("title_en"),
        FieldRowPanel([FieldPanel("published"), FieldPanel("effective"), FieldPanel("withdrawn")]),
        FieldPanel("effective_note"),
        MultiFieldPanel(
            [FieldPanel("ics"), FieldPanel("ccs"), FieldPanel("category")], heading=_("分类")
        ),
        FieldPanel("department"),
        FieldPanel("scope"),
    ]


#: How each import shape reads in the admin's 数据来源 column.
SOURCE_LABELS = {
    "canonical-jsonl": _("目录导入（JSON）"),
    "canonical-csv": _("目录导入（CSV）"),
    "canonical-xlsx": _("目录导入（XLSX）"),
    "nmpa": _("药监目录导入"),
    "sports": _("体育标准导入"),
}


def source_label(obj) -> str:
    return SOURCE_LABELS.get(obj.source, obj.source) or "—"


class SupersessionViewSet(SnippetViewSet):
    model = Supersession
    icon = "arrows-up-down"
    menu_label = _("代替关系")
    list_display = [
        "new",
        "old",
        Column(
            "partial",
            label=_("代替方式"),
            accessor=lambda link: _("部分代替") if link.partial else _("全部代替"),
        ),
        Column("source", label=_("数据来源"), accessor=source_label),
    ]
    search_fields = ["old__number", "new__number"]
    search_backend_name = None
    panels = [FieldPanel("new"), FieldPanel("old"), FieldPanel("partial")]


class IcsViewSet(SnippetViewSet):
    model = IcsClass
    icon = "list-ul"
    menu_label = _("ICS 分类")
    list_display = ["code", "name_zh", "name_en"]
    search_fields = ["code", "name_zh", "name_en"]
    search_backend_name = None
    ordering = ["code"]
    panels = [FieldPanel("code"), FieldPanel("name_zh"), FieldPanel("name_en")]


# -- announcements (公告) ------------------------------------------------------------------


def _preview_url(announcement) -> str:
    return reverse(AnnouncementViewSet.url("preview"), args=[quote(announcement.pk)])


class AnnouncementFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(choices=Announcement.Status.choices, label=_("状态"))

    class Meta:
        model = Announcement
        fields = ["status"]


class AnnouncementIndexView(IndexView):
    @cached_property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        if announcement_policy.user_has_permission(self.request.user, "add"):
            buttons.append(
                HeaderButton(
                    _("从文件导入"),
                    url=reverse(AnnouncementViewSet.url("import")),
                    icon_name="upload",
                )
            )
        return buttons

    def get_list_more_buttons(self, instance):
        buttons = list(super().get_list_more_buttons(instance))
        label = _("查看应用结果") if instance.is_applied else _("预览影响 / 应用")
        buttons.insert(0, MenuItem(label, _preview_url(instance), icon_name="view", priority=5))
        return buttons


class AnnouncementEditView(EditView):
    """Applied announcements are read-only: their page is the applied result."""

    def dispatch(self, request, *args, **kwargs):
        announcement = get_object_or_404(Announcement, pk=kwargs.get("pk"))
        if announcement.is_applied:
            messages.warning(request, gettext("该公告已应用，不能再修改。"))
            return redirect(_preview_url(announcement))
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def header_buttons(self):
        return [
            HeaderButton(_("预览影响"), url=_preview_url(self.object), icon_name="view"),
        ]


class AnnouncementHistoryView(HistoryView):
    @cached_property
    def header_buttons(self):
        if self.object.is_applied:
            return [HeaderButton(_("应用结果"), url=_preview_url(self.object), icon_name="view")]
        return super().header_buttons


class AnnouncementDeleteView(DeleteView):
    def dispatch(self, request, *args, **kwargs):
        announcement = get_object_or_404(Announcement, pk=kwargs.get("pk"))
        if announcement.is_applied:
            messages.error(request, gettext("已应用的公告不能删除。"))
            return redirect(_preview_url(announcement))
        return super().dispatch(request, *args, **kwargs)


class _AnnouncementView(WagtailAdminTemplateMixin):
    """Common parts of the preview, apply and import views."""

    header_icon = "clipboard-list"
    #: Actions of which the user needs one.
    actions = ("change", "view")

    def dispatch(self, request, *args, **kwargs):
        if not announcement_policy.user_has_any_permission(request.user, self.actions):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse(AnnouncementViewSet.url("list")), "label": _("公告")},
            {"url": "", "label": self.get_page_title()},
        ]


class AnnouncementPreviewView(_AnnouncementView, TemplateView):
    """What applying would do; for an applied announcement, what it did."""

    template_name = "standards/admin/announcement_preview.html"

    def get_page_title(self):
        return gettext("应用结果") if self.object.is_applied else gettext("预览影响")

    def get_page_subtitle(self):
        return self.object.code

    def get(self, request, *args, **kwargs):
        from standards.announcements import preview

        self.object = get_object_or_404(Announcement, pk=kwargs["pk"])
        if self.object.is_applied:
            self.summary = self.object.summary or {}
        else:
            self.summary = preview(self.object)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        from standards.announcements import changes_for

        context = super().get_context_data(**kwargs)
        announcement = self.object
        user = self.request.user
        summary = self.summary
        can_apply = (
            not announcement.is_applied
            and not summary.get("problems")
            and announcement_policy.user_has_permission_for_instance(user, "apply", announcement)
        )
        can_edit = announcement_policy.user_has_permission_for_instance(
            user, "change", announcement
        )
        context.update(
            {
                "announcement": announcement,
                "items": list(announcement.items.all()),
                "summary": summary,
                "problems": summary.get("problems", []),
                "affected": summary.get("affected", {}),
                "changes": summary.get("changes", []),
                "declarations": summary.get("declarations", []),
                "declarations_more": summary.get("declarations_more", False),
                "logged_changes": list(changes_for(announcement))
                if announcement.is_applied
                else [],
                "can_apply": can_apply,
                "may_apply": announcement_policy.user_has_permission(user, "apply"),
                "apply_url": reverse(
                    AnnouncementViewSet.url("apply"), args=[quote(announcement.pk)]
                ),
                "edit_url": (
                    reverse(AnnouncementViewSet.url("edit"), args=[quote(announcement.pk)])
                    if can_edit
                    else ""
                ),
                "index_url": reverse(AnnouncementViewSet.url("list")),
                "history_url": reverse(
                    AnnouncementViewSet.url("history"), args=[quote(announcement.pk)]
                ),
            }
        )
        return context


class AnnouncementApplyView(_AnnouncementView, View):
    """POST: apply the announcement (the preview page holds the button)."""

    actions = ("apply",)
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        from standards.announcements import AnnouncementError, apply

        announcement = get_object_or_404(Announcement, pk=kwargs["pk"])
        if not announcement_policy.user_has_permission_for_instance(
            request.user, "apply", announcement
        ):
            messages.error(request, gettext("该公告已应用，不能再次应用。"))
            return redirect(_preview_url(announcement))
        try:
            summary = apply(announcement, request.user)
        except AnnouncementError as exc:
            messages.error(
                request,
                gettext("公告未应用：有 %(n)s 个问题需要先解决，标准目录未作任何修改。")
                % {"n": len(exc.problems)},
            )
            return redirect(_preview_url(announcement))
        messages.success(
            request,
            gettext(
                "公告“%(code)s”已应用：新增标准 %(created)s 项，变更 %(changed)s 项，"
                "涉及自我声明 %(declarations)s 份。"
            )
            % {
                "code": announcement.code,
                "created": summary["standards_created"],
                "changed": summary["standards_changed"],
                "declarations": summary["affected"]["declarations"],
            },
        )
        return redirect(_preview_url(announcement))


class AnnouncementImportForm(forms.Form):
    file = forms.FileField(
        label=_("文件"),
        help_text=_(
            "CSV（UTF-8、GBK 或 GB18030 编码）或 XLSX，列：操作、标准编号、标准名称、"
            "代替标准、发布日期、实施日期（可选：ICS）。操作为 新发布、代替、部分代替 或 废止。"
        ),
    )
    code = forms.CharField(
        label=_("公告号"), max_length=100, help_text=_("如：国家标准公告2026年第3号")
    )
    title = forms.CharField(label=_("公告标题"), max_length=300, required=False)
    issuer = forms.CharField(label=_("发布机关"), max_length=200, required=False)
    published_on = forms.DateField(label=_("公告日期"), widget=AdminDateInput)
    note = forms.CharField(
        label=_("说明"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class AnnouncementImportView(_AnnouncementView, FormView):
    """Read a CSV/XLSX file into a new draft announcement."""

    actions = ("add",)
    template_name = "standards/admin/announcement_import.html"
    form_class = AnnouncementImportForm
    page_title = _("从文件导入公告")

    def get_initial(self):
        return {"published_on": timezone.localdate()}

    def form_valid(self, form):
        from standards.announcement_import import AnnouncementImportError, import_announcement

        upload = form.cleaned_data["file"]
        from standards.announcement_import import MAX_BYTES

        data = upload.read(MAX_BYTES + 1)
        try:
            announcement = import_announcement(
                data,
                code=form.cleaned_data["code"],
                title=form.cleaned_data["title"],
                issuer=form.cleaned_data["issuer"],
                published_on=form.cleaned_data["published_on"],
                note=form.cleaned_data["note"],
                user=self.request.user,
            )
        except AnnouncementImportError as exc:
            messages.error(
                self.request, gettext("导入失败，未创建公告。请改正以下问题后重新上传。")
            )
            return self.render_to_response(self.get_context_data(form=form, problems=exc.problems))
        messages.success(
            self.request,
            gettext("已导入公告“%(code)s”（%(n)s 条），请预览其影响后应用。")
            % {"code": announcement.code, "n": announcement.items.count()},
        )
        return redirect(_preview_url(announcement))


class AnnouncementViewSet(SnippetViewSet):
    model = Announcement
    icon = "clipboard-list"
    menu_label = _("公告")
    index_view_class = AnnouncementIndexView
    edit_view_class = AnnouncementEditView
    delete_view_class = AnnouncementDeleteView
    history_view_class = AnnouncementHistoryView
    list_display = ["code", "title", "published_on", "status", "applied_at"]
    list_filter = ["status"]
    filterset_class = AnnouncementFilterSet
    search_fields = ["code", "title"]
    search_backend_name = None
    ordering = ["-published_on", "-id"]
    copy_view_enabled = False
    panels = [
        FieldRowPanel([FieldPanel("code"), FieldPanel("published_on")]),
        FieldPanel("title"),
        FieldPanel("issuer"),
        FieldPanel("note"),
        InlinePanel(
            "items",
            heading=_("条目"),
            label=_("条目"),
            panels=[
                FieldRowPanel([FieldPanel("action"), FieldPanel("number")]),
                FieldPanel("title"),
                FieldPanel("replaces"),
                FieldRowPanel([FieldPanel("published_on"), FieldPanel("effective_on")]),
                FieldPanel("ics"),
            ],
        ),
    ]

    @classmethod
    def url(cls, name: str) -> str:
        return f"wagtailsnippets_standards_announcement:{name}"

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path(
                "preview/<int:pk>/",
                self.construct_view(AnnouncementPreviewView, model=self.model),
                name="preview",
            ),
            path(
                "apply/<int:pk>/",
                self.construct_view(AnnouncementApplyView, model=self.model),
                name="apply",
            ),
            path(
                "import/",
                self.construct_view(AnnouncementImportView, model=self.model),
                name="import",
            ),
        ]


class CatalogueChangeFilterSet(WagtailFilterSet):
    kind = django_filters.ChoiceFilter(
        choices=list(CatalogueChange.KIND_LABELS.items()), label=_("变更类型")
    )
    level = django_filters.ChoiceFilter(choices=Level.choices, label=_("层级"))
    pending = django_filters.BooleanFilter(
        field_name="announced_at", lookup_expr="isnull", label=_("尚未生效")
    )

    class Meta:
        model = CatalogueChange
        fields = ["kind", "level", "pending"]


class CatalogueChangeViewSet(SnippetViewSet):
    """The change log, read-only: written by applying announcements."""

    model = CatalogueChange
    icon = "history"
    menu_label = _("目录变更")
    list_display = ["number", "kind", "effective_on", "announcement", "announced_at"]
    filterset_class = CatalogueChangeFilterSet
    search_fields = ["number", "series", "title"]
    search_backend_name = None
    ordering = ["-created_at", "-id"]
    inspect_view_enabled = True
    copy_view_enabled = False
    list_export = [
        "number",
        "title",
        "kind",
        "replaced_by",
        "effective_on",
        "level",
        "ics_codes",
        "announcement",
        "created_at",
        "announced_at",
    ]
    export_filename = "catalogue-changes"


@hooks.register("register_log_actions")
def register_announcement_log_actions(actions):
    from standards.announcements import LOG_APPLY, LOG_DUE, LOG_IMPORT

    actions.register_action(LOG_APPLY, _("应用公告"), _("应用公告，修改标准目录"))
    actions.register_action(LOG_DUE, _("变更生效"), _("公告中的目录变更到期生效并已发出预警"))
    actions.register_action(LOG_IMPORT, _("导入公告"), _("从文件导入公告条目"))


class CatalogueGroup(SnippetViewSetGroup):
    menu_label = _("标准目录")
    menu_icon = "doc-full-inverse"
    menu_order = 200
    items = (
        StandardViewSet,
        SupersessionViewSet,
        IcsViewSet,
        AnnouncementViewSet,
        CatalogueChangeViewSet,
    )


register_snippet(CatalogueGroup)
