"""Public pages of declarations: the declaration with its history and versions, the
enterprise page, own standard texts from private storage, and the demo declarations."""

import datetime
import io

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

import pytest
from pypdf import PdfWriter

from declarations import services
from declarations.models import (
    Declaration,
    DeclarationVersion,
    Enterprise,
    Membership,
    OwnStandard,
)
from declarations.services import DeclarationInput, IndicatorInput, OwnStandardInput, ProductInput
from declarations.views import public
from standards.models.catalogue import standard_path

from .conftest import USCC_A, USCC_B

pytestmark = pytest.mark.django_db

XSS = '<script>alert("x")</script>'


def pdf_bytes(pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(72, 72)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def data(*standards, products=None, own=(), acknowledge=True, title=""):
    return DeclarationInput(
        title=title,
        products=products
        or [ProductInput("复合调味料", "FH-01", "食品", "500 g/袋", "", "调味料")],
        standards=list(standards),
        own_standards=list(own),
        commitment=True,
        acknowledge_warnings=acknowledge,
    )


def own_indicators(number="Q/BJJ 0001S-2025", **kw):
    return OwnStandardInput(
        number=number,
        name=kw.pop("name", "复合调味料"),
        indicators=kw.pop(
            "indicators",
            [
                IndicatorInput("水分", "≤ 9.0", "g/100g", "GB 5009.3", "≤ 8.0", True),
                IndicatorInput("氯化物", "≥ 20", "g/100g", "GB 5009.44"),
            ],
        ),
        recommended_standard=kw.pop("recommended_standard", "SB/T 10371-2003"),
        below_recommended=kw.pop("below_recommended", True),
        statement=kw.pop("statement", "水分指标高于推荐性标准的要求，特此明示。"),
        **kw,
    )


def own_text(number="Q/BJJ 0002-2025", content=None, name="调味料全文"):
    return OwnStandardInput(
        number=number,
        name=name,
        disclosure=OwnStandard.Disclosure.FULL_TEXT,
        text=content or pdf_bytes(),
        text_name="全文.pdf",
    )


@pytest.fixture
def publish(django_capture_on_commit_callbacks):
    """``services.publish`` with the after-commit work (search index) done."""

    def _publish(enterprise, user, payload, **kw):
        with django_capture_on_commit_callbacks(execute=True):
            outcome = services.publish(enterprise, user, payload, **kw)
        assert outcome.ok, outcome.assessment.errors
        return outcome.declaration

    return _publish


@pytest.fixture
def withdraw(django_capture_on_commit_callbacks):
    def _withdraw(declaration, user, reason=""):
        with django_capture_on_commit_callbacks(execute=True):
            return services.withdraw(declaration, user, reason)

    return _withdraw


@pytest.fixture
def private_files():
    """Texts written to private storage by a test are removed after it."""
    storage = OwnStandard._meta.get_field("text").storage

    def names():
        found = set()
        try:
            years = storage.listdir("own-standards")[0]
        except FileNotFoundError:
            return found
        for year in years:
            found |= {
                f"own-standards/{year}/{f}" for f in storage.listdir(f"own-standards/{year}")[1]
            }
        return found

    before = names()
    yield storage
    for name in names() - before:
        storage.delete(name)


@pytest.fixture
def other_firm(db, django_user_model):
    firm = Enterprise.objects.create(name="深圳乙医疗器械有限公司", uscc=USCC_B, region="440305")
    user = django_user_model.objects.create_user("firm_b", password="pw-firm-b-123")
    Membership.objects.create(user=user, enterprise=firm, role=Membership.Role.OWNER)
    return firm


def chinese_date(moment) -> str:
    local = timezone.localtime(moment)
    return f"{local.year}年{local.month}月{local.day}日"


# -- the declaration page -----------------------------------------------------------------------


def test_declaration_page_shows_what_was_declared(
    chain_catalogue, enterprise, firm_user, publish, client
):
    declaration = publish(
        enterprise, firm_user, data("GB 2760-2014", "YY 0055-2018", own=[own_indicators()])
    )
    html = client.get(f"/declarations/{declaration.pk}/").content.decode()
    # the enterprise, with a link to its page
    assert "北京甲食品有限公司" in html and USCC_A in html and "北京市朝阳区" in html
    assert f'href="/enterprises/{USCC_A}/"' in html
    # status and dates the Chinese way
    assert "已公开" in html
    assert chinese_date(declaration.first_published_at) in html
    # products
    assert "复合调味料" in html and "FH-01" in html and "500 g/袋" in html and "食品" in html
    # cited standards: verdict as stored, link to the standard page, the current edition
    assert f'href="{standard_path("GB 2760-2014")}"' in html
    assert "已被代替" in html and "已被 GB 2760-2024 代替" in html
    assert f'href="{standard_path("GB 2760-2024")}"' in html
    assert "YY 0055-2026" in html  # the successor warning of YY 0055-2018
    # own standard: indicator table, 明示 statement, lower-than marker
    assert "Q/BJJ 0001S-2025" in html and "企业标准" in html
    assert "≤ 9.0" in html and "GB 5009.3" in html and "≤ 8.0" in html and "g/100g" in html
    assert "低于推荐性标准" in html and "SB/T 10371-2003" in html
    assert "decl-statement" in html and "水分指标高于推荐性标准的要求，特此明示。" in html
    # the commitment and the history
    assert "自我声明承诺" in html and "满足全部强制性标准" in html
    assert f'href="/declarations/{declaration.pk}/v/1/"' in html and "首次公开" in html


def test_standard_page_counts_the_public_declarations_citing_it(
    chain_catalogue, enterprise, firm_user, publish, client
):
    def citing(number):
        html = client.get(standard_path(number)).content.decode()
        return html[html.index('class="citing"') :].split("</p>")[0]

    assert "尚无公开的自我声明执行本版本" in citing("GB 2760-2014")
    publish(enterprise, firm_user, data("GB 2760-2014"))
    publish(enterprise, firm_user, data("GB 2760-2024"))
    draft = services.save_draft(enterprise, firm_user, data("GB 2760-2014"))
    assert draft.version == 0  # a draft is not public: not counted
    superseded = citing("GB 2760-2014")
    assert 'href="/declarations/?q=GB%202760-2014">1 份公开的自我声明执行本版本</a>' in superseded
    assert "执行它的企业应修订声明" in superseded  # the edition is no longer in force
    assert 'href="/declarations/?q=GB%202760">本系列（GB 2760）各版本共 2 份</a>' in superseded
    current = citing("GB 2760-2024")
    assert "1 份公开的自我声明执行本版本" in current and "应修订声明" not in current
    # the count is what the declaration search finds behind the link
    found = client.get("/declarations/", {"q": "GB 2760-2014"}).content.decode()
    assert "找到 1 份声明" in found


def test_revision_history_and_version_pages(
    chain_catalogue, enterprise, firm_user, publish, client
):
    first = publish(enterprise, firm_user, data("GB 2760-2024"))
    revised = data(
        "GB 2760-2024",
        products=[
            ProductInput("复合调味料", "FH-01", "食品"),
            ProductInput("鸡精", "JJ-2", "食品"),
        ],
    )
    declaration = publish(
        enterprise, firm_user, revised, declaration=first, change="revise", reason="新增鸡精产品"
    )
    assert declaration.version == 2
    html = client.get(f"/declarations/{declaration.pk}/").content.decode()
    assert "鸡精" in html and "第 2 版" in html
    assert "修订" in html and "新增鸡精产品" in html and "首次公开" in html
    for n in (1, 2):
        assert f'href="/declarations/{declaration.pk}/v/{n}/"' in html

    old = client.get(f"/declarations/{declaration.pk}/v/1/")
    assert old.status_code == 200
    old_html = old.content.decode()
    assert "历史版本" in old_html and "复合调味料" in old_html and "JJ-2" not in old_html
    assert f'href="/declarations/{declaration.pk}/"' in old_html  # back to the current one
    v1 = declaration.versions.get(number=1)
    assert chinese_date(v1.published_at) in old_html
    assert "JJ-2" in client.get(f"/declarations/{declaration.pk}/v/2/").content.decode()
    assert client.get(f"/declarations/{declaration.pk}/v/3/").status_code == 404


def test_version_page_renders_the_snapshot_not_the_current_rows(
    chain_catalogue, enterprise, firm_user, publish, client
):
    declaration = publish(enterprise, firm_user, data("GB 2760-2024"))
    version = declaration.versions.get()
    snap = version.snapshot
    snap["products"][0]["name"] = "只在快照里的名称"
    DeclarationVersion.objects.filter(pk=version.pk).update(snapshot=snap)
    html = client.get(f"/declarations/{declaration.pk}/v/1/").content.decode()
    assert "只在快照里的名称" in html


def test_drafts_are_not_public_even_to_their_owner(
    chain_catalogue, enterprise, firm_user, client, private_files
):
    draft = services.save_draft(
        enterprise, firm_user, data("GB 2760-2024", own=[own_text()]), declaration=None
    )
    urls = [
        f"/declarations/{draft.pk}/",
        f"/declarations/{draft.pk}/v/1/",
        f"/declarations/{draft.pk}/v/0/",
    ]
    for url in urls:
        assert client.get(url).status_code == 404
    client.force_login(firm_user)
    for url in urls:
        assert client.get(url).status_code == 404
    # an enterprise with only drafts has no public page (its members see it)
    client.logout()
    assert client.get(f"/enterprises/{USCC_A}/").status_code == 404
    client.force_login(firm_user)
    assert client.get(f"/enterprises/{USCC_A}/").status_code == 200


def test_withdrawn_declaration_stays_visible(
    chain_catalogue, enterprise, firm_user, publish, withdraw, client
):
    declaration = publish(enterprise, firm_user, data("GB 2760-2024"))
    declaration = withdraw(declaration, firm_user, "产品停产")
    response = client.get(f"/declarations/{declaration.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "已废止" in html and "产品停产" in html
    assert f"本声明已于 {chinese_date(declaration.withdrawn_at)} 废止" in html
    assert "复合调味料" in html  # what was public stays public
    assert f'href="/declarations/{declaration.pk}/v/2/"' in html
    assert "废止" in client.get(f"/declarations/{declaration.pk}/v/2/").content.decode()


def test_enterprise_page_lists_public_declarations(
    chain_catalogue, enterprise, firm_user, other_firm, publish, withdraw, client, monkeypatch
):
    monkeypatch.setattr(public, "PAGE_SIZE", 2)
    titles = ["甲声明", "乙声明", "丙声明"]
    made = [publish(enterprise, firm_user, data("GB 2760-2024", title=t)) for t in titles]
    withdraw(made[0], firm_user, "停产")
    services.save_draft(enterprise, firm_user, data("GB 2760-2024", title="草稿声明"))
    publish(other_firm, other_firm.members.get().user, data("GB 2760-2024", title="别家声明"))

    html = client.get(f"/enterprises/{USCC_A}/").content.decode()
    assert "北京甲食品有限公司" in html and USCC_A in html and "北京市朝阳区" in html
    assert "2 份有效，1 份已废止" in html
    assert "草稿声明" not in html and "别家声明" not in html
    assert "第 1 / 2 页" in html and 'href="?page=2"' in html
    page2 = client.get(f"/enterprises/{USCC_A}/", {"page": 2}).content.decode()
    shown = [t for t in titles if t in html] + [t for t in titles if t in page2]
    assert sorted(shown) == sorted(titles)
    # lower case and an unknown code
    assert client.get(f"/enterprises/{USCC_A.lower()}/").status_code == 200
    assert client.get("/enterprises/91110000000000000X/").status_code == 404
    assert client.get("/enterprises/nothing/", {"page": "x"}).status_code == 404


def test_user_fields_are_escaped_on_every_public_page(
    chain_catalogue, firm_user, publish, withdraw, client
):
    firm = Enterprise.objects.get(uscc=USCC_A)
    Enterprise.objects.filter(pk=firm.pk).update(name=f"恶意{XSS}公司", address=XSS, industry=XSS)
    firm.refresh_from_db()
    product = ProductInput(f"产品{XSS}", XSS, "食品", XSS, "", XSS)
    own = own_indicators(
        name=f"标准{XSS}",
        statement=XSS,
        recommended_standard=XSS[:100],
        indicators=[IndicatorInput(XSS, XSS, XSS[:40], XSS, XSS, True)],
    )
    declaration = publish(
        firm, firm_user, data("GB 2760-2024", products=[product], own=[own], title=f"题{XSS}")
    )
    declaration = publish(
        firm,
        firm_user,
        data("GB 2760-2024", products=[product], own=[own], title=f"题{XSS}"),
        declaration=declaration,
        change="modify",
        reason=XSS,
    )
    pages = [
        f"/declarations/{declaration.pk}/",
        f"/declarations/{declaration.pk}/v/1/",
        f"/declarations/{declaration.pk}/v/2/",
        f"/enterprises/{USCC_A}/",
        "/declarations/?q=恶意",
        "/declarations/?q=" + XSS,
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert "<script>alert" not in html, url
    detail = client.get(pages[0]).content.decode()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in detail
    assert detail.count("&lt;script&gt;") >= 8
    found = client.get(pages[4]).content.decode()
    assert "找到 1 份声明" in found and "恶意&lt;script&gt;" in found


# -- own standard texts ------------------------------------------------------------------------


def test_full_text_is_served_safely(
    chain_catalogue, enterprise, firm_user, publish, client, private_files
):
    content = pdf_bytes(2)
    declaration = publish(
        enterprise,
        firm_user,
        data("GB 2760-2024", own=[own_text(content=content, name='调味料"\r\nX-Evil: 1')]),
    )
    own = declaration.own_standards.get()
    url = f"/declarations/{declaration.pk}/own/{own.pk}/text.pdf"
    assert url in client.get(f"/declarations/{declaration.pk}/").content.decode()
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" not in response
    disposition = response["Content-Disposition"]
    assert disposition.startswith("inline; filename=\"Q_BJJ_0002-2025.pdf\"; filename*=UTF-8''")
    assert "\r" not in disposition and "\n" not in disposition and "X-Evil:" not in disposition
    assert disposition.count('"') == 2
    assert "%E8%B0%83%E5%91%B3%E6%96%99" in disposition  # 调味料, percent-encoded
    assert "X-Evil" not in response.headers


def test_texts_are_404_unless_public_or_for_the_firm(
    chain_catalogue, enterprise, firm_user, other_firm, publish, client, private_files
):
    draft = services.save_draft(enterprise, firm_user, data("GB 2760-2024", own=[own_text()]))
    draft_own = draft.own_standards.get()
    draft_url = f"/declarations/{draft.pk}/own/{draft_own.pk}/text.pdf"
    assert client.get(draft_url).status_code == 404
    client.force_login(other_firm.members.get().user)
    assert client.get(draft_url).status_code == 404
    client.force_login(firm_user)
    mine = client.get(draft_url)
    assert mine.status_code == 200 and mine["Cache-Control"] == "private, no-store"
    client.logout()

    published = publish(enterprise, firm_user, data("GB 2760-2024", own=[own_indicators()]))
    indicators_only = published.own_standards.get()
    # an own standard disclosed by indicators has no text; another declaration's row is
    # not reachable under this one; nonsense ids are 404
    for url in [
        f"/declarations/{published.pk}/own/{indicators_only.pk}/text.pdf",
        f"/declarations/{published.pk}/own/{draft_own.pk}/text.pdf",
        f"/declarations/{published.pk}/own/999999/text.pdf",
        f"/declarations/999999/own/{draft_own.pk}/text.pdf",
    ]:
        assert client.get(url).status_code == 404, url


def test_text_kept_private_when_disclosed_by_indicators(
    chain_catalogue, enterprise, firm_user, publish, client, private_files
):
    declaration = publish(enterprise, firm_user, data("GB 2760-2024", own=[own_text()]))
    switched = own_indicators(number="Q/BJJ 0002-2025", below_recommended=False, statement="")
    switched.indicators = [IndicatorInput("水分", "≤ 8", "g/100g")]
    declaration = publish(
        enterprise, firm_user, data("GB 2760-2024", own=[switched]), declaration=declaration
    )
    own = declaration.own_standards.get()
    assert own.text  # the file is kept with the row …
    url = f"/declarations/{declaration.pk}/own/{own.pk}/text.pdf"
    assert client.get(url).status_code == 404  # … but not public
    client.force_login(firm_user)
    assert client.get(url).status_code == 200


def test_old_version_text_by_hash_then_replaced(
    chain_catalogue, enterprise, firm_user, publish, client, private_files
):
    first, second = pdf_bytes(1), pdf_bytes(3)
    declaration = publish(
        enterprise, firm_user, data("GB 2760-2024", own=[own_text(content=first)])
    )
    old_name = declaration.own_standards.get().text.name
    declaration = publish(
        enterprise,
        firm_user,
        data("GB 2760-2024", own=[own_text(content=second)]),
        declaration=declaration,
        reason="更新标准文本",
    )
    v1_url = f"/declarations/{declaration.pk}/v/1/own/0/text.pdf"
    v2_url = f"/declarations/{declaration.pk}/v/2/own/0/text.pdf"
    assert v1_url in client.get(f"/declarations/{declaration.pk}/v/1/").content.decode()
    response = client.get(v1_url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == first
    assert "Content-Security-Policy" not in response
    assert b"".join(client.get(v2_url).streaming_content) == second
    assert client.get(f"/declarations/{declaration.pk}/v/1/own/5/text.pdf").status_code == 404

    private_files.delete(old_name)
    gone = client.get(v1_url)
    assert gone.status_code == 410
    assert "已被后来的版本替换" in gone.content.decode()
    page = client.get(f"/declarations/{declaration.pk}/v/1/").content.decode()
    assert v1_url not in page and "已被后来的版本替换" in page


# -- demo data ---------------------------------------------------------------------------------


def test_demo_declarations_are_built_once(db, private_files, settings):
    from declarations.demo import DEMO_FIRM_USER, build_declarations
    from standards.ics import load_ics

    load_ics()
    call_command(
        "import_standards",
        str(settings.BASE_DIR / "fixtures" / "demo_standards.jsonl"),
        verbosity=0,
    )
    lines = []
    first = build_declarations(lines.append)
    assert first["failed"] == 0, lines
    assert any(DEMO_FIRM_USER in line for line in lines)
    counts = (
        Enterprise.objects.count(),
        Declaration.objects.count(),
        DeclarationVersion.objects.count(),
        OwnStandard.objects.count(),
        get_user_model().objects.count(),
    )
    second = build_declarations(lines.append)
    assert second["created"] == 0 and second["total"] == first["total"]
    assert counts == (
        Enterprise.objects.count(),
        Declaration.objects.count(),
        DeclarationVersion.objects.count(),
        OwnStandard.objects.count(),
        get_user_model().objects.count(),
    )
    assert (
        3 <= counts[0] <= 4 and len({e.region[:2] for e in Enterprise.objects.all()}) == counts[0]
    )
    public = Declaration.objects.exclude(status=Declaration.Status.DRAFT)
    assert public.count() == Declaration.objects.count()
    assert public.filter(status=Declaration.Status.WITHDRAWN).exists()
    assert public.filter(versions__change=DeclarationVersion.Change.REVISE).exists()
    assert public.filter(references__verdict="superseded", warnings_acknowledged=True).exists()
    assert OwnStandard.objects.exclude(statement="").filter(indicators__isnull=False).exists()
    assert OwnStandard.objects.exclude(text="").exists()
    user = get_user_model().objects.get(username=DEMO_FIRM_USER)
    assert user.membership.enterprise.declarations.exists()
    # Each version was checked as of its own date, and the catalogue changes since
    # (GB 2760-2014 superseded on 2025-02-08) were announced: flagged, firm told.
    juice = Declaration.objects.get(title="橙味果汁饮料")
    assert juice.versions.get().published_at.date() == datetime.date(2024, 11, 5)
    assert juice.flagged_at is not None and "GB 2760-2014" in juice.flag_reason
    assert juice.references.get(normalized="GB 2760-2014").verdict == "superseded"
    assert user.notifications.filter(title__contains="GB 2760-2014").exists()
    cement = Declaration.objects.get(title="通用硅酸盐水泥")
    assert cement.flagged_at is None
    assert {r.checked_on for r in cement.references.all()} == {datetime.date(2025, 1, 8)}
    for firm in Enterprise.objects.all():
        assert services.identifiers.clean_uscc(firm.uscc) == firm.uscc
    # dates read like a history: versions in order, all in the past
    now = timezone.now()
    for declaration in public:
        dates = list(declaration.versions.order_by("number").values_list("published_at", flat=True))
        assert dates == sorted(dates) and dates[-1] <= now
        assert declaration.published_at == dates[-1]
    assert datetime.date(2024, 1, 1) < min(d.first_published_at.date() for d in public)


def test_check_messages_are_shown_in_the_readers_language(
    chain_catalogue, enterprise, firm_user, publish, client
):
    from django.utils.html import escape

    declaration = publish(enterprise, firm_user, data("GB 2760-2014", "YY 0055-2018"))
    stored = {r.input: r for r in declaration.references.all()}
    superseded, successor = stored["GB 2760-2014"], stored["YY 0055-2018"]
    assert superseded.message_en and successor.warnings_en  # kept beside the Chinese
    chinese = client.get(f"/declarations/{declaration.pk}/").content.decode()
    assert escape(successor.warnings[0]) in chinese
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = client.get(f"/declarations/{declaration.pk}/").content.decode()
    assert escape(successor.warnings_en[0]) in english
    assert escape(successor.warnings[0]) not in english
    assert escape(superseded.message_en) in english
    # the version page renders the snapshot, which keeps both languages too
    version = client.get(f"/declarations/{declaration.pk}/v/1/").content.decode()
    assert escape(successor.warnings_en[0]) in version


def test_catalogue_facets_count_standards_only(chain_catalogue, enterprise, firm_user, publish):
    # Declarations share the search index and have a status of their own (published):
    # the catalogue's facets over everything must not count them.
    from collections import Counter

    from search.services import search_standards
    from standards.models import Standard

    publish(enterprise, firm_user, data("GB 2760-2014"))
    page = search_standards("", page_size=1)
    listed = Standard.objects.listed()
    assert page.count == listed.count()
    assert dict(page.facets["status"]).keys() <= {"current", "superseded", "withdrawn", "upcoming"}
    assert sum(dict(page.facets["status"]).values()) == listed.count()
    assert dict(page.facets["level"]) == Counter(listed.values_list("level", flat=True))


def test_labels_in_english_end_with_an_english_colon(
    chain_catalogue, enterprise, firm_user, publish, client
):
    publish(enterprise, firm_user, data("GB 2760-2014"))
    chinese = client.get("/declarations/").content.decode()
    assert "产品：</span>" in chinese and "执行标准：</span>" in chinese
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = client.get("/declarations/").content.decode()
    assert "Product: </span>" in english and "Standards executed: </span>" in english
    assert "Product：" not in english and "Standards executed：" not in english
