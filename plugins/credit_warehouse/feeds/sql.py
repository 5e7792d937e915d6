"""The utility billing databases: rows changed inside a watermark window (updated_at in (from, to]).

Read through SQLAlchemy with a server-side cursor, so memory stays flat. Values are cast to text in
the source database: raw keeps what the source said, in PostgreSQL's own text form.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, NoSuchTableError, OperationalError

from credit_warehouse.feeds.errors import FeedInputError
from credit_warehouse.feeds.headers import Row
from credit_warehouse.feeds.registry import Feed
from credit_warehouse.settings import SOURCE_DB, database_url, sqlalchemy_url

FETCH_ROWS = 10_000


def url_env(feed: Feed) -> str:
    """The environment variable that overrides the source URL of this feed (e.g. the real billing system)."""
    return feed.source.url_env or f"CREDIT_WAREHOUSE_{feed.name.upper()}_SOURCE_URL"


def source_url(feed: Feed) -> str:
    url = os.environ.get(url_env(feed), "").strip()
    if not url:
        url = database_url(feed.source.database or SOURCE_DB, role="loader")
    return sqlalchemy_url(url)


def source_label(feed: Feed) -> str:
    """Database and table, for messages and raw._source (no credentials)."""
    parts = urlsplit(source_url(feed))
    return f"{parts.path.lstrip('/')}.{feed.source.table}"


def _where(feed: Feed) -> str:
    parts = urlsplit(source_url(feed))
    host = parts.netloc.rsplit("@", 1)[-1]
    return f"feed {feed.name}, source table {feed.source.table} in database {parts.path.lstrip('/')} at {host}"


def window_rows(feed: Feed, watermark_from: datetime | None, watermark_to: datetime) -> Iterator[Row]:
    """Rows of the source table with watermark_from < updated_at <= watermark_to, in registry column order."""
    where = _where(feed)
    engine = sa.create_engine(source_url(feed), poolclass=sa.pool.NullPool)
    try:
        try:
            connection = engine.connect()
        except OperationalError as exc:
            # psycopg says 'connection failed: connection to server at "h", port p failed: Connection refused'
            first_line = str(exc.orig).strip().splitlines()[0] if exc.orig else ""
            reason = first_line.rsplit("failed: ", 1)[-1].strip() or "connection failed"
            raise FeedInputError(f"{where}: the source database is unreachable ({reason}).") from None
        with connection:
            table = _reflect(connection, feed, where)
            watermark = table.c[feed.source.watermark_column]
            query = sa.select(*[sa.cast(table.c[name], sa.Text) for name in feed.column_names]).where(
                watermark <= watermark_to
            )
            if watermark_from is not None:
                query = query.where(watermark > watermark_from)
            query = query.order_by(watermark)
            try:
                result = connection.execution_options(stream_results=True, yield_per=FETCH_ROWS).execute(query)
                for row in result:
                    yield tuple(row)
            except DBAPIError as exc:
                raise FeedInputError(f"{where}: reading failed ({type(exc.orig).__name__}).") from None
    finally:
        engine.dispose()


def _reflect(connection: sa.Connection, feed: Feed, where: str) -> sa.Table:
    try:
        table = sa.Table(feed.source.table, sa.MetaData(), autoload_with=connection)
    except NoSuchTableError:
        raise FeedInputError(f"{where}: the table does not exist.") from None
    wanted = (*feed.column_names, feed.source.watermark_column)
    missing = [name for name in wanted if name not in table.c]
    if missing:
        raise FeedInputError(f"{where}: column {missing[0]} is missing from the source table.")
    return table
