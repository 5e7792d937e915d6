"""The fault corpus of the other sources: the court API's behaviours (a real HTTP server on 127.0.0.1 that
misbehaves as told), redeliveries of files, and the utility databases' watermark windows.

Each case: what the source does, the status the load must end in (loaded, failed, already, or raises when
the source is unavailable and the task must fail and be retried), a fragment of its one-sentence reason,
and whether the monitors are alerted (the feed task's refused-input alert).
"""

from __future__ import annotations

import dataclasses
import json
import math
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import psycopg
import pytest

from credit_warehouse import settings
from credit_warehouse.alerts.refused_inputs import alert_refused_inputs
from credit_warehouse.connections import connection_uri
from credit_warehouse.feeds import files, http
from credit_warehouse.feeds.errors import SourceUnavailable
from credit_warehouse.feeds.registry import get_feed
from credit_warehouse.feeds.sql import url_env
from credit_warehouse.load.pipeline import extract_and_load
from credit_warehouse.orchestration import tasks
from credit_warehouse.settings import PLATFORM_TZ
from credit_warehouse_dev.smtp_sink import start_smtp_sink

from . import inputs as make

pytestmark = pytest.mark.integration

TOKEN = "corpus-court-token"
ITEMS = 23  # 3 pages of 10


@dataclass
class Behaviour:
    """How the stand-in court API misbehaves; counters make one-off faults."""

    fail: dict[int, int] = field(default_factory=dict)  # page -> answers of this status before it recovers
    fail_status: int = 503
    always: int | None = None  # every request answers this status
    slow_once: set[int] = field(default_factory=set)  # pages that time out once
    malformed: set[int] = field(default_factory=set)
    understate_pages: int = 0
    empty: set[int] = field(default_factory=set)
    wrong_page: set[int] = field(default_factory=set)
    not_objects: set[int] = field(default_factory=set)
    unknown_key: set[int] = field(default_factory=set)
    total_items: int | None = None  # the "total" the API announces, when not the truth
    no_total_pages: bool = False
    shift_after: int | None = None  # a new item is listed first after this page was served
    items: int = ITEMS
    added: int = 0
    requests: list[int] = field(default_factory=list)


def _debtors(day: str, behaviour: Behaviour) -> list[dict]:
    def debtor(i: int, prefix: str) -> dict:
        return {"caseCode": f"({day[:4]})皖1122执{prefix}{i}号", "iname": f"张{i}", "cardNum": "3423011964****3224",
                "courtName": "安徽省某县人民法院", "regDate": "20190709", "publishDate": "2019年11月28日",
                "performance": "全部未履行", "partyTypeName": "580"}
    return [*(debtor(i, "新") for i in range(behaviour.added)), *(debtor(i, "") for i in range(behaviour.items))]


def _page_body(behaviour: Behaviour, query: dict, page: int) -> bytes:
    size = int(query["page_size"])
    items = _debtors(query["date"], behaviour)
    body = {"date": query["date"], "page": page + (1 if page in behaviour.wrong_page else 0), "page_size": size,
            "total": behaviour.total_items if behaviour.total_items is not None else len(items),
            "total_pages": math.ceil(len(items) / size) - behaviour.understate_pages,
            "items": [] if page in behaviour.empty else items[(page - 1) * size: page * size]}
    if behaviour.no_total_pages:
        del body["total_pages"]
    if page in behaviour.not_objects:
        body["items"] = [*body["items"][:-1], "not an object"]
    if page in behaviour.unknown_key:
        body["items"][0]["colour"] = "red"
    if page == behaviour.shift_after:
        behaviour.added += 1
    return json.dumps(body, ensure_ascii=False).encode()


@pytest.fixture(scope="module")
def court():
    state = {"behaviour": Behaviour()}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):  # noqa: N802 (http.server's naming)
            behaviour: Behaviour = state["behaviour"]
            query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
            page = int(query["page"])
            behaviour.requests.append(page)
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                return self._send(401, b'{"detail": "bad token"}')
            if behaviour.always:
                return self._send(behaviour.always, b'{"detail": "no"}')
            if behaviour.fail.get(page):
                behaviour.fail[page] -= 1
                return self._send(behaviour.fail_status, b"busy")
            if page in behaviour.slow_once:
                behaviour.slow_once.discard(page)
                time.sleep(1.0)
            if page in behaviour.malformed:
                return self._send(200, b'{"page": 1, "items": [{"caseCode": ')
            return self._send(200, _page_body(behaviour, query, page))

        def _send(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    state["port"] = server.server_address[1]
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def mail(tmp_path_factory):
    with start_smtp_sink(folder=tmp_path_factory.mktemp("mail")) as sink:
        yield sink


@pytest.fixture
def api(court, monkeypatch, mail, warehouse_db):
    monkeypatch.setenv("AIRFLOW_CONN_COURT_API", connection_uri("http", "127.0.0.1", court["port"], password=TOKEN))
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_ALERTS", mail.url)
    monkeypatch.setenv(http.ENV_BACKOFF, "0.01")
    monkeypatch.setenv(http.ENV_ATTEMPTS, "3")
    monkeypatch.setenv(http.ENV_TIMEOUT, "0.5")
    feed = get_feed("court_dishonest_debtor")
    return dataclasses.replace(feed, source=dataclasses.replace(feed.source, page_size=10))


@dataclass(frozen=True)
class ApiCase:
    id: str
    behaviour: dict
    status: str  # loaded | failed | raises
    reason: str = ""
    rows: int | None = None
    token: str = TOKEN


API_CASES = [
    ApiCase("clean_pull", {}, "loaded", rows=ITEMS),
    ApiCase("503_once_then_recovers", {"fail": {2: 1}}, "loaded", rows=ITEMS),
    ApiCase("429_once_then_recovers", {"fail": {3: 1}, "fail_status": 429}, "loaded", rows=ITEMS),
    ApiCase("timeout_once_then_recovers", {"slow_once": {2}}, "loaded", rows=ITEMS),
    ApiCase("503_on_every_attempt", {"always": 503}, "raises", "HTTP 503 after 3 attempts"),
    ApiCase("502_until_attempts_run_out", {"fail": {2: 5}, "fail_status": 502}, "raises", "page 2"),
    ApiCase("malformed_json", {"malformed": {2}}, "failed", "page 2 of court/dishonest-debtors"),
    ApiCase("token_refused", {}, "failed", "refused the token (HTTP 401)", token="wrong"),
    ApiCase("not_found", {"always": 404}, "failed", "the API answered HTTP 404"),
    ApiCase("page_count_understated", {"understate_pages": 1}, "failed",
            "announced 23 items but its 2 page(s) held 20"),
    ApiCase("empty_page_midway", {"empty": {2}}, "failed", "the page is empty though the API announces 3 pages"),
    ApiCase("another_page_returned", {"wrong_page": {2}}, "failed", "returned page 3 instead"),
    ApiCase("item_not_an_object", {"not_objects": {1}}, "failed", "item 10: expected a JSON object"),
    ApiCase("unknown_key_in_an_item", {"unknown_key": {2}}, "failed", "unknown key 'colour'"),
    ApiCase("item_count_overstated", {"total_items": 30}, "failed", "announced 30 items but its 3 page(s) held 23"),
    ApiCase("no_page_count", {"no_total_pages": True}, "raises", "no valid total_pages"),
    ApiCase("source_shifts_during_the_pull", {"shift_after": 1}, "failed", "an item of page 2 repeats one of page 1"),
    ApiCase("empty_day", {"items": 0}, "loaded", rows=0),
]


def _ledger(batch_id: int) -> tuple:
    with psycopg.connect(settings.database_url()) as conn:
        return conn.execute("select status, rows_received, error_text from ops.load_batch where batch_id = %s",
                            (batch_id,)).fetchone()


def _alerts(feed: str, day: date) -> int:
    with psycopg.connect(settings.database_url()) as conn:
        return conn.execute("select count(*) from ops.alert_log where feed = %s and logical_date = %s",
                            (feed, day)).fetchone()[0]


@pytest.mark.parametrize("case", API_CASES, ids=[c.id for c in API_CASES])
def test_court_api_case(case: ApiCase, api, court, monkeypatch):
    court["behaviour"] = Behaviour(**case.behaviour)
    monkeypatch.setenv("AIRFLOW_CONN_COURT_API",
                       connection_uri("http", "127.0.0.1", court["port"], password=case.token))
    day = date(2024, 9, 2) + timedelta(days=API_CASES.index(case))
    if case.status == "raises":
        with pytest.raises(SourceUnavailable, match=case.reason):
            extract_and_load(api, day)  # the task fails and Airflow retries it and alerts (task_failure)
        with psycopg.connect(settings.database_url()) as conn:
            [(status, error)] = conn.execute("select status, error_text from ops.load_batch where feed = %s and "
                                             "logical_date = %s", (api.name, day)).fetchall()
        assert status == "failed" and case.reason in error
        return
    [outcome] = extract_and_load(api, day)
    alert_refused_inputs([outcome], day)  # what the feed task does with its outcomes
    status, rows, error = _ledger(outcome.batch_id)
    assert (outcome.status, status) == (case.status, case.status), outcome.message
    if case.reason:
        assert case.reason in outcome.message and error == outcome.message
    if case.rows is not None:
        assert rows == case.rows
    assert bool(_alerts(api.name, day)) == (case.status == "failed")


def test_a_resumed_pull_after_the_source_shifted_starts_again(api, court):
    day = date(2024, 10, 1)
    court["behaviour"] = Behaviour(malformed={3})
    [failed] = extract_and_load(api, day)
    assert failed.status == "failed"
    court["behaviour"] = Behaviour(added=1)
    [loaded] = extract_and_load(api, day)
    assert (loaded.status, loaded.rows_received) == ("loaded", ITEMS + 1)
    assert "pulled again from page 1" in loaded.message
    with psycopg.connect(settings.database_url()) as conn:
        assert conn.execute("select count(distinct case_no) from raw.court_dishonest_debtor where _batch_id = %s",
                            (loaded.batch_id,)).fetchone()[0] == ITEMS + 1


# --- redeliveries of files -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Redelivery:
    id: str
    first: list[list[str]]
    second: list[list[str]]
    second_name: str  # the second file's name (the first is commitments.csv)
    statuses: list[str]  # ledger statuses of the two files after both runs, by batch
    second_accepted: int  # rows of the second file that flow on
    second_unchanged: int  # rows it repeats unchanged, held back without counting as failures
    alert_on_second: bool


def _redeliveries() -> list[Redelivery]:
    rows = make.rows(10)
    fixed = [*rows[:9], make.row(10, matter="按期提交材料（更正）")]
    bad = [*rows[:8], make.row(9, committed_on="2099-01-01"), make.row(10, commitment_type="其他")]
    return [
        Redelivery("same_file_again", rows, rows, "commitments.csv", ["accepted"], 0, 0, False),
        Redelivery("corrected_redelivery", rows, fixed, "commitments-corrected.csv", ["accepted", "accepted"], 1, 9,
                   False),
        Redelivery("same_rows_reordered_under_a_new_name", rows, rows[::-1], "commitments-again.csv",
                   ["accepted", "accepted"], 0, 10, False),
        Redelivery("held_file_replaced_by_its_fix", bad, rows, "commitments.csv", ["superseded", "accepted"], 10, 0,
                   False),
        Redelivery("corrected_file_still_dirty", rows, [*rows[:9], make.row(10, committed_on="2099-01-01")],
                   "commitments-v2.csv", ["accepted", "rejected"], 0, 9, True),
    ]


REDELIVERIES = [case.id for case in _redeliveries()]


@pytest.mark.parametrize("case_id", REDELIVERIES)
def test_redelivery_case(case_id: str, tmp_path, monkeypatch, mail, warehouse_db):
    index = REDELIVERIES.index(case_id)
    make.SALT = 500 + index
    case = _redeliveries()[index]
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_ALERTS", mail.url)
    monkeypatch.setenv(files.ENV_LANDING, str(tmp_path))
    day = date(2024, 10, 7) + timedelta(days=index)
    folder = tmp_path / "dept_commitment" / day.isoformat()
    folder.mkdir(parents=True)
    make.csv(name="commitments.csv", body=case.first)(folder)
    tasks.gate_feed("dept_commitment", day, tasks.load_feed("dept_commitment", day))
    alerts_before = _alerts("dept_commitment", day)
    if case.second_name == "commitments.csv":
        (folder / "commitments.csv").unlink()
    make.csv(name=case.second_name, body=case.second)(folder)
    outcomes = tasks.load_feed("dept_commitment", day)
    loaded = [o for o in outcomes if o["status"] == "loaded"]
    summary = tasks.gate_feed("dept_commitment", day, outcomes)
    with psycopg.connect(settings.database_url()) as conn:
        ledger = conn.execute("select b.status, b.rows_accepted, coalesce(g.rows_unchanged, 0) from ops.load_batch "
                              "as b left join ops.gate_result as g using (batch_id) where b.feed = 'dept_commitment' "
                              "and b.logical_date = %s order by b.batch_id", (day,)).fetchall()
    assert [status for status, _, _ in ledger] == case.statuses
    if loaded:
        second = ledger[-1]
        assert (second[1], second[2]) == (case.second_accepted, case.second_unchanged)
    else:
        assert any(o.get("already_loaded") for o in outcomes) and summary["rows_received"] == 0
    assert (_alerts("dept_commitment", day) > alerts_before) == case.alert_on_second


# --- utility watermark windows ---------------------------------------------------------------------------

@pytest.fixture
def billing(water_billing, monkeypatch, mail):
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_ALERTS", mail.url)
    return water_billing


def _bill(url: str, bill_no: str, at: datetime) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("insert into water_bill values (%s, '202409', %s, %s, '非居民用水', '合肥某某公司', "
                     "'合肥市蜀山区', 3, 1234.50, 12.30, '340104', '王师傅', %s)",
                     (bill_no, make.uscc(900 + int(bill_no[1:])), f"A{bill_no}", at))


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=PLATFORM_TZ)


def test_utility_window_picks_up_a_row_committed_late(billing):
    day = date(2024, 11, 4)
    _bill(billing, "W1", _at(day, 9))
    _bill(billing, "W2", _at(day, 23, 30))
    first = tasks.load_feed("utility_water", day)
    tasks.gate_feed("utility_water", day, first)
    _bill(billing, "W3", _at(day, 23, 50))  # committed after the window was read
    nxt = day + timedelta(days=1)
    second = tasks.load_feed("utility_water", nxt)
    summary = tasks.gate_feed("utility_water", nxt, second)
    assert summary["rows_accepted"] == 1 and summary["rows_received"] == 2  # W3 new, W2 read again unchanged
    assert _alerts("utility_water", nxt) == 0


@pytest.mark.parametrize(("case_id", "reason"), [
    ("source_database_down", "the source database is unreachable (Connection refused)"),
    ("column_missing_at_the_source", "column late_fee_yuan is missing from the source table"),
    ("table_missing_at_the_source", "the table does not exist"),
])
def test_utility_source_case(case_id, reason, billing, monkeypatch):
    day = date(2024, 11, 11) + timedelta(days=["source_database_down", "column_missing_at_the_source",
                                                "table_missing_at_the_source"].index(case_id))
    if case_id == "source_database_down":
        monkeypatch.setenv(url_env(get_feed("utility_water")), "postgresql://loader:x@127.0.0.1:1/utility_billing")
    with psycopg.connect(billing, autocommit=True) as conn:
        if case_id == "column_missing_at_the_source":
            conn.execute("alter table water_bill drop column late_fee_yuan")
        if case_id == "table_missing_at_the_source":
            conn.execute("drop table water_bill")
    [outcome] = tasks.load_feed("utility_water", day)
    assert outcome["status"] == "failed" and reason in outcome["message"]
    assert "x@" not in outcome["message"]
    assert _alerts("utility_water", day) == 1


def test_the_source_corpus_counts_with_the_file_corpus():
    from .test_file_corpus import CASES

    assert len(CASES) + len(API_CASES) + 1 + len(REDELIVERIES) + 1 + 3 >= 90
