"""GET /api/v1/standards/search (architecture.md contract), suggestions, the search page."""

import pytest

pytestmark = pytest.mark.usefixtures("chain_catalogue")


def test_search_contract(client):
    body = client.get("/api/v1/standards/search", {"q": "食品添加剂"}).json()
    assert body["count"] == 5
    assert {"number", "title", "status", "url"} <= body["results"][0].keys()
    # all statuses by default, the edition in force first
    assert body["results"][0]["number"] == "GB 2760-2024"
    assert {r["status"] for r in body["results"]} == {"current", "superseded"}
    assert "level" in body["facets"] and "status" in body["facets"]
    narrowed = client.get("/api/v1/standards/search", {"q": "食品添加剂", "status": "superseded"})
    assert narrowed.json()["count"] == 4
    paged = client.get("/api/v1/standards/search", {"q": "GB 2760", "page": 2, "page_size": 2})
    assert [r["number"] for r in paged.json()["results"]] == ["GB 2760-2011", "GB 2760-2007"]
    assert client.get("/api/v1/standards/search", {"level": "industry"}).json()["count"] == 2


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"status": "bogus"}, 422),
        ({"level": "x"}, 422),
        ({"page": 0}, 422),
        ({"page_size": 1000}, 422),
        ({"year": "abc"}, 422),
        ({"q": "x" * 10_001}, 422),
    ],
)
def test_search_bad_parameters(client, params, status):
    response = client.get("/api/v1/standards/search", params)
    assert response.status_code == status
    assert response.json()["detail"]


def test_long_and_hostile_queries_answer(client):
    body = client.get("/api/v1/standards/search", {"q": "滑" * 10_000}).json()
    assert body["truncated"] is True
    for q in ['"', "NEAR(", "1' OR '1'='1", "😀"]:
        assert client.get("/api/v1/standards/search", {"q": q}).status_code == 200


def test_suggest(client):
    body = client.get("/api/v1/standards/suggest", {"q": "gb 276"}).json()
    assert body["results"][0]["number"] == "GB 2760-2024"
    labels = {r["number"]: (r["status"], r["status_label"]) for r in body["results"]}
    assert labels["GB 2760-2024"] == ("current", "现行")
    assert labels["GB 2760-2014"] == ("superseded", "被代替")
    assert client.get("/api/v1/standards/suggest").json() == {"results": []}


def test_search_page_without_javascript(client):
    html = client.get("/search/", {"q": "食品添加剂"}).content.decode()
    assert "找到 5 项" in html and "<em>食品添加剂</em>" in html
    assert 'data-facet="level"' in html
    html = client.get("/search/", {"q": "食品添加剂", "status": "current"}).content.decode()
    assert "找到 1 项" in html and "清除" in html
    html = client.get("/search/", {"q": "没有这种东西"}).content.decode()
    assert "没有找到" in html
    for params in (
        {"page": "x"},
        {"sort": "evil"},
        {"year": "abc"},
        {"q": "<script>alert(1)</script>"},
    ):
        response = client.get("/search/", params)
        assert response.status_code == 200
        assert "<script>alert(1)</script>" not in response.content.decode()
