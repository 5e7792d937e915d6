"""The short summary a night prints, also kept as a file under .state/reports/."""

from __future__ import annotations

import psycopg
from psycopg import sql

from credit_warehouse.feeds.delivery_calendar import due_feeds
from credit_warehouse.load.deliveries import deliveries
from credit_warehouse.reports.night import night_report_path
from credit_warehouse.security.person_link import link_counts
from credit_warehouse.settings import database_url, state_dir
from credit_warehouse.transform.freshness import read_freshness
from credit_warehouse_dev.night import NightResult, ledger_summary

MART_TABLES = (
    "dim_credit_archive", "fct_credit_record",
    "fct_blacklist_listing", "dim_key_supervision_target", "agg_monitoring_indicators",
)


def _table(headers: list[str], rows: list[tuple]) -> list[str]:
    widths = [max(len(str(v)) for v in column) for column in zip(headers, *rows, strict=False)]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    return [line.format(*headers), line.format(*("-" * w for w in widths))] + [
        line.format(*(str(v) for v in row)) for row in rows
    ]


def _mart_counts(conn: psycopg.Connection) -> list[tuple]:
    rows = []
    for table in MART_TABLES:
        exists = conn.execute("select to_regclass(%s)", (f"marts.{table}",)).fetchone()[0]
        count = (
            conn.execute(sql.SQL("select count(*) from marts.{}").format(sql.Identifier(table))).fetchone()[0]
            if exists
            else "missing"
        )
        rows.append((f"marts.{table}", count))
    return rows


def _publish_counts(conn: psycopg.Connection) -> list[tuple]:
    if not conn.execute("select to_regclass('ops.publish_outbox')").fetchone()[0]:
        return []
    return conn.execute(
        "select action, status, count(*) from ops.publish_outbox group by action, status order by 1, 2"
    ).fetchall()


def _format_counts(conn: psycopg.Connection, day) -> list[tuple]:
    """Rows loaded per feed and national format (file feeds; current or the 2016 double-publicity format)."""
    return conn.execute(
        "select feed, source_layout, count(*), sum(rows_received), sum(rows_accepted) from ops.load_batch "
        "where logical_date = %s and source_layout is not null and status in ('accepted', 'rejected') "
        "group by 1, 2 order by 1, 2", (day,)).fetchall()


def _late_reports(conn: psycopg.Connection, day) -> list[tuple]:
    """Double publicity reported after the deadline this night, per reporting department (accepted, counted)."""
    return conn.execute(
        "select g.feed, late.key, sum(late.value::bigint) from ops.gate_result as g "
        "join ops.load_batch as b using (batch_id) cross join lateral jsonb_each_text(g.late_reports) as late "
        "where g.logical_date = %s and b.status = 'accepted' group by 1, 2 order by 3 desc, 1, 2",
        (day,)).fetchall()


def _delivery_rows(day) -> list[tuple]:
    """Every feed's night: due or not, how it ended, and its source freshness after the build."""
    ended = deliveries(day)
    due = set(due_feeds(day))
    freshness = read_freshness(day)
    rows = []
    for feed in sorted(set(ended) | due):
        delivery = ended.get(feed)
        fresh = freshness.get(feed, {})
        age = fresh.get("hours_since_load")
        rows.append((feed, "due" if feed in due else "not due", delivery.status if delivery else "no run",
                     fresh.get("status", "-"), "-" if age is None else f"{age} h"))
    return rows


def night_report(result: NightResult) -> str:
    with psycopg.connect(database_url()) as conn:
        ledger = ledger_summary(result.day)
        formats = _format_counts(conn, result.day)
        late = _late_reports(conn, result.day)
        marts = _mart_counts(conn)
        published = _publish_counts(conn)
        persons = link_counts(conn)
    delivered = _delivery_rows(result.day)
    verdict = "OK" if result.ok else "FAILED"
    lines = [
        "",
        f"Night of {result.day}: {verdict} in {result.seconds:.0f} s",
        "",
        "Feeds (ops.load_batch):",
        *_table(["feed", "batches", "status", "received", "accepted", "quarantined"], ledger),
        "",
        "Deliveries (ops.feed_delivery) and source freshness (dbt source freshness, last accepted load):",
        *_table(["feed", "calendar", "night", "freshness", "since load"], delivered),
        "",
        "File formats loaded (current national format or the 2016 one):",
        *(_table(["feed", "format", "files", "received", "accepted"], formats) if formats else ["  no files"]),
        "",
        "Late double-publicity reports by department (accepted and counted, not held):",
        *(_table(["feed", "department", "rows"], late) if late else ["  none"]),
        "",
        "Masked resident IDs (court records) matched to one vaulted person by ID and name (ops.person_link):",
        f"  linked {persons['linked']}, ambiguous {persons['ambiguous']} and unmatched {persons['unmatched']} "
        "(these two stay subjects of their own)",
        "",
        "Marts:",
        *_table(["table", "rows"], marts),
        "",
        "National interface (ops.publish_outbox):",
        *(_table(["action", "status", "records"], published) if published else ["  nothing staged"]),
        "",
        f"Alert mails received by the local SMTP server: {result.mails_received}",
        "",
        "Where to look next:",
        f"  night report with charts:       {night_report_path(result.day)}",
        "  all of it on one local site:    ./cw docs  (Data Docs, dbt docs, reports on http://127.0.0.1:8600/)",
        f"  night log (Airflow task logs):  {result.log_file}",
        "  quarantined rows and reasons:   quarantine.<feed> in the warehouse (./cw db url --show-password)",
        f"  GX Data Docs:                   {state_dir() / 'data_docs' / 'index.html'}",
        f"  alert mails:                    {state_dir() / 'mail' / result.day.isoformat()}",
    ]
    text = "\n".join(lines)
    report_file = state_dir() / "reports" / f"night-{result.day.isoformat()}.txt"
    report_file.parent.mkdir(parents=True, exist_ok=True)
    report_file.write_text(text + "\n")
    return text + f"\n  this summary:                   {report_file}\n"
