"""Enterprise accounts: sign-up, login, the account page, members and API tokens."""

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from wagtail.models import APIToken

import pytest

from declarations.models import Enterprise, Membership

from .conftest import USCC_A, USCC_B

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture(autouse=True)
def fresh_rate_limits(rate_window_held):
    cache.clear()
    yield
    cache.clear()


def signup_data(**overrides):
    data = {
        "name": "深圳乙电子有限公司",
        "uscc": USCC_B,
        "region_1": "440000",
        "region_2": "440300",
        "region_3": "440305",
        "address": "深圳市南山区科技园",
        "contact_name": "王五",
        "contact_phone": "0755-12345678",
        "contact_email": "wang@example.com",
        "username": "yi_owner",
        "password1": "Zq8!standards-2026",
        "password2": "Zq8!standards-2026",
        "signup": "1",
    }
    data.update(overrides)
    return data


def test_signup_creates_enterprise_owner_and_membership(client):
    page = client.get(reverse("declarations:signup"))
    assert page.status_code == 200
    assert "统一社会信用代码" in page.content.decode()
    response = client.post(reverse("declarations:signup"), signup_data(uscc=USCC_B.lower()))
    assert response.status_code == 302
    assert response["Location"] == reverse("declarations:new")
    firm = Enterprise.objects.get(uscc=USCC_B)  # normalized to upper case
    assert (firm.name, firm.region, firm.region_name) == (
        "深圳乙电子有限公司",
        "440305",
        "广东省深圳市南山区",
    )
    membership = Membership.objects.get(enterprise=firm)
    assert membership.is_owner and membership.user.username == "yi_owner"
    assert membership.user.check_password("Zq8!standards-2026")
    assert not membership.user.is_staff
    # signed in at once
    assert client.get(reverse("declarations:account")).status_code == 200


@pytest.mark.parametrize(
    ("uscc", "message"),
    [
        ("91110000600037341X", "校验位不正确"),
        ("9111000060003734", "应为 18 位"),
        ("", "请填写统一社会信用代码"),
    ],
)
def test_signup_refuses_bad_uscc_and_keeps_input(client, uscc, message):
    response = client.post(reverse("declarations:signup"), signup_data(uscc=uscc))
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert "深圳乙电子有限公司" in html and "wang@example.com" in html
    assert not Enterprise.objects.exists() and not User.objects.exists()


def test_signup_refuses_registered_uscc(client, enterprise):
    response = client.post(reverse("declarations:signup"), signup_data(uscc=USCC_A))
    assert "已注册" in response.content.decode()
    assert Enterprise.objects.count() == 1
    assert not User.objects.filter(username="yi_owner").exists()


def test_signup_refuses_taken_username_and_weak_password(client, firm_user):
    response = client.post(
        reverse("declarations:signup"),
        signup_data(username="FIRM_A", password1="12345678", password2="12345678"),
    )
    html = response.content.decode()
    assert "该用户名已被使用" in html
    assert "全都是数字" in html or "全部为数字" in html or "数字" in html
    assert not Enterprise.objects.filter(uscc=USCC_B).exists()
    response = client.post(reverse("declarations:signup"), signup_data(password2="different!23"))
    assert "两次输入的密码不一致" in response.content.decode()


@pytest.mark.parametrize(
    "region",
    [
        {"region_1": "", "region_2": "", "region_3": ""},  # none
        {"region_2": "", "region_3": ""},  # only the province
        {"region_3": ""},  # a city that has districts
        {"region_2": "110100", "region_3": ""},  # a city of another province
        {"region_3": "110105"},  # a county of another city
        {"region_1": "999999", "region_2": "", "region_3": ""},  # not a code
    ],
)
def test_signup_refuses_incomplete_or_inconsistent_region(client, region):
    response = client.post(reverse("declarations:signup"), signup_data(**region))
    assert response.status_code == 200
    assert "所在地区" in response.content.decode()
    assert "errorlist" in response.content.decode()
    assert not Enterprise.objects.exists()


@pytest.mark.parametrize(
    ("levels", "code"),
    [(("110000", "110105"), "110105"), (("440000", "441900"), "441900"), (("710000",), "710000")],
)
def test_signup_accepts_regions_without_a_city_level(client, levels, code):
    region = dict(zip(("region_1", "region_2", "region_3"), [*levels, "", ""], strict=False))
    response = client.post(reverse("declarations:signup"), signup_data(**region))
    assert response.status_code == 302, response.content.decode()
    assert Enterprise.objects.get().region == code


def test_region_picker_without_javascript_steps_down(client):
    response = client.post(
        reverse("declarations:signup"),
        {"name": "甲", "region_1": "440000", "region_step": "1"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert '<option value="440300">深圳市</option>' in html
    assert "errorlist" not in html  # a step, not a submission
    response = client.post(
        reverse("declarations:signup"),
        {"name": "甲", "region_1": "440000", "region_2": "440300", "region_step": "1"},
    )
    assert '<option value="440305">南山区</option>' in response.content.decode()
    assert not Enterprise.objects.exists()


def test_region_endpoint(client):
    provinces = client.get(reverse("declarations:regions")).json()["results"]
    assert {"code": "440000", "name": "广东省", "leaf": False} in provinces
    cities = client.get(reverse("declarations:regions"), {"parent": "440000"}).json()["results"]
    assert {"code": "441900", "name": "东莞市", "leaf": True} in cities
    assert client.get(reverse("declarations:regions"), {"parent": "<script>"}).status_code == 404


def test_signup_rate_limit(client):
    url = reverse("declarations:signup")
    for _ in range(20):
        assert client.post(url, signup_data(uscc="bad")).status_code == 200
    blocked = client.post(url, signup_data())
    assert blocked.status_code == 429
    assert "尝试次数过多" in blocked.content.decode()
    assert not Enterprise.objects.exists()
    # another address is not blocked
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert other.post(url, signup_data()).status_code == 302


def test_login_and_logout(client, firm_user):
    url = reverse("declarations:login")
    assert "企业登录" in client.get(url).content.decode()
    wrong = client.post(url, {"username": "firm_a", "password": "nope"})
    assert wrong.status_code == 200
    assert "正确的用户名和密码" in wrong.content.decode() or "用户名" in wrong.content.decode()
    ok = client.post(url, {"username": "firm_a", "password": "pw-firm-a-123"})
    assert ok.status_code == 302 and ok["Location"] == reverse("declarations:mine")
    home = client.get("/my/declarations/")
    assert "退出" in home.content.decode()
    assert client.get(reverse("declarations:logout")).status_code == 405  # POST only
    out = client.post(reverse("declarations:logout"))
    assert out.status_code == 302
    assert client.get(reverse("declarations:mine")).status_code == 302


def test_login_rate_limit_per_address_and_username(client, firm_user):
    url = reverse("declarations:login")
    for _ in range(10):
        assert client.post(url, {"username": "firm_a", "password": "wrong"}).status_code == 200
    blocked = client.post(url, {"username": "firm_a", "password": "pw-firm-a-123"})
    assert blocked.status_code == 429
    assert "尝试次数过多" in blocked.content.decode()
    assert "_auth_user_id" not in client.session  # even the right password waits
    # another user name from the same address still gets through
    User.objects.create_user("someone", password="pw-someone-123")
    assert (
        client.post(url, {"username": "someone", "password": "pw-someone-123"}).status_code == 302
    )


def test_anonymous_is_sent_to_login(client):
    for name in ("account", "mine", "new"):
        response = client.get(reverse(f"declarations:{name}"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("declarations:login") + "?next=")


def test_staff_without_membership_get_a_clear_message(client, admin_user):
    client.force_login(admin_user)
    for url in (reverse("declarations:account"), reverse("declarations:mine")):
        response = client.get(url)
        assert response.status_code == 403
        assert "未关联企业" in response.content.decode()
        assert "平台工作人员" in response.content.decode()


def test_account_page_and_contact_edit(client, enterprise, firm_user):
    client.force_login(firm_user)
    html = client.get(reverse("declarations:account")).content.decode()
    assert enterprise.name in html and USCC_A in html and "北京市北京市朝阳区" not in html
    assert "北京市朝阳区" in html
    response = client.post(
        reverse("declarations:account_contact"),
        {"contact_name": "李四", "contact_phone": "010-1234", "contact_email": "x@example.com"},
    )
    assert response.status_code == 302
    enterprise.refresh_from_db()
    assert (enterprise.contact_name, enterprise.contact_email) == ("李四", "x@example.com")
    bad = client.post(reverse("declarations:account_contact"), {"contact_email": "not-mail"})
    assert bad.status_code == 400 and "errorlist" in bad.content.decode()


def test_owner_adds_member_who_cannot_manage(client, enterprise, firm_user):
    client.force_login(firm_user)
    response = client.post(
        reverse("declarations:member_add"),
        {"username": "jia_clerk", "password1": "Wq3!clerk-2026", "password2": "Wq3!clerk-2026"},
    )
    assert response.status_code == 302
    member = Membership.objects.get(user__username="jia_clerk")
    assert member.enterprise == enterprise and not member.is_owner
    html = client.get(reverse("declarations:account")).content.decode()
    assert "jia_clerk" in html
    # the member works for the firm but cannot add members or edit the contact
    clerk = Client()
    clerk.force_login(member.user)
    assert clerk.get(reverse("declarations:mine")).status_code == 200
    assert "添加同事账号请联系" in clerk.get(reverse("declarations:account")).content.decode()
    forbidden = clerk.post(
        reverse("declarations:member_add"),
        {"username": "x2", "password1": "Wq3!clerk-2026", "password2": "Wq3!clerk-2026"},
    )
    assert forbidden.status_code == 404
    assert clerk.post(reverse("declarations:account_contact"), {}).status_code == 404
    assert not User.objects.filter(username="x2").exists()


def test_member_add_refuses_taken_name_and_mismatch(client, enterprise, firm_user):
    client.force_login(firm_user)
    response = client.post(
        reverse("declarations:member_add"),
        {"username": "firm_a", "password1": "Wq3!clerk-2026", "password2": "other-2026!x"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "该用户名已被使用" in html and "两次输入的密码不一致" in html


def test_api_token_create_shows_plaintext_once_and_revoke(client, enterprise, firm_user):
    client.force_login(firm_user)
    response = client.post(reverse("declarations:token_create"), {"name": "ERP 系统"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    token = APIToken.objects.get(user=firm_user)
    html = response.content.decode()
    start = html.index('id="new-token"')
    plaintext = html[start:].split('value="', 1)[1].split('"', 1)[0]
    assert plaintext.startswith(token.prefix) and len(plaintext) > 30
    assert APIToken.hash_token(plaintext) == token.key_hash
    # never shown again
    assert plaintext not in client.get(reverse("declarations:account")).content.decode()
    assert token.prefix in client.get(reverse("declarations:account")).content.decode()
    assert client.post(reverse("declarations:token_create"), {"name": ""}).status_code == 400
    response = client.post(reverse("declarations:token_revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert client.get(reverse("declarations:token_revoke", args=[token.pk])).status_code == 405


def test_tokens_of_another_firm_are_out_of_reach(client, enterprise, firm_user):
    other_firm = Enterprise.objects.create(name="乙", uscc=USCC_B, region="440305")
    other = User.objects.create_user("firm_b", password="pw-firm-b-123")
    Membership.objects.create(user=other, enterprise=other_firm, role=Membership.Role.OWNER)
    theirs, plaintext = APIToken.create_token(user=other, name="乙的系统")
    client.force_login(firm_user)
    assert "乙的系统" not in client.get(reverse("declarations:account")).content.decode()
    assert client.post(reverse("declarations:token_revoke", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    # a member sees and revokes only their own tokens; the owner sees the member's
    clerk = User.objects.create_user("jia_clerk", password="pw-clerk-123")
    Membership.objects.create(user=clerk, enterprise=enterprise)
    owners, _ = APIToken.create_token(user=firm_user, name="管理员的令牌")
    clerks, _ = APIToken.create_token(user=clerk, name="成员的令牌")
    assert "成员的令牌" in client.get(reverse("declarations:account")).content.decode()
    member = Client()
    member.force_login(clerk)
    html = member.get(reverse("declarations:account")).content.decode()
    assert "成员的令牌" in html and "管理员的令牌" not in html
    assert member.post(reverse("declarations:token_revoke", args=[owners.pk])).status_code == 404
    assert member.post(reverse("declarations:token_revoke", args=[clerks.pk])).status_code == 302


def test_csrf_is_enforced_on_signup_and_token_creation(firm_user):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(reverse("declarations:signup"), signup_data()).status_code == 403
    strict.force_login(firm_user)
    assert strict.post(reverse("declarations:token_create"), {"name": "x"}).status_code == 403
    assert not APIToken.objects.exists()


def test_navigation_follows_login_state(client, firm_user):
    html = client.get(reverse("standards:check")).content.decode()
    assert "企业登录" in html and "我的声明" not in html
    client.force_login(firm_user)
    html = client.get(reverse("standards:check")).content.decode()
    assert "我的声明" in html and "退出" in html and "企业登录" not in html


def test_users_change_their_password_and_owners_reset_members(client, enterprise, firm_user):
    clerk_user = User.objects.create_user("jia_clerk", password="Wq3!clerk-2026")
    clerk = Membership.objects.create(user=clerk_user, enterprise=enterprise)
    other_user = User.objects.create_user("yi_owner", password="Wq3!yi-owner-2026")
    other_firm = Enterprise.objects.create(name="深圳乙电器有限公司", uscc=USCC_B, region="440305")
    stranger = Membership.objects.create(
        user=other_user, enterprise=other_firm, role=Membership.Role.OWNER
    )
    client.force_login(firm_user)
    page = client.get(reverse("declarations:account")).content.decode()
    assert reverse("declarations:password_change") in page
    assert reverse("declarations:member_password", args=[clerk.pk]) in page

    # one's own password: the current one is required, the session survives
    url = reverse("declarations:password_change")
    wrong = client.post(
        url,
        {
            "old_password": "nope",
            "new_password1": "Nw5!pass-2026-a",
            "new_password2": "Nw5!pass-2026-a",
        },
    )
    assert wrong.status_code == 400 and "旧密码" in wrong.content.decode()
    done = client.post(
        url,
        {
            "old_password": "pw-firm-a-123",
            "new_password1": "Nw5!pass-2026-a",
            "new_password2": "Nw5!pass-2026-a",
        },
    )
    assert done.status_code == 302
    assert client.get(reverse("declarations:mine")).status_code == 200  # still logged in
    firm_user.refresh_from_db()
    assert firm_user.check_password("Nw5!pass-2026-a")

    # the owner sets a member's password; another firm's member is out of reach
    def set_password(member, password):
        url = reverse("declarations:member_password", args=[member.pk])
        return client.post(url, {"new_password1": password, "new_password2": password})

    assert set_password(clerk, "Cl7!reset-2026").status_code == 302
    clerk_user.refresh_from_db()
    assert clerk_user.check_password("Cl7!reset-2026")
    foreign = reverse("declarations:member_password", args=[stranger.pk])
    assert client.get(foreign).status_code == 404
    assert set_password(stranger, "Xx9!evil-2026").status_code == 404
    other_user.refresh_from_db()
    assert other_user.check_password("Wq3!yi-owner-2026")

    # a member may change their own password, not reset anyone's
    member_client = Client()
    member_client.force_login(clerk_user)
    owner_membership = enterprise.members.get(user=firm_user)
    assert (
        member_client.get(
            reverse("declarations:member_password", args=[owner_membership.pk])
        ).status_code
        == 404
    )
    assert member_client.get(reverse("declarations:password_change")).status_code == 200
    # anonymous: to the login page
    assert Client().get(url).status_code == 302


def test_the_header_names_the_firm_with_one_query(client, firm_user, django_user_model):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(firm_user)
    with CaptureQueriesContext(connection) as queries:
        html = client.get("/check/").content.decode()
    assert "北京甲食品有限公司" in html and "整改通知" in html
    firm_queries = [
        q["sql"]
        for q in queries.captured_queries
        if "declarations_membership" in q["sql"] or "declarations_enterprise" in q["sql"]
    ]
    assert len(firm_queries) == 1, firm_queries
    # A signed-in account without a firm (bureau staff) gets its user name, no firm links.
    staff = django_user_model.objects.create_user("bureau_1", password="pw-bureau-123")
    client.force_login(staff)
    html = client.get("/check/").content.decode()
    assert "bureau_1" in html and "整改通知" not in html
