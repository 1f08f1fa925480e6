"""Announcements (公告): validation, preview, apply, future-dated changes, import, admin."""

# ruff: noqa: F811  (the declarations fixtures are imported and used as arguments)

import datetime
import io
import json

from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.test import Client

from wagtail.models import ModelLogEntry

import pytest

from declarations import services as declaration_services
from declarations.models import Declaration
from standards import announcements
from standards.announcement_import import AnnouncementImportError, import_announcement
from standards.announcements import AnnouncementError, apply, preview, process_due_changes, validate
from standards.changes import PARTIALLY_SUPERSEDED, PUBLISHED, SUPERSEDED, WITHDRAWN
from standards.models import (
    Announcement,
    AnnouncementItem,
    CatalogueChange,
    IcsClass,
    Standard,
    Supersession,
)
from tests.conftest import GB2760_CHAIN
from tests.declarations.conftest import enterprise, firm_user  # noqa: F401 (fixtures)

TODAY = datetime.date.today()
DAY = datetime.timedelta(days=1)
A = AnnouncementItem.Action


@pytest.fixture
def catalogue(db, import_records):
    """The GB 2760 chain and friends, with only the ICS classes they use."""
    food = IcsClass.objects.create(code="67", name_zh="食品技术")
    additives = IcsClass.objects.create(code="67.220", parent=food, name_zh="香辛料和调味品")
    IcsClass.objects.create(code="67.220.20", parent=additives, name_zh="食品添加剂")
    import_records(GB2760_CHAIN)


def announce(*items, code="国家标准公告2026年第3号", published_on=TODAY - 5 * DAY):
    ann = Announcement(code=code, title="关于批准发布国家标准的公告", published_on=published_on)
    ann.items = [AnnouncementItem(**item) for item in items]
    ann.save()
    return ann


def snapshot():
    return (
        list(Standard.objects.order_by("pk").values_list("number", "status", "withdrawn")),
        list(Supersession.objects.order_by("pk").values_list("old_id", "new_id", "partial")),
        CatalogueChange.objects.count(),
        Declaration.objects.filter(flagged_at__isnull=False).count(),
    )


def declare(enterprise, user, *standards):
    data = declaration_services.DeclarationInput(
        products=[declaration_services.ProductInput("复合调味料", "FH-01", "food")],
        standards=list(standards),
        commitment=True,
        acknowledge_warnings=True,
    )
    outcome = declaration_services.publish(enterprise, user, data)
    assert outcome.ok, outcome.assessment.errors
    return outcome.declaration


# -- validation ----------------------------------------------------------------------------


NEW_19580 = {
    "action": A.NEW,
    "number": "GB/T 19580-2026",
    "title": "卓越绩效评价准则",
    "replaces": "GB/T 19580-2012",
    "published_on": TODAY - 10 * DAY,
    "effective_on": TODAY + 30 * DAY,
}


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        (
            [{"action": A.WITHDRAW, "number": "GB/T 99999-2020"}],
            "GB/T 99999-2020 不在标准目录中",
        ),
        (
            [{**NEW_19580, "replaces": "GB/T 88888-2001"}],
            "被代替的标准 GB/T 88888-2001 不在标准目录中",
        ),
        ([{"action": A.WITHDRAW, "number": "ABC 12"}], "无法识别"),
        ([{"action": A.WITHDRAW, "number": "GB 2760"}], "缺少年代号"),
        (
            [NEW_19580, {"action": A.WITHDRAW, "number": "GB/T 19580-2012"}],
            "既被废止又被代替",
        ),
        (
            [{**NEW_19580, "number": "GB 2760-2024", "title": "别的名称", "replaces": ""}],
            "名称为“食品安全国家标准 食品添加剂使用标准”，与公告不一致",
        ),
        (
            [{"action": A.SUPERSEDE, "number": "GB 2760-2014", "replaces": "GB 2760-2024"}],
            "代替关系成环：GB 2760-2024 → GB 2760-2014 → GB 2760-2024",
        ),
        (
            [
                {"action": A.SUPERSEDE, "number": "GB/T 1-2030", "replaces": "GB/T 19580-2012"},
            ],
            "代替标准 GB/T 1-2030 既不在标准目录中，也不是本公告新发布的标准",
        ),
        (
            [{**NEW_19580, "effective_on": TODAY - 20 * DAY}],
            "早于发布日期",
        ),
        ([{**NEW_19580, "title": ""}], "须填写标准名称"),
        (
            [{"action": A.WITHDRAW, "number": "GB 2760-2014"}],
            "目前已是“被代替”状态",
        ),
        (
            [{"action": A.WITHDRAW, "number": "GB/T 14833-1993"}],
            "已记录废止日期",
        ),
        ([NEW_19580, NEW_19580], "与第 1 条重复"),
        (
            [{"action": A.WITHDRAW, "number": "YY 0055-2018"}],
            "目录中已记录 YY 0055-2026 代替 YY 0055-2018，不能再废止",
        ),
        ([{**NEW_19580, "ics": "99.999"}], "ICS 分类号“99.999”不存在"),
        ([{**NEW_19580, "effective_on": None}], "须填写实施日期"),
        (
            [
                {
                    "action": A.WITHDRAW,
                    "number": "GB/T 19580-2012",
                    "effective_on": TODAY - 30 * DAY,
                }
            ],
            "早于公告日期",
        ),
        (
            [{"action": A.PARTIAL_SUPERSEDE, "number": "GB 2760-2024", "replaces": ""}],
            "请在“代替标准”中填写",
        ),
    ],
)
def test_refuses_problems_and_changes_nothing(catalogue, items, expected):
    ann = announce(*items)
    problems = validate(ann, today=TODAY)
    assert any(expected in p for p in problems), problems
    before = snapshot()
    with pytest.raises(AnnouncementError) as exc:
        apply(ann, today=TODAY)
    assert exc.value.problems == problems
    assert snapshot() == before
    ann.refresh_from_db()
    assert ann.status == Announcement.Status.DRAFT and ann.summary == {}
    assert not ModelLogEntry.objects.filter(action=announcements.LOG_APPLY).exists()


def test_loop_inside_one_announcement(catalogue):
    ann = announce(
        {"action": A.SUPERSEDE, "number": "GB/T 19580-2012", "replaces": "YY 0055-2018"},
        {"action": A.SUPERSEDE, "number": "YY 0055-2018", "replaces": "GB/T 19580-2012"},
    )
    problems = validate(ann, today=TODAY)
    assert sum("成环" in p for p in problems) == 1, problems


def test_problems_name_the_item(catalogue):
    ann = announce(NEW_19580, {"action": A.WITHDRAW, "number": "GB/T 99999-2020"})
    (problem,) = validate(ann, today=TODAY)
    assert problem.startswith("第 2 条（废止 GB/T 99999-2020）：")


def test_an_empty_announcement_is_refused(catalogue):
    assert validate(announce(), today=TODAY) == ["公告中没有任何条目"]


# -- preview -------------------------------------------------------------------------------


def test_preview_counts(catalogue, enterprise, firm_user):
    cited = declare(enterprise, firm_user, "GB/T 19580-2012")
    declare(enterprise, firm_user, "GB 2760-2024")
    ann = announce(
        NEW_19580,
        {"action": A.PARTIAL_SUPERSEDE, "number": "GB/T 19580-2026", "replaces": "YY 0055-2018"},
    )
    before = snapshot()
    summary = preview(ann, today=TODAY)
    assert snapshot() == before
    assert summary["problems"] == []
    assert summary["standards_created"] == 1  # GB/T 19580-2026
    assert summary["standards_changed"] == 2  # GB/T 19580-2012, YY 0055-2018
    assert summary["affected"]["declarations"] == 1
    assert summary["affected"]["enterprises"] == 1
    assert [d["id"] for d in summary["declarations"]] == [cited.pk]
    assert summary["declarations"][0]["url"] == cited.get_absolute_url()
    assert summary["declarations"][0]["cites"] == ["GB/T 19580-2012"]
    headlines = {c["headline"] for c in summary["changes"]}
    when = TODAY + 30 * DAY
    assert (
        f"GB/T 19580-2012 被 GB/T 19580-2026 代替（{when.year}年{when.month}月{when.day}日起）"
        in (headlines)
    )
    assert summary["changes_later"] == 2 and summary["changes_due"] == 1


# -- applying ------------------------------------------------------------------------------


def test_apply_new_standard_superseding_an_old_one(catalogue, django_user_model):
    staff = django_user_model.objects.create_user("editor", password="pw")
    ann = announce(NEW_19580)
    summary = apply(ann, staff, today=TODAY)

    new = Standard.objects.get(number="GB/T 19580-2026")
    old = Standard.objects.get(number="GB/T 19580-2012")
    assert new.title == "卓越绩效评价准则" and new.level == "national" and new.kind == "recommended"
    assert new.series == "GB/T 19580" and not new.placeholder
    assert Supersession.objects.filter(old=old, new=new, partial=False).exists()
    # As of today: the new one is upcoming, the old one still in force …
    assert new.status == "upcoming" and old.status == "current"
    assert new.status_on(TODAY) == "upcoming" and old.status_on(TODAY) == "current"
    # … and on the date, without anyone doing anything, the new one replaces it.
    later = TODAY + 30 * DAY
    assert new.status_on(later) == "current" and old.status_on(later) == "superseded"
    assert old.withdrawn == later
    in_force = set(Standard.objects.in_force(on=later).values_list("number", flat=True))
    assert "GB/T 19580-2026" in in_force and "GB/T 19580-2012" not in in_force
    in_force_now = set(Standard.objects.in_force(on=TODAY).values_list("number", flat=True))
    assert "GB/T 19580-2012" in in_force_now and "GB/T 19580-2026" not in in_force_now

    rows = {row.kind: row for row in CatalogueChange.objects.filter(announcement=ann)}
    assert set(rows) == {PUBLISHED, SUPERSEDED}
    assert rows[PUBLISHED].standard == new and rows[PUBLISHED].announced_at is not None
    assert rows[SUPERSEDED].number == "GB/T 19580-2012"
    assert rows[SUPERSEDED].replaced_by == "GB/T 19580-2026"
    assert rows[SUPERSEDED].effective_on == later and rows[SUPERSEDED].announced_at is None

    ann.refresh_from_db()
    assert ann.status == Announcement.Status.APPLIED and ann.applied_by == staff
    assert ann.summary["standards_created"] == 1 and ann.summary["waiting"] == 1
    assert summary["recorded"] == 2
    entry = ModelLogEntry.objects.get(action=announcements.LOG_APPLY)
    assert entry.user == staff and entry.object_id == str(ann.pk)
    assert entry.data["code"] == ann.code

    # The search index knows the new standard at once.
    from haystack.query import SearchQuerySet

    found = SearchQuerySet().models(Standard).filter(content="GB/T 19580-2026")
    assert any(r.pk == str(new.pk) for r in found)


def test_new_standard_inherits_ics_of_what_it_replaces(catalogue):
    ann = announce(
        {
            "action": A.NEW,
            "number": "GB 2760-2030",
            "title": "食品安全国家标准 食品添加剂使用标准",
            "replaces": "GB 2760-2024",
            "published_on": TODAY - DAY,
            "effective_on": TODAY + 400 * DAY,
        }
    )
    apply(ann, today=TODAY)
    new = Standard.objects.get(number="GB 2760-2030")
    assert list(new.ics.values_list("code", flat=True)) == ["67.220.20"]
    row = CatalogueChange.objects.get(number="GB 2760-2024")
    assert row.ics_codes == " 67.220.20 "


def test_apply_partial_supersession_keeps_the_old_one_in_force(catalogue):
    ann = announce(
        {
            "action": A.NEW,
            "number": "YY/T 1999-2026",
            "title": "牙科学 光固化机 光辐射性能",
            "published_on": TODAY - 20 * DAY,
            "effective_on": TODAY - DAY,
        },
        {"action": A.PARTIAL_SUPERSEDE, "number": "YY/T 1999-2026", "replaces": "YY 0055-2018"},
    )
    apply(ann, today=TODAY)
    old = Standard.objects.get(number="YY 0055-2018")
    new = Standard.objects.get(number="YY/T 1999-2026")
    assert Supersession.objects.get(old=old, new=new).partial is True
    assert old.withdrawn is None and old.status == "current" and old.status_on(TODAY) == "current"
    assert new.status == "current"
    row = CatalogueChange.objects.get(number="YY 0055-2018")
    assert row.kind == PARTIALLY_SUPERSEDED and row.effective_on == TODAY - DAY
    assert row.announced_at is not None


def test_apply_withdrawal_flags_citing_declarations(catalogue, enterprise, firm_user):
    cited = declare(enterprise, firm_user, "GB/T 19580-2012")
    ann = announce({"action": A.WITHDRAW, "number": "GB/T 19580-2012", "effective_on": TODAY})
    summary = apply(ann, today=TODAY)
    std = Standard.objects.get(number="GB/T 19580-2012")
    assert std.withdrawn == TODAY and std.status == "withdrawn"
    assert std.status_on(TODAY) == "withdrawn" and std.status_on(TODAY - DAY) == "current"
    row = CatalogueChange.objects.get(announcement=ann)
    assert row.kind == WITHDRAWN and row.announced_at is not None
    assert summary["affected"]["declarations"] == 1
    assert [d["id"] for d in summary["declarations"]] == [cited.pk]
    cited.refresh_from_db()
    assert cited.flagged_at is not None
    assert "GB/T 19580-2012" in cited.flag_reason


def test_applying_twice_is_refused(catalogue):
    ann = announce({"action": A.WITHDRAW, "number": "GB/T 19580-2012"})
    apply(ann, today=TODAY)
    before = snapshot()
    with pytest.raises(AnnouncementError, match="已应用"):
        apply(ann, today=TODAY)
    stale = Announcement.objects.get(pk=ann.pk)
    stale.status = Announcement.Status.DRAFT  # a copy read before the first apply
    with pytest.raises(AnnouncementError, match="已应用"):
        apply(stale, today=TODAY)
    assert snapshot() == before
    assert ModelLogEntry.objects.filter(action=announcements.LOG_APPLY).count() == 1


# -- future-dated changes ------------------------------------------------------------------


def test_future_withdrawal_takes_effect_on_its_date(catalogue, enterprise, firm_user):
    declare(enterprise, firm_user, "GB/T 19580-2012")
    when = TODAY + 10 * DAY
    ann = announce({"action": A.WITHDRAW, "number": "GB/T 19580-2012", "effective_on": when})
    summary = apply(ann, today=TODAY)
    assert summary["announced"] == 0 and summary["waiting"] == 1
    std = Standard.objects.get(number="GB/T 19580-2012")
    assert std.status == "current" and std.status_on(TODAY) == "current"
    assert std.status_on(when) == "withdrawn"  # derived from the date, before processing
    assert not Standard.objects.in_force(on=when).filter(pk=std.pk).exists()

    assert process_due_changes(today=when - DAY)["due"] == 0
    assert CatalogueChange.objects.get().announced_at is None

    result = process_due_changes(today=when)
    assert result["due"] == 1 and result["statuses_updated"] == 1 and result["indexed"] >= 1
    std.refresh_from_db()
    assert std.status == "withdrawn"
    assert CatalogueChange.objects.get().announced_at is not None
    assert ModelLogEntry.objects.filter(action=announcements.LOG_DUE).count() == 1

    again = process_due_changes(today=when + DAY)
    assert again["due"] == 0 and again["statuses_updated"] == 0


def test_new_standard_comes_into_force_on_its_date(catalogue):
    apply(announce(NEW_19580), today=TODAY)
    later = TODAY + 30 * DAY
    result = process_due_changes(today=later)
    assert result["due"] == 1  # the supersession of GB/T 19580-2012
    statuses = dict(Standard.objects.filter(series="GB/T 19580").values_list("number", "status"))
    assert statuses == {"GB/T 19580-2012": "superseded", "GB/T 19580-2026": "current"}


def test_process_due_changes_reindexes_standards_whose_dates_come(catalogue, import_records):
    when = TODAY + 5 * DAY
    import_records(
        [
            {
                "number": "GB/T 40000-2026",
                "title": "测试",
                "published": str(TODAY),
                "effective": str(when),
            }
        ],
        name="one.jsonl",
    )
    assert process_due_changes(today=when - 7 * DAY)["dated"] == 0
    assert process_due_changes(today=when)["dated"] == 1
    assert process_due_changes(today=when + 6 * DAY)["dated"] == 1  # a missed day is caught up


def test_process_due_changes_command_prints_json(catalogue):
    when = TODAY + 3 * DAY
    apply(
        announce({"action": A.WITHDRAW, "number": "GB/T 19580-2012", "effective_on": when}),
        today=TODAY,
    )
    out = io.StringIO()
    call_command("process_due_changes", "--today", when.isoformat(), stdout=out)
    result = json.loads(out.getvalue())
    assert result["due"] == 1 and result["date"] == when.isoformat()
    out = io.StringIO()
    call_command("process_due_changes", "--today", when.isoformat(), stdout=out)
    assert json.loads(out.getvalue())["due"] == 0


def test_process_due_changes_task(catalogue):
    from standards.tasks import process_due_changes_task

    when = TODAY + 3 * DAY
    apply(
        announce({"action": A.WITHDRAW, "number": "GB/T 19580-2012", "effective_on": when}),
        today=TODAY,
    )
    result = process_due_changes_task.enqueue(today=when.isoformat())
    assert result.return_value["due"] == 1


# -- import --------------------------------------------------------------------------------

CSV = (
    "国家标准公告2026年第9号\n"
    "操作,标准编号,标准名称,代替标准,发布日期,实施日期\n"
    f"新发布,GB/T 19580—2026,卓越绩效评价准则,GB/T 19580-2012,{TODAY - 10 * DAY},"
    f"{TODAY + 30 * DAY}\n"
    f"废止,gb/t 14833-1993,,,,{TODAY}\n"
)


def test_import_csv_in_gbk(catalogue):
    ann = import_announcement(
        CSV.encode("gbk"), code="国家标准公告2026年第9号", title="", published_on=TODAY
    )
    items = list(ann.items.all())
    assert [(i.action, i.number) for i in items] == [
        (A.NEW, "GB/T 19580-2026"),
        (A.WITHDRAW, "GB/T 14833-1993"),
    ]
    assert items[0].replaces == "GB/T 19580-2012" and items[0].effective_on == TODAY + 30 * DAY
    assert ann.status == Announcement.Status.DRAFT and ann.title == ann.code


def test_import_xlsx(catalogue):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["操作", "标准编号", "标准名称", "代替标准", "发布日期", "实施日期"])
    sheet.append(
        [
            "新发布",
            "GB/T 19580-2026",
            "卓越绩效评价准则",
            "GB/T 19580-2012",
            datetime.datetime.combine(TODAY - 10 * DAY, datetime.time()),
            (TODAY + 30 * DAY).isoformat(),
        ]
    )
    sheet.append(["部分代替", "GB/T 19580-2026", None, "YY 0055-2018", None, None])
    buffer = io.BytesIO()
    book.save(buffer)
    ann = import_announcement(buffer.getvalue(), code="第10号", title="XLSX", published_on=TODAY)
    items = list(ann.items.all())
    assert [i.action for i in items] == [A.NEW, A.PARTIAL_SUPERSEDE]
    assert items[0].published_on == TODAY - 10 * DAY
    assert validate(ann, today=TODAY) == []


def test_import_reports_rows_and_creates_nothing(catalogue):
    bad = (
        "操作,标准编号,标准名称,代替标准,发布日期,实施日期\n"
        "新发布,GB/T 19580-2026,,,2026-01-01,2026-13-01\n"
        "作废,GB/T 14833-1993,,,,\n"
        "废止,XYZ,,,,\n"
    ).encode("gb18030")
    with pytest.raises(AnnouncementImportError) as exc:
        import_announcement(bad, code="第11号", title="", published_on=TODAY)
    problems = exc.value.problems
    assert any(p.startswith("第 2 行：") and "标准名称" in p for p in problems), problems
    assert any(p.startswith("第 2 行：") and "实施日期无效" in p for p in problems), problems
    assert any(p.startswith("第 3 行：") and "“作废”无法识别" in p for p in problems), problems
    assert any(p.startswith("第 4 行：") for p in problems), problems
    assert not Announcement.objects.exists()


def test_import_refuses_a_file_without_header(catalogue):
    with pytest.raises(AnnouncementImportError, match="未找到表头"):
        import_announcement(b"a,b\n1,2\n", code="x", title="", published_on=TODAY)
    with pytest.raises(AnnouncementImportError, match="XLSX"):
        import_announcement(b"PK\x03\x04garbage", code="x", title="", published_on=TODAY)
    assert not Announcement.objects.exists()


# -- admin ---------------------------------------------------------------------------------

LIST = "/admin/snippets/standards/announcement/"


@pytest.fixture
def editor(db, django_user_model):
    """A member of 标准目录编辑 with the announcement permissions (no superuser)."""
    group, _ = Group.objects.get_or_create(name="标准目录编辑")
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="standards",
            codename__in=[
                "add_announcement",
                "change_announcement",
                "view_announcement",
                "apply_announcement",
                "view_cataloguechange",
            ],
        ),
        Permission.objects.get(codename="access_admin"),
    )
    user = django_user_model.objects.create_user("editor", password="pw", is_staff=True)
    user.groups.add(group)
    client = Client()
    client.force_login(user)
    return client


def test_admin_preview_and_apply(catalogue, enterprise, firm_user, editor):
    cited = declare(enterprise, firm_user, "GB/T 19580-2012")
    ann = announce({"action": A.WITHDRAW, "number": "GB/T 19580-2012", "effective_on": TODAY})
    html = editor.get(f"{LIST}preview/{ann.pk}/").content.decode()
    assert 'data-count="declarations">1<' in html
    assert cited.get_absolute_url() in html and "data-apply-announcement" in html
    assert "预览影响 / 应用" in editor.get(LIST).content.decode()
    assert f"preview/{ann.pk}/" in editor.get(f"{LIST}edit/{ann.pk}/").content.decode()
    response = editor.post(f"{LIST}apply/{ann.pk}/")
    assert response.status_code == 302
    ann.refresh_from_db()
    assert ann.is_applied
    html = editor.get(response.url).content.decode()
    assert "已应用" in html and cited.get_absolute_url() in html
    assert "data-apply-announcement" not in html
    # Applied announcements are read-only.
    response = editor.get(f"{LIST}edit/{ann.pk}/")
    assert response.status_code == 302 and response.url.endswith(f"preview/{ann.pk}/")
    response = editor.post(f"{LIST}delete/{ann.pk}/")
    assert Announcement.objects.filter(pk=ann.pk).exists()
    assert editor.post(f"{LIST}apply/{ann.pk}/").status_code == 302
    assert CatalogueChange.objects.count() == 1
    html = editor.get(f"{LIST}history/{ann.pk}/").content.decode()
    assert "应用公告" in html and f"preview/{ann.pk}/" in html


def test_admin_preview_lists_problems_and_apply_is_refused(catalogue, editor):
    ann = announce({"action": A.WITHDRAW, "number": "GB/T 99999-2020"})
    html = editor.get(f"{LIST}preview/{ann.pk}/").content.decode()
    assert "GB/T 99999-2020 不在标准目录中" in html
    assert "data-apply-announcement" not in html
    editor.post(f"{LIST}apply/{ann.pk}/")
    ann.refresh_from_db()
    assert not ann.is_applied


def test_admin_create_with_items(catalogue, editor):
    data = {
        "code": "国家标准公告2026年第5号",
        "title": "废止公告",
        "issuer": "国家市场监督管理总局",
        "published_on": TODAY.isoformat(),
        "note": "",
        "items-TOTAL_FORMS": "1",
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
        "items-0-action": "withdraw",
        "items-0-number": "yy 0055—2018",
        "items-0-title": "",
        "items-0-replaces": "",
        "items-0-published_on": "",
        "items-0-effective_on": "",
        "items-0-ics": "",
        "items-0-ORDER": "1",
        "items-0-id": "",
        "items-0-DELETE": "",
    }
    response = editor.post(f"{LIST}add/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    ann = Announcement.objects.get()
    assert [i.number for i in ann.items.all()] == ["YY 0055-2018"]


def test_admin_import_view(catalogue, editor):
    upload = io.BytesIO(CSV.encode("gb18030"))
    upload.name = "公告.csv"
    response = editor.post(
        f"{LIST}import/",
        {"file": upload, "code": "第12号", "title": "", "published_on": TODAY.isoformat()},
    )
    assert response.status_code == 302
    ann = Announcement.objects.get(code="第12号")
    assert response.url.endswith(f"preview/{ann.pk}/")
    bad = io.BytesIO("操作,标准编号\n作废,GB 1-2020\n".encode())
    bad.name = "bad.csv"
    response = editor.post(
        f"{LIST}import/",
        {"file": bad, "code": "第13号", "title": "", "published_on": TODAY.isoformat()},
    )
    assert response.status_code == 200
    assert "第 2 行" in response.content.decode()
    assert not Announcement.objects.filter(code="第13号").exists()


def test_permissions(catalogue, django_user_model, client):
    ann = announce({"action": A.WITHDRAW, "number": "GB/T 19580-2012"})
    # Anonymous: to the login page.
    response = client.get(f"{LIST}preview/{ann.pk}/")
    assert response.status_code == 302 and "login" in response.url
    # Staff with admin access but no announcement permission: refused.
    group = Group.objects.create(name="other staff")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    user = django_user_model.objects.create_user("other", password="pw", is_staff=True)
    user.groups.add(group)
    client.force_login(user)
    assert client.get(f"{LIST}preview/{ann.pk}/").status_code in (302, 403)
    assert client.post(f"{LIST}apply/{ann.pk}/").status_code in (302, 403)
    assert client.get(f"{LIST}import/").status_code in (302, 403)
    # May change announcements but not apply them.
    group.permissions.add(Permission.objects.get(codename="change_announcement"))
    user = django_user_model.objects.get(pk=user.pk)
    client.force_login(user)
    html = client.get(f"{LIST}preview/{ann.pk}/").content.decode()
    assert "data-apply-announcement" not in html and "没有应用公告的权限" in html
    assert client.post(f"{LIST}apply/{ann.pk}/").status_code in (302, 403)
    ann.refresh_from_db()
    assert not ann.is_applied


def test_change_log_is_read_only_in_admin(catalogue, editor):
    apply(announce({"action": A.WITHDRAW, "number": "GB/T 19580-2012"}), today=TODAY)
    url = "/admin/snippets/standards/cataloguechange/"
    html = editor.get(url).content.decode()
    assert "GB/T 19580-2012" in html
    assert editor.get(f"{url}add/").status_code in (302, 403)
    row = CatalogueChange.objects.get()
    assert editor.get(f"{url}edit/{row.pk}/").status_code in (302, 403)
    assert editor.get(f"{url}inspect/{row.pk}/").status_code == 200
