"""The court API server over real HTTP on 127.0.0.1: pagination, token, fault injection."""

from __future__ import annotations

import json
from datetime import date

import httpx
import pytest

from credit_warehouse.settings import ConfigurationError
from credit_warehouse_dev.court_api import parse_faults, start_court_api
from credit_warehouse_dev.generator.night import generate_night

NIGHT = date(2024, 5, 10)
TOKEN = "test-court-token"
ENDPOINT = "court/dishonest-debtors"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    root = tmp_path_factory.mktemp("courts")
    generate_night(NIGHT, seed=21, rows=2345, landing=root / "landing", store=root / "store", source_database=None,
                   feeds=("court_dishonest_debtor", "court_consumption_restriction"))
    return root / "store"


@pytest.fixture
def api(store):
    servers = []

    def start(faults: str = ""):
        url, stop = start_court_api(port=0, token=TOKEN, store=store, faults=faults)
        servers.append(stop)
        return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)

    yield start
    for stop in servers:
        stop()


def _stored(store, name: str) -> list[dict]:
    return [json.loads(line) for line in (store / NIGHT.isoformat() / f"{name}.jsonl").read_text().splitlines()]


def test_pages_cover_every_stored_item_once(api, store):
    client = api()
    items, page = [], 1
    while True:
        body = client.get(f"/api/v1/{ENDPOINT}", params={"date": NIGHT, "page": page, "page_size": 500}).json()
        assert body["total"] == 2345 and body["total_pages"] == 5 and body["page"] == page
        items += body["items"]
        if page == body["total_pages"]:
            break
        page += 1
    assert items == _stored(store, "dishonest-debtors")
    assert set(items[0]) == {"caseCode", "iname", "sexy", "age", "cardNum", "businessEntity", "courtName", "areaName",
                             "gistId", "gistUnit", "regDate", "publishDate", "duty", "performance", "performedPart",
                             "unperformPart", "disruptTypeName", "partyTypeName"}
    beyond = client.get(f"/api/v1/{ENDPOINT}", params={"date": NIGHT, "page": 6, "page_size": 500}).json()
    assert beyond["items"] == []
    restrictions = client.get("/api/v1/court/consumption-restrictions",
                              params={"date": NIGHT, "page": 1, "page_size": 5000}).json()
    assert restrictions["items"] == _stored(store, "consumption-restrictions")


def test_a_date_without_data_is_an_empty_page(api):
    body = api().get(f"/api/v1/{ENDPOINT}", params={"date": "2024-01-01"}).json()
    assert (body["total"], body["total_pages"], body["items"]) == (0, 0, [])


def test_token_is_required(api):
    client = api()
    assert client.get(f"/api/v1/{ENDPOINT}", params={"date": NIGHT}, headers={"Authorization": "Bearer nope"}
                      ).status_code == 401
    assert httpx.get(f"{client.base_url}/api/v1/{ENDPOINT}", params={"date": NIGHT}).status_code == 401
    assert client.get("/api/v1/court/unknown", params={"date": NIGHT}).status_code == 404
    assert client.get(f"/api/v1/{ENDPOINT}", params={"date": "yesterday"}).status_code == 400


def test_fail_page_once_by_query_then_recovers(api):
    client = api()
    params = {"date": NIGHT, "page": 2, "page_size": 500, "fail_page": 2}
    assert client.get(f"/api/v1/{ENDPOINT}", params=params).status_code == 503
    again = client.get(f"/api/v1/{ENDPOINT}", params=params)
    assert again.status_code == 200 and len(again.json()["items"]) == 500
    assert client.get(f"/api/v1/{ENDPOINT}", params={**params, "page": 1}).status_code == 200


def test_malformed_page_by_query(api):
    response = api().get(f"/api/v1/{ENDPOINT}", params={"date": NIGHT, "page": 3, "malformed_page": 3})
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


def test_fault_list_scoped_to_an_endpoint(api):
    client = api("fail_once:1@dishonest-debtors,malformed_once:2")
    assert client.get(f"/api/v1/{ENDPOINT}", params={"date": NIGHT, "page": 1}).status_code == 503
    assert client.get(f"/api/v1/{ENDPOINT}", params={"date": NIGHT, "page": 1}).status_code == 200
    other = "/api/v1/court/consumption-restrictions"
    assert client.get(other, params={"date": NIGHT, "page": 1}).status_code == 200
    with pytest.raises(json.JSONDecodeError):
        client.get(other, params={"date": NIGHT, "page": 2, "page_size": 500}).json()
    assert client.get(other, params={"date": NIGHT, "page": 2, "page_size": 500}).json()["page"] == 2


def test_bad_fault_list_is_a_configuration_error():
    with pytest.raises(ConfigurationError, match="fault 'explode:1'"):
        parse_faults("explode:1")


def test_the_http_extractor_reads_every_item_through_a_failing_page(store, monkeypatch):
    from credit_warehouse.feeds.http import RetryPolicy, iter_pages
    from credit_warehouse.feeds.registry import get_feed

    url, stop = start_court_api(port=0, token=TOKEN, store=store, faults="fail_once:2,malformed_once:4")
    try:
        monkeypatch.setenv("AIRFLOW_CONN_COURT_API", url.replace("http://", f"http://:{TOKEN}@"))
        pages = list(iter_pages(get_feed("court_dishonest_debtor"), NIGHT,
                                policy=RetryPolicy(attempts=3, backoff_seconds=0.01, timeout_seconds=10)))
    finally:
        stop()
    assert [item for page in pages for item in page.items] == _stored(store, "dishonest-debtors")
