"""What running dbt from Airflow costs over a bare `dbt build` of the same project (issue 5, item 6).

Needs a warehouse with a night in it (`./cw night` first). Prints a table:

    .venv/bin/python tools/bench_dbt_step.py [--date 2026-11-20] [--repeat 2]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import date

from credit_warehouse.orchestration.airflow_env import airflow_env, migrate_metadata
from credit_warehouse.transform.dbt import night_vars, run_dbt
from credit_warehouse.warehouse import embedded
from credit_warehouse_dev.run_dags import RESULT_PREFIX


def bare(day: date) -> float:
    started = time.monotonic()
    run_dbt(["build", "--fail-fast", "--vars", night_vars(day)])
    run_dbt(["docs", "generate"])
    return time.monotonic() - started


def through_airflow(day: date, env: dict) -> tuple[float, float]:
    """Wall time of the whole `DAG.test` process, and the DAG run alone as Airflow measured it."""
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "credit_warehouse_dev.run_dags", day.isoformat(), "warehouse_build"],
        env={**os.environ, **env}, capture_output=True, text=True, check=True,
    )
    wall = time.monotonic() - started
    runs = [json.loads(line[len(RESULT_PREFIX):]) for line in result.stdout.splitlines()
            if line.startswith(RESULT_PREFIX)]
    return wall, runs[0]["seconds"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--date", type=date.fromisoformat, default=date(2026, 11, 20))
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    embedded.start()
    env = airflow_env()
    migrate_metadata(env)
    bare_times = [bare(args.date) for _ in range(args.repeat)]
    airflow_times = [through_airflow(args.date, env) for _ in range(args.repeat)]
    bare_s = statistics.median(bare_times)
    wall_s = statistics.median(t[0] for t in airflow_times)
    run_s = statistics.median(t[1] for t in airflow_times)
    rows = [
        ("bare dbt build + docs generate", bare_s, 0.0),
        ("warehouse_build DAG run (task in Airflow)", run_s, run_s - bare_s),
        ("same, with Airflow process start-up", wall_s, wall_s - bare_s),
    ]
    print(f"{'what':<45} {'seconds':>8} {'overhead':>9}")
    for what, seconds, overhead in rows:
        print(f"{what:<45} {seconds:8.1f} {overhead:+9.1f}")


if __name__ == "__main__":
    main()
