import datetime

import pytest

from declarations import services
from declarations.models import Enterprise, Membership
from declarations.services import DeclarationInput, ProductInput
from standards.models import IcsClass
from tests.conftest import GB2760_CHAIN
from tests.declarations.conftest import USCC_A, USCC_B

#: A small ICS tree: enough for the catalogue below, without loading all 4,000 classes.
ICS = [("03", None), ("03.120", "03"), ("03.120.10", "03.120"), ("67", None)]
ICS += [("67.220", "67"), ("67.220.20", "67.220")]

EXTRA = [
    {
        "number": "GB/T 19580-2012",
        "title": "卓越绩效评价准则",
        "status": "current",
        "published": "2012-03-09",
        "effective": "2012-08-01",
        "ics": ["03.120.10"],
    },
    {
        "number": "GB/T 30000-2015",
        "title": "测试用标准",
        "status": "current",
        "published": "2015-01-01",
        "effective": "2015-06-01",
    },
]


@pytest.fixture
def small_catalogue(db, import_records):
    """The GB 2760 chain and friends, with ICS classes, and GB/T 19580-2012 in 03.120.10."""
    made = {}
    for code, parent in ICS:
        made[code] = IcsClass.objects.create(code=code, parent=made.get(parent), name_zh=code)
    records = [r for r in GB2760_CHAIN if r["number"] != "GB/T 19580-2012"] + EXTRA
    import_records(records)


def make_firm(name, uscc, username, django_user_model, *, email=True, members=1):
    firm = Enterprise.objects.create(name=name, uscc=uscc, region="110105")
    users = []
    for i in range(members):
        user = django_user_model.objects.create_user(
            f"{username}{i or ''}",
            email=f"{username}{i or ''}@example.com" if email else "",
            password="pw-12345678",
        )
        role = Membership.Role.OWNER if i == 0 else Membership.Role.MEMBER
        Membership.objects.create(user=user, enterprise=firm, role=role)
        users.append(user)
    return firm, users


@pytest.fixture
def firms(small_catalogue, django_user_model):
    a, a_users = make_firm("北京甲食品有限公司", USCC_A, "firm_a", django_user_model, members=2)
    b, b_users = make_firm("深圳乙器械有限公司", USCC_B, "firm_b", django_user_model)
    return {"a": a, "a_users": a_users, "b": b, "b_users": b_users}


def declare(firm, user, *standards, title="", draft=False):
    data = DeclarationInput(
        products=[ProductInput("复合调味料", "FH-01", "食品")],
        standards=list(standards),
        commitment=True,
        acknowledge_warnings=True,
        title=title,
    )
    if draft:
        return services.save_draft(firm, user, data)
    outcome = services.publish(firm, user, data)
    assert outcome.ok, outcome.assessment.errors
    return outcome.declaration


TODAY = datetime.date.today()
