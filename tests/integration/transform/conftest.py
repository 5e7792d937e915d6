"""Fixtures for the marts tests: a way to deliver a batch as the loader and the gate would leave it.

Bootstrap (the warehouse_db fixture) made the raw and quarantine tables and loaded the seeds.
"""

from __future__ import annotations

import json
from datetime import date

import psycopg
import pytest
from psycopg import sql

from credit_warehouse.feeds.registry import IDENTIFIER, get_feed
from credit_warehouse.security.vault import tokenise_batch


def _ident(name: str) -> sql.Identifier:
    assert IDENTIFIER.match(name), name
    return sql.Identifier(name)


def deliver(
    conn: psycopg.Connection,
    feed: str,
    logical_date: date,
    status: str,
    rows: list[dict],
    quarantined: dict[int, list[dict]] | None = None,
) -> int:
    """One batch of ``feed`` in the ledger with its raw rows; ``quarantined`` maps a 1-based row number
    to its reasons. Returns the batch id."""
    quarantined = quarantined or {}
    batch_id = conn.execute(
        "insert into ops.load_batch (feed, logical_date, source_identity, source_sha256, status, rows_received,"
        " rows_accepted, rows_quarantined, gated_at, gated_xid)"
        " values (%s, %s, %s, md5(random()::text), %s, %s, %s, %s, now(), pg_current_xact_id())"
        " returning batch_id",
        (
            feed,
            logical_date,
            f"test:{feed}:{logical_date}",
            status,
            len(rows),
            len(rows) - len(quarantined),
            len(quarantined),
        ),
    ).fetchone()[0]
    for number, row in enumerate(rows, start=1):
        names = list(row)
        values = [row[n] for n in names]
        conn.execute(
            sql.SQL("insert into raw.{} ({}, _batch_id, _row_number, _source) values ({}, %s, %s, 'test')").format(
                _ident(feed), sql.SQL(", ").join(map(_ident, names)), sql.SQL(", ").join(sql.Placeholder() * len(names))
            ),
            [*values, batch_id, number],
        )
        if number in quarantined:
            conn.execute(
                sql.SQL(
                    "insert into quarantine.{} (_batch_id, _row_number, reasons, {}) values (%s, %s, %s, {})"
                ).format(
                    _ident(feed),
                    sql.SQL(", ").join(map(_ident, names)),
                    sql.SQL(", ").join(sql.Placeholder() * len(names)),
                ),
                [batch_id, number, json.dumps(quarantined[number], ensure_ascii=False), *values],
            )
    # as on load: resident-ID numbers go to the vault, tokens take their place
    tokenise_batch(conn, get_feed(feed), batch_id)
    return batch_id


@pytest.fixture(scope="module")
def marts_conn(warehouse_db: str):
    """Superuser connection to the session warehouse (bootstrap made the feed tables)."""
    from credit_warehouse.settings import database_url

    with psycopg.connect(database_url(warehouse_db), autocommit=True) as conn:
        yield conn


def tables_as_text(conn: psycopg.Connection, schema: str, left_out: set[str], only: set[str] | None = None,
                   ) -> dict[str, list[str]]:
    """Every table of ``schema`` (or those named in ``only``) as its rows' text, sorted, the columns in
    ``left_out`` left out (when and by which build a row was written)."""
    tables = [row[0] for row in conn.execute(
        "select table_name from information_schema.tables where table_schema = %s "
        "and table_type = 'BASE TABLE' order by table_name", (schema,)).fetchall()
        if only is None or row[0] in only]
    contents = {}
    for table in tables:
        columns = [row[0] for row in conn.execute(
            "select column_name from information_schema.columns where table_schema = %s "
            "and table_name = %s order by ordinal_position", (schema, table)).fetchall()
            if row[0] not in left_out]
        rows = conn.execute(sql.SQL("select ({})::text from {}").format(
            sql.SQL("row({})").format(sql.SQL(", ").join(map(sql.Identifier, columns))),
            sql.Identifier(schema, table))).fetchall()
        contents[table] = sorted(row[0] for row in rows)
    return contents


def differences(expected: dict[str, list[str]], found: dict[str, list[str]]) -> str:
    """The rows each table lost and gained, as text ('' when the two are equal, tables included)."""
    lines = [f"{table}: lost {sorted(set(rows) - set(found.get(table, [])))}, "
             f"gained {sorted(set(found.get(table, [])) - set(rows))}"
             for table, rows in expected.items() if found.get(table) != rows]
    lines += [f"{table}: not expected" for table in found if table not in expected]
    return "\n".join(lines)
