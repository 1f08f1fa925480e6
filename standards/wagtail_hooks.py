"""Staff admin for the catalogue: standards and supersession links as snippets, with
searches that understand standard numbers and Chinese titles."""

from django.db.models import Q
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.admin.views.generic.models import InspectView
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import IndexView, SnippetViewSet, SnippetViewSetGroup

import django_filters

from standards import numbers
from standards.models import IcsClass, Level, Standard, Status, Supersession
from standards.models.catalogue import search_key


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


class SupersessionViewSet(SnippetViewSet):
    model = Supersession
    icon = "arrows-up-down"
    menu_label = _("代替关系")
    list_display = ["new", "old", "partial", "source"]
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


class CatalogueGroup(SnippetViewSetGroup):
    menu_label = _("标准目录")
    menu_icon = "doc-full-inverse"
    menu_order = 200
    items = (StandardViewSet, SupersessionViewSet, IcsViewSet)


register_snippet(CatalogueGroup)
