"""Helpers for reading a generated night back: every delivery as rows keyed by our column names."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from credit_warehouse.feeds.headers import map_header
from credit_warehouse.feeds.registry import get_feed
from credit_warehouse_dev.generator.night import generate_night

NIGHT = date(2024, 5, 10)


def _column_for(feed: str) -> dict[str, str]:
    return {header: column.name for column in get_feed(feed).columns for header in column.headers}


def read_unit(feed: str, unit: dict, landing: Path) -> Iterator[dict[str, str]]:
    """Rows of one delivery unit (file or court store) as {column: text}."""
    mapping = _column_for(feed)
    if unit["kind"] == "http" or unit.get("format") == "jsonl":
        path = Path(unit["store"]) if unit["kind"] == "http" else landing / unit["path"]
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                yield {mapping[k]: str(v) for k, v in json.loads(line).items()}
        return
    path = landing / unit["path"]
    if unit["format"] == "xlsx":
        table = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
        header, body = table[0], table[1:]
    else:
        with path.open(encoding=unit["encoding"], newline="") as handle:
            header, *body = list(csv.reader(handle))
    spec = get_feed(feed)
    names = [spec.columns[p].name for p in map_header(spec, header, unit["path"]).positions]  # any national format
    for values in body:
        yield {name: str(v) for name, v in zip(names, values, strict=True)}


def read_dirt(report) -> list[dict]:
    with report.dirt_path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


@pytest.fixture(scope="module")
def night(tmp_path_factory):
    """One night of file and court feeds (no source database), 400 rows per feed, a 5% dirt rate."""
    root = tmp_path_factory.mktemp("night")
    report = generate_night(NIGHT, seed=11, rows=400, dirt_rate=0.05, landing=root / "landing",
                            store=root / "courts", source_database=None)
    return report, root / "landing"
