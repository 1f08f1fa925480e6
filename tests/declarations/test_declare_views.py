"""The declaration form and the firm's list, through Django's test client."""

import io
import re

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

import pytest
from pypdf import PdfWriter

from declarations import services
from declarations.models import Declaration, DeclarationVersion, Enterprise, Membership

from .conftest import USCC_B

pytestmark = pytest.mark.django_db
User = get_user_model()

NEW = reverse("declarations:new")


def pdf_bytes() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _management(data, prefix, count):
    data[f"{prefix}-TOTAL_FORMS"] = str(count)
    data[f"{prefix}-INITIAL_FORMS"] = "0"
    data[f"{prefix}-MIN_NUM_FORMS"] = "0"
    data[f"{prefix}-MAX_NUM_FORMS"] = "1000"


def form_data(
    products=(("复合调味料", "FH-01", "food"),),
    standards=("GB 2760-2024",),
    own=(),
    commitment=True,
    acknowledge=False,
    action="publish",
    **extra,
):
    """What the browser sends (plus one blank row of each kind, as the page has)."""
    data = {"title": "", action: "1"}
    if commitment:
        data["commitment"] = "on"
    if acknowledge:
        data["acknowledge_warnings"] = "on"
    rows = [*products, ("", "", "")]
    _management(data, "products", len(rows))
    for i, (name, model, category) in enumerate(rows):
        data[f"products-{i}-name"] = name
        data[f"products-{i}-model"] = model
        data[f"products-{i}-category"] = category
    rows = [*standards, ""]
    _management(data, "standards", len(rows))
    for i, number in enumerate(rows):
        data[f"standards-{i}-number"] = number
    rows = [*own, {}]
    _management(data, "own", len(rows))
    for i, o in enumerate(rows):
        data[f"own-{i}-disclosure"] = o.get("disclosure", "indicators")
        for key in ("number", "name", "recommended_standard", "statement"):
            data[f"own-{i}-{key}"] = o.get(key, "")
        if o.get("below_recommended"):
            data[f"own-{i}-below_recommended"] = "on"
        if "text" in o:
            data[f"own-{i}-text"] = o["text"]
        indicators = [*o.get("indicators", []), {}]
        _management(data, f"own-{i}-ind", len(indicators))
        for j, x in enumerate(indicators):
            for key in ("name", "value", "unit", "method", "reference_value"):
                data[f"own-{i}-ind-{j}-{key}"] = x.get(key, "")
            if x.get("lower"):
                data[f"own-{i}-ind-{j}-lower_than_reference"] = "on"
    data.update(extra)
    return data


def OWN(**kw):
    base = {
        "number": "Q/JSP 0001S-2025",
        "name": "复合调味料",
        "indicators": [{"name": "水分", "value": "≤ 8.0", "unit": "g/100g", "method": "GB 5009.3"}],
    }
    base.update(kw)
    return base


@pytest.fixture
def signed_in(client, firm_user):
    client.force_login(firm_user)
    return client


@pytest.fixture
def other_firm_client(db):
    firm = Enterprise.objects.create(name="深圳乙电子有限公司", uscc=USCC_B, region="440305")
    user = User.objects.create_user("firm_b", password="pw-firm-b-123")
    Membership.objects.create(user=user, enterprise=firm, role=Membership.Role.OWNER)
    c = Client()
    c.force_login(user)
    return c


def publish(enterprise, user, *standards, **kw):
    data = services.DeclarationInput(
        products=[services.ProductInput("复合调味料", "FH-01", "food")],
        standards=list(standards),
        commitment=True,
        acknowledge_warnings=True,
        **kw,
    )
    outcome = services.publish(enterprise, user, data)
    assert outcome.ok, outcome.assessment.errors
    return outcome.declaration


# -- the form -----------------------------------------------------------------------------


def test_new_form_works_without_javascript(signed_in, chain_catalogue):
    html = signed_in.get(NEW).content.decode()
    # blank rows to fill in without the script; the script's row templates
    assert 'name="products-TOTAL_FORMS" value="2"' in html
    assert 'name="standards-TOTAL_FORMS" value="3"' in html
    assert 'name="own-0-ind-TOTAL_FORMS" value="2"' in html
    assert "products-__prefix__-name" in html and "own-__prefix__-ind-__row__-name" in html
    assert "自我声明承诺书" in html and "所声明的产品和服务符合所执行的标准" in html
    assert 'name="save_draft"' in html and 'name="publish"' in html
    assert 'data-check-url="/api/v1/check"' in html


def test_publish_with_current_standard(signed_in, chain_catalogue, enterprise):
    response = signed_in.post(
        NEW,
        form_data(products=[("复合调味料", "FH-01", "food"), ("鸡精调味料", "JJ-2", "food")]),
    )
    declaration = Declaration.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("declarations:detail", args=[declaration.pk])
    assert declaration.enterprise == enterprise
    assert (declaration.status, declaration.version) == ("published", 1)
    assert [p.name for p in declaration.products.all()] == ["复合调味料", "鸡精调味料"]
    assert declaration.references.get().verdict == "current"
    assert declaration.commitment


def test_blocking_verdict_keeps_everything_and_says_what_to_do(signed_in, chain_catalogue):
    response = signed_in.post(
        NEW,
        form_data(
            products=[("塑胶跑道面层", "PT-9", "sports")],
            standards=["GB/T 14833-1993", "GB 99999-2020"],
            own=[OWN()],
            title="跑道声明",
        ),
    )
    assert response.status_code == 400
    assert not Declaration.objects.exists()
    html = response.content.decode()
    # what was typed is still there
    for typed in ("塑胶跑道面层", "PT-9", "GB/T 14833-1993", "GB 99999-2020", "跑道声明"):
        assert typed in html
    assert '<option value="sports" selected>' in html
    assert 'name="commitment" id="id_commitment" checked' in html or re.search(
        r'name="commitment"[^>]*checked', html
    )
    assert 'value="Q/JSP 0001S-2025"' in html and 'value="≤ 8.0"' in html
    # the verdicts on their rows, blocking, with what to do
    assert html.count("std-row--blocking") == 2
    assert "badge--withdrawn" in html and "已废止的标准不能声明执行" in html
    assert "badge--unknown" in html and "请核对编号" in html
    assert 'id="problems"' in html and "声明尚未保存" in html


def test_superseded_warning_requires_acknowledgement(signed_in, chain_catalogue):
    response = signed_in.post(NEW, form_data(standards=["GB 2760-2014"]))
    assert response.status_code == 400
    html = response.content.decode()
    assert "std-row--warning" in html and "badge--superseded" in html
    assert "GB 2760-2024" in html  # the edition in force is named
    assert "ack--needed" in html
    assert re.search(r'id="id_acknowledge_warnings_error"[^>]*>\s*<li>有执行标准需要注意', html)
    assert not Declaration.objects.exists()
    response = signed_in.post(NEW, form_data(standards=["GB 2760-2014"], acknowledge=True))
    assert response.status_code == 302
    declaration = Declaration.objects.get()
    assert declaration.warnings_acknowledged
    assert declaration.references.get().current_number == "GB 2760-2024"


def test_missing_fields_are_shown_next_to_them(signed_in, chain_catalogue):
    response = signed_in.post(
        NEW, form_data(products=[("复合调味料", "", "")], standards=[], commitment=False)
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert re.search(
        r'<ul class="errorlist" id="id_products-0-model_error"><li>第 1 个产品缺少型号', html
    )
    assert re.search(r'id="id_products-0-category_error"><li>第 1 个产品缺少类别', html)
    assert re.search(r'name="products-0-model"[^>]*aria-invalid="true"', html)
    assert "请至少填写一项执行标准" in html
    assert re.search(r'id="id_commitment_error"><li>请勾选自我声明承诺', html)


def test_own_standard_with_indicators(signed_in, chain_catalogue):
    lower = OWN(
        indicators=[
            {
                "name": "水分",
                "value": "≤ 9",
                "unit": "g/100g",
                "method": "GB 5009.3",
                "reference_value": "≤ 8",
                "lower": True,
            }
        ],
        recommended_standard="GB/T 00000-2020",
    )
    response = signed_in.post(NEW, form_data(own=[lower]))
    assert response.status_code == 400
    html = response.content.decode()
    assert re.search(r'id="id_own-0-statement_error"><li>Q/JSP 0001S-2025 的指标少于或低于', html)
    assert 'value="≤ 9"' in html and re.search(
        r'name="own-0-ind-0-lower_than_reference"[^>]*checked', html
    )
    lower["statement"] = "水分指标高于推荐性标准的推荐值，因工艺需要。"
    response = signed_in.post(NEW, form_data(own=[lower]))
    assert response.status_code == 302
    own = Declaration.objects.get().own_standards.get()
    assert (own.number, own.disclosure, own.statement) == (
        "Q/JSP 0001S-2025",
        "indicators",
        lower["statement"],
    )
    indicator = own.indicators.get()
    assert (indicator.name, indicator.value, indicator.lower_than_reference) == (
        "水分",
        "≤ 9",
        True,
    )


def test_own_standard_without_indicators_is_refused_on_its_block(signed_in, chain_catalogue):
    response = signed_in.post(NEW, form_data(own=[OWN(indicators=[])]))
    assert response.status_code == 400
    html = response.content.decode()
    block = html[html.index('id="sec-own"') :]
    assert "请填写 Q/JSP 0001S-2025 的功能指标和性能指标" in block


def test_pdf_upload_is_checked_by_content(signed_in, chain_catalogue):
    fake = SimpleUploadedFile("标准.pdf", b"MZ\x90\x00 this is no pdf", "application/pdf")
    own = OWN(disclosure="full_text", indicators=[], text=fake)
    response = signed_in.post(NEW, form_data(own=[own]))
    assert response.status_code == 400
    html = response.content.decode()
    assert re.search(r'id="id_own-0-text_error"><li>只接受 PDF 文件', html)
    assert "上传的 PDF 文件需要重新选择" in html and "标准.pdf" in html
    assert not Declaration.objects.exists()
    # nor may a draft keep it
    fake.seek(0)
    response = signed_in.post(NEW, form_data(own=[own], action="save_draft"))
    assert response.status_code == 400 and not Declaration.objects.exists()
    real = SimpleUploadedFile("标准.pdf", pdf_bytes(), "application/pdf")
    own = OWN(disclosure="full_text", indicators=[], text=real)
    response = signed_in.post(NEW, form_data(own=[own]))
    assert response.status_code == 302
    stored = Declaration.objects.get().own_standards.get()
    assert stored.text_name == "标准.pdf" and len(stored.text_sha256) == 64
    assert stored.text.read().startswith(b"%PDF-")


def test_save_draft_then_publish_from_edit(signed_in, chain_catalogue):
    response = signed_in.post(
        NEW, form_data(standards=["GB 2760-2014"], commitment=False, action="save_draft")
    )
    draft = Declaration.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("declarations:edit", args=[draft.pk])
    assert (draft.status, draft.version) == ("draft", 0)
    html = signed_in.get(response["Location"]).content.decode()
    assert 'value="复合调味料"' in html and 'value="GB 2760-2014"' in html
    assert "badge--superseded" in html  # verdicts shown on load
    assert "修订" not in html.split('id="sec-commitment"')[1].split("</section>")[0]
    edit = reverse("declarations:edit", args=[draft.pk])
    response = signed_in.post(edit, form_data(standards=["GB 2760-2014"], acknowledge=True))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.status, draft.version) == ("published", 1)
    assert Declaration.objects.count() == 1


def test_revise_and_modify_publish_new_versions(signed_in, chain_catalogue, enterprise, firm_user):
    declaration = publish(enterprise, firm_user, "GB 2760-2024")
    edit = reverse("declarations:edit", args=[declaration.pk])
    html = signed_in.get(edit).content.decode()
    assert "修订" in html and "修改" in html and 'name="save_draft"' not in html
    assert 'value="GB 2760-2024"' in html and "badge--current" in html
    data = form_data(standards=["GB 2760-2024", "GB/T 19580-2012"], change="revise")
    response = signed_in.post(edit, data)
    assert response.status_code == 400
    assert "请填写变更说明" in response.content.decode()
    data["reason"] = "增加执行标准"
    response = signed_in.post(edit, data)
    assert response.status_code == 302
    declaration.refresh_from_db()
    assert declaration.version == 2 and declaration.references.count() == 2
    version = declaration.versions.get(number=2)
    assert (version.change, version.reason) == ("revise", "增加执行标准")
    data = form_data(
        products=[("复合调味料", "FH-01A", "food")],
        standards=["GB 2760-2024"],
        change="modify",
        reason="更正型号",
    )
    assert signed_in.post(edit, data).status_code == 302
    declaration.refresh_from_db()
    assert declaration.version == 3
    assert declaration.versions.get(number=3).change == DeclarationVersion.Change.MODIFY
    assert declaration.products.get().model == "FH-01A"


def test_withdraw_asks_reason_and_confirmation(signed_in, chain_catalogue, enterprise, firm_user):
    declaration = publish(enterprise, firm_user, "GB 2760-2024")
    url = reverse("declarations:withdraw", args=[declaration.pk])
    page = signed_in.get(url)
    assert page.status_code == 200 and "确认废止" in page.content.decode()
    response = signed_in.post(url, {"reason": "停产"})
    assert response.status_code == 400 and "请勾选确认" in response.content.decode()
    declaration.refresh_from_db()
    assert declaration.status == "published"
    response = signed_in.post(url, {"reason": "停产", "confirm": "on"})
    assert response.status_code == 302
    declaration.refresh_from_db()
    assert declaration.status == "withdrawn" and declaration.version == 2
    assert declaration.versions.get(number=2).reason == "停产"
    # final: no more edits or withdrawals
    response = signed_in.get(reverse("declarations:edit", args=[declaration.pk]))
    assert response.status_code == 302
    assert signed_in.post(url, {"reason": "x", "confirm": "on"}).status_code == 302
    declaration.refresh_from_db()
    assert declaration.version == 2


def test_my_declarations_list(signed_in, chain_catalogue, enterprise, firm_user):
    flagged = publish(enterprise, firm_user, "GB 2760-2014")
    services.save_draft(
        enterprise,
        firm_user,
        services.DeclarationInput(products=[services.ProductInput("草稿产品", "D1", "food")]),
    )
    response = signed_in.get(reverse("declarations:mine"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "草稿产品" in html and "继续填写" in html
    row = html[html.index(f'data-declaration="{flagged.pk}"') :].split("</tr>")[0]
    assert "已公开" in row and "第 1 版" in row
    assert "GB 2760-2014" in row and "badge--superseded" in row  # needs attention
    assert reverse("declarations:detail", args=[flagged.pk]) in row
    assert reverse("declarations:withdraw", args=[flagged.pk]) in row


def test_script_in_a_product_name_is_shown_as_text(signed_in, chain_catalogue):
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    response = signed_in.post(
        NEW, form_data(products=[(evil, "M1", "food")], standards=["GB 99999-2020"])
    )
    html = response.content.decode()
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert signed_in.post(NEW, form_data(products=[(evil, "M1", "food")])).status_code == 302
    html = signed_in.get(reverse("declarations:mine")).content.decode()
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    declaration = Declaration.objects.get()
    html = signed_in.get(reverse("declarations:edit", args=[declaration.pk])).content.decode()
    assert "<script>alert" not in html and "<img src=x" not in html


def test_csrf_is_enforced(firm_user, chain_catalogue):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(firm_user)
    assert strict.post(NEW, form_data()).status_code == 403
    assert not Declaration.objects.exists()


def test_tampered_management_form_is_refused_politely(signed_in, chain_catalogue):
    data = form_data()
    del data["products-TOTAL_FORMS"]
    response = signed_in.post(NEW, data)
    assert response.status_code == 400
    assert 'id="problems"' in response.content.decode()
    assert not Declaration.objects.exists()


# -- who may see what ---------------------------------------------------------------------


def test_another_firm_gets_404_everywhere(
    signed_in, other_firm_client, chain_catalogue, enterprise, firm_user
):
    published = publish(enterprise, firm_user, "GB 2760-2024")
    draft = services.save_draft(
        enterprise,
        firm_user,
        services.DeclarationInput(products=[services.ProductInput("机密草稿", "D1", "food")]),
    )
    for declaration in (published, draft):
        for name in ("edit", "withdraw"):
            url = reverse(f"declarations:{name}", args=[declaration.pk])
            assert other_firm_client.get(url).status_code == 404
            assert (
                other_firm_client.post(url, form_data(reason="x", confirm="on")).status_code == 404
            )
    html = other_firm_client.get(reverse("declarations:mine")).content.decode()
    assert "机密草稿" not in html and "复合调味料" not in html
    published.refresh_from_db()
    draft.refresh_from_db()
    assert (published.status, published.version) == ("published", 1)
    assert (draft.status, draft.products.get().name) == ("draft", "机密草稿")
    # their own list and form work
    assert other_firm_client.get(NEW).status_code == 200


def test_anonymous_and_staff(client, admin_user, chain_catalogue, enterprise, firm_user):
    declaration = publish(enterprise, firm_user, "GB 2760-2024")
    for name in ("edit", "withdraw"):
        url = reverse(f"declarations:{name}", args=[declaration.pk])
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        assert client.post(url, form_data()).status_code == 302
    client.force_login(admin_user)
    for url in (NEW, reverse("declarations:edit", args=[declaration.pk])):
        response = client.get(url)
        assert response.status_code == 403
        assert "未关联企业" in response.content.decode()
    assert client.post(NEW, form_data()).status_code == 403
    assert Declaration.objects.count() == 1


def test_bad_own_number_is_said_once_on_its_block(signed_in, chain_catalogue):
    response = signed_in.post(NEW, form_data(own=[OWN(number="Q/ABC 1-24")]))
    assert response.status_code == 400
    html = response.content.decode()
    assert re.search(r'id="id_own-0-number_error"><li>企业标准编号应为', html)
    problems = html[html.index('id="problems"') :].split("</div>")[0]
    assert problems.count("企业标准编号应为") == 1
    standards = html[html.index('id="sec-standards"') : html.index('id="sec-own"')]
    assert "企业标准编号应为" not in standards


def test_revision_keeps_the_stored_text_unless_a_new_one_is_chosen(signed_in, chain_catalogue):
    real = SimpleUploadedFile("全文.pdf", pdf_bytes(), "application/pdf")
    own = OWN(disclosure="full_text", indicators=[], text=real)
    assert signed_in.post(NEW, form_data(own=[own])).status_code == 302
    declaration = Declaration.objects.get()
    sha = declaration.own_standards.get().text_sha256
    edit = reverse("declarations:edit", args=[declaration.pk])
    html = signed_in.get(edit).content.decode()
    assert "已上传：全文.pdf" in html
    own = OWN(disclosure="full_text", indicators=[])
    data = form_data(own=[own], change="modify", reason="更正型号")
    response = signed_in.post(edit, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    stored = Declaration.objects.get().own_standards.get()
    assert (stored.text_sha256, stored.text_name) == (sha, "全文.pdf")


def test_oversized_upload_is_refused_with_a_message(signed_in, chain_catalogue, settings):
    settings.MAX_UPLOAD_BYTES = 50_000
    big = SimpleUploadedFile("大.pdf", b"%PDF-1.7\n" + b"0" * 120_000, "application/pdf")
    response = signed_in.post(NEW, form_data(own=[OWN(disclosure="full_text", text=big)]))
    assert response.status_code == 413
    assert "上传的文件太大" in response.content.decode()
    assert not Declaration.objects.exists()
