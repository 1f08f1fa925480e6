"""Re-flagging after a catalogue change, through the real catalogue, services and mail."""

import datetime
import re

from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

import pytest

from alerts.models import Notification, Watch
from alerts.reflag import affected, catalogue_changed, ics_ancestors
from declarations.models import Declaration, Reference
from standards.changes import PUBLISHED, SUPERSEDED, WITHDRAWN, StandardChange
from standards.models import Standard

from .conftest import TODAY, declare, make_firm

pytestmark = pytest.mark.django_db

SOURCE = "2026年第 5 号国家标准公告"
SUPERSEDE_19580 = StandardChange(
    number="GB/T 19580-2012",
    series="GB/T 19580",
    kind=SUPERSEDED,
    effective_on=datetime.date(2024, 1, 1),
    replaced_by=("GB/T 19580-2023",),
    title="卓越绩效评价准则",
)


def supersede_19580(import_records):
    """The catalogue side of the announcement: the new edition replaces the old."""
    import_records(
        [
            {
                "number": "GB/T 19580-2023",
                "title": "卓越绩效评价准则",
                "status": "current",
                "published": "2023-08-06",
                "effective": "2024-01-01",
                "replaces": ["GB/T 19580-2012"],
                "ics": ["03.120.10"],
            }
        ],
        name="announcement.jsonl",
    )


@pytest.fixture
def scene(firms, django_user_model):
    """Firm A: a published declaration citing GB/T 19580-2012, one citing the series
    undated, a draft citing the edition; firm B: one citing YY 0055-2018 only. Watchers
    of the standard, the series, an ICS class above it, and an unrelated class."""
    a0, a1 = firms["a_users"]
    (b0,) = firms["b_users"]
    d1 = declare(firms["a"], a0, "GB/T 19580-2012", "GB 2760-2024", title="卓越绩效声明")
    d2 = declare(firms["a"], a0, "GB/T 19580")
    d3 = declare(firms["b"], b0, "YY 0055-2018")
    d4 = declare(firms["a"], a0, "GB/T 19580-2012", draft=True)
    watchers = {}
    for name, kind, value in [
        ("w_std", Watch.Kind.STANDARD, "GB/T 19580-2012"),
        ("w_series", Watch.Kind.SERIES, "GB/T 19580"),
        ("w_ics", Watch.Kind.ICS, "03.120"),
        ("w_other", Watch.Kind.ICS, "67"),
    ]:
        user = django_user_model.objects.create_user(name, email=f"{name}@example.com")
        Watch.objects.create(user=user, kind=kind, value=value)
        watchers[name] = user
    # A member of firm A who also watches the series gets the firm's notice only.
    Watch.objects.create(user=a1, kind=Watch.Kind.SERIES, value="GB/T 19580")
    return {"d1": d1, "d2": d2, "d3": d3, "d4": d4, "a0": a0, "a1": a1, "b0": b0, **watchers}


def notices_of(user):
    return list(Notification.objects.filter(recipient=user))


def test_preview_counts_without_writing(scene, import_records):
    supersede_19580(import_records)
    before = list(Reference.objects.values_list("id", "verdict", "checked_on"))
    counts = affected([SUPERSEDE_19580])
    assert (counts.standards, counts.declarations, counts.enterprises) == (1, 2, 1)
    assert counts.watchers == 4  # standard, series, ICS 03.120 and the firm member
    assert list(Reference.objects.values_list("id", "verdict", "checked_on")) == before
    assert not Notification.objects.exists()


def test_supersession_reflags_and_warns_once(
    scene, import_records, django_capture_on_commit_callbacks
):
    supersede_19580(import_records)
    untouched = Declaration.objects.get(pk=scene["d3"].pk)
    untouched_refs = list(untouched.references.values_list("id", "verdict", "checked_on"))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = catalogue_changed([SUPERSEDE_19580], source=SOURCE)
        assert len(mail.outbox) == 0  # nothing is mailed before the commit
    assert callbacks

    assert result["declarations"] == 3  # two published, one draft
    assert result["references"] == 3
    assert result["enterprises"] == 1
    assert result["flagged"] == 1
    assert set(result) >= {"declarations", "references", "enterprises", "notifications", "seconds"}

    d1 = Declaration.objects.get(pk=scene["d1"].pk)
    assert d1.flagged_at is not None
    assert d1.flag_reason == "GB/T 19580-2012 已被 GB/T 19580-2023 代替"
    ref = d1.references.get(normalized="GB/T 19580-2012")
    assert (ref.verdict, ref.current_number, ref.checked_on) == (
        "superseded",
        "GB/T 19580-2023",
        TODAY,
    )
    assert "GB/T 19580-2023" in ref.message

    # Undated: it now means the 2023 edition, which is in force: re-checked, not flagged.
    d2 = Declaration.objects.get(pk=scene["d2"].pk)
    assert d2.flagged_at is None
    undated = d2.references.get()
    assert undated.verdict == "current" and "GB/T 19580-2023" in undated.message

    # The draft's reference is re-checked for its owners, but a draft is never flagged.
    d4 = Declaration.objects.get(pk=scene["d4"].pk)
    assert d4.references.get().verdict == "superseded"
    assert d4.flagged_at is None and d4.flag_reason == ""

    # The declaration citing other standards is untouched.
    d3 = Declaration.objects.get(pk=scene["d3"].pk)
    assert d3.updated_at == untouched.updated_at
    assert d3.flagged_at is None
    assert list(d3.references.values_list("id", "verdict", "checked_on")) == untouched_refs

    # Every member of firm A: one notice naming the declarations and what to do.
    for user in (scene["a0"], scene["a1"]):
        (notice,) = notices_of(user)
        assert notice.kind == Notification.Kind.DECLARATION
        assert notice.enterprise_id == scene["d1"].enterprise_id
        assert "GB/T 19580-2012 已被 GB/T 19580-2023 代替" in notice.title
        assert SOURCE in notice.body
        assert "卓越绩效声明" in notice.body and "草稿" in notice.body
        assert f"/my/declarations/{scene['d1'].pk}/edit/" in notice.body
        assert "不注日期引用，现适用 GB/T 19580-2023" in notice.body
        assert "改为执行现行版本 GB/T 19580-2023" in notice.body
    assert notices_of(scene["b0"]) == []

    # Watchers of the standard, its series and an ICS class above it; not others.
    for name in ("w_std", "w_series", "w_ics"):
        (notice,) = notices_of(scene[name])
        assert notice.kind == Notification.Kind.WATCH
        assert notice.url == "/standards/GB/T%2019580-2012/" or "19580-2012" in notice.url
    assert "ICS 分类 03.120" in notices_of(scene["w_ics"])[0].body
    assert notices_of(scene["w_other"]) == []

    assert result["notifications"] == 5
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == sorted(
        f"{u}@example.com" for u in ("firm_a", "firm_a1", "w_std", "w_series", "w_ics")
    )
    assert all(m.subject.startswith("[标准馆]") for m in mail.outbox)
    assert Notification.objects.filter(emailed_at__isnull=True).count() == 0

    # Processing the same change again gives nobody a second notice or e-mail.
    flagged_at = d1.flagged_at
    with django_capture_on_commit_callbacks(execute=True):
        again = catalogue_changed([SUPERSEDE_19580], source=SOURCE)
    assert again["notifications"] == 0 and again["flagged"] == 0
    assert Notification.objects.count() == 5
    assert len(mail.outbox) == 5
    assert Declaration.objects.get(pk=d1.pk).flagged_at == flagged_at


def test_withdrawal_flags_dated_and_undated(
    firms, django_capture_on_commit_callbacks, django_user_model
):
    a0 = firms["a_users"][0]
    dated = declare(firms["a"], a0, "GB/T 30000-2015")
    undated = declare(firms["a"], a0, "GB/T 30000")
    c, (c0,) = make_firm("丙公司", "91310000MA1FL8KQ3E", "firm_c", django_user_model, email=False)
    declare(c, c0, "GB/T 30000-2015")
    yesterday = TODAY - datetime.timedelta(days=1)
    Standard.objects.filter(number="GB/T 30000-2015").update(
        status="withdrawn", withdrawn=yesterday
    )
    change = StandardChange("GB/T 30000-2015", "GB/T 30000", WITHDRAWN, effective_on=yesterday)

    with django_capture_on_commit_callbacks(execute=True):
        result = catalogue_changed([change])

    assert result["flagged"] == 3  # two of firm A, one of firm C
    for declaration in (dated, undated):
        declaration.refresh_from_db()
        assert declaration.flagged_at is not None
        assert declaration.references.get().verdict == "withdrawn"
    assert dated.flag_reason == "GB/T 30000-2015 已废止"
    notice = Notification.objects.filter(recipient=a0).get()
    assert "已于" in notice.title and "废止" in notice.title
    assert "删除该标准，或改为执行其他现行有效的标准" in notice.body
    assert notice.url == "/my/declarations/"  # two declarations: the list
    assert len(mail.outbox) == 2  # both members of firm A
    assert "全部站内消息：" in mail.outbox[0].body and "/my/declarations/" in mail.outbox[0].body
    # A member without an e-mail address has the notice on the site only.
    assert Notification.objects.filter(recipient=c0, emailed_at__isnull=True).count() == 1


def test_future_change_warns_ahead_then_when_due(firms, import_records):
    a0 = firms["a_users"][0]
    declaration = declare(firms["a"], a0, "GB/T 19580-2012")
    effective = TODAY + datetime.timedelta(days=200)
    new = f"GB/T 19580-{effective.year + 1}"
    import_records(
        [
            {
                "number": new,
                "title": "卓越绩效评价准则",
                "status": "upcoming",
                "published": TODAY.isoformat(),
                "effective": effective.isoformat(),
                "replaces": ["GB/T 19580-2012"],
            }
        ],
        name="ahead.jsonl",
    )
    ahead = StandardChange(
        "GB/T 19580-2012", "GB/T 19580", SUPERSEDED, effective_on=effective, replaced_by=(new,)
    )
    catalogue_changed([ahead])
    declaration.refresh_from_db()
    ref = declaration.references.get()
    assert ref.verdict == "current" and ref.warnings  # in force, successor published
    assert declaration.flagged_at is not None
    assert new in declaration.flag_reason
    notice = Notification.objects.get(recipient=a0)
    assert "将于" in notice.title and "做好准备" in notice.body

    # The same change once it takes effect is a new event: told once more.
    Standard.objects.filter(number=new).update(effective=TODAY, status="current")
    due = StandardChange(
        "GB/T 19580-2012", "GB/T 19580", SUPERSEDED, effective_on=TODAY, replaced_by=(new,)
    )
    catalogue_changed([due])
    catalogue_changed([due])
    assert Notification.objects.filter(recipient=a0).count() == 2
    declaration.refresh_from_db()
    assert declaration.flag_reason == f"GB/T 19580-2012 已被 {new} 代替"


def test_new_standard_resolves_unknown_references(firms):
    a0 = firms["a_users"][0]
    draft = declare(firms["a"], a0, "GB 40000-2026", draft=True)
    assert draft.references.get().verdict == "unknown"
    Standard.objects.create(
        number="GB 40000-2026", title="新发布标准", status="current", effective=TODAY
    )
    result = catalogue_changed([StandardChange("GB 40000-2026", "GB 40000", PUBLISHED)])
    assert result["references"] == 1
    assert draft.references.get().verdict == "current"
    notice = Notification.objects.get(recipient=a0)
    assert "GB 40000-2026 已发布实施" in notice.title


def test_nothing_to_do(db):
    assert catalogue_changed([])["declarations"] == 0
    change = StandardChange("GB 1-2000", "GB 1", WITHDRAWN)
    result = catalogue_changed([change])
    assert (result["declarations"], result["notifications"]) == (0, 0)
    assert affected([change]).declarations == 0


def test_ics_ancestors():
    assert ics_ancestors("67.220.20") == ["67", "67.220", "67.220.20"]
    assert ics_ancestors("01") == ["01"]


#: Tables whose size grows with the number of declarations or users: never scanned.
BIG_TABLES = re.compile(
    r"\bSCAN (TABLE )?(declarations_\w+|alerts_\w+|auth_user|standards_standard)\b"
)


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="SQLite only: reads SQLite's EXPLAIN QUERY PLAN output"
)
def test_lookups_use_indexes(scene, import_records):
    supersede_19580(import_records)
    with CaptureQueriesContext(connection) as captured:
        catalogue_changed([SUPERSEDE_19580])
    plans = []
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            plan = " | ".join(row[-1] for row in cursor.fetchall())
            plans.append((sql, plan))
    assert plans
    scans = [(sql, plan) for sql, plan in plans if BIG_TABLES.search(plan)]
    assert scans == []
    joined = "\n".join(plan for _sql, plan in plans)
    assert re.search(r"declarations_reference USING (COVERING )?INDEX \w*normalized", joined)
    assert re.search(r"alerts_watch USING (COVERING )?INDEX alerts_watch_target", joined)
    # Writes touch the rows by primary key.
    updates = [q["sql"] for q in captured.captured_queries if "UPDATE " in q["sql"]]
    assert len(updates) == 2  # references, then declarations: one statement each
    assert all(sql.rstrip().endswith('WHERE "id" = %s') for sql in updates)
