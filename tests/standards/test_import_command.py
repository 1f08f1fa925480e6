"""import_standards: the contract in architecture.md, on real shared data and made files."""

import io
from io import StringIO

from django.core.management import CommandError, call_command

import openpyxl
import pytest

from standards.models import Standard, Supersession
from tests.conftest import NMPA, SPORTS, VENDOR, needs_shared, write_jsonl


def run(*args):
    out = StringIO()
    call_command("import_standards", *map(str, args), stdout=out)
    return out.getvalue()


@needs_shared
@pytest.mark.django_db
def test_shared_files_import_twice_without_duplicates():
    first = run(NMPA, SPORTS)
    count = Standard.objects.count()
    links = Supersession.objects.count()
    assert "读取 3480 条" in first
    assert "丢弃" in first  # the TC291-style successors are counted, not silently lost
    second = run(NMPA, SPORTS)
    assert Standard.objects.count() == count
    assert Supersession.objects.count() == links
    assert "新增 0，更新 0" in second
    # Both directions: nmpa states "replaces", sports states "replacedBy".
    assert Supersession.objects.filter(old__number="YY 0055-2018", new__number="YY 0055-2026")
    sports_links = Supersession.objects.filter(source="sports").count()
    assert sports_links >= 30


@needs_shared
@pytest.mark.django_db
def test_summary_accounts_for_every_record():
    from standards.importers import read_file
    from standards.services import import_batches

    batches = [read_file(NMPA), read_file(SPORTS)]
    summary = import_batches(batches)
    assert summary.read == 2141 + 1339
    assert summary.accounted
    assert summary.created + len(summary.skipped) == summary.read


@pytest.mark.django_db
def test_bad_rows_are_reported_with_their_line_and_the_rest_imported(tmp_path):
    path = write_jsonl(
        tmp_path / "mixed.jsonl",
        [
            {"number": "GB 2760-2014", "title": "食品添加剂使用标准", "status": "现行"},
            {"number": "not a number", "title": "坏记录"},
            {"number": "GB/T 19580-2012", "title": "卓越绩效评价准则"},
        ],
    )
    out = run(path)
    assert ":2" in out and "跳过 1" in out
    assert set(Standard.objects.values_list("number", flat=True)) == {
        "GB 2760-2014",
        "GB/T 19580-2012",
    }


@pytest.mark.django_db
def test_strict_aborts_with_nothing_written(tmp_path):
    Standard.objects.create(number="GB 1-2000", title="已有记录")
    path = write_jsonl(
        tmp_path / "mixed.jsonl",
        [
            {"number": "GB 2760-2014", "title": "食品添加剂使用标准"},
            {"number": "GB 2760-2014x", "title": ""},
        ],
    )
    with pytest.raises(CommandError, match="未写入"):
        call_command("import_standards", str(path), "--strict", stdout=io.StringIO())
    assert list(Standard.objects.values_list("number", flat=True)) == ["GB 1-2000"]


@pytest.mark.django_db
def test_gbk_csv_and_xlsx(tmp_path):
    csv_path = tmp_path / "gbk.csv"
    csv_path.write_bytes(
        "number,title,status,replaces\nGB 5749-2022,生活饮用水卫生标准,现行,GB 5749-2006\n".encode(
            "gbk"
        )
    )
    run(csv_path)
    std = Standard.objects.get(number="GB 5749-2022")
    assert std.title == "生活饮用水卫生标准"
    old = Standard.objects.get(number="GB 5749-2006")
    assert old.placeholder and old.replaced_by_links.get().new == std

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["number", "title", "status", "effective"])
    ws.append(["GB 5749-2006", "生活饮用水卫生标准", "被代替", "2007-07-01"])
    xlsx = tmp_path / "s.xlsx"
    wb.save(xlsx)
    run(xlsx)
    old.refresh_from_db()
    assert not old.placeholder and str(old.effective) == "2007-07-01"


@pytest.mark.django_db
def test_unreadable_file_is_a_clear_error(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(CommandError, match="empty.csv"):
        run(empty)
    with pytest.raises(CommandError):
        run(tmp_path / "missing.jsonl")


@pytest.mark.django_db
def test_dry_run_writes_nothing(tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", [{"number": "GB 2760-2014", "title": "x"}])
    out = StringIO()
    call_command("import_standards", str(path), "--dry-run", stdout=out)
    assert "演练" in out.getvalue()
    assert not Standard.objects.exists()


@pytest.mark.django_db
def test_amendment_numbers_are_recorded_under_their_edition(tmp_path):
    path = write_jsonl(
        tmp_path / "a.jsonl",
        [
            {
                "number": "GB 2760-2014/XG1-2021",
                "title": "食品添加剂使用标准",
                "replaces": ["GB 2760-2011/XG1-2012"],
            }
        ],
    )
    out = run(path)
    assert "修改单" in out
    std = Standard.objects.get(number="GB 2760-2014")
    assert std.replaces_links.get().old.number == "GB 2760-2011"


@pytest.mark.skipif(VENDOR != "postgresql", reason="PostgreSQL only: its planner statistics")
@pytest.mark.django_db
def test_a_large_import_refreshes_postgresqls_statistics(import_records):
    """With the statistics of an empty catalogue, PostgreSQL scanned for every lookup
    after an import (a test of 查新 on the shared data ran for minutes)."""
    from django.db import connection

    records = [
        {"number": f"GB/T {40000 + i}-2020", "title": f"统计信息 {i}", "status": "current"}
        for i in range(600)
    ]
    import_records(records)
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'standards_standard'")
        assert cursor.fetchone()[0] >= 600
