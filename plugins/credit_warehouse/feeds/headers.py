"""Mapping of source headers (Chinese labels, letter codes, JSON keys) onto registry columns."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence

from credit_warehouse.feeds.errors import FeedInputError
from credit_warehouse.feeds.registry import Feed, normalize_header

Row = tuple[str | None, ...]


def map_header(feed: Feed, headers: Sequence[str], where: str) -> list[int | None]:
    """For each source position the registry column index it fills (None: an empty header, ignored).

    Order does not matter; an unknown header, a column named twice, or a missing required column is an
    error naming the file and the header.
    """
    index = feed.header_index
    positions: list[int | None] = []
    filled: dict[int, str] = {}
    for header in headers:
        text = (header or "").strip()
        if not text:
            positions.append(None)
            continue
        column = index.get(normalize_header(text))
        if column is None:
            raise FeedInputError(f"{where}: unknown header {text!r} (not a label, code or column of the feed).")
        if column in filled:
            raise FeedInputError(
                f"{where}: headers {filled[column]!r} and {text!r} both name column {feed.columns[column].name}."
            )
        filled[column] = text
        positions.append(column)
    missing = [c for i, c in enumerate(feed.columns) if c.required and i not in filled]
    if missing:
        names = ", ".join(f"{c.name} ({c.label})" for c in missing)
        raise FeedInputError(f"{where}: required header missing: {names}.")
    return positions


def rows_in_registry_order(
    feed: Feed, positions: list[int | None], records: Iterable[Sequence], where: str, first_row: int = 1
) -> Iterator[Row]:
    """Source rows (sequences of text) rearranged into registry column order; '' becomes NULL.

    A row whose field count differs from the header is an error naming the row (a truncated file or a
    stray delimiter): loading it would shift values into the wrong columns.
    """
    width = len(positions)
    identity = positions == list(range(len(feed.columns)))
    n_columns = len(feed.columns)
    for number, record in enumerate(records, first_row):
        if len(record) != width:
            raise FeedInputError(
                f"{where}, row {number}: {len(record)} fields but the header has {width} "
                "(truncated file or stray delimiter)."
            )
        if identity:
            yield tuple([v or None for v in record])
            continue
        row: list[str | None] = [None] * n_columns
        for position, value in zip(positions, record, strict=True):
            if position is not None and value:
                row[position] = value
        yield tuple(row)


def record_to_row(feed: Feed, record: dict, where: str) -> Row:
    """A JSON object (keys are labels, codes, JSON keys or our names) as a row in registry order."""
    index = feed.header_index
    row: list[str | None] = [None] * len(feed.columns)
    for key, value in record.items():
        position = index.get(normalize_header(str(key)))
        if position is None:
            raise FeedInputError(f"{where}: unknown key {key!r} (not a label, code or column of the feed).")
        row[position] = json_value_text(value)
    return tuple(row)


def json_value_text(value: object) -> str | None:
    """Raw keeps text: JSON numbers and booleans as their JSON spelling, nested values as JSON."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    return json.dumps(value, ensure_ascii=False)
