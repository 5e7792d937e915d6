"""The utility billing tables in a real source database: filled by COPY, idempotent per date."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timedelta, timezone

import psycopg
import pytest

from credit_warehouse import settings
from credit_warehouse.identifiers import is_valid_uscc
from credit_warehouse_dev.generator.night import generate_night

NIGHT = date(2024, 5, 10)
CHINA = timezone(timedelta(hours=8))
UTILITIES = ("utility_water", "utility_power", "utility_gas")


@pytest.fixture
def source_db(warehouse_db):
    """A source database of this test's own, owned by loader like settings.SOURCE_DB."""
    name = f"cw_source_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(settings.server_url() + "/postgres", autocommit=True) as conn:
        conn.execute(f'create database "{name}" owner loader')
    yield name
    with psycopg.connect(settings.server_url() + "/postgres", autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')


def _night(source_db, tmp_path, day=NIGHT, rows=250):
    return generate_night(day, seed=31, rows=rows, dirt_rate=0.05, landing=tmp_path, store=tmp_path / "courts",
                          source_database=source_db, feeds=UTILITIES)


def _rows(source_db, table):
    with psycopg.connect(settings.database_url(source_db)) as conn:
        return conn.execute(f"select * from {table} order by updated_at").fetchall()  # noqa: S608 (fixed names)


def test_fills_idempotently_within_the_logical_date(source_db, tmp_path):
    first = _night(source_db, tmp_path)
    snapshot = {t: _rows(source_db, t) for t in ("water_bill", "power_bill", "gas_bill")}
    assert all(len(rows) == 250 for rows in snapshot.values())
    second = _night(source_db, tmp_path)
    assert {t: _rows(source_db, t) for t in snapshot} == snapshot
    assert first.dirt_path.read_text() == second.dirt_path.read_text()
    start = datetime(2024, 5, 10, tzinfo=CHINA)
    for rows in snapshot.values():
        assert all(start <= row[-1] < start + timedelta(days=1) for row in rows)

    _night(source_db, tmp_path, day=NIGHT + timedelta(days=1), rows=100)
    assert len(_rows(source_db, "water_bill")) == 350


def test_columns_types_and_dirt_identities(source_db, tmp_path):
    report = _night(source_db, tmp_path)
    with psycopg.connect(settings.database_url(source_db)) as conn:
        columns = dict(conn.execute(
            "select column_name, data_type from information_schema.columns where table_name = 'power_bill'"
        ).fetchall())
        assert columns["arrears_amount_yuan"] == "numeric" and columns["arrears_months"] == "integer"
        assert columns["updated_at"] == "timestamp with time zone"
        owner = conn.execute("select tableowner from pg_tables where tablename = 'water_bill'").fetchone()[0]
        assert owner == "loader"
        dirt = [json.loads(line) for line in report.dirt_path.read_text().splitlines()]
        assert dirt
        for entry in dirt:
            found = conn.execute(
                f"select uscc from {entry['table']} where updated_at = %s",  # noqa: S608 (table from our manifest)
                (datetime.fromisoformat(entry["updated_at"]),),
            ).fetchall()
            assert len(found) == 1
            if entry["kind"] == "bad_uscc_checksum":
                assert not is_valid_uscc(found[0][0])
    summary = report.feeds["utility_water"]
    assert summary.units == [{"kind": "table", "database": source_db, "table": "water_bill", "rows": 250}]
