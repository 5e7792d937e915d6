"""Run dbt against the warehouse as the transformer role.

dbt reads its connection from environment variables (dbt_project/profiles.yml); this module is the
one place that fills them from our settings, for the night, the tests and ``credit-warehouse dbt``.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from urllib.parse import unquote, urlsplit

from credit_warehouse import progress
from credit_warehouse.settings import PROJECT_ROOT, ConfigurationError, database_url, state_dir, warehouse_db

DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
RUN_ARTIFACTS = ("run_results.json", "sources.json")

log = logging.getLogger(__name__)


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
        "DBT_USE_COLORS": "false",  # its lines go to task logs and summaries, not a terminal
        "DBT_LOG_PATH": str(state_dir() / "logs" / "dbt"),
        "DBT_TARGET_PATH": str(state_dir() / "dbt_target" / database),
    }


def target_dir() -> Path:
    return Path(dbt_env()["DBT_TARGET_PATH"])


def runs_dir(day: date) -> Path:
    """Where the run results of one night's dbt commands are kept (the target folder keeps only the last)."""
    return state_dir() / "dbt_runs" / day.isoformat()


def night_vars(day: date) -> str:
    """The --vars of a night's build: its date, and tests on the rows new that night (dbt_project.yml)."""
    return json.dumps({"as_of_date": day.isoformat(), "test_scope": "new_rows"})


def run_dbt(args: list[str], check: bool = True, night: date | None = None) -> subprocess.CompletedProcess:
    """Run one dbt command in a subprocess (dbt keeps global state; a process per call keeps it clean).

    dbt's output goes to the log line by line as dbt writes it, so a task log shows each model as it
    finishes; with ``night``, the command's run results are kept under runs_dir(night).
    """
    dbt = Path(sys.executable).with_name("dbt")
    env = {**os.environ, **dbt_env()}
    lines: list[str] = []
    started = time.time()
    with subprocess.Popen(
        [str(dbt), *args], cwd=DBT_PROJECT_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, bufsize=1,
    ) as process:
        for line in process.stdout:
            line = line.rstrip("\n")
            lines.append(line)
            log.info("dbt: %s", line)
            progress.dbt_line(line)
    result = subprocess.CompletedProcess(process.args, process.returncode, "\n".join(lines), "")
    if night is not None:
        _keep_run_artifacts(args[0] if args else "dbt", night, started)
    if check and result.returncode != 0:
        # a parsing error prints no ERROR or FAIL line: then dbt's last lines say what went wrong
        failures = [line for line in lines if "ERROR" in line or "FAIL" in line] or [
            line.strip() for line in lines[-3:] if line.strip()]
        raise ConfigurationError(
            f"dbt {' '.join(args)} failed: "
            + " | ".join(failures[-5:])
            + f"; full log in {env['DBT_LOG_PATH']}/dbt.log"
        )
    return result


def _keep_run_artifacts(command: str, night: date, since: float) -> None:
    folder = runs_dir(night)
    folder.mkdir(parents=True, exist_ok=True)
    for name in RUN_ARTIFACTS:
        artifact = target_dir() / name
        if artifact.exists() and artifact.stat().st_mtime >= since:  # written by this command, not an earlier one
            shutil.copy2(artifact, folder / f"{command}-{name}")
