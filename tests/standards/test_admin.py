"""Staff admin: the standards list searches numbers and Chinese titles; filters; inspect."""

from django.contrib.auth import get_user_model

import pytest

from standards.models import Standard

pytestmark = pytest.mark.usefixtures("chain_catalogue")


@pytest.fixture
def staff_client(client):
    user = get_user_model().objects.create_superuser("staff", "s@example.com", "pw")
    client.force_login(user)
    return client


URL = "/admin/snippets/standards/standard/"


@pytest.mark.parametrize(
    ("query", "expected", "absent"),
    [
        ("GB2760-2014", {"GB 2760-2014"}, {"GB 2760-2024"}),
        ("ＧＢ　２７６０", {"GB 2760-2014", "GB 2760-2024"}, {"YY 0055-2018"}),
        ("添加剂", {"GB 2760-2014", "GB 2760-2024"}, {"YY 0055-2018"}),
        ("光固化", {"YY 0055-2018"}, {"GB 2760-2014"}),
        ("19580", {"GB/T 19580-2012"}, {"GB 2760-2014"}),
    ],
)
def test_list_searches_numbers_and_chinese(staff_client, query, expected, absent):
    html = staff_client.get(URL, {"q": query}).content.decode()
    for number in expected:
        assert number in html
    for number in absent:
        assert number not in html


def test_filters(staff_client):
    html = staff_client.get(URL, {"level": "industry"}).content.decode()
    assert "YY 0055-2018" in html and "GB 2760-2014" not in html
    html = staff_client.get(URL, {"year": "2014"}).content.decode()
    assert "GB 2760-2014" in html and "GB 2760-2024" not in html


def test_inspect_shows_links_and_history_exists(staff_client):
    std = Standard.objects.get(number="GB 2760-2014")
    html = staff_client.get(f"{URL}inspect/{std.pk}/").content.decode()
    assert "GB 2760-2011" in html and "GB 2760-2024" in html
    assert staff_client.get(f"{URL}history/{std.pk}/").status_code == 200


def test_edit_normalizes_the_number(staff_client):
    response = staff_client.post(
        f"{URL}add/",
        {
            "number": "gb/t 1.1—2020",
            "status": "current",
            "title": "标准化工作导则 第1部分",
            "title_en": "",
            "published": "",
            "effective": "",
            "withdrawn": "",
            "effective_note": "",
            "ccs": "",
            "category": "",
            "department": "",
            "scope": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    std = Standard.objects.get(number="GB/T 1.1-2020")
    assert std.series == "GB/T 1.1" and std.level == "national"


def test_supersession_refuses_cycles():
    from django.core.exceptions import ValidationError

    from standards.models import Supersession

    old = Standard.objects.get(number="GB 2760-1996")
    new = Standard.objects.get(number="GB 2760-2024")
    with pytest.raises(ValidationError, match="循环"):
        Supersession(old=new, new=old).full_clean()
    with pytest.raises(ValidationError, match="相反"):
        Supersession(
            old=Standard.objects.get(number="GB 2760-2014"),
            new=Standard.objects.get(number="GB 2760-2011"),
        ).full_clean()


def test_supersession_list_reads_as_words(staff_client):
    html = staff_client.get("/admin/snippets/standards/supersession/").content.decode()
    assert "目录导入（JSON）" in html and "canonical-jsonl" not in html
    assert "全部代替" in html and "False" not in html
