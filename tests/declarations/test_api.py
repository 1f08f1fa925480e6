"""The declarations JSON API: publishing, verdicts, access between firms, bad input."""

import base64
import io
import json

from django.core.files.storage import FileSystemStorage

from wagtail.models import APIToken

import pytest
from pypdf import PdfWriter

from declarations import services
from declarations.api import MAX_BODY_BYTES
from declarations.models import Declaration, Enterprise, Membership, OwnStandard
from declarations.services import DeclarationInput, ProductInput
from tests.conftest import GB2760_CHAIN

from .conftest import USCC_B

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain_catalogue(db, import_records):
    """The GB 2760 chain of tests/conftest.py without its ICS codes: loading the ICS
    tree takes seconds per test and nothing here needs it."""
    import_records([{k: v for k, v in r.items() if k != "ics"} for r in GB2760_CHAIN])


URL = "/api/v1/declarations"


@pytest.fixture(autouse=True)
def private_files(tmp_path, monkeypatch):
    """Uploaded texts go to a temporary directory, not the project's var/private."""
    field = OwnStandard._meta.get_field("text")
    monkeypatch.setattr(field, "storage", FileSystemStorage(location=tmp_path / "private"))


def _token(user, name="test"):
    return APIToken.create_token(user=user, name=name)[1]


@pytest.fixture
def token_a(firm_user):
    return _token(firm_user)


@pytest.fixture
def firm_b(db, django_user_model):
    firm = Enterprise.objects.create(name="深圳乙电器有限公司", uscc=USCC_B, region="440305")
    user = django_user_model.objects.create_user("firm_b", password="pw-firm-b-123")
    Membership.objects.create(user=user, enterprise=firm, role=Membership.Role.OWNER)
    return firm


@pytest.fixture
def token_b(firm_b):
    return _token(firm_b.members.get().user)


def _auth(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}


def post(client, token, body, url=URL, raw=False):
    data = body if raw else json.dumps(body, ensure_ascii=False)
    return client.post(url, data, content_type="application/json", **_auth(token))


def put(client, token, pk, body):
    return client.put(
        f"{URL}/{pk}",
        json.dumps(body, ensure_ascii=False),
        content_type="application/json",
        **_auth(token),
    )


def get(client, token, pk):
    return client.get(f"{URL}/{pk}", **_auth(token))


def body(*standards, **extra):
    return {
        "products": [{"name": "复合调味料", "model": "FH-01", "category": "食品"}],
        "standards": [{"number": s} if isinstance(s, str) else s for s in standards],
        "acknowledge_warnings": False,
        **extra,
    }


def _pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# -- publishing ---------------------------------------------------------------------------------


def test_publish_returns_201_with_verdicts(chain_catalogue, client, enterprise, token_a):
    response = post(client, token_a, body("GB 2760-2024", "GB/T 19580-2012"))
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "published"
    assert data["url"] == f"/declarations/{data['id']}/"
    assert [(r["input"], r["normalized"], r["verdict"]) for r in data["references"]] == [
        ("GB 2760-2024", "GB 2760-2024", "current"),
        ("GB/T 19580-2012", "GB/T 19580-2012", "current"),
    ]
    assert all(r["message"] for r in data["references"])
    declaration = Declaration.objects.get(pk=data["id"])
    assert declaration.enterprise == enterprise
    assert declaration.commitment  # the API's documented default
    assert declaration.products.get().category == "food"

    detail = get(client, None, data["id"]).json()  # public, no token
    assert detail["enterprise"] == {
        "name": "北京甲食品有限公司",
        "uscc": enterprise.uscc,
        "region": "110105",
        "region_name": "北京市朝阳区",
        "url": f"/enterprises/{enterprise.uscc}/",
    }
    assert detail["products"][0]["category_name"] == "食品"
    assert [r["verdict"] for r in detail["references"]] == ["current", "current"]
    assert detail["version"] == 1
    assert [v["change"] for v in detail["versions"]] == ["publish"]


def test_category_code_and_plain_numbers(chain_catalogue, client, enterprise, token_a):
    payload = body()
    payload["products"][0]["category"] = "medical_device"
    payload["standards"] = ["YY 0055-2018"]
    payload["acknowledge_warnings"] = True  # YY 0055-2026 is published: a warning
    response = post(client, token_a, payload)
    assert response.status_code == 201, response.content
    ref = response.json()["references"][0]
    assert ref["verdict"] == "current" and ref["warnings"]
    assert Declaration.objects.get().products.get().category == "medical_device"


@pytest.mark.parametrize(
    ("number", "verdict"),
    [("GB/T 14833-1993", "withdrawn"), ("GB 99999-2020", "unknown"), ("不是标准编号", "malformed")],
)
def test_blocking_reference_gives_422(
    chain_catalogue, client, enterprise, token_a, number, verdict
):
    response = post(client, token_a, body("GB 2760-2024", number, acknowledge_warnings=True))
    assert response.status_code == 422
    data = response.json()
    assert [r["verdict"] for r in data["references"]] == ["current", verdict]
    assert data["references"][1]["blocking"] is True
    assert any(e["field"] == "standards" and number in e["message"] for e in data["errors"])
    assert all(e["message_en"] for e in data["errors"])
    assert Declaration.objects.count() == 0


def test_superseded_needs_acknowledgement(chain_catalogue, client, enterprise, token_a):
    response = post(client, token_a, body("GB 2760-2014"))
    assert response.status_code == 422
    data = response.json()
    assert [e["field"] for e in data["errors"]] == ["acknowledge_warnings"]
    ref = data["references"][0]
    assert (ref["verdict"], ref["current"], ref["needs_acknowledgement"]) == (
        "superseded",
        "GB 2760-2024",
        True,
    )
    assert Declaration.objects.count() == 0

    response = post(client, token_a, body("GB 2760-2014", acknowledge_warnings=True))
    assert response.status_code == 201
    assert response.json()["warnings_acknowledged"] is True


def test_explicit_false_commitment_blocks(chain_catalogue, client, enterprise, token_a):
    response = post(client, token_a, body("GB 2760-2024", commitment=False))
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["commitment"]


def test_own_standard_with_indicators(chain_catalogue, client, enterprise, token_a):
    own = {
        "number": "Q/JSP 0001S-2025",
        "name": "复合调味料",
        "indicators": [
            {"name": "水分", "value": "≤ 8.0", "unit": "g/100g", "method": "GB 5009.3"},
            {
                "name": "钠",
                "value": "≤ 30",
                "unit": "g/100g",
                "reference_value": "≤ 25",
                "lower_than_reference": True,
            },
        ],
        "recommended_standard": "GB/T 00000-2020",
    }
    # Lower than the recommended standard: the statement (明示) is required.
    response = post(client, token_a, body("GB 2760-2024", own))
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["own_standards.1.statement"]

    own["statement"] = "钠含量高于推荐值，系产品风味所需。"
    response = post(client, token_a, body("GB 2760-2024", own))
    assert response.status_code == 201, response.content
    refs = response.json()["references"]
    assert [(r["normalized"], r["verdict"], r["own"]) for r in refs] == [
        ("GB 2760-2024", "current", False),
        ("Q/JSP 0001S-2025", "own", True),
    ]
    detail = get(client, None, response.json()["id"]).json()
    (standard,) = detail["own_standards"]
    assert standard["name"] == "复合调味料"
    assert standard["disclosure"] == "indicators"
    assert standard["statement"].startswith("钠含量")
    assert [(x["name"], x["lower_than_reference"]) for x in standard["indicators"]] == [
        ("水分", False),
        ("钠", True),
    ]
    assert standard["text_url"] is None


def test_own_standard_without_indicators_or_name(chain_catalogue, client, enterprise, token_a):
    response = post(client, token_a, body({"number": "Q/JSP 0002-2025"}))
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"own_standards.1.name", "own_standards.1.indicators"} <= fields


def test_own_standard_full_text_pdf(chain_catalogue, client, enterprise, token_a):
    own = {
        "number": "Q/JSP 0003-2025",
        "name": "调味料",
        "text_pdf_base64": "data:application/pdf;base64," + base64.b64encode(_pdf()).decode(),
        "text_name": "Q-JSP-0003.pdf",
    }
    response = post(client, token_a, body(own))
    assert response.status_code == 201, response.content
    detail = get(client, None, response.json()["id"]).json()
    (standard,) = detail["own_standards"]
    assert standard["disclosure"] == "full_text"
    assert standard["text_url"].endswith("/text.pdf")
    stored = OwnStandard.objects.get()
    assert stored.text_name == "Q-JSP-0003.pdf" and len(stored.text_sha256) == 64


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("这不是base64!!", "base64"),
        (base64.b64encode(b"MZ\x90\x00 executable").decode(), "PDF"),
        (base64.b64encode(b"%PDF-1.7 truncated").decode(), "损坏"),
    ],
)
def test_bad_pdf_text_is_refused(chain_catalogue, client, enterprise, token_a, text, expected):
    own = {"number": "Q/JSP 0004-2025", "name": "调味料", "text_pdf_base64": text}
    response = post(client, token_a, body(own))
    assert response.status_code == 422
    assert expected in " ".join(e["message"] for e in response.json()["errors"])
    assert Declaration.objects.count() == 0


def test_indicators_only_for_own_standards(chain_catalogue, client, enterprise, token_a):
    item = {"number": "GB 2760-2024", "indicators": [{"name": "水分", "value": "1"}]}
    response = post(client, token_a, body(item))
    assert response.status_code == 422
    assert "只有企业标准" in response.json()["errors"][0]["message"]


# -- authentication and access ------------------------------------------------------------------


def test_401_without_or_with_bad_token(chain_catalogue, client, enterprise, firm_user, token_a):
    response = post(client, None, body("GB 2760-2024"))
    assert response.status_code == 401
    assert "令牌" in response.json()["detail"]
    assert post(client, "wagtail_notatoken", body("GB 2760-2024")).status_code == 401
    # A session does not stand in for a token.
    client.force_login(firm_user)
    assert post(client, None, body("GB 2760-2024")).status_code == 401
    # A revoked token stops working.
    instance = APIToken.objects.get()
    instance.revoke()
    assert post(client, token_a, body("GB 2760-2024")).status_code == 401
    assert Declaration.objects.count() == 0


def test_403_for_a_user_without_enterprise(chain_catalogue, client, django_user_model):
    user = django_user_model.objects.create_user("loner", password="pw-loner-123")
    response = post(client, _token(user), body("GB 2760-2024"))
    assert response.status_code == 403
    assert "不属于任何企业" in response.json()["detail"]


def test_get_with_a_bad_token_is_401(chain_catalogue, client, enterprise, firm_user):
    outcome = services.publish(enterprise, firm_user, _data())
    assert get(client, "wagtail_bad", outcome.declaration.pk).status_code == 401


def _data(*standards):
    return DeclarationInput(
        products=[ProductInput("复合调味料", "FH-01", "食品")],
        standards=list(standards or ["GB 2760-2024"]),
        commitment=True,
    )


def test_drafts_are_private_to_their_firm(
    chain_catalogue, client, enterprise, firm_user, token_a, token_b
):
    draft = services.save_draft(enterprise, firm_user, _data())
    assert draft.status == "draft"
    assert get(client, None, draft.pk).status_code == 404
    assert get(client, token_b, draft.pk).status_code == 404
    assert get(client, token_a, draft.pk).json()["status"] == "draft"
    # Another firm cannot even learn that it exists.
    assert put(client, token_b, draft.pk, body("GB 2760-2024")).status_code == 404
    assert post(client, token_b, {}, url=f"{URL}/{draft.pk}/withdraw").status_code == 404
    assert get(client, token_b, draft.pk + 1000).status_code == 404
    draft.refresh_from_db()
    assert (draft.status, draft.version) == ("draft", 0)
    # Its own firm publishes it with PUT.
    response = put(client, token_a, draft.pk, body("GB 2760-2024"))
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["version"]) == ("published", 1)
    # A draft cannot be withdrawn.
    other = services.save_draft(enterprise, firm_user, _data())
    response = post(client, token_a, None, url=f"{URL}/{other.pk}/withdraw", raw=True)
    assert response.status_code == 409


def test_another_firm_cannot_change_a_published_declaration(
    chain_catalogue, client, enterprise, firm_user, token_b
):
    declaration = services.publish(enterprise, firm_user, _data()).declaration
    assert get(client, token_b, declaration.pk).status_code == 200
    response = put(client, token_b, declaration.pk, body("GB/T 19580-2012"))
    assert response.status_code == 403
    assert "其他企业" in response.json()["detail"]
    response = post(client, token_b, {"reason": "x"}, url=f"{URL}/{declaration.pk}/withdraw")
    assert response.status_code == 403
    declaration.refresh_from_db()
    assert (declaration.status, declaration.version) == ("published", 1)
    assert declaration.references.get().normalized == "GB 2760-2024"


def test_revise_modify_and_withdraw(chain_catalogue, client, enterprise, firm_user, token_a):
    pk = post(client, token_a, body("GB 2760-2024")).json()["id"]
    revised = put(
        client,
        token_a,
        pk,
        {**body("GB 2760-2024", "GB/T 19580-2012"), "change": "revise", "reason": "增加标准"},
    )
    assert revised.status_code == 200, revised.content
    assert revised.json()["version"] == 2
    modified = put(
        client, token_a, pk, {**body("GB 2760-2024"), "change": "modify", "reason": "更正"}
    )
    assert modified.json()["version"] == 3
    bad = put(client, token_a, pk, {**body("GB 2760-2024"), "change": "delete"})
    assert bad.status_code == 422
    blocked = put(client, token_a, pk, {**body("GB/T 14833-1993"), "reason": "x"})
    assert blocked.status_code == 422
    assert Declaration.objects.get().version == 3

    response = post(client, token_a, {"reason": "停产"}, url=f"{URL}/{pk}/withdraw")
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["status"], data["version"]) == ("withdrawn", 4)
    assert [(v["number"], v["change"]) for v in data["versions"]] == [
        (4, "withdraw"),
        (3, "modify"),
        (2, "revise"),
        (1, "publish"),
    ]
    assert data["versions"][0]["reason"] == "停产"
    assert get(client, None, pk).json()["status"] == "withdrawn"  # still public
    assert post(client, token_a, {}, url=f"{URL}/{pk}/withdraw").status_code == 409
    assert put(client, token_a, pk, body("GB 2760-2024")).status_code == 409


# -- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "status", "expected"),
    [
        ("{not json", 400, "JSON"),
        ("", 400, "请求体为空"),
        ("[1, 2]", 422, "JSON 对象"),
        ('{"products": "x", "standards": []}', 422, "数组"),
        ('{"standards": [{"number": "GB 2760-2024"}]}', 422, "缺少必填项"),
        (
            '{"products": [{"name": 1, "model": "a", "category": "食品"}], "standards": []}',
            422,
            "products.1.name",
        ),
        (
            '{"products": [], "standards": [], "acknowledge_warnings": "yes"}',
            422,
            "true 或 false",
        ),
        ('{"products": [], "standards": [], "acknowledge_warning": true}', 422, "不认识的字段"),
        (
            '{"products": [{"name": "' + "长" * 300 + '", "model": "a", "category": "食品"}],'
            ' "standards": []}',
            422,
            "最多 200 个字符",
        ),
    ],
)
def test_malformed_bodies(chain_catalogue, client, enterprise, token_a, raw, status, expected):
    response = post(client, token_a, raw, raw=True)
    assert response.status_code == status, response.content
    data = response.json()
    text = data["detail"] + " ".join(e["message"] for e in data.get("errors", []))
    assert expected in text
    assert Declaration.objects.count() == 0


def test_too_many_products(chain_catalogue, client, enterprise, token_a):
    payload = body("GB 2760-2024")
    payload["products"] = [
        {"name": f"产品{i}", "model": f"M-{i}", "category": "食品"} for i in range(10_000)
    ]
    response = post(client, token_a, payload)
    assert response.status_code == 422
    data = response.json()
    assert any("最多 200 个产品" in e["message"] for e in data["errors"])
    assert len(data["errors"]) <= 100
    assert Declaration.objects.count() == 0


def test_unknown_category(chain_catalogue, client, enterprise, token_a):
    payload = body("GB 2760-2024")
    payload["products"][0]["category"] = "火箭"
    response = post(client, token_a, payload)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "products.1.category"


def test_huge_body_is_413(chain_catalogue, client, enterprise, token_a):
    payload = body({"number": "Q/JSP 0005-2025", "name": "x", "text_pdf_base64": "A" * 10})
    raw = json.dumps(payload).replace("A" * 10, "A" * (MAX_BODY_BYTES + 10))
    response = post(client, token_a, raw, raw=True)
    assert response.status_code == 413
    assert "MB" in response.json()["detail"]
    assert Declaration.objects.count() == 0


def test_script_in_fields_is_returned_as_data(chain_catalogue, client, enterprise, token_a):
    payload = body("GB 2760-2024")
    payload["products"][0]["name"] = "<script>alert(1)</script>"
    response = post(client, token_a, payload)
    assert response.status_code == 201
    assert response["Content-Type"].startswith("application/json")
    detail = get(client, None, response.json()["id"]).json()
    assert detail["products"][0]["name"] == "<script>alert(1)</script>"
