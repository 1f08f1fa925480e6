"""Notices, watch list and watch buttons on the site: own data only, POST with CSRF."""

from django.test import Client
from django.urls import reverse

import pytest

from alerts.models import Notification, Watch

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(django_user_model):
    return django_user_model.objects.create_user("alice", "alice@example.com", "pw-alice-123")


@pytest.fixture
def bob(django_user_model):
    return django_user_model.objects.create_user("bob", "bob@example.com", "pw-bob-123")


def notice(user, key, **kw):
    values = {"title": f"通知 {key}", "body": "正文", "url": "/standards/", "kind": "watch"}
    values.update(kw)
    return Notification.objects.create(recipient=user, dedupe_key=key, **values)


def test_pages_need_login(client):
    for name in ("alerts:notifications", "alerts:watches"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("declarations:login") + "?next=")


def test_notifications_list_unread_first_and_own_only(client, alice, bob):
    old = notice(alice, "a1", title="已读的旧消息")
    Notification.objects.filter(pk=old.pk).update(read_at=old.created_at)
    notice(alice, "a2", title="<script>alert(1)</script>未读消息", body="<b>x</b>\n第二行")
    notice(bob, "b1", title="别人的消息")
    client.force_login(alice)
    response = client.get(reverse("alerts:notifications"))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("未读消息") < html.index("已读的旧消息")
    assert "别人的消息" not in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "&lt;b&gt;x&lt;/b&gt;<br>第二行" in html
    assert "1 条未读" in html


def test_mark_read_and_all_read(client, alice, bob):
    mine = notice(alice, "a1")
    notice(alice, "a2")
    theirs = notice(bob, "b1")
    client.force_login(alice)
    response = client.post(reverse("alerts:notification_read", args=[mine.pk]))
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.read_at is not None
    # Another user's notice does not exist for alice.
    assert client.post(reverse("alerts:notification_read", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    # Reading is a POST: a GET changes nothing.
    assert client.get(reverse("alerts:notifications_read_all")).status_code == 405
    client.post(reverse("alerts:notifications_read_all"))
    assert not Notification.objects.filter(recipient=alice, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=bob, read_at__isnull=True).count() == 1


def test_open_marks_read_and_goes_to_local_urls_only(client, alice):
    local = notice(alice, "a1", url="/my/declarations/")
    foreign = notice(alice, "a2", url="https://evil.example.com/")
    client.force_login(alice)
    response = client.post(reverse("alerts:notification_read", args=[local.pk]), {"open": "1"})
    assert response["Location"] == "/my/declarations/"
    response = client.post(reverse("alerts:notification_read", args=[foreign.pk]), {"open": "1"})
    assert response["Location"] == reverse("alerts:notifications")


def test_forms_need_csrf(alice, small_catalogue):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(alice)
    n = notice(alice, "a1")
    assert strict.post(reverse("alerts:notification_read", args=[n.pk])).status_code == 403
    data = {"kind": "standard", "value": "GB 2760-2024"}
    assert strict.post(reverse("alerts:watch_add"), data).status_code == 403
    assert strict.post(reverse("alerts:watches"), data).status_code == 403
    assert not Watch.objects.exists()
    page = strict.get(reverse("alerts:watches"))
    assert b"csrfmiddlewaretoken" in page.content


def test_nav_shows_unread_count(client, alice, small_catalogue):
    notice(alice, "a1")
    notice(alice, "a2")
    client.force_login(alice)
    html = client.get("/standards/GB%202760-2024/").content.decode()
    assert reverse("alerts:notifications") in html and "消息" in html
    assert 'aria-label="2 条未读">2</span>' in html
    assert reverse("alerts:watches") in html and "我的关注" in html


@pytest.mark.parametrize(
    ("kind", "value", "stored_kind", "stored"),
    [
        ("", "GB 2760-2024", "standard", "GB 2760-2024"),
        ("", "gb2760", "series", "GB 2760"),
        ("series", "GB 2760-2014", "series", "GB 2760"),
        ("", "67.220.20", "ics", "67.220.20"),
        ("standard", "ＧＢ／Ｔ　１９５８０－２０１２", "standard", "GB/T 19580-2012"),
    ],
)
def test_add_watch(client, alice, small_catalogue, kind, value, stored_kind, stored):
    client.force_login(alice)
    response = client.post(reverse("alerts:watches"), {"kind": kind, "value": value})
    assert response.status_code == 302
    watch = Watch.objects.get(user=alice)
    assert (watch.kind, watch.value) == (stored_kind, stored)
    page = client.get(reverse("alerts:watches")).content.decode()
    assert stored in page


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        ("", "", "请填写要关注的标准编号"),
        ("", "not a number", "不是有效的标准编号"),
        ("", "GB 99999-2020", "标准目录中没有 GB 99999-2020"),
        ("standard", "GB 2760", "关注一个版本请填写带年代号的编号"),
        ("", "99.999", "没有 ICS 分类 99.999"),
        ("ics", "GB 2760", "不是 ICS 代码"),
    ],
)
def test_bad_watch_input_is_explained(client, alice, small_catalogue, kind, value, message):
    client.force_login(alice)
    response = client.post(reverse("alerts:watches"), {"kind": kind, "value": value})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Watch.objects.exists()


def test_duplicate_watch_and_removal(client, alice, bob, small_catalogue):
    client.force_login(alice)
    client.post(reverse("alerts:watches"), {"value": "GB 2760-2024"})
    response = client.post(reverse("alerts:watches"), {"value": "GB 2760-2024"})
    assert "您已关注 GB 2760-2024" in response.content.decode()
    assert Watch.objects.filter(user=alice).count() == 1
    theirs = Watch.objects.create(user=bob, kind="series", value="GB 2760")
    assert client.post(reverse("alerts:watch_delete", args=[theirs.pk])).status_code == 404
    assert Watch.objects.filter(pk=theirs.pk).exists()
    mine = Watch.objects.get(user=alice)
    response = client.post(reverse("alerts:watch_delete", args=[mine.pk]))
    assert response.status_code == 302
    assert not Watch.objects.filter(user=alice).exists()


def test_watch_buttons_on_standard_series_and_ics_pages(client, alice, small_catalogue):
    pages = [
        ("/standards/GB%202760-2024/", "standard", "GB 2760-2024", "关注此标准"),
        ("/standards/GB%202760/", "series", "GB 2760", "关注此系列"),
        ("/standards/ics/67.220.20/", "ics", "67.220.20", "关注此分类"),
    ]
    # Anonymous: a link to log in that comes back to the page.
    for url, _kind, _value, label in pages:
        html = client.get(url).content.decode()
        assert label in html
        assert f"{reverse('declarations:login')}?next={url.replace('%', '%25')}" in html
    # Posting anonymously (e.g. an expired session) also goes to login, then back.
    response = client.post(
        reverse("alerts:watch_add"), {"kind": "standard", "value": "GB 2760-2024", "next": "/x/"}
    )
    assert response.status_code == 302 and "next=/x/" in response["Location"]

    client.force_login(alice)
    for url, kind, value, label in pages:
        html = client.get(url).content.decode()
        assert label in html and reverse("alerts:watch_add") in html
        response = client.post(
            reverse("alerts:watch_add"), {"kind": kind, "value": value, "next": url}
        )
        assert response.status_code == 302 and response["Location"] == url
        html = client.get(url).content.decode()
        assert "已关注" in html and "取消关注" in html
    assert set(Watch.objects.filter(user=alice).values_list("kind", "value")) == {
        ("standard", "GB 2760-2024"),
        ("series", "GB 2760"),
        ("ics", "67.220.20"),
    }
    # The page offers removal; removing goes back to the page.
    watch = Watch.objects.get(user=alice, kind="standard")
    response = client.post(reverse("alerts:watch_delete", args=[watch.pk]), {"next": pages[0][0]})
    assert response["Location"] == pages[0][0]


def test_watch_button_refuses_unsafe_next_and_bad_values(client, alice, small_catalogue):
    client.force_login(alice)
    response = client.post(
        reverse("alerts:watch_add"),
        {"kind": "standard", "value": "GB 99999-2020", "next": "https://evil.example.com/"},
    )
    assert response["Location"] == reverse("alerts:watches")
    assert not Watch.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert "标准目录中没有 GB 99999-2020" in page
