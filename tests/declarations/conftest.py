import pytest

from declarations.models import Enterprise, Membership

#: Valid 统一社会信用代码 (check characters verified by GB 32100-2015).
USCC_A = "91110000600037341L"
USCC_B = "914403001922038216"


@pytest.fixture
def enterprise(db, django_user_model):
    firm = Enterprise.objects.create(name="北京甲食品有限公司", uscc=USCC_A, region="110105")
    user = django_user_model.objects.create_user("firm_a", password="pw-firm-a-123")
    Membership.objects.create(user=user, enterprise=firm, role=Membership.Role.OWNER)
    return firm


@pytest.fixture
def firm_user(enterprise):
    return enterprise.members.get().user
