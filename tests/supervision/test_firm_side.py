"""The firm's side of a case: its own cases only, the order, and its answer with an
optional PDF checked by content and kept in private storage."""

import datetime

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from wagtail.models import ModelLogEntry

import pytest

from supervision import services
from supervision.models import Case

from .conftest import XSS, pdf_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(publish, firm_a, supervisor):
    declaration = publish(firm_a, "GB 2760-2014")
    return services.open_case(
        declaration,
        supervisor,
        "引用已被代替的 GB 2760-2014 " + XSS,
        "请改为执行 GB 2760-2024",
        timezone.localdate() + datetime.timedelta(days=30),
    )


@pytest.fixture
def firm_client(client, firm_a):
    client.force_login(firm_a.members.get().user)
    return client


def test_firm_sees_its_cases_and_the_order(firm_client, case):
    listing = firm_client.get("/my/cases/").content.decode()
    assert case.number in listing and "待答复" in listing
    page = firm_client.get(f"/my/cases/{case.pk}/").content.decode()
    assert "请改为执行 GB 2760-2024" in page
    assert "&lt;script&gt;" in page and XSS not in page
    assert 'id="response-form"' in page and "csrfmiddlewaretoken" in page


def test_other_firms_and_strangers_get_nothing(client, case, firm_b, supervisor):
    assert client.get("/my/cases/").status_code == 302  # anonymous: to the login page
    assert "/accounts/login/" in client.get(f"/my/cases/{case.pk}/")["Location"]
    client.force_login(firm_b.members.get().user)
    assert client.get(f"/my/cases/{case.pk}/").status_code == 404
    assert client.post(f"/my/cases/{case.pk}/", {"text": "x"}).status_code == 404
    assert case.number not in client.get("/my/cases/").content.decode()
    client.force_login(supervisor)  # staff act in the admin, not as a firm
    assert client.get(f"/my/cases/{case.pk}/").status_code == 403


def test_firm_answers_with_a_pdf_and_staff_see_it(firm_client, case, client, supervisor, settings):
    pdf = pdf_bytes()
    response = firm_client.post(
        f"/my/cases/{case.pk}/",
        {
            "text": "已修订声明，改为执行 GB 2760-2024。",
            "attachment": SimpleUploadedFile("整改报告.pdf", pdf, "application/pdf"),
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.ANSWERED and case.responded_by.username == "firm_a"
    assert case.response_file_name == "整改报告.pdf"
    stored = settings.PRIVATE_MEDIA_ROOT / case.response_file.name
    assert stored.read_bytes() == pdf
    assert not str(case.response_file.name).startswith("/")
    entry = ModelLogEntry.objects.get(action="supervision.case.respond", object_id=str(case.pk))
    assert entry.user.username == "firm_a"

    page = firm_client.get(f"/my/cases/{case.pk}/").content.decode()
    assert "已修订声明" in page and "整改报告.pdf" in page
    download = firm_client.get(f"/my/cases/{case.pk}/attachment.pdf")
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == pdf

    staff = client.__class__()
    staff.force_login(supervisor)
    admin_page = staff.get(f"/admin/supervision/cases/inspect/{case.pk}/").content.decode()
    assert "已修订声明" in admin_page and "整改报告.pdf" in admin_page
    download = staff.get(f"/admin/supervision/cases/attachment/{case.pk}/")
    assert b"".join(download.streaming_content) == pdf


def test_attachment_is_checked_by_content(firm_client, case, settings):
    fake = SimpleUploadedFile("report.pdf", b"<html>not a pdf</html>", "application/pdf")
    response = firm_client.post(f"/my/cases/{case.pk}/", {"text": "已整改", "attachment": fake})
    assert response.status_code == 400
    assert "只接受 PDF 文件" in response.content.decode()
    case.refresh_from_db()
    assert case.status == Case.Status.OPEN and not case.response_file
    assert not (settings.PRIVATE_MEDIA_ROOT / "case-responses").exists()
    # The text typed is kept in the form.
    assert "已整改" in response.content.decode()


def test_attachment_size_is_limited(firm_client, case, monkeypatch):
    from supervision import forms

    monkeypatch.setattr(forms, "CASE_ATTACHMENT_MAX_BYTES", 1000)
    big = SimpleUploadedFile("big.pdf", pdf_bytes() + b"0" * 2000, "application/pdf")
    response = firm_client.post(f"/my/cases/{case.pk}/", {"text": "已整改", "attachment": big})
    assert response.status_code == 400 and "附件不能超过" in response.content.decode()


def test_an_answer_needs_text_and_a_closed_case_takes_none(firm_client, case, supervisor):
    response = firm_client.post(f"/my/cases/{case.pk}/", {"text": "  "})
    assert response.status_code == 400
    services.close_case(case, supervisor, "no_problem")
    page = firm_client.get(f"/my/cases/{case.pk}/").content.decode()
    assert 'id="response-form"' not in page and "经核查无问题" in page
    firm_client.post(f"/my/cases/{case.pk}/", {"text": "再答复"})
    case.refresh_from_db()
    assert case.firm_response == ""


def test_member_of_the_firm_may_answer_too(client, case, firm_a):
    from declarations.models import Membership

    member = get_user_model().objects.create_user("member_a", password="pw")
    Membership.objects.create(user=member, enterprise=firm_a, role=Membership.Role.MEMBER)
    client.force_login(member)
    assert client.post(f"/my/cases/{case.pk}/", {"text": "已整改"}).status_code == 302
