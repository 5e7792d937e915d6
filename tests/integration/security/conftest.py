"""A warehouse of its own for the security tests, with a few delivered batches built through the marts.

The scan for full resident-ID numbers judges every derived table, so it runs on a database nobody else's
test rows reach (other modules insert raw rows directly, without the loader's tokenisation). One dbt
call builds the models; the seeds came with the bootstrap.
"""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

import psycopg
import pytest
from psycopg import sql

from credit_warehouse import settings
from credit_warehouse.feeds.registry import IDENTIFIER, get_feed
from credit_warehouse.identifiers import make_resident_id, make_uscc
from credit_warehouse.install import install
from credit_warehouse.security.vault import tokenise_batch
from credit_warehouse.transform.dbt import run_dbt

NIGHT = date(2025, 3, 11)
AUTHORITY = make_uscc("1", "1", "370100", "00400001")


@dataclass(frozen=True)
class Night:
    """What the module's night delivered, for the tests to ask about."""

    database: str
    company: str  # licence (public) and water arrears (authorised)
    person_id: str  # a natural person's full resident-ID number, delivered on a licence
    license_batch: int


def _ident(name: str) -> sql.Identifier:
    assert IDENTIFIER.match(name), name
    return sql.Identifier(name)


def deliver(conn: psycopg.Connection, feed: str, status: str, rows: list[dict]) -> int:
    """One batch in the ledger with its raw rows, tokenised as the loader does on load."""
    batch_id = conn.execute(
        "insert into ops.load_batch (feed, logical_date, source_identity, source_sha256, status, rows_received, "
        "rows_accepted, rows_quarantined) values (%s, %s, %s, md5(random()::text), %s, %s, %s, 0) returning batch_id",
        (feed, NIGHT, f"test:{feed}", status, len(rows), len(rows)),
    ).fetchone()[0]
    for number, row in enumerate(rows, start=1):
        conn.execute(
            sql.SQL("insert into raw.{} ({}, _batch_id, _row_number, _source) values ({}, %s, %s, 'test')").format(
                _ident(feed), sql.SQL(", ").join(map(_ident, row)), sql.SQL(", ").join(sql.Placeholder() * len(row))
            ),
            [*row.values(), batch_id, number],
        )
    tokenise_batch(conn, get_feed(feed), batch_id)
    return batch_id


def _license(doc_no: str, name: str, **extra) -> dict:
    return {
        "subject_name": name,
        "subject_category": "法人及非法人组织",
        "decision_doc_name": "许可决定书",
        "decision_doc_no": doc_no,
        "license_category": "01",
        "content": "食品经营",
        "decision_date": "2025-03-05",
        "valid_from": "2025-03-05",
        "valid_to": "2099-12-31",
        "authority": "济南市市场监督管理局",
        "authority_uscc": AUTHORITY,
        "status": "1",
        "source_unit": "济南市市场监督管理局",
        "source_unit_uscc": AUTHORITY,
        **extra,
    }


@contextmanager
def own_warehouse(prefix: str):
    """A freshly installed warehouse database, the settings pointing at it, dropped afterwards."""
    previous = os.environ.get(settings.ENV_DB_NAME)
    database = f"{prefix}_{uuid.uuid4().hex[:10]}"
    os.environ[settings.ENV_DB_NAME] = database
    try:
        install()
        yield database
    finally:
        if previous is None:
            os.environ.pop(settings.ENV_DB_NAME, None)
        else:
            os.environ[settings.ENV_DB_NAME] = previous
        with psycopg.connect(settings.server_url() + "/postgres", autocommit=True) as conn:
            conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(database)))


@pytest.fixture(scope="module")
def security_night(warehouse_server):
    """A fresh warehouse with one night built through the marts (and the analysts' views)."""
    with own_warehouse("cw_sec") as database:
        company = make_uscc("9", "1", "370105", "MA3T0001")
        person_id = make_resident_id("370102", date(1981, 6, 30), 418)
        with psycopg.connect(settings.database_url(database), autocommit=True) as conn:
            license_batch = deliver(conn, "dept_license", "accepted", [
                _license("济市监许〔2025〕31号", "济南安全测试有限公司", uscc=company),
                _license("济市监许〔2025〕32号", "王五", subject_category="自然人", person_id_type="身份证",
                         person_id_no=person_id),
            ])
            deliver(conn, "utility_water", "accepted", [{
                "billing_month": "202502", "uscc": company, "account_no": "W-9001", "account_type": "非居民用水",
                "account_name": "济南安全测试有限公司", "bill_no": "S1", "arrears_periods": "2",
                "arrears_amount_yuan": "880.00", "division_code": "370105",
            }])
        run_dbt(["run", "--vars", f"{{as_of_date: '{NIGHT.isoformat()}'}}"])
        yield Night(database, company, person_id, license_batch)


@pytest.fixture
def superuser(security_night):
    with psycopg.connect(settings.database_url(security_night.database), autocommit=True) as conn:
        yield conn


def connect_as(role: str, night: Night) -> psycopg.Connection:
    return psycopg.connect(settings.database_url(night.database, role=role), autocommit=True)
