"""What every feed builder shares: delivery units (files, tables, API endpoints), date formats,
and the context of one night."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from functools import cached_property

from credit_warehouse.feeds.registry import Feed, get_feed
from credit_warehouse_dev.generator.dirt import DirtSpec
from credit_warehouse_dev.generator.subjects import SubjectPool


def format_date(day: date, style: str) -> str:
    """A date as one source system writes it (the extractor and util.parse_cn_date read them all)."""
    match style:
        case "iso":
            return day.isoformat()
        case "compact":
            return f"{day:%Y%m%d}"
        case "slash":
            return f"{day.year}/{day.month}/{day.day}"
        case "chinese":
            return f"{day.year}年{day.month:02d}月{day.day:02d}日"
        case _:
            raise ValueError(f"unknown date style {style!r}")


@dataclass(frozen=True)
class Unit:
    """One delivery of a feed: a landing file, a source table or an API endpoint."""

    key: str
    kind: str  # file | table | http
    name: str  # file name, table name or endpoint
    format: str  # csv | xlsx | jsonl | sql | json
    encoding: str | None = None
    header: str = "label"  # label | code | name, or an older layout's name (gb2016): the headers the source uses
    date_style: str = "iso"
    share: float = 1.0  # share of the feed's rows this unit carries


def _header(column, style: str) -> str:
    if style == "code" and column.code:
        return column.code
    return column.name if style == "name" else column.label


@dataclass(frozen=True)
class Night:
    seed: int
    logical_date: date
    rows: int
    pool: SubjectPool
    dirt_rate: float = 0.02
    corrections: bool = False  # carry upheld corrections of records published on earlier nights
    corrections_since: date | None = None  # earliest night those corrections touch (default: 3 days back)


@dataclass
class Built:
    """One generated row before dirt: values by our column names, and the unit it goes to."""

    values: dict[str, str]
    unit: str
    protected: bool = False  # never dirtied (a correction the tests follow through)


class FeedBuilder:
    """Subclasses set ``feed_name``, ``units`` and ``dirt`` and implement ``build``."""

    feed_name: str
    dirt_kinds: tuple[str, ...] = ()
    code_columns: tuple[str, ...] = ("uscc",)
    person_id_column: str | None = None
    org_code_column: str | None = None
    date_column: str | None = None
    matter_column: str | None = None

    def __init__(self, night: Night):
        self.night = night
        self.feed: Feed = get_feed(self.feed_name)
        self.columns = self.feed.column_names

    def units(self) -> list[Unit]:
        raise NotImplementedError

    def row_count(self) -> int:
        return self.night.rows

    def build(self, index: int, rng: random.Random) -> Built:
        raise NotImplementedError

    def dirt_spec(self) -> DirtSpec:
        required = self.feed.required_columns
        return DirtSpec(
            kinds=self.dirt_kinds,
            required=required,
            optional=tuple(c for c in self.columns if c not in required and c not in self.code_columns
                           and c != self.person_id_column),
            code_columns=self.code_columns,
            person_id_column=self.person_id_column,
            org_code_column=self.org_code_column,
            date_column=self.date_column,
            matter_column=self.matter_column,
        )

    @cached_property
    def unit_map(self) -> dict[str, Unit]:
        return {unit.key: unit for unit in self.units()}

    @cached_property
    def _unit_choice(self) -> tuple[list[str], list[float]]:
        units = list(self.unit_map.values())
        keys, weights, total = [], [], 0.0
        for unit in units:
            total += unit.share
            keys.append(unit.key)
            weights.append(total)
        return keys, weights

    def pick_unit(self, rng: random.Random) -> str:
        keys, cumulative = self._unit_choice
        return rng.choices(keys, cum_weights=cumulative)[0]

    def date_style(self, unit_key: str) -> str:
        return self.unit_map[unit_key].date_style

    def unit_columns(self, unit: Unit) -> tuple[str, ...]:
        """The columns a unit sends: all of them, or the ones an older national format has, in its order."""
        if unit.header in ("label", "code", "name"):
            return self.columns
        return tuple(column for _, column in self.feed.layout(unit.header).headers)

    def unit_headers(self, unit: Unit) -> list[str]:
        if unit.header in ("label", "code", "name"):
            return [_header(self.feed.column(c), unit.header) for c in self.columns]
        return [header for header, _ in self.feed.layout(unit.header).headers]

    def as_sent(self, values: dict[str, str], unit: Unit) -> dict[str, str]:
        """A row as the unit's format writes it (older formats recode some values; see the builders)."""
        return values

    def empty_row(self) -> dict[str, str]:
        return dict.fromkeys(self.columns, "")
