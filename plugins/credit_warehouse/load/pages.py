"""ops.feed_page: court API pages fetched but not yet loaded, so a failed pull resumes by page."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import psycopg
from psycopg.types.json import Jsonb

from credit_warehouse.feeds.headers import json_value_text
from credit_warehouse.feeds.http import Page
from credit_warehouse.feeds.registry import Feed, normalize_header


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
        yield number, stored_page(conn, feed, logical_date, number)


def stored_page(conn: psycopg.Connection, feed: Feed, logical_date: date, number: int) -> list:
    """The items of one stored page (empty when it is not stored)."""
    row = conn.execute("select items from ops.feed_page where feed = %s and logical_date = %s and page = %s",
                       (feed.name, logical_date, number)).fetchone()
    return row[0] if row else []


def clear_pages(conn: psycopg.Connection, feed: Feed, logical_date: date) -> None:
    conn.execute("delete from ops.feed_page where feed = %s and logical_date = %s", (feed.name, logical_date))


def item_keys(feed: Feed, items: list) -> list[tuple]:
    """The business key of each item, in page order (keys matched as record_to_row matches them)."""
    index = feed.header_index
    positions = [feed.column_names.index(name) for name in feed.business_key]
    keys = []
    for item in items:
        by_position = {index.get(normalize_header(str(key))): value for key, value in item.items()}
        keys.append(tuple(json_value_text(by_position.get(position)) for position in positions))
    return keys


def repeated_across_pages(conn: psycopg.Connection, feed: Feed, logical_date: date,
                          last: int) -> tuple[int, int] | None:
    """(earlier page, later page) of the first item whose key appears again on a later page: a source that
    shifted under a paged pull doubles the item at a page boundary (and loses another)."""
    seen: dict[tuple, int] = {}
    for number, items in iter_stored_pages(conn, feed, logical_date, last):
        keys = item_keys(feed, items)
        for key in keys:
            if key in seen and seen[key] != number:
                return seen[key], number
        seen.update((key, number) for key in keys if key not in seen)
    return None
