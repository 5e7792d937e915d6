"""ops.feed_page: court API pages fetched but not yet loaded, so a failed pull resumes by page."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import psycopg
from psycopg.types.json import Jsonb

from credit_warehouse.feeds.http import Page
from credit_warehouse.feeds.registry import Feed


def stored_pages(conn: psycopg.Connection, feed: Feed, logical_date: date) -> tuple[int, int | None, int]:
    """(last page of the unbroken run 1..K already stored, total pages the API announced, bytes stored)."""
    rows = conn.execute(
        "select page, total_pages, size_bytes from ops.feed_page where feed = %s and logical_date = %s order by page",
        (feed.name, logical_date),
    ).fetchall()
    last, total, size = 0, None, 0
    for page, total_pages, size_bytes in rows:
        if page != last + 1:
            break
        last, total, size = page, total_pages, size + size_bytes
    return last, total, size


def item_counts(conn: psycopg.Connection, feed: Feed, logical_date: date, last: int) -> tuple[int, int | None]:
    """(items stored in pages 1..last, the item count the API announced on the last of them)."""
    stored, announced = conn.execute(
        "select coalesce(sum(jsonb_array_length(items)), 0), "
        "(array_agg(total_items order by page desc))[1] "
        "from ops.feed_page where feed = %s and logical_date = %s and page <= %s",
        (feed.name, logical_date, last),
    ).fetchone()
    return int(stored), announced


def store_page(conn: psycopg.Connection, feed: Feed, logical_date: date, page: Page) -> None:
    with conn.transaction():
        conn.execute(
            "insert into ops.feed_page (feed, logical_date, page, total_pages, size_bytes, items, total_items) "
            "values (%s, %s, %s, %s, %s, %s, %s) on conflict (feed, logical_date, page) do update set "
            "total_pages = excluded.total_pages, size_bytes = excluded.size_bytes, items = excluded.items, "
            "total_items = excluded.total_items, fetched_at = now()",
            (feed.name, logical_date, page.number, page.total_pages, page.size_bytes, Jsonb(page.items),
             page.total_items),
        )


def iter_stored_pages(conn: psycopg.Connection, feed: Feed, logical_date: date, last: int) -> Iterator[tuple[int,
                                                                                                        list]]:
    """Pages 1..last, one at a time (only one page is in memory)."""
    for number in range(1, last + 1):
        row = conn.execute(
            "select items from ops.feed_page where feed = %s and logical_date = %s and page = %s",
            (feed.name, logical_date, number),
        ).fetchone()
        yield number, row[0]


def clear_pages(conn: psycopg.Connection, feed: Feed, logical_date: date) -> None:
    conn.execute("delete from ops.feed_page where feed = %s and logical_date = %s", (feed.name, logical_date))
