"""Bulk load of rows into raw.<feed> with PostgreSQL COPY (psycopg 3): the hot path of every night."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import psycopg
from psycopg import sql

from credit_warehouse.feeds.headers import Row
from credit_warehouse.feeds.registry import Feed
from credit_warehouse.load.raw_tables import raw_table, row_sequence
from credit_warehouse.security.id_lines import IdLines

META_COLUMNS = ("_batch_id", "_row_number", "_source")


class RefusedValue(Exception):
    """A value psycopg will not send to PostgreSQL (a NUL character): which data row and which column."""

    def __init__(self, row: int, column: str | None, reason: str):
        super().__init__(reason)
        self.row, self.column, self.reason = row, column, reason


def copy_rows(
    conn: psycopg.Connection,
    feed: Feed,
    batch_id: int,
    rows: Iterable[Row],
    source: str | Callable[[int], str],
) -> int:
    """COPY rows (registry order) into raw.<feed> inside the caller's transaction; returns the row count.

    _row_number counts data rows from 1. ``source`` is the text of raw._source, or a function of the
    row number (API pages). _loaded_at takes its default, the transaction's start time.
    """
    columns = sql.SQL(", ").join(sql.Identifier(name) for name in (*feed.column_names, *META_COLUMNS))
    statement = sql.SQL("copy {} ({}) from stdin").format(raw_table(feed), columns)
    number, row = 0, ()
    try:
        with conn.cursor() as cursor, cursor.copy(statement) as copy:
            write_row = copy.write_row
            if isinstance(source, str):
                for number, row in enumerate(rows, 1):  # noqa: B007 (number is the count after the loop)
                    write_row((*row, batch_id, number, source))
            else:
                for number, row in enumerate(rows, 1):  # noqa: B007
                    write_row((*row, batch_id, number, source(number)))
    except psycopg.DataError as exc:
        if exc.diag.message_primary is not None:
            raise  # PostgreSQL's own refusal: its context names the line and column
        # refused before it left (psycopg's own check): name the row and the column, never the value
        column = next((feed.columns[i].name for i, value in enumerate(row[: len(feed.columns)])
                       if isinstance(value, str) and "\x00" in value), None)
        raise RefusedValue(number, column, "a NUL character, which PostgreSQL text cannot hold") from None
    return number


# PostgreSQL's names of the encodings the file extractor detects
PG_ENCODINGS = {"utf-8": "UTF8", "utf-8-sig": "UTF8", "gbk": "GBK", "gb18030": "GB18030"}


def copy_csv_bytes(
    conn: psycopg.Connection,
    feed: Feed,
    batch_id: int,
    path: Path,
    header_columns: list[str],
    delimiter: str,
    encoding: str,
    source: str,
) -> tuple[int, list[int] | None]:
    """COPY a CSV file's bytes as they are into raw.<feed>, PostgreSQL decoding and parsing (the fast path).

    Only for a clean layout (every header maps to a column); the caller runs it inside a savepoint and
    falls back to the Python path on any error, which then names the row and field. Quoted empty
    fields become NULL like unquoted ones (FORCE_NULL), as in the Python path.

    Returns the record count and, for a feed bearing personal data, the rows that may hold a resident-ID
    number (read off the bytes as they stream, see IdLines), or None when they cannot be told: a value
    spans lines or a line ends with a bare CR, so a line number is not a row number.
    """
    conn.execute(
        "select set_config('credit_warehouse.batch_id', %s, true), set_config('credit_warehouse.source', %s, true)",
        (str(batch_id), source),
    )
    conn.execute(sql.SQL("select setval({}, 1, false)").format(sql.Literal(row_sequence(feed).as_string(None))))
    columns = sql.SQL(", ").join(sql.Identifier(name) for name in header_columns)
    statement = sql.SQL(
        "copy {} ({}) from stdin (format csv, header true, delimiter {}, encoding {}, force_null ({}))"
    ).format(raw_table(feed), columns, sql.Literal(delimiter), sql.Literal(PG_ENCODINGS[encoding]), columns)
    lines = LineCounter()
    ids = IdLines(encoding) if feed.personal_id_columns else None
    with conn.cursor() as cursor:
        with cursor.copy(statement) as copy, path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                lines.feed(chunk)
                if ids:
                    ids.feed(chunk)
                copy.write(chunk)
        records = cursor.rowcount
    account_for_lines(conn, feed, batch_id, source, lines.total, records)
    if ids is None or lines.total != 1 + records or ids.newlines != lines.ends:
        return records, None
    return records, [line - 1 for line in ids.finish() if line > 1]  # line 1 is the header


class LineCounter:
    """Physical lines of a file as PostgreSQL's CSV reader sees them (LF, CRLF or CR ends a line), counted
    from the bytes while they stream (GB18030, GBK and UTF-8 never hold CR or LF inside a character)."""

    def __init__(self) -> None:
        self.ends = 0
        self._last = b""

    def feed(self, chunk: bytes) -> None:
        pairs = chunk.count(b"\r\n") + (self._last == b"\r" and chunk[:1] == b"\n")
        self.ends += chunk.count(b"\n") + chunk.count(b"\r") - pairs
        self._last = chunk[-1:]

    @property
    def total(self) -> int:
        return self.ends + (self._last not in (b"", b"\n", b"\r"))  # a last line without its line end


class LinesUnaccounted(Exception):
    """The file's lines are not all in the records COPY read (header, records and line breaks inside values)."""


def account_for_lines(conn: psycopg.Connection, feed: Feed, batch_id: int, source: str, lines: int,
                      records: int) -> None:
    """Every line of the file is the header, a record, or a line break inside a quoted value: counted
    independently of the parser, so a file whose lines did not all arrive as records is refused."""
    if lines == 1 + records:
        return
    breaks = sql.SQL(" + ").join(
        sql.SQL("coalesce(array_length(regexp_split_to_array({}, {}), 1) - 1, 0)").format(
            sql.Identifier(name), sql.Literal("\r\n|\r|\n"))
        for name in feed.column_names)
    inside = conn.execute(sql.SQL("select coalesce(sum({}), 0) from {} where _batch_id = %s").format(
        breaks, raw_table(feed)), (batch_id,)).fetchone()[0]
    if lines != 1 + records + inside:
        raise LinesUnaccounted(
            f"feed {feed.name}, file {source}: {lines} lines but the header, {records} records and {inside} line "
            f"break(s) inside quoted values account for {1 + records + inside}; nothing was loaded.")
