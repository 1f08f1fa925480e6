"""Atom feeds of catalogue changes: all, per level, per ICS class."""

import datetime
import xml.etree.ElementTree as ET

import pytest

from standards.announcements import apply, process_due_changes
from standards.models import AnnouncementItem, Standard
from tests.standards.test_announcements import announce, catalogue  # noqa: F401 (fixture)

ATOM = "{http://www.w3.org/2005/Atom}"
TODAY = datetime.date.today()
DAY = datetime.timedelta(days=1)
A = AnnouncementItem.Action


def cn(day):
    return f"{day.year}年{day.month}月{day.day}日"


@pytest.fixture
def changes(catalogue, import_records):  # noqa: F811
    import_records(
        [{"number": "QB/T 1000-2010", "title": "轻工测试标准", "effective": "2011-01-01"}],
        name="qb.jsonl",
    )
    first = announce(
        {
            "action": A.NEW,
            "number": "GB 2760-2030",
            "title": "食品安全国家标准 食品添加剂使用标准",
            "replaces": "GB 2760-2024",
            "published_on": TODAY - 2 * DAY,
            "effective_on": TODAY - DAY,
        },
        code="国家标准公告2026年第1号",
    )
    apply(first, today=TODAY)
    second = announce(
        {"action": A.WITHDRAW, "number": "QB/T 1000-2010", "effective_on": TODAY},
        {"action": A.WITHDRAW, "number": "GB/T 19580-2012", "effective_on": TODAY + 10 * DAY},
        code="<script>alert(1)</script>公告",
    )
    second.issuer = "国家药品监督管理局"
    second.save()
    apply(second, today=TODAY)


def entries(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)  # noqa: S314 (our own output)
    assert root.tag == f"{ATOM}feed"
    out = []
    for entry in root.findall(f"{ATOM}entry"):
        out.append(
            {
                "title": entry.findtext(f"{ATOM}title"),
                "link": entry.find(f"{ATOM}link").get("href"),
                "id": entry.findtext(f"{ATOM}id"),
                "updated": entry.findtext(f"{ATOM}updated"),
                "summary": entry.findtext(f"{ATOM}summary") or "",
            }
        )
    return out


def test_all_changes(client, changes):
    found = entries(client, "/feeds/changes.atom")
    titles = [e["title"] for e in found]
    assert f"GB 2760-2024 被 GB 2760-2030 代替（{cn(TODAY - DAY)}起）" in titles
    assert f"GB 2760-2030 发布（{cn(TODAY - DAY)}实施）" in titles
    assert f"QB/T 1000-2010 废止（{cn(TODAY)}起）" in titles
    # A future change is there already, with its date.
    assert f"GB/T 19580-2012 废止（{cn(TODAY + 10 * DAY)}起）" in titles
    # Newest first: the second announcement's changes come before the first's.
    assert titles.index(f"QB/T 1000-2010 废止（{cn(TODAY)}起）") < titles.index(
        f"GB 2760-2030 发布（{cn(TODAY - DAY)}实施）"
    )
    assert len({e["id"] for e in found}) == len(found) == 4
    by_title = {e["title"]: e for e in found}
    entry = by_title[f"GB 2760-2024 被 GB 2760-2030 代替（{cn(TODAY - DAY)}起）"]
    assert entry["link"].endswith(Standard.objects.get(number="GB 2760-2024").get_absolute_url())
    # Text from an announcement is data, never markup.
    future = by_title[f"GB/T 19580-2012 废止（{cn(TODAY + 10 * DAY)}起）"]
    assert "<script>alert(1)</script>公告" in future["summary"]
    assert "将于" in future["summary"]
    assert b"<script>" not in client.get("/feeds/changes.atom").content


def test_future_change_moves_up_when_it_takes_effect(client, changes):
    future = f"GB/T 19580-2012 废止（{cn(TODAY + 10 * DAY)}起）"
    before = {e["title"]: e["updated"] for e in entries(client, "/feeds/changes.atom")}
    process_due_changes(today=TODAY + 10 * DAY)
    found = entries(client, "/feeds/changes.atom")
    assert found[0]["title"] == future
    assert found[0]["updated"] >= before[future]


def test_per_level(client, changes):
    titles = [e["title"] for e in entries(client, "/feeds/changes/industry.atom")]
    assert titles == [f"QB/T 1000-2010 废止（{cn(TODAY)}起）"]
    national = [e["title"] for e in entries(client, "/feeds/changes/national.atom")]
    assert len(national) == 3 and not any("QB" in t for t in national)
    assert client.get("/feeds/changes/nope.atom").status_code == 404


def test_per_ics_class_and_its_subclasses(client, changes):
    expected = {
        f"GB 2760-2024 被 GB 2760-2030 代替（{cn(TODAY - DAY)}起）",
        f"GB 2760-2030 发布（{cn(TODAY - DAY)}实施）",
    }
    for code in ("67", "67.220", "67.220.20"):
        titles = {e["title"] for e in entries(client, f"/feeds/ics/{code}.atom")}
        assert titles == expected, code
    assert client.get("/feeds/ics/99.999.atom").status_code == 404


def test_empty_feed_is_valid(client, catalogue):  # noqa: F811
    assert entries(client, "/feeds/changes.atom") == []
