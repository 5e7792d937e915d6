"""A whole night through Airflow, twice, on a database of its own: the README's run command, end to end."""

import json
import os
import re
import shutil
import subprocess
import sys
import threading
import uuid
from email import message_from_bytes, policy
from pathlib import Path

import httpx
import psycopg
import pytest
from psycopg import sql

from credit_warehouse import settings
from credit_warehouse.docs_site import ENV_BASE_URL
from credit_warehouse.feeds.registry import load_registry
from credit_warehouse.identifiers import is_valid_resident_id
from credit_warehouse_dev.ports import free_port
from credit_warehouse_dev.smtp_sink import mail_text

pytestmark = pytest.mark.e2e

NIGHT = "2026-11-20"
ID_CANDIDATE = re.compile(r"(?<![0-9A-Za-z])[1-9]\d{16}[0-9Xx](?![0-9A-Za-z])")


DOCS_PORT = free_port()
DOCS_BASE_URL = f"http://127.0.0.1:{DOCS_PORT}"
SUBJECT = re.compile(r"^\[信用数据仓库\] ([a-z_]+)[ ：（]")


def _html(mail) -> str:
    body = mail.get_body(preferencelist=("html",))
    return body.get_content() if body is not None else ""


def _mails() -> list:
    folder = settings.state_dir() / "mail" / NIGHT
    return [message_from_bytes(path.read_bytes(), policy=policy.default) for path in sorted(folder.glob("*.eml"))]


def _run_night(env: dict) -> subprocess.CompletedProcess:
    cli = Path(sys.executable).with_name("credit-warehouse")
    return subprocess.run(
        [str(cli), "night", "--date", NIGHT, "--rows", "120"], env=env, capture_output=True, text=True, timeout=900
    )


def _raw_row_counts(conn) -> dict:
    return {
        feed: conn.execute(sql.SQL("select count(*) from raw.{}").format(sql.Identifier(feed))).fetchone()[0]
        for feed in load_registry().feeds
    }


@pytest.fixture(scope="module")
def two_nights(warehouse_server):
    database = f"cw_night_{uuid.uuid4().hex[:8]}"
    shutil.rmtree(settings.state_dir() / "mail" / NIGHT, ignore_errors=True)  # only this run's mail is judged
    env = {**os.environ, settings.ENV_DB_NAME: database, ENV_BASE_URL: DOCS_BASE_URL}
    first = _run_night(env)
    previous = os.environ.get(settings.ENV_DB_NAME)
    os.environ[settings.ENV_DB_NAME] = database  # for this module's tests; restored for the session's others
    with psycopg.connect(settings.database_url(database), autocommit=True) as conn:
        after_first = _raw_row_counts(conn)
        batches_first = conn.execute("select count(*) from ops.load_batch").fetchone()[0]
    second = _run_night(env)
    yield {"first": first, "second": second, "database": database,
           "after_first": after_first, "batches_first": batches_first}
    if previous is None:
        os.environ.pop(settings.ENV_DB_NAME, None)
    else:
        os.environ[settings.ENV_DB_NAME] = previous
    with psycopg.connect(warehouse_server + "/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(database)))


def test_the_night_succeeds_twice_and_prints_its_summary(two_nights):
    for run in ("first", "second"):
        result = two_nights[run]
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        assert f"Night of {NIGHT}: OK" in result.stdout
        assert "Feeds (ops.load_batch):" in result.stdout


def test_the_night_prints_each_step_as_it_starts_with_elapsed_time_and_dbts_progress(two_nights):
    lines = two_nights["first"].stdout.splitlines()
    stamped = [line for line in lines if re.match(r"^\[ *\d+\.\d s\] ", line)]
    texts = [line.split("] ", 1)[1] for line in stamped]
    assert texts[0].startswith("starting the warehouse") and any(t.startswith("generating") for t in texts)
    assert "feed__dept_penalty.extract_and_load started" in texts and "warehouse_build.dbt_build started" in texts
    assert any(re.match(r"dbt \d+ of \d+ (OK|PASS) ", t.strip()) for t in texts), texts[:40]
    seconds = [float(line[1:line.index(" s]")]) for line in stamped]
    assert seconds[-1] > seconds[0]


def test_the_summary_shows_every_feeds_night_and_freshness(two_nights):
    text = two_nights["second"].stdout
    table = text[text.index("Deliveries (ops.feed_delivery)"):text.index("File formats loaded")]
    rows = {line.split()[0]: line.split() for line in table.splitlines()[3:] if line.strip()}
    assert set(rows) == set(load_registry().feeds)
    # a Friday: the monthly feed is not due, yet was delivered and loaded like the others
    assert rows["logistics"][1:3] == ["not", "due"] and rows["dept_penalty"][1] == "due"
    assert all("delivered" in row and "pass" in row for row in rows.values()), rows


def test_every_feed_reached_the_ledger_and_reconciles(two_nights):
    with psycopg.connect(settings.database_url(two_nights["database"])) as conn:
        rows = conn.execute(
            "select feed, status, rows_received, rows_accepted, rows_quarantined from ops.load_batch "
            "where logical_date = %s and status <> 'superseded'", (NIGHT,)
        ).fetchall()
    assert {row[0] for row in rows} == set(load_registry().feeds)
    for feed, status, received, accepted, quarantined in rows:
        assert status in ("accepted", "rejected"), (feed, status)
        assert received == accepted + quarantined, feed


def test_the_second_night_adds_nothing(two_nights):
    with psycopg.connect(settings.database_url(two_nights["database"])) as conn:
        assert _raw_row_counts(conn) == two_nights["after_first"]
        assert conn.execute("select count(*) from ops.load_batch").fetchone()[0] == two_nights["batches_first"]


def test_marts_are_built(two_nights):
    with psycopg.connect(settings.database_url(two_nights["database"])) as conn:
        for table in ("dim_credit_archive", "fct_credit_record", "dim_credit_subject"):
            count = conn.execute(sql.SQL("select count(*) from marts.{}").format(sql.Identifier(table))).fetchone()[0]
            assert count > 0, table


def test_every_dirty_row_the_generator_injected_is_in_quarantine_for_its_column(two_nights):
    dirt_file = settings.state_dir() / "landing" / "_manifests" / f"{NIGHT}.dirt.jsonl"
    entries = [json.loads(line) for line in dirt_file.read_text().splitlines()]
    to_quarantine = [e for e in entries if e["quarantine"]]
    assert to_quarantine, "a night at 2% dirt injects rows that must be quarantined"
    with psycopg.connect(settings.database_url(two_nights["database"])) as conn:
        for entry in to_quarantine:
            feed = entry["feed"]
            source = entry.get("source")
            found = conn.execute(
                sql.SQL(
                    "select q.reasons from quarantine.{} as q join ops.load_batch as b on b.batch_id = q._batch_id "
                    "where b.logical_date = %s and b.status <> 'superseded' and q._row_number = %s "
                    "and (%s::text is null or b.source_identity = %s)"
                ).format(sql.Identifier(feed)),
                (NIGHT, entry["row_number"], source, source),
            ).fetchall()
            assert found, f"{feed} row {entry['row_number']} ({entry['kind']}) is not in quarantine"
            if entry.get("column"):
                columns = {reason.get("column") for row in found for reason in row[0]}
                assert entry["column"] in columns, (entry, columns)


def test_held_or_always_alerted_feeds_get_one_mail_each_and_the_night_one_digest(two_nights):
    with psycopg.connect(settings.database_url(two_nights["database"])) as conn:
        gated = conn.execute(
            "select b.feed, bool_or(g.status = 'rejected') from ops.load_batch as b join ops.gate_result as g "
            "using (batch_id) where b.logical_date = %s and (g.rows_quarantined > g.rows_unchanged "
            "or g.status = 'rejected' or g.late_reports <> '{}') group by b.feed", (NIGHT,)).fetchall()
    failing = {feed for feed, _ in gated}
    own = {feed for feed, held in gated
           if held or load_registry().get(feed).alerts.own_message == "always"}
    per_feed: dict[str, int] = {}
    digests = []
    for mail in _mails():
        if mail["X-Credit-Warehouse-Alert"] == "digest" and "夜间汇总" in str(mail["Subject"]):
            digests.append(mail)
            continue
        # a feed's own message: its batch alert, or one listing its batches when several need one
        match = SUBJECT.match(str(mail["Subject"] or "").strip())
        if match and match.group(1) in load_registry().names:
            per_feed[match.group(1)] = per_feed.get(match.group(1), 0) + 1
    assert failing, "a 2% dirty night has failing feeds"
    assert per_feed == {feed: 1 for feed in own}
    [digest] = digests  # once, though the night ran twice
    text = mail_text(digest)
    assert all(f"{feed} 批次" in text for feed in failing), (failing, text[:2000])


def test_every_link_in_the_nights_alerts_opens(two_nights):
    from credit_warehouse.docs_site import make_server

    links = sorted({url for mail in _mails() for url in re.findall(r'href="([^"]+)"', _html(mail))
                    if url.startswith(DOCS_BASE_URL)})
    assert any("/data-docs/" in url for url in links) and any("/reports/night-" in url for url in links), links
    server = make_server(DOCS_PORT)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        for url in links:
            response = httpx.get(url, timeout=10)
            assert response.status_code == 200 and len(response.content) > 500, url
    finally:
        server.shutdown()
        server.server_close()


def test_alert_mail_arrived_and_carries_no_full_resident_id(two_nights):
    mails = _mails()
    assert mails, "the dirty rows of the night should have alerted the monitors"
    for mail in mails:
        body = "".join(
            part.get_payload(decode=True).decode("utf-8", "replace")
            for part in mail.walk() if not part.is_multipart()
        )
        leaked = [c for c in ID_CANDIDATE.findall(body) if is_valid_resident_id(c.upper())]
        assert not leaked, f"full resident ID in mail {mail['Subject']}"


def test_no_full_resident_id_in_any_output_of_the_night(two_nights):
    """Logs, mails, Data Docs, reports, Airflow task logs and every downstream table, scanned for real IDs."""
    cli = Path(sys.executable).with_name("credit-warehouse")
    scan = subprocess.run(
        [str(cli), "scan-personal-data"], env={**os.environ, settings.ENV_DB_NAME: two_nights["database"]},
        capture_output=True, text=True, timeout=600,
    )
    assert scan.returncode == 0, scan.stdout[-3000:] + scan.stderr[-2000:]


def test_a_feed_dag_runs_through_the_airflow_cli(two_nights):
    """`airflow dags test` itself, as a data engineer reruns one feed: green, and nothing loaded twice."""
    cli = Path(sys.executable).with_name("credit-warehouse")
    env = {**os.environ, settings.ENV_DB_NAME: two_nights["database"]}
    result = subprocess.run(
        [str(cli), "airflow", "dags", "test", "feed__dept_commitment", NIGHT],
        env=env, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    with psycopg.connect(settings.database_url(two_nights["database"])) as conn:
        assert _raw_row_counts(conn) == two_nights["after_first"]
