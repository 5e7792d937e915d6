"""Every DAG imports cleanly, without touching a database or the network, and declares owner, retries and tags."""

import json
import os
import subprocess
import sys

import pytest

from credit_warehouse.feeds.registry import DELIVERY_CALENDARS, FAMILIES
from credit_warehouse.settings import PROJECT_ROOT

PARSE = """
import json, socket, sys
def refuse(*args, **kwargs):
    raise RuntimeError("network access while importing a DAG file")
socket.socket.connect = refuse
socket.create_connection = refuse
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder=sys.argv[1])
print(json.dumps({
    "errors": {path: str(error) for path, error in bag.import_errors.items()},
    "dags": {
        dag.dag_id: {
            "owners": sorted({task.owner for task in dag.tasks}),
            "retries": sorted({task.retries for task in dag.tasks}),
            "tags": sorted(dag.tags),
            "callbacks": all(task.on_failure_callback for task in dag.tasks),
        }
        for dag in bag.dags.values()
    },
}))
"""


@pytest.fixture(scope="module")
def parsed(tmp_path_factory):
    home = tmp_path_factory.mktemp("airflow_home")
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        # any database access at import time would fail loudly against this
        "CREDIT_WAREHOUSE_DB_URL": "postgresql://nobody:nothing@127.0.0.1:1",
        "CREDIT_WAREHOUSE_STATE": str(home / "state"),
    }
    result = subprocess.run(
        [sys.executable, "-c", PARSE, str(PROJECT_ROOT / "dags")], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_every_dag_file_imports_without_errors(parsed):
    assert parsed["errors"] == {}


def test_one_dag_per_feed_plus_warehouse_and_publish(parsed):
    from credit_warehouse.feeds.registry import load_registry

    expected = {f"feed__{name}" for name in load_registry().feeds} | {"warehouse_build", "publish_national"}
    assert set(parsed["dags"]) == expected


# the tags the UI filters by: what a DAG does, and for feed DAGs the registry family and delivery calendar
TAG_VOCABULARY = {"feed", "warehouse", "dbt", "publish", "national-interface", *FAMILIES, *DELIVERY_CALENDARS}


def test_every_dag_sets_owner_retries_tags_and_failure_alerts(parsed):
    for dag_id, dag in parsed["dags"].items():
        assert dag["owners"] == ["credit-data-engineering"], dag_id
        assert min(dag["retries"]) >= 1, dag_id
        assert dag["tags"] and set(dag["tags"]) <= TAG_VOCABULARY, (dag_id, dag["tags"])
        assert dag["callbacks"], dag_id
