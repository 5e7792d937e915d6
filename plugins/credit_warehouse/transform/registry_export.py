"""The feed registry, exported to dbt: the raw and quarantine sources and the seed ``feed``.

The registry is the one list of feeds. dbt cannot read YAML of ours, so the two files it needs are
generated from it (``credit-warehouse export-registry``) and committed; a test fails when either is
out of date, and another when anything in the project names a feed the registry does not know.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import yaml

from credit_warehouse.feeds.registry import Registry, load_registry
from credit_warehouse.transform.dbt import DBT_PROJECT_DIR

SOURCES_PATH = DBT_PROJECT_DIR / "models" / "staging" / "_sources.yml"
FEED_SEED_PATH = DBT_PROJECT_DIR / "seeds" / "feed.csv"
_HEADER = "# Generated from plugins/credit_warehouse/feeds/registry.yaml by `credit-warehouse export-registry`.\n"


# how long after its last accepted load a feed is stale, by its delivery calendar (hours): a working-day
# feed rests over weekends and holidays, a monthly one for a month
FRESHNESS_HOURS = {"daily": (30, 54), "working_days": (24 * 4, 24 * 10), "monthly": (24 * 32, 24 * 62)}


def _raw_table(feed) -> dict:
    warn, error = FRESHNESS_HOURS[feed.delivery.calendar]
    return {
        "name": feed.raw_table,
        # the ledger knows when each batch was accepted: cheaper than max(_loaded_at) over the raw rows;
        # a feed name is an identifier (checked by the registry), safe inside the literal
        "loaded_at_query": f"select max(gated_at) from ops.load_batch where feed = '{feed.name}' "  # noqa: S608
                           "and status = 'accepted'",
        "config": {"freshness": {"warn_after": {"count": warn, "period": "hour"},
                                 "error_after": {"count": error, "period": "hour"}}},
    }


def sources_yaml(registry: Registry) -> str:
    document = {"version": 2, "sources": [
        {"name": "raw", "schema": "raw",
         "description": "As delivered by the loader (every registry column as text, then _batch_id, _row_number, "
                        "_source, _loaded_at). Read only through the accepted_rows macro.",
         "tables": [_raw_table(feed) for feed in registry]},
        {"name": "quarantine", "schema": "quarantine",
         "description": "Rows the quality gate held, with their reasons (jsonb list of expectation, column, "
                        "masked value, message).",
         "tables": [{"name": feed.raw_table} for feed in registry]},
        {"name": "ops", "schema": "ops", "tables": [
            {"name": "load_batch", "description": "The load ledger, one row per batch; status accepted lets "
                                                  "its rows into staging."},
            {"name": "person_link", "description": "Masked resident IDs and names matched to one vaulted person "
                                                   "on the loader's side (outcome linked), or left separate."},
            {"name": "publish_outbox", "description": "What publishing has queued or sent to the national "
                                                      "interface (record_kind, record_key, action, payload_hash)."},
        ]},
    ]}
    return _HEADER + yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=120)


def feed_seed_csv(registry: Registry) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["feed", "family", "disclosure_class", "publish_kind", "owner_department"])
    for feed in registry:
        writer.writerow([feed.name, feed.family, feed.disclosure_class, feed.publish_kind or "",
                         feed.owner_department])
    return buffer.getvalue()


def export(registry: Registry | None = None) -> dict[Path, str]:
    """What the generated files must hold."""
    registry = registry or load_registry()
    return {SOURCES_PATH: sources_yaml(registry), FEED_SEED_PATH: feed_seed_csv(registry)}


def write() -> list[Path]:
    written = []
    for path, text in export().items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "export-registry", help="write the dbt sources and the seed `feed` from the feed registry")
    parser.set_defaults(handler=lambda _args: print(
        "\n".join(f"wrote {p}" for p in write()) or "dbt sources and seed `feed` already match the registry"))
