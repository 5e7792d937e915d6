"""raw.<feed> tables: every registry column as text in registry order, then load metadata."""

from __future__ import annotations

import psycopg
from psycopg import sql

from credit_warehouse.feeds.registry import IDENTIFIER, Feed, load_registry
from credit_warehouse.settings import ConfigurationError

RAW_SCHEMA = "raw"
LOADER_ROLE = "loader"


def _identifier(name: str) -> sql.Identifier:
    if not IDENTIFIER.match(name):
        raise ConfigurationError(f"{name!r} is not a safe identifier for a raw table or column.")
    return sql.Identifier(name)


def raw_table(feed: Feed) -> sql.Composed:
    return sql.SQL("{}.{}").format(sql.Identifier(RAW_SCHEMA), _identifier(feed.raw_table))


def row_sequence(feed: Feed) -> sql.Composed:
    return sql.SQL("{}.{}").format(sql.Identifier(RAW_SCHEMA), _identifier(f"{feed.raw_table[:50]}_row_seq"))


def _metadata_defaults(feed: Feed) -> list[tuple[str, sql.Composable]]:
    """Defaults that let PostgreSQL fill the load metadata when COPY streams a file's raw bytes: the batch
    and source come from settings local to the load transaction, row numbers from a per-feed sequence
    the loader resets for each batch (one loader per feed at a time, under the feed lock)."""
    return [
        ("_batch_id", sql.SQL("current_setting('credit_warehouse.batch_id')::bigint")),
        ("_row_number", sql.SQL("nextval({})").format(sql.Literal(row_sequence(feed).as_string(None)))),
        ("_source", sql.SQL("current_setting('credit_warehouse.source')")),
    ]


def _batch_index_name(feed: Feed) -> sql.Identifier:
    return _identifier(f"{feed.raw_table[:50]}_batch")


def summarize_new_rows(conn: psycopg.Connection, feed: Feed) -> None:
    """Summarise the BRIN ranges of the rows just loaded. An unsummarised range matches every batch id, so
    until autovacuum came by, each scan of a batch also read every batch loaded since (the gate's memo
    scans of a 100k-row batch read 400k rows on a table holding four unvacuumed batches)."""
    conn.execute(sql.SQL("select brin_summarize_new_values({}::regclass)").format(
        sql.Literal(sql.SQL("{}.{}").format(sql.Identifier(RAW_SCHEMA), _batch_index_name(feed)).as_string(conn))))


def ensure_raw_table(conn: psycopg.Connection, feed: Feed) -> None:
    """Creates raw.<feed> if missing, and adds columns the registry gained since (appended at the end).

    Existing columns are looked up first: a no-op ALTER would still take an exclusive lock on the table.
    """
    table = raw_table(feed)
    existing = {row[0]: row[1] for row in conn.execute(
        "select column_name, column_default from information_schema.columns "
        "where table_schema = %s and table_name = %s",
        (RAW_SCHEMA, feed.raw_table),
    )}
    conn.execute(sql.SQL("create sequence if not exists {}").format(row_sequence(feed)))
    if not existing:
        columns = [sql.SQL("{} text").format(_identifier(name)) for name in feed.column_names]
        columns += [
            sql.SQL("{} {} not null default {}").format(sql.Identifier(name), sql.SQL(kind), default)
            for (name, default), kind in zip(_metadata_defaults(feed), ("bigint", "bigint", "text"), strict=True)
        ]
        columns.append(sql.SQL("_loaded_at timestamptz not null default now()"))
        conn.execute(sql.SQL("create table if not exists {} ({})").format(table, sql.SQL(", ").join(columns)))
        # the gate, the quarantine and a failed-batch cleanup all select one batch. Batch ids grow with
        # insertion order, so a BRIN index finds a batch almost as well as a b-tree at a fraction of the
        # cost to COPY (measured on 200k rows of 30 columns: COPY took 1.9 s with a b-tree, 1.2 s with BRIN)
        conn.execute(sql.SQL("create index if not exists {} on {} using brin (_batch_id)").format(
            _batch_index_name(feed), table))
        return
    for name in feed.column_names:
        if name not in existing:
            conn.execute(sql.SQL("alter table {} add column if not exists {} text").format(table, _identifier(name)))
    for name, default in _metadata_defaults(feed):
        if not existing.get(name):
            conn.execute(sql.SQL("alter table {} alter column {} set default {}").format(
                table, sql.Identifier(name), default))


def ensure_raw_tables(conn: psycopg.Connection) -> list[str]:
    """Creates raw.<feed> for every registry feed, owned by the loader role; idempotent. Returns table names.

    Runs as loader even on a superuser connection, so the default privileges (transformer may read what
    loader creates in raw) apply.
    """
    names = []
    with conn.transaction():
        current = conn.execute("select current_user").fetchone()[0]
        if current != LOADER_ROLE:
            conn.execute(sql.SQL("set local role {}").format(sql.Identifier(LOADER_ROLE)))
        for feed in load_registry():
            ensure_raw_table(conn, feed)
            names.append(f"{RAW_SCHEMA}.{feed.raw_table}")
    return names
