"""Adding a feed is a registry entry, a GX suite and a staging model (plus its dbt source entries):
this checks each registry feed has all of them, and that dbt's view of the feeds agrees with the registry."""

import re

import pytest
import yaml

from credit_warehouse.feeds.registry import load_registry
from credit_warehouse.settings import PROJECT_ROOT

DBT = PROJECT_ROOT / "dbt_project"
FEEDS = load_registry().names


def _sources() -> dict[str, set[str]]:
    document = yaml.safe_load((DBT / "models" / "staging" / "_sources.yml").read_text())
    return {source["name"]: {table["name"] for table in source["tables"]} for source in document["sources"]}


@pytest.mark.parametrize("feed", FEEDS)
def test_feed_has_a_suite_sources_and_one_staging_model_reading_it(feed):
    assert (PROJECT_ROOT / "expectations" / f"{feed}.json").exists()
    sources = _sources()
    assert feed in sources["raw"] and feed in sources["quarantine"]
    readers = [path.name for path in (DBT / "models" / "staging").glob("stg_*.sql")
               if re.search(rf"accepted_rows\(\s*'{feed}'\s*\)", path.read_text())]
    assert len(readers) == 1, readers


def test_dbt_knows_every_feed_with_the_registry_disclosure_class():
    variables = yaml.safe_load((DBT / "dbt_project.yml").read_text())["vars"]
    registry = {feed.name: feed.disclosure_class for feed in load_registry()}
    assert variables["feed_disclosure_class"] == registry
