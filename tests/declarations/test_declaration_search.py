"""Public search of declarations (/declarations/?q=…) and the search index behind it;
the standards search must not change when declarations are indexed."""

import re

from django.core.management import call_command

import pytest
from haystack.query import SearchQuerySet

from declarations import services
from declarations.models import Declaration
from declarations.services import ProductInput
from declarations.views.public import Filters, search_declarations, split_query
from search.services import search_standards, suggest

from .test_public import data, other_firm, own_indicators, publish, withdraw  # noqa: F401

pytestmark = pytest.mark.django_db


def page_results(response) -> tuple:
    html = response.content.decode()
    count = re.search(r"找到 [0-9,]+ 项", html)
    return (count and count.group(0), re.findall(r'<a class="num" href="([^"]+)"', html))


def indexed_pks() -> set[int]:
    return {int(r.pk) for r in SearchQuerySet().models(Declaration)}


@pytest.fixture
def declarations(chain_catalogue, enterprise, firm_user, other_firm, publish, withdraw):  # noqa: F811
    b_user = other_firm.members.get().user
    made = {
        "old": publish(
            enterprise,
            firm_user,
            data("GB2760-2014", products=[ProductInput("橙味饮料", "CZ-330", "食品")]),
        ),
        "new": publish(
            enterprise,
            firm_user,
            data("GB 2760-2024", own=[own_indicators()]),  # 复合调味料 FH-01
        ),
        "dental": publish(
            other_firm,
            b_user,
            data(
                "YY 0055-2018",
                products=[ProductInput("牙科光固化机", "LED-B", "医疗器械")],
            ),
        ),
        "gone": publish(
            other_firm,
            b_user,
            data("GB 2760-2024", products=[ProductInput("停产果冻", "GD-1", "食品")]),
        ),
    }
    made["gone"] = withdraw(made["gone"], b_user, "停产")
    made["draft"] = services.save_draft(
        enterprise,
        firm_user,
        data("GB 2760-2024", products=[ProductInput("草稿里的蜜饯", "MJ-9", "食品")]),
    )
    return made


def found(client, **params) -> list[int]:
    response = client.get("/declarations/", params)
    assert response.status_code == 200
    count, results, _facets = search_declarations(Filters(params), 1, 100)
    assert f"找到 {count} 份声明" in response.content.decode()
    return sorted(d.pk for d in results)


def pks(made, *names) -> list[int]:
    return sorted(made[n].pk for n in names)


def test_split_query():
    numbers, own, rest = split_query("gb 2760")
    assert [n.series for n in numbers] == ["GB 2760"] and own is None and rest == ""
    numbers, own, rest = split_query("GB 2760 北京")
    assert [n.normalized for n in numbers] == ["GB 2760"] and rest == "北京"
    numbers, own, rest = split_query("北京 gb2760-2014")
    assert [n.normalized for n in numbers] == ["GB 2760-2014"] and rest == "北京"
    assert split_query("Q/BJJ 0001S-2025") == ([], "Q/BJJ 0001S-2025", "")
    assert split_query("复合调味料") == ([], None, "复合调味料")


def test_search_by_enterprise_product_and_model(client, declarations):
    made = declarations
    assert found(client, q="北京甲食品") == pks(made, "old", "new")
    assert found(client, q="深圳乙医疗器械") == pks(made, "dental", "gone")
    assert found(client, q="光固化机") == pks(made, "dental")
    assert found(client, q="复合调味料") == pks(made, "new")
    assert found(client, q="FH-01") == pks(made, "new")
    assert found(client, q="cz-330") == pks(made, "old")
    assert found(client, q="91110000600037341L") == pks(made, "old", "new")
    assert found(client, q="没有这种产品") == []
    html = client.get("/declarations/", {"q": "没有这种产品"}).content.decode()
    assert "没有找到" in html


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("GB2760-2014", ["old"]),
        ("gb 2760-2014", ["old"]),
        ("GB 2760—2014", ["old"]),
        ("GB 2760-2024", ["new", "gone"]),
        ("gb 2760", ["old", "new", "gone"]),
        ("GB 2760", ["old", "new", "gone"]),
        ("gb2760", ["old", "new", "gone"]),
        ("YY0055", ["dental"]),
        ("GB 2761", []),
        ("Q/BJJ 0001S-2025", ["new"]),
        ("q/bjj 0001s", ["new"]),
        ("GB 2760 橙味", ["old"]),
        ("北京甲 gb 2760-2024", ["new"]),
    ],
)
def test_search_by_standard_number_in_any_written_form(client, declarations, q, expected):
    assert found(client, q=q) == pks(declarations, *expected)


def test_filters_region_category_status(client, declarations):
    made = declarations
    assert found(client, region="440000") == pks(made, "dental", "gone")
    assert found(client, region="110000") == pks(made, "old", "new")
    assert found(client, q="GB 2760", region="440000") == pks(made, "gone")
    assert found(client, q="食品", region="110000") == pks(made, "old", "new")
    assert found(client, category="medical_device") == pks(made, "dental")
    assert found(client, status="withdrawn") == pks(made, "gone")
    assert found(client, q="深圳乙", status="published") == pks(made, "dental")
    # unknown filter values are ignored, not errors
    assert found(client, region="999999", category="x", status="draft") == pks(
        made, "old", "new", "dental", "gone"
    )
    html = client.get("/declarations/", {"region": "440000"}).content.decode()
    assert 'data-facet="region"' in html and "广东省" in html and "清除" in html


def test_results_list_and_pagination_without_javascript(client, declarations):
    html = client.get("/declarations/", {"q": "北京甲食品"}).content.decode()
    assert '<form class="search-box card" method="get"' in html
    assert "北京甲食品有限公司" in html and "FH-01" in html and "GB 2760-2024" in html
    assert "已公开" in html and "公开" in html
    assert "年" in html and "月" in html and "日 公开" in html
    count, first, _ = search_declarations(Filters({}), 1, 3)
    count, second, _ = search_declarations(Filters({}), 2, 3)
    assert count == 4 and len(first) == 3 and len(second) == 1
    assert {d.pk for d in first + second} == set(pks(declarations, "old", "new", "dental", "gone"))
    count, page, _ = search_declarations(Filters({"q": "食品"}), 2, 1)
    assert count >= 2 and len(page) == 1
    for page in ("x", "-1", "9" * 30):
        assert client.get("/declarations/", {"page": page}).status_code == 200
        assert client.get("/declarations/", {"q": "食品", "page": page}).status_code == 200
    for q in ['"', "NEAR(", "1' OR '1'='1", "😀", "滑" * 500]:
        assert client.get("/declarations/", {"q": q}).status_code == 200


def test_drafts_are_never_found(client, declarations):
    assert found(client, q="草稿里的蜜饯") == []
    assert found(client, q="MJ-9") == []
    assert declarations["draft"].pk not in indexed_pks()
    assert declarations["draft"].pk not in found(client)


def test_index_follows_publish_revise_withdraw_after_commit(
    chain_catalogue, enterprise, firm_user, django_capture_on_commit_callbacks, client
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        outcome = services.publish(enterprise, firm_user, data("GB 2760-2024"))
    declaration = outcome.declaration
    assert declaration.pk not in indexed_pks()  # nothing before the commit
    for callback in callbacks:
        callback()
    assert declaration.pk in indexed_pks()
    assert found(client, q="复合调味料") == [declaration.pk]

    revised = data("GB 2760-2024", products=[ProductInput("芝麻酱", "ZM-1", "食品")])
    with django_capture_on_commit_callbacks(execute=True):
        services.publish(enterprise, firm_user, revised, declaration=declaration, reason="换产品")
    assert found(client, q="芝麻酱") == [declaration.pk]
    assert found(client, q="复合调味料") == []

    with django_capture_on_commit_callbacks(execute=True):
        services.withdraw(declaration, firm_user, "停产")
    assert found(client, q="芝麻酱", status="withdrawn") == [declaration.pk]
    assert found(client, q="芝麻酱", status="published") == []

    # A plain save (the post-save signal) never indexes a declaration by itself.
    Declaration.objects.filter(pk=declaration.pk).update(status=Declaration.Status.DRAFT)
    declaration.refresh_from_db()
    declaration.save()
    from declarations.search_indexes import reindex

    assert declaration.pk in indexed_pks()
    reindex(declaration.pk)
    assert declaration.pk not in indexed_pks()


def test_rebuild_index_covers_public_declarations(declarations):
    call_command("rebuild_index", interactive=False, verbosity=0)
    expected = set(pks(declarations, "old", "new", "dental", "gone"))
    assert indexed_pks() == expected
    assert SearchQuerySet().models(Declaration).filter(content="光固化机").count() == 1


def test_standards_search_only_returns_standards(
    chain_catalogue,
    enterprise,
    firm_user,
    publish,  # noqa: F811
    client,
):
    queries = ["食品添加剂", "GB 2760", "北京", "复合调味料", "光固化机", "食品"]

    def standards_view():
        api = {q: client.get("/api/v1/standards/search", {"q": q}).json() for q in queries}
        pages = {q: page_results(client.get("/search/", {"q": q})) for q in queries}
        direct = {q: [r.pk for r in search_standards(q).results] for q in queries}
        suggestions = {q: [r.pk for r in suggest(q)] for q in queries}
        return api, pages, direct, suggestions

    before = standards_view()
    publish(
        enterprise,
        firm_user,
        data(
            "GB 2760-2024",
            products=[
                ProductInput("复合调味料", "FH-01", "食品"),
                ProductInput("食品添加剂 光固化机", "GB-2760", "食品"),
            ],
            title="北京 食品添加剂 GB 2760",
        ),
    )
    assert indexed_pks()  # the declaration is in the same index …
    # … and matches the same words as the standards do
    assert found(client, q="食品添加剂") and found(client, q="光固化机")
    assert before[0]["食品添加剂"]["count"] == 5 and before[1]["食品添加剂"][0] == "找到 5 项"
    after = standards_view()
    assert after == before
    for q in queries:
        for result in search_standards(q).results:
            assert result.model_name == "standard"
        for result in after[0][q]["results"]:
            assert result["url"].startswith("/standards/")
