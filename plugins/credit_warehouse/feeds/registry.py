"""The feed registry: registry.yaml parsed into frozen dataclasses, checked once, cached.

Everything downstream (extractors, raw tables, gates, alerts, DAGs) reads feeds from here, so a
mistake in the YAML is reported once, at load time, as one sentence naming the feed and the key.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from credit_warehouse.settings import ConfigurationError

REGISTRY_PATH = Path(__file__).with_name("registry.yaml")
IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]{0,62}$")

FAMILIES = ("department", "utility", "court", "correction")
DISCLOSURE_CLASSES = ("public", "authorised", "government")  # 社会公开 / 授权查询 / 政务共享
SOURCE_KINDS = ("file", "http", "sql")
FILE_FORMATS = ("csv", "xlsx", "jsonl")
FORMATS_BY_KIND = {"file": FILE_FORMATS, "http": ("json",), "sql": ("sql",)}
ENCODINGS = ("utf-8", "utf-8-sig", "gbk", "gb18030")
ALERT_CHANNELS = ("email", "webhook")
DELIVERY_CALENDARS = ("daily", "working_days", "monthly")
_DUE_TIME = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")
RAW_META_COLUMNS = ("_batch_id", "_row_number", "_source", "_loaded_at")

_FEED_KEYS = {
    "family", "owner_department", "disclosure_class", "delivery", "source", "formats", "encodings", "columns",
    "business_key", "expectation_suite", "gate", "alerts", "limits", "layouts", "publish_kind",
}
_LAYOUT_KEYS = {"description", "headers", "required"}
CURRENT_LAYOUT = "current"  # the columns' own labels, codes and aliases: the current national format
_COLUMN_KEYS = {"name", "label", "code", "aliases", "required", "max_length", "personal_id", "holder"}
_SOURCE_KEYS = {
    "file": {"kind"},
    "http": {"kind", "endpoint", "page_size"},
    "sql": {"kind", "table", "watermark_column", "database", "url_env", "overlap_minutes"},
}
_DELIVERY_KEYS = {"calendar", "due"}
_GATE_KEYS = {"max_failed_share", "hold_on_schema_failure"}
_ALERT_KEYS = {"channels", "recipients", "own_message", "mentions"}
OWN_MESSAGE = ("held", "always")
MENTION_CHANNELS = ("dingtalk", "wecom")
_LIMIT_KEYS = {"max_file_bytes", "max_xlsx_uncompressed_bytes", "max_page_bytes"}


def normalize_header(text: str) -> str:
    """The form headers are compared in: NFKC (full-width brackets and colons = half-width), no spaces or
    byte-order marks (an editor that saved a BOM twice leaves one in the first header), '-' read as '_', a
    trailing colon dropped, upper case."""
    folded = re.sub(r"[\s\ufeff]+", "", unicodedata.normalize("NFKC", text)).replace("-", "_")
    return folded.rstrip(":").upper()


@dataclass(frozen=True)
class Layout:
    """One national format of a feed's files: which header names which column, and what must be there.

    Every feed has the current layout (its columns' labels, codes and aliases); a feed may also take
    older formats (the 2016 double-publicity format), recognised from the header of each file.
    """

    name: str
    index: dict[str, int]  # normalised header -> column position in registry order
    required: tuple[str, ...]
    description: str = ""
    headers: tuple[tuple[str, str], ...] = ()  # (header as the format spells it, column name), in its order


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    code: str | None = None
    aliases: tuple[str, ...] = ()
    required: bool = False
    max_length: int | None = None
    personal_id: bool = False  # may carry a resident-ID number: vaulted and tokenised on load
    holder: str | None = None  # personal-ID columns: the column naming the ID's holder (links court records)

    @property
    def headers(self) -> tuple[str, ...]:
        """Every header that names this column in a source: our name, label, letter code, aliases."""
        return tuple(h for h in (self.name, self.label, self.code, *self.aliases) if h)


@dataclass(frozen=True)
class Source:
    kind: str
    endpoint: str | None = None  # http: path under the API base URL
    page_size: int = 500
    table: str | None = None  # sql: table in the source database
    watermark_column: str = "updated_at"
    database: str | None = None  # sql: database on the warehouse server (default settings.SOURCE_DB)
    url_env: str | None = None  # sql: environment variable holding a full URL that overrides the database
    # sql: each window also re-reads this many minutes before its start, so rows committed late with an
    # earlier updated_at are still picked up; rows read twice unchanged are held back by the gate
    overlap_minutes: int = 0


@dataclass(frozen=True)
class Gate:
    max_failed_share: float = 0.05
    hold_on_schema_failure: bool = True


@dataclass(frozen=True)
class Alerts:
    channels: tuple[str, ...] = ("email", "webhook")
    recipients: tuple[str, ...] = ()
    # which batches get a message of their own as soon as they are gated: "held" ones only (the rest wait
    # for the one night digest), or "always" every batch that needs the monitors
    own_message: str = "held"
    # robot @mentions per channel: DingTalk by mobile number, WeCom by member userid
    mentions: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def mentions_for(self, kind: str) -> tuple[str, ...]:
        return dict(self.mentions).get(kind, ())


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 2 * 1024**3
    max_xlsx_uncompressed_bytes: int = 512 * 1024**2
    max_page_bytes: int = 32 * 1024**2


@dataclass(frozen=True)
class Delivery:
    """When a feed is due: its calendar, and the Beijing time on the day after the delivery date by which
    the delivery must be there (its deadline, when its DAG runs)."""

    calendar: str = "daily"
    due_hour: int = 2
    due_minute: int = 0

    @property
    def cron(self) -> str:
        """The cron of the feed's data intervals: each interval ends at a deadline and covers one delivery date."""
        day_of_month = "1" if self.calendar == "monthly" else "*"
        return f"{self.due_minute} {self.due_hour} {day_of_month} * *"


@dataclass(frozen=True)
class Feed:
    name: str
    family: str
    owner_department: str
    disclosure_class: str
    delivery: Delivery
    source: Source
    formats: tuple[str, ...]
    encodings: tuple[str, ...]
    columns: tuple[Column, ...]
    business_key: tuple[str, ...]
    expectation_suite: str
    gate: Gate
    alerts: Alerts
    limits: Limits
    extra_layouts: tuple[Layout, ...] = ()
    publish_kind: str | None = None  # record_kind of its records at the national interface, if published

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def personal_id_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.personal_id)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    @property
    def raw_table(self) -> str:
        """Table name inside schema raw (the quarantine table has the same name in schema quarantine)."""
        return self.name

    @property
    def qualified_raw_table(self) -> str:
        return f"raw.{self.name}"

    @functools.cached_property
    def header_index(self) -> dict[str, int]:
        """Normalised header -> position of the column in registry order (the current layout)."""
        return {normalize_header(h): i for i, c in enumerate(self.columns) for h in c.headers}

    @functools.cached_property
    def layouts(self) -> tuple[Layout, ...]:
        """The current layout first, then the older formats the feed accepts."""
        return (Layout(CURRENT_LAYOUT, self.header_index, self.required_columns), *self.extra_layouts)

    def layout(self, name: str | None) -> Layout:
        """A layout by name; None (API pulls, SQL windows) is the current one."""
        for layout in self.layouts:
            if layout.name == (name or CURRENT_LAYOUT):
                return layout
        raise KeyError(f"feed {self.name} has no layout {name}")

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"feed {self.name} has no column {name}")


@dataclass(frozen=True)
class Registry:
    feeds: dict[str, Feed] = field(default_factory=dict)

    def __iter__(self):
        return iter(self.feeds.values())

    def __len__(self) -> int:
        return len(self.feeds)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.feeds)

    def by_publish_kind(self) -> dict[str, str]:
        """record_kind at the national interface -> the feed whose records it publishes."""
        return {feed.publish_kind: feed.name for feed in self if feed.publish_kind}

    def get(self, name: str) -> Feed:
        try:
            return self.feeds[name]
        except KeyError:
            raise ConfigurationError(
                f"unknown feed {name!r}; the registry has {', '.join(self.feeds)}."
            ) from None


def _fail(where: str, problem: str) -> ConfigurationError:
    return ConfigurationError(f"feed registry: {where}: {problem}.")


def _mapping(value: Any, where: str, allowed: set[str]) -> dict:
    if not isinstance(value, dict):
        raise _fail(where, "must be a mapping")
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise _fail(where, f"unknown key {unknown[0]!r} (allowed: {', '.join(sorted(allowed))})")
    return value


def _identifier(value: Any, where: str) -> str:
    if not isinstance(value, str) or not IDENTIFIER.match(value):
        raise _fail(where, f"{value!r} is not a valid identifier (lower case, ^[a-z][a-z0-9_]{{0,62}}$)")
    return value


def _positive_int(value: Any, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise _fail(where, f"must be a positive integer, got {value!r}")
    return value


def _non_negative_int(value: Any, where: str) -> int:
    return 0 if value == 0 and not isinstance(value, bool) else _positive_int(value, where)


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail(where, "must be a non-empty string")
    return value


def _choices(value: Any, where: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise _fail(where, "must be a non-empty list")
    for item in value:
        if item not in allowed:
            raise _fail(where, f"{item!r} is not one of {', '.join(allowed)}")
    return tuple(value)


def _parse_column(raw: Any, where: str) -> Column:
    raw = _mapping(raw, where, _COLUMN_KEYS)
    name = _identifier(raw.get("name"), f"{where} name")
    where = f"{where} ({name})"
    if name.startswith("_"):
        raise _fail(where, "column names starting with _ are reserved for load metadata")
    aliases = raw.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
        raise _fail(f"{where} aliases", "must be a list of non-empty strings")
    code = raw.get("code")
    if code is not None:
        code = _text(code, f"{where} code")
    required = raw.get("required", False)
    personal_id = raw.get("personal_id", False)
    for flag, value in (("required", required), ("personal_id", personal_id)):
        if not isinstance(value, bool):
            raise _fail(f"{where} {flag}", "must be true or false")
    max_length = raw.get("max_length")
    if max_length is not None:
        max_length = _positive_int(max_length, f"{where} max_length")
    holder = raw.get("holder")
    if holder is not None:
        if not personal_id:
            raise _fail(f"{where} holder", "only a personal_id column has a holder")
        holder = _identifier(holder, f"{where} holder")
    return Column(
        name=name,
        label=_text(raw.get("label"), f"{where} label"),
        code=code,
        aliases=tuple(aliases),
        required=required,
        max_length=max_length,
        personal_id=personal_id,
        holder=holder,
    )


def _parse_delivery(raw: Any, where: str) -> Delivery:
    raw = _mapping(raw, where, _DELIVERY_KEYS)
    calendar = raw.get("calendar")
    if calendar not in DELIVERY_CALENDARS:
        raise _fail(f"{where} calendar", f"{calendar!r} is not one of {', '.join(DELIVERY_CALENDARS)}")
    due = _DUE_TIME.match(str(raw.get("due", "")))
    if not due:
        raise _fail(f"{where} due", f"{raw.get('due')!r} is not a time HH:MM")
    return Delivery(calendar=calendar, due_hour=int(due.group(1)), due_minute=int(due.group(2)))


def _parse_source(raw: Any, where: str) -> Source:
    if not isinstance(raw, dict) or raw.get("kind") not in SOURCE_KINDS:
        raise _fail(f"{where} kind", f"must be one of {', '.join(SOURCE_KINDS)}")
    raw = _mapping(raw, where, _SOURCE_KEYS[raw["kind"]])
    if raw["kind"] == "http":
        endpoint = _text(raw.get("endpoint"), f"{where} endpoint")
        if not re.match(r"^[a-z0-9][a-z0-9/_-]*$", endpoint):
            raise _fail(f"{where} endpoint", f"{endpoint!r} must be a relative path like court/dishonest-debtors")
        return Source(kind="http", endpoint=endpoint, page_size=_positive_int(raw.get("page_size", 500), where))
    if raw["kind"] == "sql":
        return Source(
            kind="sql",
            table=_identifier(raw.get("table"), f"{where} table"),
            watermark_column=_identifier(raw.get("watermark_column", "updated_at"), f"{where} watermark_column"),
            database=raw.get("database") and _text(raw["database"], f"{where} database"),
            url_env=raw.get("url_env") and _text(raw["url_env"], f"{where} url_env"),
            overlap_minutes=_non_negative_int(raw.get("overlap_minutes", 0), f"{where} overlap_minutes"),
        )
    return Source(kind="file")


def _parse_feed(name: str, raw: Any, defaults: dict) -> Feed:
    where = f"feed {name}"
    _identifier(name, "feed name")
    raw = _mapping(raw, where, _FEED_KEYS)
    for key in ("family", "owner_department", "disclosure_class", "delivery", "source", "formats", "columns"):
        if key not in raw:
            raise _fail(where, f"missing key {key!r}")
    family = raw["family"]
    if family not in FAMILIES:
        raise _fail(f"{where} family", f"{family!r} is not one of {', '.join(FAMILIES)}")
    if raw["disclosure_class"] not in DISCLOSURE_CLASSES:
        raise _fail(f"{where} disclosure_class", f"{raw['disclosure_class']!r} is not one of "
                    f"{', '.join(DISCLOSURE_CLASSES)}")
    delivery = _parse_delivery(raw["delivery"], f"{where} delivery")
    source = _parse_source(raw["source"], f"{where} source")
    formats = _choices(raw["formats"], f"{where} formats", FORMATS_BY_KIND[source.kind])
    encodings = _choices(raw.get("encodings", defaults.get("encodings", list(ENCODINGS))), f"{where} encodings",
                         ENCODINGS)

    if not isinstance(raw["columns"], list) or not raw["columns"]:
        raise _fail(f"{where} columns", "must be a non-empty list")
    columns = tuple(_parse_column(c, f"{where} column {i + 1}") for i, c in enumerate(raw["columns"]))
    seen_names: set[str] = set()
    seen_headers: dict[str, str] = {}
    for column in columns:
        if column.name in seen_names:
            raise _fail(where, f"duplicate column {column.name!r}")
        seen_names.add(column.name)
        for header in {normalize_header(h) for h in column.headers}:
            if header in seen_headers:
                raise _fail(where, f"header {header!r} names both {seen_headers[header]} and {column.name}")
            seen_headers[header] = column.name
    for column in columns:
        if column.holder and column.holder not in seen_names:
            raise _fail(f"{where} column {column.name} holder", f"{column.holder!r} is not a column of the feed")

    business_key = raw.get("business_key")
    if not isinstance(business_key, list) or not business_key:
        raise _fail(f"{where} business_key", "must be a non-empty list of column names")
    for key_column in business_key:
        if key_column not in seen_names:
            raise _fail(f"{where} business_key", f"{key_column!r} is not a column of the feed")

    gate = _mapping({**defaults.get("gate", {}), **raw.get("gate", {})}, f"{where} gate", _GATE_KEYS)
    share = gate.get("max_failed_share", 0.05)
    if not isinstance(share, int | float) or isinstance(share, bool) or not 0 <= share <= 1:
        raise _fail(f"{where} gate max_failed_share", f"must be a number between 0 and 1, got {share!r}")
    hold = gate.get("hold_on_schema_failure", True)
    if not isinstance(hold, bool):
        raise _fail(f"{where} gate hold_on_schema_failure", "must be true or false")

    alerts = _mapping(raw.get("alerts", {}), f"{where} alerts", _ALERT_KEYS)
    channels = _choices(alerts.get("channels", list(ALERT_CHANNELS)), f"{where} alerts channels", ALERT_CHANNELS)
    recipients = alerts.get("recipients", [])
    if not isinstance(recipients, list) or not all(isinstance(r, str) and "@" in r for r in recipients):
        raise _fail(f"{where} alerts recipients", "must be a list of e-mail addresses")
    own_message = alerts.get("own_message", "held")
    if own_message not in OWN_MESSAGE:
        raise _fail(f"{where} alerts own_message", f"must be one of {', '.join(OWN_MESSAGE)}")
    mentions = _mapping(alerts.get("mentions", {}), f"{where} alerts mentions", set(MENTION_CHANNELS))
    for kind, people in mentions.items():
        if not isinstance(people, list) or not all(isinstance(p, str | int) and str(p).strip() for p in people):
            raise _fail(f"{where} alerts mentions {kind}", "must be a list of mobile numbers or user ids")

    layouts = _parse_layouts(raw.get("layouts", {}), f"{where} layouts", columns)

    limits = _mapping({**defaults.get("limits", {}), **raw.get("limits", {})}, f"{where} limits", _LIMIT_KEYS)
    limits = Limits(**{k: _positive_int(v, f"{where} limits {k}") for k, v in limits.items()})

    return Feed(
        name=name,
        family=family,
        owner_department=_text(raw["owner_department"], f"{where} owner_department"),
        disclosure_class=raw["disclosure_class"],
        delivery=delivery,
        source=source,
        formats=formats,
        encodings=encodings,
        columns=columns,
        business_key=tuple(business_key),
        expectation_suite=_identifier(raw.get("expectation_suite", name), f"{where} expectation_suite"),
        gate=Gate(max_failed_share=float(share), hold_on_schema_failure=hold),
        alerts=Alerts(channels=channels, recipients=tuple(recipients), own_message=own_message,
                      mentions=tuple((kind, tuple(str(p).strip() for p in people))
                                     for kind, people in mentions.items())),
        limits=limits,
        extra_layouts=layouts,
        publish_kind=raw.get("publish_kind") and _identifier(raw["publish_kind"], f"{where} publish_kind"),
    )


def _parse_layouts(raw: Any, where: str, columns: tuple[Column, ...]) -> tuple[Layout, ...]:
    """Older formats: each maps its own headers onto the feed's columns and names its required ones.

    A header written with a parenthesised note (行政相对人代码_1(统一社会信用代码)) is also accepted without it.
    """
    if not isinstance(raw, dict):
        raise _fail(where, "must be a mapping of layout name to its headers")
    position = {c.name: i for i, c in enumerate(columns)}
    layouts = []
    for name, spec in raw.items():
        here = f"{where} {name}"
        _identifier(name, here)
        if name == CURRENT_LAYOUT:
            raise _fail(here, "the current layout is the columns' own headers; name an older format")
        spec = _mapping(spec, here, _LAYOUT_KEYS)
        headers = spec.get("headers")
        if not isinstance(headers, dict) or not headers:
            raise _fail(f"{here} headers", "must map each source header to a column name")
        index: dict[str, int] = {}
        for header, column in headers.items():
            if column not in position:
                raise _fail(f"{here} headers", f"{header!r} names {column!r}, which is not a column of the feed")
            for form in {normalize_header(str(header)), normalize_header(re.sub(r"[(（].*[)）]$", "", str(header)))}:
                if index.get(form, position[column]) != position[column]:
                    raise _fail(f"{here} headers", f"header {header!r} names two columns")
                index[form] = position[column]
        required = spec.get("required", [])
        if not isinstance(required, list) or any(c not in position for c in required):
            raise _fail(f"{here} required", "must be a list of column names of the feed")
        missing = [c for c in required if position[c] not in index.values()]
        if missing:
            raise _fail(f"{here} required", f"{missing[0]!r} has no header in this layout")
        layouts.append(Layout(name, index, tuple(required), str(spec.get("description", "")),
                              tuple((str(h), c) for h, c in headers.items())))
    return tuple(layouts)


def parse_registry(document: Any) -> Registry:
    """A Registry from the parsed YAML document (raises ConfigurationError naming feed and key)."""
    document = _mapping(document, "top level", {"defaults", "feeds"})
    defaults = _mapping(document.get("defaults", {}), "defaults", {"gate", "limits", "encodings"})
    feeds = document.get("feeds")
    if not isinstance(feeds, dict) or not feeds:
        raise _fail("top level", "'feeds' must be a non-empty mapping of feed name to entry")
    return Registry({name: _parse_feed(name, entry, defaults) for name, entry in feeds.items()})


def read_registry(path: Path) -> Registry:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigurationError(f"feed registry {path} cannot be read: {exc.strerror}.") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark else ""
        raise ConfigurationError(f"feed registry {path} is not valid YAML{line}.") from None
    return parse_registry(document)


@functools.cache
def load_registry() -> Registry:
    """The project's feed registry, parsed and checked once per process."""
    return read_registry(REGISTRY_PATH)


def get_feed(name: str) -> Feed:
    return load_registry().get(name)
