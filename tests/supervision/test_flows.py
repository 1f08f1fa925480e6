"""Reviews, cases and complaints in the admin, each step in the audit log."""

import datetime

from django.core import mail
from django.utils import timezone

from wagtail.models import ModelLogEntry

import pytest

from declarations.models import Declaration
from supervision import services
from supervision.models import Case, ReviewRecord

from .conftest import XSS

pytestmark = pytest.mark.django_db

QUEUE = "/admin/supervision/queue/"
CASES = "/admin/supervision/cases/"


def logged(action, obj=None):
    entries = ModelLogEntry.objects.filter(action=action)
    if obj is not None:
        entries = entries.filter(object_id=str(obj.pk))
    return list(entries)


def test_reviewer_records_a_review(as_user, reviewer, publish, firm_a):
    declaration = publish(firm_a, "GB/T 19580-2012")
    client = as_user(reviewer)
    response = client.post(
        f"{QUEUE}review/{declaration.pk}/", {"outcome": "ok", "notes": "引用标准现行有效"}
    )
    assert response.status_code == 302 and response["Location"] == QUEUE
    record = ReviewRecord.objects.get()
    assert (record.outcome, record.reviewer, record.version, record.reasons) == (
        "ok",
        reviewer,
        1,
        ["new"],
    )
    declaration.refresh_from_db()
    assert declaration.reviewed_at is not None
    assert declaration.pk not in services.queue().values_list("pk", flat=True)
    (entry,) = logged("supervision.review", declaration)
    assert entry.user == reviewer and entry.data["outcome"] == "ok"
    # The declaration's history (Wagtail's history view) shows it, with who did it.
    history = client.get(f"{QUEUE}history/{declaration.pk}/").content.decode()
    assert "记录审查结论" in history and "reviewer" in history


def test_problems_found_need_notes(as_user, reviewer, publish, firm_a):
    declaration = publish(firm_a, "GB/T 19580-2012")
    response = as_user(reviewer).post(f"{QUEUE}review/{declaration.pk}/", {"outcome": "problems"})
    assert response.status_code == 200 and "发现问题时请写明问题" in response.content.decode()
    assert not ReviewRecord.objects.exists()


def test_review_can_handle_open_complaints(as_user, reviewer, publish, firm_a):
    declaration = publish(firm_a, "GB/T 19580-2012")
    complaint = services.submit_complaint(declaration, "标签不符")
    response = as_user(reviewer).post(
        f"{QUEUE}review/{declaration.pk}/",
        {"outcome": "problems", "notes": "标签与声明不符", "handle_complaints": "on"},
    )
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == "handled" and complaint.handled_by == reviewer
    assert logged("supervision.complaint.handle", complaint)
    assert ReviewRecord.objects.get().reasons == ["new", "complaint"]


def test_supervisor_reviews_and_opens_a_case_in_one_step(
    as_user, supervisor, publish, firm_a, django_capture_on_commit_callbacks
):
    declaration = publish(firm_a, "GB 2760-2014")
    deadline = timezone.localdate() + datetime.timedelta(days=30)
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(supervisor).post(
            f"{QUEUE}review/{declaration.pk}/",
            {
                "outcome": "case",
                "notes": "引用已被代替的标准",
                "findings": "GB 2760-2014 已被 GB 2760-2024 代替",
                "order": "请改为执行 GB 2760-2024 并修订声明",
                "deadline": deadline.isoformat(),
            },
        )
    assert response.status_code == 302
    case = Case.objects.get()
    assert (case.declaration, case.enterprise, case.opened_by, case.deadline, case.status) == (
        declaration,
        firm_a,
        supervisor,
        deadline,
        "open",
    )
    assert case.review == ReviewRecord.objects.get(outcome="case")
    assert logged("supervision.case.open", case)[0].user == supervisor
    _assert_firm_told(case, firm_a)


def _assert_firm_told(case, firm):
    """An in-site notice when the alerts app has its table, else an e-mail."""
    from django.db import connection

    from alerts.models import Notification

    if Notification._meta.db_table in connection.introspection.table_names():
        notice = Notification.objects.get(dedupe_key=f"case:{case.pk}")
        assert notice.recipient == firm.members.get().user
        assert notice.url == f"/my/cases/{case.pk}/"
    else:
        (message,) = mail.outbox
        assert message.to == [firm.members.get().user.email]
        assert f"/my/cases/{case.pk}/" in message.body


def test_a_case_needs_findings_order_and_a_deadline_not_in_the_past(
    as_user, supervisor, publish, firm_a
):
    declaration = publish(firm_a, "GB 2760-2014")
    client = as_user(supervisor)
    url = f"{QUEUE}open-case/{declaration.pk}/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"findings": "", "order": "", "deadline": "2020-01-01"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "整改期限不能早于今天" in html and not Case.objects.exists()
    response = client.post(url, {"findings": "问题", "order": "整改", "deadline": "2099-12-31"})
    case = Case.objects.get()
    assert response["Location"] == f"{CASES}inspect/{case.pk}/"


@pytest.fixture
def case(publish, firm_a, supervisor):
    declaration = publish(firm_a, "GB 2760-2014")
    return services.open_case(
        declaration, supervisor, "引用已被代替的标准", "请修订声明", timezone.localdate()
    )


def test_cases_list_with_overdue_filter(as_user, supervisor, case):
    Case.objects.filter(pk=case.pk).update(
        deadline=timezone.localdate() - datetime.timedelta(days=3)
    )
    client = as_user(supervisor)
    assert "北京甲食品有限公司" in client.get(CASES, {"overdue": "true"}).content.decode()
    assert "北京甲食品有限公司" not in client.get(CASES, {"overdue": "false"}).content.decode()
    assert "已逾期" in client.get(CASES).content.decode()
    services.close_case(case, supervisor, "rectified")
    assert "北京甲食品有限公司" not in client.get(CASES, {"overdue": "true"}).content.decode()


def test_edit_and_close_a_case_are_logged(as_user, supervisor, case):
    client = as_user(supervisor)
    response = client.post(
        f"{CASES}edit/{case.pk}/",
        {"findings": "问题（补充）", "order": "请修订声明", "deadline": "2099-01-31"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    case.refresh_from_db()
    assert case.findings == "问题（补充）" and case.deadline == datetime.date(2099, 1, 31)
    assert logged("wagtail.edit", case)[0].user == supervisor

    assert client.get(f"{CASES}close/{case.pk}/").status_code == 200
    response = client.post(f"{CASES}close/{case.pk}/", {"outcome": "rectified", "notes": "已修订"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.outcome, case.closed_by) == ("closed", "rectified", supervisor)
    assert logged("supervision.case.close", case)[0].data["outcome"] == "rectified"
    # Closed: no more edits, no second closing.
    assert client.get(f"{CASES}edit/{case.pk}/").status_code == 404
    response = client.post(f"{CASES}close/{case.pk}/", {"outcome": "no_problem"})
    assert "该案件已结案" in response.content.decode()
    history = client.get(f"{CASES}history/{case.pk}/").content.decode()
    assert "立案（责令整改）" in history and "结案" in history


def test_closed_case_with_a_problem_is_noticed_publicly(client, supervisor, case):
    page = client.get(f"/declarations/{case.declaration_id}/").content.decode()
    assert "监管信息" not in page and "我要举报" in page
    services.close_case(case, supervisor, "rectified")
    page = client.get(f"/declarations/{case.declaration_id}/").content.decode()
    assert "监管信息" in page and "已按期整改" in page and "引用已被代替的标准" in page


def test_complaints_are_handled_in_the_admin(as_user, reviewer, publish, firm_a):
    declaration = publish(firm_a, "GB/T 19580-2012")
    complaint = services.submit_complaint(declaration, XSS + " 标签不符", name="张三")
    client = as_user(reviewer)
    listing = client.get("/admin/supervision/complaints/").content.decode()
    assert "标签不符" in listing and XSS not in listing
    page = client.get(f"/admin/supervision/complaints/inspect/{complaint.pk}/").content.decode()
    assert "&lt;script&gt;" in page and XSS not in page
    inspect = client.get(f"{QUEUE}inspect/{declaration.pk}/").content.decode()
    assert "&lt;script&gt;" in inspect and XSS not in inspect
    url = f"/admin/supervision/complaints/handle/{complaint.pk}/"
    assert client.post(url, {"notes": ""}).status_code == 200  # notes required
    response = client.post(url, {"notes": "已转企业核实"})
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert (complaint.status, complaint.handled_by, complaint.notes) == (
        "handled",
        reviewer,
        "已转企业核实",
    )
    assert logged("supervision.complaint.receive", complaint)
    assert logged("supervision.complaint.handle", complaint)[0].user == reviewer


def test_services_refuse_users_without_permission(reviewer, publish, firm_a):
    from django.core.exceptions import PermissionDenied

    declaration = publish(firm_a, "GB/T 19580-2012")
    with pytest.raises(PermissionDenied):
        services.open_case(declaration, reviewer, "x", "y", timezone.localdate())
    with pytest.raises(PermissionDenied):
        services.make_draw(reviewer, 1, 1)
    with pytest.raises(PermissionDenied):
        services.record_review(declaration, firm_a.members.get().user, "ok")
    assert Declaration.objects.get(pk=declaration.pk).reviewed_at is None
