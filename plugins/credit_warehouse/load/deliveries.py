"""How each feed's night ended (ops.feed_delivery) and for which nights the warehouse was built
(ops.warehouse_build): what the build waits on, and what the night summary reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import psycopg

from credit_warehouse.settings import database_url

DELIVERED, NOT_DELIVERED, NOT_DUE = "delivered", "not_delivered", "not_due"


@dataclass(frozen=True)
class FeedDelivery:
    feed: str
    delivery_date: date
    status: str
    batches: int = 0
    rows_received: int = 0
    rows_accepted: int = 0
    rows_quarantined: int = 0


def _connect() -> psycopg.Connection:
    return psycopg.connect(database_url(role="loader"), autocommit=True)


def record_delivery(delivery: FeedDelivery, dag_run_id: str | None = None) -> None:
    """Upsert: a rerun of the feed for the same date replaces the earlier account of it."""
    with _connect() as conn:
        conn.execute(
            """
            insert into ops.feed_delivery (feed, delivery_date, status, batches, rows_received, rows_accepted,
                rows_quarantined, dag_run_id)
            values (%s, %s, %s, %s, %s, %s, %s, %s)
            on conflict (feed, delivery_date) do update set
                status = excluded.status, batches = excluded.batches, rows_received = excluded.rows_received,
                rows_accepted = excluded.rows_accepted, rows_quarantined = excluded.rows_quarantined,
                dag_run_id = excluded.dag_run_id, recorded_at = now()
            """,
            (delivery.feed, delivery.delivery_date, delivery.status, delivery.batches, delivery.rows_received,
             delivery.rows_accepted, delivery.rows_quarantined, dag_run_id),
        )


def deliveries(day: date) -> dict[str, FeedDelivery]:
    with _connect() as conn:
        rows = conn.execute(
            "select feed, delivery_date, status, batches, rows_received, rows_accepted, rows_quarantined "
            "from ops.feed_delivery where delivery_date = %s order by feed", (day,)).fetchall()
    return {row[0]: FeedDelivery(*row) for row in rows}


def record_build(day: date, trigger: str, missing_feeds: list[str]) -> None:
    with _connect() as conn:
        conn.execute(
            """
            insert into ops.warehouse_build (delivery_date, trigger, missing_feeds) values (%s, %s, %s)
            on conflict (delivery_date) do update set
                trigger = excluded.trigger, missing_feeds = excluded.missing_feeds, built_at = now()
            """,
            (day, trigger, missing_feeds),
        )


def built_complete(day: date) -> bool:
    """Whether the warehouse was built for ``day`` with every feed due that night."""
    with _connect() as conn:
        row = conn.execute("select missing_feeds from ops.warehouse_build where delivery_date = %s",
                           (day,)).fetchone()
    return row is not None and not row[0]
