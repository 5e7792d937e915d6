"""The load ledger ops.load_batch: one row per batch; it makes reruns safe.

Status flow here: received -> loaded, or received -> failed; a rerun marks earlier failed (or
interrupted) batches of the same source superseded after deleting any rows they left in raw. The gate
later moves loaded batches to accepted or rejected.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import psycopg
from psycopg import sql

from credit_warehouse.feeds.registry import Feed
from credit_warehouse.load.raw_tables import raw_table

# every other status means the source is in the warehouse; 'received' is excluded because lookups run
# under the feed lock, where a batch still 'received' belongs to a run that died before loading
LIVE_EXCLUDED = ("failed", "superseded", "received")


@dataclass(frozen=True)
class LedgerBatch:
    batch_id: int
    status: str
    rows_received: int | None
    logical_date: date
    source_identity: str


def lock_feed(conn: psycopg.Connection, feed: Feed) -> None:
    """One loader per feed at a time (session lock, released when the connection closes): two runs of
    the same night cannot both decide a file is new."""
    conn.execute("select pg_advisory_lock(hashtext('credit_warehouse.feeds'), hashtext(%s))", (feed.name,))


def _batch(row) -> LedgerBatch | None:
    return LedgerBatch(*row) if row else None


def live_batch_by_sha(conn: psycopg.Connection, feed: Feed, sha256: str) -> LedgerBatch | None:
    """The batch that already brought these source bytes (or this API pull / watermark window)."""
    return _batch(conn.execute(
        "select batch_id, status, rows_received, logical_date, source_identity from ops.load_batch "
        "where feed = %s and source_sha256 = %s "
        "and status <> all(%s) order by batch_id desc limit 1",
        (feed.name, sha256, list(LIVE_EXCLUDED)),
    ).fetchone())


def live_batch_by_date(conn: psycopg.Connection, feed: Feed, logical_date: date) -> LedgerBatch | None:
    return _batch(conn.execute(
        "select batch_id, status, rows_received, logical_date, source_identity from ops.load_batch "
        "where feed = %s and logical_date = %s "
        "and status <> all(%s) order by batch_id desc limit 1",
        (feed.name, logical_date, list(LIVE_EXCLUDED)),
    ).fetchone())


def supersede_unfinished(
    conn: psycopg.Connection, feed: Feed, source_identity: str, sha256: str, logical_date: date | None = None
) -> list[int]:
    """Earlier failed or interrupted ('received') batches of the same source (same identity or bytes, or for
    watermark and API sources the same logical date): their raw rows are deleted and they are marked
    superseded. Called under the feed lock, so a 'received' batch is a dead run's."""
    with conn.transaction():
        ids = [row[0] for row in conn.execute(
            "select batch_id from ops.load_batch where feed = %s "
            "and (source_identity = %s or source_sha256 = %s or logical_date = %s) "
            "and status in ('failed', 'received') for update",
            (feed.name, source_identity, sha256, logical_date),
        )]
        if ids:
            conn.execute(sql.SQL("delete from {} where _batch_id = any(%s)").format(raw_table(feed)), (ids,))
            conn.execute(
                "update ops.load_batch set status = 'superseded', finished_at = coalesce(finished_at, now()), "
                "error_text = coalesce(error_text, 'interrupted before it finished loading') "
                "where batch_id = any(%s)",
                (ids,),
            )
    return ids


def open_batch(
    conn: psycopg.Connection,
    feed: Feed,
    logical_date: date,
    source_identity: str,
    sha256: str,
    bytes_received: int | None = None,
    watermark_from: datetime | None = None,
    watermark_to: datetime | None = None,
) -> int:
    """Records a batch as received (committed at once, so even a crash leaves a trace) and returns its id."""
    with conn.transaction():
        return conn.execute(
            "insert into ops.load_batch (feed, logical_date, source_identity, source_sha256, status, "
            "bytes_received, watermark_from, watermark_to) values (%s, %s, %s, %s, 'received', %s, %s, %s) "
            "returning batch_id",
            (feed.name, logical_date, source_identity, sha256, bytes_received, watermark_from, watermark_to),
        ).fetchone()[0]


def set_layout(conn: psycopg.Connection, batch_id: int, layout: str | None) -> None:
    """Records the national format of a file batch (inside the load transaction)."""
    conn.execute("update ops.load_batch set source_layout = %s where batch_id = %s", (layout, batch_id))


def mark_loaded(conn: psycopg.Connection, batch_id: int, rows_received: int, bytes_received: int | None) -> None:
    """Inside the load transaction: the batch's rows and its status commit together."""
    conn.execute(
        "update ops.load_batch set status = 'loaded', rows_received = %s, "
        "bytes_received = coalesce(%s, bytes_received), loaded_at = clock_timestamp() where batch_id = %s",
        (rows_received, bytes_received, batch_id),
    )


def mark_failed(conn: psycopg.Connection, feed: Feed, batch_id: int, error_text: str) -> None:
    """Records the failure; any rows the batch left in raw are deleted in the same transaction."""
    with conn.transaction():
        conn.execute(sql.SQL("delete from {} where _batch_id = %s").format(raw_table(feed)), (batch_id,))
        conn.execute(
            "update ops.load_batch set status = 'failed', error_text = %s, finished_at = clock_timestamp() "
            "where batch_id = %s",
            (error_text, batch_id),
        )


def previous_watermark(conn: psycopg.Connection, feed: Feed, upto: datetime) -> datetime | None:
    """Where the next watermark window starts: the end of the latest live window that ends by ``upto``."""
    return conn.execute(
        "select max(watermark_to) from ops.load_batch where feed = %s and status <> all(%s) "
        "and watermark_to <= %s",
        (feed.name, list(LIVE_EXCLUDED), upto),
    ).fetchone()[0]
