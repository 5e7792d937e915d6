"""Run dbt against the warehouse as the transformer role.

dbt reads its connection from environment variables (dbt_project/profiles.yml); this module is the
one place that fills them from our settings, for the night, the tests and ``credit-warehouse dbt``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

from credit_warehouse.settings import PROJECT_ROOT, ConfigurationError, database_url, state_dir, warehouse_db

DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"


def dbt_env() -> dict[str, str]:
    """Environment variables that point dbt at the warehouse as the transformer role."""
    database = warehouse_db()
    url = urlsplit(database_url(database, role="transformer"))
    return {
        "CREDIT_WAREHOUSE_DB_HOST": url.hostname or "127.0.0.1",
        "CREDIT_WAREHOUSE_DB_PORT": str(url.port or 5432),
        "CREDIT_WAREHOUSE_DB_NAME": database,
        "CREDIT_WAREHOUSE_TRANSFORMER_PASSWORD": unquote(url.password or ""),
        "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR),
        "DBT_PROJECT_DIR": str(DBT_PROJECT_DIR),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_LOG_PATH": str(state_dir() / "logs" / "dbt"),
        "DBT_TARGET_PATH": str(state_dir() / "dbt_target" / database),
    }


def run_dbt(args: list[str], check: bool = True) -> subprocess.CompletedProcess:
    """Run one dbt command in a subprocess (dbt keeps global state; a process per call keeps it clean)."""
    dbt = Path(sys.executable).with_name("dbt")
    env = {**os.environ, **dbt_env()}
    result = subprocess.run(
        [str(dbt), *args], cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True, check=False
    )
    if check and result.returncode != 0:
        failures = [line for line in result.stdout.splitlines() if "ERROR" in line or "FAIL" in line]
        raise ConfigurationError(
            f"dbt {' '.join(args)} failed ({len(failures)} errors): "
            + " | ".join(failures[-5:])
            + f"; full log in {env['DBT_LOG_PATH']}/dbt.log"
        )
    return result
