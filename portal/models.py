"""Editorial pages of the site: home, news and notices, guides."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from wagtail import blocks
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index


class BodyBlock(blocks.StreamBlock):
    heading = blocks.CharBlock(label=_("小标题"), form_classname="title")
    paragraph = blocks.RichTextBlock(label=_("段落"))
    steps = blocks.ListBlock(blocks.CharBlock(label=_("步骤")), label=_("办理步骤"))
    standard_list = blocks.ListBlock(
        blocks.CharBlock(label=_("标准编号")),
        label=_("引用标准"),
        help_text=_("每行一个标准编号，页面上显示为指向标准详情的链接。"),
    )
    notice = blocks.StructBlock(
        [
            ("title", blocks.CharBlock(label=_("提示标题"))),
            ("text", blocks.TextBlock(label=_("提示内容"))),
        ],
        label=_("提示框"),
        template="portal/blocks/notice.html",
    )

    class Meta:
        template = "portal/blocks/body.html"


class HomePage(Page):
    intro = models.CharField(_("导语"), max_length=300, blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    subpage_types = ["portal.ArticleIndexPage", "portal.GuideIndexPage"]
    max_count = 1

    class Meta:
        verbose_name = _("首页")

    def get_context(self, request, *args, **kwargs):
        from standards.models import Standard

        context = super().get_context(request, *args, **kwargs)
        context["articles"] = (
            ArticlePage.objects.live().public().order_by("-date", "-first_published_at")[:6]
        )
        context["guides"] = GuidePage.objects.live().public()[:4]
        listed = Standard.objects.listed()
        context["counts"] = {
            "total": listed.count(),
            "in_force": listed.in_force().count(),
            "upcoming": listed.upcoming().count(),
        }
        context["recent_standards"] = listed.filter(published__isnull=False).order_by(
            "-published", "number"
        )[:8]
        return context


class ArticleIndexPage(Page):
    intro = RichTextField(_("导语"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["portal.HomePage"]
    subpage_types = ["portal.ArticlePage"]

    class Meta:
        verbose_name = _("通知公告栏目")

    def get_context(self, request, *args, **kwargs):
        from django.core.paginator import Paginator

        context = super().get_context(request, *args, **kwargs)
        articles = ArticlePage.objects.live().public().child_of(self).order_by("-date")
        kind = request.GET.get("kind")
        if kind in dict(ArticlePage.KINDS):
            articles = articles.filter(kind=kind)
        context["kind"] = kind
        context["kinds"] = ArticlePage.KINDS
        context["articles"] = Paginator(articles, 12).get_page(request.GET.get("page"))
        return context


class ArticlePage(Page):
    """A notice (通知公告) or a news item (工作动态)."""

    KINDS = [("notice", _("通知公告")), ("news", _("工作动态"))]

    kind = models.CharField(_("类别"), max_length=16, choices=KINDS, default="notice")
    date = models.DateField(_("发布日期"))
    summary = models.CharField(_("摘要"), max_length=300, blank=True)
    body = StreamField(BodyBlock(), verbose_name=_("正文"), blank=True)

    content_panels = Page.content_panels + [
        FieldPanel("kind"),
        FieldPanel("date"),
        FieldPanel("summary"),
        FieldPanel("body"),
    ]
    search_fields = Page.search_fields + [index.SearchField("summary"), index.SearchField("body")]
    parent_page_types = ["portal.ArticleIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("通知公告 / 动态")


class GuideIndexPage(Page):
    intro = RichTextField(_("导语"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["portal.HomePage"]
    subpage_types = ["portal.GuidePage"]

    class Meta:
        verbose_name = _("办事指南栏目")


class GuidePage(Page):
    summary = models.CharField(_("摘要"), max_length=300, blank=True)
    body = StreamField(BodyBlock(), verbose_name=_("正文"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("summary"), FieldPanel("body")]
    search_fields = Page.search_fields + [index.SearchField("summary"), index.SearchField("body")]
    parent_page_types = ["portal.GuideIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("办事指南")
