"""create_enterprise and issue_api_token, and a printed token used against the API."""

import io
import json

from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from wagtail.models import APIToken

import pytest

from declarations.models import Declaration, Enterprise, Membership
from tests.conftest import GB2760_CHAIN

from .conftest import USCC_A, USCC_B

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_create_enterprise_with_generated_password():
    out, _ = run("create_enterprise", "北京甲食品有限公司", USCC_A.lower(), "jia")
    enterprise = Enterprise.objects.get()
    assert (enterprise.name, enterprise.uscc) == ("北京甲食品有限公司", USCC_A)
    # No --region: the division code inside the credit code (110000, 北京市).
    assert enterprise.region == "110000"
    membership = Membership.objects.get()
    assert membership.enterprise == enterprise and membership.is_owner
    password = out.strip().splitlines()[-1].rsplit("：", 1)[1]
    assert membership.user.check_password(password)
    assert "北京市" in out


def test_create_enterprise_with_options():
    run(
        "create_enterprise",
        "深圳乙电器有限公司",
        USCC_B,
        "yi",
        "--region",
        "440305",
        "--password",
        "a-Long-pass-2026",
        "--email",
        "yi@example.com",
    )
    enterprise = Enterprise.objects.get()
    assert (enterprise.region, enterprise.region_name) == ("440305", "广东省深圳市南山区")
    user = enterprise.members.get().user
    assert user.email == "yi@example.com" and user.check_password("a-Long-pass-2026")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["甲", "91110000600037341X", "u1"], "校验位"),
        (["甲", "9111", "u1"], "18 位"),
        (["甲", USCC_A, "u1", "--region", "999999"], "行政区划代码"),
        (["甲", USCC_A, "u1", "--email", "not-an-email"], "邮箱"),
        (["甲", USCC_A, "u1", "--password", "123"], "密码"),
        (["  ", USCC_A, "u1"], "企业名称"),
    ],
)
def test_create_enterprise_refuses_bad_input(args, message):
    with pytest.raises(CommandError, match=message):
        run("create_enterprise", *args)
    assert Enterprise.objects.count() == 0
    assert get_user_model().objects.count() == 0


def test_create_enterprise_refuses_duplicates(django_user_model):
    run("create_enterprise", "北京甲食品有限公司", USCC_A, "jia")
    with pytest.raises(CommandError, match="已注册"):
        run("create_enterprise", "另一家", USCC_A, "other")
    django_user_model.objects.create_user("taken")
    with pytest.raises(CommandError, match="已存在"):
        run("create_enterprise", "深圳乙", USCC_B, "TAKEN")
    assert Enterprise.objects.count() == 1
    assert not django_user_model.objects.filter(username="other").exists()


def test_issue_api_token_prints_a_working_token_last(client, import_records):
    import_records([{k: v for k, v in r.items() if k != "ics"} for r in GB2760_CHAIN])
    run("create_enterprise", "北京甲食品有限公司", USCC_A, "jia")
    out, err = run("issue_api_token", "jia", "--name", "ERP 对接")
    token = out.rstrip("\n").splitlines()[-1]
    assert token == token.strip() and " " not in token
    assert APIToken.objects.get().name == "ERP 对接"
    assert not err
    response = client.post(
        "/api/v1/declarations",
        json.dumps(
            {
                "products": [{"name": "复合调味料", "model": "FH-01", "category": "食品"}],
                "standards": [{"number": "GB 2760-2024"}],
                "acknowledge_warnings": False,
            }
        ),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 201, response.content
    assert Declaration.objects.get().enterprise.uscc == USCC_A


def test_issue_api_token_for_unknown_or_unattached_users(django_user_model):
    with pytest.raises(CommandError, match="不存在"):
        run("issue_api_token", "nobody")
    django_user_model.objects.create_user("loner")
    out, err = run("issue_api_token", "loner")
    assert "不属于任何企业" in err
    assert out.splitlines()[-1].startswith("wagtail_")
    inactive = django_user_model.objects.create_user("gone", is_active=False)
    with pytest.raises(CommandError, match="停用"):
        run("issue_api_token", inactive.username)
