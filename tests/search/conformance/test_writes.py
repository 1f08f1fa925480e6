"""The index follows the data on every engine: saves, deletes, supersession links,
imports, and haystack's management commands."""

import io

from django.core.management import call_command

import pytest

from search.services import search_standards
from standards.models import Standard, Supersession

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalogue")]


def search(q, **filters):
    return [r.number for r in search_standards(q, page_size=50, facets=False, **filters).results]


def test_the_index_follows_saves_deletes_and_links(index_changed):
    with index_changed():
        std = Standard.objects.create(number="GB 99999-2020", title="测试用防火门")
    assert search("防火门") == ["GB 99999-2020"]
    with index_changed():
        std.title = "测试用防盗门"
        std.save()
    assert search("防火门") == [] and search("防盗门") == ["GB 99999-2020"]
    with index_changed():
        new = Standard.objects.create(
            number="GB 99999-2025", title="测试用防盗门", effective="2025-01-01"
        )
        Supersession.objects.create(old=std, new=new)
    statuses = {r.number: r.status for r in search_standards("防盗门").results}
    assert statuses == {"GB 99999-2020": "superseded", "GB 99999-2025": "current"}
    assert search("防盗门") == ["GB 99999-2025", "GB 99999-2020"]
    with index_changed():
        new.delete()
    assert search("防盗门") == ["GB 99999-2020"]
    assert search("GB 99999") == ["GB 99999-2020"]


def test_an_import_leaves_the_index_current(index_changed, import_records):
    with index_changed():
        import_records([{"number": "GB 77777-2024", "title": "导入即可检索的电动自行车"}])
    assert search("电动自行车") == ["GB 77777-2024"]
    assert search("GB 77777-2024") == ["GB 77777-2024"]


def test_clear_update_and_rebuild(index_changed):
    index_changed()
    listed = Standard.objects.listed().count()
    out = io.StringIO()
    call_command("clear_index", interactive=False, stdout=out, verbosity=0)
    assert search("滑雪") == [] and search_standards("").count == 0
    call_command("update_index", stdout=out, verbosity=0)
    assert "T/CNGA 30-2021" in search("滑雪")
    assert search_standards("").count == listed
    call_command("rebuild_index", interactive=False, stdout=out, verbosity=0)
    assert search("GB 2760")[0] == "GB 2760-2024"
    assert search_standards("").count == listed
