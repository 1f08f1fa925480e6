"""Public complaints (举报): no login, limited per address, honeypot, escaped."""

from wagtail.models import ModelLogEntry

import pytest

from declarations import services as declaration_services
from supervision import services
from supervision.models import Complaint

from .conftest import XSS, payload

pytestmark = pytest.mark.django_db


@pytest.fixture
def declaration(publish, firm_a):
    return publish(firm_a, "GB/T 19580-2012")


def url(declaration):
    return f"/declarations/{declaration.pk}/complaint/"


def test_the_public_page_links_to_the_form(client, declaration):
    page = client.get(f"/declarations/{declaration.pk}/").content.decode()
    assert f'href="{url(declaration)}"' in page
    form = client.get(url(declaration)).content.decode()
    assert "举报这份自我声明" in form and "csrfmiddlewaretoken" in form


def test_anyone_may_complain_and_it_lands_in_the_queue(client, declaration):
    response = client.post(
        url(declaration), {"text": "产品标签上的标准号与声明不符", "name": "", "contact": ""}
    )
    assert response.status_code == 200 and "举报已收到" in response.content.decode()
    complaint = Complaint.objects.get()
    assert complaint.status == "new" and complaint.name == ""
    assert complaint.sender_hash and "127.0.0.1" not in complaint.sender_hash
    assert "complaint" in services.reasons(declaration)
    assert ModelLogEntry.objects.filter(action="supervision.complaint.receive").exists()


def test_text_is_required_and_limited(client, declaration):
    for blank in ("", "   \n "):
        response = client.post(url(declaration), {"text": blank})
        assert response.status_code == 400
        assert "请填写举报内容：说明哪里与实际不符" in response.content.decode()
    response = client.post(url(declaration), {"text": "长" * 2001, "contact": "138"})
    assert response.status_code == 400
    assert "举报内容最多 2000 字" in response.content.decode()
    assert "138" in response.content.decode()  # what was typed stays in the form
    assert not Complaint.objects.exists()


def test_honeypot_keeps_nothing(client, declaration):
    response = client.post(url(declaration), {"text": "spam", "website": "http://spam.example"})
    assert response.status_code == 200 and "举报已收到" in response.content.decode()
    assert not Complaint.objects.exists()


def test_rate_limited_per_address(client, declaration, settings, rate_window_held):
    settings.DECLARATIONS_RATE_LIMITS = {**settings.DECLARATIONS_RATE_LIMITS, "complaint": "2/m"}
    for _ in range(2):
        assert client.post(url(declaration), {"text": "问题"}).status_code == 200
    response = client.post(url(declaration), {"text": "问题"})
    assert response.status_code == 429 and "提交过于频繁" in response.content.decode()
    assert Complaint.objects.count() == 2
    # Another address is not blocked.
    response = client.post(url(declaration), {"text": "问题"}, REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 200 and Complaint.objects.count() == 3


def test_default_limit_applies_without_settings(client, declaration, settings, rate_window_held):
    settings.DECLARATIONS_RATE_LIMITS = {}
    codes = [client.post(url(declaration), {"text": "问题"}).status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]


def test_script_in_a_complaint_never_runs(client, declaration, as_user, reviewer):
    client.post(url(declaration), {"text": XSS, "name": XSS, "contact": XSS})
    complaint = Complaint.objects.get()
    assert complaint.text == XSS  # stored as typed
    staff = as_user(reviewer)
    for page in (
        staff.get(f"/admin/supervision/complaints/inspect/{complaint.pk}/"),
        staff.get("/admin/supervision/complaints/"),
        staff.get(f"/admin/supervision/queue/inspect/{declaration.pk}/"),
    ):
        html = page.content.decode()
        assert XSS not in html


def test_drafts_cannot_be_complained_about(client, firm_a, catalogue):
    draft = declaration_services.save_draft(
        firm_a, firm_a.members.get().user, payload("GB/T 19580-2012")
    )
    assert client.get(url(draft)).status_code == 404
    assert client.post(url(draft), {"text": "x"}).status_code == 404
    assert client.get("/declarations/999999/complaint/").status_code == 404
