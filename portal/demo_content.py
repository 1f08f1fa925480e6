"""Editorial demo content for a fresh site: the home page, notices and guides."""

import datetime

from django.db import transaction

from wagtail.models import Page, Site

from portal.models import ArticleIndexPage, ArticlePage, GuideIndexPage, GuidePage, HomePage

HOME_INTRO = (
    "收录国家、行业、地方和团体标准，提供标准检索、标准查新、企业标准自我声明公开"
    "与标准信息预警服务。"
)

ARTICLES = [
    {
        "title": "标准馆上线试运行",
        "kind": "notice",
        "date": datetime.date(2026, 11, 2),
        "summary": "标准检索、标准查新和企业标准自我声明公开服务即日起试运行。",
        "body": [
            ("paragraph", "<p>为方便企业查询和使用标准，标准馆即日起试运行，提供以下服务：</p>"),
            (
                "steps",
                [
                    "标准检索：按编号、名称、层级和 ICS 分类查找标准；",
                    "标准查新：批量判断所引用标准是否现行，并给出应采用的版本；",
                    "企业标准自我声明公开：企业在线公开其执行的标准。",
                ],
            ),
            (
                "notice",
                {
                    "title": "数据说明",
                    "text": "标准状态以发布机构的公告为准。"
                    "发现目录数据有误，请向本局标准化科反馈。",
                },
            ),
        ],
    },
    {
        "title": "关于做好 GB 2760-2024《食品安全国家标准 食品添加剂使用标准》实施工作的提示",
        "kind": "notice",
        "date": datetime.date(2025, 1, 20),
        "summary": "GB 2760-2024 自 2025 年 2 月 8 日起实施，代替 GB 2760-2014。",
        "body": [
            (
                "paragraph",
                "<p>GB 2760-2024 自 2025 年 2 月 8 日起实施，代替 GB 2760-2014。"
                "执行或引用该标准的食品生产经营企业，请及时核对产品配方、标签和企业标准，"
                "并更新自我声明公开的内容。</p>",
            ),
            ("standard_list", ["GB 2760-2024", "GB 2760-2014"]),
        ],
    },
    {
        "title": "GB 5749-2022《生活饮用水卫生标准》已全面实施",
        "kind": "news",
        "date": datetime.date(2023, 4, 1),
        "summary": "新版生活饮用水卫生标准自 2023 年 4 月 1 日起实施。",
        "body": [
            (
                "paragraph",
                "<p>GB 5749-2022 自 2023 年 4 月 1 日起实施，代替 GB 5749-2006。"
                "供水单位和涉水产品生产企业可通过标准查新核对所引用的标准版本。</p>",
            ),
            ("standard_list", ["GB 5749-2022"]),
        ],
    },
    {
        "title": "医疗器械行业标准 YY 0055-2026 等发布，实施前请做好准备",
        "kind": "news",
        "date": datetime.date(2026, 8, 20),
        "summary": "部分医疗器械行业标准已发布，将于 2027—2029 年陆续实施。",
        "body": [
            (
                "paragraph",
                "<p>国家药品监督管理局发布了一批医疗器械行业标准。在新标准实施前，"
                "现行版本仍然有效；标准查新会对“新版本已发布”的标准给出提示，"
                "便于企业提前准备。</p>",
            ),
            ("standard_list", ["YY 0055-2026", "YY 0055-2018"]),
        ],
    },
]

GUIDES = [
    {
        "title": "如何进行标准查新",
        "summary": "三步判断企业引用的标准是否现行有效。",
        "body": [
            (
                "steps",
                [
                    "打开“标准查新”，粘贴标准编号（每行一个），或直接粘贴一段文字；",
                    "选择查新日期（默认今天），点击“开始查新”；",
                    "查看每条的结论：现行、已被代替、已废止、即将实施、目录未收录或编号有误。",
                ],
            ),
            ("heading", "注日期引用与不注日期引用"),
            (
                "paragraph",
                "<p>依据 GB/T 1.1-2020，注日期引用（如 GB 2760-2014）仅该版本适用；"
                "不注日期引用（如 GB 2760）指其最新版本（包括所有的修改单）。</p>",
            ),
            ("standard_list", ["GB/T 1.1-2020"]),
        ],
    },
    {
        "title": "企业标准自我声明公开办事指南",
        "summary": "依据《标准化法》第二十七条，企业应公开其执行的标准。",
        "body": [
            (
                "paragraph",
                "<p>企业应当公开其执行的强制性标准、推荐性标准、团体标准或者企业标准的"
                "编号和名称；执行自行制定的企业标准的，还应当公开产品、服务的功能指标和"
                "产品的性能指标。</p>",
            ),
            (
                "notice",
                {
                    "title": "明示要求",
                    "text": "企业标准的技术指标少于或低于推荐性标准相关技术指标的，"
                    "应当在自我声明中明示。",
                },
            ),
        ],
    },
    {
        "title": "标准编号的规范写法",
        "summary": "标准代号、顺序号和年代号，以及常见的错误写法。",
        "body": [
            (
                "paragraph",
                "<p>标准编号由标准代号、顺序号和年代号组成，例如 GB/T 19580-2012。"
                "本平台能识别全角字符、各种连接号、缺少空格或斜线等常见写法，"
                "并统一为规范写法。</p>",
            ),
            ("standard_list", ["GB/T 19580-2012", "GB/T 1.1-2020"]),
        ],
    },
]


def _stream(items):
    return [{"type": kind, "value": value} for kind, value in items]


def _create_root() -> Page:
    """The tree's root, normally made by Wagtail's migrations (gone after a flush)."""
    from django.conf import settings
    from django.utils.translation import get_supported_language_variant

    from wagtail.models import Locale

    Locale.objects.get_or_create(
        language_code=get_supported_language_variant(settings.LANGUAGE_CODE)
    )
    return Page.add_root(instance=Page(title="Root", slug="root"))


@transaction.atomic
def build_site() -> HomePage:
    """Create the page tree once; running again leaves existing pages alone."""
    home = HomePage.objects.first()
    if home is None:
        root = Page.get_first_root_node() or _create_root()
        home = root.add_child(
            instance=HomePage(title="标准馆", slug="biaozhunguan", intro=HOME_INTRO)
        )
        site = Site.objects.filter(is_default_site=True).first()
        old_root = site.root_page if site else None
        if site:
            site.root_page = home
            site.hostname, site.port, site.site_name = "localhost", 80, "标准馆"
            site.save()
        else:
            Site.objects.create(
                hostname="localhost",
                port=80,
                root_page=home,
                is_default_site=True,
                site_name="标准馆",
            )
        if old_root is not None and old_root.specific_class is Page:
            old_root.delete()
    notices = ArticleIndexPage.objects.child_of(home).first()
    if notices is None:
        notices = home.add_child(instance=ArticleIndexPage(title="通知公告", slug="notices"))
        for item in ARTICLES:
            notices.add_child(
                instance=ArticlePage(
                    title=item["title"],
                    kind=item["kind"],
                    date=item["date"],
                    summary=item["summary"],
                    body=_stream(item["body"]),
                )
            )
    guides = GuideIndexPage.objects.child_of(home).first()
    if guides is None:
        guides = home.add_child(instance=GuideIndexPage(title="办事指南", slug="guides"))
        for item in GUIDES:
            guides.add_child(
                instance=GuidePage(
                    title=item["title"], summary=item["summary"], body=_stream(item["body"])
                )
            )
    return home
