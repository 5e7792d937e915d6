"""Mapping of source headers (Chinese labels, letter codes, JSON keys) onto registry columns."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from credit_warehouse.feeds.errors import FeedInputError
from credit_warehouse.feeds.registry import CURRENT_LAYOUT, Feed, normalize_header

Row = tuple[str | None, ...]


@dataclass(frozen=True)
class HeaderMap:
    layout: str  # the national format the header is written in (registry layouts)
    positions: list[int | None]  # for each source position, the registry column it fills (None: empty header)


def map_header(feed: Feed, headers: Sequence[str], where: str) -> HeaderMap:
    """The layout a header row is written in, and for each source position the registry column it fills.

    The layout is the one that knows every header (the current one first when several do, unless only
    another has all its required headers). Order does not matter; an unknown header, a column named
    twice, or a missing required column is an error naming the file and the header's column position:
    never its text, which in a file without a header row is the first record's data (a full ID, a secret).
    """
    texts = [(header or "").strip() for header in headers]
    named = [normalize_header(t) for t in texts if t]
    fitting = [layout for layout in feed.layouts if all(h in layout.index for h in named)]
    if not fitting:
        closest = min(feed.layouts, key=lambda layout: sum(h not in layout.index for h in named))
        unknown = next(n for n, t in enumerate(texts, 1) if t and normalize_header(t) not in closest.index)
        formats = " nor ".join(f"the {layout.name} format" for layout in feed.layouts)
        raise FeedInputError(f"{where}: unknown header in column {unknown} (not a label, code or column of the feed "
                             f"in {formats}; is the header row missing?).")
    complete = [layout for layout in fitting
                if all(feed.column_names.index(c) in {layout.index[h] for h in named} for c in layout.required)]
    layout = (complete or fitting)[0]
    positions: list[int | None] = []
    filled: dict[int, int] = {}  # registry column -> the source column (1-based) that fills it
    for number, text in enumerate(texts, 1):
        if not text:
            positions.append(None)
            continue
        column = layout.index[normalize_header(text)]
        if column in filled:
            raise FeedInputError(
                f"{where}: the headers in columns {filled[column]} and {number} both name column "
                f"{feed.columns[column].name}."
            )
        filled[column] = number
        positions.append(column)
    missing = [name for name in layout.required if feed.column_names.index(name) not in filled]
    if missing:
        names = ", ".join(f"{name} ({_label(layout, feed, name)})" for name in missing)
        raise FeedInputError(f"{where}: required header missing{_format_note(layout)}: {names}.")
    return HeaderMap(layout.name, positions)


def _label(layout, feed: Feed, name: str) -> str:
    if layout.name == CURRENT_LAYOUT:
        return feed.column(name).label
    return next((header for header, column in layout.headers if column == name), name)


def _format_note(layout) -> str:
    return "" if layout.name == CURRENT_LAYOUT else f" ({layout.name} format)"


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
