"""One night of synthetic feeds: every feed's rows streamed to its deliveries, dirt injected and
recorded, and a manifest that says what was made and which rows must end in quarantine.

Outputs
- file feeds: ``<landing root>/<feed>/<date>/<file>``
- utility feeds: rows of ``water_bill`` / ``power_bill`` / ``gas_bill`` in the source database
- court feeds: ``<court store>/<date>/<endpoint>.jsonl`` for the court API server
- ``<landing root>/_manifests/<date>.json`` (summary) and ``<date>.dirt.jsonl`` (one line per dirty row)
"""

from __future__ import annotations

import json
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from credit_warehouse.feeds.files import landing_root
from credit_warehouse.settings import SOURCE_DB
from credit_warehouse_dev.generator.base import FeedBuilder, Night, Unit, format_date
from credit_warehouse_dev.generator.court_store import court_store, endpoint_file
from credit_warehouse_dev.generator.dirt import DirtInjector, Injected
from credit_warehouse_dev.generator.feeds import BUILDERS, FEEDS
from credit_warehouse_dev.generator.rows import row_rng
from credit_warehouse_dev.generator.sinks import CsvSink, JsonlSink, Sink, XlsxSink, sha256_of
from credit_warehouse_dev.generator.subjects import DEFAULT_POOL_SIZE, SubjectPool

DEFAULT_SEED = 20240101
DEFAULT_ROWS = 300
DEFAULT_DIRT_RATE = 0.02
MANIFEST_VERSION = 1


@dataclass
class FeedReport:
    feed: str
    rows: int = 0
    dirty_rows: int = 0
    quarantine_expected: int = 0
    dirt_by_kind: Counter = field(default_factory=Counter)
    units: list[dict] = field(default_factory=list)

    @property
    def where(self) -> str:
        places = [u.get("path") or u.get("table") or u.get("endpoint") for u in self.units]
        if len(places) > 1 and all(u["kind"] == "file" for u in self.units):
            return f"{places[0].rsplit('/', 1)[0]}/ ({len(places)} files)"
        return ", ".join(places)


@dataclass
class NightReport:
    logical_date: date
    manifest_path: Path
    dirt_path: Path
    feeds: dict[str, FeedReport]
    corrections: list[dict]


def manifest_folder(landing: Path | None = None) -> Path:
    return (landing or landing_root()) / "_manifests"


class _Outputs:
    """Opens the sink of each delivery unit and describes it afterwards."""

    def __init__(self, night: Night, landing: Path, store: Path, source_database: str | None, stack: ExitStack):
        self.night, self.landing, self.store, self.source_database = night, landing, store, source_database
        self.stack = stack
        self._conn = None

    def open(self, builder: FeedBuilder, unit: Unit) -> Sink:
        feed, day = builder.feed, self.night.logical_date
        headers = builder.unit_headers(unit)
        if unit.kind == "file":
            path = self.landing / feed.name / day.isoformat() / unit.name
            if unit.format == "xlsx":
                return XlsxSink(path, headers)
            if unit.format == "jsonl":
                return JsonlSink(path, headers)
            return CsvSink(path, headers, unit.encoding or "utf-8")
        if unit.kind == "http":
            return JsonlSink(endpoint_file(day, unit.name, self.store), headers, integer_keys=frozenset({"age"}))
        from credit_warehouse_dev.generator import source_db

        if self._conn is None:
            self._conn = self.stack.enter_context(source_db.connect(self.source_database))
        return source_db.TableSink(self._conn, unit.name, builder.columns, day, builder.row_count())

    def describe(self, unit: Unit, sink: Sink) -> dict:
        if unit.kind == "file":
            return {"kind": "file", "path": str(sink.path.relative_to(self.landing)), "format": unit.format,
                    "encoding": unit.encoding, "header": unit.header, "date_style": unit.date_style,
                    "rows": sink.rows, "bytes": sink.path.stat().st_size, "sha256": sha256_of(sink.path)}
        if unit.kind == "http":
            return {"kind": "http", "endpoint": unit.name, "store": str(sink.path), "rows": sink.rows}
        return {"kind": "table", "database": self.source_database or SOURCE_DB, "table": unit.name,
                "rows": sink.rows}


def _identity(unit: Unit, sink: Sink, outputs: _Outputs) -> dict:
    if unit.kind == "file":
        return {"source": str(sink.path.relative_to(outputs.landing))}
    if unit.kind == "http":
        return {"endpoint": unit.name}
    return {"table": unit.name, "updated_at": sink.last_updated_at.isoformat()}


def _generate_feed(builder: FeedBuilder, outputs: _Outputs, dirt_log) -> FeedReport:
    night = builder.night
    report = FeedReport(builder.feed_name)
    units = builder.unit_map
    injectors = {key: DirtInjector(builder.dirt_spec(), night.logical_date,
                                   lambda day, style=unit.date_style: format_date(day, style))
                 for key, unit in units.items()}
    with ExitStack() as sinks_stack:
        sinks: dict[str, Sink] = {}
        for key, unit in units.items():
            sinks[key] = outputs.open(builder, unit)
            sinks_stack.callback(sinks[key].close)
        last_clean: dict[str, tuple[int, dict[str, str]]] = {}
        sent_columns = {key: builder.unit_columns(unit) for key, unit in units.items()}
        business_key = builder.feed.business_key
        for index in range(builder.row_count()):
            rng = row_rng(night.seed, builder.feed_name, night.logical_date, index)
            built = builder.build(index, rng)
            injected, duplicate_of = None, None
            if not built.protected and rng.random() < night.dirt_rate:
                order = list(builder.dirt_kinds)
                rng.shuffle(order)
                for kind in order:
                    if kind == "duplicate":
                        if built.unit in last_clean:
                            duplicate_of, built.values = last_clean[built.unit][0], dict(last_clean[built.unit][1])
                            injected = Injected("duplicate", None)
                            break
                        continue
                    before = dict(built.values)
                    injected = injectors[built.unit].inject(kind, built.values, rng)
                    if injected and injected.column and injected.column not in sent_columns[built.unit]:
                        built.values, injected = before, None  # dirt in a column this format does not send
                    if injected:
                        break
            sink = sinks[built.unit]
            sent = builder.as_sent(built.values, units[built.unit])
            row_number = sink.write([sent[c] for c in sent_columns[built.unit]])
            report.rows += 1
            if injected is None:
                last_clean[built.unit] = (row_number, built.values)
                continue
            report.dirty_rows += 1
            report.quarantine_expected += injected.quarantine
            report.dirt_by_kind[injected.kind] += 1
            entry = {"feed": builder.feed_name, **_identity(units[built.unit], sink, outputs), "row_number": row_number,
                     "business_key": {c: built.values[c] for c in business_key}, "kind": injected.kind,
                     "column": injected.column, "quarantine": injected.quarantine}
            if duplicate_of is not None:
                entry["duplicate_of"] = duplicate_of
            dirt_log.write(json.dumps(entry, ensure_ascii=False) + "\n")
    report.units = [outputs.describe(units[key], sink) for key, sink in sinks.items()]
    return report


def generate_night(
    logical_date: date,
    seed: int = DEFAULT_SEED,
    rows: int = DEFAULT_ROWS,
    dirt_rate: float = DEFAULT_DIRT_RATE,
    corrections: bool = False,
    corrections_since: date | None = None,
    pool_size: int = DEFAULT_POOL_SIZE,
    feeds: tuple[str, ...] | None = None,
    landing: Path | None = None,
    store: Path | None = None,
    source_database: str | None = SOURCE_DB,
) -> NightReport:
    """Generates the night; ``source_database=None`` skips the utility tables (files and courts only)."""
    if not 0 <= dirt_rate <= 1:
        raise ValueError("the dirt rate is a share between 0 and 1")
    if rows < 1:
        raise ValueError("rows must be at least 1")
    chosen = feeds or FEEDS
    unknown = [f for f in chosen if f not in BUILDERS]
    if unknown:
        raise ValueError(f"unknown feeds: {', '.join(unknown)} (known: {', '.join(FEEDS)})")
    if source_database is None:
        chosen = tuple(f for f in chosen if f not in ("utility_water", "utility_power", "utility_gas"))
    night = Night(seed, logical_date, rows, SubjectPool(seed, pool_size), dirt_rate, corrections, corrections_since)
    landing = landing or landing_root()
    manifests = manifest_folder(landing)
    manifests.mkdir(parents=True, exist_ok=True)
    dirt_path = manifests / f"{logical_date.isoformat()}.dirt.jsonl"
    reports: dict[str, FeedReport] = {}
    targets: list[dict] = []
    with ExitStack() as stack, dirt_path.open("w", encoding="utf-8") as dirt_log:
        outputs = _Outputs(night, landing, store or court_store(), source_database, stack)
        for feed in chosen:
            builder = BUILDERS[feed](night)
            reports[feed] = _generate_feed(builder, outputs, dirt_log)
            targets.extend(getattr(builder, "targets", []))
    manifest = {
        "version": MANIFEST_VERSION,
        "logical_date": logical_date.isoformat(),
        "seed": seed,
        "rows_per_feed": rows,
        "dirt_rate": dirt_rate,
        "pool_size": pool_size,
        "corrections": corrections,
        "landing_root": str(landing),
        "dirt_file": dirt_path.name,
        "feeds": {
            name: {"rows": r.rows, "dirty_rows": r.dirty_rows, "quarantine_expected": r.quarantine_expected,
                   "dirt_by_kind": dict(sorted(r.dirt_by_kind.items())), "units": r.units}
            for name, r in reports.items()
        },
        "corrections_upheld": targets,
    }
    manifest_path = manifests / f"{logical_date.isoformat()}.json"
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return NightReport(logical_date, manifest_path, dirt_path, reports, targets)
