"""A gate-ready test warehouse: raw and quarantine tables, reference seeds, and a way to deliver batches."""

from __future__ import annotations

import uuid
from datetime import date
from types import SimpleNamespace

import psycopg
import pytest
from psycopg import sql

from credit_warehouse import settings
from credit_warehouse.feeds.registry import get_feed
from credit_warehouse.identifiers import make_resident_id, make_uscc

LOGICAL_DATE = date(2024, 7, 10)  # a Wednesday; 2024-07-01 .. 07-10 are all working days


@pytest.fixture(scope="session")
def gate_ready(warehouse_db: str) -> str:
    """Bootstrap made the raw and quarantine tables and loaded the reference seeds."""
    return warehouse_db


def uscc(n: int) -> str:
    return make_uscc("9", "1", "370100", f"MA{n:06d}")


def resident_id(n: int) -> str:
    return make_resident_id("370102", date(1980, 1, 1 + n % 28), n % 1000)


def resident_id_born(born: date) -> str:
    return make_resident_id("370102", born, 1)


def penalty_row(n: int, **overrides) -> dict:
    row = {
        "subject_name": f"济南测试企业{n}有限公司", "subject_category": "法人及非法人组织", "uscc": uscc(n),
        "decision_doc_no": f"济市监罚〔2024〕{n}号", "violation_type": "虚假宣传",
        "violation_facts": "发布虚假广告", "legal_basis": "《广告法》第五十五条", "penalty_categories": "01,02",
        "penalty_content": "警告并罚款", "fine_amount_10k_yuan": "0.2", "decision_date": "2024-07-05",
        "authority": "济南市市场监督管理局", "authority_uscc": uscc(900000), "source_unit": "济南市市场监督管理局",
        "source_unit_uscc": uscc(900000), "severity": "一般",
    }
    row.update(overrides)
    return row


def deliver(feed_name: str, rows: list[dict], logical_date: date = LOGICAL_DATE,
            source_identity: str | None = None) -> int:
    """A loaded batch as the loader leaves it: a ledger row and raw rows numbered from 1."""
    feed = get_feed(feed_name)
    with psycopg.connect(settings.database_url(), autocommit=True) as conn:
        batch_id = conn.execute(
            "insert into ops.load_batch (feed, logical_date, source_identity, source_sha256, status, rows_received,"
            " loaded_at) values (%s, %s, %s, %s, 'loaded', %s, now()) returning batch_id",
            (feed.name, logical_date, source_identity or f"test://{uuid.uuid4().hex}", uuid.uuid4().hex, len(rows)),
        ).fetchone()[0]
        columns = [*feed.column_names, "_batch_id", "_row_number", "_source"]
        with conn.cursor().copy(sql.SQL("copy {} ({}) from stdin").format(
            sql.Identifier("raw", feed.raw_table), sql.SQL(", ").join(map(sql.Identifier, columns)))) as copy:
            for number, row in enumerate(rows, start=1):
                unknown = set(row) - set(feed.column_names)
                assert not unknown, f"test row names columns {unknown} that {feed.name} lacks"
                copy.write_row([*(row.get(c) for c in feed.column_names), batch_id, number, "test"])
    return batch_id


@pytest.fixture
def kit(gate_ready: str) -> SimpleNamespace:
    """The helpers above, for tests (pytest's importlib mode keeps conftest modules unimportable)."""
    return SimpleNamespace(deliver=deliver, penalty_row=penalty_row, uscc=uscc, resident_id=resident_id,
                           resident_id_born=resident_id_born,
                           logical_date=LOGICAL_DATE, database=gate_ready)
