"""The environment Airflow runs in locally: home in .state/airflow, metadata in the embedded server.

docker-compose and production set the same AIRFLOW__* variables themselves; this module exists so
a laptop or CI needs no manual step (no airflow.cfg edits, no `airflow connections add`). While the
local stack runs (`credit-warehouse up`), its settings (executor, API URL, stand-ins, connections) are
in LOCAL_STACK_FILE and every `credit-warehouse airflow ...` command uses them too.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from credit_warehouse.settings import (
    AIRFLOW_DB,
    PLATFORM_TZ,
    PROJECT_ROOT,
    ConfigurationError,
    database_url,
    secret,
    sqlalchemy_url,
    state_dir,
)


def airflow_home() -> Path:
    home = state_dir() / "airflow"
    home.mkdir(parents=True, exist_ok=True)
    return home


def local_stack_file() -> Path:
    return airflow_home() / "local_stack.json"


def parallelism() -> int:
    """Task slots for the machine: two per core (the tasks wait on PostgreSQL and HTTP as much as they compute)."""
    return 2 * (os.cpu_count() or 1)


def airflow_env(extra_connections: dict[str, str] | None = None) -> dict[str, str]:
    """AIRFLOW__* settings and AIRFLOW_CONN_* connections for a local run."""
    home = airflow_home()
    # psycopg 3 serves both Airflow's sync and async engines (no asyncpg needed)
    meta_url = sqlalchemy_url(database_url(AIRFLOW_DB))
    env = {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(PROJECT_ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__CORE__DEFAULT_TIMEZONE": PLATFORM_TZ.key,
        "AIRFLOW__CORE__PARALLELISM": str(parallelism()),
        "AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG": str(parallelism()),
        "AIRFLOW__API__WORKERS": "1",
        "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": meta_url,
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC": meta_url,
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
        "AIRFLOW__API_AUTH__JWT_SECRET": secret("airflow_jwt_secret"),
        "AIRFLOW__API__SECRET_KEY": secret("airflow_api_secret"),
        # no phoning home from a credit platform
        "AIRFLOW__USAGE_DATA_COLLECTION__ENABLED": "False",
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
        "SCARF_ANALYTICS": "false",
        "DO_NOT_TRACK": "1",
        "PYTHONWARNINGS": "ignore::DeprecationWarning,ignore::UserWarning",
        # the airflow CLI starts its own commands (standalone, api-server workers) by name
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
    }
    stack = local_stack_file()
    if stack.exists():
        env.update(json.loads(stack.read_text(encoding="utf-8")))
    for conn_id, uri in (extra_connections or {}).items():
        env[f"AIRFLOW_CONN_{conn_id.upper()}"] = uri
    return env


def run_airflow(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    """Run the airflow CLI of this environment with the given settings."""
    airflow = Path(sys.executable).with_name("airflow")
    result = subprocess.run(
        [str(airflow), *args], env={**os.environ, **env}, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).strip().splitlines()[-3:]
        raise ConfigurationError(f"airflow {' '.join(args)} failed: {' | '.join(tail)}")
    return result


def migrate_metadata(env: dict[str, str]) -> None:
    """Create or upgrade Airflow's metadata database (idempotent)."""
    run_airflow(["db", "migrate"], env)
