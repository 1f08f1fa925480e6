"""POST /api/v1/check and GET /api/v1/standards/{number}: the contract in architecture.md."""

import datetime
import json

from django.contrib.staticfiles import finders

import pytest

pytestmark = pytest.mark.usefixtures("chain_catalogue")

CONTRACT_KEYS = {
    "input",
    "normalized",
    "level",
    "mandatory",
    "dated",
    "verdict",
    "standard",
    "current",
    "message",
}


def post(client, payload, raw=None):
    return client.post(
        "/api/v1/check",
        data=raw if raw is not None else json.dumps(payload),
        content_type="application/json",
    )


def test_list_of_references_as_of_a_date(client):
    response = post(
        client,
        {
            "references": [
                "GB 2760-2014",
                "GB 2760-2024",
                "GB 2760",
                "gb/t 19580—2012",
                "GB 9999-2020",
                "hello",
                "GB/T 14833-1993",
            ],
            "as_of": "2024-06-01",
        },
    )
    assert response.status_code == 200
    body = response.json()
    results = body["results"]
    assert [r["verdict"] for r in results] == [
        "current",
        "upcoming",
        "current",
        "current",
        "unknown",
        "malformed",
        "withdrawn",
    ]
    for r in results:
        assert CONTRACT_KEYS <= r.keys()
    first = results[0]
    assert first["normalized"] == "GB 2760-2014"
    assert first["level"] == "national" and first["mandatory"] is True and first["dated"] is True
    assert first["standard"]["number"] == "GB 2760-2014"
    assert any("GB 2760-2024" in w for w in first["warnings"])
    assert results[1]["current"]["number"] == "GB 2760-2014"
    assert results[2]["dated"] is False and results[2]["standard"]["number"] == "GB 2760-2014"
    assert results[3]["normalized"] == "GB/T 19580-2012" and results[3]["mandatory"] is False
    assert results[4]["standard"] is None and results[4]["current"] is None
    assert results[5]["normalized"] is None and results[5]["level"] is None


def test_default_date_is_today(client):
    body = post(client, {"references": ["GB 2760-1996"]}).json()
    assert body["as_of"] == datetime.date.today().isoformat()
    r = body["results"][0]
    assert r["verdict"] == "superseded" and r["current"]["number"] == "GB 2760-2024"


def test_free_text(client):
    text = "本标准引用了GB 2760—2014《食品添加剂使用标准》和GB/T 19580，联系电话0313-1234567。"
    body = post(client, {"text": text, "as_of": "2026-11-28"}).json()
    assert [r["input"] for r in body["results"]] == ["GB 2760—2014", "GB/T 19580"]
    assert [r["verdict"] for r in body["results"]] == ["superseded", "current"]


def test_successor_published_warning(client):
    r = post(client, {"references": ["YY 0055-2018"], "as_of": "2026-11-28"}).json()["results"][0]
    assert r["verdict"] == "current"
    assert r["successor"]["number"] == "YY 0055-2026"
    assert any("2029-08-01" in w for w in r["warnings"])


@pytest.mark.parametrize(
    "raw",
    [
        "{not json",
        "",
        "[]",
        '{"references": "GB 2760-2014"}',
        '{"as_of": "yesterday", "references": []}',
    ],
)
def test_bad_json_is_a_clear_4xx(client, raw):
    response = post(client, None, raw=raw)
    assert 400 <= response.status_code < 500
    assert response.json()["detail"]


def test_neither_or_both_inputs(client):
    assert post(client, {}).status_code == 422
    assert post(client, {"references": ["GB 1-2000"], "text": "x"}).status_code == 422


def test_ten_thousand_references_is_refused(client):
    response = post(client, {"references": ["GB 2760-2014"] * 10_000})
    assert response.status_code == 413
    assert "5000" in response.json()["detail"]


def test_read_one_standard(client):
    response = client.get("/api/v1/standards/GB 2760-2014")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "superseded" and body["recorded_status"] == "superseded"
    assert body["replaced_by"] == [{"number": "GB 2760-2024", "partial": False}]
    assert body["replaces"] == [{"number": "GB 2760-2011", "partial": False}]
    assert body["ics"] == ["67.220.20"]
    # any written form
    assert client.get("/api/v1/standards/gb2760-2014").json()["number"] == "GB 2760-2014"
    assert client.get("/api/v1/standards/GB 1234-2000").status_code == 404
    assert client.get("/api/v1/standards/nonsense").status_code == 404


def test_openapi_docs(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    # Swagger UI is served by the site itself: the docs work without internet access.
    html = page.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "https://" not in html and "http://" not in html
    for name in ("swagger-ui-bundle.js", "swagger-ui.css", "swagger-ui-init.js"):
        assert finders.find(f"ninja/{name}"), name
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/check" in schema["paths"]
