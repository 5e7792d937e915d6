"""Adding a feed is a registry entry, a GX suite and a staging model (plus its dbt source entries):
this checks each registry feed has all of them, and that dbt's view of the feeds agrees with the registry."""

import re

import pytest
import yaml

from credit_warehouse.feeds.registry import load_registry
from credit_warehouse.settings import PROJECT_ROOT
from credit_warehouse.transform import registry_export

DBT = PROJECT_ROOT / "dbt_project"
FEEDS = load_registry().names


def _sources() -> dict[str, set[str]]:
    document = yaml.safe_load((DBT / "models" / "staging" / "_sources.yml").read_text())
    return {source["name"]: {table["name"] for table in source["tables"]} for source in document["sources"]}


@pytest.mark.parametrize("feed", FEEDS)
def test_feed_has_a_suite_sources_and_one_staging_model_reading_it(feed):
    assert (PROJECT_ROOT / "expectations" / "gate_rules" / f"{feed}.json").exists()
    sources = _sources()
    assert feed in sources["raw"] and feed in sources["quarantine"]
    readers = [path.name for path in (DBT / "models" / "staging").rglob("stg_*.sql")
               if re.search(rf"accepted_rows\(\s*'{feed}'\s*\)", path.read_text())]
    assert len(readers) == 1, readers


def test_dbt_sources_and_the_feed_seed_are_exported_from_the_registry():
    for path, text in registry_export.export().items():
        assert path.read_text(encoding="utf-8") == text, f"{path} is stale: run credit-warehouse export-registry"


# how the project writes a feed name: a family prefix and a snake_case rest (logistics stands alone)
FEED_NAME = re.compile(r"\b(?:dept|utility|court)_[a-z]+(?:_[a-z]+)*\b|\blogistics\b|\bcredit_correction\b")
# names of this shape that are not feeds: columns, models, modules and DAG ids built on feed names
NOT_FEEDS = re.compile(r"^(?:utility_(?:arrears\w*|billing)|court_(?:party\w*|api\w*|store|count|name|status|url))$")
SCANNED = ("plugins", "dags", "dbt_project/models", "dbt_project/macros", "dbt_project/seeds", "dbt_project/tests",
           "dbt_project/snapshots", "dbt_project/analyses", "expectations", "tools")


def test_nothing_names_a_feed_the_registry_does_not_know():
    """The registry is the one list of feeds: a feed named anywhere else must be one of its entries."""
    known = set(FEEDS)
    strays: dict[str, set[str]] = {}
    for folder in SCANNED:
        for path in (PROJECT_ROOT / folder).rglob("*"):
            if not path.is_file() or path.suffix not in {".py", ".sql", ".yml", ".yaml", ".json", ".csv"}:
                continue
            for name in FEED_NAME.findall(path.read_text(encoding="utf-8")):
                if name not in known and not NOT_FEEDS.match(name):
                    strays.setdefault(name, set()).add(str(path.relative_to(PROJECT_ROOT)))
    assert strays == {}
