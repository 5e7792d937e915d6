"""The court API extractor against a real HTTP server on 127.0.0.1: paging, retries, resume, bad token."""

from __future__ import annotations

import json
import math
import os
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from credit_warehouse.connections import connection_uri
from credit_warehouse.feeds import http
from credit_warehouse.load.pipeline import extract_and_load

pytestmark = pytest.mark.integration

TOKEN = "court-test-token"


class CourtApi:
    """A tiny court API: 23 debtors a day; faults switched on per test."""

    def __init__(self) -> None:
        self.fail_once: set[int] = set()  # pages answering 503 the first time
        self.malformed: set[int] = set()  # pages answering broken JSON until cleared
        self.requests: list[tuple[str, int]] = []
        self.items = 23
        self.pages_understated_by = 0  # total_pages reported short of the truth
        self.empty_pages: set[int] = set()  # pages answering no items though more pages follow
        self.added_in_front = 0  # new debtors listed before the others (the source shifting between pulls)
        self.shift_after_page: int | None = None  # add one in front once this page has been served

    def debtors(self, day: str) -> list[dict]:
        return [*({**item, "caseCode": item["caseCode"].replace("执", "执新")}
                  for item in self._debtors(day, self.added_in_front)), *self._debtors(day, self.items)]

    def _debtors(self, day: str, count: int) -> list[dict]:
        return [
            {"caseCode": f"({day[:4]})皖1122执{i}号", "iname": f"张{i}", "sexy": "男性", "age": 40 + i % 30,
             "cardNum": "3423011964****3224", "businessEntity": "", "courtName": "安徽省某县人民法院",
             "areaName": "安徽", "gistId": "(2019)皖1122民初1号", "gistUnit": "某县人民法院", "regDate": "20190709",
             "publishDate": "2019年11月28日", "duty": "给付货款", "performance": "全部未履行",
             "performedPart": "暂无", "unperformPart": "暂无", "disruptTypeName": "违反财产报告制度",
             "partyTypeName": "580"}
            for i in range(count)
        ]


@pytest.fixture
def court_api(monkeypatch, warehouse_db):
    api = CourtApi()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # keep pytest output quiet
            pass

        def do_GET(self):  # noqa: N802 (http.server's naming)
            url = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            page, size = int(query["page"]), int(query["page_size"])
            api.requests.append((url.path, page))
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                return self._send(401, b'{"detail": "bad token"}')
            if page in api.fail_once:
                api.fail_once.discard(page)
                return self._send(503, b"busy")
            if page in api.malformed:
                return self._send(200, b'{"page": 2, "items": [{"caseCode": ')
            items = api.debtors(query["date"])
            body = {"date": query["date"], "page": page, "page_size": size, "total": len(items),
                    "total_pages": math.ceil(len(items) / size) - api.pages_understated_by,
                    "items": [] if page in api.empty_pages else items[(page - 1) * size: page * size]}
            if page == api.shift_after_page:
                api.added_in_front += 1
            return self._send(200, json.dumps(body, ensure_ascii=False).encode())

        def _send(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("AIRFLOW_CONN_COURT_API",
                       connection_uri("http", "127.0.0.1", server.server_address[1], password=TOKEN))
    monkeypatch.setenv(http.ENV_BACKOFF, "0.01")
    monkeypatch.setenv(http.ENV_ATTEMPTS, "3")
    yield api
    server.shutdown()
    server.server_close()


@pytest.fixture
def small_pages(monkeypatch):
    """page_size 10 -> 23 items make 3 pages."""
    import dataclasses

    from credit_warehouse.feeds import registry

    feed = registry.get_feed("court_dishonest_debtor")
    return dataclasses.replace(feed, source=dataclasses.replace(feed.source, page_size=10))


def test_pages_load_with_a_retry_and_rerun_adds_nothing(court_api, small_pages, superuser_conn):
    court_api.fail_once = {2}
    [outcome] = extract_and_load(small_pages, date(2024, 5, 6))
    assert (outcome.status, outcome.rows_received) == ("loaded", 23)
    assert court_api.requests.count(("/api/v1/court/dishonest-debtors", 2)) == 2  # failed once, then recovered
    rows = superuser_conn.execute(
        "select case_no, debtor_name, age, id_no, party_type, _row_number, _source from raw.court_dishonest_debtor "
        "where _batch_id = %s order by _row_number", (outcome.batch_id,)).fetchall()
    assert rows[0] == ("(2024)皖1122执0号", "张0", "40", "3423011964****3224", "580", 1,
                       "court/dishonest-debtors?date=2024-05-06&page=1")
    assert rows[-1][5:] == (23, "court/dishonest-debtors?date=2024-05-06&page=3")
    batch = superuser_conn.execute("select status, rows_received, bytes_received, source_identity from ops.load_batch "
                                   "where batch_id = %s", (outcome.batch_id,)).fetchone()
    assert batch[:2] == ("loaded", 23) and batch[2] > 1000
    assert batch[3] == "GET court/dishonest-debtors?date=2024-05-06"
    assert superuser_conn.execute("select count(*) from ops.feed_page where logical_date = '2024-05-06'"
                                  ).fetchone()[0] == 0  # the loaded pull's pages are gone

    court_api.requests.clear()
    [again] = extract_and_load(small_pages, date(2024, 5, 6))
    assert again.already_loaded and again.batch_id == outcome.batch_id and court_api.requests == []


def test_malformed_page_fails_then_the_rerun_resumes_at_that_page(court_api, small_pages, superuser_conn):
    day = date(2024, 5, 7)
    court_api.malformed = {3}
    [failed] = extract_and_load(small_pages, day)
    assert failed.status == "failed"
    assert failed.message == ("feed court_dishonest_debtor, page 3 of court/dishonest-debtors for 2024-05-07: the "
                              "response is not valid JSON after 3 attempts.")
    assert superuser_conn.execute("select count(*) from raw.court_dishonest_debtor where _batch_id = %s",
                                  (failed.batch_id,)).fetchone()[0] == 0
    assert superuser_conn.execute("select error_text from ops.load_batch where batch_id = %s",
                                  (failed.batch_id,)).fetchone()[0] == failed.message

    court_api.malformed.clear()
    court_api.requests.clear()
    [loaded] = extract_and_load(small_pages, day)
    assert (loaded.status, loaded.rows_received) == ("loaded", 23)
    assert "Resumed at page 3" in loaded.message
    # pages 1 and 2 came from ops.feed_page; page 2 fetched again to check the source has not shifted
    assert [page for _, page in court_api.requests] == [2, 3]
    assert superuser_conn.execute("select status from ops.load_batch where batch_id = %s",
                                  (failed.batch_id,)).fetchone()[0] == "superseded"


def test_a_resumed_pull_whose_source_shifted_starts_again_and_loses_nothing(court_api, small_pages,
                                                                         superuser_conn):
    day = date(2024, 5, 20)
    court_api.malformed = {3}
    [failed] = extract_and_load(small_pages, day)
    assert failed.status == "failed"
    court_api.malformed.clear()
    court_api.added_in_front = 1  # a new debtor listed first: every stored item moved one place on
    court_api.requests.clear()
    [loaded] = extract_and_load(small_pages, day)
    assert (loaded.status, loaded.rows_received) == ("loaded", 24)
    assert "pulled again from page 1" in loaded.message
    assert [page for _, page in court_api.requests] == [2, 1, 2, 3]  # page 2 checked, then the whole date
    cases = superuser_conn.execute("select count(*), count(distinct case_no) from raw.court_dishonest_debtor "
                                   "where _batch_id = %s", (loaded.batch_id,)).fetchone()
    assert cases == (24, 24)


def test_a_source_shifting_during_the_pull_fails_the_batch_instead_of_doubling_an_item(court_api, small_pages,
                                                                                       superuser_conn):
    day = date(2024, 5, 21)
    court_api.shift_after_page = 1  # between page 1 and page 2 a new debtor is listed first
    [outcome] = extract_and_load(small_pages, day)
    assert outcome.status == "failed"
    assert "an item of page 2 repeats one of page 1" in outcome.message
    assert superuser_conn.execute("select count(*) from raw.court_dishonest_debtor where _batch_id = %s",
                                  (outcome.batch_id,)).fetchone()[0] == 0
    court_api.shift_after_page = None
    [rerun] = extract_and_load(small_pages, day)
    assert (rerun.status, rerun.rows_received) == ("loaded", 24)


def test_bad_token_and_missing_configuration(court_api, monkeypatch, superuser_conn):
    port = int(os.environ["AIRFLOW_CONN_COURT_API"].rsplit(":", 1)[1])
    monkeypatch.setenv("AIRFLOW_CONN_COURT_API", connection_uri("http", "127.0.0.1", port, password="wrong"))
    [outcome] = extract_and_load("court_consumption_restriction", date(2024, 5, 8))
    assert outcome.status == "failed"
    assert outcome.message == ("feed court_consumption_restriction, page 1 of court/consumption-restrictions for "
                               "2024-05-08: the court API refused the token (HTTP 401); check the password of "
                               "AIRFLOW_CONN_COURT_API.")
    assert len(court_api.requests) == 1  # a refused token is not retried

    monkeypatch.delenv("AIRFLOW_CONN_COURT_API")
    [outcome] = extract_and_load("court_consumption_restriction", date(2024, 5, 8))
    assert outcome.status == "failed"
    assert "the Airflow connection court_api is not set; set AIRFLOW_CONN_COURT_API" in outcome.message


def test_unknown_key_in_an_item_names_page_and_item(court_api, small_pages, monkeypatch):
    original = court_api.debtors
    court_api.debtors = lambda day: [*original(day)[:11], {**original(day)[11], "colour": "red"}]
    [outcome] = extract_and_load(small_pages, date(2024, 5, 9))
    assert outcome.status == "failed"
    assert outcome.message == ("feed court_dishonest_debtor, page 2 of court/dishonest-debtors for 2024-05-09, item "
                               "2: unknown key 'colour' (not a label, code or column of the feed).")


def test_an_understated_page_count_or_an_empty_page_midway_fails_the_batch_and_loads_nothing(
        court_api, small_pages, superuser_conn):
    court_api.pages_understated_by = 2  # 23 items in pages of 10, announced as 1 page
    [short] = extract_and_load(small_pages, date(2024, 5, 11))
    assert short.status == "failed"
    assert short.message.endswith("the API announced 23 items but its 1 page(s) held 10; nothing was loaded (a source "
                                  "changing during the pull, or its page count understated).")
    court_api.pages_understated_by, court_api.empty_pages = 0, {2}
    [gap] = extract_and_load(small_pages, date(2024, 5, 12))
    assert gap.status == "failed"
    assert gap.message == ("feed court_dishonest_debtor, page 2 of court/dishonest-debtors for 2024-05-12: the page "
                           "is empty though the API announces 3 pages; nothing was loaded (the source is changing or "
                           "cut short; retry later).")
    assert superuser_conn.execute("select count(*) from raw.court_dishonest_debtor where _batch_id = any(%s)",
                                  ([short.batch_id, gap.batch_id],)).fetchone()[0] == 0
    court_api.empty_pages = set()  # the source settled: the rerun loads everything
    [whole] = extract_and_load(small_pages, date(2024, 5, 11))
    assert (whole.status, whole.rows_received) == ("loaded", 23)


def test_empty_day_loads_an_empty_batch(court_api):
    court_api.items = 0
    [outcome] = extract_and_load("court_consumption_restriction", date(2024, 5, 10))
    assert (outcome.status, outcome.rows_received) == ("loaded", 0)
