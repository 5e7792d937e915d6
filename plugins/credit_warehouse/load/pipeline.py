"""One feed, one logical date: extract every source unit and load each as one batch into raw.

Source units: each landed file, the court API pull of the date, or the watermark window ending at
the end of the date. Bad input never raises: it is recorded in the ledger (status failed, error text
naming feed, file, row and field) and returned as a BatchOutcome. Only a fault of the warehouse
itself (database down, a bug) raises, so Airflow retries the task.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

import psycopg
from psycopg import sql as pgsql

from credit_warehouse.feeds import files, http, sql
from credit_warehouse.feeds.errors import FeedInputError, SourceUnavailable
from credit_warehouse.feeds.headers import Row, record_to_row
from credit_warehouse.feeds.registry import Feed, get_feed
from credit_warehouse.load import ledger, pages
from credit_warehouse.load.copy import LinesUnaccounted, RefusedValue, copy_csv_bytes, copy_rows
from credit_warehouse.load.raw_tables import ensure_raw_table, summarize_new_rows
from credit_warehouse.security.vault import tokenise_batch
from credit_warehouse.settings import PLATFORM_TZ, ConfigurationError, database_url

log = logging.getLogger(__name__)



@dataclass(frozen=True)
class BatchOutcome:
    feed: str
    source: str  # file, API pull or watermark window
    batch_id: int | None
    status: str  # loaded | failed | skipped, or the ledger status of the earlier batch when already_loaded
    rows_received: int
    message: str
    already_loaded: bool = False


def extract_and_load(feed: str | Feed, logical_date: date) -> list[BatchOutcome]:
    """Extracts and loads everything of one feed for one logical date; one outcome per source unit."""
    if isinstance(feed, str):
        try:
            feed = get_feed(feed)
        except ConfigurationError as exc:
            return [BatchOutcome(feed, "", None, "failed", 0, str(exc))]
    with _loader_connection(feed) as conn:
        if feed.source.kind == "file":
            paths = files.landing_files(feed, logical_date)
            if not paths:
                folder = files.landing_folder(feed, logical_date)
                log.warning("feed %s: no files delivered for %s in %s", feed.name, logical_date, folder)
            return [_load_file(conn, feed, logical_date, path) for path in paths]
        if feed.source.kind == "http":
            return [_load_api_pull(conn, feed, logical_date)]
        return [_load_watermark_window(conn, feed, logical_date)]


@contextmanager
def _loader_connection(feed: Feed) -> Iterator[psycopg.Connection]:
    with psycopg.connect(database_url(role="loader"), autocommit=True) as conn:
        ledger.lock_feed(conn, feed)
        ensure_raw_table(conn, feed)
        yield conn


def _already(feed: Feed, source: str, batch: ledger.LedgerBatch) -> BatchOutcome:
    message = (f"feed {feed.name}: {source} already loaded as batch {batch.batch_id} "
               f"(status {batch.status}); nothing added.")
    log.info(message)
    return BatchOutcome(feed.name, source, batch.batch_id, batch.status, batch.rows_received or 0, message, True)


def _failed_before_batch(conn, feed: Feed, logical_date: date, source: str, sha256: str, error: str,
                         bytes_received: int | None = None) -> BatchOutcome:
    """A source refused before reading (size, format, encoding): still one failed batch in the ledger."""
    ledger.supersede_unfinished(conn, feed, source, sha256)
    batch_id = ledger.open_batch(conn, feed, logical_date, source, sha256, bytes_received)
    ledger.mark_failed(conn, feed, batch_id, error)
    log.error(error)
    return BatchOutcome(feed.name, source, batch_id, "failed", 0, error)


def _load_batch(
    conn: psycopg.Connection,
    feed: Feed,
    batch_id: int,
    source: str,
    rows: Callable[[], Iterator[Row]],
    row_source: str | Callable[[int], str],
    bytes_received: int | None,
    after_copy: Callable[[], None] | None = None,
) -> BatchOutcome:
    """COPY the rows and mark the batch loaded in one transaction; on bad input roll back and mark it failed."""
    try:
        with conn.transaction():
            count = copy_rows(conn, feed, batch_id, rows(), row_source)
            if after_copy:
                after_copy()
            _finish_batch(conn, feed, batch_id, count, bytes_received)
    except FeedInputError as exc:
        return _record_failure(conn, feed, batch_id, source, str(exc))
    except psycopg.DataError as exc:
        return _record_failure(conn, feed, batch_id, source, _copy_error(feed, source, exc))
    except RefusedValue as exc:
        field = f", field {exc.column}" if exc.column else ""
        return _record_failure(conn, feed, batch_id, source, f"feed {feed.name}, {source}, row {exc.row}{field}: "
                               f"{exc.reason}; remove it and deliver again.")
    except BaseException as exc:
        _record_failure(conn, feed, batch_id, source, f"feed {feed.name}, {source}: loading stopped by an internal "
                        f"error ({type(exc).__name__}); see the task log.")
        raise
    return _loaded(feed, source, batch_id, count)


def _finish_batch(conn: psycopg.Connection, feed: Feed, batch_id: int, count: int,
                  bytes_received: int | None, id_rows: list[int] | None = None) -> None:
    """Inside the load transaction: vault resident IDs (only in ``id_rows`` when the file's bytes told which
    rows may hold one), mark the batch loaded. Values over their length limit are loaded whole, never
    truncated: the gate's one pass quarantines their rows, naming row and field."""
    tokenise_batch(conn, feed, batch_id, id_rows)
    ledger.mark_loaded(conn, batch_id, count, bytes_received)
    summarize_new_rows(conn, feed)
    # the gate plans its pass right after: on statistics that know the batch's rows, not a table seen empty
    # or one where the new batch's id is unknown (ANALYZE samples 30,000 rows whatever the table's size)
    conn.execute(pgsql.SQL("analyze {}").format(pgsql.Identifier("raw", feed.raw_table)))


def _loaded(feed: Feed, source: str, batch_id: int, count: int) -> BatchOutcome:
    message = f"feed {feed.name}: {source} loaded as batch {batch_id}, {count} rows."
    log.info(message)
    return BatchOutcome(feed.name, source, batch_id, "loaded", count, message)


def _record_failure(conn: psycopg.Connection, feed: Feed, batch_id: int, source: str, error: str) -> BatchOutcome:
    ledger.mark_failed(conn, feed, batch_id, error)
    log.error(error)
    return BatchOutcome(feed.name, source, batch_id, "failed", 0, error)


def _copy_error(feed: Feed, source: str, exc: psycopg.DataError) -> str:
    """PostgreSQL refused a value (e.g. a NUL character); its context names the COPY line = our row number."""
    context = (exc.diag.context or "").strip()
    where = ""
    if ", line " in context:
        where = ", row " + context.split(", line ", 1)[1].split(",", 1)[0].split(":", 1)[0]
        if ", column " in context:
            where += ", field " + context.split(", column ", 1)[1].split(":", 1)[0]
    reason = (exc.diag.message_primary or type(exc).__name__).split(":", 1)[0]
    return f"feed {feed.name}, {source}{where}: PostgreSQL refused the value ({reason})."


# --- files -----------------------------------------------------------------------------------------


def _load_file(conn: psycopg.Connection, feed: Feed, logical_date: date, path: Path) -> BatchOutcome:
    source = f"file {files.display_name(path)}"
    try:
        facts = files.inspect_file(feed, path)
    except FeedInputError as exc:
        size = path.stat().st_size
        # the bytes were not (all) read: the identity of a refused file is its name and size
        sha256 = hashlib.sha256(f"refused|{files.display_name(path)}|{size}".encode()).hexdigest()
        return _failed_before_batch(conn, feed, logical_date, source, sha256, str(exc), size)
    earlier = ledger.live_batch_by_sha(conn, feed, facts.sha256)
    if earlier:
        return _already(feed, source, earlier)
    ledger.supersede_unfinished(conn, feed, files.display_name(path), facts.sha256)
    batch_id = ledger.open_batch(conn, feed, logical_date, files.display_name(path), facts.sha256, facts.size)
    if facts.format == "csv":
        fast = _copy_csv_fast(conn, feed, batch_id, facts)
        if fast is not None:
            return fast
    layout: list[str] = []  # the header's national format, heard before the first row
    return _load_batch(conn, feed, batch_id, source, lambda: files.read_rows(feed, facts, layout.append),
                       facts.name, facts.size,
                       after_copy=lambda: ledger.set_layout(conn, batch_id, layout[0] if layout else None))


def _copy_csv_fast(conn: psycopg.Connection, feed: Feed, batch_id: int, facts: files.FileFacts) -> BatchOutcome | None:
    """The CSV's bytes straight into COPY (PostgreSQL decodes and parses: the fastest way in). None when the
    layout is not clean or PostgreSQL refuses the file: the Python path then loads it or names the bad row."""
    try:
        layout = files.csv_layout(feed, facts)
    except (FeedInputError, UnicodeDecodeError):
        return None  # the Python path reports it, naming the line
    if not layout.clean:
        return None
    header_columns = [feed.columns[p].name for p in layout.positions]
    try:
        with conn.transaction():
            count, id_rows = copy_csv_bytes(conn, feed, batch_id, facts.path, header_columns, layout.delimiter,
                                            facts.encoding, facts.name)
            ledger.set_layout(conn, batch_id, layout.layout)
            _finish_batch(conn, feed, batch_id, count, facts.size, id_rows)
    except LinesUnaccounted as exc:
        return _record_failure(conn, feed, batch_id, f"file {facts.name}", str(exc))
    except psycopg.Error as exc:
        log.info("feed %s, file %s: COPY of the raw bytes refused (%s); loading through the Python path",
                 feed.name, facts.name, (exc.diag.message_primary or type(exc).__name__).split(":", 1)[0])
        return None
    return _loaded(feed, f"file {facts.name}", batch_id, count)


# --- court API -------------------------------------------------------------------------------------


def _load_api_pull(conn: psycopg.Connection, feed: Feed, logical_date: date) -> BatchOutcome:
    identity = http.pull_identity(feed, logical_date)
    source = f"API pull {identity}"
    sha256 = hashlib.sha256(f"{feed.name}|{identity}".encode()).hexdigest()
    earlier = ledger.live_batch_by_sha(conn, feed, sha256)
    if earlier:
        return _already(feed, source, earlier)
    ledger.supersede_unfinished(conn, feed, identity, sha256, logical_date)
    batch_id = ledger.open_batch(conn, feed, logical_date, identity, sha256)

    try:
        note = _pull_pages(conn, feed, logical_date)
    except SourceUnavailable as exc:
        _record_failure(conn, feed, batch_id, source, str(exc))
        raise  # the task fails and is retried; the pages stored so far are kept for the resumed pull
    except (FeedInputError, ConfigurationError) as exc:
        return _record_failure(conn, feed, batch_id, source, str(exc))
    last, total, size = pages.stored_pages(conn, feed, logical_date)
    if total is None or last < total:
        return _record_failure(conn, feed, batch_id, source,
                               f"feed {feed.name}, {source}: only {last} of {total} pages could be stored.")
    stored, announced = pages.item_counts(conn, feed, logical_date, last)
    if announced is not None and stored != announced:
        pages.clear_pages(conn, feed, logical_date)  # a rerun pulls the whole date again
        return _record_failure(conn, feed, batch_id, source,
                               f"feed {feed.name}, {source}: the API announced {announced} items but its {last} "
                               f"page(s) held {stored}; nothing was loaded (a source changing during the pull, or "
                               "its page count understated).")
    repeated = pages.repeated_across_pages(conn, feed, logical_date, last)
    if repeated:
        pages.clear_pages(conn, feed, logical_date)
        return _record_failure(conn, feed, batch_id, source,
                               f"feed {feed.name}, {source}: an item of page {repeated[1]} repeats one of page "
                               f"{repeated[0]} (the source changed during the pull, so another item was missed); "
                               "nothing was loaded and a rerun pulls the whole date again.")

    endpoint = feed.source.endpoint
    page_of_row: list[int] = []

    def rows() -> Iterator[Row]:
        # a second connection reads the stored pages while the first one is busy with COPY
        with psycopg.connect(database_url(role="loader")) as reader:
            for number, items in pages.iter_stored_pages(reader, feed, logical_date, last):
                for position, item in enumerate(items, 1):
                    where = f"feed {feed.name}, page {number} of {endpoint} for {logical_date}, item {position}"
                    page_of_row.append(number)
                    yield record_to_row(feed, item, where)

    def row_source(row_number: int) -> str:
        return f"{endpoint}?date={logical_date}&page={page_of_row[row_number - 1]}"

    outcome = _load_batch(conn, feed, batch_id, source, rows, row_source, size,
                          after_copy=lambda: pages.clear_pages(conn, feed, logical_date))
    if note and outcome.status == "loaded":
        outcome = BatchOutcome(**{**outcome.__dict__, "message": outcome.message + note})
    return outcome


def _pull_pages(conn: psycopg.Connection, feed: Feed, logical_date: date) -> str:
    """Fetch and store every page not stored yet; returns how the pull resumed ('' when it did not).

    A resumed pull first fetches its last stored page again: when its item keys are no longer the stored
    ones, the source has shifted (items added or removed before it) and resuming would lose one item and
    double another, so the stored pages are dropped and the date is pulled again from page 1.
    """
    last, total, _ = pages.stored_pages(conn, feed, logical_date)
    if total is not None and last >= total:
        return ""
    start, note = 1, ""
    if last:
        pager = http.iter_pages(feed, logical_date, start_page=last)
        try:
            again = next(pager, None)
        finally:
            pager.close()
        if again is not None and pages.item_keys(feed, again.items) == pages.item_keys(
                feed, pages.stored_page(conn, feed, logical_date, last)):
            start, note = last + 1, f" Resumed at page {last + 1}."
        else:
            pages.clear_pages(conn, feed, logical_date)
            note = f" The source changed since page {last} was stored, so the date was pulled again from page 1."
    for page in http.iter_pages(feed, logical_date, start_page=start):
        pages.store_page(conn, feed, logical_date, page)
    return note


# --- SQL sources -----------------------------------------------------------------------------------


def watermark_end(logical_date: date) -> datetime:
    """The end of a logical date's window: the next midnight in the platform's time zone."""
    return datetime.combine(logical_date + timedelta(days=1), time(0), tzinfo=PLATFORM_TZ)


def _load_watermark_window(conn: psycopg.Connection, feed: Feed, logical_date: date) -> BatchOutcome:
    try:
        table = sql.source_label(feed)
    except ConfigurationError as exc:
        return BatchOutcome(feed.name, "", None, "failed", 0, f"feed {feed.name}: {exc}")
    earlier = ledger.live_batch_by_date(conn, feed, logical_date)
    if earlier:
        return _already(feed, f"watermark window of {logical_date}", earlier)
    upto = min(watermark_end(logical_date), datetime.now(PLATFORM_TZ))
    since = ledger.previous_watermark(conn, feed, upto)
    column = feed.source.watermark_column
    identity = f"{table} {column} in ({since.isoformat() if since else '-infinity'}, {upto.isoformat()}]"
    source = f"window {identity}"
    if since is not None and since >= upto:
        message = f"feed {feed.name}: {source} is empty, an earlier batch already covers it; nothing added."
        log.info(message)
        return BatchOutcome(feed.name, source, None, "skipped", 0, message)
    sha256 = hashlib.sha256(f"{feed.name}|{identity}".encode()).hexdigest()
    earlier = ledger.live_batch_by_sha(conn, feed, sha256)
    if earlier:
        return _already(feed, source, earlier)
    ledger.supersede_unfinished(conn, feed, identity, sha256, logical_date)
    batch_id = ledger.open_batch(conn, feed, logical_date, identity, sha256, None, since, upto)
    # re-read the margin before the window: rows committed late with an earlier updated_at
    read_from = since - timedelta(minutes=feed.source.overlap_minutes) if since is not None else None
    return _load_batch(conn, feed, batch_id, source, lambda: sql.window_rows(feed, read_from, upto), table, None)
