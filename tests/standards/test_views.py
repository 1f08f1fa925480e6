"""Public catalogue pages."""

import datetime

from django.core.management import call_command

import pytest

from standards.models import Standard
from tests.conftest import NMPA, SPORTS, needs_shared

pytestmark = pytest.mark.usefixtures("chain_catalogue")


def test_standard_page_shows_every_field_status_timeline_and_links(client):
    response = client.get("/standards/GB 2760-2014/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "食品安全国家标准 食品添加剂使用标准" in html
    assert "badge--superseded" in html  # status today
    assert "2015-05-24" in html and "2014-12-24" in html
    assert "国家标准" in html and "强制性" in html
    # history timeline: every edition of the series, in order
    timeline = html[html.index('class="timeline"') :]
    order = [timeline.index(f"GB 2760-{y}") for y in (1996, 2007, 2011, 2014, 2024)]
    assert order == sorted(order)
    # what it replaces and what replaced it
    links = html[html.index('id="links"') : html.index('id="history"')]
    assert "GB 2760-2011" in links and "GB 2760-2024" in links
    assert "查看现行版本 GB 2760-2024" in html


def test_other_written_forms_redirect_to_the_canonical_page(client):
    response = client.get("/standards/gb2760—2014/")
    assert response.status_code == 301
    assert response.url == Standard.objects.get(number="GB 2760-2014").get_absolute_url()


def test_undated_number_shows_the_series(client):
    html = client.get("/standards/GB 2760/").content.decode()
    assert "GB 2760-2024" in html and "现行有效" in html


def test_unknown_and_malformed_numbers_are_404(client):
    assert client.get("/standards/GB 1234-2000/").status_code == 404
    assert client.get("/standards/<script>/").status_code == 404


def test_browse_by_level_status_and_query(client):
    html = client.get("/standards/", {"level": "industry"}).content.decode()
    assert "YY 0055-2018" in html and "GB 2760-2014" not in html
    html = client.get("/standards/", {"status": "in_force"}).content.decode()
    assert "GB 2760-2024" in html and "GB 2760-2014" not in html
    html = client.get("/standards/", {"q": "gb2760"}).content.decode()
    assert "GB 2760-2014" in html and "YY 0055" not in html
    html = client.get("/standards/", {"q": "塑胶"}).content.decode()
    assert "GB/T 14833-1993" in html
    assert client.get("/standards/", {"year": "abc", "page": "x"}).status_code == 200
    # the filters fold into 筛选 (with how many are set) on a phone
    html = client.get("/standards/", {"status": "in_force", "level": "national"}).content.decode()
    assert 'id="browse-filters"' in html and 'filters-toggle__count">2<' in html


def test_browse_shows_and_filters_the_status_by_the_dates(client, import_records):
    """A record listed as 即将实施 whose effective date has passed is in force today:
    the row, the 即将实施 filter and the home page's count go by the dates."""
    today = datetime.date.today()
    import_records(
        [
            {
                "number": "YY/T 9001-2025",
                "title": "已实施的器械标准",
                "status": "upcoming",
                "published": str(today - datetime.timedelta(days=300)),
                "effective": str(today - datetime.timedelta(days=30)),
            },
            {
                "number": "YY/T 9002-2026",
                "title": "将实施的器械标准",
                "status": "upcoming",
                "published": str(today - datetime.timedelta(days=30)),
                "effective": str(today + datetime.timedelta(days=30)),
            },
        ],
        name="dates.jsonl",
    )
    html = client.get("/standards/", {"q": "器械标准"}).content.decode()
    row = html[html.index("YY/T 9001-2025") :]
    assert "badge--current" in row[: row.index("</tr>")]
    upcoming = client.get("/standards/", {"status": "upcoming"}).content.decode()
    assert "YY/T 9002-2026" in upcoming and "YY/T 9001-2025" not in upcoming
    in_force = client.get("/standards/", {"status": "in_force"}).content.decode()
    assert "YY/T 9001-2025" in in_force and "YY/T 9002-2026" not in in_force
    ours = Standard.objects.filter(number__startswith="YY/T 900")
    assert list(ours.upcoming().values_list("number", flat=True)) == ["YY/T 9002-2026"]


def test_browse_by_ics(client):
    html = client.get("/standards/ics/67/").content.decode()
    assert "67.220" in html
    html = client.get("/standards/ics/67.220.20/").content.decode()
    assert "GB 2760-2024" in html
    assert client.get("/standards/ics/99.999/").status_code == 404


def test_check_page_errors_are_clear(client):
    html = client.post("/check/", {"text": "没有编号的文字"}).content.decode()
    assert "没有找到标准编号" in html
    html = client.post("/check/", {"text": "GB 1-2000\n" * 6000}).content.decode()
    assert "一次最多查新" in html
    html = client.post("/check/", {"text": "GB 1-2000", "as_of": "not a date"}).content.decode()
    assert "errorlist" in html
    html = client.post("/check/", {"text": "  "}).content.decode()
    assert "请粘贴标准编号或文本" in html


def test_script_in_input_is_escaped(client):
    response = client.post("/check/", {"text": "<script>alert(1)</script> GB 2760-2014"})
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;/script&gt;" in html


def test_in_force_queryset_agrees_with_verdict_rules():
    assert_in_force_agrees()


@needs_shared
def test_in_force_agrees_on_the_shared_data():
    call_command("import_standards", str(NMPA), str(SPORTS), verbosity=0)
    assert_in_force_agrees()


def assert_in_force_agrees():
    from standards.catalogue import DbCatalogue
    from standards.validity import status_on

    for on in [
        datetime.date(2000, 1, 1),
        datetime.date(2024, 6, 1),
        datetime.date.today(),
        datetime.date(2030, 1, 1),
    ]:
        catalogue = DbCatalogue()
        expected = {
            s.number
            for s in Standard.objects.listed()
            if status_on(catalogue.get(s.number), on, catalogue) == "current"
        }
        found = set(Standard.objects.in_force(on).values_list("number", flat=True))
        assert found == expected, (on, sorted(found ^ expected)[:10])


@needs_shared
@pytest.mark.django_db
def test_every_ics_class_has_a_chinese_name(client):
    from standards.ics import load_ics
    from standards.models import IcsClass

    assert load_ics() == 1381
    assert not IcsClass.objects.filter(name_zh="").exists()
    html = client.get("/standards/ics/11.040/").content.decode()
    heading = html.split("<h1")[1].split("</h1>")[0]
    assert "医疗设备" in heading  # the English name follows as a subtitle
    assert IcsClass.objects.get(code="67.220.20").name_zh == "食品添加剂"
