"""dbt source freshness of the raw feeds: how long since each feed's last accepted batch, against the
thresholds its delivery calendar sets (transform.registry_export). A stale source is reported, never an
error: the build has already run on what it has."""

from __future__ import annotations

import json
from datetime import date

from credit_warehouse.transform.dbt import run_dbt, runs_dir

# run_dbt keeps each command's artifacts as <command>-<artifact>; `dbt source freshness` writes sources.json
FRESHNESS_ARTIFACT = "source-sources.json"


def read_freshness(day: date) -> dict[str, dict]:
    """feed -> {status: pass|warn|error|runtime error, hours_since_load} from the night's kept results."""
    path = runs_dir(day) / FRESHNESS_ARTIFACT
    if not path.exists():
        return {}
    results = json.loads(path.read_text(encoding="utf-8")).get("results", [])
    freshness = {}
    for result in results:
        feed = result["unique_id"].rsplit(".", 1)[-1]
        age = result.get("max_loaded_at_time_ago_in_s")
        freshness[feed] = {"status": result["status"],
                           "hours_since_load": round(age / 3600, 1) if age is not None else None}
    return freshness


def source_freshness(day: date) -> dict[str, str]:
    """Run `dbt source freshness` over the raw feeds for the night of ``day``; feed -> status."""
    run_dbt(["source", "freshness", "--select", "source:raw"], check=False, night=day)
    return {feed: entry["status"] for feed, entry in read_freshness(day).items()}
