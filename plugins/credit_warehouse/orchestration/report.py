"""The short summary a night prints, also kept as a file under .state/reports/."""

from __future__ import annotations

import psycopg
from psycopg import sql

from credit_warehouse.orchestration.night import NightResult, ledger_summary
from credit_warehouse.settings import database_url, state_dir

MART_TABLES = ("credit_archive", "fct_credit_record", "blacklist", "key_supervision", "monitoring_indicators")


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


def night_report(result: NightResult) -> str:
    with psycopg.connect(database_url()) as conn:
        ledger = ledger_summary(result.day)
        marts = _mart_counts(conn)
        published = _publish_counts(conn)
    verdict = "OK" if result.ok else "FAILED"
    lines = [
        "",
        f"Night of {result.day}: {verdict} in {result.seconds:.0f} s",
        "",
        "Feeds (ops.load_batch):",
        *_table(["feed", "batches", "status", "received", "accepted", "quarantined"], ledger),
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
        f"  night log (Airflow task logs):  {result.log_file}",
        "  quarantined rows and reasons:   quarantine.<feed> in the warehouse (./cw db url --show-password)",
        f"  GX Data Docs:                   {state_dir() / 'data_docs' / 'index.html'}",
        "  dbt docs (analysts' manual):    ./cw dbt docs serve --port 8081",
        f"  alert mails:                    {state_dir() / 'mail' / result.day.isoformat()}",
    ]
    text = "\n".join(lines)
    report_file = state_dir() / "reports" / f"night-{result.day.isoformat()}.txt"
    report_file.parent.mkdir(parents=True, exist_ok=True)
    report_file.write_text(text + "\n")
    return text + f"\n  this summary:                   {report_file}\n"
