"""Gate rules as data: expectations/gate_rules/<feed>.json, checked against the feed registry.

A suite file lists rules by kind (identifier checksums, dates, amounts, code tables, exclusions ...);
the registry adds the rules it already knows (required columns, max lengths, the business key and
the column set). ``compile_checks`` turns both into SQL conditions over one row of raw.<feed>: the
same text drives the GX expectations (reporting, Data Docs) and the single quarantine pass, so the
two can never disagree.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from credit_warehouse.feeds.registry import Feed, get_feed
from credit_warehouse.settings import PROJECT_ROOT, ConfigurationError

EXPECTATIONS_DIR = PROJECT_ROOT / "expectations" / "gate_rules"
IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]{0,62}$")

# identifier forms a value may take, as SQL over the value as written ({c}); each is checked by the one util.*
# implementation
IDENTIFIER_FORMS = {
    "uscc": "util.uscc_is_valid(util.normalize_code({c}))",
    "org_code": "util.org_code_is_valid(util.normalize_code({c}))",
    # a vault token replaced a number that was valid on the delivery date {d} when loaded (security/vault.py)
    "resident_id": "(util.is_vault_token({c}) or util.resident_id_is_valid(util.normalize_code({c}), {d}))",
    "resident_id_masked": "coalesce(util.resident_id_is_masked(util.normalize_code({c})), false)",
}

_RULE_KEYS: dict[str, tuple[set[str], set[str]]] = {
    # kind: (required keys, optional keys)
    "required": ({"columns"}, set()),
    "required_when": ({"column", "when"}, set()),
    "required_any": ({"columns"}, set()),
    "in_set": ({"column", "values"}, {"separator", "when"}),
    "in_ref": ({"column", "ref_table", "ref_columns"}, {"separator", "message"}),
    "pattern": ({"column", "regex"}, {"message"}),
    "identifier": ({"columns", "accept"}, {"when"}),
    "date": ({"columns"}, {"not_future", "min", "placeholders"}),
    # a period that ends before it begins (a licence valid to a date before it is valid from)
    "date_order": ({"column", "not_before"}, set()),
    # measured, never enforced: late reports are accepted, counted per department and alerted
    "timeliness": ({"column", "max_working_days", "department_column"}, set()),
    "amount": ({"columns"}, {"min", "max", "unit", "integer"}),
    "penalty_categories": ({"columns"}, set()),
    "fine_in_text": ({"column", "text_columns"}, set()),
    "list_owner": ({"column", "type_column", "forwarders"}, set()),
    "org_code_linked": ({"column", "uscc_column"}, set()),
    # a resident-ID number written into free text: the row is held, so it reaches no mart and no national payload
    "no_resident_id_in_text": ({"columns"}, set()),
    "legal_exclusion": (set(), set()),  # patterns and columns: ref.legal_exclusion and _scope
    "unique_key": (set(), {"across_batches"}),
}
_SUITE_KEYS = {"name", "feed", "version", "description", "personal_columns", "expectations"}


@dataclass(frozen=True)
class Rule:
    kind: str
    spec: dict[str, Any]
    position: int  # 1-based place in the file, for error messages
    layouts: tuple[str, ...] = ()  # the national formats (registry layouts) the rule applies to; () = all

    def applies_to(self, layout: str) -> bool:
        return not self.layouts or layout in self.layouts


@dataclass(frozen=True)
class Suite:
    name: str
    feed: str
    version: str
    path: Path
    personal_columns: tuple[str, ...]
    rules: tuple[Rule, ...]
    description: str = ""


@dataclass(frozen=True)
class Check:
    """One expectation as SQL: ``condition`` is true for a failing row (row-level) or a failing batch."""

    name: str  # stable id used in quarantine reasons and alerts, e.g. uscc_valid
    column: str | None
    condition: str
    value: str  # SQL expression shown for a failing row (masked when personal)
    message: str
    row_level: bool = True
    schema: bool = False  # a schema failure (may hold the batch on its own)
    needs_key: bool = False  # reads _key/_key_seq/_content, computed over the whole batch
    query: str = ""  # the GX unexpected_rows_query ({batch} placeholder, other braces doubled)
    extra: dict[str, Any] = field(default_factory=dict)


def suite_path(feed: Feed) -> Path:
    return EXPECTATIONS_DIR / f"{feed.expectation_suite}.json"


def _fail(path: Path, where: str, problem: str) -> ConfigurationError:
    return ConfigurationError(f"expectation suite {path}: {where}: {problem}.")


def load_suite(feed_name: str, path: Path | None = None) -> Suite:
    """The suite of a feed, parsed and checked against the registry (columns, keys, kinds)."""
    feed = get_feed(feed_name)
    path = path or suite_path(feed)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigurationError(f"feed {feed.name}: expectation suite {path} does not exist.") from None
    except json.JSONDecodeError as exc:
        raise ConfigurationError(
            f"expectation suite {path}: not valid JSON at line {exc.lineno} column {exc.colno} ({exc.msg})."
        ) from None
    return parse_suite(feed, document, path)


def parse_suite(feed: Feed, document: Any, path: Path) -> Suite:
    if not isinstance(document, dict):
        raise _fail(path, "top level", "must be a JSON object")
    unknown = sorted(set(document) - _SUITE_KEYS)
    if unknown:
        raise _fail(path, "top level", f"unknown key {unknown[0]!r}")
    if document.get("feed") != feed.name:
        raise _fail(path, "feed", f"names {document.get('feed')!r} but the suite belongs to feed {feed.name}")
    for key in ("name", "version"):
        if not isinstance(document.get(key), str) or not document[key].strip():
            raise _fail(path, key, "must be a non-empty string")
    columns = set(feed.column_names)

    def column(value: Any, where: str) -> str:
        if not isinstance(value, str) or value not in columns:
            raise _fail(path, where, f"feed {feed.name} has no column {value!r}")
        return value

    personal = document.get("personal_columns", [])
    if not isinstance(personal, list):
        raise _fail(path, "personal_columns", "must be a list of column names")
    personal = tuple(column(c, "personal_columns") for c in personal)

    raw_rules = document.get("expectations")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise _fail(path, "expectations", "must be a non-empty list")
    rules = []
    for position, raw in enumerate(raw_rules, start=1):
        where = f"expectation {position}"
        if not isinstance(raw, dict) or raw.get("kind") not in _RULE_KEYS:
            raise _fail(path, where, f"'kind' must be one of {', '.join(_RULE_KEYS)}")
        kind = raw["kind"]
        where = f"expectation {position} ({kind})"
        needed, optional = _RULE_KEYS[kind]
        missing = sorted(needed - set(raw))
        if missing:
            raise _fail(path, where, f"missing key {missing[0]!r}")
        extra = sorted(set(raw) - needed - optional - {"kind", "layouts"})
        if extra:
            raise _fail(path, where, f"unknown key {extra[0]!r}")
        layouts = raw.get("layouts", [layout.name for layout in feed.layouts])
        if not isinstance(layouts, list) or not layouts or set(layouts) - {layout.name for layout in feed.layouts}:
            raise _fail(path, where, f"'layouts' must list some of {', '.join(known.name for known in feed.layouts)}")
        spec = {k: v for k, v in raw.items() if k not in ("kind", "layouts")}
        _check_rule(kind, spec, where, column, lambda w, p: _fail(path, w, p))
        rules.append(Rule(kind=kind, spec=spec, position=position, layouts=tuple(layouts)))
    return Suite(
        name=document["name"],
        feed=feed.name,
        version=document["version"],
        path=path,
        personal_columns=personal,
        rules=tuple(rules),
        description=str(document.get("description", "")),
    )


def _check_rule(kind: str, spec: dict, where: str, column, fail) -> None:
    """Shape checks of one rule; ``column`` raises for a name the feed lacks."""
    for key in ("columns", "text_columns"):
        if key in spec:
            if not isinstance(spec[key], list) or not spec[key]:
                raise fail(where, f"{key!r} must be a non-empty list")
            for name in spec[key]:
                column(name, where)
    for key in ("column", "department_column", "type_column", "uscc_column", "not_before"):
        if key in spec:
            column(spec[key], where)
    if "when" in spec:
        when = spec["when"]
        if not isinstance(when, dict) or set(when) - {"column", "in", "matches"} or "column" not in when:
            raise fail(where, "'when' must be {column, in: [...]} or {column, matches: regex}")
        column(when["column"], f"{where} when")
        if ("in" in when) == ("matches" in when):
            raise fail(where, "'when' needs exactly one of 'in' or 'matches'")
        if "matches" in when:
            _regex(when["matches"], where, fail)
    values = spec.get("values", ["-"])
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        raise fail(where, "'values' must be a non-empty list of strings")
    for key in ("regex", "forwarders"):
        if key in spec:
            _regex(spec[key], where, fail)
    if "separator" in spec:
        _regex(spec["separator"], where, fail)
    if kind == "in_ref":
        if not isinstance(spec["ref_table"], str) or not IDENTIFIER.match(spec["ref_table"]):
            raise fail(where, f"ref_table {spec['ref_table']!r} is not a table name in schema ref")
        refs = spec["ref_columns"]
        if not isinstance(refs, list) or not refs or not all(isinstance(c, str) and IDENTIFIER.match(c) for c in refs):
            raise fail(where, "'ref_columns' must be a non-empty list of column names")
    if kind == "identifier":
        accept = spec["accept"]
        if not isinstance(accept, list) or not accept or set(accept) - set(IDENTIFIER_FORMS):
            raise fail(where, f"'accept' must list some of {', '.join(IDENTIFIER_FORMS)}")
    if kind == "date":
        if not isinstance(spec.get("not_future", True), bool):
            raise fail(where, "'not_future' must be true or false")
        for value in [spec.get("min", "1949-01-01"), *spec.get("placeholders", [])]:
            _iso_date(value, where, fail)
    if kind == "timeliness" and (
        not isinstance(spec["max_working_days"], int) or isinstance(spec["max_working_days"], bool)
        or spec["max_working_days"] < 0
    ):
        raise fail(where, "'max_working_days' must be a whole number >= 0")
    if kind == "amount":
        for key in ("min", "max"):
            if key in spec and (not isinstance(spec[key], int | float) or isinstance(spec[key], bool)):
                raise fail(where, f"{key!r} must be a number")
    if kind == "unique_key" and not isinstance(spec.get("across_batches", True), bool):
        raise fail(where, "'across_batches' must be true or false")


def _regex(value: Any, where: str, fail) -> None:
    try:
        re.compile(value)
    except (re.error, TypeError):
        raise fail(where, f"{value!r} is not a valid regular expression") from None


def _iso_date(value: Any, where: str, fail) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise fail(where, f"{value!r} is not a date written YYYY-MM-DD") from None
