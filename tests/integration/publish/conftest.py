"""Fixtures for publishing: stand-in publish models, record factories and the reference interface.

The tests put exactly the records they need in place of dbt's publish.publish_national_record (a
table and a view with its columns and the delta's logic), replacing whatever dbt built there in
this session's database; a later dbt build replaces them again.
"""

from __future__ import annotations

import json
import time
from datetime import date
from types import SimpleNamespace

import psycopg
import pytest
from psycopg import sql

from credit_warehouse import settings
from credit_warehouse.identifiers import make_resident_id, make_uscc, mask_resident_id
from credit_warehouse.publish.breaker import CircuitBreaker
from credit_warehouse.publish.client import ClientSettings, NationalClient
from credit_warehouse_dev.national_interface import Faults, interface_secret, start_national_interface

STAND_IN_SQL = """
create table if not exists publish.publish_national_record (
    record_kind text not null,
    record_key text not null,
    subject_code text,
    payload jsonb not null,
    payload_hash text not null,
    action text not null,
    disclosure_class text not null,
    updated_at timestamptz not null default now(),
    primary key (record_kind, record_key)
);
create or replace view publish.publish_national_delta as
select r.*
from publish.publish_national_record as r
where not exists (
    select 1 from ops.publish_outbox as o
    where o.record_kind = r.record_kind and o.record_key = r.record_key
        and o.action = r.action and o.payload_hash = r.payload_hash
);
grant select on publish.publish_national_record, publish.publish_national_delta to publisher;
"""

AUTHORITY_USCC = make_uscc("1", "1", "110105", "00000001")


def _uscc(number: int) -> str:
    return make_uscc("9", "1", "110105", f"{number:08d}")


def license_payload(number: int, **changes) -> dict:
    payload = {
        "subject_name": f"北京测试科技有限公司{number}", "subject_category": "法人及非法人组织", "uscc": _uscc(number),
        "decision_doc_name": "准予行政许可决定书", "decision_doc_no": f"京许字〔2024〕{number}号",
        "license_category": "01",
        "content": "食品经营许可", "decision_date": "2024-05-06", "valid_from": "2024-05-06", "valid_to": "2099-12-31",
        "status": "1", "authority": "北京市朝阳区市场监督管理局", "authority_uscc": AUTHORITY_USCC,
        "source_unit": "北京市朝阳区市场监督管理局", "source_unit_uscc": AUTHORITY_USCC,
    }
    payload.update(changes)
    return payload


def penalty_payload(number: int, **changes) -> dict:
    person_id = make_resident_id("110105", date(1980, 1, 1), number % 1000)
    payload = {
        "subject_name": "张三", "subject_category": "自然人", "person_id_no": mask_resident_id(person_id),
        "decision_doc_no": f"京朝市监罚〔2024〕{number}号", "violation_type": "无证经营",
        "violation_facts": "未取得许可经营",
        "legal_basis": "《食品安全法》第一百二十二条", "penalty_categories": "01,02", "penalty_content": "警告并罚款",
        "fine_amount_10k_yuan": "0.2", "decision_date": "2024-05-06", "publicity_until": "2025-05-06",
        "authority": "北京市朝阳区市场监督管理局", "authority_uscc": AUTHORITY_USCC,
        "source_unit": "北京市朝阳区市场监督管理局", "source_unit_uscc": AUTHORITY_USCC,
    }
    payload.update(changes)
    return payload


def blacklist_payload(number: int, **changes) -> dict:
    payload = {
        "subject_name": f"上海测试贸易有限公司{number}", "subject_category": "法人及非法人组织", "uscc": _uscc(number),
        "list_type": "2", "listing_reason": "重大税收违法", "listing_doc_no": f"沪税黑〔2024〕{number}号",
        "listed_on": "2024-03-01", "listing_authority": "国家税务总局上海市税务局",
    }
    payload.update(changes)
    return payload


def record(kind: str, number: int, action: str = "upsert", **changes) -> dict:
    """One row of publish.publish_national_record."""
    builder = {"license": license_payload, "penalty": penalty_payload, "blacklist": blacklist_payload}[kind]
    payload = builder(number, **changes)
    subject = payload.get("uscc") or payload.get("person_id_no")
    return {"record_kind": kind, "record_key": f"{kind}-{number}", "subject_code": subject, "payload": payload,
            "action": action}


@pytest.fixture(scope="module")
def publish_models(warehouse_db):
    with psycopg.connect(settings.database_url(warehouse_db), autocommit=True) as conn:
        for name in ("publish_national_delta", "publish_national_record"):
            found = conn.execute(
                "select c.relkind from pg_class as c join pg_namespace as n on n.oid = c.relnamespace "
                "where n.nspname = 'publish' and c.relname = %s", (name,)
            ).fetchone()
            if found:
                kind = sql.SQL("view" if found[0] == "v" else "table")
                conn.execute(sql.SQL("drop {} {} cascade").format(kind, sql.Identifier("publish", name)))
        conn.execute(STAND_IN_SQL)
    yield warehouse_db
    # the stand-ins and what was staged from them go again, so dbt builds the real publish models in this
    # session's warehouse and later tests start from an empty outbox
    with psycopg.connect(settings.database_url(warehouse_db), autocommit=True) as conn:
        conn.execute("drop view if exists publish.publish_national_delta; "
                     "drop table if exists publish.publish_national_record cascade; "
                     "truncate ops.publish_receipt, ops.publish_contract_failure, ops.publish_reconciliation, "
                     "ops.publish_outbox restart identity cascade")


@pytest.fixture
def clean_publish(publish_models, superuser_conn):
    superuser_conn.execute(
        "truncate ops.publish_receipt, ops.publish_contract_failure, ops.publish_reconciliation, "
        "ops.publish_outbox, publish.publish_national_record restart identity cascade"
    )
    return superuser_conn


@pytest.fixture
def put_records(clean_publish):
    """Upsert rows into the stand-in publish_national_record (payload_hash = md5(payload::text))."""

    def put(rows: list[dict]) -> None:
        with clean_publish.cursor() as cur:
            cur.executemany(
                """
                insert into publish.publish_national_record
                    (record_kind, record_key, subject_code, payload, payload_hash, action, disclosure_class)
                values (%(record_kind)s, %(record_key)s, %(subject_code)s, %(payload)s::jsonb,
                    md5(%(payload)s::jsonb::text), %(action)s, 'public')
                on conflict (record_kind, record_key) do update set
                    subject_code = excluded.subject_code, payload = excluded.payload,
                    payload_hash = excluded.payload_hash, action = excluded.action, updated_at = now()
                """,
                [{**row, "payload": json.dumps(row["payload"], ensure_ascii=False)} for row in rows],
            )

    return put


@pytest.fixture
def national():
    """A reference interface without faults; yields (url, faults) — change faults while it runs."""
    faults = Faults(seed=11)
    url, stop = start_national_interface(port=0, faults=faults)
    yield url, faults
    stop()


def client_settings(url: str, **overrides) -> ClientSettings:
    values = {"base_url": url, "secret": interface_secret(), "batch_size": 20, "timeout": 0.5,
              "max_attempts": 6, "backoff_base": 0.02, "backoff_max": 0.2, "breaker_threshold": 20,
              "breaker_reset": 0.5}
    values.update(overrides)
    return ClientSettings(**values)


def make_client(url: str, **overrides) -> NationalClient:
    settings_ = client_settings(url, **overrides)
    return NationalClient(settings_, CircuitBreaker(settings_.breaker_threshold, settings_.breaker_reset))


def outbox_counts(conn) -> dict[str, int]:
    return dict(conn.execute("select status, count(*) from ops.publish_outbox group by status").fetchall())


def wait_until(predicate, timeout: float = 60.0, step: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(step)


@pytest.fixture
def kit():
    """The helpers above, for the test modules (conftest is not importable under --import-mode=importlib)."""
    return SimpleNamespace(record=record, client_settings=client_settings, make_client=make_client,
                           outbox_counts=outbox_counts, wait_until=wait_until)
