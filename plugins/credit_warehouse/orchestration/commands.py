"""``credit-warehouse airflow`` and ``dbt``: the pipeline's own tools in the project's environment."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from credit_warehouse.settings import external_database_url


def _airflow(args: argparse.Namespace) -> int:
    """Any airflow CLI command in the project's Airflow environment (e.g. `dags list`, `dags test ...`)."""
    from credit_warehouse.install import install
    from credit_warehouse.orchestration.airflow_env import airflow_env, migrate_metadata
    from credit_warehouse.warehouse import embedded

    if not external_database_url():
        embedded.start()
    install()
    env = airflow_env()
    migrate_metadata(env)
    airflow = Path(sys.executable).with_name("airflow")
    return subprocess.run([str(airflow), *args.airflow_args], env={**os.environ, **env}, check=False).returncode


def _dbt(args: argparse.Namespace) -> int:
    """Any dbt command against the warehouse as the transformer role (e.g. `docs serve`, `build -s ...`)."""
    from credit_warehouse.transform.dbt import DBT_PROJECT_DIR, dbt_env

    dbt = Path(sys.executable).with_name("dbt")
    return subprocess.run(
        [str(dbt), *args.dbt_args], cwd=DBT_PROJECT_DIR, env={**os.environ, **dbt_env()}, check=False
    ).returncode


def register(subparsers: argparse._SubParsersAction) -> None:
    airflow = subparsers.add_parser("airflow", help="run the airflow CLI in the project's Airflow environment")
    airflow.add_argument("airflow_args", nargs=argparse.REMAINDER)
    airflow.set_defaults(handler=_airflow)

    dbt = subparsers.add_parser("dbt", help="run dbt against the warehouse as the transformer role")
    dbt.add_argument("dbt_args", nargs=argparse.REMAINDER)
    dbt.set_defaults(handler=_dbt)
