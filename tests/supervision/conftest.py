"""Fixtures for supervision: a small catalogue, two firms with published declarations,
and staff users in each group (the groups come from the data migration)."""

import io

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.utils import timezone

import pytest
from pypdf import PdfWriter

from declarations import services as declaration_services
from declarations.models import Enterprise, Membership
from declarations.services import DeclarationInput, IndicatorInput, OwnStandardInput, ProductInput
from supervision import groups
from tests.conftest import GB2760_CHAIN
from tests.declarations.conftest import USCC_A, USCC_B

XSS = '<script>alert("x")</script>'


def pdf_bytes(pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(72, 72)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    """Private files go to a temporary folder; rate limits start afresh."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def catalogue(db, import_records):
    """The GB 2760 chain of tests/conftest.py without ICS codes (no ICS tree needed)."""
    import_records([{k: v for k, v in r.items() if k != "ics"} for r in GB2760_CHAIN])


def _firm(name, uscc, region, username):
    firm = Enterprise.objects.create(name=name, uscc=uscc, region=region, industry="食品制造业")
    user = get_user_model().objects.create_user(
        username, password=f"pw-{username}-123", email=f"{username}@example.com"
    )
    Membership.objects.create(user=user, enterprise=firm, role=Membership.Role.OWNER)
    return firm


@pytest.fixture
def firm_a(db):
    return _firm("北京甲食品有限公司", USCC_A, "110105", "firm_a")


@pytest.fixture
def firm_b(db):
    return _firm("深圳乙电器有限公司", USCC_B, "440305", "firm_b")


def payload(*standards, category="食品", own=(), name="复合调味料"):
    return DeclarationInput(
        products=[ProductInput(name, "FH-01", category, "500 g/袋", "", "")],
        standards=list(standards),
        own_standards=list(own),
        commitment=True,
        acknowledge_warnings=True,
    )


def own_with_statement(number="Q/BJJ 0001S-2025"):
    return OwnStandardInput(
        number=number,
        name="复合调味料",
        indicators=[IndicatorInput("水分", "≤ 9.0", "g/100g", "GB 5009.3", "≤ 8.0", True)],
        recommended_standard="SB/T 10371-2003",
        below_recommended=True,
        statement="水分指标高于推荐性标准的要求，特此明示。",
    )


@pytest.fixture
def publish(catalogue, django_capture_on_commit_callbacks):
    def _publish(firm, *standards, **kw):
        user = firm.members.first().user
        with django_capture_on_commit_callbacks(execute=True):
            outcome = declaration_services.publish(firm, user, payload(*standards, **kw))
        assert outcome.ok, outcome.assessment.errors
        return outcome.declaration

    return _publish


def staff(username, *group_names, **extra):
    user = get_user_model().objects.create_user(username, password="pw", **extra)
    for name in group_names:
        user.groups.add(Group.objects.get(name=name))
    return user


@pytest.fixture
def reviewer(db):
    return staff("reviewer", groups.REVIEWERS)


@pytest.fixture
def supervisor(db):
    return staff("supervisor", groups.SUPERVISORS, first_name="督", last_name="管")


@pytest.fixture
def inspector(db):
    return staff("inspector", groups.INSPECTORS)


@pytest.fixture
def editor(db):
    return staff("editor", groups.CATALOGUE_EDITORS)


@pytest.fixture
def as_user(client):
    def _as(user):
        client.force_login(user)
        return client

    return _as


def now():
    return timezone.now()
