"""Benchmark publishing: records/s pushed to the reference national interface, with and without faults.

Runs against a throw-away database on the embedded server (dropped afterwards) and an in-process
reference interface on 127.0.0.1:

    .venv/bin/python tools/bench_publish.py --records 20000 --batch-size 1000 --workers 8
"""

from __future__ import annotations

import argparse
import json
import os
import time
import uuid
from datetime import date

import httpx
import psycopg

from credit_warehouse import settings
from credit_warehouse.identifiers import make_uscc
from credit_warehouse.publish import outbox
from credit_warehouse.publish.client import ClientSettings
from credit_warehouse.publish.push import push_all
from credit_warehouse.warehouse import bootstrap, embedded
from credit_warehouse_dev.national_interface import Faults, interface_secret, start_national_interface

STAND_IN_SQL = """
create table if not exists publish.publish_national_record (
    record_kind text not null, record_key text not null, subject_code text, payload jsonb not null,
    payload_hash text not null, action text not null, disclosure_class text not null,
    updated_at timestamptz not null default now(), primary key (record_kind, record_key)
);
create or replace view publish.publish_national_delta as
select r.* from publish.publish_national_record as r
where not exists (
    select 1 from ops.publish_outbox as o
    where o.record_kind = r.record_kind and o.record_key = r.record_key
        and o.action = r.action and o.payload_hash = r.payload_hash
);
grant select on publish.publish_national_record, publish.publish_national_delta to publisher;
"""


def _records(count: int, run: str) -> list[tuple]:
    authority = make_uscc("1", "1", "110105", "00000001")
    rows = []
    for number in range(count):
        uscc = make_uscc("9", "1", "110105", f"{number:08d}")
        payload = {
            "subject_name": f"基准测试有限公司{number}", "subject_category": "法人及非法人组织", "uscc": uscc,
            "decision_doc_name": "准予行政许可决定书", "decision_doc_no": f"京许〔{run}〕{number}号",
            "license_category": "01", "content": "食品经营许可", "decision_date": "2024-05-06",
            "valid_from": "2024-05-06", "valid_to": "2099-12-31", "status": "1", "authority": "朝阳区市场监管局",
            "authority_uscc": authority, "source_unit": "朝阳区市场监管局", "source_unit_uscc": authority,
        }
        rows.append(("license", f"{run}-{number}", uscc, json.dumps(payload, ensure_ascii=False)))
    return rows


def _fill(superuser_url: str, count: int, run: str) -> None:
    with psycopg.connect(superuser_url, autocommit=True) as conn, conn.cursor() as cur:
        with cur.copy("copy publish.publish_national_record (record_kind, record_key, subject_code, payload, "
                      "payload_hash, action, disclosure_class) from stdin") as copy:
            for kind, key, subject, payload in _records(count, run):
                copy.write_row((kind, key, subject, payload, "", "upsert", "public"))
        cur.execute("update publish.publish_national_record set payload_hash = md5(payload::text) "
                    "where payload_hash = ''")


def _push_all(url: str, workers: int, batch_size: int, timeout: float) -> float:
    """Push as the night does (push_all: concurrent claimers, production backoff, shared breaker) until the
    outbox is empty, rows handed back for later included."""
    started = time.monotonic()
    client_settings = ClientSettings(base_url=url, secret=interface_secret(), batch_size=batch_size, workers=workers,
                                     timeout=timeout)
    with outbox.connect() as conn:
        while True:
            push_all(client_settings)
            left = conn.execute("select count(*) from ops.publish_outbox "
                                "where status in ('pending', 'in_flight')").fetchone()[0]
            if not left:
                return time.monotonic() - started
            time.sleep(0.02)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=ClientSettings.batch_size)
    parser.add_argument("--workers", type=int, default=ClientSettings.workers)
    args = parser.parse_args()

    if not settings.external_database_url():
        embedded.start()
    database = f"cw_bench_{uuid.uuid4().hex[:8]}"
    os.environ[settings.ENV_DB_NAME] = database
    bootstrap.bootstrap()  # the database named by the environment variable just set
    superuser_url = settings.database_url(database)
    try:
        with psycopg.connect(superuser_url, autocommit=True) as conn:
            conn.execute(STAND_IN_SQL)
        scenarios = (
            ("no faults", Faults(seed=1)),
            ("30% 5xx, 10% timeouts, 10% 429, 5% dropped", Faults(
                error_rate=0.3, timeout_rate=0.1, rate_limit_rate=0.1, drop_rate=0.05, timeout_sleep=1.0, seed=1)),
        )
        for name, faults in scenarios:
            _fill(superuser_url, args.records, name.split()[0].replace("%", ""))
            started = time.monotonic()
            released = outbox.stage_outbox(date.today())
            staging = time.monotonic() - started
            url, stop = start_national_interface(port=0, faults=faults)
            try:
                elapsed = _push_all(url, args.workers, args.batch_size, timeout=0.5)
                stats = httpx.get(f"{url}/v1/stats", timeout=10).json()
                with psycopg.connect(superuser_url) as conn:
                    opened = conn.execute("select coalesce(sum(times_opened), 0) from ops.publish_breaker "
                                          "where interface = %s", (url,)).fetchone()[0]
            finally:
                stop()
            once = stats["applied_keys"] == released and stats["max_applications_per_key"] == 1
            print(f"{name}: staged+contract {released} records in {staging:.1f}s; pushed in {elapsed:.2f}s = "
                  f"{released / elapsed:,.0f} records/s ({args.workers} workers, batch {args.batch_size}); "
                  f"{stats['applied_keys']} applied, each exactly once: {'yes' if once else 'NO'}; "
                  f"faults served: {stats['faults']}; breaker opened {opened} time(s)")
    finally:
        with psycopg.connect(settings.server_url() + "/postgres", autocommit=True) as conn:
            conn.execute(psycopg.sql.SQL("drop database if exists {} with (force)").format(
                psycopg.sql.Identifier(database)))


if __name__ == "__main__":
    main()
