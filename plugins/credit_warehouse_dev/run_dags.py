"""Run DAGs of the night one after another with Airflow's own test runner (``DAG.test``), in one process.

``airflow dags test`` does the same for one DAG; running the whole night in one process spares a
dozen Airflow start-ups. Started by ``credit-warehouse night`` with the Airflow environment set;
prints one JSON line per DAG run so the parent can summarise.

    python -m credit_warehouse_dev.run_dags 2026-11-22 feed__dept_penalty warehouse_build
"""

from __future__ import annotations

import json
import sys
from datetime import date, datetime

from credit_warehouse.orchestration.delivery_date import PARAM
from credit_warehouse.settings import PLATFORM_TZ

RESULT_PREFIX = "DAG-RESULT "


def run(day: date, dag_ids: list[str]) -> int:
    from airflow.utils.cli import get_bagged_dag

    logical_date = datetime(day.year, day.month, day.day, tzinfo=PLATFORM_TZ)
    failed = 0
    for dag_id in dag_ids:
        dag = get_bagged_dag(None, dag_id)
        started = datetime.now()
        # the same date rule as the scheduler's runs: the delivery_date param names the night
        dag_run = dag.test(logical_date=logical_date, run_conf={PARAM: day.isoformat()})
        state = str(getattr(dag_run, "state", "unknown"))
        failed += state != "success"
        print(
            RESULT_PREFIX
            + json.dumps({"dag_id": dag_id, "state": state, "seconds": (datetime.now() - started).total_seconds()}),
            flush=True,
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(run(date.fromisoformat(sys.argv[1]), sys.argv[2:]))
