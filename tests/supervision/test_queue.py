"""The review queue: which declarations are in it and why, its filters, and the
automatic findings shown for one declaration."""

import datetime

from django.utils import timezone

import pytest

from declarations import services as declaration_services
from declarations.models import Declaration, OwnStandard
from supervision import services
from supervision.models import Complaint

from .conftest import own_with_statement

pytestmark = pytest.mark.django_db

QUEUE = "/admin/supervision/queue/"


def in_queue():
    return set(services.queue().values_list("pk", flat=True))


def test_queue_membership_rules(publish, firm_a, firm_b):
    new = publish(firm_a, "GB/T 19580-2012")
    reviewed = publish(firm_b, "GB/T 19580-2012")
    now = timezone.now()
    Declaration.objects.filter(pk=reviewed.pk).update(reviewed_at=now)
    assert in_queue() == {new.pk}
    assert services.reasons(new) == ["new"]

    # Flagged before the last review: stays out; flagged after it: back in.
    Declaration.objects.filter(pk=reviewed.pk).update(
        flagged_at=now - datetime.timedelta(hours=1), flag_reason="GB 2760-2014 被代替"
    )
    assert reviewed.pk not in in_queue()
    Declaration.objects.filter(pk=reviewed.pk).update(flagged_at=now + datetime.timedelta(hours=1))
    assert reviewed.pk in in_queue()
    assert services.reasons(Declaration.objects.get(pk=reviewed.pk)) == ["flagged"]

    # An open complaint puts a reviewed declaration back; handling it takes it out.
    Declaration.objects.filter(pk=reviewed.pk).update(flagged_at=None)
    complaint = Complaint.objects.create(declaration=reviewed, text="与实际不符")
    assert reviewed.pk in in_queue()
    complaint.status = Complaint.Status.HANDLED
    complaint.save()
    assert reviewed.pk not in in_queue()


def test_a_new_version_of_a_reviewed_declaration_is_queued_again(publish, firm_a, reviewer):
    from supervision.admin_views import _queue_reasons

    from .conftest import payload

    declaration = publish(firm_a, "GB/T 19580-2012")
    Declaration.objects.filter(pk=declaration.pk).update(reviewed_at=timezone.now())
    assert declaration.pk not in in_queue()
    user = firm_a.members.get().user
    outcome = declaration_services.publish(
        firm_a,
        user,
        payload("GB/T 19580-2012", name="改名后的产品"),
        declaration=Declaration.objects.get(pk=declaration.pk),
        change="revise",
        reason="产品改名",
    )
    assert outcome.ok
    revised = Declaration.objects.get(pk=declaration.pk)
    assert revised.pk in in_queue() and services.reasons(revised) == ["new"]
    assert _queue_reasons(revised) == "新版本（第 2 版）"
    services.record_review(revised, reviewer, "ok")
    assert declaration.pk not in in_queue()


def test_drafts_and_withdrawn_declarations_are_not_queued(publish, firm_a, catalogue):
    user = firm_a.members.get().user
    from .conftest import payload

    draft = declaration_services.save_draft(firm_a, user, payload("GB/T 19580-2012"))
    withdrawn = publish(firm_a, "GB/T 19580-2012", name="另一产品")
    declaration_services.withdraw(withdrawn, user, "停产")
    assert draft.pk not in in_queue() and withdrawn.pk not in in_queue()
    # ... unless someone complains about the withdrawn one (it is still public).
    Complaint.objects.create(declaration=withdrawn, text="仍在销售")
    assert withdrawn.pk in in_queue()


def test_queue_lists_filters_and_searches(as_user, reviewer, publish, firm_a, firm_b):
    food = publish(firm_a, "GB 2760-2014")
    device = publish(firm_b, "YY 0055-2018", category="医疗器械", name="光固化机")
    Declaration.objects.filter(pk=device.pk).update(
        reviewed_at=timezone.now(),  # reviewed after publication, flagged since
        flagged_at=timezone.now() + datetime.timedelta(minutes=1),
        flag_reason="YY 0055-2018 将被 YY 0055-2026 代替",
    )
    Complaint.objects.create(declaration=food, text="标签不符")
    client = as_user(reviewer)
    page = client.get(QUEUE).content.decode()
    assert "北京甲食品有限公司" in page and "深圳乙电器有限公司" in page
    assert "复合调味料" in page and "光固化机" in page
    assert "YY 0055-2018 将被 YY 0055-2026 代替" in page

    def listed(**params):
        html = client.get(QUEUE, params).content.decode()
        return {name for name in ("复合调味料", "光固化机") if name in html}

    assert listed(reason="flagged") == {"光固化机"}
    assert listed(reason="complaint") == {"复合调味料"}
    assert listed(reason="new") == {"复合调味料"}
    assert listed(province="440000") == {"光固化机"}
    assert listed(province="110000") == {"复合调味料"}
    assert listed(category="medical_device") == {"光固化机"}
    assert listed(q="深圳乙") == {"光固化机"}
    export = client.get(QUEUE, {"export": "xlsx"})
    assert export.status_code == 200 and export["Content-Type"].startswith(
        "application/vnd.openxmlformats"
    )


def test_inspect_shows_the_automatic_findings(as_user, reviewer, publish, firm_a):
    declaration = publish(
        firm_a, "GB 2760-2014", "GB/T 19580-2012", "Q/BJJ 0001S-2025", own=[own_with_statement()]
    )
    # Stored data that a later change made incomplete: the 明示 statement is gone and
    # one reference's stored verdict is out of date.
    OwnStandard.objects.filter(declaration=declaration).update(statement="")
    declaration.references.filter(normalized="GB/T 19580-2012").update(verdict="unknown")
    found = services.findings(declaration)
    assert [r.number for r in found.not_current] == ["GB 2760-2014"]
    superseded = next(r for r in found.references if r.number == "GB 2760-2014")
    assert superseded.verdict == "superseded" and superseded.warning and not superseded.blocking
    changed = next(r for r in found.references if r.number == "GB/T 19580-2012")
    assert changed.blocking and changed.today_verdict == "current"
    ((own, problems),) = found.own_problems
    assert own.number == "Q/BJJ 0001S-2025" and "明示" in problems[0]

    html = as_user(reviewer).get(f"{QUEUE}inspect/{declaration.pk}/").content.decode()
    assert "GB 2760-2014" in html and "GB 2760-2024" in html  # the edition in force
    assert "已被代替" in html
    assert "没有明示说明" in html
    assert "新公开" in html
    assert "第 1 版" in html


def test_own_standard_without_indicators_or_text_is_a_finding(publish, firm_a):
    declaration = publish(firm_a, "Q/BJJ 0001S-2025", own=[own_with_statement()])
    own = declaration.own_standards.get()
    own.indicators.all().delete()
    assert "没有公开功能指标和性能指标" in services.findings(declaration).own_problems[0][1]
    own.disclosure = OwnStandard.Disclosure.FULL_TEXT
    own.save()
    assert "没有标准文本" in services.findings(declaration).own_problems[0][1][0]


def test_a_declaration_never_published_is_not_inspectable(as_user, reviewer, firm_a, catalogue):
    from .conftest import payload

    draft = declaration_services.save_draft(
        firm_a, firm_a.members.get().user, payload("GB/T 19580-2012")
    )
    assert as_user(reviewer).get(f"{QUEUE}inspect/{draft.pk}/").status_code == 404
